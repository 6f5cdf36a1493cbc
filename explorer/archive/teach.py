"""'Mi archivo' → teach it your categories: transfer learning on the user's own labelled images,
three ways side by side on the same images, so the course's slide ("en la práctica muy poca gente
entrena las redes desde 0 ... se reajusta una pequeña parte de la red") is seen, not told. Pure
logic (numpy, torch, Pillow, onnx), no UI.

Pipeline::

    labels = folder_labels(items)                 # "iglesias/foto.jpg" → "iglesias"; top level → None
    labels = relabel(labels, {12: "puentes"})     # what the user picked in the browser
    lab = check_labels(labels)                    # → Labelling, or InputError (see below)
    for ev in teach(lab, features=F, images=[it.thumb for it in items], seed=0, stop=stop):
        ...                                       # Plan, Prepare, Epoch, Fold, MethodDone, Done
    res = done.results["linear"]                  # MethodResult
    predictions(res), label_next(res, 10), to_csv(names, lab, res, tags), onnx_bytes(res.model)

The three ways (``METHODS``):

- ``linear``: softmax regression (multinomial logistic regression) on the frozen EfficientNet-Lite0
  vectors the archive already computes (``compute.embed_images``: the 1280-d pooled head,
  L2-normalised): 1280 × C weights and C biases are learned, nothing else. Full-batch Adam with an
  L2 penalty; milliseconds.
- ``finetune``: the last :attr:`TeachConfig.finetune_blocks` MBConv blocks, the 1×1 head
  convolution and a new C-way classifier of EfficientNet-Lite0 are trained; every earlier layer
  stays as ImageNet left it. The frozen part's output is computed once per image (and once for its
  mirror image, the light augmentation) and cached, so each epoch runs only the trainable blocks
  on 192 × 5 × 5 activations (at :attr:`TeachConfig.finetune_size` = 160 px) — the expensive
  part of the network runs once, not once per epoch and fold. The shared pretrained network is
  never modified: the trainable blocks are private deep copies, batch norm keeps ImageNet's
  statistics (eval mode; a dozen images cannot estimate them). The new classifier reads the
  pooled vector normalised, as the linear way's does, and starts as the linear way fitted on these
  same images before anything is trained (LP-FT: Kumar et al. 2022, "Fine-Tuning can Distort
  Pretrained Features and Underperform Out-of-Distribution", ICLR): the blocks are then adjusted
  from a sensible classifier rather than from a random one's gradients.
- ``scratch``: the course's small CNN (``models.cnn.SmallCNN``: two conv blocks with batch norm, a
  dense layer) trained from random weights on the same images at 32 × 32 px, with flips and
  shifts. It has only these few images to learn from: it does badly, and that is the lesson.

Each is scored by stratified k-fold cross-validation, k = min(5, smallest class's size) (stated in
every result): the labelled images are split into k folds with each class spread evenly (the same
folds for the three ways, so they are compared on the same splits); each fold is predicted by a
model trained on the other k−1, and the out-of-fold predictions give the accuracy and the
confusion matrix (rows: true class). Then a final model is trained on all labelled images and
predicts the unlabelled ones, with the probability of its choice; the images with the smallest
margin between the two most probable classes are the ones to "label next"
(active learning, uncertainty sampling: Settles 2009, "Active Learning Literature Survey", §3.1).

Transfer learning: Yosinski et al. 2014, "How transferable are features in deep neural networks?"
(NeurIPS); Kornblith, Shlens & Le 2019, "Do Better ImageNet Models Transfer Better?" (CVPR): a
logistic regression on frozen features is the standard "linear evaluation" protocol.

Labels are user text (folder names, what a user typed, an API call's strings): :func:`clean_label`
keeps emoji and any script, drops control and bidirectional-override characters, collapses
whitespace; a label is only ever compared, shown, written into a CSV cell (neutralised against
formulas) or into the ONNX file's metadata (JSON) — never used as a path.

Errors: ``explorer.errors.InputError`` with these kinds (messages ``err_<kind>``, in
``locales/*/archive.json``):

- ``archive_teach_no_labels``: no labelled image; no details.
- ``archive_teach_one_class``: one class only (a classifier needs at least :data:`MIN_CLASSES`);
  ``label``, ``min``.
- ``archive_teach_too_many_classes``: more than :data:`MAX_CLASSES`; ``count``, ``limit``.
- ``archive_teach_few_images``: a class with fewer than :data:`MIN_PER_CLASS` images (each fold
  must both train on and test every class); ``label``, ``count``, ``min``.
- ``archive_teach_label_too_long``: a label longer than :data:`MAX_LABEL_CHARS` characters;
  ``label`` (its first 24 characters and "…"), ``limit``.
- ``archive_teach_label_invalid``: a label that is not text; ``value`` (its type's name).
- ``archive_teach_method``: an unknown way; ``value``, ``choices``.
- ``archive_teach_inputs``: the vectors or images a chosen way needs are missing; ``method``.

and ``compute.ArchiveError("out_of_range")`` for a seed or an item index out of range.

Threading and state: nothing here is kept between calls. The pretrained network is read (its frozen
part run in inference mode), never trained; every model a call makes belongs to that call (and to
the session that keeps its result). Randomness comes from generators seeded by ``seed`` (folds,
initial weights, batches, augmentations, dropout), never from torch's global generator, which
other sessions' threads share: the same call gives the same numbers.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import math
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from explorer.archive.compute import FEATURE_DIM, ArchiveError, Item, format_tags, normalize
from explorer.errors import InputError

METHODS = ("linear", "finetune", "scratch")
MIN_CLASSES, MAX_CLASSES = 2, 20
MIN_PER_CLASS = 2  # a class needs an image to train on and one to test in every fold
RECOMMENDED_PER_CLASS = 5
MAX_FOLDS = 5
MAX_LABEL_CHARS = 60
MAX_SEED = 2**31 - 1
# Formatting characters that reorder text (bidirectional overrides and isolates): a label could show
# as something it is not. Other format characters stay (the zero-width joiner inside emoji).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# ---------------------------------------------------------------------------------------------
# Labels


def clean_label(raw: Any) -> str | None:
    """A label as the user meant it, or None (unlabelled) when nothing is left.

    NFC-normalised; control, surrogate, private-use, unassigned and bidirectional-override
    characters dropped; runs of whitespace made one space, ends trimmed. Emoji and every script
    stay. Raises ``archive_teach_label_too_long`` (more than :data:`MAX_LABEL_CHARS` characters
    left) and ``archive_teach_label_invalid`` (not text; an integer is read as its digits)."""
    if raw is None:
        return None
    if isinstance(raw, (int, np.integer)) and not isinstance(raw, bool):
        raw = str(int(raw))
    if not isinstance(raw, str):
        raise InputError("archive_teach_label_invalid", value=type(raw).__name__[:40])
    text = raw[:20 * MAX_LABEL_CHARS]  # longer cannot come down to the limit: no need to read it all
    text = "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if ch not in _BIDI and unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))
    text = " ".join(text.split())
    if len(text) > MAX_LABEL_CHARS or len(raw) > 20 * MAX_LABEL_CHARS:
        raise InputError("archive_teach_label_too_long", label=text[:24] + "…", limit=MAX_LABEL_CHARS)
    return text or None


def folder_labels(items: Sequence[Item]) -> list[str | None]:
    """Each item's label from its folder in the zip (``Item.folder``, cleaned by :func:`clean_label`):
    "iglesias/foto.jpg" → "iglesias"; images at the top level (or uploaded loose) → None."""
    return [clean_label(it.folder) for it in items]


def relabel(labels: Sequence[str | None], changes: Mapping[int, str | None]) -> list[str | None]:
    """A copy of ``labels`` with ``changes`` (item index → new label, None to unlabel) applied:
    what the user picked in the browser, over the folders' labels. Labels are cleaned."""
    out = [clean_label(x) for x in labels]
    for i, lab in changes.items():
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < len(out):
            raise ArchiveError("out_of_range", name="index", value=str(i)[:40], low=0, high=len(out) - 1)
        out[int(i)] = clean_label(lab)
    return out


