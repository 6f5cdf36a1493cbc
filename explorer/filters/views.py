"""The Filters tab's views: figures, tables and JSON summaries computed from ``explorer.filters.compute`` and
``explorer.filters.convolution``, every text in the session's language. No gradio here.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from explorer import images, nets
from explorer.errors import InputError
from explorer.filters import convolution
from explorer.i18n import num, t
from explorer.plots import fit_text, inferno_lut, layout

PLAYGROUND_SIDE = 96  # default working size (longest side): small enough to see every pixel
PLAYGROUND_SIDES = (8, 512)  # the range the UI and the API accept
KERNEL_LIMIT = 1000.0  # |weight| accepted in an edited kernel
OVERLAY_COLOR = (255, 64, 64)
PADDING_COLOR = (190, 215, 255)  # the zeros "same" padding adds around the input


def preprocess_strip(pre: images.Preprocessed, lang: str, height: int = 168,
                     norm: tuple[float, float] | None = None) -> Image.Image:
    """The steps from the user's image to the network's input, left to right with arrows, each
    captioned with what was done and its size in pixels; with ``norm`` = (mean, std), a last line
    says how the network normalises it inside, and to what range."""
    from explorer.plots import BADGE_MARGIN, font

    fnt, small = font(13), font(11)
    tiles = []
    for step, img in pre.steps:
        pil = (img if isinstance(img, Image.Image) else Image.fromarray(np.asarray(img))).convert("RGB")
        size = f"{pil.width} × {pil.height} px"
        if step in ("resized", "dataset"):  # 28×28, enlarged for display: say its true size
            size = "28 × 28 px"
        scale = height / pil.height
        shown = pil.resize((max(1, round(pil.width * scale)), height),
                           Image.NEAREST if pil.height <= 64 or step in ("resized", "dataset") else Image.LANCZOS)
        tiles.append((shown, t(lang, f"filters_prep_{step}"), size))
    gap, arrow = 12, 26
    cap_h = 58 if norm else 40
    width = sum(tl.width for tl, _, _ in tiles) + (len(tiles) - 1) * (arrow + gap) + 2 * gap
    norm_line = ""
    if norm:
        mean, std = norm
        norm_line = t(lang, "filters_prep_norm", mean=_short(lang, mean), std=_short(lang, std),
                      lo=_short(lang, (0 - mean) / std), hi=_short(lang, (1 - mean) / std))
        last_x = width - gap - tiles[-1][0].width
        width = max(width, int(last_x + small.getlength(norm_line) + gap))
    canvas = Image.new("RGB", (max(width, 200), BADGE_MARGIN + height + cap_h + gap), "white")
    d = ImageDraw.Draw(canvas)
    x = gap
    for i, (tl, caption, size) in enumerate(tiles):
        canvas.paste(tl, (x, BADGE_MARGIN))
        d.rectangle([x - 1, BADGE_MARGIN - 1, x + tl.width, BADGE_MARGIN + height], outline=(200, 200, 200))
        d.text((x, BADGE_MARGIN + height + 6), fit_text(d, caption, fnt, max(tl.width, 90)), fill=(30, 30, 30),
               font=fnt)
        d.text((x, BADGE_MARGIN + height + 23), size, fill=(110, 110, 110), font=small)
        if norm_line and i == len(tiles) - 1:
            d.text((x, BADGE_MARGIN + height + 39), norm_line, fill=(40, 90, 160), font=small)
        x += tl.width
        if i < len(tiles) - 1:
            d.text((x + gap // 2 + 2, BADGE_MARGIN + height // 2 - 10), "→", fill=(90, 90, 90), font=font(20))
            x += arrow + gap
    return canvas


def _short(lang: str, x: float) -> str:
    """A number with at most 3 decimals and no trailing zeros (0,5 · −0,81 · 2,022)."""
    text = num(lang, x, 3)
    mark = "," if lang == "es" else "."
    if mark in text:
        text = text.rstrip("0").rstrip(mark)
    return text.replace("-", "−")


def network_input_image(pre: images.Preprocessed, scale: int = 1) -> Image.Image:
    arr = np.asarray(pre.array)
    arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    img = Image.fromarray((np.clip(arr, 0, 1) * 255).round().astype(np.uint8))
    return img.resize((img.width * scale, img.height * scale), Image.NEAREST) if scale > 1 else img


# ---------------------------------------------------------------------------------- feature maps

def _mosaic(tiles: np.ndarray, cols: int, tile: int) -> np.ndarray:
    """Tiles (N, h, w) into one array with a NaN gap of one cell between them."""
    n = len(tiles)
    rows = math.ceil(n / cols)
    h, w = tiles.shape[1:]
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for i, tl in enumerate(tiles):
        r, c = divmod(i, cols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = tl
    return out


def _shrink(maps: np.ndarray, side: int) -> np.ndarray:
    """Average-pool (N, H, W) maps so that no side exceeds ``side`` (keeps the mosaic light)."""
    f = max(1, math.ceil(max(maps.shape[1:]) / side))
    if f == 1:
        return maps
    n, h, w = maps.shape
    h2, w2 = h // f, w // f
    return maps[:, :h2 * f, :w2 * f].reshape(n, h2, f, w2, f).mean(axis=(2, 4))


def shape_text(shape: Sequence[int], lang: str) -> str:
    c, h, w = shape
    return f"{h} × {w} × {c}"


def feature_map_figure(acts: np.ndarray, channels: np.ndarray, stage: nets.Stage, selected: int,
                       lang: str) -> go.Figure:
    """Every drawn channel as one tile of a heatmap, each scaled to its own maximum (so weak
    channels are visible too); the hover gives the channel and its raw value."""
    maps = _shrink(acts[channels], 56)
    peak = np.abs(maps).reshape(len(maps), -1).max(1)
    scaled = maps / np.where(peak > 0, peak, 1)[:, None, None]
    cols = max(1, math.ceil(math.sqrt(len(maps))))
    tile_h, tile_w = maps.shape[1:]
    z = _mosaic(scaled, cols, tile_h)
    raw = _mosaic(maps, cols, tile_h)
    chan = np.full(z.shape, np.nan)
    for i, c in enumerate(channels):
        r, cc = divmod(i, cols)
        chan[r * (tile_h + 1):r * (tile_h + 1) + tile_h, cc * (tile_w + 1):cc * (tile_w + 1) + tile_w] = c
    fig = go.Figure(go.Heatmap(
        z=z, customdata=np.dstack([chan, raw]), colorscale="Viridis", zmin=-1 if (acts < 0).any() else 0,
        zmax=1, hoverongaps=False,
        hovertemplate=t(lang, "filters_fm_hover") + "<extra></extra>",
        colorbar=dict(title=dict(text=t(lang, "filters_fm_colorbar"), side="right"), thickness=12)))
    if selected in channels:
        i = int(np.where(channels == selected)[0][0])
        r, c = divmod(i, cols)
        fig.add_shape(type="rect", x0=c * (tile_w + 1) - 0.5, x1=c * (tile_w + 1) + tile_w - 0.5,
                      y0=r * (tile_h + 1) - 0.5, y1=r * (tile_h + 1) + tile_h - 0.5,
                      line=dict(color="#e4572e", width=3))
    shown = (t(lang, "filters_fm_all", n=len(channels)) if len(channels) == acts.shape[0]
             else t(lang, "filters_fm_strongest", n=len(channels), total=acts.shape[0]))
    fig.update_layout(title=dict(text=t(lang, "filters_fm_title", layer=stage.label,
                                        shape=shape_text(stage.shape, lang), shown=shown), font_size=14))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    layout(fig, 520, lang)
    fig.update_layout(margin=dict(l=10, r=10, t=60, b=10))
    return fig


def channel_figure(act: np.ndarray, stage: nets.Stage, channel: int, lang: str) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=act, colorscale="Viridis",
                               hovertemplate=t(lang, "filters_ch_hover") + "<extra></extra>",
                               colorbar=dict(title=dict(text=t(lang, "filters_fm_activation"), side="right"),
                                             thickness=12)))
    fig.update_layout(title=dict(text=t(lang, "filters_ch_title", channel=channel, layer=stage.label,
                                        h=act.shape[0], w=act.shape[1]), font_size=14))
    fig.update_xaxes(title_text=t(lang, "filters_axis_col"), constrain="domain")
    fig.update_yaxes(title_text=t(lang, "filters_axis_row"), autorange="reversed", scaleanchor="x")
    layout(fig, 420, lang)
    return fig


def upsample_to_input(act: np.ndarray, stage: nets.Stage, size: int) -> np.ndarray:
    """A stage's map (H, W) on the input's pixel grid (size × size): output cell i is centred on
    input pixel ``start + i · jump`` (Araujo et al. 2019), which padding shifts — TensorFlow's
    asymmetric "SAME" padding in EfficientNet by up to half a cell — and it is interpolated
    linearly between cell centres."""
    coords = np.arange(size, dtype=np.float64)
    rows = (coords - stage.start) / stage.jump
    cols = rows  # square inputs; the same offsets on both axes
    h, w = act.shape
    tmp = np.stack([np.interp(rows, np.arange(h), act[:, j]) for j in range(w)], axis=1)  # (size, w)
    return np.stack([np.interp(cols, np.arange(w), tmp[i]) for i in range(size)], axis=0)


def overlay(base: Image.Image, act: np.ndarray, stage: nets.Stage, side: int = 336) -> Image.Image:
    """Where the channel fires, over the network's input: its positive activation (scaled to the
    channel's maximum) placed where each cell looks, coloured (inferno) and opaque in proportion to
    its strength; the photo is dimmed to gray so the colour reads as the channel's."""
    a = upsample_to_input(np.maximum(act, 0), stage, base.width)
    a = a / a.max() if a.max() > 0 else a
    heat = Image.fromarray((a * 255).astype(np.uint8))
    base = base.convert("L").convert("RGB")
    if max(base.size) < side:
        f = side / max(base.size)
        size = (round(base.width * f), round(base.height * f))
        base, heat = base.resize(size, Image.BILINEAR), heat.resize(size, Image.BILINEAR)
    h = np.asarray(heat, dtype=np.uint8)
    rgb = inferno_lut()[h]
    alpha = (0.25 + 0.6 * h.astype(np.float32) / 255.0)[..., None]
    out = (1 - alpha) * 0.8 * np.asarray(base, dtype=np.float32) / 255.0 + alpha * rgb
    return Image.fromarray((np.clip(out, 0, 1) * 255).astype(np.uint8))


