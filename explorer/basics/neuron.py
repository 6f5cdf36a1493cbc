"""One artificial neuron, Rosenblatt's perceptron and the hidden layer that solves XOR.

A neuron computes a weighted sum of its inputs plus a bias, z = w₁x₁ + w₂x₂ + b, and passes it
through an activation, y = f(z). In the plane of its two inputs the set where z = 0 is a straight
line: the neuron's whole decision is "which side of that line". This module computes what the
Fundamentos tab shows about it:

- :data:`ACTIVATIONS`: the activations of the course (step, sigmoid, tanh, ReLU, linear), each with
  its value and its derivative;
- :func:`neuron_plane`: a neuron's output over a grid of the plane, and its line clipped to the window;
- :func:`perceptron`: Rosenblatt's learning rule (1957), visit by visit, every number recorded, on the
  data sets :func:`separable_points`, :func:`xor_points`, :func:`and_points`, :func:`or_points`;
- :func:`xor_hidden_layer`: a hand-set 2-2-1 network (XOR = OR and not AND) whose hidden layer turns
  the four XOR corners into points one line separates.

Everything is numpy float64; nothing heavy is loaded on import.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.errors import InputError

WEIGHT_LIMIT = 10.0  # |w₁|, |w₂|, |b| accepted by neuron_plane (sliders and API alike)
EXTENT_LIMIT = 100.0  # half-width of the window, at most
GRID_LIMITS = (2, 401)  # points per side of the grid
POINT_LIMIT = 200  # points a perceptron run accepts
COORD_LIMIT = 100.0  # |coordinate| of a point
EPOCH_LIMIT = 1000  # max_epochs at most
LR_LIMIT = 10.0  # learning rate at most


# --------------------------------------------------------------------------------------------- activations
def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for large |z| (e^(−z) is only taken for z ≥ 0)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@dataclass(frozen=True)
class Activation:
    """An activation function f and its derivative f'. ``lo``/``hi`` bound its output (None: unbounded);
    ``symbol`` is how formulas write it (σ, tanh, ReLU, escalón/step is translated by the views)."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    lo: float | None
    hi: float | None
    symbol: str

    def __call__(self, z):
        return self.f(np.asarray(z, dtype=np.float64))

    def derivative(self, z):
        return self.df(np.asarray(z, dtype=np.float64))


ACTIVATIONS: dict[str, Activation] = {
    # Rosenblatt's step: 1 when z ≥ 0 (so a point on the line counts as class 1), else 0. Its derivative is 0
    # everywhere except at 0, where it does not exist: nothing for gradient descent to follow.
    "step": Activation("step", lambda z: (z >= 0).astype(np.float64), lambda z: np.zeros_like(z), 0.0, 1.0, "H"),
    "sigmoid": Activation("sigmoid", _sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)), 0.0, 1.0, "σ"),
    "tanh": Activation("tanh", np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, -1.0, 1.0, "tanh"),
    # ReLU's derivative at exactly 0 is taken as 0, as torch does.
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64), 0.0, None,
                       "ReLU"),
    "linear": Activation("linear", lambda z: np.asarray(z, dtype=np.float64) + 0.0, lambda z: np.ones_like(z),
                         None, None, "id"),
}


def check_activation(name: Any, allowed: Sequence[str] | None = None) -> Activation:
    """The activation called ``name``; InputError ``basics_neuron_activation`` (with the allowed names) otherwise."""
    allowed = list(allowed or ACTIVATIONS)
    if not isinstance(name, str) or name not in allowed:
        raise InputError("basics_neuron_activation", name=str(name)[:40], choices=", ".join(allowed))
    return ACTIVATIONS[name]


def _number_error(name: str, value: Any, lo: float, hi: float) -> InputError:
    return InputError("basics_neuron_number", name=name, value=str(value)[:40], lo=f"{lo:g}", hi=f"{hi:g}")


