"""The loss of a trained network seen along a line and over a plane through its weights.

- **Line** (Goodfellow, Vinyals & Saxe 2015, "Qualitatively characterizing neural network
  optimization problems"): θ(α) = (1 − α) θ_start + α θ_end, from the initial weights (α = 0) to
  the trained ones (α = 1), a little beyond on both sides. A smooth, monotone descent says that
  training met no barrier on its way.
- **Plane** (Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing the loss landscape of neural
  nets"): θ(a, b) = θ* + a d₁ + b d₂ around the trained weights θ*, with two Gaussian random
  directions *filter-normalised*: in every weight matrix (and convolution kernel bank) each row
  (one neuron's incoming weights, one filter) of the direction is rescaled to the norm of that row
  of θ*, so that a step of 1 moves every neuron by as much as its own size, whatever the layer's
  scale; the directions of the biases (and every other 1-D parameter) are zero, as in Li et al.
- **Path on the plane**: the weights recorded during training, θ_k, are placed on the plane by
  least squares, (a_k, b_k) = argmin ‖θ_k − θ* − a d₁ − b d₂‖ (the two directions need not be
  orthogonal). Random directions in a space of many weights are almost orthogonal to the path
  (Li et al. §7 note it), so the projected path is short and ``path_offplane`` (the part of
  each θ_k − θ* the plane misses) is large. With ``directions="pca"`` the plane is instead
  spanned by the path's first two principal directions (PCA of θ_k − θ*, Li et al.'s choice
  for trajectories; orthonormal, not filter-normalised): it shows where training went.

Evaluation is vectorised: the grid's weights are stacked and the loss computed for many points at
once with ``torch.func.vmap`` over ``functional_call``, which needs ``loss_fn`` to return a tensor
(no ``.item()``) and to reach the weights only through the model's forward. The vectorised value at
the centre is checked against a plain call; if ``loss_fn`` cannot be vectorised, or disagrees,
every point is evaluated in turn (the model's own weights are restored afterwards).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.func import functional_call, vmap

LossFn = Callable[[nn.Module], "float | Tensor"]
MAX_BATCH_FLOATS = 4_000_000  # stacked weights per vectorised chunk (16 MB in float32)


class _Bound(nn.Module):
    """``model`` called with the weights ``params`` instead of its own (inside vmap)."""

    def __init__(self, model: nn.Module, names: Sequence[str], params: Sequence[Tensor]):
        super().__init__()
        object.__setattr__(self, "_model", model)  # not registered: no parameters of its own
        object.__setattr__(self, "_params", dict(zip(names, params)))
        self.train(model.training)

    def forward(self, *args, **kwargs):
        return functional_call(self._model, self._params, args, kwargs)


def _as_float(v) -> float:
    return float(v.detach()) if isinstance(v, Tensor) else float(v)


def _check_weights(model: nn.Module, weights: Sequence[Tensor], what: str) -> list[Tensor]:
    params = list(model.parameters())
    if len(weights) != len(params) or any(tuple(w.shape) != tuple(p.shape) for w, p in zip(weights, params)):
        raise ValueError(f"{what}: one tensor per model parameter, in model.parameters() order, of the same shapes")
    return [w.detach().to(p.dtype) for w, p in zip(weights, params)]


@torch.no_grad()
def _loop(model: nn.Module, loss_fn: LossFn, stacks: Sequence[Tensor]) -> np.ndarray:
    """The loss at each point of ``stacks`` (one tensor per parameter, points along dim 0), one call
    of ``loss_fn`` per point, the model's weights restored afterwards."""
    params = list(model.parameters())
    saved = [p.detach().clone() for p in params]
    out = np.empty(stacks[0].shape[0])
    try:
        for i in range(len(out)):
            for p, s in zip(params, stacks):
                p.copy_(s[i])
            out[i] = _as_float(loss_fn(model))
    finally:
        for p, s in zip(params, saved):
            p.copy_(s)
    return out


