"""The Adversarial tab's views: the three pictures of an attack, the predictions before and after,
and the accuracy-versus-ε curves, every text in the session's language. No gradio here."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from explorer.i18n import num, t
from explorer.plots import layout

DISPLAY_SIDE = 224  # the three pictures are shown at least this big (28×28 ones with visible pixels)
NET_COLORS = {"fashion": "#4c78a8", "fashion_adv": "#54a24b", "session": "#e45756", "imagenet": "#b279a2"}


def to_picture(x: np.ndarray) -> Image.Image:
    """A network input (C, H, W) in [0, 1], or an already 8-bit (H, W[, C]) image, enlarged with
    visible pixels when small."""
    a = np.asarray(x)
    if a.dtype != np.uint8:
        a = a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
        a = (np.clip(a, 0, 1) * 255).round().astype(np.uint8)
    img = Image.fromarray(a)
    if max(img.size) < DISPLAY_SIDE:
        f = -(-DISPLAY_SIDE // max(img.size))
        img = img.resize((img.width * f, img.height * f), Image.NEAREST)
    return img


def predictions_figure(before: list[dict], after: list[dict], lang: str) -> go.Figure:
    """Top predictions before and after the attack, side by side, probabilities in %."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.28,
                        subplot_titles=(t(lang, "adversarial_before"), t(lang, "adversarial_after")))
    for c, rows in enumerate((before, after), 1):
        labels = [r["label"] for r in rows][::-1]
        probs = [100 * r["probability"] for r in rows][::-1]
        fig.add_trace(go.Bar(x=probs, y=labels, orientation="h", showlegend=False,
                             marker_color="#4c78a8" if c == 1 else "#e45756",
                             text=[num(lang, p, 1) + " %" for p in probs], textposition="auto",
                             hovertemplate="%{y}: %{x:.2f} %<extra></extra>"), 1, c)
        fig.update_xaxes(title_text=t(lang, "prob_axis"), range=[0, 100], row=1, col=c)
    layout(fig, 300, lang)
    fig.update_layout(margin=dict(l=130, r=20, t=50, b=50))
    return fig


def eps_text(lang: str, eps: float) -> str:
    """ε as grey levels: "8/255" (one decimal when not whole)."""
    k = eps * 255
    return f"{num(lang, k, 0 if abs(k - round(k)) < 1e-6 else 1)}/255"


def status_markdown(summary: dict[str, Any], method: str, eps: float, lang: str, targeted: bool,
                    target_label: str | None) -> str:
    b, a = summary["before"][0], summary["after"][0]
    pb, pa = num(lang, 100 * b["probability"], 1), num(lang, 100 * a["probability"], 1)
    key = "adversarial_flipped" if summary["flipped"] else "adversarial_held"
    text = t(lang, key, before=b["label"], pb=pb, after=a["label"], pa=pa,
             method=t(lang, f"adversarial_method_{method}"), eps=eps_text(lang, eps),
             linf=eps_text(lang, summary["linf"]))
    if targeted and target_label is not None:
        reached = a["label"] == target_label
        key = "adversarial_target_reached" if reached else "adversarial_target_missed"
        text += " " + t(lang, key, target=target_label)
    return text


def sweep_figure(curves: dict[str, list[dict]], names: dict[str, str], method: str, lang: str) -> go.Figure:
    """Accuracy against ε, one line per network: how robustness is paid for and gained."""
    fig = go.Figure()
    for key, rows in curves.items():
        if not rows:
            continue
        fig.add_trace(go.Scatter(
            x=[r["eps_255"] for r in rows], y=[100 * r["accuracy"] for r in rows], mode="lines+markers",
            name=names.get(key, key), line=dict(color=NET_COLORS.get(key)),
            hovertemplate=t(lang, "adversarial_sweep_hover") + "<extra>%{fullData.name}</extra>"))
    fig.update_xaxes(title_text=t(lang, "adversarial_sweep_x"))
    fig.update_yaxes(title_text=t(lang, "adversarial_sweep_y"), range=[0, 100])
    title = t(lang, "adversarial_sweep_title", method=t(lang, f"adversarial_method_{method}"))
    fig.update_layout(title=dict(text=title, font_size=14))
    layout(fig, 380, lang)
    return fig


def sweep_summary(curves: dict[str, list[dict]], method: str, n: int, steps: int | None) -> dict[str, Any]:
    return {"method": method, "images": n, "pgd_steps": steps if method == "pgd" else None,
            "accuracy": {k: [{"eps": r["eps"], "eps_255": r["eps_255"], "accuracy": r["accuracy"]}
                             for r in rows] for k, rows in curves.items()}}


def eps_grid(max_255: float, count: int = 8) -> list[float]:
    """ε values from 0 to ``max_255``/255: 0 and a roughly geometric series (1, 2, 4, 8, ...), so the
    small budgets where a standard network already breaks are not skipped."""
    max_255 = float(max_255)
    pts = [0.0]
    k = max_255
    while len(pts) < count and k >= 0.5:
        pts.append(k)
        k /= 2
    return [v / 255 for v in sorted({round(p, 2) for p in pts})]


def class_choices(names: Sequence[str]) -> list[tuple[str, int]]:
    return [(f"{i} · {n}", i) for i, n in enumerate(names)]