def checked_float(name: str, value: Any, lo: float, hi: float, lo_open: bool = False) -> float:
    """``value`` as a float, finite and within [lo, hi] (or (lo, hi] with ``lo_open``); InputError
    ``basics_neuron_number`` otherwise, or ``basics_neuron_positive`` for an open bound at 0 (the API
    bypasses the sliders: a string, NaN or 1e9 must not reach the arithmetic)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if isinstance(value, bool) or not math.isfinite(x) or not lo <= x <= hi or (lo_open and x == lo):
        if lo_open and lo == 0:
            raise InputError("basics_neuron_positive", name=name, value=str(value)[:40], hi=f"{hi:g}")
        raise _number_error(name, value, lo, hi)
    return x


def checked_int(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int within [lo, hi] (a float is accepted only when whole); InputError
    ``basics_neuron_number`` otherwise."""
    x = checked_float(name, value, lo, hi)
    if x != int(x):
        raise _number_error(name, value, lo, hi)
    return int(x)


# ------------------------------------------------------------------------------------------------- lines
def clip_line(w1: float, w2: float, b: float, box: tuple[float, float, float, float]
              ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The segment of the line w₁x₁ + w₂x₂ + b = 0 inside the rectangle ``box`` = (x_min, x_max, y_min,
    y_max), as its two endpoints, or None when w = 0 (no line) or when the line misses the rectangle."""
    if w1 == 0 and w2 == 0:
        return None
    x0, x1, y0, y1 = box
    pts: list[tuple[float, float]] = []
    if w2 != 0:  # crossings with the vertical sides x = x0, x = x1
        for x in (x0, x1):
            y = -(w1 * x + b) / w2
            if y0 - 1e-12 <= y <= y1 + 1e-12:
                pts.append((x, min(max(y, y0), y1)))
    if w1 != 0:  # crossings with the horizontal sides y = y0, y = y1
        for y in (y0, y1):
            x = -(w2 * y + b) / w1
            if x0 - 1e-12 <= x <= x1 + 1e-12:
                pts.append((min(max(x, x0), x1), y))
    if len(pts) < 2:
        return None
    # the two crossings farthest apart (a line through a corner is found twice there)
    best = max(((p, q) for i, p in enumerate(pts) for q in pts[i + 1:]),
               key=lambda pq: (pq[0][0] - pq[1][0]) ** 2 + (pq[0][1] - pq[1][1]) ** 2)
    if best[0] == best[1]:
        return None  # only touches a corner
    return best


def half_plane(w1: float, w2: float, b: float, box: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """The polygon (list of vertices) of the rectangle ``box`` where w₁x₁ + w₂x₂ + b ≥ 0: the region a
    step neuron calls class 1 (Sutherland-Hodgman clipping of the rectangle by one half-plane)."""
    x0, x1, y0, y1 = box
    square = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]

    def side(p):
        return w1 * p[0] + w2 * p[1] + b

    out: list[tuple[float, float]] = []
    for i, p in enumerate(square):
        q = square[(i + 1) % 4]
        sp, sq = side(p), side(q)
        if sp >= 0:
            out.append(p)
        if (sp >= 0) != (sq >= 0):
            s = sp / (sp - sq)
            out.append((p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])))
    return out


# ----------------------------------------------------------------------------------------------- a neuron
@dataclass(frozen=True)
class NeuronPlane:
    """A neuron's output over a grid of the plane. ``out[i, j]`` is f(w₁·x1[j] + w₂·x2[i] + b) (rows are
    x₂, as a heatmap draws them); ``line`` is the segment of w·x + b = 0 inside the window, or None;
    ``summary`` is JSON-ready."""

    w1: float
    w2: float
    b: float
    activation: str
    extent: float
    x1: np.ndarray
    x2: np.ndarray
    z: np.ndarray
    out: np.ndarray
    line: tuple[tuple[float, float], tuple[float, float]] | None
    summary: dict[str, Any]


def neuron_plane(w1: float, w2: float, b: float, activation: str = "sigmoid", extent: float = 3.0,
                 n: int = 101) -> NeuronPlane:
    """One neuron y = f(w₁x₁ + w₂x₂ + b) evaluated on an n × n grid of the square [−extent, extent]², with
    its decision line w₁x₁ + w₂x₂ + b = 0 (where z changes sign: the step flips, σ crosses ½, tanh and
    the linear neuron cross 0, ReLU starts) clipped to the window.

    Weights and bias must be finite and within ±10, ``activation`` one of :data:`ACTIVATIONS`, extent in
    (0, 100], n in [2, 401]; otherwise InputError."""
    w1 = checked_float("w1", w1, -WEIGHT_LIMIT, WEIGHT_LIMIT)
    w2 = checked_float("w2", w2, -WEIGHT_LIMIT, WEIGHT_LIMIT)
    b = checked_float("b", b, -WEIGHT_LIMIT, WEIGHT_LIMIT)
    act = check_activation(activation)
    extent = checked_float("extent", extent, 0.0, EXTENT_LIMIT, lo_open=True)
    n = checked_int("n", n, *GRID_LIMITS)
    xs = np.linspace(-extent, extent, n)
    X1, X2 = np.meshgrid(xs, xs)
    z = w1 * X1 + w2 * X2 + b
    out = act(z)
    box = (-extent, extent, -extent, extent)
    line = clip_line(w1, w2, b, box)
    norm = math.hypot(w1, w2)
    summary: dict[str, Any] = {
        "w1": w1, "w2": w2, "b": b, "activation": act.name, "extent": extent, "grid": n,
        "formula": f"y = {act.symbol}({w1:g}·x1 + {w2:g}·x2 + {b:g})",
        # the line: None when w = 0 (z = b everywhere: the neuron says the same thing to every point)
        "line": None if line is None else [[round(p[0], 6), round(p[1], 6)] for p in line],
        "line_exists": norm > 0,
        "line_in_window": line is not None,
        # the signed distance from the origin to the line, and the side w points to (where z > 0)
        "distance_from_origin": None if norm == 0 else abs(b) / norm,
        "normal": None if norm == 0 else [w1 / norm, w2 / norm],
        "output_min": float(out.min()), "output_max": float(out.max()),
        "share_positive": float((z >= 0).mean()),  # share of the window a step neuron calls class 1
    }
    return NeuronPlane(w1, w2, b, act.name, extent, xs, xs.copy(), z, out, line, summary)


# ------------------------------------------------------------------------------------------- data sets
def _corners(labels: Sequence[int], copies: int = 0, jitter: float = 0.0, seed: int = 0
             ) -> tuple[np.ndarray, np.ndarray]:
    """The corners (0,0), (0,1), (1,0), (1,1) with ``labels``, plus ``copies`` jittered copies of each
    (normal noise of standard deviation ``jitter``, seeded)."""
    base = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    lab = np.asarray(labels, dtype=np.int64)
    copies = checked_int("copies", copies, 0, 40)
    jitter = checked_float("jitter", jitter, 0.0, 0.5)
    if not copies:
        return base, lab
    rng = np.random.default_rng(seed)
    extra = np.repeat(base, copies, axis=0) + rng.normal(0.0, jitter, (4 * copies, 2))
    return np.round(np.vstack([base, extra]), 3), np.concatenate([lab, np.repeat(lab, copies)])


def xor_points(copies: int = 0, jitter: float = 0.08, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """XOR's truth table as points: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0, optionally with ``copies``
    jittered copies of each corner. No line separates the two classes."""
    return _corners([0, 1, 1, 0], copies, jitter, seed)


def and_points(copies: int = 0, jitter: float = 0.08, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """AND's truth table as points: only (1,1) is class 1. Linearly separable."""
    return _corners([0, 0, 0, 1], copies, jitter, seed)


