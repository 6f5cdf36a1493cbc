import numpy as np
import onnxruntime as ort
import pytest
import torch
from PIL import Image

from explorer.session import SessionData, SessionStore
from explorer.train import compute as training
from explorer.train import views as train_view
from models.cnn import load_checkpoint

TINY = dict(blocks=2, filters=8, dense=32, dropout=0.0, batch_size=64, lr=3e-3, epochs=1, train_size=3200)


@pytest.fixture(scope="module")
def trained(fashion):
    sess = SessionData()
    frames = list(train_view.run(sess, dict(TINY), "es", frame_interval=0.0))
    return sess, frames


def test_frames_stream_and_end_with_results(trained):
    sess, frames = trained
    assert len(frames) >= 10
    assert all(isinstance(f.filters, Image.Image) for f in frames)
    last = frames[-1]
    assert last.final and last.confusion is not None and isinstance(last.mistakes, Image.Image)
    s = last.summary
    assert s["done"] and s["reason"] == "completed" and s["step"] == 50
    assert {"train_loss", "val_loss", "train_acc", "val_acc", "images_per_s", "test_acc"} <= set(s)
    assert sum(map(sum, s["confusion"])) == 10000
    assert "exactitud en test" in last.status  # Spanish, as asked
    assert sess.model is not None and not sess.running and sess.history
    steps = [f.summary["step"] for f in frames]
    assert steps == sorted(steps)


def test_curves_are_labelled_in_the_session_language(trained):
    sess, _ = trained
    fig_es, fig_en = train_view.curves(sess, "es"), train_view.curves(sess, "en")
    assert fig_es.layout.xaxis.title.text == "Época" and fig_en.layout.xaxis.title.text == "Epoch"
    assert fig_en.layout.yaxis.title.text == "Loss (nats)" and fig_en.layout.yaxis2.title.text == "Accuracy (%)"
    names = {tr.name for tr in fig_en.data}
    assert {"training", "validation", "training (per batch)"} <= names
    assert "entrenamiento (por lote)" in {tr.name for tr in fig_es.data}


def test_second_run_keeps_the_first_as_ghost(fashion):
    sess = SessionData()
    seen = {training.active_runs() for _ in train_view.run(sess, dict(TINY, train_size=640), "en")}
    assert seen == {1} and training.active_runs() == 0  # counted while it runs (the warm-up waits)
    first = list(sess.history)
    abandoned = train_view.run(SessionData(), dict(TINY, train_size=640), "en")
    next(abandoned)
    abandoned.close()  # a closed browser
    assert training.active_runs() == 0
    for _ in train_view.run(sess, dict(TINY, train_size=640, lr=1e-3), "en"):
        pass
    assert sess.prev_history == first
    assert any("previous run" in (tr.name or "") for tr in train_view.curves(sess, "en").data)


def test_architecture_table(fashion):
    md = train_view.architecture_markdown(dict(blocks=2, filters=8, dense=32), "es")
    assert "| Capa |" in md and "conv1" in md and "8 × 28 × 28" in md
    with pytest.raises(training.ConfigError):
        train_view.architecture_markdown(dict(blocks=9), "es")


def test_exports_roundtrip(trained, fashion):
    sess, _ = trained
    ckpt = train_view.export_checkpoint(sess)
    _model, metrics = load_checkpoint(ckpt)
    assert metrics["test_acc"] == sess.last_done["test_acc"]
    onnx_path = train_view.export_onnx(sess)
    x = fashion.test.floats(slice(0, 32)).numpy()
    s = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    out = s.run(None, {s.get_inputs()[0].name: x})[0]
    with torch.inference_mode():
        assert np.abs(out - sess.model(torch.from_numpy(x)).numpy()).max() < 1e-4
    assert onnx_path.parent == sess.workdir()


def test_exports_need_a_model():
    with pytest.raises(LookupError):
        train_view.export_checkpoint(SessionData())


def test_sessions_are_isolated_and_cleaned(tmp_path):
    store = SessionStore()
    a, b = store.get("a"), store.get("b")
    assert a is not b and store.get("a") is a
    d = a.workdir()
    (d / "f").write_text("x")
    store.drop("a")
    assert not d.exists() and "a" not in store and a.stop.is_set()
    store.idle_ttl_s = 0.0
    store.get("c")  # sweeping happens on access
    assert "b" not in store


def test_a_diverged_run_is_explained_not_crashed(fashion, monkeypatch):
    real = training.build_model

    def exploding(cfg, seed):
        model = real(cfg, seed)
        with torch.no_grad():
            model.classifier.fc2.weight.fill_(float("nan"))  # the loss is NaN at the first step
        return model

    monkeypatch.setattr(training, "build_model", exploding)
    frames = list(train_view.run(SessionData(), dict(TINY, batch_norm=False), "es"))
    last = frames[-1]
    assert last.final and last.summary["reason"] == "diverged"
    assert "divergió" in last.status and "pérdida —" in last.status
    assert frames[0].status.startswith("Empezando a entrenar una red de")
