"""Training as a generator of small event records (pytorch/examples' ``train()``, minGPT's callbacks).

``train(...)`` yields a :class:`Step` after every optimisation step, an :class:`Eval` whenever the
validation subset is scored, a :class:`Halted` as soon as the loop ends and one :class:`Done` after
the test set is scored (completed, stopped, diverged or out of time). Whoever iterates decides what
to draw and how often; closing the generator, or setting the ``stop`` event, ends the run at the
next step and keeps the weights learned so far.

The data path is the fast one: the dataset is a preloaded uint8 tensor; a batch is a slice of a
per-epoch permutation converted to float in one op. Augmentation is batched (``explorer.train.augment``).

Raw parameters from the UI or the API go through :func:`validate` first, which raises
:class:`ConfigError` (field, kind, details) so the caller can word the message in its language.
"""
from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from explorer.data import Dataset
from explorer.params import ConfigError, Param, coerce
from explorer.train.augment import AUGMENTATIONS, augment_batch
from models.cnn import ACTIVATIONS, KERNEL_SIZES, CNNConfig, SmallCNN

OPTIMIZERS = ("sgd", "sgd_momentum", "adagrad", "rmsprop", "adam")
SCHEDULES = ("constant", "onecycle")
DATASET_NAMES = ("fashion", "mnist")
VAL_HOLDOUT = 5000  # the last 5,000 training images are the validation set; never trained on
TRAIN_POOL = 60000 - VAL_HOLDOUT
SHOWCASE = 24  # validation images whose predictions the tab shows while training
REASONS = ("completed", "stopped", "diverged", "time_limit")  # why a run ends (Halted, Done)
MAX_SECONDS_DEFAULT = 900.0  # a run on a shared server ends after 15 minutes


# ---------------------------------------------------------------------------------------------
# Parameters: one table gives every field its type and range (the UI takes its sliders from it).

PARAMS: dict[str, Param] = {
    "dataset": Param("choice", "fashion", choices=DATASET_NAMES),
    "blocks": Param("int", 2, 1, 4),
    "filters": Param("int", 32, 1, 128),
    "kernel_size": Param("choice", 3, choices=KERNEL_SIZES),
    "activation": Param("choice", "relu", choices=ACTIVATIONS),
    "batch_norm": Param("bool", True),
    "dropout": Param("float", 0.25, 0.0, 0.9),
    "dense": Param("int", 128, 8, 1024),
    "optimizer": Param("choice", "adam", choices=OPTIMIZERS),
    "lr": Param("float", 1e-3, 1e-5, 10.0),
    "batch_size": Param("int", 128, 1, 1024),
    "epochs": Param("int", 2, 1, 100),
    "weight_decay": Param("float", 0.0, 0.0, 1.0),
    "l1": Param("float", 0.0, 0.0, 0.1),
    "augment": Param("multi", (), choices=AUGMENTATIONS),
    "train_size": Param("int", TRAIN_POOL, 100, TRAIN_POOL),
    "schedule": Param("choice", "constant", choices=SCHEDULES),
    "seed": Param("int", 0, 0, 2**31 - 1),
}
MAX_STEPS = 200_000  # epochs x steps per epoch; a bound so no request can tie a worker for days


@dataclass
class TrainConfig:
    dataset: str = "fashion"
    optimizer: str = "adam"
    lr: float = 1e-3
    batch_size: int = 128
    epochs: int = 2
    weight_decay: float = 0.0  # L2 penalty λ·Σw², as the optimizer's weight_decay
    l1: float = 0.0  # L1 penalty λ·Σ|w| added to the loss
    augment: tuple[str, ...] = ()
    train_size: int = TRAIN_POOL
    schedule: str = "constant"
    seed: int = 0
    max_seconds: float = MAX_SECONDS_DEFAULT

    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(self.train_size / self.batch_size))


