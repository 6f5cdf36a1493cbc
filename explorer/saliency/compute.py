"""Where a network looks: attribution ("saliency") maps through Captum, their overlays, and the
sanity check that tells a map that explains the model from one that only traces edges.

Pure logic (torch + numpy + Captum), no UI. Every method takes the network's input ``x`` (1, C, H, W)
in [0, 1] pixel space (the normalisation lives inside the model) and returns an
:class:`Attribution` whose ``map`` is (H, W) on the input's pixel grid.

Thread safety. The shipped networks are cached and shared between request threads. Captum's
layer and guided methods register hooks on the model, and a hook left on a shared module would
fire in someone else's forward (``filters.capture`` even raises inside its hooks to cut a forward
short). So every method here runs on a private copy taken under ``net.lock`` with every hook
cleared and every parameter frozen: the shared module is never hooked, and no parameter ever gets
a ``.grad`` (Captum only asks for input gradients). Occlusion needs no copy for a shipped network:
its forwards go through ONNX Runtime, whose ``Run()`` is thread-safe.

Randomness (SmoothGrad's noise, the noise baseline, the sanity check's weights) is drawn from a
seeded ``torch.Generator`` per call, never from torch's global generator: another thread (a model
training in the same process) draws from that one, and the same image must give the same map.
"""
from __future__ import annotations

import copy
import itertools
import math
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from explorer import runtime
from explorer.nets import Net, gaussian_blur

METHODS = ("saliency", "smoothgrad", "integrated_gradients", "gradcam", "guided_backprop",
           "guided_gradcam", "occlusion")
IG_BASELINES = ("black", "blur", "noise")
OCCLUSION_FILLS = ("black", "mean")
BACKENDS = ("auto", "onnx", "torch")
PIECE_POINTS = 8  # Gauss–Legendre points per piece of the IG path
# The sanity check runs these by default: occlusion there needs torch forwards of the randomised
# copy (ONNX Runtime only has the trained weights), ~170 of them per step for EfficientNet.
SANITY_METHODS = ("saliency", "smoothgrad", "integrated_gradients", "gradcam", "guided_backprop",
                  "guided_gradcam")

# Bounds every caller is held to (the API bypasses the sliders); the UI takes its ranges from here.
RANGES: dict[str, tuple[float, float]] = {
    "n_samples": (1, 64),  # SmoothGrad
    "stdev": (0.0, 0.5),  # SmoothGrad σ as a fraction of the input's range
    "n_steps": (4, 256),  # IG: points of the first pass (pieces of PIECE_POINTS)
    "max_steps": (4, 1024),  # IG: points in all, refinement included
    "tolerance": (0.001, 0.5),  # IG: |delta| / |f(x) - f(baseline)| to stop refining at
    "blur_sigma": (0.5, 64.0),  # IG blurred baseline, in input pixels
    "window": (1, 224),  # occlusion patch side, in input pixels
    "stride": (1, 224),
    "batch": (1, 256),  # occlusion perturbations per forward
    "seed": (0, 2**31 - 1),
}


@dataclass(frozen=True)
class Defaults:
    """Every method's parameters and their defaults for one kind of input (28×28 gray or 224×224
    RGB). ``attribute`` fills whatever the caller leaves out from here."""
    n_samples: int = 16  # SmoothGrad samples (Smilkov et al. 2017 use 50; 16 keeps EfficientNet < 1 s)
    stdev: float = 0.15  # SmoothGrad noise level σ / (x_max - x_min); the paper advises 10–20%
    baseline: str = "black"
    n_steps: int = 32  # IG's first pass: 4 pieces of 8 Gauss–Legendre points
    max_steps: int = 256  # refinement stops here; EfficientNet-Lite0 on the 11 sample photos ×
    #                       3 baselines needed 32–112 points (mean 60) to get within 5%
    tolerance: float = 0.05  # Sundararajan et al. 2017 §4: the sum should be within 5%
    blur_sigma: float | None = None  # None: a tenth of the image side
    ig_batch: int = 16  # IG / SmoothGrad inputs per forward+backward (bounds the memory)
    layer: str | None = None  # Grad-CAM layer; None: the last convolutional stage
    window: int = 32
    stride: int = 16
    fill: str = "mean"
    backend: str = "auto"
    batch: int = 32
    seed: int = 0


DEFAULTS = {
    # An occluder should look like "nothing" to the network: Fashion-MNIST's background is black;
    # for photos it is the data set's mean gray (Zeiler & Fergus 2014 occlude with a gray square).
    "gray28": Defaults(window=4, stride=2, fill="black", ig_batch=64, batch=64),
    "rgb224": Defaults(),
}