@dataclass(frozen=True, eq=False)
class Labelling:
    """Checked labels of a collection of N images. ``classes``: the class names, sorted
    (case-insensitively, then exactly); ``y``: (N,) int64, the class index of each image, -1 when
    unlabelled."""
    classes: tuple[str, ...]
    y: np.ndarray = field(repr=False)

    @property
    def labelled(self) -> np.ndarray:
        """Indices of the labelled images, in collection order."""
        return np.flatnonzero(self.y >= 0)

    @property
    def unlabelled(self) -> np.ndarray:
        return np.flatnonzero(self.y < 0)

    @property
    def counts(self) -> list[int]:
        return np.bincount(self.y[self.y >= 0], minlength=len(self.classes)).tolist()

    @property
    def folds(self) -> int:
        """k of the stratified k-fold cross-validation: min(5, the smallest class's size)."""
        return min(MAX_FOLDS, min(self.counts))


def check_labels(labels: Sequence[Any]) -> Labelling:
    """Labels (one per image; None or "" for unlabelled) → a :class:`Labelling`, or an
    ``InputError``: archive_teach_label_too_long / _label_invalid (:func:`clean_label`),
    _no_labels, _one_class, _too_many_classes (> :data:`MAX_CLASSES`), _few_images (a class with
    fewer than :data:`MIN_PER_CLASS`), checked in that order."""
    clean = [clean_label(x) for x in labels]
    names = sorted({c for c in clean if c is not None}, key=lambda s: (s.casefold(), s))
    if not names:
        raise InputError("archive_teach_no_labels")
    if len(names) < MIN_CLASSES:
        raise InputError("archive_teach_one_class", label=names[0], min=MIN_CLASSES)
    if len(names) > MAX_CLASSES:
        raise InputError("archive_teach_too_many_classes", count=len(names), limit=MAX_CLASSES)
    index = {c: i for i, c in enumerate(names)}
    y = np.array([-1 if c is None else index[c] for c in clean], dtype=np.int64)
    counts = np.bincount(y[y >= 0], minlength=len(names))
    few = int(np.argmin(counts))
    if counts[few] < MIN_PER_CLASS:
        raise InputError("archive_teach_few_images", label=names[few], count=int(counts[few]), min=MIN_PER_CLASS)
    return Labelling(tuple(names), y)


def stratified_folds(y: np.ndarray, k: int, seed: int = 0) -> list[np.ndarray]:
    """Stratified k-fold: positions 0..len(y)-1 split into ``k`` test folds, each class's
    positions shuffled (seeded) and dealt round-robin, so a class of n puts ⌊n/k⌋ or ⌈n/k⌉ in every
    fold (scikit-learn's StratifiedKFold does the same); the deal continues from class to class,
    so the folds' sizes differ by at most one. Each fold sorted."""
    y = np.asarray(y)
    if not 2 <= k <= np.unique(y, return_counts=True)[1].min(initial=len(y)):
        raise ValueError(f"k={k} folds need at least k images of every class")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), np.int64)
    start = 0
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        fold_of[idx] = (start + np.arange(len(idx))) % k
        start += len(idx)
    return [np.flatnonzero(fold_of == f) for f in range(k)]


# ---------------------------------------------------------------------------------------------
# Settings and events


