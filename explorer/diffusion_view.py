"""Pictures for the Diffusion tab: the noise schedule (β_t, ᾱ_t and the signal-to-noise ratio
against t), the forward process q(x_t | x_0) as a strip of images at increasing t, and the grid
of samples (x_t, ε̂, x̂0 side by side while denoising). Arrays in, figures out; labels translated.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw
from plotly.subplots import make_subplots

from explorer import diffusion as dif
from explorer.i18n import num, t
from explorer.plots import BADGE_MARGIN, _fit, _layout, font

TILE = 84  # a 28 × 28 image at 3× (nearest neighbour: the pixels stay visible)


def schedule_figure(schedules: Sequence[dif.Schedule], lang: str, mark_t: int | None = None) -> go.Figure:
    """β_t, ᾱ_t and the SNR (in dB) against t for each schedule, one panel each; ``mark_t`` draws a
    vertical line at the step the page is showing."""
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.09,
                        subplot_titles=(t(lang, "dif_beta"), t(lang, "dif_alpha_bar"), t(lang, "dif_snr")))
    colors = ("#1f77b4", "#ff7f0e", "#2ca02c")
    for k, s in enumerate(schedules):
        T = len(s.betas) - 1
        ts = np.arange(1, T + 1)
        name = t(lang, f"dif_sched_{s.name}") if s.name in ("linear", "cosine") else s.name
        with np.errstate(divide="ignore"):
            snr_db = 10 * np.log10(s.snr[1:])
        for col, y, fmt in ((1, s.betas[1:], ".5f"), (2, s.alpha_bars[1:], ".4f"), (3, snr_db, ".1f")):
            fig.add_trace(go.Scatter(x=ts, y=y, mode="lines", name=name, legendgroup=name, showlegend=col == 1,
                                     line=dict(color=colors[k % 3], width=2),
                                     hovertemplate=f"t = %{{x}}<br>%{{y:{fmt}}}<extra>{name}</extra>"),
                          row=1, col=col)
    fig.update_xaxes(title_text="t")
    fig.update_yaxes(title_text="β_t", row=1, col=1)
    fig.update_yaxes(title_text="ᾱ_t", range=[0, 1.02], row=1, col=2)
    fig.update_yaxes(title_text=t(lang, "dif_snr_axis"), row=1, col=3)
    if mark_t is not None:
        for col in (1, 2, 3):
            fig.add_vline(x=mark_t, line=dict(color="#d62728", dash="dot", width=1.5), row=1, col=col)
    return _layout(fig, 330, lang)


def _tile(x01: np.ndarray, side: int = TILE) -> Image.Image:
    u8 = (np.clip(np.asarray(x01, dtype=np.float32).reshape(28, 28), 0, 1) * 255).round().astype(np.uint8)
    return Image.fromarray(255 - u8, mode="L").resize((side, side), Image.NEAREST).convert("RGB")


def forward_strip(x0_01: np.ndarray, schedule: dif.Schedule, ts: Sequence[int], seed: int, lang: str,
                  tile: int = TILE) -> tuple[Image.Image, list[dict]]:
    """x_0 noised to each t in ``ts`` with the closed form q(x_t | x_0) (one fixed noise image, so
    only the amount changes), each tile captioned with t, ᾱ_t and the SNR. Returns the picture and
    one record per tile (t, ᾱ_t, SNR dB, signal share)."""
    x0 = dif.to_model(np.asarray(x0_01, dtype=np.float32).reshape(1, 1, 28, 28))
    noise = np.random.default_rng(seed).standard_normal(x0.shape).astype(np.float32)
    fnt, small = font(12), font(11)
    head, foot, gap = 20, 30, 10
    canvas = Image.new("RGB", (8 + len(ts) * (tile + gap), BADGE_MARGIN + head + tile + foot), "white")
    d = ImageDraw.Draw(canvas)
    records = []
    for i, tt in enumerate(ts):
        xt = dif.q_sample(x0, int(tt), noise, schedule)
        lv = dif.noise_level(int(tt), schedule)
        x = 8 + i * (tile + gap)
        d.text((x, BADGE_MARGIN + 2), f"t = {num(lang, int(tt))}", fill=(20, 20, 20), font=fnt)
        canvas.paste(_tile(dif.from_model(xt)), (x, BADGE_MARGIN + head))
        snr = "∞" if not np.isfinite(lv.snr_db) else num(lang, lv.snr_db, 1)
        d.text((x, BADGE_MARGIN + head + tile + 3), _fit(d, f"ᾱ {num(lang, lv.alpha_bar, 3)} · {snr} dB", small, tile),
               fill=(40, 90, 160), font=small)
        records.append({"t": int(tt), "alpha_bar": round(float(lv.alpha_bar), 6),
                        "snr_db": None if not np.isfinite(lv.snr_db) else round(float(lv.snr_db), 3),
                        "signal_share": round(float(lv.signal_share), 6)})
    return canvas, records


def samples_grid(x01: np.ndarray, lang: str, captions: Sequence[str] = (), oks: Sequence[bool | None] = (),
                 cols: int = 8, tile: int = 56) -> Image.Image:
    """Up to 64 images (N, 1, 28, 28) in [0, 1] as a grid, each with an optional caption coloured
    by whether it is what was asked for (True green, False red, None grey)."""
    x01 = np.asarray(x01, dtype=np.float32)
    n = len(x01)
    rows = -(-n // cols)
    foot = 16 if captions else 0
    gap = 6
    canvas = Image.new("RGB", (cols * (tile + gap) + gap, BADGE_MARGIN + rows * (tile + foot + gap) + gap), "white")
    d = ImageDraw.Draw(canvas)
    small = font(10)
    for i in range(n):
        r, c = divmod(i, cols)
        x, y = gap + c * (tile + gap), BADGE_MARGIN + gap + r * (tile + foot + gap)
        canvas.paste(_tile(x01[i], tile), (x, y))
        if captions:
            ok = oks[i] if i < len(oks) else None
            color = (46, 160, 67) if ok else (214, 39, 40) if ok is False else (90, 90, 90)
            d.text((x, y + tile + 2), _fit(d, captions[i], small, tile), fill=color, font=small)
    return canvas
