"""The Saliency tab's views: every method's map side by side over the image, each with its colour
bar; the sanity check's maps and rank correlations. No gradio here."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from explorer.i18n import num, t
from explorer.plots import BADGE_MARGIN, fit_text, font, layout
from explorer.saliency import compute as saliency

TILE = 224  # side of each map in the grid, pixels
BAR_H = 10


def _colorbar(width: int, signed: bool) -> Image.Image:
    ramp = np.linspace(-1, 1, width) if signed else np.linspace(0, 1, width)
    rgb = saliency.colorize(np.tile(ramp, (BAR_H, 1)), signed)
    return Image.fromarray((rgb * 255).round().astype(np.uint8))


def maps_grid(base: Image.Image, maps: Sequence[tuple[str, np.ndarray, bool, str]], lang: str,
              cols: int = 4) -> Image.Image:
    """The input and each (title, map, signed, note) as an overlay tile with a colour bar under it
    stating what its ends mean: 0 to the map's 99th percentile, or ± it for signed maps."""
    fnt, small = font(13), font(11)
    tiles = [(t(lang, "saliency_input"), None, False, "")] + list(maps)
    rows = -(-len(tiles) // cols)
    head, foot = 22, 44
    cell_w, cell_h = TILE + 16, head + TILE + foot
    top = BADGE_MARGIN  # room for the label Gradio draws over the image's top-left corner
    canvas = Image.new("RGB", (cols * cell_w + 8, top + rows * cell_h + 8), "white")
    d = ImageDraw.Draw(canvas)
    for i, (title, amap, signed, note) in enumerate(tiles):
        r, c = divmod(i, cols)
        x0, y0 = 8 + c * cell_w, top + 8 + r * cell_h
        d.text((x0, y0 + 3), fit_text(d, title, fnt, TILE), fill=(20, 20, 20), font=fnt)
        if amap is None:
            img = base.convert("RGB").resize((TILE, TILE), Image.NEAREST if base.width < 64 else Image.BILINEAR)
        else:
            img = saliency.overlay(base, amap, signed=signed, side=TILE).resize((TILE, TILE), Image.BILINEAR)
            _, vmax = saliency.scale(amap, signed)
            canvas.paste(_colorbar(TILE, signed), (x0, y0 + head + TILE + 4))
            lo = ("−" if signed else "") + _short(lang, vmax)
            d.text((x0, y0 + head + TILE + 16), lo if signed else "0", fill=(80, 80, 80), font=small)
            hi = ("+" if signed else "") + _short(lang, vmax)
            d.text((x0 + TILE - d.textlength(hi, font=small), y0 + head + TILE + 16), hi, fill=(80, 80, 80),
                   font=small)
            if note:
                d.text((x0, y0 + head + TILE + 29), fit_text(d, note, small, TILE), fill=(40, 90, 160), font=small)
        canvas.paste(img, (x0, y0 + head))
    return canvas


def _short(lang: str, x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100 or abs(x) < 0.01:
        return f"{x:.1e}".replace(".", "," if lang == "es" else ".")
    return num(lang, x, 2 if abs(x) < 10 else 1)


def method_title(method: str, att: saliency.Attribution, lang: str) -> str:
    return f"{t(lang, f'saliency_m_{method}')} · {num(lang, att.seconds * 1000, 0)} ms"


def method_note(method: str, att: saliency.Attribution, lang: str) -> str:
    if method == "integrated_gradients":
        c = att.extras.get("completeness", {})
        if c:
            return t(lang, "saliency_ig_note", total=_short(lang, c["sum"]), diff=_short(lang, c["difference"]))
    if method in ("gradcam", "guided_gradcam"):
        return t(lang, "saliency_layer_note", layer=att.extras.get("layer_label", att.params.get("layer", "")))
    if method == "occlusion":
        return t(lang, "saliency_occ_note", w=att.params.get("window"), s=att.params.get("stride"),
                 n=att.extras.get("forwards", "?"))
    return t(lang, "saliency_signed_note") if att.signed else t(lang, "saliency_magnitude_note")


def completeness_markdown(att: saliency.Attribution | None, lang: str) -> str:
    if att is None or "completeness" not in att.extras:
        return ""
    c = att.extras["completeness"]
    rel = abs(c["delta"]) / abs(c["difference"]) if c.get("difference") else 0.0
    return t(lang, "saliency_completeness", total=_short(lang, c["sum"]), fx=_short(lang, c["f_x"]),
             fb=_short(lang, c["f_baseline"]), diff=_short(lang, c["difference"]), delta=_short(lang, c["delta"]),
             rel=num(lang, 100 * rel, 2), baseline=t(lang, f"saliency_base_{att.params.get('baseline', 'black')}"))


def summary_of(atts: dict[str, saliency.Attribution], target: int, label: str, top: list[dict]) -> dict[str, Any]:
    out = {"target": {"index": target, "label": label}, "prediction": top, "methods": {}}
    for m, a in atts.items():
        entry = {"seconds": round(a.seconds, 4), "signed": a.signed, "aggregation": a.aggregation,
                 "params": {k: v for k, v in a.params.items() if isinstance(v, (int, float, str, bool))},
                 "map_shape": list(a.map.shape), "map_max_abs": float(np.abs(a.map).max())}
        c = a.extras.get("completeness")
        if c:
            entry["completeness"] = {k: float(v) for k, v in c.items() if isinstance(v, (int, float, np.floating))}
        out["methods"][m] = entry
    return out


def sanity_grid(base: Image.Image, records: list[dict], methods: Sequence[str], lang: str) -> Image.Image:
    """Rows: the trained network, then each randomisation step; columns: methods."""
    fnt, small = font(12), font(11)
    side = 112
    left, head = 120, 22 + BADGE_MARGIN
    canvas = Image.new("RGB", (left + len(methods) * (side + 6) + 6, head + len(records) * (side + 6) + 6), "white")
    d = ImageDraw.Draw(canvas)
    for j, m in enumerate(methods):
        d.text((left + j * (side + 6), head - 18), fit_text(d, t(lang, f"saliency_m_{m}"), small, side),
               fill=(20, 20, 20), font=small)
    for i, rec in enumerate(records):
        y = head + i * (side + 6)
        label = t(lang, "saliency_trained") if rec["step"] == 0 else t(lang, "saliency_randomised", layer=rec["layer"])
        for k, line in enumerate(_wrap(d, label, fnt, left - 8)[:4]):
            d.text((4, y + 4 + 15 * k), line, fill=(20, 20, 20), font=fnt)
        for j, m in enumerate(methods):
            amap = rec["maps"][m]
            signed = m in ("integrated_gradients", "occlusion")
            img = saliency.overlay(base, amap, signed=signed, side=side).resize((side, side), Image.BILINEAR)
            canvas.paste(img, (left + j * (side + 6), y))
            r = rec["correlation"].get(m)
            if rec["step"] > 0 and r is not None:
                d.rectangle([left + j * (side + 6), y + side - 16, left + j * (side + 6) + 52, y + side], fill="white")
                d.text((left + j * (side + 6) + 3, y + side - 15), f"ρ {num(lang, r, 2)}", fill=(20, 20, 20),
                       font=small)
    return canvas


def _wrap(d: ImageDraw.ImageDraw, text: str, fnt, width: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        nxt = f"{cur} {word}".strip()
        if d.textlength(nxt, font=fnt) <= width or not cur:
            cur = nxt
        else:
            lines.append(cur)
            cur = word
    return lines + ([cur] if cur else [])


def correlation_figure(records: list[dict], methods: Sequence[str], lang: str) -> go.Figure:
    """Spearman rank correlation with the trained network's map after each randomisation step: a
    method that stays near 1 does not depend on what the network learned."""
    steps = [r for r in records if r["step"] > 0]
    xs = [r["layer"] for r in steps]
    fig = go.Figure()
    for m in methods:
        ys = [r["correlation"].get(m) for r in steps]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=t(lang, f"saliency_m_{m}"),
                                 hovertemplate="%{x}: ρ = %{y:.2f}<extra>%{fullData.name}</extra>"))
    fig.add_hline(y=0.5, line_dash="dot", line_color="#999")
    fig.update_xaxes(title_text=t(lang, "saliency_corr_x"))
    fig.update_yaxes(title_text=t(lang, "saliency_corr_y"), range=[-0.2, 1.05])
    fig.update_layout(title=dict(text=t(lang, "saliency_corr_title"), font_size=14))
    layout(fig, 420, lang)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.28, xanchor="left", x=0),
                      margin=dict(b=120))
    return fig


def sanity_summary(records: list[dict], methods: Sequence[str]) -> dict[str, Any]:
    return {"methods": list(methods),
            "steps": [{"step": r["step"], "layer": r["layer"], "seconds": round(r["seconds"], 3),
                       "correlation": {m: r["correlation"].get(m) for m in methods}} for r in records]}
