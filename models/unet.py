"""A small class-conditional U-Net that predicts the noise ε in a 28x28x1 image (the Diffusion tab).

The denoiser of DDPM (Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models", §4 and
Appendix B): a U-Net (Ronneberger et al. 2015) of residual blocks with GroupNorm (Wu & He 2018) and
SiLU, the timestep fed as a sinusoidal embedding (Vaswani et al. 2017, §3.5) through an MLP and added
inside every residual block. Classifier-free guidance (Ho & Salimans 2022) needs the same network
conditional and unconditional: the class goes through an embedding table with ``num_classes + 1``
rows, the last one (``NULL_CLASS``) meaning "no class", added to the time embedding.

Shapes for the default config: 28x28 (C) -> 14x14 (2C) -> 7x7 (2C) [-> self-attention at 7x7]
-> back up with skip connections; output (B, 1, 28, 28) = ε̂.

A checkpoint is ``{"config": asdict(cfg), "state_dict": ..., "metrics": {...}}`` (nanoGPT style);
``load_checkpoint`` rebuilds the module from the stored config.
"""
from __future__ import annotations

import contextlib
import copy
import io
import math
import warnings
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from models import checkpoint

NULL_CLASS = 10  # the "no class" row of the class embedding (classifier-free guidance)


@dataclass
class UNetConfig:
    """Architecture of a :class:`UNet` (and the length of the diffusion it was trained for)."""

    channels: int = 32  # width at 28x28
    multipliers: tuple[int, ...] = (1, 2, 2)  # width per level: 28x28, 14x14, 7x7
    blocks_per_level: int = 1  # residual blocks per level on the way down (one more on the way up)
    attention: bool = False  # one self-attention layer at the lowest resolution (7x7 = 49 tokens)
    dropout: float = 0.0
    num_classes: int = 10  # the embedding table has num_classes + 1 rows (the last = no class)
    groups: int = 8  # GroupNorm groups
    T: int = 1000  # diffusion steps the model was trained for (timesteps 0..T-1)
    in_channels: int = 1
    image_size: int = 28

    def __post_init__(self) -> None:
        self.multipliers = tuple(int(m) for m in self.multipliers)

    @property
    def time_dim(self) -> int:
        return 4 * self.channels

    @property
    def null_class(self) -> int:
        return self.num_classes

    def validate(self) -> None:
        if self.channels < 1 or any(m < 1 for m in self.multipliers) or not self.multipliers:
            raise ValueError("channels and multipliers must be positive")
        if any((self.channels * m) % self.groups for m in self.multipliers):
            raise ValueError(f"every width must be a multiple of groups={self.groups}")
        if self.image_size % (2 ** (len(self.multipliers) - 1)):
            raise ValueError("image_size must halve exactly at every level")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UNetConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps (Vaswani et al. 2017, §3.5, as used by DDPM):
    ``[cos(t·ω_i), sin(t·ω_i)]`` with ``ω_i = max_period^(-i/(dim/2))``. t (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t.to(torch.float32)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv3x3, + (time+class) embedding, GroupNorm -> SiLU -> dropout ->
    conv3x3, plus a (1x1 if the width changes) skip: DDPM's residual block."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, groups: int, dropout: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = nn.GroupNorm(groups, c_out)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(self.drop(F.silu(self.norm2(h))))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    """Single-head self-attention over the H·W positions, residual (DDPM uses it at 16x16)."""

    def __init__(self, c: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.proj = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)  # each (B, C, HW)
        att = torch.softmax(q.transpose(1, 2) @ k / math.sqrt(c), dim=-1)  # (B, HW, HW)
        out = (v @ att.transpose(1, 2)).reshape(b, c, h, w)
        return x + self.proj(out)


class UNet(nn.Module):
    """``forward(x, t, y) -> ε̂``: x (B,1,28,28) noisy image in [-1, 1]-ish, t (B,) int64 timesteps,
    y (B,) int64 classes with ``NULL_CLASS`` for "unconditional"."""

    def __init__(self, cfg: UNetConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        c, g, d, e = cfg.channels, cfg.groups, cfg.dropout, cfg.time_dim
        self.time_mlp = nn.Sequential(nn.Linear(c, e), nn.SiLU(), nn.Linear(e, e))
        self.class_emb = nn.Embedding(cfg.num_classes + 1, e)
        self.stem = nn.Conv2d(cfg.in_channels, c, 3, padding=1)
        widths = [c * m for m in cfg.multipliers]
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips, w_prev = [c], c
        for i, w in enumerate(widths):
            level = nn.ModuleList()
            for _ in range(cfg.blocks_per_level):
                level.append(ResBlock(w_prev, w, e, g, d))
                w_prev = w
                skips.append(w)
            self.down.append(level)
            if i < len(widths) - 1:
                self.downsample.append(nn.Conv2d(w, w, 3, stride=2, padding=1))
                skips.append(w)
        self.mid1 = ResBlock(w_prev, w_prev, e, g, d)
        self.mid_attn = SelfAttention(w_prev, g) if cfg.attention else nn.Identity()
        self.mid2 = ResBlock(w_prev, w_prev, e, g, d)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i, w in reversed(list(enumerate(widths))):
            level = nn.ModuleList()
            for _ in range(cfg.blocks_per_level + 1):
                level.append(ResBlock(w_prev + skips.pop(), w, e, g, d))
                w_prev = w
            self.up.append(level)
            if i > 0:
                self.upsample.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                                   nn.Conv2d(w, w, 3, padding=1)))
        self.out_norm = nn.GroupNorm(g, w_prev)
        self.out_conv = nn.Conv2d(w_prev, cfg.in_channels, 3, padding=1)
        nn.init.zeros_(self.out_conv.weight)
        nn.init.zeros_(self.out_conv.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        emb = self.time_mlp(timestep_embedding(t, self.cfg.channels)) + self.class_emb(y)  # (B, E)
        h = self.stem(x)
        hs = [h]
        for i, level in enumerate(self.down):
            for block in level:
                h = block(h, emb)
                hs.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
                hs.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        for i, level in enumerate(self.up):
            for block in level:
                h = block(torch.cat([h, hs.pop()], dim=1), emb)
            if i < len(self.upsample):
                h = self.upsample[i](h)
        return self.out_conv(F.silu(self.out_norm(h)))  # (B, 1, 28, 28)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def save_checkpoint(model: UNet, path: str | Path, metrics: dict[str, Any] | None = None,
                    extra: dict[str, Any] | None = None) -> None:
    checkpoint.save(model, path, metrics, extra)