PARAMS: dict[str, tuple[str, ...]] = {  # which parameters each method takes
    "saliency": (),
    "smoothgrad": ("n_samples", "stdev", "seed", "ig_batch"),
    "integrated_gradients": ("baseline", "n_steps", "max_steps", "tolerance", "blur_sigma", "seed",
                             "ig_batch"),
    "gradcam": ("layer",),
    "guided_backprop": (),
    "guided_gradcam": ("layer",),
    "occlusion": ("window", "stride", "fill", "backend", "batch"),
}


@dataclass
class Attribution:
    """One attribution map and how it was made.

    ``map``: (H, W) float32 on the input's pixel grid. ``signed`` says whether its sign means
    something (integrated gradients and occlusion: positive = evidence for the target) or it is a
    magnitude (gradients) or non-negative by construction (Grad-CAM). ``aggregation`` names how
    the channels were combined. ``raw``: (C, H, W) before combining, when it differs per channel.
    ``extras``: what only this method has (IG's completeness and baseline, Grad-CAM's layer and
    low-resolution map, occlusion's forward count...).
    """
    method: str
    target: int
    map: np.ndarray
    raw: np.ndarray | None
    seconds: float
    signed: bool
    aggregation: str
    params: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------- captum, lazily

def _captum():
    """Import Captum on first use (DESIGN.md §8) and keep its per-call notices out of the log.
    The filters are (re)installed on every call rather than inside ``warnings.catch_warnings``,
    which is not thread-safe; installing the same filter again only moves it to the front."""
    import captum.attr as ca

    warnings.filterwarnings("ignore", message="Setting backward hooks on ReLU")
    warnings.filterwarnings("ignore", message=".*did not already require gradients")
    return ca


# ------------------------------------------------------------------------------- private copies