def validate(raw: dict[str, Any]) -> tuple[CNNConfig, TrainConfig]:
    """Check raw parameters (from sliders or an API call) and build the two configs.
    Missing keys take their defaults; unknown keys are an error."""
    unknown = set(raw) - set(PARAMS)
    if unknown:
        raise ConfigError(sorted(unknown)[0], "unknown")
    v = {name: coerce(name, p, raw.get(name, p.default)) for name, p in PARAMS.items()}
    v["batch_size"] = min(v["batch_size"], v["train_size"])
    filters = tuple(min(128, v["filters"] * 2 ** i) for i in range(v["blocks"]))
    cnn = CNNConfig(filters=filters, kernel_size=v["kernel_size"], activation=v["activation"],
                    batch_norm=v["batch_norm"], dropout=v["dropout"], dense=v["dense"])
    if v["dataset"] == "mnist":
        cnn.mean, cnn.std = 0.1307, 0.3081
    tc = TrainConfig(dataset=v["dataset"], optimizer=v["optimizer"], lr=v["lr"],
                     batch_size=v["batch_size"], epochs=v["epochs"], weight_decay=v["weight_decay"],
                     l1=v["l1"], augment=v["augment"], train_size=v["train_size"],
                     schedule=v["schedule"], seed=v["seed"])
    steps = tc.steps_per_epoch() * tc.epochs
    if steps > MAX_STEPS:
        raise ConfigError("epochs", "steps", steps=steps, max=MAX_STEPS)
    return cnn, tc


_init_lock = threading.Lock()


def build_model(cfg: CNNConfig, seed: int) -> SmallCNN:
    """A freshly initialised model; the same seed gives the same initial weights."""
    with _init_lock:  # the global RNG is shared by every session's thread
        torch.manual_seed(seed)
        return SmallCNN(cfg)


def make_optimizer(name: str, params, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd_momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    if name == "adam":  # the fused CPU kernel: 2-3 % faster per step (bench/bench_train.py)
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, fused=True)
    raise ValueError(f"unknown optimizer {name!r}")


# ---------------------------------------------------------------------------------------------
# Events


@dataclass
class Step:
    step: int
    epoch: float  # fractional epochs completed
    loss: float  # this batch's cross-entropy (nats)
    lr: float
    images_per_s: float  # over the last second or so
    elapsed: float  # seconds since the run started


@dataclass
class Eval:
    step: int
    epoch: float
    train_loss: float  # mean over the steps since the previous Eval
    train_acc: float
    val_loss: float
    val_acc: float
    images_per_s: float
    elapsed: float
    showcase_pred: np.ndarray  # (SHOWCASE,) predicted class of the showcase images
    showcase_conf: np.ndarray  # (SHOWCASE,) its softmax probability


@dataclass
class Halted:
    """The optimisation loop has ended (any reason); the test-set evaluation comes next, on
    ``test_images`` images."""
    reason: str
    step: int
    epoch: float
    elapsed: float
    test_images: int = 0


@dataclass
class Done:
    reason: str  # completed | stopped | diverged | time_limit
    step: int
    epoch: float
    elapsed: float
    images_seen: int
    test_loss: float
    test_acc: float
    confusion: np.ndarray  # (classes, classes), rows = true class, columns = prediction
    mistakes: list[tuple[int, int, int, float]] = field(default_factory=list)  # (test idx, true, pred, p)
    test_images: int = 0  # how many test images were scored (the first ones of the test set)


@dataclass
class Scores:
    losses: np.ndarray  # (N,) per-image cross-entropy (nats)
    pred: np.ndarray  # (N,) predicted class
    conf: np.ndarray  # (N,) its softmax probability
    labels: np.ndarray  # (N,) true class

    @property
    def loss(self) -> float:
        return float(self.losses.mean())

    @property
    def acc(self) -> float:
        return float((self.pred == self.labels).mean())


