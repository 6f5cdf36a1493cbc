"""The network playground of the Fundamentos tab: a small fully connected network trained on 2-D
points, the whole run computed at once and recorded, so the browser can play it, pause it
and go back to any recorded step without asking the server again (TensorFlow Playground streams
its run and forgets it; here a run is a thing one can rewind, compare and export).

A run records, every ``record_every`` steps, the training and test loss and accuracy; and at up to
``MAX_FRAMES`` of those steps (the first and the last always among them) everything the views
draw: the class the network gives every point of a grid over the plane and how sure it is, every
hidden neuron's own output over the plane, and every weight.

Two runs with the same seed and the same data start from the same weights and see the same
batches: what differs between them is only what was changed (the optimizer, the activation, L2).

The network starts from PyTorch's own initialisation (``build_net``) and draws its batches and
dropout masks from torch's generators. On networks this small a step is some 40 operations on
arrays of a few dozen numbers, and the cost is each operation's overhead: torch's is several times
numpy's (measured on the 2-core machine: 500 steps of a 2-8-8-2 network, 294 ms in torch, 50 ms in
numpy), and numpy's is many times a compiled loop's: the steps run in one numba-compiled function
(``steps_kernel``, ~5 ms for those 500 steps), and the recorded steps' evaluations and pictures are
computed afterwards for all of them at once (``_forward_all``). ``MLP`` and ``FlatOptimizer`` write
the same steps with numpy arrays: they equal autograd's and torch.optim's, and the compiled steps
equal theirs (tests/unit/test_basics_playground.py); ``MLP`` is also the trained network a run keeps.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from scipy.special import expit
from torch import nn

from explorer import diskcache
from explorer.basics import data2d
from explorer.errors import InputError

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad")
MAX_LAYERS, MAX_NEURONS = 4, 8
MAX_STEPS = 3000
MAX_FRAMES = 40  # steps drawn in the animation (its size grows with them)
MAX_RECORDS = 125  # steps whose losses and accuracies are kept (every 4th of 500)
GRID = 50  # the decision regions: GRID × GRID points over the plane
NEURON_GRID = 20  # each neuron's output: NEURON_GRID × NEURON_GRID points
DIVERGED = 1e6  # a loss above this (or not finite) ends the run: the learning rate was too high


@dataclass(frozen=True)
class Config:
    """A run's settings (the data are given apart)."""

    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    optimizer: str = "sgd"
    lr: float = 0.03
    batch_size: int = 10
    steps: int = 500
    l1: float = 0.0
    l2: float = 0.0
    dropout: float = 0.0
    seed: int = 0


def _bad(kind: str, value, **details):
    return InputError(f"basics_{kind}", value=str(value)[:30], **details)


def _num(value, lo: float, hi: float, kind: str, integer: bool = False) -> float:
    try:
        f = float(value)
        ok = math.isfinite(f) and lo <= f <= hi and (not integer or f == int(f))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise _bad(kind, value, lo=lo, hi=hi)
    return int(f) if integer else f


def check_config(features, hidden, activation, optimizer, lr, batch_size, steps, l1, l2, dropout,
                 seed) -> Config:
    """A Config from raw values (an API caller can send anything), or an InputError saying which
    setting is wrong and what it accepts."""
    if isinstance(hidden, str):
        hidden = [h for h in hidden.replace(",", " ").split() if h]
    try:
        layers = tuple(int(_num(h, 1, MAX_NEURONS, "neurons", integer=True)) for h in (hidden or ()))
    except TypeError:
        raise _bad("neurons", hidden, lo=1, hi=MAX_NEURONS) from None
    if len(layers) > MAX_LAYERS:
        raise _bad("layers", len(layers), lo=0, hi=MAX_LAYERS)
    if activation not in ACTIVATIONS:
        raise InputError("basics_activation", value=str(activation)[:20], choices=", ".join(ACTIVATIONS))
    if optimizer not in OPTIMIZERS:
        raise InputError("basics_optimizer", value=str(optimizer)[:20], choices=", ".join(OPTIMIZERS))
    return Config(features=data2d.check_features(features), hidden=layers, activation=activation,
                  optimizer=optimizer, lr=_num(lr, 1e-5, 10.0, "lr"),
                  batch_size=int(_num(batch_size, 1, data2d.MAX_POINTS, "batch", integer=True)),
                  steps=int(_num(steps, 1, MAX_STEPS, "steps", integer=True)), l1=_num(l1, 0.0, 1.0, "l1"),
                  l2=_num(l2, 0.0, 1.0, "l2"), dropout=_num(dropout, 0.0, 0.9, "dropout"),
                  seed=int(_num(seed, 0, 2 ** 31 - 1, "seed", integer=True)))