def stretch(img: np.ndarray, lo: float = 1.0, hi: float = 99.0) -> np.ndarray:
    """Contrast-stretch an image in [0, 1] between its ``lo`` and ``hi`` percentiles (all channels
    together, so colours keep their balance): a maximised input is faint otherwise."""
    a, b = np.percentile(img, [lo, hi])
    if b - a < 1e-6:
        return np.clip(img, 0, 1)
    return np.clip((img - a) / (b - a), 0, 1)


def stages_markdown(stages: list[nets.Stage], selected: str, lang: str, input_size: int | None = None) -> str:
    head = (f"| {t(lang, 'filters_st_layer')} | {t(lang, 'filters_st_kind')} | {t(lang, 'filters_st_shape')} | "
            f"{t(lang, 'filters_st_rf')} | {t(lang, 'filters_st_jump')} |\n|---|---|---|---|---|\n")
    rows = []
    for s in stages:
        mark = "▶ " if s.name == selected else ""
        bold = "**" if s.name == selected else ""
        whole = (" " + t(lang, "filters_st_whole")) if input_size and s.receptive_field >= input_size else ""
        kind = t(lang, f"filters_kind_{s.kind}")
        rows.append(f"| {mark}{bold}{s.label}{bold} | {kind} | {shape_text(s.shape, lang)} | "
                    f"{s.receptive_field} × {s.receptive_field} px{whole} | {s.jump} px |")
    return head + "\n".join(rows)


