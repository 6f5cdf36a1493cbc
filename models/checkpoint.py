"""One checkpoint format for every model here: ``{"config", "state_dict", "metrics", ...}`` written
with ``torch.save`` and read back with ``torch.load(weights_only=True)`` (tensors and plain
containers only: a checkpoint cannot run code when it is loaded).

A model's config is a dataclass with ``from_dict``; tuples are stored as lists (weights_only
loads plain containers) and turned back into tuples by ``from_dict``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn


def save(model: nn.Module, path: str | Path, metrics: dict[str, Any] | None = None,
         extra: dict[str, Any] | None = None) -> None:
    """Write ``model.cfg``, its weights, ``metrics`` and any ``extra`` entries to ``path``."""
    cfg = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(model.cfg).items()}
    torch.save({"config": cfg, "state_dict": model.state_dict(), "metrics": metrics or {}, **(extra or {})}, path)


def load(path: str | Path, build: Callable[[dict[str, Any]], nn.Module]) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild a model with ``build(config dict)`` and load its weights. Returns ``(model in eval
    mode, metrics)``."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model = build(ckpt["config"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt.get("metrics", {})