def build_net(n_in: int, hidden: tuple[int, ...], classes: int, activation: str, dropout: float,
              seed: int) -> nn.Sequential:
    """The network: for each hidden layer a Linear, the activation and (if any) dropout; then a
    Linear to one output per class (softmax in the loss). Seeded: the same settings give the same
    first weights."""
    torch.manual_seed(seed)
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}[activation]
    layers: list[nn.Module] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, h), act()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


class FlatOptimizer:
    """torch.optim's update rules, with its defaults (momentum: SGD with β = 0.9; Adam β = (0.9,
    0.999), ε = 1e-8; RMSProp α = 0.99, ε = 1e-8; Adagrad ε = 1e-10), applied to all of a network's
    parameters at once as one flat numpy vector, in place (the network's weights are views of it).
    The updates equal torch.optim's (tests/unit/test_basics_playground.py)."""

    def __init__(self, name: str, theta: np.ndarray, lr: float):
        self.name, self.theta, self.lr, self.t = name, theta, lr, 0
        self.m = np.zeros_like(theta)  # momentum's buffer, Adam's first moment
        self.v = np.zeros_like(theta)  # second moments (Adam, RMSProp), Adagrad's sum of squares

    def step(self, g: np.ndarray) -> None:
        self.t += 1
        theta, lr, name, m, v = self.theta, self.lr, self.name, self.m, self.v
        if name == "sgd":
            theta -= lr * g
        elif name == "momentum":
            if self.t == 1:
                m[:] = g
            else:
                m *= 0.9
                m += g
            theta -= lr * m
        elif name == "adam":
            m += 0.1 * (g - m)
            v *= 0.999
            v += 0.001 * (g * g)
            bc1, bc2 = 1 - 0.9 ** self.t, 1 - 0.999 ** self.t
            theta -= (lr / bc1) * m / (np.sqrt(v) / math.sqrt(bc2) + 1e-8)
        elif name == "rmsprop":
            v *= 0.99
            v += 0.01 * (g * g)
            theta -= lr * g / (np.sqrt(v) + 1e-8)
        else:  # adagrad
            v += g * g
            theta -= lr * g / (np.sqrt(v) + 1e-10)


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """torch.optim's optimizer ``name``, as FlatOptimizer applies it (the reference its tests compare with)."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.Adagrad(params, lr=lr)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


class MLP:
    """The network as its weight arrays, with the forward pass and backpropagation written out
    (the chain rule, layer by layer: the course's "repetir el proceso de corrección"); the
    gradients equal autograd's (tests/unit/test_basics_playground.py).

    ``params`` alternates weights (out, in) and biases, as ``build_net``'s Linear layers hold them,
    so the network starts from the same weights as the nn.Sequential of the same seed; they are
    views of ``flat``, the optimizer's vector. ``dtype``: float32 as torch's layers (float64 for
    the tests that compare with autograd to the last digits)."""

    def __init__(self, net: nn.Sequential, activation: str, dropout: float, seed: int, dtype=np.float32):
        weights = [p.detach().numpy().astype(dtype) for p in net.parameters()]
        self.flat = np.concatenate([w.reshape(-1) for w in weights])  # every parameter, one vector
        bounds = np.cumsum([0] + [w.size for w in weights])
        self.params = [self.flat[a:b].reshape(w.shape) for a, b, w in zip(bounds[:-1], bounds[1:], weights)]
        self.grad = np.zeros_like(self.flat)  # backward's answer, in the same order
        self.grads = [self.grad[a:b].reshape(w.shape) for a, b, w in zip(bounds[:-1], bounds[1:], weights)]
        self.activation, self.dropout = activation, dropout
        self.gen = torch.Generator().manual_seed(seed + 7)  # dropout masks: torch's generator

    @property
    def layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(zip(self.params[0::2], self.params[1::2]))

    def _act(self, z: np.ndarray) -> np.ndarray:
        if self.activation == "relu":
            return np.maximum(z, 0)
        if self.activation == "tanh":
            return np.tanh(z)
        if self.activation == "sigmoid":
            return expit(z)
        return z

    def _act_grad(self, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
        if self.activation == "relu":
            return (z > 0).astype(z.dtype)
        if self.activation == "tanh":
            return 1 - a * a
        if self.activation == "sigmoid":
            return a * (1 - a)
        return None  # linear: the gradient passes unchanged

    def forward(self, x: np.ndarray, train: bool = False, hidden: bool = False):
        """Logits; with ``train`` dropout is applied (and what backward needs is kept); with
        ``hidden`` also every hidden layer's outputs."""
        self._cache = []
        outs, h = [], x
        for w, b in self.layers[:-1]:
            z = h @ w.T + b
            a = self._act(z)
            mask = None
            out = a
            if train and self.dropout > 0:  # inverted dropout: the kept outputs scaled by 1/keep
                keep = 1.0 - self.dropout
                mask = (torch.rand(a.shape, generator=self.gen).numpy() < keep).astype(a.dtype) / keep
                out = a * mask
            self._cache.append((h, z, a, mask))
            outs.append(out)
            h = out
        w, b = self.layers[-1]
        self._last_in = h
        logits = h @ w.T + b
        return (logits, outs) if hidden else logits

    def backward(self, logits: np.ndarray, y: np.ndarray, l1: float, l2: float) -> np.ndarray:
        """The cross-entropy's gradient (softmax − one-hot, averaged over the batch) carried back
        through every layer: the gradient of every parameter as one flat vector in ``params`` order
        (``grads`` are its views), L1 and L2 added on the weights."""
        g = _softmax(logits)
        g[np.arange(len(y)), y] -= 1
        g /= len(y)
        n = len(self.layers)
        w, _ = self.layers[-1]
        np.matmul(g.T, self._last_in, out=self.grads[2 * n - 2])
        self.grads[2 * n - 1][:] = g.sum(0)
        gh = g @ w
        for li in range(len(self._cache) - 1, -1, -1):
            h_in, z, a, mask = self._cache[li]
            if mask is not None:
                gh = gh * mask
            d = self._act_grad(z, a)
            gz = gh if d is None else gh * d
            np.matmul(gz.T, h_in, out=self.grads[2 * li])
            self.grads[2 * li + 1][:] = gz.sum(0)
            if li > 0:
                gh = gz @ self.layers[li][0]
        for li, (w, _) in enumerate(self.layers):
            if l2:
                self.grads[2 * li] += 2 * l2 * w
            if l1:
                self.grads[2 * li] += l1 * np.sign(w)
        return self.grad


@dataclass
class Frame:
    """What the views draw at one recorded step."""

    step: int
    # the pictures (None and [] in a run sent back by a worker process: Run.without_pictures)
    region_class: np.ndarray | None  # (GRID*GRID,) uint8: the class the network gives each grid point
    region_conf: np.ndarray | None  # (GRID*GRID,) float32: its probability
    neurons: list[np.ndarray]  # per hidden layer (neurons, NEURON_GRID*NEURON_GRID) float32: each output
    weights: list[tuple[np.ndarray, np.ndarray]]  # per Linear: (out, in) weights and biases


@dataclass
class Run:
    config: Config
    data: data2d.Data2D
    records: list[dict] = field(default_factory=list)  # step, epoch, losses, accuracies
    frames: list[Frame] = field(default_factory=list)
    diverged_at: int | None = None
    feature_scale: tuple[np.ndarray, np.ndarray] | None = None  # mean, std of the features (train)
    net: MLP | None = None  # the trained network (kept on request: the loss landscape, tests)
    path: list[list[np.ndarray]] = field(default_factory=list)  # the weights at every frame

    @property
    def final(self) -> dict:
        return self.records[-1]

    def without_pictures(self) -> Run:
        """The run without what only its figure needs (each frame's regions and neurons' outputs:
        ~1.5 MB of a run's 1.6): what a worker process sends back once the figure is drawn. The
        records, the frames' weights and the path (the loss landscape) stay."""
        return replace(self, frames=[replace(f, region_class=None, region_conf=None, neurons=[])
                                     for f in self.frames])

    def summary(self) -> dict:
        """The JSON of /playground: settings, data, per recorded step the losses and accuracies, the
        final weights."""
        last = self.frames[-1]
        return {"config": {**asdict(self.config), "features": list(self.config.features),
                           "hidden": list(self.config.hidden)},
                "data": self.data.summary(), "diverged_at_step": self.diverged_at,
                "final": dict(self.final), "records": self.records,
                "frames_steps": [f.step for f in self.frames],
                "final_weights": [{"weight": np.round(w, 5).tolist(), "bias": np.round(b, 5).tolist()}
                                  for w, b in last.weights]}


ACT_CODES = {a: i for i, a in enumerate(ACTIVATIONS)}  # relu, tanh, sigmoid, linear
OPT_CODES = {o: i for i, o in enumerate(OPTIMIZERS)}  # sgd, momentum, adam, rmsprop, adagrad
CHUNK = 200_000  # numbers of batch indices and dropout masks handed to the compiled steps at a time


@functools.lru_cache(maxsize=1)
def steps_kernel():
    """The training steps compiled by numba (``explorer.basics.steps``; numba imported on the first
    run), compiled now for the argument types train() gives, by one process of the machine at a
    time: the others wait (at most a minute), then read numba's disk cache (NUMBA_CACHE_DIR)
    instead of compiling again (~12 s of CPU; the warm-up's worker processes and the test
    processes start together)."""
    from explorer.basics import steps

    with diskcache.one_at_a_time("playground-numba", wait_s=60):
        f32, i64 = np.float32, np.int64
        steps.run(np.zeros(3, f32), np.zeros(3, f32), np.zeros(3, f32), 0, np.array([1, 1], i64), 0, 0, 0.1, 0.0,
                  0.0, np.zeros((1, 1), f32), np.zeros(1, i64), np.zeros((1, 1), i64), np.ones((1, 1, 1), f32),
                  False, np.zeros(1, i64), 0, np.zeros((1, 3), f32))
    return steps.run


def _steps_to_record(steps: int, every: int) -> list[int]:
    return sorted(set(range(0, steps + 1, every)) | {steps})


def frame_steps(recorded: list[int], max_frames: int = MAX_FRAMES) -> set[int]:
    """Up to ``max_frames`` of the recorded steps, evenly spread, the first and the last kept."""
    if len(recorded) <= max_frames:
        return set(recorded)
    idx = np.unique(np.round(np.linspace(0, len(recorded) - 1, max_frames)).astype(int))
    return {recorded[i] for i in idx}


class _Features:
    """Points → the network's standardised inputs (the training points' mean and spread)."""

    def __init__(self, names: tuple[str, ...], x_train: np.ndarray):
        self.names = names
        f = data2d.features(x_train, names)
        self.mean, self.std = f.mean(0), f.std(0) + 1e-6

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (data2d.features(x, self.names) - self.mean) / self.std


def _forward_all(snaps: np.ndarray, net: MLP, x: np.ndarray, hidden: bool = False):
    """MLP.forward for every row of ``snaps`` (the network's flat weights at some recorded steps) at
    once, as a batch of networks, layer by layer, points last: logits (records, classes, points),
    with ``hidden`` also each hidden layer's outputs (records, neurons, points). One step at a
    time, the recorded steps' evaluations and frames were 40 ms of a 500-step run's 45 (each small
    operation's overhead again); points last, the reductions over the classes run along rows."""
    nrec, h, outs = len(snaps), np.ascontiguousarray(x.T)[None], []
    bounds = np.cumsum([0] + [p.size for p in net.params])
    layers = len(net.params) // 2
    for li in range(layers):
        w_shape, b0, b1 = net.params[2 * li].shape, bounds[2 * li + 1], bounds[2 * li + 2]
        h = snaps[:, bounds[2 * li]:b0].reshape(nrec, *w_shape) @ h + snaps[:, b0:b1][:, :, None]
        if li < layers - 1:
            h = net._act(h)
            outs.append(h)
    return (h, outs) if hidden else h


def _evaluate_all(snaps: np.ndarray, net: MLP, x: np.ndarray, y: np.ndarray, n_train: int) -> np.ndarray:
    """Loss and accuracy on the training points (the first ``n_train`` of x) and on the test
    points (the rest) at every row of ``snaps``: (records, 4), NaN without test points."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a diverging run: the lesson
        logits = _forward_all(snaps, net, x)
        z = logits - logits.max(1, keepdims=True)
        losses = np.log(np.exp(z).sum(1)) - np.take_along_axis(z, y[None, None, :], 1)[:, 0, :]
    right = (logits.argmax(1) == y[None]).astype(np.float64)
    out = np.full((len(snaps), 4), math.nan)
    out[:, 0], out[:, 1] = losses[:, :n_train].mean(1), right[:, :n_train].mean(1)
    if len(y) > n_train:
        out[:, 2], out[:, 3] = losses[:, n_train:].mean(1), right[:, n_train:].mean(1)
    return out


def _frames_all(steps: list[int], snaps: np.ndarray, net: MLP, grid_in: np.ndarray,
                neuron_in: np.ndarray) -> list[Frame]:
    """What the views draw (a :class:`Frame`) at each of ``steps``, whose weights are the rows of
    ``snaps``: each grid point's class and probability, each hidden neuron's outputs, the weights."""
    logits = _forward_all(snaps, net, grid_in)
    e = np.exp(logits - logits.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    cls, conf = p.argmax(1).astype(np.uint8), p.max(1).astype(np.float32)
    _, outs = _forward_all(snaps, net, neuron_in, hidden=True)
    bounds = np.cumsum([0] + [q.size for q in net.params])
    frames = []
    for i, step in enumerate(steps):
        params = [snaps[i, a:b].reshape(q.shape).copy() for a, b, q in zip(bounds[:-1], bounds[1:], net.params)]
        frames.append(Frame(step, cls[i], conf[i], [o[i].astype(np.float32) for o in outs],
                            list(zip(params[0::2], params[1::2]))))
    return frames


def train(cfg: Config, data: data2d.Data2D, max_frames: int = MAX_FRAMES, keep_net: bool = False) -> Run:
    """Train a fresh network on ``data`` with ``cfg`` and record the run (see the module's text).
    Deterministic: the same settings and data give the same run."""
    feats = _Features(cfg.features, data.x_train)
    # (C-ordered float32 and int64, as steps_kernel was compiled for)
    xtr, ytr = np.ascontiguousarray(feats(data.x_train), np.float32), data.y_train.astype(np.int64)
    xte, yte = feats(data.x_test), data.y_test.astype(np.int64)
    grid_in, neuron_in = feats(data2d.grid(GRID)), feats(data2d.grid(NEURON_GRID))
    net = MLP(build_net(len(cfg.features), cfg.hidden, data.classes, cfg.activation, cfg.dropout, cfg.seed),
              cfg.activation, cfg.dropout, cfg.seed)
    every = max(1, math.ceil(cfg.steps / MAX_RECORDS))
    recorded = _steps_to_record(cfg.steps, every)
    drawn = frame_steps(recorded, max_frames)
    run = Run(cfg, data, feature_scale=(feats.mean, feats.std))
    n, bs = len(ytr), min(cfg.batch_size, len(ytr))
    x_all, y_all = np.concatenate([xtr, xte]), np.concatenate([ytr, yte])
    sizes = np.array([len(cfg.features), *cfg.hidden, data.classes], np.int64)
    rec_steps = np.array(recorded, np.int64)
    snaps = np.zeros((len(recorded), net.flat.size), np.float32)  # the weights at each recorded step
    theta, m, v = net.flat.copy(), np.zeros_like(net.flat), np.zeros_like(net.flat)
    schedule = Schedule(cfg, n, bs, sizes, net.gen)
    kernel, r = steps_kernel(), 0
    for t0, batches, masks in schedule.chunks():
        r = kernel(theta, m, v, t0, sizes, ACT_CODES[cfg.activation], OPT_CODES[cfg.optimizer], float(cfg.lr),
                   float(cfg.l1), float(cfg.l2), xtr, ytr, batches, masks, schedule.dropout, rec_steps, r, snaps)
    recs = _evaluate_all(snaps, net, x_all, y_all, n)  # train loss, accuracy; test loss, accuracy
    shown = []  # the records drawn as frames
    for r, step in enumerate(recorded):
        tr_loss, tr_acc, te_loss, te_acc = (float(f) for f in recs[r])
        ok = math.isfinite(tr_loss) and tr_loss < DIVERGED
        run.records.append({"step": step, "epoch": round(step * bs / n, 3),
                            "train_loss": round(tr_loss, 5) if ok else None,
                            "test_loss": round(te_loss, 5) if math.isfinite(te_loss) and ok else None,
                            "train_acc": round(tr_acc, 4), "test_acc": round(te_acc, 4)
                            if math.isfinite(te_acc) else None})
        if ok and (step in drawn or step == cfg.steps):
            shown.append(r)
        if not ok and step > 0:  # the learning rate was too high: the run ends here
            run.diverged_at = step
            break
    net.flat[:] = snaps[r]  # the network as the run left it (its parameters are views of flat)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run's last frames
        run.frames = _frames_all([recorded[r] for r in shown], snaps[shown], net, grid_in, neuron_in)
    run.path = [[w.copy() for wb in f.weights for w in wb] for f in run.frames]
    run.net = net if keep_net else None
    return run


class Schedule:
    """A run's batches and dropout masks, drawn as the numpy loop drew them: the batches from
    torch's generator seeded with the run's seed (a new permutation of the training points each
    epoch), the masks from ``masks_gen`` (the network's own, MLP.gen), layer by layer, step by step. Handed to
    the compiled steps CHUNK numbers at a time (a long run with big batches and dropout would
    otherwise hold hundreds of MB of masks)."""

    def __init__(self, cfg: Config, n: int, bs: int, sizes: np.ndarray, masks_gen: torch.Generator):
        self.steps, self.n, self.bs, self.sizes, self.masks_gen = cfg.steps, n, bs, sizes, masks_gen
        self.dropout = cfg.dropout > 0 and len(sizes) > 2
        self.keep = 1.0 - cfg.dropout
        self.gen = torch.Generator().manual_seed(cfg.seed)  # the batches: torch's generator
        self.width = int(sizes.sum())
        self.order, self.pos = torch.randperm(n, generator=self.gen).numpy(), 0

    def _batch(self) -> np.ndarray:
        if self.pos + self.bs > self.n:
            self.order, self.pos = torch.randperm(self.n, generator=self.gen).numpy(), 0
        self.pos += self.bs
        return self.order[self.pos - self.bs:self.pos]

    def chunks(self):
        """(steps done before, batch indices (steps, bs), masks (steps, bs, width) or one unused)."""
        per_step = self.bs * (1 + (self.width if self.dropout else 0))
        size = max(1, CHUNK // per_step)
        unused = np.ones((1, 1, 1), np.float32)
        for t0 in range(0, self.steps, size):
            k = min(size, self.steps - t0)
            batches = np.stack([self._batch() for _ in range(k)]).astype(np.int64)
            masks = unused
            if self.dropout:
                masks = np.ones((k, self.bs, self.width), np.float32)
                cols = np.cumsum(self.sizes)
                for j in range(k):
                    for li, h in enumerate(self.sizes[1:-1]):
                        draw = torch.rand((self.bs, int(h)), generator=self.masks_gen).numpy()
                        masks[j, :, cols[li]:cols[li] + h] = (draw < self.keep).astype(np.float32) / self.keep
            yield t0, batches, masks


def predict(run: Run, x: np.ndarray) -> np.ndarray:
    """Class probabilities of points ``x`` under the run's final weights (for tests and the API)."""
    if run.net is None:
        raise ValueError("train(..., keep_net=True) keeps the network")
    mean, std = run.feature_scale
    return _softmax(run.net.forward((data2d.features(x, run.config.features) - mean) / std))