def stage_summary(s: nets.Stage) -> dict[str, Any]:
    c, h, w = s.shape
    return {"layer": s.name, "label": s.label, "kind": s.kind, "shape_hwc": [h, w, c],
            "receptive_field_px": s.receptive_field, "stride_px": s.jump}


# ---------------------------------------------------------------------------------- prediction

def top5_figure(top: list[dict[str, Any]], lang: str, title: str) -> go.Figure:
    labels = [r["label"] for r in top][::-1]
    probs = [100 * r["probability"] for r in top][::-1]
    fig = go.Figure(go.Bar(x=probs, y=labels, orientation="h", marker_color="#4c78a8",
                           text=[num(lang, p, 1) + " %" for p in probs], textposition="auto",
                           hovertemplate="%{y}: %{x:.2f} %<extra></extra>"))
    fig.update_xaxes(title_text=t(lang, "prob_axis"), range=[0, 100])
    fig.update_layout(title=dict(text=title, font_size=14))
    layout(fig, 300, lang)
    fig.update_layout(margin=dict(l=150, r=20, t=50, b=50))
    return fig


# --------------------------------------------------------------------------------------- filters

def conv_label(info: nets.ConvInfo, lang: str) -> str:
    kind = ("dw" if info.depthwise else "pw" if info.kernel == 1 else "conv")
    return t(lang, f"conv_{kind}_label", name=info.name, k=info.kernel, cin=info.in_channels,
             cout=info.out_channels, s=info.stride)


