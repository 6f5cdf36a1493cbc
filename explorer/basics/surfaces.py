"""Optimizers on a 2-D loss surface: classic test functions whose shape is known (an ill-conditioned
bowl, Rosenbrock's banana valley, Beale's flat plateaus, a saddle, a bowl seen through a noisy
gradient) and the six optimizers a course meets first, written from their update rules in numpy
(float64) so a student can read them.

Each optimizer reproduces ``torch.optim``'s formulas, defaults and order of operations (torch 2.x,
``_single_tensor_*``: what runs for CPU tensors), so our path is torch's path to rounding
(``tests/unit/test_basics_surfaces.py`` checks it over 200 steps on every function):

- SGD:        p ← p − η g
- Momentum:   b ← g (first step), then b ← β b + g;             p ← p − η b
- Nesterov:   b as above;                                        p ← p − η (g + β b)
- Adagrad:    s ← s + g²;                                        p ← p − η g / (√s + ε),   ε = 1e-10
- RMSprop:    v ← α v + (1 − α) g²;                              p ← p − η g / (√v + ε),   ε = 1e-8
- Adam:       m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²;
              p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε),                       ε = 1e-8

(torch's dampening 0, Adagrad's lr_decay 0 and initial accumulator 0, RMSprop uncentred without
momentum, Adam without amsgrad; no weight decay anywhere.)

:func:`run` moves every chosen optimizer from the same start for the same number of steps and
records its path, its loss (the true function, also when the gradient is noisy), whether it
diverged and how close it ended to the nearest known minimum. Nothing here draws: see
``explorer.basics.surface_views``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.errors import InputError

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
MAX_STEPS = 1000
MAX_LR = 10.0
MAX_NOISE = 20.0
MAX_SEED = 2**32 - 1
BOX = 10.0  # a path further from the window's centre than BOX half-widths has diverged
TOL = 0.01  # "reached the minimum": within this distance of it, and staying there

# torch.optim's defaults
ADAGRAD_EPS, RMSPROP_EPS, ADAM_EPS = 1e-10, 1e-8, 1e-8
DEFAULTS = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "alpha": 0.99}

Array = np.ndarray


# ---------------------------------------------------------------------------------------------------
# Test functions: value (vectorised, for contour grids) and analytic gradient

BOWL_A, BOWL_B = 1.0, 20.0  # f = ½ (a x² + b y²): Hessian diag(a, b)


def bowl(x: Array, y: Array) -> Array:
    """½ (x² + 20 y²): a quadratic whose Hessian diag(1, 20) has condition number 20. Plain
    gradient descent is stable only for η < 2 / L_max = 2 / 20 = 0.1; the x direction, 20 times
    flatter, then shrinks by (1 − η) a step: the long, slow approach of an ill-conditioned problem."""
    return 0.5 * (BOWL_A * x * x + BOWL_B * y * y)


def bowl_grad(x: Array, y: Array) -> tuple[Array, Array]:
    return BOWL_A * x, BOWL_B * y


def rosenbrock(x: Array, y: Array) -> Array:
    """(1 − x)² + 100 (y − x²)²: a curved, narrow valley (the banana); easy to fall into, slow to
    follow to its minimum at (1, 1). Its curvature there is ~1000 across the valley and ~0.4 along it."""
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def rosenbrock_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r = y - x * x
    return -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r


def beale(x: Array, y: Array) -> Array:
    """(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²: flat plateaus and steep walls (values
    from 0 to ~10⁵ in the window), minimum 0 at (3, 0.5)."""
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y * y
    c = 2.625 - x + x * y * y * y
    return a * a + b * b + c * c


def beale_grad(x: Array, y: Array) -> tuple[Array, Array]:
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y * y
    c = 2.625 - x + x * y * y * y
    gx = 2.0 * a * (y - 1.0) + 2.0 * b * (y * y - 1.0) + 2.0 * c * (y * y * y - 1.0)
    gy = 2.0 * a * x + 4.0 * b * x * y + 6.0 * c * x * y * y
    return gx, gy


def saddle(x: Array, y: Array) -> Array:
    """x² − y² + y⁴ / 2: the textbook saddle x² − y² around the origin (a minimum along x, a maximum
    along y), with a quartic wall far out in y so that the optimizers that escape land in one of two
    minima, (0, ±1) with f = −½, instead of falling for ever (the bare x² − y² has no minimum). The
    saddle's stable manifold is the x axis: a start on it never escapes, a start just off it
    escapes at a speed each optimizer shows differently."""
    return x * x - y * y + 0.5 * y ** 4


def saddle_grad(x: Array, y: Array) -> tuple[Array, Array]:
    return 2.0 * x, -2.0 * y + 2.0 * y ** 3


@dataclass(frozen=True)
class Surface:
    """A test function with what a lesson needs about it: where to start, what window to draw,
    where its minima are, and a learning rate per optimizer that makes each path instructive."""

    name: str
    value: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], tuple[Array, Array]]
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    f_min: float
    lr: Mapping[str, float]
    log_levels: bool = False  # contour levels in log(f − f_min): shows a valley (Rosenbrock, Beale)
    saddles: tuple[tuple[float, float], ...] = ()
    noise: float = 0.0  # default σ of the Gaussian noise added to each gradient component
    notes: Mapping[str, float] = field(default_factory=dict)  # numbers about the shape (condition number...)

    def in_box(self, p: Array) -> bool:
        """Whether ``p`` is finite and within BOX half-widths of the window's centre."""
        if not np.all(np.isfinite(p)):
            return False
        cx, cy = (self.xlim[0] + self.xlim[1]) / 2, (self.ylim[0] + self.ylim[1]) / 2
        hx, hy = (self.xlim[1] - self.xlim[0]) / 2, (self.ylim[1] - self.ylim[0]) / 2
        return abs(p[0] - cx) <= BOX * hx and abs(p[1] - cy) <= BOX * hy

    def distance(self, p: Sequence[float]) -> float:
        """Euclidean distance from ``p`` to the nearest known minimum."""
        return min(math.hypot(p[0] - mx, p[1] - my) for mx, my in self.minima)


# Suggested learning rates: each shows what its optimizer does on that surface (SGD zigzags on the bowl
# near its stability limit 0.1, the momentum methods overshoot, Adagrad's first step is ±η per coordinate...)
# Rosenbrock's Hessian at the start (-1.5, 2) is [[2 − 400 y + 1200 x², −400 x], [−400 x, 200]] =
# [[1902, 600], [600, 200]]: its largest eigenvalue caps SGD's stable step there at 2 / L ≈ 0.00096.
ROSEN_L_START = float(np.linalg.eigvalsh(np.array([[1902.0, 600.0], [600.0, 200.0]]))[-1])

BOWL_LR = {"sgd": 0.09, "momentum": 0.01, "nesterov": 0.01, "adagrad": 1.0, "rmsprop": 0.05, "adam": 0.2}

SURFACES: dict[str, Surface] = {
    "bowl": Surface("bowl", bowl, bowl_grad, start=(-4.0, 1.5), xlim=(-5.0, 5.0), ylim=(-2.5, 2.5),
                    minima=((0.0, 0.0),), f_min=0.0, lr=BOWL_LR,
                    notes={"condition_number": BOWL_B / BOWL_A, "L_max": BOWL_B, "lr_stable": 2.0 / BOWL_B}),
    "rosenbrock": Surface("rosenbrock", rosenbrock, rosenbrock_grad, start=(-1.5, 2.0), xlim=(-2.0, 2.0),
                          ylim=(-1.0, 3.0), minima=((1.0, 1.0),), f_min=0.0, log_levels=True,
                          lr={"sgd": 0.001, "momentum": 0.001, "nesterov": 0.001, "adagrad": 0.5,
                              "rmsprop": 0.01, "adam": 0.1},
                          notes={"L_max_start": ROSEN_L_START, "lr_stable_start": 2.0 / ROSEN_L_START}),
    "beale": Surface("beale", beale, beale_grad, start=(1.0, 1.5), xlim=(-4.5, 4.5), ylim=(-4.5, 4.5),
                     minima=((3.0, 0.5),), f_min=0.0, log_levels=True,
                     lr={"sgd": 0.01, "momentum": 0.001, "nesterov": 0.001, "adagrad": 0.5,
                         "rmsprop": 0.01, "adam": 0.1}),
    "saddle": Surface("saddle", saddle, saddle_grad, start=(-1.8, 1e-4), xlim=(-2.0, 2.0), ylim=(-1.5, 1.5),
                      minima=((0.0, 1.0), (0.0, -1.0)), f_min=-0.5, saddles=((0.0, 0.0),),
                      lr={"sgd": 0.05, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.1,
                          "rmsprop": 0.01, "adam": 0.05}),
    "noisy": Surface("noisy", bowl, bowl_grad, start=(-4.0, 1.5), xlim=(-5.0, 5.0), ylim=(-2.5, 2.5),
                     minima=((0.0, 0.0),), f_min=0.0, lr=BOWL_LR, noise=2.0,
                     notes={"condition_number": BOWL_B / BOWL_A, "L_max": BOWL_B, "lr_stable": 2.0 / BOWL_B}),
}
FUNCTIONS = tuple(SURFACES)


# ---------------------------------------------------------------------------------------------------
# Optimizers: torch.optim's update rules, one step at a time on a float64 vector


class Optimizer:
    """One optimizer's state and update. ``step(p, g)`` returns the new parameters; ``p`` and ``g``
    are float64 vectors. The arithmetic follows torch's kernels operation by operation
    (``add_(x, alpha=a)`` is ``p + a * x``; ``addcdiv_(a, b, value=v)`` is ``p + v * a / b``)."""

    def __init__(self, lr: float):
        self.lr = float(lr)
        self.t = 0  # steps taken

    def step(self, p: Array, g: Array) -> Array:
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: p ← p − η g."""

    def step(self, p: Array, g: Array) -> Array:
        self.t += 1
        return p + (-self.lr) * g


class Momentum(Optimizer):
    """Heavy ball (torch's SGD with momentum, dampening 0): the buffer b starts as the first gradient,
    then b ← β b + g; p ← p − η b. With β → 1 the step grows towards η g / (1 − β)."""

    nesterov = False

    def __init__(self, lr: float, momentum: float = DEFAULTS["momentum"]):
        super().__init__(lr)
        self.momentum = float(momentum)
        self.buf: Array | None = None

    def step(self, p: Array, g: Array) -> Array:
        self.t += 1
        if self.momentum == 0:  # torch skips the buffer
            return p + (-self.lr) * g
        if self.buf is None:
            self.buf = g.copy()
        else:
            self.buf = self.buf * self.momentum + 1.0 * g
        d = g + self.momentum * self.buf if self.nesterov else self.buf
        return p + (-self.lr) * d


class Nesterov(Momentum):
    """torch's Nesterov momentum: the same buffer, but the step looks ahead, p ← p − η (g + β b)."""

    nesterov = True


class Adagrad(Optimizer):
    """Per-coordinate steps shrinking with the sum of all squared gradients seen:
    s ← s + g²; p ← p − η g / (√s + ε). A steep coordinate is slowed at once, and every step
    size only decreases, so it stalls on long journeys."""

    def __init__(self, lr: float, eps: float = ADAGRAD_EPS):
        super().__init__(lr)
        self.eps = eps
        self.sum: Array | None = None

    def step(self, p: Array, g: Array) -> Array:
        self.t += 1
        if self.sum is None:
            self.sum = np.zeros_like(p)  # initial_accumulator_value = 0
        clr = self.lr / (1 + (self.t - 1) * 0.0)  # lr_decay = 0
        self.sum = self.sum + 1.0 * g * g
        std = np.sqrt(self.sum) + self.eps
        return p + (-clr) * g / std


class RMSprop(Optimizer):
    """Adagrad with a forgetting average: v ← α v + (1 − α) g²; p ← p − η g / (√v + ε)."""

    def __init__(self, lr: float, alpha: float = DEFAULTS["alpha"], eps: float = RMSPROP_EPS):
        super().__init__(lr)
        self.alpha, self.eps = float(alpha), eps
        self.sq: Array | None = None

    def step(self, p: Array, g: Array) -> Array:
        self.t += 1
        if self.sq is None:
            self.sq = np.zeros_like(p)
        self.sq = self.sq * self.alpha + (1 - self.alpha) * g * g
        avg = np.sqrt(self.sq) + self.eps
        return p + (-self.lr) * g / avg


def lerp(a: Array, b: Array, w: float) -> Array:
    """torch.lerp's formula (two branches, for accuracy near either end): a + w (b − a)."""
    if abs(w) < 0.5:
        return a + w * (b - a)
    return b - (b - a) * (1 - w)


class Adam(Optimizer):
    """Momentum (m) and RMSprop (v) together, both started at 0 and divided by 1 − βᵗ to undo that
    start: p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε). Its first step is ±η in every
    coordinate, whatever the gradient's size."""

    def __init__(self, lr: float, beta1: float = DEFAULTS["beta1"], beta2: float = DEFAULTS["beta2"],
                 eps: float = ADAM_EPS):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), eps
        self.m: Array | None = None
        self.v: Array | None = None

    def step(self, p: Array, g: Array) -> Array:
        self.t += 1
        if self.m is None:
            self.m, self.v = np.zeros_like(p), np.zeros_like(p)
        self.m = lerp(self.m, g, 1 - self.beta1)
        self.v = self.v * self.beta2 + (1 - self.beta2) * g * g
        step = float(self.t)
        bias_correction1 = 1 - self.beta1 ** step
        bias_correction2 = 1 - self.beta2 ** step
        step_size = self.lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        denom = np.sqrt(self.v) / bias_correction2_sqrt + self.eps
        return p + (-step_size) * self.m / denom


def make_optimizer(name: str, lr: float, momentum: float = DEFAULTS["momentum"], beta1: float = DEFAULTS["beta1"],
                   beta2: float = DEFAULTS["beta2"], alpha: float = DEFAULTS["alpha"]) -> Optimizer:
    """A fresh optimizer ``name`` (one of OPTIMIZERS) with its hyperparameters."""
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, momentum)
    if name == "nesterov":
        return Nesterov(lr, momentum)
    if name == "adagrad":
        return Adagrad(lr)
    if name == "rmsprop":
        return RMSprop(lr, alpha)
    if name == "adam":
        return Adam(lr, beta1, beta2)
    raise InputError("basics_optimizer", value=str(name)[:40], choices=", ".join(OPTIMIZERS))


