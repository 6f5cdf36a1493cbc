"""Teaching scenarios for the Diffusion tab's reverse process: 16 samples each, seeded, so a class
sees the same pictures every time. Each sets the tab's sampler controls (class, guidance scale,
seed, sampler, steps, η); its title and lesson are ``diffusion_scn_<name>`` and
``diffusion_scn_<name>_lesson`` in explorer/locales/<lang>/diffusion.json (``explorer.scenario``).

The lessons quote what the shipped CNN recognises with these exact settings, measured with the
shipped int8 denoiser: 16, 9, 1, 2, 16 and 16 of 16 (tests/unit/test_denoiser.py checks them).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explorer.diffusion import compute as dif
from explorer.scenario import Scenarios

CLASSES = ("none", "each", *map(str, range(dif.NUM_CLASSES)))  # the class dropdown's values


def check_settings(s: Mapping[str, Any]) -> None:
    """A scenario sets exactly the sampler controls, each to a value the controls can hold."""
    if set(s) != {"cls", "scale", "seed", "sampler", "steps", "eta"}:
        raise ValueError(f"a diffusion scenario sets cls, scale, seed, sampler, steps and eta, not {sorted(s)}")
    if s["cls"] not in CLASSES or s["sampler"] not in dif.SAMPLERS:
        raise ValueError(f"unknown class or sampler: {s['cls']!r}, {s['sampler']!r}")
    if not (0 <= s["scale"] <= dif.MAX_SCALE and 0 <= s["eta"] <= 1 and s["steps"] >= 1 and s["seed"] >= 0):
        raise ValueError(f"a setting out of range: {dict(s)}")


SCENARIOS = Scenarios("diffusion", {
    "guided": dict(cls="each", scale=3.0, seed=0, sampler="ddim", steps=50, eta=0.0),
    "weak_guidance": dict(cls="each", scale=1.0, seed=0, sampler="ddim", steps=50, eta=0.0),
    "no_guidance": dict(cls="each", scale=0.0, seed=0, sampler="ddim", steps=50, eta=0.0),
    "one_step": dict(cls="each", scale=3.0, seed=0, sampler="ddim", steps=1, eta=0.0),
    "five_steps": dict(cls="each", scale=3.0, seed=0, sampler="ddim", steps=5, eta=0.0),
    "ddpm": dict(cls="7", scale=3.0, seed=0, sampler="ddpm", steps=1000, eta=0.0),
}, validate=check_settings)
