"""Arrays in, pictures out: Plotly figures and PIL images for the tabs (pytorch-grad-cam's split of
``cam()`` from ``show_cam_on_image``). Nothing here trains or predicts; every label is translated.
"""
from __future__ import annotations

import importlib.util
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from PIL import Image, ImageDraw, ImageFont
from plotly.subplots import make_subplots

from explorer.i18n import num, t

# Every figure's template, set once: naming it per figure (layout.template="plotly_white") deep-copies
# the template each time, ~10 ms a figure, most of the cost of a small figure (measured).
pio.templates.default = "plotly_white"

TRAIN_COLOR, VAL_COLOR = "#1f77b4", "#ff7f0e"
OK_COLOR, BAD_COLOR = (46, 160, 67), (214, 39, 40)


@lru_cache(maxsize=8)
def font(size: int = 12) -> ImageFont.ImageFont:
    """DejaVu Sans (accents, ✓/✗) from Debian's fonts-dejavu-core or from matplotlib's copy."""
    candidates = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        candidates.append(Path(spec.origin).parent / "mpl-data/fonts/ttf/DejaVuSans.ttf")
    for path in candidates:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def layout(fig: go.Figure, height: int, lang: str) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=60, r=20, t=50, b=50),
                      legend=dict(orientation="h", yanchor="bottom", y=1.08, xanchor="right", x=1),
                      # decimal mark, then thousands separator: 0,5 and 10 000 in Spanish
                      separators=",\u202f" if lang == "es" else ".,")
    return fig


