"""How easily a network is fooled: adversarial examples in pixel space. Pure logic (torch + numpy),
no UI.

Every attack works on pixels in [0, 1]; the network's normalisation is inside the module
(``models.cnn.Normalize``, EfficientNet-Lite's ``(x - 0.5) / 0.5``), so ε is measured in the units
a student sees: ε = k/255 changes each pixel by at most k grey levels. Every iterate is clamped to
[0, 1], so the adversarial image is still a valid image.

The loss is the cross-entropy of the logits, summed over the batch (so an image's gradient does not
depend on which other images share its batch). Gradients are taken with ``torch.autograd.grad`` with
respect to the input only: no parameter's ``.grad`` is written, no hook is registered and the
module's mode is never changed, so an attack can run on a network shared by several users at once.
The module must already be in eval mode (batch norm would otherwise update its statistics).

References:
    Goodfellow, Shlens & Szegedy 2014, "Explaining and Harnessing Adversarial Examples" (FGSM),
    arXiv:1412.6572.
    Madry, Makelov, Schmidt, Tsipras & Vladu 2017, "Towards Deep Learning Models Resistant to
    Adversarial Attacks" (PGD, adversarial training), arXiv:1706.06083.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from explorer import nets

ASSETS = Path(__file__).resolve().parents[2] / "assets"

METHODS = ("fgsm", "pgd")
# Bounds the API enforces (a 2-core CPU serves a class). ε and the PGD step are in grey levels (/255).
EPS_255 = (0.0, 64.0)
STEP_255 = (0.1, 32.0)
PGD_STEPS = (1, 100)
SWEEP_IMAGES = (10, 2000)  # images in an ε-sweep
SWEEP_MAX_EPS = 16  # ε values in one sweep
# The defaults: ε = 8/255 for one image; the sweep's ε values (0 .. 32/255, 25/255 ≈ 0.1).
DEFAULT_EPS_255 = 8.0
DEFAULT_STEPS = 10
SWEEP_EPS_255 = (0, 2, 4, 8, 16, 25, 32)
SWEEP_DEFAULT_IMAGES = 500
ZERO_THRESH = 1e-6  # |gradient| at or below which FGSM leaves a pixel alone (captum.robust.FGSM)


# ----------------------------------------------------------------------------------------- helpers

def _check_eval(model: Callable) -> None:
    if getattr(model, "training", False):
        raise ValueError("the model is in training mode; attacks run on a network in eval mode "
                         "(they never change the mode of a module others may be using)")


def _labels(y: int | Sequence[int] | torch.Tensor, n: int) -> torch.Tensor:
    """Labels as a (B,) long tensor; a single class applies to the whole batch."""
    t = torch.as_tensor(y, dtype=torch.long).flatten()
    if t.numel() == 1:
        return t.expand(n).clone()
    if t.numel() != n:
        raise ValueError(f"expected 1 or {n} labels, got {t.numel()}")
    return t


def loss_gradient(model: Callable, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """∇ₓ L(f(x), y) for the summed cross-entropy, and the per-image loss (B,). Only the input's
    gradient is computed (``torch.autograd.grad``); parameters' ``.grad`` stay untouched."""
    with torch.inference_mode(False), torch.enable_grad():
        x = x.detach().clone().requires_grad_(True)  # a copy: an inference tensor cannot need grad
        losses = F.cross_entropy(model(x), y, reduction="none")  # (B,)
        (grad,) = torch.autograd.grad(losses.sum(), x)
    return grad, losses.detach()


def _eps(eps: float) -> float:
    eps = float(eps)
    if not np.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number ≥ 0, got {eps}")
    return eps


