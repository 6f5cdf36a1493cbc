"""A small Vision Transformer for 28x28 images (Dosovitskiy et al. 2021, "An Image is Worth 16x16
Words", §3.1, eqs. 1-4).

The image is cut into non-overlapping ``patch_size``² patches; each patch is flattened and projected
linearly to a ``dim``-vector (a Conv2d with stride = kernel = patch size is exactly that), a learned
[CLS] token is put in front and learned position embeddings are added (eq. 1). Then ``depth``
pre-norm blocks, x + MSA(LN(x)) and x + MLP(LN(x)) (eqs. 2-3), and the class comes from the final
LayerNorm of the CLS token (eq. 4).

Attention is computed by hand, softmax(QKᵀ/√d_head) (Vaswani et al. 2017, eq. 1), with explicit
tensors and no dropout, so the weights ``forward(..., return_attention=True)`` returns are exactly
the ones that mixed the values. Token 0 is CLS; token 1 + r·g + c is the patch in row r, column c
of the g×g patch grid.

Inputs are pixels in [0, 1], (B, 1, 28, 28); the dataset normalisation lives inside the model.
A checkpoint is ``{"config": asdict(cfg), "state_dict": ..., "metrics": {...}}``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models import checkpoint
from models.cnn import Normalize


@dataclass
class ViTConfig:
    """Architecture of a :class:`ViT`. The defaults are the shipped Fashion-MNIST model."""

    image_size: int = 28
    patch_size: int = 4  # 28/4 = 7 -> a 7x7 grid of 49 patches, 50 tokens with CLS
    in_channels: int = 1
    dim: int = 64  # token width
    depth: int = 4  # transformer blocks ("layers")
    heads: int = 4  # attention heads per block; dim must divide by it
    mlp_ratio: float = 2.0  # hidden width of each block's MLP = mlp_ratio * dim
    dropout: float = 0.0  # on the MLP and the attention output projection (never on the weights)
    num_classes: int = 10
    mean: float = 0.2860  # Fashion-MNIST train pixel mean, as in models.cnn.CNNConfig
    std: float = 0.3530

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def num_patches(self) -> int:
        return self.grid * self.grid

    @property
    def tokens(self) -> int:
        return 1 + self.num_patches

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads

    def validate(self) -> None:
        """Raise ``ValueError`` with a short reason if the config cannot build a model."""
        if self.patch_size < 1 or self.image_size % self.patch_size:
            raise ValueError(f"patch_size must divide image_size {self.image_size}, got {self.patch_size}")
        if self.depth < 1 or self.heads < 1 or self.dim < 1:
            raise ValueError("depth, heads and dim must be positive")
        if self.dim % self.heads:
            raise ValueError(f"dim {self.dim} must be divisible by heads {self.heads}")
        if self.mlp_ratio <= 0 or not 0.0 <= self.dropout < 1.0:
            raise ValueError("mlp_ratio must be > 0 and dropout in [0, 1)")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ViTConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class Attention(nn.Module):
    """Multi-head self-attention, spelled out: returns the output and the weights it used."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, t, d = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, H, T, hd)
        att = torch.softmax((q @ k.transpose(-2, -1)) * self.scale, dim=-1)  # (B, H, T, T), rows sum to 1
        out = (att @ v).transpose(1, 2).reshape(b, t, d)  # heads side by side again: (B, T, D)
        return self.drop(self.proj(out)), att


class Block(nn.Module):
    """Pre-norm transformer block: x + MSA(LN(x)), then x + MLP(LN(x)) (ViT eqs. 2-3)."""

    def __init__(self, cfg: ViTConfig):
        super().__init__()
        hidden = round(cfg.mlp_ratio * cfg.dim)
        self.norm1 = nn.LayerNorm(cfg.dim)
        self.attn = Attention(cfg.dim, cfg.heads, cfg.dropout)
        self.norm2 = nn.LayerNorm(cfg.dim)
        self.mlp = nn.Sequential(nn.Linear(cfg.dim, hidden), nn.GELU(), nn.Dropout(cfg.dropout),
                                 nn.Linear(hidden, cfg.dim), nn.Dropout(cfg.dropout))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, att = self.attn(self.norm1(x))
        x = x + h
        return x + self.mlp(self.norm2(x)), att


class ViT(nn.Module):
    """``forward(x)`` -> logits (B, classes); ``forward(x, return_attention=True)`` -> (logits,
    attentions (B, depth, heads, T, T))."""

    def __init__(self, cfg: ViTConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.normalize = Normalize(cfg.mean, cfg.std)
        self.patch_embed = nn.Conv2d(cfg.in_channels, cfg.dim, cfg.patch_size, stride=cfg.patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, cfg.tokens, cfg.dim))
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, cfg.num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        # timm's ViT initialisation: truncated normal (std 0.02) for the embeddings and linears.
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """The input sequence z₀ (B, T, dim): [CLS; patch embeddings] + position embeddings."""
        p = self.patch_embed(self.normalize(x)).flatten(2).transpose(1, 2)  # (B, g*g, dim), row-major
        cls = self.cls_token.expand(p.shape[0], -1, -1)
        return torch.cat([cls, p], dim=1) + self.pos_embed

    def forward(self, x: torch.Tensor, return_attention: bool = False):  # x: (B, 1, 28, 28) in [0, 1]
        z = self.tokens(x)
        atts = []
        for block in self.blocks:
            z, att = block(z)
            atts.append(att)
        logits = self.head(self.norm(z[:, 0]))
        if return_attention:
            return logits, torch.stack(atts, dim=1)  # (B, L, H, T, T)
        return logits


class WithAttention(nn.Module):
    """``model(x, return_attention=True)`` as a plain module: the graph ONNX export traces."""

    def __init__(self, model: ViT):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model(x, return_attention=True)


OUTPUT_NAMES = ("logits", "attentions")


def export_onnx(model: ViT, path: str | Path) -> Path:
    """Write ``model`` to one ONNX file with outputs ``logits`` (B, classes) and ``attentions``
    (B, L, H, T, T), dynamic batch."""
    from models.onnx_export import export_onnx as _export

    c = model.cfg
    return _export(WithAttention(model), path,
                   input_shape=(c.in_channels, c.image_size, c.image_size), output_names=OUTPUT_NAMES)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def save_checkpoint(model: ViT, path: str | Path, metrics: dict[str, Any] | None = None,
                    extra: dict[str, Any] | None = None) -> None:
    checkpoint.save(model, path, metrics, extra)


def load_checkpoint(path: str | Path) -> tuple[ViT, dict[str, Any]]:
    """Rebuild a :class:`ViT` from a checkpoint. Returns ``(model in eval mode, metrics)``."""
    return checkpoint.load(path, lambda cfg: ViT(ViTConfig.from_dict(cfg)))