def curves_figure(history: Sequence[dict], lang: str, prev: Sequence[dict] = (),
                  epochs: float | None = None) -> go.Figure:
    """Loss and accuracy against epochs, training and validation; a previous run in faint dashes."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t(lang, "curve_loss"), t(lang, "curve_acc")),
                        horizontal_spacing=0.12)
    for runs, is_prev in ((prev, True), (history, False)):
        if not runs:
            continue
        x = [h["epoch"] for h in runs]
        for key, col, color, split in (("train", 1, TRAIN_COLOR, "series_train"),
                                       ("val", 1, VAL_COLOR, "series_val"),
                                       ("train", 2, TRAIN_COLOR, "series_train"),
                                       ("val", 2, VAL_COLOR, "series_val")):
            metric = f"{key}_loss" if col == 1 else f"{key}_acc"
            y = [h[metric] * (100 if col == 2 else 1) for h in runs]
            name = t(lang, split) + (f" ({t(lang, 'series_prev')})" if is_prev else "")
            fig.add_trace(go.Scatter(
                x=x, y=y, mode="lines+markers" if not is_prev else "lines", name=name,
                legendgroup=name, showlegend=col == 1,
                line=dict(color=color, dash="dot" if is_prev else "solid", width=1.5 if is_prev else 2.5),
                opacity=0.45 if is_prev else 1.0, marker=dict(size=4),
                hovertemplate=f"{t(lang, 'axis_epoch')} %{{x:.2f}}<br>{name}: %{{y:.3f}}"
                              f"{' %' if col == 2 else ''}<extra></extra>"), row=1, col=col)
    fig.update_xaxes(title_text=t(lang, "axis_epoch"), rangemode="tozero")
    if epochs:
        fig.update_xaxes(range=[0, epochs * 1.02])
    fig.update_yaxes(title_text=t(lang, "axis_loss"), rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text=t(lang, "axis_acc"), range=[0, 100], row=1, col=2)
    return layout(fig, 340, lang)


def confusion_figure(conf: np.ndarray, class_names: Sequence[str], lang: str) -> go.Figure:
    """Rows = true class, columns = predicted class; counts in the cells, hover with percentages."""
    conf = np.asarray(conf)
    n, acc = int(conf.sum()), float(np.trace(conf) / max(conf.sum(), 1) * 100)
    row_pct = conf / np.maximum(conf.sum(axis=1, keepdims=True), 1) * 100
    fig = go.Figure(go.Heatmap(
        z=row_pct, x=list(class_names), y=list(class_names), colorscale="Blues", zmin=0, zmax=100,
        text=conf, texttemplate="%{text}", customdata=conf,
        colorbar=dict(title=dict(text="% " + t(lang, "axis_true").lower()), ticksuffix=" %"),
        hovertemplate=(f"{t(lang, 'axis_true')}: %{{y}}<br>{t(lang, 'axis_pred')}: %{{x}}<br>"
                       f"%{{customdata}} {t(lang, 'hover_count')} (%{{z:.1f}} %)<extra></extra>")))
    fig.update_xaxes(title_text=t(lang, "axis_pred"), tickangle=-35)
    fig.update_yaxes(title_text=t(lang, "axis_true"), autorange="reversed")
    fig.update_layout(title=dict(text=t(lang, "confusion_title", n=num(lang, n), acc=num(lang, acc, 1)),
                                 font=dict(size=14)))
    return layout(fig, 460, lang)


def _diverging(w: np.ndarray) -> np.ndarray:
    """Map weights to RGB: negative blue, zero white, positive red, symmetric around 0. Weights that
    are not finite (a diverged run) show as white."""
    w = np.nan_to_num(w, nan=0.0, posinf=0.0, neginf=0.0)
    scale = float(np.abs(w).max()) or 1.0
    v = np.clip(w / scale, -1, 1)[..., None]
    white = np.array([255.0, 255.0, 255.0])
    red, blue = np.array([178.0, 24.0, 43.0]), np.array([33.0, 102.0, 172.0])
    rgb = np.where(v >= 0, white + v * (red - white), white + (-v) * (blue - white))
    return rgb.astype(np.uint8)


BADGE_MARGIN = 30  # room at the top of an image for the label badge Gradio draws over it


def filters_image(weight: np.ndarray, width: int = 480, gap: int = 4, legend: str = "") -> Image.Image:
    """A grid of first-layer kernels (out, in, k, k), about ``width`` pixels wide. Single-channel
    kernels use a diverging map (blue < 0 < red, symmetric per grid); RGB kernels are shown in colour
    (min-max per filter)."""
    w = np.asarray(weight, dtype=np.float32)
    n, c_in, _k, _ = w.shape
    cols = min(n, max(4, math.ceil(math.sqrt(n * 2))))
    rows = math.ceil(n / cols)
    cell = int(min(72, max(20, (width - gap) / cols - gap)))
    top, bottom = BADGE_MARGIN, (22 if legend else 0)
    img = Image.new("RGB", (cols * (cell + gap) + gap, top + rows * (cell + gap) + gap + bottom), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, top, img.width, top + rows * (cell + gap) + gap], fill=(235, 235, 235))
    if legend:
        draw.text((gap, img.height - bottom + 4), fit_text(draw, legend, font(11), img.width - 2 * gap),
                  font=font(11), fill=(70, 70, 70))
    if c_in != 3:
        tiles = _diverging(w.mean(axis=1))  # one colour scale for the whole grid
    for i in range(n):
        if c_in == 3:
            f = w[i].transpose(1, 2, 0)
            f = ((f - f.min()) / (np.ptp(f) or 1.0) * 255).astype(np.uint8)
        else:
            f = tiles[i]
        tile = Image.fromarray(f).resize((cell, cell), Image.NEAREST)
        r, c = divmod(i, cols)
        img.paste(tile, (gap + c * (cell + gap), top + gap + r * (cell + gap)))
    return img


def fit_text(draw: ImageDraw.ImageDraw, text: str, fnt, width: int) -> str:
    """``text`` shortened with an ellipsis until it fits in ``width`` pixels."""
    if draw.textlength(text, font=fnt) <= width:
        return text
    while text and draw.textlength(text + "…", font=fnt) > width:
        text = text[:-1]
    return text + "…"


def prediction_grid(images: np.ndarray, true: Sequence[int], pred: Sequence[int] | None,
                    conf: Sequence[float] | None, class_names: Sequence[str], lang: str,
                    cols: int = 6, cell: int = 84) -> Image.Image:
    """Images (N, 28, 28) uint8 with a caption each: the prediction and its probability, a green
    frame when right, red with the true class when wrong; with ``pred=None`` only the label."""
    n = len(images)
    cols = min(cols, n) or 1
    rows = math.ceil(n / cols)
    pad, cap = 12, 32
    f_main, f_small = font(12), font(10)
    img = Image.new("RGB", (cols * (cell + pad) + pad, BADGE_MARGIN + rows * (cell + cap + pad) + pad),
                    "white")
    draw = ImageDraw.Draw(img)
    text_w = cell + pad - 4
    for i in range(n):
        r, c = divmod(i, cols)
        x0, y0 = pad + c * (cell + pad), BADGE_MARGIN + pad + r * (cell + cap + pad)
        tile = Image.fromarray(np.asarray(images[i], dtype=np.uint8)).resize((cell, cell), Image.NEAREST)
        img.paste(tile.convert("RGB"), (x0, y0))
        if pred is None:
            draw.text((x0, y0 + cell + 3), fit_text(draw, class_names[true[i]], f_main, text_w),
                      font=f_main, fill=(40, 40, 40))
            continue
        ok = int(pred[i]) == int(true[i])
        color = OK_COLOR if ok else BAD_COLOR
        draw.rectangle([x0 - 3, y0 - 3, x0 + cell + 2, y0 + cell + 2], outline=color, width=3)
        label = fit_text(draw, f"{'✓' if ok else '✗'} {class_names[pred[i]]}", f_main, text_w)
        draw.text((x0 - 2, y0 + cell + 4), label, font=f_main, fill=color)
        second = f"{conf[i] * 100:.0f} %" + ("" if ok else f" · {t(lang, 'grid_true')}: {class_names[true[i]]}")
        draw.text((x0 - 2, y0 + cell + 18), fit_text(draw, second, f_small, text_w), font=f_small,
                  fill=(90, 90, 90))
    return img


@lru_cache(maxsize=1)
def inferno_lut() -> np.ndarray:
    """Plotly's Inferno colour scale as a (256, 3) table in [0, 1], for colouring maps as images."""
    from plotly.colors import sample_colorscale, unlabel_rgb

    return np.array([unlabel_rgb(c) for c in sample_colorscale("Inferno", list(np.linspace(0, 1, 256)))],
                    dtype=np.float32) / 255.0


