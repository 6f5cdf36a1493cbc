"""Data augmentation on whole batches with torch ops (torchvision cannot be imported beside CPU torch).

Every op keeps the batch shape (B, C, H, W), the pixel range [0, 1] and — since it only moves or
perturbs pixels — the labels. Random numbers come from an explicit ``torch.Generator`` so a seeded
run is reproducible.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

AUGMENTATIONS = ("shift", "rotate", "flip", "noise")
MAX_SHIFT_PX = 3  # random translation in whole pixels, each axis
MAX_ROTATION_DEG = 15.0
NOISE_STD = 0.08  # Gaussian noise in pixel units (images are in [0, 1])


def _uniform(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen) * (hi - lo) + lo


def augment_batch(x: torch.Tensor, ops: tuple[str, ...] | list[str], gen: torch.Generator) -> torch.Tensor:
    """Return an augmented copy of ``x`` (B, C, H, W) in [0, 1].

    - ``shift``: translate by a whole number of pixels in [-3, 3] on each axis (zeros enter).
    - ``rotate``: rotate by an angle in [-15°, 15°] about the centre (bilinear).
    - ``flip``: mirror left-right with probability 1/2 (sensible for clothes, not for digits).
    - ``noise``: add N(0, 0.08²) per pixel, then clip to [0, 1].
    Shift and rotation are one affine warp (``F.affine_grid`` + ``F.grid_sample``).
    """
    unknown = set(ops) - set(AUGMENTATIONS)
    if unknown:
        raise ValueError(f"unknown augmentation(s) {sorted(unknown)}")
    if not ops:
        return x
    b, _, h, w = x.shape
    if "shift" in ops or "rotate" in ops:
        angle = (_uniform(b, -MAX_ROTATION_DEG, MAX_ROTATION_DEG, gen) * math.pi / 180.0
                 if "rotate" in ops else torch.zeros(b))
        if "shift" in ops:
            dx = torch.randint(-MAX_SHIFT_PX, MAX_SHIFT_PX + 1, (b,), generator=gen).float()
            dy = torch.randint(-MAX_SHIFT_PX, MAX_SHIFT_PX + 1, (b,), generator=gen).float()
        else:
            dx = dy = torch.zeros(b)
        cos, sin = torch.cos(angle), torch.sin(angle)
        # theta maps output coords to input coords in [-1, 1]; a shift of k pixels is 2k/W there.
        theta = torch.stack([
            torch.stack([cos, -sin, -dx * 2.0 / w], dim=1),
            torch.stack([sin, cos, -dy * 2.0 / h], dim=1),
        ], dim=1)  # (B, 2, 3)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if "flip" in ops:
        mask = (torch.rand(b, generator=gen) < 0.5).view(b, 1, 1, 1)
        x = torch.where(mask, x.flip(-1), x)
    if "noise" in ops:
        x = (x + NOISE_STD * torch.randn(x.shape, generator=gen)).clamp_(0.0, 1.0)
    return x