def filters_figure(w: np.ndarray, info: nets.ConvInfo, lang: str, limit: int = 64) -> go.Figure:
    """A conv layer's weights. RGB first layer: each filter as a colour image. Depthwise: one k×k
    kernel per channel. 1×1 (pointwise): the (out × in) matrix. Otherwise: the first ``limit``
    filters as rows, their input-channel slices as columns (up to 16)."""
    o, i, k, _ = w.shape
    if k == 1:
        m = w[:, :, 0, 0]
        fig = go.Figure(go.Heatmap(z=m, colorscale="RdBu", zmid=0,
                                   hovertemplate=t(lang, "filters_pw_hover") + "<extra></extra>",
                                   colorbar=dict(title=dict(text=t(lang, "filters_weight"), side="right"),
                                                 thickness=12)))
        fig.update_xaxes(title_text=t(lang, "filters_in_channel"))
        fig.update_yaxes(title_text=t(lang, "filters_out_channel"), autorange="reversed")
        title = t(lang, "filters_pw_title", o=o, i=i)
    elif i == 3 and not info.depthwise:
        n = min(o, limit)
        cols = math.ceil(math.sqrt(n))
        tiles = w[:n].transpose(0, 2, 3, 1)  # (n, k, k, 3)
        lo, hi = tiles.min(axis=(1, 2, 3), keepdims=True), tiles.max(axis=(1, 2, 3), keepdims=True)
        tiles = (tiles - lo) / np.where(hi > lo, hi - lo, 1)
        rows = math.ceil(n / cols)
        canvas = np.full((rows * (k + 1) - 1, cols * (k + 1) - 1, 3), 255, np.uint8)
        for j, tl in enumerate(tiles):
            r, c = divmod(j, cols)
            canvas[r * (k + 1):r * (k + 1) + k, c * (k + 1):c * (k + 1) + k] = (tl * 255).round()
        fig = go.Figure(go.Image(z=canvas, hovertemplate=t(lang, "filters_rgb_hover") + "<extra></extra>"))
        title = t(lang, "filters_rgb_title", n=n, o=o, k=k)
    else:
        if info.depthwise or i == 1:
            kernels = w[:limit, 0]  # (n, k, k)
            cols = math.ceil(math.sqrt(len(kernels)))
            z = _mosaic(kernels, cols, k)
            title = t(lang, "filters_dw_title" if info.depthwise else "filters_gray_title",
                      n=len(kernels), o=o, k=k)
        else:
            n_o, n_i = min(o, 16), min(i, 16)
            z = _mosaic(w[:n_o, :n_i].reshape(n_o * n_i, k, k), n_i, k)
            title = t(lang, "filters_multi_title", n_o=n_o, o=o, n_i=n_i, i=i, k=k)
        m = float(np.nanmax(np.abs(z))) or 1.0
        fig = go.Figure(go.Heatmap(z=z, colorscale="RdBu", zmin=-m, zmax=m, hoverongaps=False,
                                   hovertemplate=t(lang, "filters_w_hover") + "<extra></extra>",
                                   colorbar=dict(title=dict(text=t(lang, "filters_weight"), side="right"),
                                                 thickness=12)))
    if k > 1:
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_layout(title=dict(text=title, font_size=14))
    layout(fig, 460, lang)
    fig.update_layout(margin=dict(l=10 if k > 1 else 60, r=10, t=60, b=10 if k > 1 else 50))
    return fig


# ------------------------------------------------------------------------------------ playground