# ------------------------------------------------------------------------------ figures as plain dicts

_PLOTLY_DTYPES = {"u1", "i1", "u2", "i2", "i4", "u4", "f4", "f8"}


def typed(arr) -> dict:
    """A numpy array as Plotly's typed-array spec (base64 bytes, dtype, shape): what go.Figure makes
    of an array, for figures built as plain dicts (plotly.js ≥ 2.28 reads it; Gradio's does)."""
    import base64

    a = np.ascontiguousarray(arr)
    # "<f4" → "f4": numpy's codes of these types are plotly.js's names (dtype.name, looked up in a
    # table, was a third of a 40-frame figure's time: it does this ~700 times)
    code = a.dtype.str[1:]
    if code == "i8":
        a, code = a.astype(np.int32), "i4"
    if code not in _PLOTLY_DTYPES:
        raise TypeError(f"no typed array of {a.dtype} in plotly.js")
    spec = {"dtype": code, "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(map(str, a.shape))
    return spec


def _untyped(value):
    """The inverse of ``typed`` inside a figure's dict (for go.Figure, which wants lists or arrays)."""
    import base64

    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            if value["dtype"] not in _PLOTLY_DTYPES:
                raise TypeError(f"no typed array {value['dtype']!r} in plotly.js")
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype("<" + value["dtype"]))
            if "shape" in value:
                arr = arr.reshape([int(s) for s in str(value["shape"]).split(",")])
            return arr
        return {k: _untyped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untyped(v) for v in value]
    return value


def frames_in_meta(fig: dict) -> dict:
    """``fig`` with its animation frames moved into ``layout.meta.frames``. Gradio's gr.Plot hands
    plotly.js the data and the layout only (``Plotly.react``): frames left where Plotly keeps them
    never reach the page, and ▶ does nothing. The page script ``ui.common.PLOTLY_FRAMES_JS`` adds
    them back from the layout (:data:`ADD_FRAMES_JS`), and so does the HTML export (explorer.export)."""
    frames = fig.get("frames")
    if not frames:
        return fig
    layout = dict(fig.get("layout") or {})
    meta = layout.get("meta")
    layout["meta"] = {**(meta if isinstance(meta, dict) else {} if meta is None else {"value": meta}),
                      "frames": frames}
    return {**{k: v for k, v in fig.items() if k != "frames"}, "layout": layout}


