import math
import threading

import numpy as np
import pytest
import torch

from explorer.i18n import config_error_message
from explorer.train import compute as training
from explorer.train.scenarios import SCENARIOS

TINY = dict(blocks=2, filters=8, dense=32, dropout=0.0, batch_size=64, lr=3e-3, epochs=1)


@pytest.mark.parametrize("raw,field,kind", [
    (dict(epochs=10**6), "epochs", "range"),
    (dict(batch_size=0), "batch_size", "range"),
    (dict(lr=float("nan")), "lr", "nan"),
    (dict(lr=float("inf")), "lr", "range"),
    (dict(lr=-1), "lr", "range"),
    (dict(lr="fast"), "lr", "type"),
    (dict(lr=None), "lr", "type"),
    (dict(optimizer="lion"), "optimizer", "choice"),
    (dict(activation="gelu"), "activation", "choice"),
    (dict(kernel_size=4), "kernel_size", "choice"),
    (dict(augment=["zoom"]), "augment", "choice"),
    (dict(augment=5), "augment", "type"),
    (dict(blocks=2.5), "blocks", "type"),
    (dict(blocks=True), "blocks", "type"),
    (dict(batch_norm="yes"), "batch_norm", "type"),
    (dict(dropout=1.5), "dropout", "range"),
    (dict(train_size=10), "train_size", "range"),
    (dict(seed=-1), "seed", "range"),
    (dict(wings=2), "wings", "unknown"),
    (dict(epochs=100, batch_size=1), "epochs", "steps"),
])
def test_every_bad_parameter_gets_a_clear_error(raw, field, kind):
    with pytest.raises(training.ConfigError) as err:
        training.validate(raw)
    assert (err.value.field, err.value.kind) == (field, kind)
    for lang in ("es", "en"):
        msg = config_error_message(lang, err.value)
        assert msg and "{" not in msg and "Traceback" not in msg


def test_messages_are_translated():
    with pytest.raises(training.ConfigError) as err:
        training.validate(dict(epochs=10**6))
    assert config_error_message("es", err.value) == "«épocas» debe estar entre 1 y 100 (recibido: 1e+06)."
    assert config_error_message("en", err.value) == "“epochs” must be between 1 and 100 (got: 1e+06)."


def test_validate_builds_configs_and_coerces_ui_values():
    cnn, tc = training.validate(dict(blocks=3, filters=16, kernel_size="5", augment="shift,flip",
                                     batch_size=128.0, train_size=1000, epochs=2))
    assert cnn.filters == (16, 32, 64) and cnn.kernel_size == 5
    assert tc.augment == ("shift", "flip") and tc.batch_size == 128 and isinstance(tc.batch_size, int)
    _, tc = training.validate(dict(train_size=100, batch_size=512))
    assert tc.batch_size == 100  # never larger than the data


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_presets_validate(name):
    training.validate(SCENARIOS[name].settings)


def test_split_is_disjoint_and_seeded():
    _, tc = training.validate(dict(train_size=500, seed=3))
    tr, val = training.split_indices(tc)
    assert len(tr) == 500 and len(val) == training.VAL_HOLDOUT
    assert not set(tr.tolist()) & set(val.tolist())
    assert torch.equal(tr, training.split_indices(tc)[0])


def test_short_run_learns(fashion):
    """200 steps on a 12,800-image subset: validation accuracy far above chance."""
    cnn, tc = training.validate(dict(TINY, train_size=12800, epochs=1))
    model = training.build_model(cnn, 0)
    evals, done = training.run_to_end(model, tc, fashion, min_eval_interval=0.2)
    assert done.reason == "completed" and done.step == 200
    assert evals[-1].val_acc >= 0.75 and done.test_acc >= 0.75
    assert evals[-1].step == 200 and 0 < evals[0].val_acc <= evals[-1].val_acc + 0.05
    assert done.confusion.sum() == 10000 and np.trace(done.confusion) == round(done.test_acc * 10000)
    assert len(done.mistakes) == 16 and all(t != p for _, t, p, _ in done.mistakes)
    confs = [c for *_, c in done.mistakes]
    assert confs == sorted(confs, reverse=True)