def parse_kernel(value: Any) -> np.ndarray:
    """An edited kernel (rows of numbers or of text, "0,5" accepted; a pandas frame; a Gradio
    Dataframe payload) as a square float array of size 3 or 5."""
    if value is None:
        raise InputError("kernel_empty")
    if hasattr(value, "to_numpy"):
        value = value.to_numpy().tolist()
    if isinstance(value, dict):
        value = value.get("data")
    if isinstance(value, str):
        value = [r.replace(",", " ").split() if ";" not in value else r.split()
                 for r in value.replace("\n", ";").split(";") if r.strip()]
    try:
        rows = [list(r) for r in value]
    except TypeError:
        raise InputError("kernel_shape", shape="?") from None
    n = len(rows)
    if n not in (3, 5) or any(len(r) != n for r in rows):
        raise InputError("kernel_shape", shape=f"{n} × {len(rows[0]) if rows else 0}")
    out = np.zeros((n, n))
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if isinstance(v, str):
                v = v.strip().replace("\u2212", "-").replace(",", ".")
                if "/" in v:  # 1/9
                    a, _, b = v.partition("/")
                    try:
                        v = float(a) / float(b)
                    except (ValueError, ZeroDivisionError):
                        raise InputError("kernel_number", row=i + 1, col=j + 1, value=str(r[j])[:20]) from None
            try:
                x = float(v if v not in ("", None) else 0.0)
            except (TypeError, ValueError):
                raise InputError("kernel_number", row=i + 1, col=j + 1, value=str(r[j])[:20]) from None
            if not math.isfinite(x) or abs(x) > KERNEL_LIMIT:
                raise InputError("kernel_range", row=i + 1, col=j + 1, limit=int(KERNEL_LIMIT))
            out[i, j] = x
    return out


def kernel_rows(kernel: np.ndarray) -> list[list[float]]:
    return [[float(round(v, 4)) for v in row] for row in kernel]


def playground_input(img: Image.Image, side: int = PLAYGROUND_SIDE) -> np.ndarray:
    """The grayscale copy the playground convolves: (H, W) floats in [0, 1], longest side ≤ side."""
    g = img.convert("L")
    if max(g.size) > side:
        g.thumbnail((side, side), Image.LANCZOS)
    return np.asarray(g, dtype=np.float64) / 255.0