@torch.no_grad()
def evaluate_stacked(model: nn.Module, loss_fn: LossFn, make: Callable[[int, int], list[Tensor]],
                     count: int) -> tuple[np.ndarray, bool]:
    """The loss at ``count`` weight settings, ``make(i, j)`` giving the settings i..j−1 stacked
    (one tensor per parameter, settings along dim 0); vectorised with vmap over chunks when
    ``loss_fn`` allows it (checked at the first setting against a plain call), else point by point.
    Also returns whether it was vectorised."""
    names = [n for n, _ in model.named_parameters()]
    n_params = sum(p.numel() for p in model.parameters())
    chunk = max(1, min(count, MAX_BATCH_FLOATS // max(n_params, 1)))
    if count == 0:
        return np.zeros(0), True

    def one(*params):
        return loss_fn(_Bound(model, names, params))

    try:
        first = [w[0] for w in make(0, 1)]
        ref = _as_float(loss_fn(_Bound(model, names, first)))
        plain = _loop(model, loss_fn, [w.unsqueeze(0) for w in first])[0]
        if not math.isclose(ref, plain, rel_tol=1e-5, abs_tol=1e-7):
            raise ValueError("loss_fn reads the weights outside the model's forward")
        parts = [vmap(one)(*make(i, min(i + chunk, count))).reshape(-1) for i in range(0, count, chunk)]
        values = torch.cat(parts).double().numpy()
        if values.shape != (count,):
            raise ValueError("loss_fn did not return one number per setting")
        return values, True
    except Exception:  # not vmappable (.item(), data-dependent control flow, weights read directly...)
        return np.concatenate([_loop(model, loss_fn, make(i, min(i + chunk, count)))
                               for i in range(0, count, chunk)]), False


def evaluate(model: nn.Module, loss_fn: LossFn, center: Sequence[Tensor], dirs: Sequence[Sequence[Tensor]],
             coords: np.ndarray) -> tuple[np.ndarray, bool]:
    """The loss at θ = center + Σ_j coords[i, j] dirs[j] for every row i of ``coords``, and whether
    it was vectorised."""
    rows_all = torch.as_tensor(np.asarray(coords, dtype=np.float64), dtype=center[0].dtype)

    def make(i: int, j: int) -> list[Tensor]:
        rows = rows_all[i:j]
        out = []
        for k, c in enumerate(center):
            w = c.unsqueeze(0).expand(len(rows), *c.shape).clone()
            for m, d in enumerate(dirs):
                w += rows[:, m].reshape(-1, *([1] * c.dim())) * d[k].unsqueeze(0)
            out.append(w)
        return out

    return evaluate_stacked(model, loss_fn, make, len(rows_all))


def filter_normalized_direction(center: Sequence[Tensor], generator: torch.Generator) -> list[Tensor]:
    """A Gaussian random direction shaped like ``center``, filter-normalised (Li et al. 2018): in
    every parameter of 2 or more dimensions, each row along dim 0 (a neuron's incoming weights, a
    filter) rescaled to the norm of the same row of ``center``; 1-D parameters (biases, norms'
    scales) get a zero direction."""
    out = []
    for c in center:
        if c.dim() <= 1:
            out.append(torch.zeros_like(c))
            continue
        d = torch.randn(c.shape, generator=generator, dtype=torch.float64).to(c.dtype)
        rows_d = d.reshape(len(d), -1).norm(dim=1)
        rows_c = c.reshape(len(c), -1).norm(dim=1)
        scale = rows_c / (rows_d + 1e-10)
        out.append(d * scale.reshape(-1, *([1] * (c.dim() - 1))))
    return out


def _flat(ws: Sequence[Tensor]) -> np.ndarray:
    return torch.cat([w.reshape(-1) for w in ws]).double().numpy()


def _unflat(v: np.ndarray, like: Sequence[Tensor]) -> list[Tensor]:
    out, i = [], 0
    for c in like:
        out.append(torch.as_tensor(v[i:i + c.numel()], dtype=c.dtype).reshape(c.shape))
        i += c.numel()
    return out


@dataclass
class Line:
    """The loss along θ(α) = (1 − α) θ_start + α θ_end."""

    alphas: np.ndarray
    loss: np.ndarray
    start_loss: float  # α = 0 (evaluated exactly there, not interpolated)
    end_loss: float  # α = 1
    distance: float  # ‖θ_end − θ_start‖
    vectorised: bool

    def as_dict(self) -> dict:
        """JSON-ready: the curve (6 significant digits) and its ends."""
        return {"alphas": [round(float(a), 6) for a in self.alphas], "loss": _round_list(self.loss),
                "start_loss": _r(self.start_loss), "end_loss": _r(self.end_loss), "distance": _r(self.distance),
                "max_loss_between": _r(float(np.max(self.loss[(self.alphas >= 0) & (self.alphas <= 1)]))),
                "monotone": bool(self.monotone)}

    @property
    def monotone(self) -> bool:
        """Whether the loss never rises between α = 0 and α = 1 (no barrier on the straight way)."""
        inside = self.loss[(self.alphas >= 0) & (self.alphas <= 1)]
        return bool(np.all(np.diff(inside) <= 1e-9 * max(1.0, float(np.abs(inside).max()))))


@dataclass
class Plane:
    """The loss over θ(a, b) = θ* + a d₁ + b d₂, and the recorded path placed on it."""

    a: np.ndarray  # (n,) coordinates along d₁
    b: np.ndarray  # (n,) along d₂
    loss: np.ndarray  # (n, n): loss[i, j] at (a[j], b[i]) (rows follow b, as a contour's z)
    center_loss: float
    path: np.ndarray  # (K, 2) the path's coordinates (a_k, b_k)
    path_loss: np.ndarray  # (K,) the true loss at each recorded θ_k
    path_offplane: np.ndarray  # (K,) ‖θ_k − θ* − a_k d₁ − b_k d₂‖ / ‖θ_k − θ*‖ (0: the step lies in the plane)
    directions: str  # "random" or "pca"
    cosine: float  # cos(d₁, d₂)
    vectorised: bool
    dirs: tuple[list[Tensor], list[Tensor]]

    def as_dict(self) -> dict:
        """JSON-ready (6 significant digits): the grid, the centre, the path and how much of it the
        plane holds."""
        return {"directions": self.directions, "a": _round_list(self.a), "b": _round_list(self.b),
                "loss": [_round_list(row) for row in self.loss], "center_loss": _r(self.center_loss),
                "path": [_round_list(p) for p in self.path], "path_loss": _round_list(self.path_loss),
                "path_offplane": _round_list(self.path_offplane), "cosine": _r(self.cosine),
                "min_loss": _r(float(np.nanmin(self.loss))), "max_loss": _r(float(np.nanmax(self.loss)))}


def _r(x: float, sig: int = 6) -> float | None:
    return float(f"{x:.{sig}g}") if x is not None and math.isfinite(x) else None


def _round_list(v) -> list:
    return [_r(float(x)) for x in np.asarray(v).ravel()]


def line(model: nn.Module, loss_fn: LossFn, w_start: Sequence[Tensor], w_end: Sequence[Tensor], n: int = 41,
         extend: float = 0.25) -> Line:
    """The loss at ``n`` evenly spaced α in [−extend, 1 + extend] on the straight line from
    ``w_start`` (α = 0, e.g. the initial weights) to ``w_end`` (α = 1, the trained ones). Weights
    are lists of tensors in ``model.parameters()`` order; the model's own weights are not changed."""
    if not 2 <= int(n) <= 401 or not 0 <= extend <= 2:
        raise ValueError("n in 2..401, extend in [0, 2]")
    start = _check_weights(model, w_start, "w_start")
    end = _check_weights(model, w_end, "w_end")
    alphas = np.linspace(-extend, 1 + extend, int(n))
    alphas = np.unique(np.concatenate([alphas, [0.0, 1.0]]))  # both ends evaluated exactly
    delta = [e - s for s, e in zip(start, end)]
    loss, vec = evaluate(model, loss_fn, start, [delta], alphas[:, None])
    return Line(alphas=alphas, loss=loss, start_loss=float(loss[alphas == 0.0][0]),
                end_loss=float(loss[alphas == 1.0][0]), distance=float(np.linalg.norm(_flat(delta))),
                vectorised=vec)


def plane(model: nn.Module, loss_fn: LossFn, w_center: Sequence[Tensor], path: Sequence[Sequence[Tensor]] = (),
          n: int = 25, span: float = 1.0, seed: int = 0, directions: str = "random") -> Plane:
    """The loss on an ``n`` × ``n`` grid of the plane through ``w_center`` (the trained weights),
    with the recorded ``path`` (a list of weight lists, e.g. one per epoch) placed on it.

    ``directions="random"``: two filter-normalised Gaussian directions from ``seed``, and the grid
    a, b ∈ [−span, span] (1 = each neuron moved by its own norm). ``directions="pca"``: the path's
    first two principal directions (unit vectors), and the grid covers the projected path, its
    extent times 1.25·span on each side (needs ≥ 3 recorded weights). The model is not changed."""
    if not 3 <= int(n) <= 101 or not 0 < span <= 10:
        raise ValueError("n in 3..101, span in (0, 10]")
    center = _check_weights(model, w_center, "w_center")
    steps = [_check_weights(model, w, f"path[{k}]") for k, w in enumerate(path)]
    c_flat = _flat(center)
    offsets = np.array([_flat(w) - c_flat for w in steps]) if steps else np.zeros((0, len(c_flat)))
    if directions == "random":
        gen = torch.Generator().manual_seed(int(seed))
        d1 = filter_normalized_direction(center, gen)
        d2 = filter_normalized_direction(center, gen)
    elif directions == "pca":
        if len(steps) < 3:
            raise ValueError("directions='pca' needs a path of at least 3 recorded weights")
        _, _, vt = np.linalg.svd(offsets - offsets.mean(axis=0), full_matrices=False)
        d1, d2 = _unflat(vt[0], center), _unflat(vt[1], center)
    else:
        raise ValueError("directions: 'random' or 'pca'")
    basis = np.column_stack([_flat(d1), _flat(d2)])
    if len(offsets):
        coords = np.linalg.lstsq(basis, offsets.T, rcond=None)[0].T
        miss = np.linalg.norm(offsets - coords @ basis.T, axis=1)
        size = np.linalg.norm(offsets, axis=1)
        offplane = np.where(size > 0, miss / np.where(size > 0, size, 1.0), 0.0)
    else:
        coords, offplane = np.zeros((0, 2)), np.zeros(0)
    if directions == "random":
        a = b = np.linspace(-span, span, int(n))
    else:
        ext = 1.25 * span * np.maximum(np.abs(coords).max(axis=0), 1e-12)
        a, b = np.linspace(-ext[0], ext[0], int(n)), np.linspace(-ext[1], ext[1], int(n))
    aa, bb = np.meshgrid(a, b)
    grid = np.column_stack([aa.ravel(), bb.ravel()])
    values, vec = evaluate(model, loss_fn, center, [d1, d2], grid)
    path_loss = evaluate_stacked(model, loss_fn, lambda i, j: [torch.stack([w[k] for w in steps[i:j]])
                                                               for k in range(len(center))], len(steps))[0]
    cos = float(basis[:, 0] @ basis[:, 1] / (np.linalg.norm(basis[:, 0]) * np.linalg.norm(basis[:, 1]) + 1e-300))
    center_loss = _loop(model, loss_fn, [c.unsqueeze(0) for c in center])[0]
    return Plane(a=a, b=b, loss=values.reshape(len(b), len(a)), center_loss=float(center_loss), path=coords,
                 path_loss=np.asarray(path_loss, dtype=float), path_offplane=offplane, directions=directions,
                 cosine=cos, vectorised=vec, dirs=(d1, d2))
