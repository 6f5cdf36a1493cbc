"""What the Train tab shows, computed without Gradio: a session's training run turned into frames
(status line, curves, filters, prediction grid, and at the end a confusion matrix and the most
confident mistakes), plus the architecture table and the model exports.

``explorer/ui/train.py`` only lays these out and wires them to buttons.
"""
from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch

from explorer import data, plots
from explorer.embeddings.compute import checkpoint_steps
from explorer.i18n import num, t
from explorer.session import SessionData
from explorer.train import compute as training
from models.cnn import SmallCNN, count_parameters, layer_summary, save_checkpoint

FRAME_INTERVAL_S = 0.4  # at least 2.5 frames a second while training
MAX_BATCH_POINTS = 400  # the per-batch loss trace is thinned to this many points
# Weight snapshots a session keeps for the Embeddings tab's "map while the network learns". Every
# preset fits ("overfit", the widest, 3.1 MiB a copy); a dense layer of 25M weights does not.
SNAPSHOT_MAX_BYTES = 96 * 2**20


@dataclass
class Frame:
    status: str  # Markdown
    curves: Any  # plotly Figure
    filters: Any  # PIL image
    grid: Any | None  # PIL image, None = unchanged
    confusion: Any | None = None  # plotly Figure at the end
    mistakes: Any | None = None  # PIL image at the end
    summary: dict[str, Any] = field(default_factory=dict)
    final: bool = False


def architecture_markdown(raw: dict[str, Any], lang: str) -> str:
    """The layer table (output shape and parameters per layer, as Keras' summary of LeNet in the
    course notes) for the architecture in ``raw``. Raises ``training.ConfigError``."""
    cnn_cfg, _ = training.validate(raw)
    model = SmallCNN(cnn_cfg)
    lines = [f"| {t(lang, 'train_col_layer')} | {t(lang, 'train_col_type')} | {t(lang, 'train_col_shape')} | "
             f"{t(lang, 'train_col_params')} |", "|---|---|---|---:|"]
    for row in layer_summary(model):
        shape = " × ".join(str(s) for s in row["output_shape"])
        lines.append(f"| {row['layer']} | {row['type']} | {shape} | {num(lang, row['params'])} |")
    lines.append("")
    lines.append(t(lang, "train_total_params", n=num(lang, count_parameters(model))))
    return "\n".join(lines)


def _history_row(ev: training.Eval) -> dict[str, float]:
    return {"step": ev.step, "epoch": round(ev.epoch, 4), "train_loss": ev.train_loss,
            "train_acc": ev.train_acc, "val_loss": ev.val_loss, "val_acc": ev.val_acc,
            "images_per_s": ev.images_per_s, "elapsed_s": ev.elapsed}


def _thin(points: list[tuple[float, float]], n: int) -> list[tuple[float, float]]:
    if len(points) <= n:
        return points
    idx = np.linspace(0, len(points) - 1, n).round().astype(int)
    return [points[i] for i in idx]


def curves_of(history: list[dict], batch_losses: list[tuple[float, float]], prev: list[dict],
              lang: str, epochs: float | None = None):
    """Learning curves of one run (evaluations and per-batch loss) over a previous run, faintly."""
    fig = plots.curves_figure(history, lang, prev=prev, epochs=epochs)
    if batch_losses:
        pts = _thin(batch_losses, MAX_BATCH_POINTS)
        fig.add_trace(go.Scatter(
            x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines",
            name=t(lang, "train_series_batch"), line=dict(color=plots.TRAIN_COLOR, width=1),
            opacity=0.35, hovertemplate="%{x:.2f}: %{y:.3f}<extra></extra>"), row=1, col=1)
    return fig


def curves(sess: SessionData, lang: str, epochs: float | None = None):
    """The learning curves of the session's latest run."""
    return curves_of(sess.history, sess.batch_losses, sess.prev_history, lang, epochs)


def filters_of(model: SmallCNN, lang: str):
    return plots.filters_image(model.first_conv.weight.detach().float().numpy(),
                               legend=t(lang, "train_filters_legend"))