def or_points(copies: int = 0, jitter: float = 0.08, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """OR's truth table as points: only (0,0) is class 0. Linearly separable."""
    return _corners([0, 1, 1, 1], copies, jitter, seed)


def separable_points(seed: int = 0, n: int = 20, margin: float = 0.3, extent: float = 2.5
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in [−extent, extent]², half of each class, on the two sides of a random line (drawn
    from ``seed``, not through the origin, so the bias has to be learnt too) and at least ``margin`` away
    from it: data the perceptron is guaranteed to separate (Novikoff: at most (R/γ)² mistakes).
    Coordinates are rounded to 2 decimals; labels are 0/1. margin is at most extent/4."""
    seed = checked_int("seed", seed, 0, 2**31 - 1)
    n = checked_int("n", n, 2, POINT_LIMIT)
    extent = checked_float("extent", extent, 1.0, 10.0)
    margin = checked_float("margin", margin, 0.0, extent / 4)
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    # the line normal·x + offset = 0; |offset| + margin ≤ extent/2 leaves room for both classes on any side
    reach = max(0.0, min(1.5, extent / 2 - margin))
    offset = rng.uniform(-reach, reach)
    want = (n // 2, n - n // 2)
    got: list[list[np.ndarray]] = [[], []]
    while len(got[0]) < want[0] or len(got[1]) < want[1]:
        p = rng.uniform(-extent, extent, 2)
        d = float(normal @ p + offset)
        c = int(d > 0)
        if abs(d) >= margin + 0.01 and len(got[c]) < want[c]:  # 0.01: room for the rounding below
            got[c].append(p)
    points = np.round(np.vstack(got[0] + got[1]), 2)
    labels = np.array([0] * want[0] + [1] * want[1], dtype=np.int64)
    order = rng.permutation(n)
    return points[order], labels[order]


DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "separable": separable_points, "and": and_points, "or": or_points, "xor": xor_points}


# ------------------------------------------------------------------------------------------ perceptron
@dataclass(frozen=True, slots=True)
class Visit:
    """One visit of one point by the perceptron: what it predicted and how it changed the weights.
    ``target`` and ``prediction`` are 0/1; ``before``/``after`` are (w₁, w₂, b)."""

    epoch: int  # 1-based
    index: int  # the point's index in the data
    x1: float
    x2: float
    target: int
    z: float
    prediction: int
    error: bool
    before: tuple[float, float, float]
    after: tuple[float, float, float]

    def as_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "index": self.index, "x": [self.x1, self.x2], "target": self.target,
                "z": self.z, "prediction": self.prediction, "error": self.error,
                "before": list(self.before), "after": list(self.after)}


@dataclass(frozen=True)
class PerceptronResult:
    """A perceptron run: every visit, whether it converged (an epoch without errors), the epochs used
    and the errors each epoch made, and the final weights (w₁, w₂, b)."""

    records: list[Visit]
    converged: bool
    epochs: int
    errors_per_epoch: list[int]
    weights: tuple[float, float, float]
    lr: float
    w0: tuple[float, float, float]
    order: str = "fixed"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def updates(self) -> int:
        return sum(r.error for r in self.records)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the outcome without the visits (``records_dicts`` gives them)."""
        return {"converged": self.converged, "epochs": self.epochs, "errors_per_epoch": list(self.errors_per_epoch),
                "updates": self.updates, "visits": len(self.records), "w1": self.weights[0],
                "w2": self.weights[1], "b": self.weights[2], "lr": self.lr, "w0": list(self.w0),
                "order": self.order}

    def records_dicts(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.records]


def check_points(points: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Points as an (N, 2) float array (1 ≤ N ≤ 200, finite, |coordinate| ≤ 100) and labels as 0/1.

    Labels are either all in {0, 1} or all in {−1, +1}; −1 is read as class 0, so the perceptron always
    works with targets t ∈ {0, 1}. Anything else raises InputError (``basics_neuron_points``,
    ``basics_neuron_labels``)."""
    try:
        p = np.asarray(points, dtype=np.float64)
        lab = np.asarray(labels, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError("basics_neuron_points", n=POINT_LIMIT, limit=f"{COORD_LIMIT:g}") from None
    if p.ndim != 2 or p.shape[1] != 2 or not 1 <= len(p) <= POINT_LIMIT or not np.isfinite(p).all() \
            or np.abs(p).max() > COORD_LIMIT:
        raise InputError("basics_neuron_points", n=POINT_LIMIT, limit=f"{COORD_LIMIT:g}")
    values = set(np.unique(lab).tolist())
    if len(lab) != len(p) or not (values <= {0.0, 1.0} or values <= {-1.0, 1.0}):
        raise InputError("basics_neuron_labels", n=len(p))
    return p, (lab > 0).astype(np.int64)


def perceptron(points: Any, labels: Any, lr: float = 1.0, max_epochs: int = 50,
               w0: Sequence[float] = (0.0, 0.0, 0.0), shuffle_seed: int | None = None) -> PerceptronResult:
    """Rosenblatt's perceptron rule, one point at a time.

    For each visited point x with target t ∈ {0, 1} (labels {−1, +1} are read as {0, 1}): the neuron
    predicts y = step(w₁x₁ + w₂x₂ + b) ∈ {0, 1} (step(0) = 1), then updates

        w ← w + lr·(t − y)·x,   b ← b + lr·(t − y),

    which changes nothing when the prediction was right (t − y = 0). Every visit is recorded (epoch,
    point, prediction, error, weights before and after). An epoch is one pass over the points, in their
    order or, with ``shuffle_seed``, in a new seeded permutation each epoch. The run stops at the first
    epoch without an error (converged: the line separates every point, and would never move again) or
    after ``max_epochs`` (not converged; on XOR this always happens, since no line separates it).

    lr in (0, 10], max_epochs in [1, 1000], w0 = (w₁, w₂, b) finite within ±100; else InputError."""
    p, t = check_points(points, labels)
    lr = checked_float("lr", lr, 0.0, LR_LIMIT, lo_open=True)
    max_epochs = checked_int("max_epochs", max_epochs, 1, EPOCH_LIMIT)
    if isinstance(w0, (str, bytes)) or not hasattr(w0, "__len__") or len(w0) != 3:
        raise InputError("basics_neuron_number", name="w0", value=str(w0)[:40], lo="-100", hi="100")
    w = [checked_float(name, v, -100.0, 100.0) for name, v in zip(("w1", "w2", "b"), w0)]
    start = (w[0], w[1], w[2])
    if shuffle_seed is not None:
        shuffle_seed = checked_int("shuffle_seed", shuffle_seed, 0, 2**31 - 1)
    rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None
    xs = p.tolist()
    records: list[Visit] = []
    errors: list[int] = []
    converged = False
    for epoch in range(1, max_epochs + 1):
        order = rng.permutation(len(xs)).tolist() if rng is not None else range(len(xs))
        wrong = 0
        for i in order:
            x1, x2 = xs[i]
            before = (w[0], w[1], w[2])
            z = w[0] * x1 + w[1] * x2 + w[2]
            y = 1 if z >= 0 else 0
            delta = lr * (int(t[i]) - y)
            if delta:
                w[0] += delta * x1
                w[1] += delta * x2
                w[2] += delta
                wrong += 1
            records.append(Visit(epoch, int(i), x1, x2, int(t[i]), z, y, bool(delta), before, (w[0], w[1], w[2])))
        errors.append(wrong)
        if wrong == 0:
            converged = True
            break
    return PerceptronResult(records, converged, len(errors), errors, (w[0], w[1], w[2]), lr, start,
                            "fixed" if rng is None else f"shuffled (seed {shuffle_seed})")


def predict_step(weights: Sequence[float], points: np.ndarray) -> np.ndarray:
    """The step neuron's classes (0/1) for ``points`` with weights (w₁, w₂, b)."""
    p = np.asarray(points, dtype=np.float64)
    return (p @ np.asarray(weights[:2], dtype=np.float64) + weights[2] >= 0).astype(np.int64)


# ------------------------------------------------------------------------------------------ XOR: 2-2-1
@dataclass(frozen=True)
class XorNetwork:
    """A 2-2-1 network solving XOR, with every weight named as in :mod:`explorer.basics.backprop`:
    hidden neuron j computes h_j = σ(w_j1·x₁ + w_j2·x₂ + b_j), the output y = σ(v₁h₁ + v₂h₂ + c).

    ``hidden_lines[j]`` is neuron j's line w_j1·x₁ + w_j2·x₂ + b_j = 0 clipped to ``window``;
    ``hidden`` the four corners' hidden values (h₁, h₂); ``output_line`` the output neuron's line
    v₁h₁ + v₂h₂ + c = 0 in the hidden space, clipped to [−0.1, 1.1]²."""

    weights: dict[str, float]
    points: np.ndarray
    labels: np.ndarray
    hidden: np.ndarray
    outputs: np.ndarray
    predictions: np.ndarray
    hidden_lines: list[tuple[tuple[float, float], tuple[float, float]] | None]
    output_line: tuple[tuple[float, float], tuple[float, float]] | None
    window: tuple[float, float, float, float]

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hidden values (N, 2), output (N,)) for points ``x`` (N, 2)."""
        wt = self.weights
        x = np.asarray(x, dtype=np.float64)
        W = np.array([[wt["w11"], wt["w12"]], [wt["w21"], wt["w22"]]])
        h = _sigmoid(x @ W.T + np.array([wt["b1"], wt["b2"]]))
        return h, _sigmoid(h @ np.array([wt["v1"], wt["v2"]]) + wt["c"])

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the weights, and for each corner its hidden values, output and class."""
        return {"weights": dict(self.weights),
                "corners": [{"x": p.tolist(), "target": int(t), "h": [round(float(v), 6) for v in h],
                             "y": round(float(y), 6), "prediction": int(c)}
                            for p, t, h, y, c in zip(self.points, self.labels, self.hidden, self.outputs,
                                                     self.predictions)],
                "solved": bool((self.predictions == self.labels).all()),
                "hidden_lines": [None if seg is None else [list(seg[0]), list(seg[1])] for seg in self.hidden_lines],
                "output_line": None if self.output_line is None else [list(self.output_line[0]),
                                                                      list(self.output_line[1])]}


# XOR = OR and not AND: h₁ ≈ OR(x₁, x₂) (line x₁ + x₂ = 0.5), h₂ ≈ AND(x₁, x₂) (line x₁ + x₂ = 1.5),
# y ≈ h₁ and not h₂ (line h₁ − h₂ = 0.5 in the hidden space). Weights of 10 keep σ away from 0 and 1 by
# less than 0.01 at the corners, so the numbers stay readable.
XOR_WEIGHTS: dict[str, float] = {"w11": 10.0, "w12": 10.0, "b1": -5.0,
                                 "w21": 10.0, "w22": 10.0, "b2": -15.0,
                                 "v1": 10.0, "v2": -10.0, "c": -5.0}


def xor_hidden_layer(window: tuple[float, float, float, float] = (-0.5, 1.5, -0.5, 1.5)) -> XorNetwork:
    """The hand-set 2-2-1 sigmoid network of :data:`XOR_WEIGHTS` on the four XOR corners: its hidden
    neurons' lines (OR and AND), the corners mapped to the hidden space, where (0,1) and (1,0) land on
    the same point (≈ (1, 0)) and one line (the output neuron's) separates the classes."""
    wt = dict(XOR_WEIGHTS)
    points, labels = xor_points()
    net = XorNetwork(wt, points, labels, np.zeros((4, 2)), np.zeros(4), np.zeros(4, dtype=np.int64), [], None,
                     window)
    h, y = net.forward(points)
    lines = [clip_line(wt["w11"], wt["w12"], wt["b1"], window), clip_line(wt["w21"], wt["w22"], wt["b2"], window)]
    out_line = clip_line(wt["v1"], wt["v2"], wt["c"], (-0.1, 1.1, -0.1, 1.1))
    return XorNetwork(wt, points, labels, h, y, (y >= 0.5).astype(np.int64), lines, out_line, window)