@dataclass(frozen=True)
class TeachConfig:
    """The three ways' settings (fixed: the lesson compares ways, not knobs). Defaults measured by
    bench/bench_teach.py on the demo collection and 100 labelled images on 2 cores."""
    linear_epochs: int = 150  # full-batch Adam steps
    linear_lr: float = 0.05
    linear_decay: float = 0.05  # L2 penalty λ·‖W‖² added to the mean loss (W on the scaled vectors)
    linear_scale: float = 16.0  # the unit vectors are multiplied by this (a fixed temperature)
    finetune_blocks: int = 2  # the last MBConv blocks trained, besides the head conv and classifier
    finetune_size: int = 160  # px, square (EfficientNet-Lite0 was trained at 224)
    finetune_epochs: int = 12
    finetune_lr: float = 3e-4  # the pretrained blocks and head conv
    finetune_head_lr: float = 3e-3  # the new classifier
    finetune_dropout: float = 0.2  # EfficientNet-Lite0's own, before the classifier
    finetune_from_linear: bool = True  # the classifier starts as the linear way's on these images
    scratch_size: int = 32  # px, square, RGB
    scratch_epochs: int = 40
    scratch_lr: float = 3e-3
    batch: int = 32
    report_every: int = 10  # linear: an Epoch event every this many steps (and the last)


@dataclass
class Plan:
    """First event: what will be trained. ``folds``: k of the cross-validation."""
    classes: list[str]
    counts: list[int]
    folds: int
    methods: list[str]
    labelled: int
    unlabelled: int


@dataclass
class Prepare:
    """A way's inputs being computed (the fine-tuning's frozen activations): ``done`` of ``total``
    images; ``phase`` "labelled" (with their mirror images) or "unlabelled"."""
    method: str
    phase: str
    done: int
    total: int
    elapsed: float


@dataclass
class Epoch:
    """One epoch (a step, for the linear classifier) of one training: ``fold`` 1..k during the
    cross-validation, None for the final model on every labelled image. ``loss``: mean
    cross-entropy (nats) over the epoch's training images."""
    method: str
    fold: int | None
    epoch: int
    epochs: int
    loss: float
    elapsed: float


@dataclass
class Fold:
    """A fold scored: the accuracy of the model trained on the other folds on this one's images."""
    method: str
    fold: int
    folds: int
    accuracy: float
    elapsed: float


@dataclass
class MethodResult:
    """One way's outcome. Arrays index the collection through ``labelled`` and ``unlabelled``.

    ``cv_accuracy``: out-of-fold accuracy over every labelled image (``folds``-fold stratified);
    ``fold_accuracy``: per fold; ``confusion`` (C, C): rows the true class, columns the out-of-fold
    prediction; ``true`` (L,): the labelled images' classes; ``oof_pred`` / ``oof_conf`` (L,):
    each labelled image's out-of-fold prediction and its probability; ``probs`` (U, C): the final
    model's class probabilities for each unlabelled image; ``losses``: per training (folds 1..k,
    then the final model) its loss per epoch; ``model``: the final model — a
    :class:`LinearClassifier` for "linear", else the trained ``nn.Module`` (its input as
    :func:`teach` prepared it); ``seconds``: wall time of the way."""
    method: str
    classes: list[str]
    folds: int
    cv_accuracy: float
    fold_accuracy: list[float]
    confusion: np.ndarray
    labelled: np.ndarray
    true: np.ndarray
    oof_pred: np.ndarray
    oof_conf: np.ndarray
    unlabelled: np.ndarray
    probs: np.ndarray
    losses: list[list[float]]
    seconds: float
    model: Any = field(default=None, repr=False)


@dataclass
class MethodDone:
    result: MethodResult


@dataclass
class Done:
    """Last event. ``reason``: "completed" or "stopped" (``results`` then holds the ways that
    finished before the stop)."""
    reason: str
    results: dict[str, MethodResult]
    elapsed: float


Event = Plan | Prepare | Epoch | Fold | MethodDone | Done


