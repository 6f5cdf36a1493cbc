"""Pictures for the Diffusion tab: the noise schedule (β_t, ᾱ_t and the signal-to-noise ratio
against t), the forward process q(x_t | x_0) as a strip of images at increasing t, and the grid
of samples (x_t, ε̂, x̂0 side by side while denoising). Arrays in, figures out; labels translated.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw
from plotly.subplots import make_subplots

from explorer.diffusion import compute as dif
from explorer.i18n import num, t
from explorer.plots import BADGE_MARGIN, fit_text, font, layout

TILE = 84  # a 28 × 28 image at 3× (nearest neighbour: the pixels stay visible)


def schedule_figure(schedules: Sequence[dif.Schedule], lang: str, mark_t: int | None = None) -> go.Figure:
    """β_t, ᾱ_t and the SNR (in dB) against t for each schedule, one panel each; ``mark_t`` draws a
    vertical line at the step the page is showing."""
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.09,
                        subplot_titles=(t(lang, "diffusion_beta"), t(lang, "diffusion_alpha_bar"),
                                        t(lang, "diffusion_snr")))
    colors = ("#1f77b4", "#ff7f0e", "#2ca02c")
    for k, s in enumerate(schedules):
        T = len(s.betas) - 1
        ts = np.arange(1, T + 1)
        name = t(lang, f"diffusion_sched_{s.name}") if s.name in ("linear", "cosine") else s.name
        with np.errstate(divide="ignore"):
            snr_db = 10 * np.log10(s.snr[1:])
        for col, y, fmt in ((1, s.betas[1:], ".5f"), (2, s.alpha_bars[1:], ".4f"), (3, snr_db, ".1f")):
            fig.add_trace(go.Scatter(x=ts, y=y, mode="lines", name=name, legendgroup=name, showlegend=col == 1,
                                     line=dict(color=colors[k % 3], width=2),
                                     hovertemplate=f"t = %{{x}}<br>%{{y:{fmt}}}<extra>{name}</extra>"),
                          row=1, col=col)
    fig.update_xaxes(title_text="t")
    fig.update_yaxes(title_text="β_t", type="log", exponentformat="power", row=1, col=1)  # 10⁻⁴ .. 1
    fig.update_yaxes(title_text="ᾱ_t", range=[0, 1.02], row=1, col=2)
    fig.update_yaxes(title_text=t(lang, "diffusion_snr_axis"), row=1, col=3)
    if mark_t is not None:
        for col in (1, 2, 3):
            fig.add_vline(x=mark_t, line=dict(color="#d62728", dash="dot", width=1.5), row=1, col=col)
    return layout(fig, 330, lang)


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
        d.text((x, BADGE_MARGIN + head + tile + 2), fit_text(d, f"ᾱ {num(lang, lv.alpha_bar, 3)}", small, tile),
               fill=(40, 90, 160), font=small)
        d.text((x, BADGE_MARGIN + head + tile + 16), fit_text(d, f"{snr} dB", small, tile), fill=(40, 90, 160),
               font=small)
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
            d.text((x, y + tile + 2), fit_text(d, captions[i], small, tile), fill=color, font=small)
    return canvas


def _panel(tiles: Sequence[tuple[Image.Image | None, str, str]], tile: int) -> Image.Image:
    """Tiles side by side, each with a title above and a note below (an operator between tiles
    when its title starts with one)."""
    fnt, small = font(13), font(11)
    head, foot, gap = 22, 20, 14
    canvas = Image.new("RGB", (gap + len(tiles) * (tile + gap), BADGE_MARGIN + head + tile + foot), "white")
    d = ImageDraw.Draw(canvas)
    for i, (img, title, note) in enumerate(tiles):
        x = gap + i * (tile + gap)
        d.text((x, BADGE_MARGIN + 3), fit_text(d, title, fnt, tile), fill=(20, 20, 20), font=fnt)
        if img is not None:
            canvas.paste(img, (x, BADGE_MARGIN + head))
        else:
            d.rectangle((x, BADGE_MARGIN + head, x + tile - 1, BADGE_MARGIN + head + tile - 1), outline=(200, 200, 200))
        d.text((x, BADGE_MARGIN + head + tile + 3), fit_text(d, note, small, tile), fill=(40, 90, 160), font=small)
    return canvas


def u8_tile(u8: np.ndarray, side: int) -> Image.Image:
    """A frame's uint8 picture (28 × 28, 255 = bright) drawn like every other tile of the tab."""
    return _tile(np.asarray(u8, dtype=np.float32) / 255.0, side)


def forward_panel(fw, lang: str, tile: int = 140) -> Image.Image:
    """x_0, the noise ε drawn, x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε, and what the denoiser makes of x_t in
    one pass: ε̂ and x̂0 (``fw`` is an :class:`explorer.diffusion.denoiser.Forward`)."""
    from explorer.diffusion import denoiser

    lv = fw.level
    tiles = [(_tile(fw.x0, tile), "x₀", t(lang, "diffusion_tile_x0")),
             (u8_tile(denoiser.to_u8(fw.noise, -denoiser.EPS_RANGE, denoiser.EPS_RANGE), tile), "ε ~ N(0, I)",
              t(lang, "diffusion_tile_noise")),
             (_tile(dif.from_model(fw.x_t), tile), f"x_t · t = {num(lang, fw.t)}",
              f"{num(lang, lv.signal_coef, 2)}·x₀ + {num(lang, lv.noise_std, 2)}·ε")]
    if fw.eps_hat is not None:
        tiles += [(u8_tile(denoiser.to_u8(fw.eps_hat, -denoiser.EPS_RANGE, denoiser.EPS_RANGE), tile),
                   t(lang, "diffusion_tile_eps_hat"),
                   t(lang, "diffusion_tile_eps_err", err=num(lang, fw.noise_error, 2))),
                  (_tile(dif.from_model(fw.x0_hat), tile), t(lang, "diffusion_tile_x0_hat"),
                   t(lang, "diffusion_tile_one_pass"))]
    return _panel(tiles, tile)


def step_panel(frame, sample: int, lang: str, names: Sequence[str], requested: int | None,
               recognised: tuple[int, float] | None = None, tile: int = 168) -> Image.Image:
    """One sample at one recorded step: the step's input x_t, the guided noise prediction ε̂ and the
    predicted clean image x̂0; for the final frame, x_0 and the CNN's verdict."""
    i = sample
    if frame.eps is None:  # the end: x_0
        verdict = ""
        if recognised is not None:
            verdict = t(lang, "diffusion_tile_seen", name=names[recognised[0]], p=num(lang, 100 * recognised[1]))
        want = (t(lang, "diffusion_tile_asked", name=names[requested]) if requested is not None
                else t(lang, "diffusion_no_class"))
        return _panel([(u8_tile(frame.x_t[i], tile), f"x₀ · {want}", verdict)], tile)
    return _panel([(u8_tile(frame.x_t[i], tile), f"x_t · t = {num(lang, frame.t)}", t(lang, "diffusion_tile_input")),
                   (u8_tile(frame.eps[i], tile), t(lang, "diffusion_tile_eps_hat"),
                    t(lang, "diffusion_tile_eps_scale")),
                   (u8_tile(frame.x0[i], tile), t(lang, "diffusion_tile_x0_hat"),
                    t(lang, "diffusion_tile_next", t_prev=num(lang, frame.t_prev)))], tile)