@torch.inference_mode()
def evaluate(model: torch.nn.Module, x_u8: torch.Tensor, y: torch.Tensor, batch: int = 1000) -> Scores:
    """Mean cross-entropy (nats), accuracy, and per-image prediction/confidence, in eval mode."""
    was_training = model.training
    model.eval()
    losses, preds, confs = [], [], []
    try:
        for i in range(0, len(y), batch):
            logits = model(x_u8[i:i + batch].float().div_(255.0))
            losses.append(F.cross_entropy(logits, y[i:i + batch], reduction="none"))
            p, c = F.softmax(logits, dim=1).max(dim=1)
            preds.append(c)
            confs.append(p)
    finally:
        model.train(was_training)
    return Scores(torch.cat(losses).numpy(), torch.cat(preds).numpy(), torch.cat(confs).numpy(),
                  y.numpy())


def split_indices(tc: TrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """(training indices, validation indices) into the dataset's training split. The validation
    set is always the last 5,000 images; the training subset is a seeded sample of the rest."""
    val = torch.arange(TRAIN_POOL, TRAIN_POOL + VAL_HOLDOUT)
    if tc.train_size >= TRAIN_POOL:
        return torch.arange(TRAIN_POOL), val
    gen = torch.Generator().manual_seed(tc.seed + 1)
    return torch.randperm(TRAIN_POOL, generator=gen)[:tc.train_size].sort().values, val


def showcase_indices(ds: Dataset, n: int = SHOWCASE) -> torch.Tensor:
    """A fixed, class-balanced set of validation images (n // 10 of each class, in class order)."""
    labels = ds.train.labels[TRAIN_POOL:]
    per = max(1, n // 10)
    picks = [int(i) for c in range(10) for i in torch.nonzero(labels == c).flatten()[:per]]
    rest = [i for i in range(len(labels)) if i not in set(picks)][: n - len(picks)]
    return torch.tensor(picks + rest) + TRAIN_POOL


def l1_penalty(model: torch.nn.Module) -> torch.Tensor:
    return sum(m.weight.abs().sum() for m in model.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))


def _training_data(tc: TrainConfig, ds: Dataset, val_size: int
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """The run's training pool (images, labels) and what each evaluation scores: the showcase
    images first, then ``val_size`` validation images; and how many showcase images lead."""
    train_idx, val_idx = split_indices(tc)
    x_pool, y_pool = ds.train.images[train_idx], ds.train.labels[train_idx]
    val_idx = val_idx[:val_size]
    show_idx = showcase_indices(ds)
    x_val = torch.cat([ds.train.images[show_idx], ds.train.images[val_idx]])
    y_val = torch.cat([ds.train.labels[show_idx], ds.train.labels[val_idx]])
    return x_pool, y_pool, x_val, y_val, len(show_idx)


def _one_cycle(opt: torch.optim.Optimizer, tc: TrainConfig, total_steps: int):
    """The learning-rate schedule, or None for a constant rate. One-cycle (Smith & Topin 2018) also
    cycles momentum, but only where the optimizer has one: plain SGD and RMSProp (momentum 0) must
    stay as they are, Adagrad has none."""
    if tc.schedule != "onecycle":
        return None
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=tc.lr, total_steps=total_steps,
                                               cycle_momentum=tc.optimizer in ("sgd_momentum", "adam"))


def _test_results(model: SmallCNN, ds: Dataset, n_test: int):
    """The first ``n_test`` test images scored: the scores, the confusion matrix and the 16 most
    confident mistakes as (index, label, prediction, confidence)."""
    test = evaluate(model, ds.test.images[:n_test], ds.test.labels[:n_test])
    y_test = test.labels
    conf = np.zeros((10, 10), dtype=np.int64)
    np.add.at(conf, (y_test, test.pred), 1)
    wrong = np.flatnonzero(test.pred != y_test)
    order = wrong[np.argsort(-test.conf[wrong])][:16]
    mistakes = [(int(i), int(y_test[i]), int(test.pred[i]), float(test.conf[i])) for i in order]
    return test, conf, mistakes


def train(model: SmallCNN, tc: TrainConfig, ds: Dataset, *, stop: threading.Event | None = None,
          val_size: int = 2000, min_eval_interval: float = 0.7,
          eval_overhead: float = 0.1, channels_last: bool = True
          ) -> Iterator[Step | Eval | Halted | Done]:
    """Train ``model`` in place on ``ds`` and yield events (see module docstring).

    Args:
        model: the network; modified in place, so stopping keeps what was learned.
        tc: the training configuration (from :func:`validate`).
        ds: the dataset (``explorer.data.load``).
        stop: when set, the run ends after the current step with reason "stopped".
        val_size: validation images scored at each :class:`Eval` (a fixed subset of the 5,000).
        min_eval_interval: seconds between evaluations at the least (and one at the end).
        eval_overhead: evaluations are spaced so they take at most this share of the time.
        channels_last: train in NHWC memory layout, which oneDNN's CPU kernels for batch norm,
            pooling and convolution run 1.2-1.4x faster on (bench/bench_train.py).
    Yields:
        :class:`Step` every step, :class:`Eval` at evaluations, then :class:`Halted` and :class:`Done`.
    """
    gen = torch.Generator().manual_seed(tc.seed)
    x_pool, y_pool, x_val, y_val, n_show = _training_data(tc, ds, val_size)

    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model.to(memory_format=fmt)
    opt = make_optimizer(tc.optimizer, model.parameters(), tc.lr, tc.weight_decay)
    spe = tc.steps_per_epoch()
    total_steps = spe * tc.epochs
    sched = _one_cycle(opt, tc, total_steps)

    t0 = time.perf_counter()
    step, seen, reason = 0, 0, "completed"
    window: list[tuple[float, int]] = [(t0, 0)]  # (time, images seen) for the throughput estimate
    run_loss = run_correct = run_count = 0.0
    last_eval_end, eval_cost = t0, 0.0

    def rate(now: float) -> float:
        while len(window) > 2 and now - window[0][0] > 1.5:
            window.pop(0)
        dt = now - window[0][0]
        return (seen - window[0][1]) / dt if dt > 0 else 0.0

    def do_eval(now: float) -> Eval:
        nonlocal run_loss, run_correct, run_count, last_eval_end, eval_cost
        s = evaluate(model, x_val, y_val)  # showcase images first, then the validation subset
        val_loss = float(s.losses[n_show:].mean())
        val_acc = float((s.pred[n_show:] == s.labels[n_show:]).mean())
        ev = Eval(step, step / spe, run_loss / max(run_count, 1), run_correct / max(run_count, 1),
                  val_loss, val_acc, rate(now), now - t0, s.pred[:n_show], s.conf[:n_show])
        run_loss = run_correct = run_count = 0.0
        end = time.perf_counter()
        # the first pass pays oneDNN's set-up; afterwards keep a smoothed cost
        eval_cost = (end - now) if eval_cost == 0.0 else min(end - now, 0.5 * (eval_cost + end - now))
        last_eval_end = end
        return ev

    model.train()
    try:
        for _epoch in range(tc.epochs):
            perm = torch.randperm(len(y_pool), generator=gen)
            for b in range(spe):
                if stop is not None and stop.is_set():
                    reason = "stopped"
                    raise _EndRun
                if time.perf_counter() - t0 > tc.max_seconds:
                    reason = "time_limit"
                    raise _EndRun
                idx = perm[b * tc.batch_size:(b + 1) * tc.batch_size]
                x = x_pool[idx].float().div_(255.0)
                y = y_pool[idx]
                if tc.augment:
                    x = augment_batch(x, tc.augment, gen)
                x = x.contiguous(memory_format=fmt)
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                total = loss + tc.l1 * l1_penalty(model) if tc.l1 > 0 else loss
                opt.zero_grad(set_to_none=True)
                total.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                step += 1
                seen += len(y)
                lv = loss.item()
                if not math.isfinite(lv):
                    reason = "diverged"
                    raise _EndRun
                run_loss += lv * len(y)
                run_correct += float((logits.argmax(1) == y).sum())
                run_count += len(y)
                now = time.perf_counter()
                window.append((now, seen))
                yield Step(step, step / spe, lv, opt.param_groups[0]["lr"], rate(now), now - t0)
                gap = min(max(min_eval_interval, eval_cost / eval_overhead), 3.0)
                if now - last_eval_end >= gap and step < total_steps:
                    yield do_eval(now)
    except _EndRun:
        pass
    finally:
        model.eval()
    now = time.perf_counter()
    n_test = test_images_scored(reason, len(ds.test.labels))
    yield Halted(reason, step, step / spe, now - t0, n_test)
    if reason == "completed" and run_count:  # a stopped run answers at once: no extra pass
        yield do_eval(now)
    test, conf, mistakes = _test_results(model, ds, n_test)
    model.to(memory_format=torch.contiguous_format)  # plain layout for export and the other tabs
    yield Done(reason, step, step / spe, time.perf_counter() - t0, seen, test.loss, test.acc, conf,
               mistakes, n_test)


STOPPED_TEST_IMAGES = 1000


def test_images_scored(reason: str, n: int) -> int:
    """How many of the ``n`` test images a run that ended for ``reason`` is scored on: all of them,
    except a run the user stopped, which is scored on the first STOPPED_TEST_IMAGES (the test set
    is shuffled: about 100 of each class). Stop means stop: scoring all 10,000 images kept the CPU
    busy for up to seconds after the button (the widest preset, on a busy machine), against the
    1-second bound for a cancel."""
    return min(n, STOPPED_TEST_IMAGES) if reason == "stopped" else n


class _EndRun(Exception):
    pass


def run_to_end(model: SmallCNN, tc: TrainConfig, ds: Dataset, **kw) -> tuple[list[Eval], Done]:
    """Iterate :func:`train` to the end; returns the evaluations and the final record."""
    evals: list[Eval] = []
    done = None
    for ev in train(model, tc, ds, **kw):
        if isinstance(ev, Eval):
            evals.append(ev)
        elif isinstance(ev, Done):
            done = ev
    assert done is not None
    return evals, done


# Trainings in progress in this process, so that background work (the app's warm-up of the other
# tabs) can stand aside while one runs: on 2 cores it would take half the CPU and the GIL from it.
_active = 0
_active_cond = threading.Condition()


@contextlib.contextmanager
def running() -> Iterator[None]:
    """``with running(): ...`` around a training run: :func:`active_runs` counts it meanwhile."""
    global _active
    with _active_cond:
        _active += 1
    try:
        yield
    finally:
        with _active_cond:
            _active -= 1
            _active_cond.notify_all()


def active_runs() -> int:
    return _active


def wait_until_idle(timeout: float | None = None) -> bool:
    """Block until no training runs (at most ``timeout`` s); whether none runs now."""
    with _active_cond:
        return _active_cond.wait_for(lambda: _active == 0, timeout)


def warm_up(dataset: str = "fashion") -> None:
    """Pay the one-time costs before the first user does: importing torch._dynamo (which the first
    ``torch.optim`` optimizer triggers, ~1.3 s), oneDNN's kernel set-up, and loading the dataset."""
    from explorer import data

    model = SmallCNN(CNNConfig(filters=(8, 16), dense=32))
    opt = make_optimizer("adam", model.parameters(), 1e-3, 0.0)
    x = torch.rand(8, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    model.to(memory_format=torch.channels_last)
    F.cross_entropy(model(x), torch.zeros(8, dtype=torch.long)).backward()
    opt.step()
    if data.available(dataset):
        data.load(dataset)