class ReLU6AsReLU(nn.ReLU):
    """``min(max(x, 0), 6)`` that *is* an ``nn.ReLU``. Captum's GuidedBackprop overrides the
    backward of ``nn.ReLU`` modules only (``isinstance(m, nn.ReLU)``), and ``nn.ReLU6`` is a
    ``Hardtanh``; EfficientNet-Lite uses ReLU6 everywhere, so without this swap "guided"
    backpropagation would be the plain gradient there. Guided backprop then keeps what ReLU6's own
    backward keeps (inputs in (0, 6)) and, as for ReLU, only positive gradients."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(x)


_HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks",
               "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
               "_forward_pre_hooks_with_kwargs", "_state_dict_hooks", "_load_state_dict_pre_hooks")


def private_module(net: Net) -> nn.Module:
    """A copy of ``net.module`` this call alone uses: taken under ``net.lock`` (nobody's hooks are on
    it meanwhile), every hook cleared, every parameter frozen, eval mode, every ``nn.ReLU6``
    replaced by the identical :class:`ReLU6AsReLU` so guided backprop reaches it."""
    with net.lock:
        module = copy.deepcopy(net.module)
    module.eval().requires_grad_(False)
    for m in module.modules():
        for name in _HOOK_DICTS:
            d = getattr(m, name, None)
            if d is not None:
                d.clear()
    for parent in list(module.modules()):
        for name, child in parent.named_children():
            if type(child) is nn.ReLU6:
                setattr(parent, name, ReLU6AsReLU())
    return module


# ------------------------------------------------------------------------------------- helpers

def _as_input(net: Net, x) -> torch.Tensor:
    """(1, C, H, W) float32, contiguous, detached, checked against what the network takes."""
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).detach()
    t = t.to(torch.float32)
    if t.ndim == 3:
        t = t[None]
    want = (1, net.in_channels, net.input_size, net.input_size)
    if tuple(t.shape) != want:
        raise ValueError(f"input must have shape {want} (or without the batch axis), got {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError("input has NaN or infinite values")
    return t.clone().contiguous()


def num_classes(net: Net) -> int:
    return len(net.class_names("en"))


def _target(net: Net, x: torch.Tensor, target) -> int:
    """``target`` checked (a class index of ``net``), or the top prediction when None."""
    if target is None:
        return top_class(net, x)
    n = num_classes(net)
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < n:
        raise ValueError(f"target must be a class index 0..{n - 1}, got {target!r}")
    return int(target)


def default_layer(net: Net) -> str:
    """Grad-CAM's layer when none is chosen: the output of the last convolution (after its
    activation), as Selvaraju et al. 2017 do: EfficientNet's head, the CNN's last ``act``."""
    stages = net.stages()
    for kinds in (("head",), ("act",), ("conv", "block")):
        found = [s.name for s in stages if s.kind in kinds]
        if found:
            return found[-1]
    return stages[-1].name


def _check_range(name: str, value) -> None:
    lo, hi = RANGES[name]
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")


def resolve_params(net: Net, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters ``method`` will use: the caller's, validated, over :data:`DEFAULTS`.
    Raises ``ValueError`` for an unknown method, parameter or value out of range."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    allowed = PARAMS[method]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"{method} takes no parameter {unknown}; it takes {list(allowed)}")
    d = DEFAULTS[net.input_kind]
    p = {k: getattr(d, k) for k in allowed}
    p.update({k: v for k, v in params.items() if v is not None})
    for k in ("n_samples", "n_steps", "max_steps", "window", "stride", "batch", "seed", "ig_batch"):
        if k in p:
            if isinstance(p[k], bool) or float(p[k]) != int(p[k]):
                raise ValueError(f"{k} must be an integer, got {p[k]!r}")
            p[k] = int(p[k])
            if k in RANGES:
                _check_range(k, p[k])
            elif p[k] < 1:
                raise ValueError(f"{k} must be at least 1, got {p[k]}")
    for k in ("stdev", "tolerance", "blur_sigma"):
        if p.get(k) is not None:
            p[k] = float(p[k])
            if not math.isfinite(p[k]):
                raise ValueError(f"{k} must be a finite number")
            _check_range(k, p[k])
    if "max_steps" in p:
        p["max_steps"] = max(p["max_steps"], p["n_steps"])
    if p.get("baseline") is not None and p["baseline"] not in IG_BASELINES:
        raise ValueError(f"baseline must be one of {IG_BASELINES}, got {p['baseline']!r}")
    if "fill" in p and p["fill"] not in OCCLUSION_FILLS:
        raise ValueError(f"fill must be one of {OCCLUSION_FILLS}, got {p['fill']!r}")
    if "backend" in p and p["backend"] not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {p['backend']!r}")
    if "window" in p:
        if p["window"] > net.input_size:
            raise ValueError(f"window must be at most {net.input_size}, got {p['window']}")
        if p["stride"] > p["window"]:
            raise ValueError(f"stride must be at most the window ({p['window']}), got {p['stride']}")
    if "layer" in allowed:
        p["layer"] = p.get("layer") or default_layer(net)
        names = [s.name for s in net.stages()]
        if p["layer"] not in names:
            raise ValueError(f"unknown layer {p['layer']!r}; choose one of {names}")
    return p


def _abs_max(raw: torch.Tensor) -> np.ndarray:  # (1, C, H, W) -> (H, W)
    return raw[0].abs().amax(0).float().numpy()


def _logits(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return module(x)


def top_class(net: Net, x) -> int:
    """The network's top prediction for ``x`` (through ONNX Runtime when shipped)."""
    from explorer.nets import probabilities

    return int(np.argmax(probabilities(net, _as_input(net, x).numpy())[0]))


# ------------------------------------------------------------------------------------ baselines

def ig_baseline(x: torch.Tensor, kind: str, seed: int = 0, blur_sigma: float | None = None) -> torch.Tensor:
    """The reference input integrated gradients starts from (Sturmfels et al. 2020, "Visualizing
    the Impact of Feature Attribution Baselines", Distill): ``black`` all zeros (the paper's
    choice, Sundararajan et al. 2017 §3); ``blur`` the image under a Gaussian blur of σ pixels
    (default a tenth of its side), which keeps its colours but not its edges; ``noise`` uniform
    noise in [0, 1], seeded."""
    if kind == "black":
        return torch.zeros_like(x)
    if kind == "blur":
        sigma = blur_sigma if blur_sigma is not None else x.shape[-1] / 10
        sigma = min(sigma, (x.shape[-1] - 1) / 2)  # the reflect padding needs r < side
        return gaussian_blur(x, sigma)
    if kind == "noise":
        return torch.rand(x.shape, generator=torch.Generator().manual_seed(int(seed)), dtype=x.dtype)
    raise ValueError(f"baseline must be one of {IG_BASELINES}, got {kind!r}")


# -------------------------------------------------------------------------------------- methods

def _saliency(module, x, target, p):
    """Simonyan et al. 2014, "Deep Inside Convolutional Networks", §3.1: the gradient of the class
    score with respect to the pixels; the map is its largest magnitude over the colour channels."""
    ca = _captum()
    raw = ca.Saliency(module).attribute(x.clone().requires_grad_(), target=target, abs=False)
    return _abs_max(raw), raw[0].numpy(), False, "abs-max over channels", {}