def display_scale(shape: Sequence[int], target: int = 384) -> int:
    return max(1, target // max(shape))


def to_gray_image(x: np.ndarray, signed: bool | None = None) -> tuple[Image.Image, str]:
    """An output array as an 8-bit picture, and how values map to gray: values in [0, 1] as they are;
    anything else scaled so that 0 is mid-gray (signed) or to its own range."""
    lo, hi = float(x.min()), float(x.max())
    if signed is None:
        signed = lo < -1e-9
    if not signed and lo >= -1e-9 and hi <= 1 + 1e-9:
        g, how = x, "as_is"
    elif signed:  # the 99.5th percentile of |x| is white/black, so one spike does not gray all out
        m = float(np.percentile(np.abs(x), 99.5)) or max(abs(lo), abs(hi)) or 1.0
        g, how = 0.5 + x / (2 * m), "signed"
    else:
        g, how = (x - lo) / ((hi - lo) or 1.0), "range"
    return Image.fromarray((np.clip(g, 0, 1) * 255).round().astype(np.uint8)), how


def _mark(img: Image.Image, scale: int, top: int, left: int, size: int) -> Image.Image:
    big = img.convert("RGB")
    if scale > 1:
        big = big.resize((img.width * scale, img.height * scale), Image.NEAREST)
    d = ImageDraw.Draw(big)
    x0, y0 = left * scale, top * scale
    d.rectangle([x0 - 1, y0 - 1, x0 + size * scale, y0 + size * scale], outline=OVERLAY_COLOR,
                width=2 if scale < 4 else 3)
    return big


@dataclass
class Playground:
    image: np.ndarray  # (H, W) input in [0, 1]
    kernel: np.ndarray
    stride: int
    padding: str
    output: np.ndarray
    pixel: convolution.PixelProducts
    pooled: np.ndarray
    pool_mode: str


def run_playground(image: np.ndarray, kernel: np.ndarray, stride: int, padding: str, row: int | None,
                   col: int | None, pool_mode: str = "max") -> Playground:
    out = convolution.convolve(image, kernel, stride, padding)
    h, w = out.shape
    row = h // 2 if row is None else min(max(int(row), 0), h - 1)
    col = w // 2 if col is None else min(max(int(col), 0), w - 1)
    pp = convolution.pixel_products(image, kernel, row, col, stride, padding)
    pooled = convolution.pool(out, 2, pool_mode) if min(out.shape) >= 2 else out.copy()
    return Playground(image, kernel, stride, padding, out, pp, pooled, pool_mode)


def playground_images(pg: Playground, lang: str) -> tuple[Image.Image, Image.Image, Image.Image, dict]:
    """Input with the kernel's window marked, output with the pixel marked, pooled output."""
    k = pg.kernel.shape[0]
    p = convolution.pad_amount(k, pg.padding)
    # The input with its zero padding drawn as a pale blue ring: the window may hang over it.
    in_img, _ = to_gray_image(np.pad(pg.image, p), signed=False)
    if p:
        rgb = np.asarray(in_img.convert("RGB")).copy()
        ring = np.ones(rgb.shape[:2], bool)
        ring[p:-p, p:-p] = False
        rgb[ring] = PADDING_COLOR
        in_img = Image.fromarray(rgb)
    s_in = display_scale(in_img.size[::-1])
    in_marked = _mark(in_img, s_in, pg.pixel.top + p, pg.pixel.left + p, k)
    out_img, how = to_gray_image(pg.output)
    s_out = display_scale(pg.output.shape)
    out_marked = _mark(out_img, s_out, pg.pixel.row, pg.pixel.col, 1)
    pool_img, pool_how = to_gray_image(pg.pooled, signed=how == "signed")
    s_pool = display_scale(pg.pooled.shape)
    pr, pc = pg.pixel.row // 2, pg.pixel.col // 2  # the 2×2 block holding the selected pixel
    if pr < pg.pooled.shape[0] and pc < pg.pooled.shape[1]:
        pool_big = _mark(pool_img, s_pool, pr, pc, 1)
    else:
        pool_big = pool_img.resize((pool_img.width * s_pool, pool_img.height * s_pool), Image.NEAREST)
    return in_marked, out_marked, pool_big, {"in_scale": s_in, "out_scale": s_out, "padding_px": p,
                                             "gray": how, "pool_gray": pool_how}


def products_figure(pp: convolution.PixelProducts, lang: str) -> go.Figure:
    """Patch ⊙ kernel = products, every number written in, and the sum in the title: the I ∗ K
    arithmetic of the notes. Three heatmaps side by side on one pair of axes (a third of the cost
    of subplots, which matters on the playground's every click)."""
    k = pp.kernel.shape[0]
    digits = 2 if k == 3 else 1
    step = k + 1.2  # grid width plus the gap holding the operator
    traces, notes = [], []
    titles = (t(lang, "filters_pp_patch"), t(lang, "filters_pp_kernel"), t(lang, "filters_pp_products"))
    for c, (m, scale) in enumerate(((pp.patch, "Greys_r"), (pp.kernel, "RdBu"), (pp.products, "RdBu"))):
        mm = float(np.abs(m).max()) or 1.0
        text = [[num(lang, v, digits) for v in row] for row in m]
        traces.append(go.Heatmap(
            z=m, x=np.arange(k) + c * step, y=np.arange(k), text=text, texttemplate="%{text}",
            textfont=dict(size=13 if k == 3 else 10), colorscale=scale, zmin=0 if c == 0 else -mm,
            zmax=1 if c == 0 else mm, showscale=False, hovertemplate="%{text}<extra></extra>"))
        notes.append(dict(x=c * step + (k - 1) / 2, y=-0.9, text=titles[c], showarrow=False,
                          font=dict(size=13)))
    for c, op in ((1, "⊙"), (2, "=")):
        notes.append(dict(x=c * step - 0.6 - 0.5, y=(k - 1) / 2, text=op, showarrow=False, font=dict(size=22)))
    fig = go.Figure(traces)
    layout(fig, 300, lang)
    fig.update_layout(
        title=dict(text=t(lang, "filters_pp_title", row=pp.row, col=pp.col, value=num(lang, pp.value, 4)),
                   font_size=14),
        annotations=notes, margin=dict(l=10, r=10, t=50, b=10),
        xaxis=dict(visible=False, range=[-0.6, 2 * step + k - 0.4]),
        yaxis=dict(visible=False, autorange="reversed", scaleanchor="x"))
    return fig


def playground_summary(pg: Playground) -> dict[str, Any]:
    pp = pg.pixel
    return {
        "input_shape": list(pg.image.shape),
        "kernel": kernel_rows(pg.kernel),
        "stride": pg.stride,
        "padding": pg.padding,
        "padding_px": convolution.pad_amount(pg.kernel.shape[0], pg.padding),
        "output_shape": list(pg.output.shape),
        "output_range": [float(pg.output.min()), float(pg.output.max())],
        "pixel": {"row": pp.row, "col": pp.col, "value": pp.value,
                  "window_top_left": [pp.top, pp.left],
                  "patch": pp.patch.tolist(), "products": pp.products.tolist(),
                  "sum": float(pp.products.sum())},
        "pooling": {"mode": pg.pool_mode, "size": 2, "output_shape": list(pg.pooled.shape)},
    }