class _Stopped(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# The linear classifier


@dataclass
class LinearClassifier:
    """Softmax regression on EfficientNet-Lite0 vectors: ``p = softmax(scale · W x̂ + b)`` with
    x̂ = x / ‖x‖. ``W`` (C, 1280), ``b`` (C,) float32 (``scale`` folded into ``W``)."""
    classes: list[str]
    W: np.ndarray
    b: np.ndarray

    def logits(self, X: np.ndarray) -> np.ndarray:
        return normalize(X) @ self.W.T + self.b

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(N, 1280) vectors (any length; they are normalised) → (N, C) probabilities, float64."""
        return _softmax(self.logits(X).astype(np.float64))

    def module(self) -> nn.Module:
        """The same classifier as a torch module: (B, 1280) → logits (B, C)."""
        return _LinearHead(torch.from_numpy(self.W.copy()), torch.from_numpy(self.b.copy()))


class _LinearHead(nn.Module):
    def __init__(self, W: torch.Tensor, b: torch.Tensor):
        super().__init__()
        self.fc = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            self.fc.weight.copy_(W)
            self.fc.bias.copy_(b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x / x.norm(dim=1, keepdim=True).clamp_min(1e-12))


def _uniform(shape: tuple[int, ...], bound: float, gen: torch.Generator) -> torch.Tensor:
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


def _seed_of(seed: int, method: str, fold: int) -> int:
    return (int(seed) * 1_000_003 + METHODS.index(method) * 101 + fold) % (2**63 - 1)


class _Way:
    """One of the three ways: its inputs (:meth:`prepare`), a fresh model, the parameters to train
    and a forward; :meth:`fit` trains one model (the torch loop, mini-batch Adam)."""
    name = ""
    epochs = 1
    batch = 32

    def prepare(self, idx: np.ndarray, phase: str, stop, t0: float) -> Iterator[Prepare]:
        return iter(())

    def new_model(self, n_classes: int, gen: torch.Generator) -> nn.Module:
        raise NotImplementedError

    def start_from(self, model: nn.Module, idx: np.ndarray, y: np.ndarray, n_classes: int) -> None:
        """Set a fresh model's starting point from its training images (nothing by default)."""

    def param_groups(self, model: nn.Module) -> list[dict]:
        raise NotImplementedError

    def forward(self, model: nn.Module, idx: np.ndarray, train: bool, gen: torch.Generator | None) -> torch.Tensor:
        raise NotImplementedError

    def fit(self, idx: np.ndarray, y: np.ndarray, n_classes: int, seed: int, fold: int | None, stop,
            t0: float, curve: list[float]) -> Iterator[Epoch]:
        """Train a fresh model on images ``idx`` with labels ``y``, appending each epoch's mean loss
        to ``curve`` and yielding an :class:`Epoch` for it; returns the model (``yield from``).
        Raises _Stopped when ``stop`` is set (checked at every batch)."""
        gen = torch.Generator().manual_seed(_seed_of(seed, self.name, fold or 0))
        model = self.new_model(n_classes, gen)
        self.start_from(model, idx, y, n_classes)
        opt = torch.optim.Adam(self.param_groups(model))
        yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
        n = len(idx)
        for epoch in range(1, self.epochs + 1):
            model.train()
            order = torch.randperm(n, generator=gen).numpy()
            total = 0.0
            for a in range(0, n, self.batch):
                if stop is not None and stop.is_set():
                    raise _Stopped
                sel = order[a:a + self.batch]
                loss = F.cross_entropy(self.forward(model, idx[sel], True, gen), yt[sel])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(sel)
            curve.append(total / n)
            yield Epoch(self.name, fold, epoch, self.epochs, curve[-1], time.perf_counter() - t0)
        model.eval()
        return model

    @torch.inference_mode()
    def predict(self, model: nn.Module, idx: np.ndarray, n_classes: int) -> np.ndarray:
        """(len(idx), C) class probabilities, float64."""
        model.eval()
        out = [F.softmax(self.forward(model, idx[a:a + 128], False, None).double(), dim=1)
               for a in range(0, len(idx), 128)]
        return torch.cat(out).numpy() if out else np.zeros((0, n_classes))

    def export(self, model: nn.Module, classes: list[str]) -> Any:
        return model


class _Linear(_Way):
    """Softmax regression by full-batch Adam in numpy (float64): the gradient of the mean
    cross-entropy plus λ‖W‖² is Xᵀ(P − Y)/n + 2λW, two matrix products — a step takes tens of
    microseconds, so it streams at once (no torch optimiser to set up)."""
    name = "linear"

    def __init__(self, features: np.ndarray, cfg: TeachConfig):
        self.X = normalize(features).astype(np.float64) * cfg.linear_scale
        self.cfg, self.epochs = cfg, cfg.linear_epochs

    def fit(self, idx, y, n_classes, seed, fold, stop, t0, curve):
        steps = _softmax_regression(self.X[idx], np.asarray(y), n_classes, self.cfg, stop)
        while True:
            try:
                epoch, loss = next(steps)
            except StopIteration as end:
                W, b = end.value
                break
            curve.append(loss)
            if epoch % self.cfg.report_every == 0 or epoch == self.epochs:
                yield Epoch(self.name, fold, epoch, self.epochs, loss, time.perf_counter() - t0)
        return LinearClassifier([], (W * self.cfg.linear_scale).astype(np.float32), b.astype(np.float32))

    def predict(self, model, idx, n_classes):
        return model.predict_proba(self.X[idx]) if len(idx) else np.zeros((0, n_classes))

    def export(self, model, classes):
        model.classes = list(classes)
        return model


def _softmax_regression(X: np.ndarray, y: np.ndarray, n_classes: int, cfg: TeachConfig,
                        stop=None) -> Iterator[tuple[int, float]]:
    """Softmax regression on the rows of ``X`` by full-batch Adam (Kingma & Ba 2015, PyTorch's
    defaults) from zero weights (the optimum is unique: the loss plus λ‖W‖² is strictly convex);
    yields (step, mean cross-entropy before the step) and returns (W, b)."""
    n = len(X)
    Y = np.eye(n_classes)[y]
    params = [np.zeros((n_classes, X.shape[1])), np.zeros(n_classes)]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    for step in range(1, cfg.linear_epochs + 1):
        if stop is not None and stop.is_set():
            raise _Stopped
        P = _softmax(X @ params[0].T + params[1])
        loss = float(-np.log(np.maximum(P[np.arange(n), y], 1e-300)).mean())
        G = (P - Y) / n
        grads = [G.T @ X + 2 * cfg.linear_decay * params[0], G.sum(0)]
        for p, g, (m, v) in zip(params, grads, moments):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= cfg.linear_lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps)
        yield step, loss
    return params[0], params[1]


def _last(steps: Iterator) -> Any:
    """Run a generator to its end; its return value."""
    while True:
        try:
            next(steps)
        except StopIteration as end:
            return end.value


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _square_pixels(img: Image.Image | np.ndarray, size: int) -> np.ndarray:
    """An image (PIL, or (H, W, 3) uint8) → (3, size, size) float32 in [0, 1]: the whole picture
    resized (stretched), bicubic — EfficientNet-Lite0's "resize" preprocessing."""
    if isinstance(img, np.ndarray):
        img = Image.fromarray(np.asarray(img, dtype=np.uint8))
    img = img.convert("RGB").resize((size, size), Image.Resampling.BICUBIC)
    return (np.asarray(img, dtype=np.float32) / np.float32(255.0)).transpose(2, 0, 1).copy()