def _smoothgrad(module, x, target, p):
    """Smilkov et al. 2017, "SmoothGrad", eq. 3: the mean gradient over n copies of the input with
    Gaussian noise σ = stdev · (x_max − x_min). It is what Captum's ``NoiseTunnel(Saliency)`` with
    ``nt_type="smoothgrad"`` computes, but the noise comes from a seeded generator of this call
    (NoiseTunnel draws from torch's global one, which other threads share)."""
    ca = _captum()
    span = float(x.max() - x.min()) or 1.0
    sigma = p["stdev"] * span
    gen = torch.Generator().manual_seed(p["seed"])
    noise = torch.randn((p["n_samples"], *x.shape[1:]), generator=gen) * sigma
    sal = ca.Saliency(module)
    total = torch.zeros_like(x)
    for chunk in noise.split(p["ig_batch"]):
        noisy = (x + chunk).requires_grad_()
        total += sal.attribute(noisy, target=target, abs=False).sum(0, keepdim=True)
    raw = total / p["n_samples"]
    return _abs_max(raw), raw[0].numpy(), False, "abs-max over channels", {"sigma": sigma}


def _integrated_gradients(module, x, target, p):
    """Sundararajan et al. 2017, "Axiomatic Attribution for Deep Networks", eq. 1:
    IG_i = (x_i − x'_i) · ∫₀¹ ∂f(x' + α(x − x'))/∂x_i dα, summed over the colour channels for the
    map (the paper's aggregation). Completeness (§3, Prop. 1): Σ_i IG_i = f(x) − f(x').

    The integral is a sum over points of the path, and its error shows in completeness: Captum
    returns ``delta = Σ_i IG_i − (f(x) − f(x'))``. Along the path the gradient of a ReLU network
    is only piecewise smooth, and it can jump (from a black image, EfficientNet's cat logit climbs
    8 of its 10 units between α = 0.02 and 0.05), so one high-order Gauss–Legendre rule is not
    safe at any fixed size (on the cat: 5.0% off with 32 points, 6.2% with 128). We integrate
    piece by piece instead (IG is additive along the path) — ``n_steps`` points as pieces of
    ``PIECE_POINTS`` Gauss–Legendre points — and, as §4 of the paper advises, check completeness:
    while |delta| ≥ tolerance · |f(x) − f(x')|, the piece with the largest error is halved
    (adaptive quadrature), up to ``max_steps`` points in all. Every round is one batched Captum
    call: each piece is one example, its start as the baseline."""
    ca = _captum()
    b = ig_baseline(x, p["baseline"], p["seed"], p.get("blur_sigma"))
    ig = ca.IntegratedGradients(module)
    k = min(PIECE_POINTS, p["n_steps"])
    n_pieces = math.ceil(p["n_steps"] / k)

    def point(a: float) -> torch.Tensor:
        return b if a == 0.0 else x if a == 1.0 else b + a * (x - b)

    def integrate(spans: list[tuple[float, float]]) -> dict[tuple[float, float], tuple[torch.Tensor, float]]:
        ends = torch.cat([point(a1) for _, a1 in spans]).requires_grad_()
        starts = torch.cat([point(a0) for a0, _ in spans])
        attr, delta = ig.attribute(ends, baselines=starts, target=target, n_steps=k,
                                   internal_batch_size=p["ig_batch"], return_convergence_delta=True)
        return {s: (attr[i].detach(), float(delta[i])) for i, s in enumerate(spans)}

    f = _logits(module, torch.cat([x, b]))[:, target].double()
    f_x, f_b = float(f[0]), float(f[1])
    diff = f_x - f_b
    cuts = [i / n_pieces for i in range(n_pieces + 1)]
    pieces = integrate(list(itertools.pairwise(cuts)))
    used = k * n_pieces

    def error() -> float:
        return abs(sum(d for _, d in pieces.values()))

    while error() >= p["tolerance"] * abs(diff) and used + 2 * k <= p["max_steps"]:
        a0, a1 = max(pieces, key=lambda s: abs(pieces[s][1]))
        del pieces[(a0, a1)]
        mid = (a0 + a1) / 2
        pieces.update(integrate([(a0, mid), (mid, a1)]))
        used += 2 * k
    spans = sorted(pieces)
    raw = torch.stack([pieces[s][0] for s in spans]).sum(0)  # (C, H, W)
    delta = sum(pieces[s][1] for s in spans)
    relative = abs(delta) / abs(diff) if diff != 0 else (0.0 if delta == 0 else math.inf)
    completeness = {"sum": float(raw.double().sum()), "f_x": f_x, "f_baseline": f_b,
                    "difference": diff, "delta": delta, "relative_delta": relative,
                    "converged": relative < p["tolerance"], "steps": used, "pieces": spans}
    return (raw.sum(0).numpy(), raw.numpy(), True, "sum over channels",
            {"completeness": completeness, "baseline": b[0].numpy()})