def validate(raw: dict[str, Any]) -> dict[str, Any]:
    """Check an attack's or a sweep's raw parameters (sliders or an API call) against the bounds
    above; missing keys take their defaults, ``step_255`` None means α = 2.5 ε / steps. Raises
    ``explorer.params.ConfigError`` (field, kind, details), which the UI words in the user's
    language. ``eps_255_list`` is a list of ε values or a comma-separated string."""
    from explorer.params import ConfigError, Param, coerce

    table = {"method": Param("choice", "fgsm", choices=METHODS),
             "eps_255": Param("float", DEFAULT_EPS_255, *EPS_255),
             "steps": Param("int", DEFAULT_STEPS, *PGD_STEPS),
             "step_255": Param("float", None, *STEP_255),
             "random_start": Param("bool", True), "targeted": Param("bool", False),
             "seed": Param("int", 0, 0, 2**31 - 1),
             "images": Param("int", SWEEP_DEFAULT_IMAGES, *SWEEP_IMAGES)}
    unknown = set(raw) - set(table) - {"eps_255_list"}
    if unknown:
        raise ConfigError(sorted(unknown)[0], "unknown")
    out = {k: (None if k == "step_255" and raw.get(k) is None else coerce(k, p, raw.get(k, p.default)))
           for k, p in table.items()}
    eps_list = raw.get("eps_255_list", SWEEP_EPS_255)
    if isinstance(eps_list, str):
        eps_list = [v for v in eps_list.replace(";", ",").split(",") if v.strip()]
    if not isinstance(eps_list, (list, tuple)):
        raise ConfigError("eps_255_list", "type", expected="list", value=repr(eps_list)[:40])
    if not 1 <= len(eps_list) <= SWEEP_MAX_EPS:  # the count of ε values is what is out of range
        raise ConfigError("eps_255_list", "range", value=str(len(eps_list)), lo="1", hi=str(SWEEP_MAX_EPS))
    out["eps_255_list"] = sorted({coerce("eps_255_list", table["eps_255"], v) for v in eps_list})
    return out


# ------------------------------------------------------------------------------------------ attacks

def fgsm(model: Callable, x: torch.Tensor, y: int | Sequence[int] | torch.Tensor, eps: float,
         targeted: bool = False, zero_thresh: float = ZERO_THRESH) -> torch.Tensor:
    """Fast Gradient Sign Method (Goodfellow et al. 2014, §4): one step of size ε along the sign
    of the loss gradient, then clamped to [0, 1].

    untargeted:  x' = clip₀¹(x + ε · sign(∇ₓ L(f(x), y)))   (y = the true class: raise its loss)
    targeted:    x' = clip₀¹(x − ε · sign(∇ₓ L(f(x), t)))   (t = the target: lower its loss)

    L is the cross-entropy of the logits. As in ``captum.robust.FGSM``, a pixel whose gradient is
    at most ``zero_thresh`` in magnitude is left as it is; with Captum's default loss, −log of the
    output, ``FGSM(softmax ∘ model, lower_bound=0, upper_bound=1)`` computes exactly this.

    Args:
        model: maps (B, C, H, W) pixels in [0, 1] to logits (B, classes); in eval mode.
        x: images (B, C, H, W) in [0, 1].
        y: the true class (untargeted) or the target class (targeted): one int or one per image.
        eps: the L∞ budget in pixel units (k/255 for k grey levels).
        targeted: move toward class ``y`` instead of away from it.
    Returns:
        The adversarial images (B, C, H, W), ‖x' − x‖∞ ≤ ε, in [0, 1].
    """
    _check_eval(model)
    eps = _eps(eps)
    x = x.detach()
    grad, _ = loss_gradient(model, x, _labels(y, x.shape[0]))
    sign = -1.0 if targeted else 1.0
    x_adv = torch.where(grad.abs() > zero_thresh, x + sign * eps * grad.sign(), x)
    return x_adv.clamp(0.0, 1.0).detach()


@dataclass
class PGDStep:
    """What :func:`pgd` reports after each step."""
    step: int  # 1..steps
    steps: int
    loss: torch.Tensor  # (B,) cross-entropy of the label at the iterate before this step
    x_adv: torch.Tensor  # (B, C, H, W) the iterate after this step (do not modify)