def grid_of(ds: data.Dataset, lang: str, pred=None, conf=None):
    idx = training.showcase_indices(ds)
    images = ds.train.images[idx, 0].numpy()
    labels = ds.train.labels[idx].numpy()
    return plots.prediction_grid(images, labels, pred, conf, ds.class_names(lang), lang)


def mistakes_of(ds: data.Dataset, done_summary: dict, lang: str):
    m = done_summary.get("mistakes", [])
    if not m:
        return None
    images = ds.test.images[[r["index"] for r in m], 0].numpy()
    return plots.prediction_grid(images, [r["true"] for r in m], [r["pred"] for r in m],
                                 [r["p"] for r in m], ds.class_names(lang), lang, cols=8)


def status_running(ev: training.Step | training.Eval, epochs: int, lang: str) -> str:
    loss = ev.loss if isinstance(ev, training.Step) else ev.train_loss
    return t(lang, "train_status_running", epoch=num(lang, ev.epoch, 2), epochs=epochs,
             step=num(lang, ev.step), ips=num(lang, ev.images_per_s), elapsed=num(lang, ev.elapsed, 1),
             loss=num(lang, loss, 3))


def status_done(summary: dict, lang: str) -> str:
    reason = t(lang, f"train_status_done_{summary['reason']}")
    loss = summary["test_loss"]
    return t(lang, "train_status_done", reason=reason, elapsed=num(lang, summary["elapsed_s"], 1),
             steps=num(lang, summary["step"]), acc=num(lang, summary["test_acc"] * 100, 2),
             loss="—" if loss is None else num(lang, loss, 3), n=num(lang, summary.get("test_images") or 0))


def _done_summary(done: training.Done, last: dict) -> dict[str, Any]:
    return {**last, "done": True, "reason": done.reason, "step": done.step,
            "epoch": round(done.epoch, 4), "elapsed_s": round(done.elapsed, 3),
            "images_seen": done.images_seen,
            "images_per_s": round(done.images_seen / max(done.elapsed, 1e-9), 1),
            "test_loss": done.test_loss if np.isfinite(done.test_loss) else None,
            "test_acc": done.test_acc, "test_images": done.test_images, "confusion": done.confusion.tolist(),
            "mistakes": [{"index": i, "true": y, "pred": p, "p": round(c, 4)}
                         for i, y, p, c in done.mistakes]}


def state_bytes(model: torch.nn.Module) -> int:
    """Bytes of one copy of ``model``'s state_dict (weights, biases and batch-norm statistics)."""
    return sum(v.numel() * v.element_size() for v in model.state_dict().values())


def snapshot_steps(model: torch.nn.Module, tc: training.TrainConfig) -> list[int]:
    """The steps at which :func:`run` copies the weights for the Embeddings tab's animation:
    ``explorer.embeddings.compute.checkpoint_steps`` of the run (0 = before the first update, then roughly
    log-spaced up to the last step). None for a run on another data set than Fashion-MNIST (the map
    is of its test images) or a network whose copies (one more for a stopped run's last step) would
    take more than ``SNAPSHOT_MAX_BYTES``."""
    if tc.dataset != "fashion":
        return []
    steps = checkpoint_steps(tc.steps_per_epoch() * tc.epochs)
    if state_bytes(model) * (len(steps) + 1) > SNAPSHOT_MAX_BYTES:
        return []
    return steps


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def run(sess: SessionData, raw: dict[str, Any], lang: str,
        frame_interval: float = FRAME_INTERVAL_S,
        stop: threading.Event | None = None) -> Iterator[Frame]:
    """A training run (:func:`_run`), counted in ``training.active_runs()`` from its first step
    (validation and set-up included) until it ends or is abandoned, so that background work can
    stand aside meanwhile."""
    with training.running():
        yield from _run(sess, raw, lang, frame_interval, stop)


