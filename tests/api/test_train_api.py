"""Drive the running app as a script or notebook would: gradio_client against a launched server."""
import threading
import time

import pytest
from gradio_client.exceptions import AppError

from explorer.train.scenarios import SCENARIOS
from models.cnn import load_checkpoint
from tests.conftest import api_client as client

pytestmark = pytest.mark.slow

QUICK = {k: (list(v) if isinstance(v, tuple) else v) for k, v in SCENARIOS["quick"].settings.items()}


def stream(job, until_step: int | None = None, timeout: float = 120.0) -> list[dict]:
    summaries, t0 = [], time.monotonic()
    for out in job:
        summaries.append(out[-1])
        if until_step is not None and out[-1]["step"] >= until_step:
            break
        assert time.monotonic() - t0 < timeout
    return summaries


def test_endpoints_are_named(app_url):
    names = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/train", "/stop", "/preset", "/architecture", "/download_checkpoint", "/export_onnx"} <= names


def test_train_stream_cancel_keep_model(app_url):
    c = client(app_url)
    job = c.submit(**dict(QUICK, epochs=3), lang="en", api_name="/train")
    summaries = stream(job, until_step=300)
    job.cancel()
    steps = [s["step"] for s in summaries]
    assert steps == sorted(steps) and steps[-1] >= 300
    vals = [s["val_acc"] for s in summaries if s.get("val_acc") is not None]
    assert len(vals) >= 2 and vals[-1] > vals[0] and vals[-1] >= 0.75
    assert all(s["images_per_s"] >= 0 and "epoch" in s for s in summaries[1:])
    # the server still answers, and the model learned so far is kept in this session
    md = c.predict(2, 8, 3, "relu", True, 0.0, 32, "en", api_name="/architecture")
    assert "| conv1 | Conv2d | 8 × 28 × 28 | 72 |" in md
    path = c.predict("en", api_name="/download_checkpoint")
    model, _ = load_checkpoint(path)
    assert model.cfg.filters == (8, 16)


def test_stop_finishes_with_results(app_url, fashion):
    c = client(app_url)
    job = c.submit(**dict(QUICK, epochs=5), lang="es", api_name="/train")
    got = []

    def consume():
        for out in job:
            got.append(out[-1])

    th = threading.Thread(target=consume)
    th.start()
    while not any(s["step"] >= 100 for s in got):
        time.sleep(0.05)
        assert th.is_alive() or got
    c.predict(api_name="/stop")
    th.join(timeout=30)
    assert not th.is_alive()
    final = got[-1]
    assert final["done"] and final["reason"] == "stopped" and final["step"] < 5 * 430
    assert final["test_acc"] > 0.7 and len(final["confusion"]) == 10
    onnx_path = c.predict("es", api_name="/export_onnx")
    assert onnx_path.endswith(".onnx")


def test_two_sessions_train_their_own_models_while_app_stays_responsive(app_url):
    a, b, c = client(app_url), client(app_url), client(app_url)
    ja = a.submit(**dict(QUICK, filters=8, epochs=2), lang="en", api_name="/train")
    jb = b.submit(**dict(QUICK, filters=4, epochs=2, seed=1), lang="en", api_name="/train")
    time.sleep(1.0)
    jc = c.submit(**dict(QUICK, filters=6, epochs=1), lang="en", api_name="/train")
    # a third trainer waits in the queue and is told its place
    seen_queue = False
    for _ in range(100):
        st = jc.status()
        if st.code.name in ("IN_QUEUE", "JOINING_QUEUE") or st.rank not in (None, -1):
            seen_queue = seen_queue or st.rank is not None
        if st.code.name in ("PROCESSING", "ITERATING"):
            break
        time.sleep(0.05)
    # the rest of the app answers while two models train
    md = c.predict(1, 4, 5, "tanh", False, 0.5, 16, "es", api_name="/architecture")
    assert "| Capa |" in md
    assert not ja.done() or not jb.done()
    for j in (ja, jb, jc):
        j.cancel()
    pa = a.predict("en", api_name="/download_checkpoint")
    pb = b.predict("en", api_name="/download_checkpoint")
    ma, _ = load_checkpoint(pa)
    mb, _ = load_checkpoint(pb)
    assert ma.cfg.filters == (8, 16) and mb.cfg.filters == (4, 8)
    assert seen_queue


@pytest.mark.parametrize("change,fragment", [
    (dict(epochs=10**6), "100"),
    (dict(batch_size=0), "1"),
    (dict(optimizer="lion"), "lion"),
    (dict(lr=-0.5), "0.5"),
    (dict(activation="gelu"), "gelu"),
    (dict(augment=["zoom"]), "zoom"),
])
def test_bad_parameters_get_a_clear_message(app_url, change, fragment):
    c = client(app_url)
    with pytest.raises(AppError) as err:
        c.predict(**dict(QUICK, **change), lang="es", api_name="/train")
    msg = str(err.value)
    assert fragment in msg and "Traceback" not in msg
    assert c.predict(2, 8, 3, "relu", True, 0.0, 32, "en", api_name="/architecture")  # still up


def test_nan_learning_rate_over_raw_http_is_refused_in_spanish(app_url):
    """JSON has no NaN, so gradio_client refuses to send one; a raw HTTP caller can (Python's json
    writes the literal NaN). The server must answer with a clear, translated message."""
    import json

    import httpx

    order = ["dataset", "train_size", "augment", "blocks", "filters", "kernel_size", "activation",
             "batch_norm", "dropout", "dense", "optimizer", "lr", "batch_size", "epochs",
             "weight_decay", "l1", "schedule", "seed"]
    payload = json.dumps({"data": [dict(QUICK, lr=float("nan"))[k] for k in order] + ["es"]})
    assert "NaN" in payload
    with httpx.Client(base_url=app_url, timeout=30) as http:
        r = http.post("/gradio_api/call/train", content=payload,
                      headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text
        event_id = r.json()["event_id"]
        body = http.get(f"/gradio_api/call/train/{event_id}").text
    assert "event: error" in body
    assert "no puede ser NaN" in body and "learning rate" in body


def test_download_without_a_model_is_explained(app_url):
    with pytest.raises(AppError) as err:
        client(app_url).predict("es", api_name="/download_checkpoint")
    assert "Entrenar" in str(err.value)


def test_preset_fills_every_parameter(app_url):
    out = client(app_url).predict("overfit", "es", api_name="/preset")
    assert out[1] == 500 and "500" in out[-1]
    with pytest.raises(AppError):
        client(app_url).predict("nonsense", "es", api_name="/preset")


def test_missing_mnist_says_how_to_get_it(app_url):
    from explorer import data

    if data.available("mnist"):
        pytest.skip("MNIST is installed here")
    with pytest.raises(AppError) as err:
        client(app_url).predict(**dict(QUICK, dataset="mnist"), lang="es", api_name="/train")
    assert "No se encuentra el conjunto de datos MNIST" in str(err.value) and "MNIST_DIR" in str(err.value)
