"""What a Vision Transformer looks at: the shipped Fashion-MNIST ViT (models/vit.py), its prediction
and every layer's and head's attention for one image, the [CLS] token's attention over the patch
grid, and attention rollout. Pure logic (torch + numpy + Pillow), no UI.

Tokens: 0 is [CLS]; token 1 + r·g + c is the patch in row r, column c of the g×g grid (row-major,
as ``Conv2d(..).flatten(2)`` lays them out). An attention tensor is (L, H, T, T): layer, head,
query token (the one that reads), key token (the one being read); each row sums to 1.

Predictions and attention come from ONNX Runtime (``explorer.runtime``, one shared session; its
``Run()`` is thread-safe); the torch module is loaded once too, for parity checks and for anything
that needs gradients. Neither is ever modified after loading.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from explorer import runtime
from explorer.nets import names_of, once

ASSETS = Path(__file__).resolve().parents[2] / "assets"
CHECKPOINT = ASSETS / "vit_fashion.pt"
ONNX = ASSETS / "vit_fashion.onnx"

# The shipped architecture (scripts/build_assets.py VIT_FASHION_CONFIG; a test checks the
# checkpoint agrees), so the UI can lay out its sliders without loading anything.
IMAGE_SIZE = 28
PATCH_SIZE = 4  # pixels per patch side
GRID = IMAGE_SIZE // PATCH_SIZE  # 7: patches per side
NUM_PATCHES = GRID * GRID  # 49
TOKENS = 1 + NUM_PATCHES  # 50, token 0 = CLS
LAYERS = 4
HEADS = 4
HEAD_CHOICES = ("mean",)  # besides 0..HEADS-1: the average over heads
SIDE = 336  # default drawing size: 12 screen pixels per image pixel, 48 per patch

class_names = names_of("fashion")  # lang -> the 10 Fashion-MNIST class names


@dataclass(frozen=True)
class ShippedViT:
    module: torch.nn.Module  # models.vit.ViT, eval mode, parameters frozen
    onnx: Path
    metrics: dict

    @property
    def cfg(self):
        return self.module.cfg


@once
def shipped() -> ShippedViT:
    """The shipped Fashion-MNIST ViT (assets/vit_fashion.pt), loaded once per process, and its
    ONNX Runtime session opened."""
    from models.vit import load_checkpoint

    model, metrics = load_checkpoint(CHECKPOINT)
    model.requires_grad_(False)
    c = model.cfg
    if (c.image_size, c.patch_size, c.depth, c.heads) != (IMAGE_SIZE, PATCH_SIZE, LAYERS, HEADS):
        raise RuntimeError(f"{CHECKPOINT.name} does not match explorer.attention.vit's constants: "
                           f"{c.image_size}px, patch {c.patch_size}, {c.depth} layers, {c.heads} heads")
    runtime.session(ONNX)
    return ShippedViT(model, ONNX, metrics)


@dataclass(frozen=True)
class Analysis:
    image: np.ndarray  # (28, 28) float32 pixels in [0, 1], as the model saw them
    logits: np.ndarray  # (10,)
    probs: np.ndarray  # (10,) softmax of the logits
    pred: int  # argmax class index
    attentions: np.ndarray  # (L, H, T, T) float32; rows sum to 1


def as_image(x) -> np.ndarray:
    """One image as (28, 28) float32 in [0, 1]. Accepts (28, 28), (1, 28, 28) or (1, 1, 28, 28),
    numpy or torch; floats must already be in [0, 1], uint8 is divided by 255. Raises
    ``ValueError`` for anything else (shape, NaN/inf, values out of range)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.ndim not in (2, 3, 4) or a.shape[-2:] != (IMAGE_SIZE, IMAGE_SIZE) or a.size != IMAGE_SIZE ** 2:
        raise ValueError(f"expected one {IMAGE_SIZE}x{IMAGE_SIZE} image, (28, 28) or (1, 1, 28, 28); "
                         f"got shape {a.shape}")
    a = a.reshape(IMAGE_SIZE, IMAGE_SIZE)
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError(f"expected real pixel values, got dtype {a.dtype}")
    a = a.astype(np.float32)
    if not np.isfinite(a).all():
        raise ValueError("the image has NaN or infinite pixels")
    if a.min() < 0.0 or a.max() > 1.0:
        raise ValueError(f"pixels must be in [0, 1], got [{a.min():.3g}, {a.max():.3g}]")
    return a