def test_same_seed_same_start(fashion):
    cnn, _ = training.validate(TINY)
    a, b = training.build_model(cnn, 5), training.build_model(cnn, 5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("opt", training.OPTIMIZERS)
def test_every_optimizer_and_regulariser_runs(fashion, opt):
    cnn, tc = training.validate(dict(TINY, optimizer=opt, lr=0.01, train_size=640, weight_decay=1e-4,
                                     l1=1e-5, augment=["shift", "rotate", "flip", "noise"],
                                     schedule="onecycle"))
    model = training.build_model(cnn, 0)
    before = [p.detach().clone() for p in model.parameters()]
    _, done = training.run_to_end(model, tc, fashion)
    assert done.step == 10 and math.isfinite(done.test_loss)
    assert any(not torch.equal(p, q) for p, q in zip(before, model.parameters()))


def test_stop_keeps_what_was_learned(fashion):
    cnn, tc = training.validate(dict(TINY, epochs=5))
    model = training.build_model(cnn, 0)
    stop = threading.Event()
    events = []
    for ev in training.train(model, tc, fashion, stop=stop):
        events.append(ev)
        if isinstance(ev, training.Step) and ev.step == 150:
            stop.set()
    done = events[-1]
    assert isinstance(done, training.Done) and done.reason == "stopped" and done.step == 150
    # stop means stop: the stopped run is scored on the first 1,000 test images, not all 10,000
    assert done.test_images == training.STOPPED_TEST_IMAGES == 1000 == int(done.confusion.sum())
    halted = [e for e in events if isinstance(e, training.Halted)]
    assert len(halted) == 1 and halted[0].test_images == 1000
    assert done.test_acc > 0.6  # the weights learned in 150 steps are kept
    assert not model.training


def test_divergence_is_reported_not_raised(fashion):
    cnn, tc = training.validate(dict(TINY, optimizer="sgd", lr=10.0, batch_norm=False, train_size=6400))
    model = training.build_model(cnn, 0)
    with torch.no_grad():
        model.classifier.fc2.weight.mul_(1e30)  # logits overflow: the loss becomes inf/NaN at once
    _, done = training.run_to_end(model, tc, fashion)
    assert done.reason == "diverged" and done.step <= 2


def test_time_limit_ends_the_run(fashion):
    cnn, tc = training.validate(dict(TINY, epochs=3))
    tc.max_seconds = 0.3
    _, done = training.run_to_end(training.build_model(cnn, 0), tc, fashion)
    assert done.reason == "time_limit" and done.step < tc.steps_per_epoch() * 3


def test_closing_the_generator_leaves_a_usable_model(fashion):
    cnn, tc = training.validate(TINY)
    model = training.build_model(cnn, 0)
    gen = training.train(model, tc, fashion)
    for ev in gen:
        if isinstance(ev, training.Step) and ev.step == 20:
            break
    gen.close()
    assert not model.training
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_quick_preset_reaches_85_percent(fashion):
    cnn, tc = training.validate(SCENARIOS["quick"].settings)
    _, done = training.run_to_end(training.build_model(cnn, tc.seed), tc, fashion)
    assert done.test_acc >= 0.85


# ---- the Train tab's run keeps weight snapshots for the Embeddings tab's animation -------------

def _run_in_session(raw, stop_at: int | None = None):
    from explorer.session import SessionData
    from explorer.train import views as train_view

    sess = SessionData()
    stop = threading.Event()
    for frame in train_view.run(sess, raw, "en", frame_interval=0.0, stop=stop):
        if stop_at is not None and frame.summary.get("step", 0) >= stop_at:
            stop.set()
    return sess


def test_a_run_keeps_snapshots_at_log_spaced_steps(fashion):
    from explorer.embeddings.compute import checkpoint_steps

    raw = dict(TINY, train_size=3200)  # 50 steps
    sess = _run_in_session(raw)
    steps = [s for s, _ in sess.snapshots]
    assert steps == checkpoint_steps(50) == [0, 10, 15, 22, 33, 50]
    assert sess.snapshot_run == sess.run_id and not sess.running
    # step 0 is the freshly initialised network, the last one the trained model
    cnn, tc = training.validate(raw)
    init = training.build_model(cnn, tc.seed).state_dict()
    first, last = sess.snapshots[0][1], sess.snapshots[-1][1]
    assert all(torch.equal(first[k], init[k]) for k in init)
    final = sess.model.state_dict()
    assert all(torch.equal(last[k], final[k]) and last[k].data_ptr() != final[k].data_ptr() for k in final)
    # every snapshot is its own copy, with different weights from the one before
    for (_, a), (_, b) in zip(sess.snapshots, sess.snapshots[1:]):
        assert not torch.equal(a["features.conv1.weight"], b["features.conv1.weight"])
        assert not torch.equal(a["classifier.fc2.weight"], b["classifier.fc2.weight"])
    assert all(not v.requires_grad for _, sd in sess.snapshots for v in sd.values())


def test_a_stopped_run_ends_its_snapshots_on_its_last_step(fashion):
    sess = _run_in_session(dict(TINY, train_size=3200, epochs=3), stop_at=12)
    steps = [s for s, _ in sess.snapshots]
    assert sess.last_done["reason"] == "stopped"
    assert steps[:2] == [0, 10] and steps[-1] == sess.last_done["step"] and len(steps) == 3


def test_only_fashion_runs_of_a_reasonable_size_keep_snapshots():
    from explorer.train import views as train_view

    def steps(**kw):
        cnn, tc = training.validate(dict(TINY, **kw))
        return train_view.snapshot_steps(training.build_model(cnn, 0), tc)

    assert steps(train_size=3200) == [0, 10, 15, 22, 33, 50]
    assert steps(train_size=3200, dataset="mnist") == []  # the map is of Fashion-MNIST test images
    assert steps(blocks=1, filters=128, dense=1024) == []  # 103 MB a copy
    for name, sc in SCENARIOS.items():
        cnn, tc = training.validate(sc.settings)
        assert len(train_view.snapshot_steps(training.build_model(cnn, 0), tc)) == 6, name