# ---------------------------------------------------------------------------------------------------
# Input checks


def _number(value: Any, name: str, lo: float, hi: float, lo_open: bool, hi_open: bool, kind: str) -> float:
    """``value`` as a float in the interval, or an InputError ``basics_<kind>``."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    x = float(value) if ok else math.nan
    if not ok or not math.isfinite(x) or (x <= lo if lo_open else x < lo) or (x >= hi if hi_open else x > hi):
        raise InputError(f"basics_{kind}", name=name, value=str(value)[:20], lo=f"{lo:g}", hi=f"{hi:g}")
    return x


def check_function(name: Any) -> Surface:
    """The Surface called ``name``, or InputError ``basics_function``."""
    if not isinstance(name, str) or name not in SURFACES:
        raise InputError("basics_function", value=str(name)[:40], choices=", ".join(FUNCTIONS))
    return SURFACES[name]


def check_optimizers(names: Any) -> list[str]:
    """``names`` as a list of known optimizer names (at most 12 runs; a name may repeat, to compare
    two settings of one optimizer)."""
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not names:
        raise InputError("basics_no_optimizer")
    if len(names) > 12:
        raise InputError("basics_too_many", value=len(names), hi=12)
    for n in names:
        if not isinstance(n, str) or n not in OPTIMIZERS:
            raise InputError("basics_optimizer", value=str(n)[:40], choices=", ".join(OPTIMIZERS))
    return list(names)


def check_steps(steps: Any) -> int:
    """``steps`` as an int in 1..MAX_STEPS (an integral float from an API call is accepted)."""
    ok = isinstance(steps, (int, float, np.integer, np.floating)) and not isinstance(steps, bool)
    if not ok or not math.isfinite(float(steps)) or float(steps) != int(steps) or not 1 <= int(steps) <= MAX_STEPS:
        raise InputError("basics_steps", value=str(steps)[:20], lo=1, hi=MAX_STEPS)
    return int(steps)


def _per_run(value: Any, names: list[str], default: Callable[[str], float], param: str, check) -> list[float]:
    """One value per run from a number (all runs), a dict keyed by optimizer name (the missing ones
    get ``default(name)``) or a list aligned with ``names``; each value checked by ``check``."""
    if value is None:
        return [check(default(n), param) for n in names]
    if isinstance(value, Mapping):
        for k in value:
            if k not in OPTIMIZERS:
                raise InputError("basics_optimizer", value=str(k)[:40], choices=", ".join(OPTIMIZERS))
        return [check(value[n], param) if n in value else check(default(n), param) for n in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise InputError("basics_per_run", name=param, value=len(value), hi=len(names))
        return [check(v, param) for v in value]
    return [check(value, param)] * len(names)


def _lr(v: Any, param: str) -> float:
    return _number(v, param, 0.0, MAX_LR, True, False, "lr")


SYMBOLS = {"momentum": "β (momentum)", "beta1": "β₁ (Adam)", "beta2": "β₂ (Adam)", "alpha": "α (RMSProp)"}


def _beta(v: Any, param: str) -> float:
    return _number(v, SYMBOLS.get(param, param), 0.0, 1.0, False, True, "beta")


def check_start(start: Any, surf: Surface) -> tuple[float, float]:
    """``start`` as a point (x, y) inside the function's window."""
    if start is None:
        return surf.start
    if not isinstance(start, (list, tuple, np.ndarray)) or len(start) != 2:
        raise InputError("basics_start", value=str(start)[:40], xlo=surf.xlim[0], xhi=surf.xlim[1],
                         ylo=surf.ylim[0], yhi=surf.ylim[1])
    try:
        x = _number(start[0], "x", surf.xlim[0], surf.xlim[1], False, False, "start")
        y = _number(start[1], "y", surf.ylim[0], surf.ylim[1], False, False, "start")
    except InputError:
        raise InputError("basics_start", value=str(list(start))[:40], xlo=surf.xlim[0], xhi=surf.xlim[1],
                         ylo=surf.ylim[0], yhi=surf.ylim[1]) from None
    return x, y


