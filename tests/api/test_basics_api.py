"""The Fundamentos tab driven as a script would (issue 19): gradio_client against the launched app —
the playground on a data set, on clicked points and on a CSV, two runs compared, the scenarios, and
bad input (a CSV with text, a million rows, one class, NaN) answered with a translated message."""
import json

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from tests.conftest import api_client as client

pytestmark = pytest.mark.slow

ENDPOINTS = {"/playground", "/playground_compare", "/basics_preset", "/basics_points"}
RUN = dict(source="generated", dataset="xor", noise=0.1, classes=2, n_points=300, test_share=0.3, data_seed=0,
           points="", csv_file=None, features=["x1", "x2"], hidden="4", activation="tanh", optimizer="adam",
           lr=0.03, batch_size=10, steps=500, l1=0, l2=0, dropout=0, seed=0, lang="en")
ORDER = list(RUN)


def args(**change) -> list:
    p = dict(RUN, **change)
    return [p[k] for k in ORDER]


@pytest.fixture(scope="module")
def c(app_url):
    return client(app_url)


def test_endpoints_are_named(c):
    assert set(c.view_api(print_info=False, return_format="dict")["named_endpoints"]) >= ENDPOINTS


def test_playground_returns_the_run_step_by_step_and_the_final_weights(c):
    status, fig, summary = c.predict(*args(), api_name="/playground")
    assert "98.9 % on the test" in status
    rec = summary["records"]
    assert rec[0]["step"] == 0 and rec[-1]["step"] == 500 and len(rec) > 100
    assert {"train_loss", "test_loss", "train_acc", "test_acc", "epoch"} <= set(rec[-1])
    assert summary["final"]["test_acc"] == 0.9889
    w = summary["final_weights"]
    assert [len(layer["weight"]) for layer in w] == [4, 2] and len(w[0]["weight"][0]) == 2
    plot = json.loads(fig["plot"]) if isinstance(fig, dict) and "plot" in fig else fig
    assert plot is not None


def test_identical_calls_get_identical_answers_and_other_languages_their_own(c):
    a = c.predict(*args(seed=3, steps=200), api_name="/playground")
    b = c.predict(*args(seed=3, steps=200), api_name="/playground")
    es = c.predict(*args(seed=3, steps=200, lang="es"), api_name="/playground")
    assert a[2] == b[2] == es[2] and a[0] == b[0]
    assert "en la prueba" in es[0]


def test_points_clicked_on_the_plane_train_the_network(c):
    rows = [[-3 + 0.5 * i, 2.0, 0] for i in range(8)] + [[-3 + 0.5 * i, -2.0, 1] for i in range(8)]
    _status, _, summary = c.predict(*args(source="points", points=json.dumps(rows), hidden="", optimizer="sgd",
                                         lr=0.3, steps=200), api_name="/playground")
    assert summary["data"]["dataset"] == "points" and summary["data"]["classes"] == 2
    assert summary["final"]["train_acc"] == 1.0


def test_a_csv_of_three_classes_with_names_is_read(c, tmp_path):
    path = tmp_path / "puntos.csv"
    path.write_text("x1;x2;tipo\n" + "".join(f"{(i % 10) - 5};{(i // 10) - 2};{['a', 'b', 'c'][i % 3]}\n"
                                             for i in range(60)), encoding="utf-8")
    _, _, summary = c.predict(*args(source="csv", csv_file=handle_file(str(path)), hidden="8", steps=100),
                              api_name="/playground")
    assert summary["data"]["dataset"] == "csv" and summary["data"]["classes"] == 3
    assert sum(summary["data"]["per_class"]) == 60