def analyse(x, backend: str = "onnx") -> Analysis:
    """Classify one image and return the attention weights of every layer and head.

    Args:
        x: one image, see :func:`as_image`.
        backend: "onnx" (ONNX Runtime, what the app serves) or "torch" (the same weights in torch).
    Returns:
        :class:`Analysis` with logits, probabilities, the predicted class and attentions (L, H, T, T).
    """
    img = as_image(x)
    batch = img[None, None]
    net = shipped()
    if backend == "onnx":
        logits, att = runtime.session(net.onnx).run(None, {"x": batch})
    elif backend == "torch":
        with torch.inference_mode():
            logits, att = net.module(torch.from_numpy(batch), return_attention=True)
        logits, att = logits.numpy(), att.numpy()
    else:
        raise ValueError(f"backend must be 'onnx' or 'torch', got {backend!r}")
    logits = logits[0].astype(np.float32)
    probs = runtime.softmax(logits.astype(np.float64)).astype(np.float32)
    return Analysis(img, logits, probs, int(logits.argmax()), att[0].astype(np.float32))


def _check_attentions(att: np.ndarray) -> np.ndarray:
    a = np.asarray(att)
    if a.ndim != 4 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"attentions must be (layers, heads, T, T), got shape {a.shape}")
    g = round(np.sqrt(a.shape[-1] - 1))
    if g * g != a.shape[-1] - 1:
        raise ValueError(f"T = {a.shape[-1]} is not 1 + a square number of patches")
    return a


def grid_size(att: np.ndarray) -> int:
    """g, the patches per side, from an attention tensor's T = 1 + g²."""
    return round(np.sqrt(_check_attentions(att).shape[-1] - 1))


def head_attention(att: np.ndarray, layer: int, head: int | str) -> np.ndarray:
    """The (T, T) attention matrix of one layer and one head (``head="mean"``: averaged over heads).
    Raises ``ValueError`` for a layer or head out of range."""
    a = _check_attentions(att)
    n_layers, n_heads = a.shape[:2]
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < n_layers:
        raise ValueError(f"layer must be an integer in 0..{n_layers - 1}, got {layer!r}")
    if head == "mean":
        return a[layer].mean(axis=0)
    if isinstance(head, bool) or not isinstance(head, (int, np.integer)) or not 0 <= head < n_heads:
        raise ValueError(f"head must be an integer in 0..{n_heads - 1} or 'mean', got {head!r}")
    return a[layer, head]


def cls_attention(att: np.ndarray, layer: int, head: int | str = "mean") -> np.ndarray:
    """How much [CLS] attends to each patch in ``layer``, ``head`` (or the mean over heads): row 0 of
    the attention matrix without its CLS→CLS entry, as the g×g patch grid (row-major). Entries are
    ≥ 0 and sum to 1 − (CLS's attention to itself) ≤ 1. ``att``: (L, H, T, T)."""
    g = grid_size(att)
    return head_attention(att, layer, head)[0, 1:].reshape(g, g)


@dataclass(frozen=True)
class Rollout:
    matrix: np.ndarray  # (T, T): row i = how much of token i's final vector comes from each input token
    cls_map: np.ndarray  # (g, g): the CLS row over the patches (sums to 1 − matrix[0, 0])


def rollout(att: np.ndarray, layers: int | None = None, residual: float = 0.5) -> Rollout:
    """Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers", §3):
    average each layer's heads, account for the residual connection by adding the identity,
    Ã = residual·I + (1 − residual)·A (residual 0.5 is the paper's (A + I)/2), renormalise the rows,
    and multiply from the first layer up: R = Ã_L ··· Ã_2 Ã_1. Rows of R sum to 1.

    Args:
        att: (L, H, T, T) attention weights.
        layers: roll out only the first ``layers`` layers (default: all).
        residual: weight of the identity, in [0, 1).
    Returns:
        :class:`Rollout` with the (T, T) matrix and its CLS row as the g×g grid.
    """
    a = _check_attentions(att).astype(np.float64)
    n = a.shape[0] if layers is None else layers
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= a.shape[0]:
        raise ValueError(f"layers must be an integer in 1..{a.shape[0]}, got {layers!r}")
    if not 0.0 <= residual < 1.0:
        raise ValueError(f"residual must be in [0, 1), got {residual}")
    eye = np.eye(a.shape[-1])
    r = eye
    for layer in a[:n].mean(axis=1):  # (T, T) per layer, heads averaged
        mixed = residual * eye + (1.0 - residual) * layer
        mixed /= mixed.sum(axis=-1, keepdims=True)
        r = mixed @ r
    g = grid_size(att)
    return Rollout(r, r[0, 1:].reshape(g, g))