def pgd(model: Callable, x: torch.Tensor, y: int | Sequence[int] | torch.Tensor, eps: float,
        step_size: float, steps: int, random_start: bool = True, targeted: bool = False,
        seed: int = 0, stop: threading.Event | None = None,
        on_step: Callable[[PGDStep], None] | None = None) -> torch.Tensor:
    """Projected Gradient Descent in the L∞ ball (Madry et al. 2017, §2.1): FGSM steps of
    size α repeated, each followed by the projection onto the allowed set
    S = {x' : ‖x' − x‖∞ ≤ ε, 0 ≤ x' ≤ 1}:

        x⁰ = clip(x + U(−ε, ε))                  (random start; x⁰ = x without it)
        xᵗ⁺¹ = Π_S(xᵗ ± α · sign(∇ₓ L(f(xᵗ), y)))  (+ untargeted, − targeted toward y)

    Π_S clips to [x − ε, x + ε], then to [0, 1] (the intersection of two boxes is their clip).

    Args:
        model: maps (B, C, H, W) pixels in [0, 1] to logits; in eval mode.
        x: images (B, C, H, W) in [0, 1].
        y: the true class (untargeted) or the target class (targeted): one int or one per image.
        eps: the L∞ budget in pixel units; step_size: α, in pixel units; steps: iterations.
        random_start: start from a uniformly random point of the ball (seeded by ``seed``).
        stop: when set, the attack returns the current iterate (still inside S) before the next step.
        on_step: called with a :class:`PGDStep` after every step (progress, animation).
    Returns:
        The adversarial images (B, C, H, W), ‖x' − x‖∞ ≤ ε, in [0, 1].
    """
    _check_eval(model)
    eps, step_size = _eps(eps), _eps(step_size)
    steps = int(steps)
    x = x.detach()
    y = _labels(y, x.shape[0])
    lo, hi = (x - eps).clamp_(min=0.0), (x + eps).clamp_(max=1.0)
    if random_start and eps > 0:
        gen = torch.Generator().manual_seed(int(seed))
        noise = torch.rand(x.shape, generator=gen, dtype=x.dtype).mul_(2 * eps).sub_(eps)
        x_adv = torch.max(torch.min(x + noise, hi), lo)
    else:
        x_adv = x.clone()
    sign = -1.0 if targeted else 1.0
    for t in range(1, steps + 1):
        if stop is not None and stop.is_set():
            break
        grad, losses = loss_gradient(model, x_adv, y)
        x_adv = torch.max(torch.min(x_adv + sign * step_size * grad.sign(), hi), lo)
        if on_step is not None:
            on_step(PGDStep(t, steps, losses, x_adv))
    return x_adv.detach()


def attack(model: Callable, x: torch.Tensor, y, eps: float, method: str = "fgsm", *,
           steps: int = DEFAULT_STEPS, step_size: float | None = None, random_start: bool = True,
           targeted: bool = False, seed: int = 0, stop: threading.Event | None = None,
           on_step: Callable[[PGDStep], None] | None = None) -> torch.Tensor:
    """:func:`fgsm` or :func:`pgd` by name. PGD's step defaults to α = 2.5 ε / steps, the rule of
    MadryLab's ``robustness`` library (Engstrom et al. 2019): the steps can cross the ball 1.25 times,
    so the boundary is reached from any starting point."""
    if method == "fgsm":
        return fgsm(model, x, y, eps, targeted=targeted)
    if method == "pgd":
        alpha = default_step(eps, steps) if step_size is None else step_size
        return pgd(model, x, y, eps, alpha, steps, random_start=random_start, targeted=targeted,
                   seed=seed, stop=stop, on_step=on_step)
    raise ValueError(f"unknown attack {method!r}; choose one of {METHODS}")


def default_step(eps: float, steps: int) -> float:
    return 2.5 * float(eps) / max(1, int(steps))


# ------------------------------------------------------------------------------------ one image

@torch.inference_mode()
def _probs(model: Callable, x: torch.Tensor) -> np.ndarray:
    return F.softmax(model(x).double(), dim=1).numpy()


def _top(probs: np.ndarray, names: Sequence[str], k: int) -> list[dict[str, Any]]:
    order = np.argsort(-probs, kind="stable")[:k]
    return [{"index": int(i), "label": names[int(i)], "probability": float(probs[i])} for i in order]