def load_checkpoint(path: str | Path) -> tuple[UNet, dict[str, Any]]:
    """Rebuild a :class:`UNet` from a checkpoint. Returns ``(model in eval mode, metrics)``."""
    return checkpoint.load(path, lambda cfg: UNet(UNetConfig.from_dict(cfg)))


def export_onnx(model: UNet, path: str | Path, opset: int = 20) -> Path:
    """Write ``model`` (a copy, eval mode) to a single-file ONNX graph with inputs ``x`` (B,1,28,28)
    float32, ``t`` (B,) int64, ``y`` (B,) int64 and output ``eps`` (B,1,28,28); B is dynamic.
    Exported with a batch of 2 (torch.export specialises a batch of 1, pytorch#157621)."""
    path = Path(path)
    m = copy.deepcopy(model).eval()
    c = m.cfg
    x = torch.randn(2, c.in_channels, c.image_size, c.image_size)
    t = torch.tensor([1, c.T - 1], dtype=torch.int64)
    y = torch.tensor([0, c.null_class], dtype=torch.int64)
    batch = torch.export.Dim("batch", min=1, max=4096)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x, t, y), str(path), input_names=["x", "t", "y"], output_names=["eps"],
                          dynamo=True, external_data=False, opset_version=opset,
                          dynamic_shapes={"x": {0: batch}, "t": {0: batch}, "y": {0: batch}},
                          verbose=False)
    return path