# ---------------------------------------------------------------------------------------------------
# Running


def gradient_noise(steps: int, sigma: float, seed: int) -> Array:
    """The (steps, 2) Gaussian noise added to the gradient at each step: drawn once from ``seed``,
    so every optimizer of a run meets the same noise and the comparison is fair."""
    if sigma == 0:
        return np.zeros((steps, 2))
    return sigma * np.random.default_rng(seed).standard_normal((steps, 2))


def settle_step(distances: Sequence[float], tol: float = TOL) -> int | None:
    """The first step from which the path stays within ``tol`` of the minimum to the end, or None."""
    d = np.asarray(distances, dtype=float)
    if d.size == 0 or not d[-1] <= tol:
        return None
    outside = np.nonzero(~(d <= tol))[0]
    return 0 if outside.size == 0 else int(outside[-1]) + 1


def descend(surf: Surface, opt: Optimizer, start: Sequence[float], steps: int, noise: Array) -> dict:
    """One optimizer's run: path (start included), true loss per point, and where it diverged.

    A step whose point is not finite, or lies outside the box of BOX half-widths around the window,
    ends the run: a finite point there is kept (the path is seen leaving), ``diverged_at`` is its step."""
    p = np.array(start, dtype=np.float64)
    path = [p.copy()]
    diverged_at = None
    with np.errstate(all="ignore"):
        for k in range(steps):
            gx, gy = surf.grad(p[0], p[1])
            g = np.array([gx, gy], dtype=np.float64) + noise[k]
            p = opt.step(p, g)
            if not surf.in_box(p):
                diverged_at = k + 1
                if np.all(np.isfinite(p)):
                    path.append(p.copy())
                break
            path.append(p.copy())
        pts = np.array(path)
        loss = surf.value(pts[:, 0], pts[:, 1])
    return {"path": pts, "loss": loss, "diverged_at": diverged_at}


