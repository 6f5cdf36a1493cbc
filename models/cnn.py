"""A small, configurable convolutional network for 28x28 images (Fashion-MNIST, MNIST).

The layout follows the LeNet family the course notes start from (LeCun et al. 1998, "Gradient-based
learning applied to document recognition"): blocks of convolution -> [batch norm] -> activation ->
2x2 max pooling, then flatten -> dense -> activation -> dense. Dropout (Srivastava et al. 2014)
sits before each dense layer.

Inputs are pixels in [0, 1]; the dataset normalisation lives inside the model (``Normalize``), so
every caller (training, ONNX, saliency, adversarial attacks) works in plain pixel space.

A checkpoint is ``{"config": asdict(cfg), "state_dict": ..., "metrics": {...}}`` (nanoGPT style);
``load_checkpoint`` rebuilds the module from the stored config.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models import checkpoint

ACTIVATIONS = ("relu", "tanh", "sigmoid")
KERNEL_SIZES = (3, 5)
MIN_BLOCKS, MAX_BLOCKS = 1, 4
MIN_FILTERS, MAX_FILTERS = 1, 128
MIN_DENSE, MAX_DENSE = 8, 1024


@dataclass
class CNNConfig:
    """Architecture of a :class:`SmallCNN`. Every field has a default; the UI takes its ranges from
    the module-level constants above."""

    filters: tuple[int, ...] = (32, 64)  # output channels of each conv block (1 to 4 blocks)
    kernel_size: int = 3  # 3 or 5, "same" padding
    activation: str = "relu"  # relu | tanh | sigmoid
    batch_norm: bool = True
    dropout: float = 0.25  # probability, before each dense layer
    dense: int = 128  # width of the hidden dense layer
    in_channels: int = 1
    image_size: int = 28
    num_classes: int = 10
    mean: float = 0.2860  # dataset pixel mean (Fashion-MNIST train set)
    std: float = 0.3530  # dataset pixel std

    def __post_init__(self) -> None:
        self.filters = tuple(int(f) for f in self.filters)

    def validate(self) -> None:
        """Raise ``ValueError`` with a short reason if the config cannot build a model."""
        if not MIN_BLOCKS <= len(self.filters) <= MAX_BLOCKS:
            raise ValueError(f"blocks must be {MIN_BLOCKS}..{MAX_BLOCKS}, got {len(self.filters)}")
        if any(not MIN_FILTERS <= f <= MAX_FILTERS for f in self.filters):
            raise ValueError(f"filters must be {MIN_FILTERS}..{MAX_FILTERS}, got {list(self.filters)}")
        if self.kernel_size not in KERNEL_SIZES:
            raise ValueError(f"kernel_size must be one of {KERNEL_SIZES}, got {self.kernel_size}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not MIN_DENSE <= self.dense <= MAX_DENSE:
            raise ValueError(f"dense must be {MIN_DENSE}..{MAX_DENSE}, got {self.dense}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CNNConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class Normalize(nn.Module):
    """``(x - mean) / std`` with fixed dataset statistics, so the model takes pixels in [0, 1]."""

    def __init__(self, mean: float, std: float):
        super().__init__()
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.register_buffer("std", torch.tensor(float(std)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def _activation(name: str) -> nn.Module:
    # One module instance per use and never in-place: Captum's hooks need both.
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[name]()


class SmallCNN(nn.Module):
    """``features`` (conv blocks) -> ``classifier`` (dense layers). Returns logits (B, classes)."""

    def __init__(self, cfg: CNNConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.normalize = Normalize(cfg.mean, cfg.std)
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        c_in, size = cfg.in_channels, cfg.image_size
        for i, c_out in enumerate(cfg.filters, start=1):
            layers[f"conv{i}"] = nn.Conv2d(c_in, c_out, cfg.kernel_size, padding=cfg.kernel_size // 2,
                                           bias=not cfg.batch_norm)
            if cfg.batch_norm:
                layers[f"bn{i}"] = nn.BatchNorm2d(c_out)
            layers[f"act{i}"] = _activation(cfg.activation)
            if size >= 2:
                layers[f"pool{i}"] = nn.MaxPool2d(2)
                size //= 2
            c_in = c_out
        self.features = nn.Sequential(layers)
        self.feature_dim = c_in * size * size
        self.classifier = nn.Sequential(OrderedDict([
            ("flatten", nn.Flatten()),
            ("drop1", nn.Dropout(cfg.dropout)),
            ("fc1", nn.Linear(self.feature_dim, cfg.dense)),
            ("act_fc", _activation(cfg.activation)),
            ("drop2", nn.Dropout(cfg.dropout)),
            ("fc2", nn.Linear(cfg.dense, cfg.num_classes)),
        ]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, H, W) in [0, 1]
        return self.classifier(self.features(self.normalize(x)))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features (B, dense): the network's own representation of the image."""
        h = self.classifier.flatten(self.features(self.normalize(x)))
        return self.classifier.act_fc(self.classifier.fc1(h))

    @property
    def first_conv(self) -> nn.Conv2d:
        return self.features.conv1


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_summary(model: SmallCNN) -> list[dict[str, Any]]:
    """One row per layer: name, type, output shape (C, H, W) or (N,), and parameter count — the
    table Keras' ``model.summary()`` prints for LeNet in the course notes."""
    rows: list[dict[str, Any]] = []
    hooks = []

    def hook(name: str):
        def fn(module: nn.Module, _inp, out: torch.Tensor) -> None:
            rows.append({
                "layer": name,
                "type": type(module).__name__,
                "output_shape": tuple(out.shape[1:]),
                "params": sum(p.numel() for p in module.parameters(recurse=False)),
            })
        return fn

    for seq_name in ("features", "classifier"):
        for name, module in getattr(model, seq_name).named_children():
            hooks.append(module.register_forward_hook(hook(name)))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, model.cfg.in_channels, model.cfg.image_size, model.cfg.image_size))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return rows


def save_checkpoint(model: SmallCNN, path: str | Path, metrics: dict[str, Any] | None = None,
                    extra: dict[str, Any] | None = None) -> None:
    checkpoint.save(model, path, metrics, extra)


def load_checkpoint(path: str | Path) -> tuple[SmallCNN, dict[str, Any]]:
    """Rebuild a :class:`SmallCNN` from a checkpoint. Returns ``(model in eval mode, metrics)``."""
    return checkpoint.load(path, lambda cfg: SmallCNN(CNNConfig.from_dict(cfg)))