class _Tail(nn.Module):
    """The trainable end of EfficientNet-Lite0: private copies of its last MBConv blocks and head
    convolution, then global average pooling, dropout (seeded) and a new classifier."""

    def __init__(self, net: nn.Module, first: int, n_classes: int, dropout: float, gen: torch.Generator,
                 scale: float = 0.0):
        super().__init__()
        self.scale = scale  # > 0: the classifier reads the pooled vector normalised and scaled, as "linear"
        self.blocks = copy.deepcopy(nn.ModuleList(list(net._blocks)[first:]))
        self.conv_head = copy.deepcopy(net._conv_head)
        self.bn_head = copy.deepcopy(net._bn1)
        self.requires_grad_(True)
        self.fc = nn.Linear(self.conv_head.out_channels, n_classes)
        bound = 1 / math.sqrt(self.conv_head.out_channels)  # PyTorch's default initialisation
        with torch.no_grad():
            self.fc.weight.copy_(_uniform(tuple(self.fc.weight.shape), bound, gen))
            self.fc.bias.copy_(_uniform((n_classes,), bound, gen))
        self.dropout = dropout
        self.to(memory_format=torch.channels_last)  # oneDNN's kernels: ~30 % less time per step here

    def train(self, mode: bool = True):
        super().train(mode)
        for m in self.modules():  # ImageNet's batch statistics stay: a few images cannot estimate them
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
        return self

    def pooled(self, h: torch.Tensor) -> torch.Tensor:
        """Frozen activations (B, C, H, W) → the pooled head (B, 1280)."""
        h = h.contiguous(memory_format=torch.channels_last)
        for b in self.blocks:
            h = b(h)
        return F.relu6(self.bn_head(self.conv_head(h))).mean(dim=(2, 3))

    def forward(self, h: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
        h = self.pooled(h)
        if self.training and gen is not None and self.dropout > 0:
            keep = torch.rand(h.shape, generator=gen) >= self.dropout
            h = h * keep / (1 - self.dropout)
        if self.scale > 0:
            h = F.normalize(h, dim=1) * self.scale
        return self.fc(h)


class _FineTune(_Way):
    name = "finetune"

    def __init__(self, images: Sequence, cfg: TeachConfig, cache: dict | None = None):
        from models import efficientnet_lite as eff

        self.net = eff.load_pretrained()  # shared: only read, its frozen part run in inference mode
        self.first = len(self.net._blocks) - cfg.finetune_blocks
        self.images, self.cfg = images, cfg
        self.epochs, self.batch = cfg.finetune_epochs, cfg.batch
        cache = {} if cache is None else cache
        key = (cfg.finetune_size, self.first)
        self.acts: dict[int, torch.Tensor] = cache.setdefault(("frozen", *key), {})  # image → activations
        self.mirror: dict[int, torch.Tensor] = cache.setdefault(("mirror", *key), {})  # of its mirror image

    @torch.inference_mode()
    def _frozen(self, x: torch.Tensor) -> torch.Tensor:
        m = self.net
        x = x.contiguous(memory_format=torch.channels_last)  # 20 % faster through oneDNN
        h = m._relu_stem(m._bn0(m._conv_stem(m.normalize(x))))
        for b in list(m._blocks)[:self.first]:
            h = b(h)
        return h.clone()

    def prepare(self, idx, phase, stop, t0):
        mirror = phase == "labelled"
        todo = [int(i) for i in idx if int(i) not in self.acts or (mirror and int(i) not in self.mirror)]
        step = 16
        for a in range(0, len(todo), step):
            if stop is not None and stop.is_set():
                raise _Stopped
            part = todo[a:a + step]
            x = torch.from_numpy(np.stack([_square_pixels(self.images[i], self.cfg.finetune_size) for i in part]))
            for store, flip in ((self.acts, False), (self.mirror, True)) if mirror else ((self.acts, False),):
                h = self._frozen(torch.flip(x, dims=[3]) if flip else x)
                for j, i in enumerate(part):
                    store[i] = h[j]
            yield Prepare(self.name, phase, a + len(part), len(todo), time.perf_counter() - t0)

    def new_model(self, n_classes, gen):
        scale = self.cfg.linear_scale if self.cfg.finetune_from_linear else 0.0
        tail = _Tail(self.net, self.first, n_classes, self.cfg.finetune_dropout, gen, scale)
        tail.side = self.cfg.finetune_size  # the pixels the frozen part read
        return tail

    @torch.inference_mode()
    def start_from(self, model, idx, y, n_classes):
        if not self.cfg.finetune_from_linear:
            return
        model.eval()
        X = torch.cat([model.pooled(torch.stack([self.acts[int(i)] for i in idx[a:a + 64]]))
                       for a in range(0, len(idx), 64)]).double().numpy()
        W, b = _last(_softmax_regression(normalize(X).astype(np.float64) * self.cfg.linear_scale,
                                         np.asarray(y), n_classes, self.cfg))
        model.fc.weight.copy_(torch.from_numpy(W).float())
        model.fc.bias.copy_(torch.from_numpy(b).float())

    def param_groups(self, model):
        head = list(model.fc.parameters())
        body = [p for n, p in model.named_parameters() if not n.startswith("fc.")]
        return [{"params": body, "lr": self.cfg.finetune_lr}, {"params": head, "lr": self.cfg.finetune_head_lr}]

    def forward(self, model, idx, train, gen):
        if train and gen is not None:
            flip = torch.rand(len(idx), generator=gen) < 0.5
            h = torch.stack([(self.mirror if f else self.acts)[int(i)] for i, f in zip(idx, flip.tolist())])
        else:
            h = torch.stack([self.acts[int(i)] for i in idx])
        return model(h, gen if train else None)


def _fresh_cnn(n_classes: int, size: int, gen: torch.Generator) -> nn.Module:
    """The course's small CNN (models.cnn) for RGB ``size``-px images, initialised from ``gen`` as
    PyTorch would (uniform ±1/√fan_in), built without touching torch's global generator."""
    from models.cnn import CNNConfig, SmallCNN

    cfg = CNNConfig(filters=(16, 32), kernel_size=3, batch_norm=True, dropout=0.0, dense=64, in_channels=3,
                    image_size=size, num_classes=n_classes, mean=0.5, std=0.25)
    with torch.device("meta"):
        model = SmallCNN(cfg)
    model = model.to_empty(device="cpu")
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                bound = 1 / math.sqrt(m.weight[0].numel())
                m.weight.copy_(_uniform(tuple(m.weight.shape), bound, gen))
                if m.bias is not None:
                    m.bias.copy_(_uniform(tuple(m.bias.shape), bound, gen))
            elif isinstance(m, nn.BatchNorm2d):
                m.reset_parameters()
        model.normalize.mean.fill_(cfg.mean)
        model.normalize.std.fill_(cfg.std)
    return model


class _Scratch(_Way):
    name = "scratch"

    def __init__(self, images: Sequence, cfg: TeachConfig):
        self.images, self.cfg = images, cfg
        self.epochs, self.batch = cfg.scratch_epochs, cfg.batch
        self.x: dict[int, torch.Tensor] = {}

    def prepare(self, idx, phase, stop, t0):
        for i in idx:
            if int(i) not in self.x:
                self.x[int(i)] = torch.from_numpy(_square_pixels(self.images[int(i)], self.cfg.scratch_size))
        return iter(())

    def new_model(self, n_classes, gen):
        return _fresh_cnn(n_classes, self.cfg.scratch_size, gen)

    def param_groups(self, model):
        return [{"params": list(model.parameters()), "lr": self.cfg.scratch_lr, "weight_decay": 1e-4}]

    def forward(self, model, idx, train, gen):
        x = torch.stack([self.x[int(i)] for i in idx])
        if train and gen is not None:
            x = _flip_shift(x, gen, max(1, self.cfg.scratch_size // 8))
        return model(x)


def _flip_shift(x: torch.Tensor, gen: torch.Generator, pad: int) -> torch.Tensor:
    """Light augmentation: each image mirrored with probability 1/2 and shifted by up to ``pad`` px
    (padding by edge replication, then a random crop)."""
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], torch.flip(x, dims=[3]), x)
    xp = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen).tolist()
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen).tolist()
    return torch.stack([xp[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


# ---------------------------------------------------------------------------------------------
# Training


def _run_way(way: _Way, lab: Labelling, seed: int, stop, t0: float) -> Iterator[Event]:
    """Cross-validate ``way``, then train it on every labelled image and predict the rest; yields
    its events and returns its :class:`MethodResult`."""
    start = time.perf_counter()
    L, U = lab.labelled, lab.unlabelled
    yl = lab.y[L]
    k, C = lab.folds, len(lab.classes)
    yield from way.prepare(L, "labelled", stop, t0)
    losses: list[list[float]] = []
    oof = np.zeros((len(L), C))
    fold_acc = []
    for f, test in enumerate(stratified_folds(yl, k, seed), start=1):
        train = np.setdiff1d(np.arange(len(L)), test)
        losses.append([])
        model = yield from way.fit(L[train], yl[train], C, seed, f, stop, t0, losses[-1])
        oof[test] = way.predict(model, L[test], C)
        fold_acc.append(float((oof[test].argmax(1) == yl[test]).mean()))
        yield Fold(way.name, f, k, fold_acc[-1], time.perf_counter() - t0)
    yield from way.prepare(U, "unlabelled", stop, t0)
    losses.append([])
    model = yield from way.fit(L, yl, C, seed, None, stop, t0, losses[-1])
    probs = way.predict(model, U, C)
    pred = oof.argmax(1)
    confusion = np.zeros((C, C), np.int64)
    np.add.at(confusion, (yl, pred), 1)
    return MethodResult(way.name, list(lab.classes), k, float((pred == yl).mean()), fold_acc, confusion,
                        L.copy(), yl.copy(), pred, oof[np.arange(len(L)), pred], U.copy(), probs, losses,
                        time.perf_counter() - start, way.export(model, list(lab.classes)))


def check_methods(methods: Any) -> tuple[str, ...]:
    """A list of ways (a subset of :data:`METHODS`, in any order; run in METHODS' order) or one
    name; raises ``archive_teach_method``."""
    if isinstance(methods, str):
        methods = [methods]
    try:
        chosen = list(methods)
    except TypeError:
        chosen = [methods]
    bad = [m for m in chosen if m not in METHODS]
    if bad or not chosen:
        raise InputError("archive_teach_method", value=str(bad[0] if bad else "")[:40], choices=", ".join(METHODS))
    return tuple(m for m in METHODS if m in chosen)


def teach(lab: Labelling, features: np.ndarray | None = None, images: Sequence | None = None,
          methods: Sequence[str] = METHODS, seed: int = 0, stop: threading.Event | None = None,
          config: TeachConfig | None = None, cache: dict | None = None) -> Iterator[Event]:
    """Train and cross-validate the chosen ways on the labelled images, one after the other;
    a generator of events (see the module docstring): :class:`Plan` at once, then per way
    :class:`Prepare` (fine-tuning's frozen activations), :class:`Epoch` and :class:`Fold` while
    it trains, :class:`MethodDone` with its :class:`MethodResult`; last, :class:`Done`.

    Args:
        lab: from :func:`check_labels`, one label per image of the collection.
        features: (N, 1280) EfficientNet-Lite0 vectors (``compute.embed_images``); for "linear".
        images: N images (PIL or (H, W, 3) uint8; the items' thumbnails suffice, ≤ 128 px), for
            "finetune" and "scratch".
        methods: which ways (see :func:`check_methods`).
        seed: folds, initial weights, batches, augmentation and dropout all derive from it.
        stop: when set, the run ends at the next batch with ``Done("stopped", ...)``.
        cache: a dict the caller keeps with the collection (in its session) and drops with it:
            fine-tuning's frozen activations are kept there, so training again after labelling a
            few more images computes only theirs. Never shared between collections or sessions.
    """
    cfg = config or TeachConfig()
    chosen = check_methods(methods)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ArchiveError("out_of_range", name="seed", value=str(seed)[:40], low=0, high=MAX_SEED)
    n = len(lab.y)
    if "linear" in chosen and (features is None or np.shape(features) != (n, FEATURE_DIM)):
        raise InputError("archive_teach_inputs", method="linear")
    for m in ("finetune", "scratch"):
        if m in chosen and (images is None or len(images) != n):
            raise InputError("archive_teach_inputs", method=m)
    t0 = time.perf_counter()
    yield Plan(list(lab.classes), lab.counts, lab.folds, list(chosen), len(lab.labelled), len(lab.unlabelled))
    results: dict[str, MethodResult] = {}
    for m in chosen:
        way = {"linear": lambda: _Linear(features, cfg), "finetune": lambda: _FineTune(images, cfg, cache),
               "scratch": lambda: _Scratch(images, cfg)}[m]()
        try:
            results[m] = yield from _run_way(way, lab, int(seed), stop, t0)
        except _Stopped:
            yield Done("stopped", results, time.perf_counter() - t0)
            return
        yield MethodDone(results[m])
    yield Done("completed", results, time.perf_counter() - t0)


def run_to_end(*args, **kwargs) -> Done:
    """Iterate :func:`teach` to its end; returns the :class:`Done` event."""
    done = None
    for ev in teach(*args, **kwargs):
        done = ev
    assert isinstance(done, Done)
    return done


# ---------------------------------------------------------------------------------------------
# Using the result


def predictions(result: MethodResult) -> list[dict[str, Any]]:
    """Per unlabelled image (collection order): ``{"index", "class", "confidence", "margin"}`` —
    the final model's most probable class, its probability, and the gap to the second."""
    p = result.probs
    if len(p) == 0:
        return []
    top2 = np.sort(p, axis=1)[:, ::-1]
    second = top2[:, 1] if p.shape[1] > 1 else np.zeros(len(p))
    best = p.argmax(1)
    return [{"index": int(i), "class": result.classes[int(c)], "confidence": float(top2[r, 0]),
             "margin": float(top2[r, 0] - second[r])} for r, (i, c) in enumerate(zip(result.unlabelled, best))]


def label_next(result: MethodResult, n: int = 10, by: str = "margin") -> list[int]:
    """"Label these next": the collection indices of the ``n`` unlabelled images the final model is
    least sure of — smallest ``margin`` between its two most probable classes (default) or lowest
    ``confidence`` (probability of its choice); ties in collection order. Labelling them and
    retraining teaches the classifier most per label (uncertainty sampling)."""
    if by not in ("margin", "confidence"):
        raise ValueError(f"by must be 'margin' or 'confidence', not {by!r}")
    rows = predictions(result)
    rows.sort(key=lambda r: (r[by], r["index"]))
    return [r["index"] for r in rows[:max(0, int(n))]]


def confused(result: MethodResult, true: int, predicted: int) -> list[int]:
    """Collection indices of the labelled images of class ``true`` that cross-validation predicted
    as ``predicted`` (one cell of the confusion matrix: its thumbnails), most confident first."""
    rows = [(-float(c), int(i)) for i, t_, p, c in zip(result.labelled, result.true, result.oof_pred,
                                                       result.oof_conf) if t_ == true and p == predicted]
    return [i for _, i in sorted(rows)]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A text cell safe to open in a spreadsheet (as ``compute.to_csv``'s: OWASP "CSV Injection")."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(names: Sequence[str], lab: Labelling, result: MethodResult,
           tags: Sequence[Sequence[dict]] | None = None) -> str:
    """One row per image, in collection order: ``file``, ``label`` (the user's, empty when
    unlabelled), ``predicted_class``, ``confidence`` (4 decimals), ``predicted_by``
    ("cross-validation" for a labelled image — the model that predicted it never saw it — or
    "final model"), ``tags`` (ImageNet's, :func:`compute.format_tags`). Text cells neutralised
    against formula injection; write it with ``encoding="utf-8-sig"`` for Excel."""
    n = len(names)
    if len(lab.y) != n or (tags is not None and len(tags) != n):
        raise ValueError("names, labels and tags must describe the same images")
    pred: dict[int, tuple[str, float, str]] = {}
    for i, p, c in zip(result.labelled, result.oof_pred, result.oof_conf):
        pred[int(i)] = (result.classes[int(p)], float(c), "cross-validation")
    for row in predictions(result):
        pred[row["index"]] = (row["class"], row["confidence"], "final model")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "label", "predicted_class", "confidence", "predicted_by", "tags"])
    for i, name in enumerate(names):
        label = lab.classes[lab.y[i]] if lab.y[i] >= 0 else ""
        cls, conf, by = pred.get(i, ("", float("nan"), ""))
        w.writerow([_cell(name), _cell(label), _cell(cls), "" if by == "" else f"{conf:.4f}", by,
                    _cell(format_tags(tags[i])) if tags is not None else ""])
    return buf.getvalue()


def summary(names: Sequence[str], lab: Labelling, results: Mapping[str, MethodResult]) -> dict[str, Any]:
    """The API's JSON: ``{"classes", "counts", "folds", "methods": {way: {"cv_accuracy", "folds",
    "fold_accuracy", "confusion", "seconds"}}, "files": [{"file", "predictions": {way: {"class",
    "confidence"}}}]}`` — ``files`` lists the unlabelled images, in collection order."""
    files = {int(i): {"file": names[int(i)], "predictions": {}} for i in lab.unlabelled}
    for m, r in results.items():
        for row in predictions(r):
            files[row["index"]]["predictions"][m] = {"class": row["class"],
                                                     "confidence": round(row["confidence"], 4)}
    return {"classes": list(lab.classes), "counts": lab.counts, "folds": lab.folds,
            "methods": {m: {"cv_accuracy": round(r.cv_accuracy, 4), "folds": r.folds,
                            "fold_accuracy": [round(a, 4) for a in r.fold_accuracy],
                            "confusion": r.confusion.tolist(), "seconds": round(r.seconds, 2)}
                        for m, r in results.items()},
            "files": list(files.values())}


def network(result: MethodResult) -> tuple[nn.Module, int]:
    """The trained classifier as one torch module from pixels, for the tabs that look inside a
    network (Saliency: where does *my* classifier look?): (module, the input side it was trained
    at). The module takes (B, 3, H, W) pixels in [0, 1] and returns logits (B, C); it is a private
    copy in eval mode with gradients off. "linear" and "finetune": an ``EfficientNetLite0`` (same
    layer names as the ImageNet one) whose ``_fc`` reads the normalised pooled vector — and for
    "finetune", whose last blocks and head are the fine-tuned ones; "scratch": the small CNN."""
    from models import efficientnet_lite as eff

    if result.method == "scratch":
        m, side = copy.deepcopy(result.model), int(result.model.cfg.image_size)
    else:
        m = copy.deepcopy(eff.load_pretrained())
        if result.method == "linear":
            W, b, side = torch.from_numpy(result.model.W), torch.from_numpy(result.model.b), eff.IMAGE_SIZE
        else:
            tail = result.model
            first = len(m._blocks) - len(tail.blocks)
            for j, block in enumerate(tail.blocks):
                m._blocks[first + j] = copy.deepcopy(block)
            m._conv_head, m._bn1 = copy.deepcopy(tail.conv_head), copy.deepcopy(tail.bn_head)
            W, b = tail.fc.weight.detach(), tail.fc.bias.detach()
            side = int(getattr(tail, "side", eff.IMAGE_SIZE))
        if result.method == "linear" or result.model.scale > 0:
            m._fc = _LinearHead(W * (1.0 if result.method == "linear" else result.model.scale), b)
        else:
            m._fc = copy.deepcopy(result.model.fc)
    m = m.eval().to(memory_format=torch.contiguous_format)
    m.requires_grad_(False)
    return m, side


# ---------------------------------------------------------------------------------------------
# ONNX


ONNX_OPSET = 20


def onnx_bytes(clf: LinearClassifier, pipeline: bool = False) -> bytes:
    """The linear classifier as an ONNX file (bytes; write them with ``explorer.files``).

    ``pipeline=False``: input ``features`` (batch, 1280), the EfficientNet-Lite0 vectors (any
    length: they are normalised inside); ``pipeline=True``: input ``x`` (batch, 3, 224, 224) pixels
    in [0, 1] — ``assets/efficientnet_lite0.onnx`` with the classifier appended, the whole path from
    a photo. Outputs ``class_logits`` and ``probabilities`` (batch, C). The class names are in the
    metadata, key ``classes`` (a JSON list)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from explorer.archive.compute import ONNX

    C = len(clf.classes)
    inits = [numpy_helper.from_array(np.ascontiguousarray(clf.W.T, np.float32), "teach_W"),
             numpy_helper.from_array(np.asarray(clf.b, np.float32), "teach_b"),
             numpy_helper.from_array(np.array([1], np.int64), "teach_axes"),
             numpy_helper.from_array(np.array(1e-12, np.float32), "teach_eps")]
    nodes = [helper.make_node("ReduceL2", ["features", "teach_axes"], ["teach_norm"], keepdims=1),
             helper.make_node("Max", ["teach_norm", "teach_eps"], ["teach_norm_safe"]),
             helper.make_node("Div", ["features", "teach_norm_safe"], ["teach_unit"]),
             helper.make_node("Gemm", ["teach_unit", "teach_W", "teach_b"], ["class_logits"]),
             helper.make_node("Softmax", ["class_logits"], ["probabilities"], axis=1)]
    outputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", C])
               for name in ("class_logits", "probabilities")]
    if pipeline:
        model = onnx.load(str(ONNX))
        g = model.graph
        g.node.extend(nodes)
        g.initializer.extend(inits)
        del g.output[:]
        g.output.extend(outputs)
    else:
        graph = helper.make_graph(nodes, "teach_linear", [helper.make_tensor_value_info(
            "features", TensorProto.FLOAT, ["batch", FEATURE_DIM])], outputs, inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                                  producer_name="Deep Learning Explorer")
        model.ir_version = 10
    del model.metadata_props[:]
    for key, value in (("classes", json.dumps(list(clf.classes), ensure_ascii=False)),
                       ("description", "Softmax regression on EfficientNet-Lite0's L2-normalised "
                                       "1280-d pooled features (Deep Learning Explorer, Mi archivo)")):
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    onnx.checker.check_model(model)
    return model.SerializeToString()


__all__ = [
    "MAX_CLASSES",
    "MAX_LABEL_CHARS",
    "METHODS",
    "MIN_CLASSES",
    "MIN_PER_CLASS",
    "RECOMMENDED_PER_CLASS",
    "Done",
    "Epoch",
    "Fold",
    "Labelling",
    "LinearClassifier",
    "MethodDone",
    "MethodResult",
    "Plan",
    "Prepare",
    "TeachConfig",
    "check_labels",
    "check_methods",
    "clean_label",
    "confused",
    "folder_labels",
    "label_next",
    "network",
    "onnx_bytes",
    "predictions",
    "relabel",
    "run_to_end",
    "stratified_folds",
    "summary",
    "teach",
    "to_csv",
]