def check_settings(function: Any, optimizers: Any, steps: Any = 100, lr: Any = None, start: Any = None,
                   momentum: Any = DEFAULTS["momentum"], beta1: Any = DEFAULTS["beta1"], beta2: Any = DEFAULTS["beta2"],
                   alpha: Any = DEFAULTS["alpha"], noise: Any = None, seed: Any = 0) -> dict:
    """Every setting of :func:`run` checked and made explicit (one value per run for the per-run
    hyperparameters); an InputError ``basics_<kind>`` names the first bad one. Also the check of a
    teaching scenario's settings."""
    surf = check_function(function)
    names = check_optimizers(optimizers)
    steps = check_steps(steps)
    per_run = {"lr": _per_run(lr, names, lambda n: surf.lr[n], "lr", _lr)}
    for param, value in (("momentum", momentum), ("beta1", beta1), ("beta2", beta2), ("alpha", alpha)):
        per_run[param] = _per_run(value, names, lambda n, param=param: DEFAULTS[param], param, _beta)
    sigma = surf.noise if noise is None else _number(noise, "noise", 0.0, MAX_NOISE, False, False, "noise")
    ok_seed = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and 0 <= int(seed) <= MAX_SEED
    if not ok_seed:
        raise InputError("basics_seed", value=str(seed)[:20], hi=MAX_SEED)
    return {"surface": surf, "names": names, "steps": steps, "start": check_start(start, surf), "noise": sigma,
            "seed": int(seed), **per_run}