@pytest.mark.parametrize("content, es_text", [
    ("x1,x2,clase\n1,2,a\nhola,3,b\n0,0,a\n1,1,b\n", "tiene texto donde deberían ir las coordenadas"),
    ("1,2,a\n3,3,a\n0,0,a\n1,1,a\n", "Todos los puntos son de la misma clase"),
    ("1,2,a\nnan,3,b\n0,0,a\n1,1,b\n", "no son números"),
    ("1,2,0\n3,4,1\n" * 500_000, "El CSV ocupa"),
])
def test_a_bad_csv_gets_a_clear_translated_message(c, tmp_path, content, es_text):
    path = tmp_path / "malo.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AppError) as err:
        c.predict(*args(source="csv", csv_file=handle_file(str(path)), lang="es"), api_name="/playground")
    assert es_text in str(err.value)


@pytest.mark.parametrize("change, text", [
    (dict(hidden="4, 99"), "between 1 and 8"), (dict(lr=-1), "learning rate"),
    (dict(source="points", points="[[0, 0, 0]]"), "At least 4 points"), (dict(dataset="mnist"), "Unknown data set"),
    (dict(features=[]), "at least one input"), (dict(source="csv"), "First upload a CSV"),
])
def test_bad_settings_get_a_clear_message(c, change, text):
    with pytest.raises(AppError) as err:
        c.predict(*args(**change), api_name="/playground")
    assert text in str(err.value)


def test_two_runs_compared_start_together_and_differ_in_one_setting(c):
    status, *_, summary = c.predict(*args(optimizer="sgd", steps=300)[:-1], "optimizer", "adam", "en",
                                    api_name="/playground_compare")
    a, b = summary["a"], summary["b"]
    assert a["config"]["optimizer"] == "sgd" and b["config"]["optimizer"] == "adam"
    assert a["records"][0] == b["records"][0]  # the same first weights, the same data
    assert "**A** (Optimizer: SGD)" in status and "**B** (Optimizer: Adam)" in status
    with pytest.raises(AppError) as err:
        c.predict(*args()[:-1], "seed", "3", "en", api_name="/playground_compare")
    assert "cannot be compared" in str(err.value)


def test_a_scenario_sets_every_control_and_its_lesson(c):
    out = c.predict("spiral_depth", "es", api_name="/basics_preset")
    assert out[0] == "generated" and out[1] == "spiral" and out[8] == "8"
    assert list(out[-3:-1]) == ["hidden", "8, 8, 8, 8"]
    assert "más del 97 %" in out[-1]
    with pytest.raises(AppError) as err:
        c.predict("nope", "en", api_name="/basics_preset")
    assert "Unknown scenario" in str(err.value)


def test_neuron_perceptron_backprop_optimizers_and_landscape(c):
    *_, summary = c.predict(1.0, -1.0, 0.5, "tanh", "en", api_name="/neuron")
    assert summary
    status, _, result = c.predict("xor", 1.0, 30, 0, "en", api_name="/perceptron")
    assert not result["converged"] and "Does not converge" in status
    *_, numbers, new = c.predict("0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6", 0.05, 0.1, 0.01, 0.5,
                                 "sigmoid", "mse", "en", api_name="/backprop_step")
    assert numbers["loss"] == pytest.approx(0.274811083, abs=1e-9) and len(numbers["updates"]) == 9
    assert new != "0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6"
    *_, result = c.predict("bowl", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"], None, 0.9, 0.9,
                           0.999, 0.99, 100, None, None, 0, 0, "es", api_name="/optimizers")
    assert [r["optimizer"] for r in result["runs"]] == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    assert all(len(r["path"]) == len(r["loss"]) == 101 for r in result["runs"])
    out = c.predict("opt_lr_too_high", "en", api_name="/optimizers_preset")
    assert out[0] == "bowl" and "diverge" in out[3]
    with pytest.raises(AppError) as err:  # a fresh session has no network yet
        client(c.src).predict("es", api_name="/landscape")
    assert "Primero entrena una red" in str(err.value)
    c.predict(*args(steps=200), api_name="/playground")
    *_, land = c.predict("en", api_name="/landscape")
    assert land["line"]["end_loss"] > 0 and land["plane"]["path"]