def attack_summary(model: Callable, x: torch.Tensor, x_adv: torch.Tensor, names: Sequence[str],
                   k: int = 5) -> dict[str, Any]:
    """The predictions before and after an attack on one image, and the size of the change.

    Args:
        x, x_adv: the original and adversarial image, (1, C, H, W) or (C, H, W), in [0, 1].
        names: class names in output order.
    Returns:
        ``{"before": top-k, "after": top-k, "flipped", "original_class", "original_class_after",
        "linf", "linf_255", "l2"}``; a top-k is a list of ``{"index", "label", "probability"}``;
        ``original_class_after`` is the probability of the first prediction after the attack; the
        norms are of the perturbation x_adv − x in pixel units (``linf_255`` in grey levels).
    """
    if x.dim() == 3:
        x, x_adv = x[None], x_adv[None]
    if x.shape[0] != 1 or x.shape != x_adv.shape:
        raise ValueError(f"expected one image and its adversarial, got {tuple(x.shape)} and "
                         f"{tuple(x_adv.shape)}")
    p = _probs(model, torch.cat([x, x_adv]).float())
    before, after = int(p[0].argmax()), int(p[1].argmax())
    delta = (x_adv.double() - x.double()).flatten()
    linf = float(delta.abs().max()) if delta.numel() else 0.0
    return {
        "before": _top(p[0], names, k),
        "after": _top(p[1], names, k),
        "flipped": before != after,
        "original_class": {"index": before, "label": names[before]},
        "original_class_after": float(p[1, before]),
        "linf": linf,
        "linf_255": linf * 255.0,
        "l2": float(delta.norm()),
    }


def perturbation_image(delta: torch.Tensor | np.ndarray, eps: float) -> tuple[np.ndarray, float]:
    """The perturbation drawn so a student can see it: zero is mid-grey (128) and ±ε map to 0 and
    255, i.e. shown = 0.5 + factor · δ with factor = 0.5 / ε (the picture is ``factor`` times
    stronger than the real change; δ = ±ε appears as black/white). With ε = 0 the largest |δ|
    sets the scale (factor 1 when δ is zero everywhere).

    Args:
        delta: x_adv − x, (C, H, W) or (1, C, H, W), pixel units.
        eps: the attack's budget (pixel units).
    Returns:
        ``(image, factor)``: uint8 (H, W) for one channel or (H, W, C), and the amplification.
    """
    d = delta.detach().cpu().double().numpy() if isinstance(delta, torch.Tensor) else np.asarray(delta, np.float64)
    if d.ndim == 4:
        d = d[0]
    if d.ndim != 3:
        raise ValueError(f"expected (C, H, W) or (1, C, H, W), got shape {d.shape}")
    scale = float(eps) if eps and eps > 0 else float(np.abs(d).max())
    factor = 0.5 / scale if scale > 0 else 1.0
    img = np.clip(np.rint((0.5 + factor * d) * 255.0), 0, 255).astype(np.uint8)
    img = img[0] if img.shape[0] == 1 else np.transpose(img, (1, 2, 0))
    return img, factor


# ------------------------------------------------------------------------------ accuracy vs ε