def run(function: str, optimizers: Sequence[str], steps: int = 100, lr: Any = None, start: Any = None,
        momentum: Any = DEFAULTS["momentum"], beta1: Any = DEFAULTS["beta1"], beta2: Any = DEFAULTS["beta2"],
        alpha: Any = DEFAULTS["alpha"], noise: float | None = None, seed: int = 0, tol: float = TOL) -> dict:
    """Move each optimizer from the same start on ``function`` for ``steps`` steps.

    ``lr``, ``momentum``, ``beta1``, ``beta2`` and ``alpha`` are each a number (every run), a dict
    keyed by optimizer name, or a list aligned with ``optimizers`` (so one optimizer can appear twice
    with two settings); ``lr=None`` (or a name missing from the dict) takes the function's suggested
    rate. ``noise`` is the σ of the Gaussian noise added to every gradient component (None: the
    function's own, 2 for ``noisy``, 0 otherwise), drawn once from ``seed`` for all runs.

    Returns a JSON-ready dict: the function's window, minima and settings, and ``runs``, one per
    optimizer in order, each with its ``path`` ([x, y] per recorded step, steps + 1 of them unless it
    diverged), ``loss`` (the true f at each), ``diverged`` / ``diverged_at`` (the step it left the box
    or became non-finite), ``final_loss``, ``tail_loss`` (the mean loss over the last tenth of the
    steps: what a noisy run settles to), ``final_distance`` (to the nearest known minimum) and
    ``steps_to_tol`` (the step from which it stays within ``tol`` of a minimum, or None)."""
    c = check_settings(function, optimizers, steps, lr, start, momentum, beta1, beta2, alpha, noise, seed)
    surf, names, steps = c["surface"], c["names"], c["steps"]
    eps = gradient_noise(steps, c["noise"], c["seed"])
    runs = []
    for i, name in enumerate(names):
        opt = make_optimizer(name, c["lr"][i], c["momentum"][i], c["beta1"][i], c["beta2"][i], c["alpha"][i])
        r = descend(surf, opt, c["start"], steps, eps)
        path, loss = r["path"], r["loss"]
        dist = [surf.distance(p) for p in path]
        hyper = {"lr": c["lr"][i]}
        if name in ("momentum", "nesterov"):
            hyper["momentum"] = c["momentum"][i]
        elif name == "rmsprop":
            hyper["alpha"] = c["alpha"][i]
        elif name == "adam":
            hyper.update(beta1=c["beta1"][i], beta2=c["beta2"][i])
        tail = max(1, steps // 10)
        runs.append({"optimizer": name, **hyper, "path": path.tolist(), "loss": loss.tolist(),
                     "diverged": r["diverged_at"] is not None, "diverged_at": r["diverged_at"],
                     "final_loss": float(loss[-1]), "tail_loss": float(np.mean(loss[-tail:])),
                     "final_distance": float(dist[-1]),
                     "steps_to_tol": None if r["diverged_at"] else settle_step(dist, tol)})
    return {"function": surf.name, "steps": steps, "start": list(c["start"]), "noise": c["noise"], "seed": c["seed"],
            "tol": tol, "xlim": list(surf.xlim), "ylim": list(surf.ylim), "minima": [list(m) for m in surf.minima],
            "saddles": [list(s) for s in surf.saddles], "f_min": surf.f_min, "runs": runs}


def _round(x: float | None, sig: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{sig}g}")


def summary(result: dict) -> dict:
    """The run in a few numbers per optimizer (no paths), JSON-ready: settings, final point, final
    loss, distance to the nearest minimum, divergence and the step it settled within ``tol``."""
    runs = []
    for r in result["runs"]:
        hyper = {k: r[k] for k in ("lr", "momentum", "alpha", "beta1", "beta2") if k in r}
        runs.append({"optimizer": r["optimizer"], **hyper,
                     "final_point": [_round(v) for v in r["path"][-1]], "final_loss": _round(r["final_loss"]),
                     "tail_loss": _round(r["tail_loss"]),
                     "final_distance": _round(r["final_distance"]), "diverged": r["diverged"],
                     "diverged_at": r["diverged_at"], "steps_to_tol": r["steps_to_tol"]})
    return {"function": result["function"], "steps": result["steps"], "start": result["start"],
            "noise": result["noise"], "seed": result["seed"], "tol": result["tol"], "minima": result["minima"],
            "runs": runs}


# ---------------------------------------------------------------------------------------------------
# Teaching scenarios: settings for run(**settings); the lead wraps them in explorer.scenario.Scenarios.
# Named opt_* (the optimizers section): the tab's playground has a "lr_too_high" of its own.

SCENARIOS: dict[str, dict[str, Any]] = {
    # SGD on the bowl either side of its stability limit η = 2 / L_max = 2 / 20 = 0.1
    "opt_lr_too_high": {"function": "bowl", "optimizers": ["sgd", "sgd"], "lr": [0.105, 0.095], "steps": 100},
    # the same η, no momentum vs β = 0.9 vs β = 0.99
    "opt_momentum_overshoots": {"function": "bowl", "optimizers": ["sgd", "momentum", "momentum"], "lr": 0.01,
                            "momentum": [0.0, 0.9, 0.99], "steps": 200},
    # SGD at the largest step the valley's walls allow (2 / L ≈ 0.00096 at the start) vs Adam
    "opt_adam_vs_sgd_rosenbrock": {"function": "rosenbrock", "optimizers": ["sgd", "adam"], "lr": [0.001, 0.1],
                               "steps": 1000},
    # every optimizer from just off the saddle's stable manifold (x₂ = 0.0001)
    "opt_saddle": {"function": "saddle", "optimizers": list(OPTIMIZERS),
               "lr": {"sgd": 0.05, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.05},
               "steps": 300},
    # the bowl through a noisy gradient (σ = 2, the same noise for all): big constant steps never settle
    "opt_noisy": {"function": "noisy", "optimizers": ["sgd", "sgd", "adagrad", "adam"], "lr": [0.09, 0.01, 1.0, 0.05],
              "noise": 2.0, "seed": 0, "steps": 300},
}


def escape_step(path: Sequence[Sequence[float]], threshold: float = 0.5) -> int | None:
    """The first step at which |x₂| passes ``threshold`` (halfway from the saddle to a minimum)."""
    y = np.abs(np.asarray(path, dtype=float)[:, 1])
    hits = np.nonzero(y > threshold)[0]
    return int(hits[0]) if hits.size else None


def crossings(path: Sequence[Sequence[float]]) -> int:
    """How many times the path crosses x₁ = 0 (overshoots of the bowl's minimum along its flat axis)."""
    x = np.asarray(path, dtype=float)[:, 0]
    return int(np.sum(np.sign(x[1:]) * np.sign(x[:-1]) < 0))


def measure(name: str) -> dict:
    """Run scenario ``name`` and return the numbers its lesson quotes, per run: final and tail loss,
    distance to the minimum, divergence step, settling step, and for the bowl the crossings of the
    minimum and the furthest overshoot, for the saddle the escape step."""
    s = SCENARIOS[name]
    res = run(**s)
    out = []
    for r in res["runs"]:
        m = {k: r[k] for k in ("optimizer", "lr", "momentum", "final_loss", "tail_loss", "final_distance",
                               "diverged", "diverged_at", "steps_to_tol") if k in r}
        if s["function"] in ("bowl", "noisy"):
            m["crossings"] = crossings(r["path"])
            m["max_x1"] = float(np.max(np.asarray(r["path"])[:, 0]))
        if s["function"] == "saddle":
            m["escape_step"] = escape_step(r["path"])
        out.append(m)
    return {"scenario": name, "settings": s, "runs": out}
