"""The Fundamentos tab's handlers called directly, without launching the app (issue 19): each
endpoint's outputs and JSON, the scenarios' settings, the session's last run for the loss landscape,
and bad input answered with a translated gr.Error."""
import gradio as gr
import pytest

from explorer.basics.scenarios import OPT_SCENARIOS, SCENARIOS
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.ui import basics as ui


class Request:
    def __init__(self, session_hash: str = "unit-basics"):
        self.session_hash = session_hash


RUN = dict(source="generated", dataset="circles", noise=0.1, classes=3, n_points=200, test_share=0.3, data_seed=0,
           points="", csv_file=None, features=["x1", "x2"], hidden="6", activation="tanh", optimizer="adam",
           lr=0.03, batch_size=10, steps=200, l1=0, l2=0, dropout=0, seed=0)


def test_playground_keeps_the_run_for_the_landscape_and_answers_identical_calls_once():
    store = SessionStore()
    status, fig, summary = ui.playground(store, *RUN.values(), "es", Request())
    assert "en la prueba" in status and summary["data"]["classes"] == 3
    assert store.get("unit-basics").basics_run.final == summary["final"]
    again = ui.playground(store, *RUN.values(), "es", Request("other"))
    assert again[1] is fig  # the same figure object: computed once (explorer.memo)
    line, plane, land = ui.landscape_view(store, "en", Request())
    assert land["line"]["end_loss"] == pytest.approx(summary["records"][-1]["train_loss"], abs=1e-3)
    assert len(land["plane"]["path"]) == len(summary["frames_steps"])
    assert line.to_dict()["layout"]["title"]["text"] and plane.to_dict()["data"]


def test_the_landscape_before_any_run_says_what_to_do():
    with pytest.raises(gr.Error) as err:
        ui.landscape_view(SessionStore(), "es", Request("fresh"))
    assert "Primero entrena una red" in str(err.value)


def test_clicked_points_and_their_errors():
    store = SessionStore()
    pts = '[[1, 1, 0], [2, 2, 0], [-1, -1, 1], [-2, -2, 1], [1.5, 2, 0], [-2, -1, 1]]'
    _, _, summary = ui.playground(store, *{**RUN, "source": "points", "points": pts}.values(), "en", Request())
    assert summary["data"]["dataset"] == "points"
    for bad, text in (("[[1, 1, 0]]", "At least 4 points"), ("not json", "cannot read the points"),
                      ("[[1, 1, 0], [2, 2, 0], [9, 9, 1], [1, 2, 1]]", "off the plane")):
        with pytest.raises(gr.Error) as err:
            ui.playground(store, *{**RUN, "source": "points", "points": bad}.values(), "en", Request())
        assert text in str(err.value)
    assert ui.points_figure("points", "xor", 0.1, 2, 100, 0.3, 0, pts, None, "en").to_dict()["data"]


def test_compare_runs_b_with_one_setting_changed():
    status, fig_a, _fig_b, _cmp_fig, summary = ui.playground_compare(
        SessionStore(), *RUN.values(), "l2", "0,01", "es", Request())
    assert summary["a"]["config"]["l2"] == 0 and summary["b"]["config"]["l2"] == 0.01
    assert "**A** (L2: 0)" in status and "**B** (L2: 0,01)" in status
    assert fig_a.to_dict()["layout"]["title"]["text"].startswith("A · ")


def test_a_scenario_fills_every_control_and_runs():
    out = ui.apply_preset("lr_too_high", "en")
    assert out[0] == "generated" and out[-3:-1] == ["lr", "10.0"]
    assert out[-1] == t("en", "basics_scn_lr_too_high_lesson")
    values = out[1:-3]  # dataset ... seed; the clicked points and the CSV come after the data's seed
    res = ui.run_scenario(SessionStore(), "lr_too_high", "generated", *values[:6], "", None, *values[6:], "lr",
                          "10.0", "en", Request())
    assert "**B** (Learning rate: 10)" in res[0]


def test_neuron_perceptron_and_backprop():
    plane, _act, summary = ui.neuron_view(1.0, -1.0, 0.5, "sigmoid", "en")
    assert summary and plane.layout.title.text
    text, _, s = ui.perceptron_run("xor", 1.0, 20, 0, "es")
    assert "No converge" in text and not s["converged"]
    text, _, s = ui.perceptron_run("separable", 1.0, 20, 0, "en")
    assert "Converges" in text and s["converged"]
    _fig, _table, _line, js, new = ui.backprop_step(ui.DEFAULT_WEIGHTS, 0.05, 0.1, 0.01, 0.5, "sigmoid", "mse", "en")
    assert js["loss"] == pytest.approx(0.274811083, abs=1e-9) and js["loss_decreased"]
    assert new.startswith("0.149") and len(new.split(",")) == 9
    with pytest.raises(gr.Error) as err:
        ui.backprop_step("1, 2, 3", 0.05, 0.1, 0.01, 0.5, "sigmoid", "mse", "en")
    assert "w11" in str(err.value)


def test_optimizers_and_their_scenarios():
    status, *_, result = ui.optimizers_run("rosenbrock", ["sgd", "adam"], None, 0.9, 0.9, 0.999, 0.99, 200, None,
                                           None, 0, 0, "en")
    assert [r["optimizer"] for r in result["runs"]] == ["sgd", "adam"] and len(result["runs"][0]["path"]) == 201
    assert "Rosenbrock" in status or "valley" in status
    for name in OPT_SCENARIOS:
        out = ui.optimizers_preset(name, "es")
        assert out[3] == t("es", f"basics_scn_{name}_lesson") and out[-1]["runs"]
    with pytest.raises(gr.Error):
        ui.optimizers_run("himmelblau", ["sgd"], None, 0.9, 0.9, 0.999, 0.99, 200, None, None, 0, 0, "en")


def test_the_two_scenario_lists_do_not_share_a_name():
    assert not set(SCENARIOS) & set(OPT_SCENARIOS)