def sample_batch(split, n: int = 500, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded random subset of a data split (``explorer.data.Split``): pixels (n, 1, 28, 28) in
    [0, 1] and labels (n,). The same seed gives the same images on every machine."""
    gen = torch.Generator().manual_seed(int(seed))
    idx = torch.randperm(len(split), generator=gen)[:int(n)].sort().values
    return split.floats(idx), split.labels[idx]


@torch.inference_mode()
def accuracy(model: Callable, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> float:
    correct = sum(int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
                  for i in range(0, len(y), batch))
    return correct / max(1, len(y))


def epsilon_sweep(model: Callable, x: torch.Tensor, y: torch.Tensor, eps_list: Sequence[float],
                  method: str = "fgsm", pgd_steps: int = 10, batch: int = 250, seed: int = 0,
                  stop: threading.Event | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """Accuracy on (x, y) under an untargeted attack at each ε: the robustness curve of Madry et
    al. 2017 (§5). PGD uses ``pgd_steps`` steps of α = 2.5 ε / steps from a random start;
    ε = 0 is the clean accuracy. Images are attacked in batches of ``batch``.

    Args:
        model: in eval mode; x: (N, C, H, W) in [0, 1]; y: (N,) true classes.
        eps_list: ε values in pixel units (k/255).
        stop: when set, returns the ε values completed so far.
        progress: called as ``progress(done, total)`` after every batch.
    Returns:
        One ``{"eps", "eps_255", "accuracy", "correct", "n"}`` per completed ε, in the given order.
    """
    if method not in METHODS:
        raise ValueError(f"unknown attack {method!r}; choose one of {METHODS}")
    _check_eval(model)
    y = _labels(y, x.shape[0])
    chunks = [(i, min(i + batch, len(y))) for i in range(0, len(y), batch)]
    total, done = len(eps_list) * len(chunks), 0
    rows: list[dict[str, Any]] = []
    for eps in eps_list:
        eps = _eps(eps)
        correct = 0
        for a, b in chunks:
            if stop is not None and stop.is_set():
                return rows
            xb, yb = x[a:b], y[a:b]
            if eps > 0:  # PGD checks ``stop`` between its steps: a batch is never waited for
                xb = attack(model, xb, yb, eps, method, steps=pgd_steps, seed=seed + a, stop=stop)
                if stop is not None and stop.is_set():  # half-attacked: not a measurement
                    return rows
            with torch.inference_mode():
                correct += int((model(xb).argmax(1) == yb).sum())
            done += 1
            if progress is not None:
                progress(done, total)
        rows.append({"eps": eps, "eps_255": eps * 255.0, "accuracy": correct / len(y),
                     "correct": correct, "n": len(y)})
    return rows


# ------------------------------------------------------------------------ one image, end to end

def attack_image(net: nets.Net, img, from_dataset: bool, method: str, eps: float, *, steps: int = DEFAULT_STEPS,
                 step_size: float | None = None, random_start: bool = True, targeted: bool = False,
                 target: int | None = None, seed: int = 0, names: Sequence[str] | None = None,
                 stop: threading.Event | None = None,
                 on_step: Callable[[PGDStep], None] | None = None) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    """What the Adversarial tab does with one image: prepare it for ``net``, attack it (untargeted:
    away from the network's own first prediction; targeted: toward ``target``) and summarise.

    Args:
        net: an ``explorer.filters.compute.Net``; img: a PIL image; from_dataset: a Fashion-MNIST test image
            (fed to a 28×28 network as it is).
        eps, step_size: pixel units (k/255); step_size None or 0 means α = 2.5 ε / steps.
        names: class names for the summary (the network's English names by default).
    Returns:
        ``(x, x_adv, summary)``: the image as the network sees it and its adversarial, (1, C, H, W),
        and :func:`attack_summary` with the attack's settings added.
    """
    names = list(names) if names is not None else net.class_names("en")
    pre = net.prepare(img, from_dataset=from_dataset)
    x = torch.from_numpy(np.ascontiguousarray(pre.array, dtype=np.float32))[None]
    model = net.module
    if targeted:
        if target is None or not 0 <= int(target) < len(names):
            raise ValueError(f"a targeted attack needs a target class in 0..{len(names) - 1}, got {target!r}")
        y = int(target)
    else:
        with torch.inference_mode():
            y = int(model(x).argmax(1))
    x_adv = attack(model, x, y, eps, method, steps=steps, step_size=step_size or None, random_start=random_start,
                   targeted=targeted, seed=seed, stop=stop, on_step=on_step)
    summary = attack_summary(model, x, x_adv, names)
    summary.update({"method": method, "eps": float(eps), "eps_255": float(eps) * 255,
                    "steps": int(steps) if method == "pgd" else 1,
                    "step_size": (step_size or default_step(eps, steps)) if method == "pgd" else float(eps),
                    "targeted": bool(targeted), "target": int(target) if targeted else None})
    return x, x_adv, summary