def _run(sess: SessionData, raw: dict[str, Any], lang: str,
         frame_interval: float = FRAME_INTERVAL_S,
         stop: threading.Event | None = None) -> Iterator[Frame]:
    """Validate ``raw``, build a fresh model in ``sess`` and train it, yielding frames.

    Raises ``training.ConfigError`` for bad parameters and ``data.DatasetMissing`` before anything
    starts. The model lives in ``sess.model`` from the first step, so stopping (``sess.stop``) or
    abandoning the generator keeps what it learned. A new run in the same session stops the
    previous one, which then leaves the session's fields alone. ``stop`` (made here if not given)
    ends this run when set; it is also ``sess.stop`` while this run is the session's latest.
    ``sess.snapshots`` receives copies of the weights at :func:`snapshot_steps` (and at the last
    step of a run that is stopped), for the Embeddings tab's animation of this run.
    """
    cnn_cfg, tc = training.validate(raw)
    ds = data.load(tc.dataset)
    model = training.build_model(cnn_cfg, tc.seed)
    snap_at = set(snapshot_steps(model, tc))
    snaps: list[tuple[int, dict]] = [(0, _weights(model))] if snap_at else []
    sess.stop.set()  # a run still going in this session ends at its next step
    sess.run_id += 1
    my_run = sess.run_id
    sess.stop = stop = stop or threading.Event()
    if sess.history:
        sess.prev_history = sess.history
    history: list[dict] = []
    batch_losses: list[tuple[float, float]] = []
    sess.history, sess.batch_losses, sess.last_done = history, batch_losses, None
    sess.model, sess.params, sess.running = model, {**raw, **_canonical(cnn_cfg, tc)}, True
    sess.snapshots, sess.snapshot_run = snaps, my_run
    prev = sess.prev_history

    def draw():  # this run's curves, even after a newer run has taken over the session
        return curves_of(history, batch_losses, prev, lang, tc.epochs)

    ema, last_frame = None, 0.0
    summary: dict[str, Any] = {"done": False, "step": 0, "epoch": 0.0, "epochs": tc.epochs}
    grid = grid_of(ds, lang)
    yield Frame(t(lang, "train_status_starting", n=num(lang, count_parameters(model))),
                draw(), filters_of(model, lang), grid, summary=dict(summary))
    try:
        for ev in training.train(model, tc, ds, stop=stop):
            if isinstance(ev, training.Step):
                if ev.step in snap_at:  # ~6 copies a run, never one per step
                    snaps.append((ev.step, _weights(model)))
                ema = ev.loss if ema is None else 0.9 * ema + 0.1 * ev.loss
                if np.isfinite(ema):
                    batch_losses.append((round(ev.epoch, 4), ema))
                summary.update(step=ev.step, epoch=round(ev.epoch, 4), batch_loss=ev.loss,
                               lr=ev.lr, images_per_s=round(ev.images_per_s, 1),
                               elapsed_s=round(ev.elapsed, 3))
                now = time.monotonic()
                if now - last_frame >= frame_interval:
                    last_frame = now
                    yield Frame(status_running(ev, tc.epochs, lang), draw(),
                                filters_of(model, lang), None, summary=dict(summary))
            elif isinstance(ev, training.Eval):
                row = _history_row(ev)
                history.append(row)
                summary.update({k: v for k, v in row.items() if k != "step"})
                grid = grid_of(ds, lang, ev.showcase_pred, ev.showcase_conf)
                last_frame = time.monotonic()
                yield Frame(status_running(ev, tc.epochs, lang), draw(), filters_of(model, lang),
                            grid, summary=dict(summary))
            elif isinstance(ev, training.Halted):  # say so at once; the test pass comes next
                if snaps and ev.reason != "diverged" and snaps[-1][0] != ev.step:
                    snaps.append((ev.step, _weights(model)))  # a stopped run ends on what it learned
                summary.update(halted=True, reason=ev.reason, step=ev.step, epoch=round(ev.epoch, 4),
                               elapsed_s=round(ev.elapsed, 3))
                yield Frame(t(lang, "train_status_halted", reason=t(lang, f"train_status_done_{ev.reason}"),
                              n=num(lang, ev.test_images or len(ds.test))), draw(),
                            filters_of(model, lang), grid, summary=dict(summary))
            else:  # Done
                summary = _done_summary(ev, summary)
                if sess.run_id == my_run:
                    sess.last_done, sess.running = summary, False
                yield Frame(status_done(summary, lang), draw(),
                            filters_of(model, lang), grid,
                            plots.confusion_figure(ev.confusion, ds.class_names(lang), lang),
                            mistakes_of(ds, summary, lang), summary=summary, final=True)
    finally:
        stop.set()  # whoever stops iterating (a closed browser, a cancelled API job) ends the run
        if sess.run_id == my_run:
            sess.running = False