def _gradcam_layer(module: nn.Module, name: str) -> nn.Module:
    return dict(module.named_modules())[name]


def _gradcam(module, x, target, p):
    """Selvaraju et al. 2017, "Grad-CAM", eqs. 1–2: the layer's channels weighted by their
    spatially averaged gradients, summed, ReLU'd; then upsampled bilinearly to the input size."""
    ca = _captum()
    cam = ca.LayerGradCam(module, _gradcam_layer(module, p["layer"])).attribute(
        x.clone().requires_grad_(), target=target, relu_attributions=True)  # (1, 1, h, w)
    cam = cam.detach()
    up = ca.LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), interpolate_mode="bilinear")
    return (up[0, 0].clamp_min(0).numpy(), None, False, "ReLU(Σ_k α_k A^k), bilinear upsampling",
            {"layer": p["layer"], "cam": cam[0, 0].numpy()})


def _guided_backprop(module, x, target, p):
    """Springenberg et al. 2015, "Striving for Simplicity" §3.4: the gradient, but every ReLU
    (here every ReLU6 too, see :class:`ReLU6AsReLU`) lets only positive gradients through."""
    ca = _captum()
    raw = ca.GuidedBackprop(module).attribute(x.clone().requires_grad_(), target=target).detach()
    relus = sum(isinstance(m, nn.ReLU) for m in module.modules())
    return _abs_max(raw), raw[0].numpy(), False, "abs-max over channels", {"guided_relus": relus}


def _guided_gradcam(module, x, target, p):
    """Selvaraju et al. 2017 §3.1: guided backprop times the upsampled Grad-CAM map, pixel by pixel."""
    ca = _captum()
    raw = ca.GuidedGradCam(module, _gradcam_layer(module, p["layer"])).attribute(
        x.clone().requires_grad_(), target=target, interpolate_mode="bilinear").detach()
    return _abs_max(raw), raw[0].numpy(), False, "abs-max over channels", {"layer": p["layer"]}