def patch_of_token(token: int, grid: int = GRID) -> tuple[int, int] | None:
    """(row, column) of a patch token in the grid; ``None`` for token 0 (CLS)."""
    if not 0 <= token <= grid * grid:
        raise ValueError(f"token must be in 0..{grid * grid}, got {token}")
    return None if token == 0 else divmod(token - 1, grid)


# --------------------------------------------------------------------------------- rendering

def _enlarged(img: np.ndarray, side: int) -> Image.Image:
    """The 28×28 image as an RGB picture ``side`` pixels wide, nearest-neighbour (pixels stay square)."""
    u8 = (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
    return Image.fromarray(u8, mode="L").resize((side, side), Image.NEAREST).convert("RGB")


def _draw_grid(im: Image.Image, grid: int, color=(0, 200, 255), numbers: bool = False) -> Image.Image:
    draw = ImageDraw.Draw(im)
    side = im.width
    for k in range(1, grid):
        p = round(k * side / grid)
        draw.line([(p, 0), (p, side - 1)], fill=color, width=1)
        draw.line([(0, p), (side - 1, p)], fill=color, width=1)
    if numbers:  # the token index of each patch, top-left corner
        cell = side / grid
        for r in range(grid):
            for c in range(grid):
                draw.text((round(c * cell) + 3, round(r * cell) + 2), str(1 + r * grid + c), fill=color)
    return im


def grid_image(x, side: int = SIDE, grid: int = GRID, numbers: bool = False,
               color: tuple[int, int, int] = (0, 200, 255)) -> Image.Image:
    """The image enlarged to ``side``×``side`` (nearest-neighbour) with the patch grid drawn over it;
    with ``numbers``, each patch is labelled with its token index (1..g²)."""
    if side < IMAGE_SIZE or side % grid:
        raise ValueError(f"side must be ≥ {IMAGE_SIZE} and a multiple of the grid ({grid}), got {side}")
    return _draw_grid(_enlarged(as_image(x), side), grid, color, numbers)


def upsample(grid_map: np.ndarray, size: int = IMAGE_SIZE, mode: str = "nearest") -> np.ndarray:
    """A g×g map on a ``size``×``size`` pixel grid. ``nearest``: each patch's value fills its block,
    exactly what the model has (one weight per patch). ``bilinear``: interpolated between patch
    centres (PIL), smoother to look at but suggesting detail the model does not have."""
    m = np.asarray(grid_map, dtype=np.float32)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"grid_map must be square (g, g), got shape {m.shape}")
    resample = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR}.get(mode)
    if resample is None:
        raise ValueError(f"mode must be 'nearest' or 'bilinear', got {mode!r}")
    return np.asarray(Image.fromarray(m, mode="F").resize((size, size), resample), dtype=np.float32)


def heat_overlay(x, grid_map: np.ndarray, side: int = SIDE, mode: str = "nearest", alpha: float = 0.7,
                 grid_lines: bool = True) -> Image.Image:
    """A g×g map (e.g. :func:`cls_attention` or ``rollout(...).cls_map``) over the image, drawn with
    ``explorer.saliency.compute.overlay`` (inferno, opacity ∝ value, scaled so the largest entry is full
    colour), upsampled to ``side`` pixels by :func:`upsample` (``mode`` nearest or bilinear), with
    the patch grid on top when ``grid_lines``."""
    from explorer.saliency.compute import overlay

    m = np.asarray(grid_map, dtype=np.float32)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"grid_map must be square (g, g), got shape {m.shape}")
    if side < IMAGE_SIZE or side % m.shape[0]:
        raise ValueError(f"side must be ≥ {IMAGE_SIZE} and a multiple of the grid ({m.shape[0]}), got {side}")
    img = as_image(x)
    out = overlay(_enlarged(img, side), upsample(m, side, mode), alpha=alpha, percentile=100.0, side=side)
    return _draw_grid(out, m.shape[0], (90, 90, 90)) if grid_lines else out


def warm_up() -> None:
    """Load the model and run one image through ONNX Runtime (first-call costs paid up front)."""
    analyse(np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32))