def warm_up(dataset: str = "fashion") -> None:
    """What a first training pays once per process, paid before it: ``training.warm_up`` (torch's
    optimizer machinery, oneDNN, the dataset) and the first drawing of each view a run streams
    (plotly's subplots and trace classes, the filter and prediction images)."""
    training.warm_up(dataset)
    model = training.build_model(training.CNNConfig(filters=(8, 16), dense=32), 0)
    row = {"step": 1, "epoch": 0.1, "train_loss": 1.0, "train_acc": 0.5, "val_loss": 1.0, "val_acc": 0.5,
           "images_per_s": 1.0, "elapsed_s": 1.0}  # as _history_row makes them
    curves_of([row], [(0.05, 1.0)], [row], "en", 1).to_json()
    filters_of(model, "en")
    if data.available(dataset):
        grid_of(data.load(dataset), "en")


def merge_frames(pending: Frame, new: Frame) -> Frame:
    """Fold a frame the browser never received into the next one: keep its prediction grid if the
    new frame does not redraw it (grids change only at evaluations)."""
    if new.grid is None and pending.grid is not None:
        new.grid = pending.grid
    return new


def _canonical(cnn_cfg, tc) -> dict[str, Any]:
    return {"dataset": tc.dataset, "filters_per_block": list(cnn_cfg.filters),
            "optimizer": tc.optimizer, "lr": tc.lr, "epochs": tc.epochs, "batch_size": tc.batch_size}


def final_view(sess: SessionData, lang: str) -> Frame | None:
    """Redraw the last run of ``sess`` (after a language change, or when a tab is reopened)."""
    if sess.model is None:
        return None
    ds = data.load(sess.params.get("dataset", "fashion"))
    epochs = sess.params.get("epochs")
    done = sess.last_done
    if done is None:
        return Frame(t(lang, "train_status_idle"), curves(sess, lang, epochs), filters_of(sess.model, lang),
                     grid_of(ds, lang))
    conf = plots.confusion_figure(np.array(done["confusion"]), ds.class_names(lang), lang)
    return Frame(status_done(done, lang), curves(sess, lang, epochs), filters_of(sess.model, lang),
                 None, conf, mistakes_of(ds, done, lang), summary=done, final=True)


def _snapshot(sess: SessionData) -> SmallCNN:
    if sess.model is None:
        raise LookupError("no model")
    model = copy.deepcopy(sess.model).eval()
    return model.to(memory_format=torch.contiguous_format)


def export_checkpoint(sess: SessionData) -> Path:
    """Write the session's model as a checkpoint ({config, state_dict, metrics}); returns its path."""
    model = _snapshot(sess)
    path = sess.workdir() / "my_cnn.pt"
    metrics = {k: sess.last_done[k] for k in ("test_acc", "test_loss", "step", "epoch")} \
        if sess.last_done else {}
    save_checkpoint(model, path, metrics, extra={"train_params": sess.params})
    return path


def export_onnx(sess: SessionData) -> Path:
    """Write the session's model as ONNX (dynamic batch, pixels in [0, 1] → logits)."""
    from models.onnx_export import export_onnx as _export

    model = _snapshot(sess)
    return _export(model, sess.workdir() / "my_cnn.onnx")