def _occlusion(net: Net, module, x, target, p):
    """Zeiler & Fergus 2014, "Visualizing and Understanding Convolutional Networks" §4.2: slide a
    patch over the image and record how much the target's score drops; a pixel gets the mean drop
    of the patches covering it (positive: hiding it hurts the class). The occluded images go
    through the network ``batch`` at a time: through ONNX Runtime for a shipped network
    (``backend="auto"``), through torch for the session's model or the sanity check's copy."""
    ca = _captum()
    has_onnx = net.onnx is not None and net.onnx.is_file()
    use_onnx = p["backend"] == "onnx" or (p["backend"] == "auto" and has_onnx)
    if use_onnx and not has_onnx:
        raise ValueError(f"the {net.key} network has no ONNX model; use backend='torch'")
    calls = {"forwards": 0, "images": 0}

    def forward(batch: torch.Tensor) -> torch.Tensor:
        calls["forwards"] += 1
        calls["images"] += int(batch.shape[0])
        if use_onnx:
            return torch.from_numpy(runtime.run(net.onnx, batch.detach().numpy()))
        with torch.no_grad():
            return module(batch)

    if not use_onnx and module is None:
        module = private_module(net)
    c = x.shape[1]
    fill = 0.0 if p["fill"] == "black" else net.normalization[0]
    w, s = p["window"], p["stride"]
    with torch.no_grad():
        attr = ca.Occlusion(forward).attribute(
            x, sliding_window_shapes=(c, w, w), strides=(c, s, s), baselines=fill, target=target,
            perturbations_per_eval=p["batch"])
    a = attr[0].mean(0)  # every channel holds the same value: the patch covers them all
    uncovered = int(torch.isnan(a).sum())  # pixels no window reached (when stride does not fit)
    positions = ((x.shape[-1] - w) // s + 1) ** 2
    return (torch.nan_to_num(a).float().numpy(), None, True, "patch covers all channels (mean)",
            {"backend": "onnx" if use_onnx else "torch", "fill": fill, "positions": positions,
             "forwards": calls["forwards"], "images": calls["images"], "uncovered": uncovered})


_METHOD_FNS: dict[str, Callable] = {
    "saliency": _saliency, "smoothgrad": _smoothgrad, "integrated_gradients": _integrated_gradients,
    "gradcam": _gradcam, "guided_backprop": _guided_backprop, "guided_gradcam": _guided_gradcam,
}


def _run(net: Net, module: nn.Module | None, x: torch.Tensor, target: int, method: str,
         p: dict[str, Any]) -> Attribution:
    t0 = time.perf_counter()
    if method == "occlusion":
        amap, raw, signed, agg, extras = _occlusion(net, module, x, target, p)
    else:
        if module is None:
            module = private_module(net)
        with torch.enable_grad():  # a caller's no_grad / inference_mode would leave no gradients
            amap, raw, signed, agg, extras = _METHOD_FNS[method](module, x, target, p)
    amap = np.ascontiguousarray(amap, dtype=np.float32)
    raw = None if raw is None else np.ascontiguousarray(raw, dtype=np.float32)
    return Attribution(method, target, amap, raw, time.perf_counter() - t0, signed, agg, dict(p), extras)


def attribute(net: Net, x, target: int | None = None, method: str = "saliency", **params) -> Attribution:
    """Attribution map of ``net``'s logit ``target`` for the input ``x``.

    Args:
        net: a :class:`explorer.filters.compute.Net` (shared shipped network or a session snapshot).
        x: the network input, (1, C, H, W) or (C, H, W), pixels in [0, 1] (``Net.prepare``).
        target: class index; None: the network's top prediction.
        method: one of :data:`METHODS`.
        **params: the method's parameters (:data:`PARAMS`), defaults in :data:`DEFAULTS`:
            smoothgrad ``n_samples``, ``stdev``, ``seed``; integrated_gradients ``baseline``
            (black | blur | noise), ``n_steps``, ``max_steps``, ``tolerance``, ``blur_sigma``,
            ``seed``; gradcam / guided_gradcam ``layer`` (a stage name); occlusion ``window``,
            ``stride``, ``fill`` (black | mean), ``backend`` (auto | onnx | torch), ``batch``.
    Returns:
        :class:`Attribution` (``map`` (H, W), ``raw``, ``seconds``, ``extras``).
    Raises:
        ValueError: unknown method or parameter, value out of range, wrong input shape or target.
    """
    p = resolve_params(net, method, params)
    x = _as_input(net, x)
    t0 = time.perf_counter()
    att = _run(net, None, x, _target(net, x, target), method, p)
    att.seconds = time.perf_counter() - t0
    return att


def attribute_all(net: Net, x, target: int | None = None, methods: Sequence[str] = METHODS,
                  params: dict[str, dict[str, Any]] | None = None) -> dict[str, Attribution]:
    """Every method in ``methods`` for the same input and target (the side-by-side view), from one
    private copy of the network. ``params`` maps a method to its parameters. Each
    ``Attribution.seconds`` is that method's own time (the copy, ~13 ms for EfficientNet, is
    shared)."""
    params = params or {}
    resolved = {m: resolve_params(net, m, params.get(m, {})) for m in methods}
    x = _as_input(net, x)
    target = _target(net, x, target)
    module = private_module(net) if any(m != "occlusion" for m in methods) else None
    return {m: _run(net, module, x, target, m, resolved[m]) for m in methods}


# --------------------------------------------------------------------------------- rendering

@lru_cache(maxsize=1)
def _diverging() -> np.ndarray:
    """256 RGB colours in [0, 1], blue (negative) - white (0) - red (positive): plotly's RdBu."""
    from plotly.colors import sample_colorscale, unlabel_rgb

    cols = sample_colorscale("RdBu", list(np.linspace(0, 1, 256)))
    return np.array([unlabel_rgb(c) for c in cols], dtype=np.float32)[::-1] / 255.0


def scale(amap: np.ndarray, signed: bool, percentile: float = 99.0) -> tuple[np.ndarray, float]:
    """``amap`` divided by its ``percentile``-th absolute value and clipped, so that a few extreme
    pixels do not wash the rest out (Captum's ``visualize_image_attr`` clips 2% the same way).
    Returns (values in [-1, 1] if ``signed`` else the magnitude in [0, 1], the value that maps to
    1: the colour bar's end)."""
    a = np.asarray(amap, dtype=np.float64)
    mag = np.abs(a)
    vmax = float(np.percentile(mag, percentile)) if mag.size else 0.0
    if vmax <= 0:
        vmax = float(mag.max()) if mag.size else 0.0
    if vmax <= 0:
        return np.zeros_like(a, dtype=np.float32), 0.0
    v = np.clip((a if signed else mag) / vmax, -1.0, 1.0)
    return v.astype(np.float32), vmax


def colorize(values: np.ndarray, signed: bool) -> np.ndarray:
    """(H, W) scaled values -> (H, W, 3) RGB floats in [0, 1]: inferno for magnitudes in [0, 1],
    a blue–white–red diverging map for signed values in [-1, 1]."""
    if signed:
        idx = np.clip(np.round((values + 1) * 127.5), 0, 255).astype(np.int64)
        return _diverging()[idx]
    from explorer.plots import inferno_lut

    idx = np.clip(np.round(values * 255), 0, 255).astype(np.int64)
    return inferno_lut()[idx]


def heatmap(amap: np.ndarray, signed: bool = False, percentile: float = 99.0) -> Image.Image:
    """The map alone as an RGB image (one pixel per input pixel)."""
    v, _ = scale(amap, signed, percentile)
    return Image.fromarray((colorize(v, signed) * 255).round().astype(np.uint8))


def overlay(base_image: Image.Image, amap: np.ndarray, alpha: float = 0.7, signed: bool = False,
            percentile: float = 99.0, side: int = 336) -> Image.Image:
    """The map over the image: the photo is dimmed to gray so the colour reads as the map's, and
    each pixel's colour is opaque in proportion to the map's strength there (at most ``alpha``).
    A base smaller than ``side`` is enlarged (nearest-neighbour for a tiny one such as a 28×28
    input, so its pixels stay visible; bilinear otherwise) and the map is resized to match."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    v, _ = scale(amap, signed, percentile)
    base = base_image.convert("L").convert("RGB")
    resample = Image.NEAREST if max(base.size) <= 64 else Image.BILINEAR
    if max(base.size) < side:
        f = side / max(base.size)
        base = base.resize((round(base.width * f), round(base.height * f)), resample)
    if v.shape != (base.height, base.width):
        v = np.asarray(Image.fromarray(v.astype(np.float32), mode="F").resize(base.size, resample),
                       dtype=np.float32)
    rgb = colorize(v, signed)
    a = (alpha * np.abs(v))[..., None]
    out = (1 - a) * 0.85 * np.asarray(base, dtype=np.float32) / 255.0 + a * rgb
    return Image.fromarray((np.clip(out, 0, 1) * 255).round().astype(np.uint8))


# --------------------------------------------------------------------------------- sanity check

# EfficientNet-Lite0's 16 blocks in five groups, top first (0-based, end exclusive); they follow its
# stages: 6–7 (blocks 12–16), 5 (9–11), 4 (6–8), 3 (4–5), 1–2 (1–3).
_EFF_BLOCK_GROUPS = ((11, 16), (8, 11), (5, 8), (3, 5), (0, 3))


def randomization_groups(net: Net) -> list[tuple[str, list[str]]]:
    """The cascade of Adebayo et al. 2018 §3.1, coarsened: (label, module names) from the output
    down to the input. EfficientNet-Lite0: head+fc, blocks 12-16, 9-11, 6-8, 4-5, 1-3, stem (7).
    The CNN: fc2, fc1, then each conv block (conv + its batch norm) from the last to the first."""
    names = dict(net.module.named_modules())
    if "_blocks" in names:
        groups = [("head+fc", ["_fc", "_conv_head", "_bn1"])]
        n = len(net.module._blocks)
        assert _EFF_BLOCK_GROUPS[0][1] == n, "block groups are written for EfficientNet-Lite0"
        for lo, hi in _EFF_BLOCK_GROUPS:
            groups.append((f"blocks {lo + 1}-{hi}", [f"_blocks.{i}" for i in range(lo, hi)]))
        groups.append(("stem", ["_conv_stem", "_bn0"]))
        return groups
    groups = []
    for fc in ("fc2", "fc1"):
        if f"classifier.{fc}" in names:
            groups.append((fc, [f"classifier.{fc}"]))
    convs = sorted((int(n.split("conv")[-1]) for n in names if n.startswith("features.conv")), reverse=True)
    for i in convs:
        groups.append((f"conv{i}", [m for m in (f"features.conv{i}", f"features.bn{i}") if m in names]))
    return groups


def _reinitialise(module: nn.Module, gen: torch.Generator) -> int:
    """Fresh random weights for every layer inside ``module``: convolutions and linear layers get
    He-normal weights (He et al. 2015: they keep the signal's scale through a stack of random
    layers, where PyTorch's default init would shrink its variance about sixfold per layer) and
    PyTorch's default uniform biases, all drawn from ``gen``; batch norms are reset to the
    identity (their own ``reset_parameters``). Returns the number of parameters replaced."""
    count = 0
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu", generator=gen)
                if m.bias is not None:
                    bound = 1 / math.sqrt(m.weight[0].numel())
                    nn.init.uniform_(m.bias, -bound, bound, generator=gen)
                count += sum(t.numel() for t in m.parameters(recurse=False))
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.reset_parameters()
                count += sum(t.numel() for t in m.parameters(recurse=False))
    return count


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Spearman's rank correlation of |a| and |b| (flattened), as Adebayo et al. 2018 compare
    maps; None when one of them is constant (no ranking to compare)."""
    from scipy.stats import spearmanr

    x, y = np.abs(np.ravel(a)), np.abs(np.ravel(b))
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    r = float(spearmanr(x, y).statistic)
    return None if math.isnan(r) else r


def sanity_steps(net: Net, x, target: int | None = None, methods: Sequence[str] = SANITY_METHODS,
                 steps: int | Sequence[tuple[str, Sequence[str]]] | None = None, seed: int = 0,
                 stop: threading.Event | None = None,
                 params: dict[str, dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
    """Adebayo et al. 2018, "Sanity Checks for Saliency Maps" §3.1, cascading randomisation: on a
    private copy, replace the weights layer group by layer group from the output down
    (:func:`randomization_groups`) and recompute every map after each step. A map that barely
    changes although the network no longer knows anything explains the image, not the model.

    Yields one record per step, the first being the trained network (step 0):
    ``{"step", "steps", "layer", "modules", "maps": {method: (H, W)},
    "correlation": {method: Spearman of |map| with step 0's, or None}, "seconds"}``.
    ``steps``: how many groups to randomise (None: all), or the groups themselves.
    ``params``: per-method parameters; integrated gradients defaults here to one pass of
    ``n_steps`` (``max_steps = n_steps``): the maps are compared, not the completeness.
    ``stop``: when set, ends after the current step. The target stays fixed (step 0's)."""
    params = dict(params or {})
    ig = dict(params.get("integrated_gradients", {}))
    if "integrated_gradients" in methods and "max_steps" not in ig:
        ig["max_steps"] = resolve_params(net, "integrated_gradients", ig)["n_steps"]
        params["integrated_gradients"] = ig
    resolved = {m: resolve_params(net, m, params.get(m, {})) for m in methods}
    for m in methods:  # the copy has random weights: occlusion must run it in torch
        if m == "occlusion":
            resolved[m]["backend"] = "torch"
    x = _as_input(net, x)
    target = _target(net, x, target)
    groups = randomization_groups(net)
    if isinstance(steps, int):
        if not 0 <= steps <= len(groups):
            raise ValueError(f"steps must be 0..{len(groups)}, got {steps}")
        groups = groups[:steps]
    elif steps is not None:
        groups = [(str(label), list(mods)) for label, mods in steps]
    module = private_module(net)
    found = dict(module.named_modules())
    for _, mods in groups:
        missing = [m for m in mods if m not in found]
        if missing:
            raise ValueError(f"no such module: {missing}")
    gen = torch.Generator().manual_seed(int(seed))
    first: dict[str, np.ndarray] = {}
    for k in range(len(groups) + 1):
        if stop is not None and stop.is_set():
            return
        t0 = time.perf_counter()
        label, mods = ("original", []) if k == 0 else groups[k - 1]
        for name in mods:
            _reinitialise(found[name], gen)
        maps = {m: _run(net, module, x, target, m, resolved[m]).map for m in methods}
        if k == 0:
            first = maps
        yield {"step": k, "steps": len(groups), "layer": label, "modules": list(mods), "maps": maps,
               "correlation": {m: rank_correlation(first[m], maps[m]) for m in methods},
               "seconds": time.perf_counter() - t0}


def sanity_check(net: Net, x, target: int | None = None, methods: Sequence[str] = SANITY_METHODS,
                 steps: int | Sequence[tuple[str, Sequence[str]]] | None = None, seed: int = 0,
                 stop: threading.Event | None = None,
                 progress: Callable[[dict[str, Any]], None] | None = None,
                 params: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """:func:`sanity_steps` collected into a list; ``progress`` is called with every record."""
    out = []
    for rec in sanity_steps(net, x, target, methods, steps, seed, stop, params):
        out.append(rec)
        if progress is not None:
            progress(rec)
    return out