# layout.meta key of an animated figure whose frames are drawn whole (see ADD_FRAMES_JS): a figure with
# traces plotly.js cannot move (heatmaps, contours) or that no frame changes (the data's points).
WHOLE_FRAMES = "whole_frames"

# The page's (and the HTML export's) function that gives a plot its frames from layout.meta.frames,
# once per figure. plotly.js plays a frame through its transition, which first draws only the frame's
# traces that it can move (scatter) and drops every other trace of the figure from the drawing
# (heatmaps, contours, the points no frame changes) until its redraw at the frame's end: played, the
# playground showed no regions, neuron pictures or points in 25 of 30 looks (every 100 ms, headless
# Chromium). For a figure marked WHOLE_FRAMES the frames go to plotly.js without their data, so its
# transition has nothing to draw, and the data is put in the figure as each frame starts
# (plotly_animatingframe, before the transition runs): each frame is drawn once, whole, as in the
# figure the server sent. Play, pause, the slider and the titles stay plotly.js's own.
ADD_FRAMES_JS = r"""
(gd) => {
  const meta = gd.layout && gd.layout.meta;
  const frames = meta && meta.frames;
  if (!frames || gd.__dleFrames === frames || !window.Plotly) return;
  gd.__dleFrames = frames;
  let given = frames;
  if (meta.whole_frames && typeof gd.on === "function") {
    const byName = new Map(frames.map((f) => [String(f.name), f]));
    const leaf = (v) => v === null || typeof v !== "object" || Array.isArray(v) || ArrayBuffer.isView(v)
      || "bdata" in v;
    const merge = (a, b) => {
      if (leaf(a) || leaf(b)) return b;
      const out = { ...a };
      for (const k of Object.keys(b)) out[k] = merge(a[k], b[k]);
      return out;
    };
    if (gd.__dleWhole) gd.removeListener("plotly_animatingframe", gd.__dleWhole);
    gd.__dleWhole = (ev) => {
      const f = byName.get(String(ev && ev.name));
      if (!f || !f.data) return;
      const idx = f.traces || f.data.map((_, i) => i);
      f.data.forEach((d, i) => { if (gd.data[idx[i]]) gd.data[idx[i]] = merge(gd.data[idx[i]], d); });
    };
    gd.on("plotly_animatingframe", gd.__dleWhole);
    given = frames.map(({ data, traces, ...rest }) => rest);
  }
  Promise.resolve(window.Plotly.deleteFrames(gd)).then(() => window.Plotly.addFrames(gd, given));
}
"""


def frames_back(fig: dict) -> dict:
    """The inverse of :func:`frames_in_meta`."""
    meta = (fig.get("layout") or {}).get("meta")
    if not isinstance(meta, dict) or "frames" not in meta:
        return fig
    layout = {**fig["layout"], "meta": {k: v for k, v in meta.items() if k != "frames"}}
    return {**fig, "layout": layout, "frames": meta["frames"]}


def playable(fig) -> RawFigure:
    """A go.Figure with frames as a figure gr.Plot can animate (see :func:`frames_in_meta`)."""
    return fig if isinstance(fig, RawFigure) else RawFigure(fig.to_plotly_json())


class RawFigure:
    """A Plotly figure kept as the dict plotly.js reads, for figures too big to build fast with
    go.Figure's validating objects (an animated run of ~40 frames × ~50 traces: most of a second).
    gr.Plot takes it as it takes a go.Figure (it calls ``to_json``)."""

    def __init__(self, fig: dict | None = None, text: str | None = None):
        self._fig, self._text = fig, text  # the dict, or its JSON text (made in a worker process)

    def to_json(self) -> str:
        """The JSON gr.Plot sends, its frames where the page finds them (:func:`frames_in_meta`)."""
        if self._text is None:
            self._text = pio.to_json(frames_in_meta(self._fig), validate=False, remove_uids=False)
        return self._text

    def to_dict(self) -> dict:
        """The figure as plotly.js reads it, frames in their own place."""
        if self._fig is None:
            import json

            self._fig = frames_back(json.loads(self._text))
        return self._fig

    def to_figure(self) -> go.Figure:
        """The same figure as a go.Figure (for tests and the HTML export)."""
        return go.Figure(_untyped(self.to_dict()), skip_invalid=True)
