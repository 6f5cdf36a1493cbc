"""Pictures for the Embeddings tab: the map (a WebGL scatter, one trace per class so the legend
toggles classes; 3-D as well), a strip of nearest neighbours, and the map's animation through a
training run. Arrays in, figures and images out; every label translated.

The map's points carry ``customdata = [image index, predicted class, confidence]`` (float32, sent
as a binary array) and ``layout.meta`` names the thumbnail sprite, so the page's small script
(``explorer.ui.embeddings.PLOT_EVENTS_JS``) can show the image under the pointer and turn a
click into a neighbour query. Without the script, Plotly's own hover still names the class and
the image number.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from explorer.i18n import num, t
from explorer.plots import BAD_COLOR, BADGE_MARGIN, OK_COLOR, fit_text, font, layout

# Ten distinguishable colours (Tableau 10), one per class.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")
SPRITE_COLS = 100
TILE = 28
STRIP_TILE = 84


def sprite_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / "fashion_test_sprite.png"


def build_sprite(images: np.ndarray, path: Path, cols: int = SPRITE_COLS) -> Path:
    """All the images (N, 28, 28) uint8 in one grayscale PNG, ``cols`` per row, in index order;
    written once (atomically) and reused."""
    path = Path(path)
    if path.exists():
        return path
    n = len(images)
    rows = -(-n // cols)
    canvas = np.full((rows * TILE, cols * TILE), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[r * TILE:(r + 1) * TILE, c * TILE:(c + 1) * TILE] = 255 - images[i]  # dark on white
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    Image.fromarray(canvas, mode="L").save(tmp, optimize=True)
    tmp.replace(path)
    return path


def map_figure(coords: np.ndarray, labels: np.ndarray, names: Sequence[str], lang: str, title: str,
               pred: np.ndarray | None = None, conf: np.ndarray | None = None, errors: bool = False,
               selected: int | None = None, neighbours: Sequence[int] = (),
               sprite_url: str | None = None, indices: np.ndarray | None = None) -> go.Figure:
    """The map: one WebGL trace per class (click the legend to hide or isolate a class), the
    misclassified points ringed when ``errors``, the selected point and its neighbours marked.
    ``indices``: each row's image number when the map shows a sample (t-SNE), else 0..N-1."""
    coords = np.asarray(coords, dtype=np.float32)
    dims = coords.shape[1]
    n = len(coords)
    pred = np.asarray(labels if pred is None else pred)
    conf = np.ones(n, np.float32) if conf is None else np.asarray(conf, np.float32)
    index = (np.arange(n) if indices is None else np.asarray(indices)).astype(np.float32)
    custom_all = np.stack([index, pred.astype(np.float32), conf], axis=1)
    fig = go.Figure()
    hover = t(lang, "embeddings_hover") + "<extra></extra>"
    for c, name in enumerate(names):
        m = labels == c
        if not m.any():
            continue
        kw = dict(name=f"{name} ({num(lang, int(m.sum()))})", customdata=custom_all[m], hovertemplate=hover,
                  legendgroup=str(c))
        if dims == 3:
            fig.add_trace(go.Scatter3d(x=coords[m, 0], y=coords[m, 1], z=coords[m, 2], mode="markers",
                                       marker=dict(size=2, color=PALETTE[c % 10], opacity=0.8), **kw))
        else:
            fig.add_trace(go.Scattergl(x=coords[m, 0], y=coords[m, 1], mode="markers",
                                       marker=dict(size=4, color=PALETTE[c % 10], opacity=0.75), **kw))
    wrong = np.flatnonzero(pred != labels)
    if errors and len(wrong):
        _add_marks(fig, coords, wrong, custom_all, dims, t(lang, "embeddings_errors", n=num(lang, len(wrong))),
                   dict(symbol="circle-open", size=9 if dims == 2 else 4, color="#111", line=dict(width=1.2)), hover)
    if neighbours:
        _add_marks(fig, coords, np.asarray(neighbours), custom_all, dims, t(lang, "embeddings_neighbours_mark"),
                   dict(symbol="circle-open", size=14 if dims == 2 else 6, color="#d62728", line=dict(width=2.5)),
                   hover)
    if selected is not None and 0 <= selected < n:
        _add_marks(fig, coords, np.array([selected]), custom_all, dims, t(lang, "embeddings_selected_mark"),
                   dict(symbol="x" if dims == 2 else "diamond", size=16 if dims == 2 else 8, color="#d62728",
                        line=dict(width=2)), hover)
    meta: dict[str, Any] = {"names": list(names), "pred_label": t(lang, "embeddings_pred"),
                            "index_label": t(lang, "embeddings_index")}
    if sprite_url:
        meta.update(sprite=sprite_url, tile=TILE, cols=SPRITE_COLS)
    fig.update_layout(meta=meta, title=dict(text=title, font=dict(size=14)), hovermode="closest",
                      legend=dict(orientation="v", x=1.01, y=1, xanchor="left", yanchor="top",
                                  itemsizing="constant", title=dict(text=t(lang, "embeddings_legend"))),
                      uirevision=title)
    if dims == 2:
        fig.update_xaxes(showticklabels=False, zeroline=False, showgrid=False,
                         title_text=t(lang, "embeddings_axis", n=1))
        fig.update_yaxes(showticklabels=False, zeroline=False, showgrid=False,
                         title_text=t(lang, "embeddings_axis", n=2), scaleanchor="x")
    else:
        axis = dict(showticklabels=False, title="")
        fig.update_layout(scene=dict(xaxis=axis, yaxis=axis, zaxis=axis, aspectmode="data"))
    layout(fig, 620, lang)
    return fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, xanchor="left", yanchor="top"),
                             margin=dict(l=30, r=10, t=50, b=30))


def _add_marks(fig, coords, idx, custom, dims, name, marker, hover) -> None:
    kw = dict(name=name, customdata=custom[idx], hovertemplate=hover, marker=marker, mode="markers")
    if dims == 3:
        fig.add_trace(go.Scatter3d(x=coords[idx, 0], y=coords[idx, 1], z=coords[idx, 2], **kw))
    else:
        fig.add_trace(go.Scattergl(x=coords[idx, 0], y=coords[idx, 1], **kw))


def neighbours_strip(query: Image.Image, query_caption: str, tiles: Sequence[tuple[Image.Image, str, float, bool]],
                     lang: str, tile: int = STRIP_TILE) -> Image.Image:
    """The chosen image, then its neighbours, each with its class, its cosine similarity and a
    ✓ when it shares the chosen image's class."""
    fnt, small = font(12), font(11)
    head, foot, gap = 20, 34, 10
    cell = tile + gap
    n = 1 + len(tiles)
    canvas = Image.new("RGB", (16 + n * cell + gap, BADGE_MARGIN + head + tile + foot + 6), "white")
    d = ImageDraw.Draw(canvas)
    y0 = BADGE_MARGIN
    x0 = 8
    d.text((x0, y0 + 2), fit_text(d, t(lang, "embeddings_query"), fnt, tile), fill=(20, 20, 20), font=fnt)
    canvas.paste(_tile(query, tile), (x0, y0 + head))
    d.rectangle([x0 - 2, y0 + head - 2, x0 + tile + 1, y0 + head + tile + 1], outline=(214, 39, 40), width=2)
    d.text((x0, y0 + head + tile + 4), fit_text(d, query_caption, small, tile), fill=(40, 40, 40), font=small)
    x0 += cell + gap
    d.line([(x0 - gap, y0 + head), (x0 - gap, y0 + head + tile)], fill=(200, 200, 200), width=1)
    for k, (img, caption, sim, same) in enumerate(tiles):
        x = x0 + k * cell
        d.text((x, y0 + 2), f"{k + 1} · {num(lang, sim, 3)}", fill=(20, 20, 20), font=fnt)
        canvas.paste(_tile(img, tile), (x, y0 + head))
        mark = "✓" if same else "✗"
        d.text((x, y0 + head + tile + 4), fit_text(d, f"{mark} {caption}", small, tile),
               fill=OK_COLOR if same else BAD_COLOR, font=small)
    return canvas


def _tile(img: Image.Image, side: int) -> Image.Image:
    """``img`` fitted into a white ``side`` square (a 28 × 28 image keeps its square pixels)."""
    img = img.convert("RGB")
    f = side / max(img.size)
    resample = Image.NEAREST if max(img.size) <= 64 else Image.BILINEAR
    img = img.resize((max(1, round(img.width * f)), max(1, round(img.height * f))), resample)
    out = Image.new("RGB", (side, side), "white")
    out.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    return out


def progress_figure(steps: Sequence[int], coords: np.ndarray, labels: np.ndarray, names: Sequence[str],
                    agreement: Sequence[float], accuracy: Sequence[float], lang: str) -> go.Figure:
    """The same images' map at each checkpoint of a training run, as an animation the browser
    plays by itself (play / pause and a slider, no server round trip)."""
    T = len(steps)
    lim = float(np.abs(coords).max()) * 1.05 or 1.0

    def traces(f: int) -> list[go.Scatter]:
        out = []
        for c, name in enumerate(names):
            m = labels == c
            out.append(go.Scatter(x=coords[f, m, 0], y=coords[f, m, 1], mode="markers", name=name,
                                  marker=dict(size=4, color=PALETTE[c % 10], opacity=0.8),
                                  hovertemplate=f"{name}<extra></extra>"))
        return out

    def caption(f: int) -> str:
        acc = accuracy[f]
        acc_txt = "" if not np.isfinite(acc) else " · " + t(lang, "embeddings_prog_acc", acc=num(lang, 100 * acc, 1))
        return t(lang, "embeddings_prog_frame", step=num(lang, int(steps[f])),
                 agree=num(lang, 100 * float(agreement[f]), 1)) + acc_txt

    frames = [go.Frame(data=traces(f), name=str(f), layout=dict(title=dict(text=caption(f)))) for f in range(T)]
    fig = go.Figure(data=traces(0), frames=frames)
    play = dict(label="▶", method="animate",
                args=[None, dict(frame=dict(duration=900, redraw=False), transition=dict(duration=600),
                                 fromcurrent=True, mode="immediate")])
    pause = dict(label="❚❚", method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                    transition=dict(duration=0))])
    fig.update_layout(
        title=dict(text=caption(0), font=dict(size=14)),
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.06, xanchor="left", yanchor="top",
                          showactive=False, buttons=[play, pause])],
        sliders=[dict(active=0, x=0.12, y=-0.02, len=0.88,
                      currentvalue=dict(prefix=t(lang, "embeddings_prog_step") + ": "),
                      steps=[dict(label=num(lang, int(s)), method="animate",
                                  args=[[str(f)], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                                       transition=dict(duration=300))])
                             for f, s in enumerate(steps)])],
        legend=dict(orientation="v", x=1.01, y=1, xanchor="left"))
    fig.update_xaxes(range=[-lim, lim], showticklabels=False, zeroline=False, showgrid=False)
    fig.update_yaxes(range=[-lim, lim], showticklabels=False, zeroline=False, showgrid=False, scaleanchor="x")
    layout(fig, 600, lang)
    return fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, xanchor="left", yanchor="top"),
                             margin=dict(l=20, r=10, t=50, b=90))


def agreement_figure(steps: Sequence[int], agreement: Sequence[float], accuracy: Sequence[float],
                     lang: str) -> go.Figure:
    """5-NN label agreement in the embedding space (and accuracy) at each checkpoint: the numbers
    behind the animation."""
    x = [max(int(s), 1) for s in steps]  # a log axis: step 0 drawn at 1
    step_hover = t(lang, "embeddings_prog_step") + " %{customdata}: %{y:.1f} %<extra></extra>"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=100 * np.asarray(agreement, float), mode="lines+markers",
                             name=t(lang, "embeddings_prog_agree"), customdata=list(steps),
                             hovertemplate=step_hover))
    acc = np.asarray(accuracy, float)
    if np.isfinite(acc).any():
        fig.add_trace(go.Scatter(x=x, y=100 * acc, mode="lines+markers", name=t(lang, "embeddings_prog_accuracy"),
                                 line=dict(dash="dot"), customdata=list(steps),
                                 hovertemplate=step_hover))
    fig.update_xaxes(type="log", title_text=t(lang, "embeddings_prog_step_axis"))
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    layout(fig, 320, lang)
    return fig.update_layout(margin=dict(l=50, r=10, t=40, b=50),
                             legend=dict(orientation="h", x=0, y=1.15, xanchor="left"))


# The images placed on the map (explorer.embeddings.compute.land): the current one a gold star, the one it
# is compared with (e.g. the original of an attacked image) a white star; their neighbours ringed
# in the same colour, an arrow from the compared image to the current one.
PLACED_STYLES = {"image": dict(color="#ffd400", ring="#111111"), "compare": dict(color="#ffffff", ring="#7f7f7f")}


def add_landings(fig: go.Figure, coords: np.ndarray, landings: Sequence[tuple[str, str, Any]], names: Sequence[str],
                 lang: str) -> go.Figure:
    """Draw placed images on a map made by :func:`map_figure`. ``landings``: (role, caption,
    :class:`explorer.embeddings.compute.Landing`) with role "image" or "compare"; the compared one is drawn
    first, so the current image's star lies on top. ``coords``: the map's own points (for the rings)."""
    coords = np.asarray(coords, dtype=np.float32)
    dims = coords.shape[1]
    order = sorted(landings, key=lambda r: r[0] != "compare")
    for role, caption, ld in order:
        st = PLACED_STYLES[role]
        nb = np.asarray(ld.neighbors)
        ring = dict(symbol="circle-open", size=15 if dims == 2 else 7, color=st["ring"], line=dict(width=2.5))
        kw = dict(name=t(lang, "embeddings_place_nb_mark", caption=caption), mode="markers", marker=ring,
                  hoverinfo="skip", legendgroup=f"placed-{role}")
        if dims == 3:
            fig.add_trace(go.Scatter3d(x=coords[nb, 0], y=coords[nb, 1], z=coords[nb, 2], **kw))
        else:
            fig.add_trace(go.Scattergl(x=coords[nb, 0], y=coords[nb, 1], **kw))
    for role, caption, ld in order:
        st = PLACED_STYLES[role]
        hover = t(lang, "embeddings_place_hover", caption=caption, pred=names[ld.pred],
                  prob=num(lang, 100 * float(ld.probs[ld.pred]), 1), near=names[ld.majority],
                  count=ld.majority_count, k=len(ld.neighbors)) + "<extra></extra>"
        xy = np.asarray(ld.xy, dtype=np.float64)
        kw = dict(name=caption, mode="markers+text", text=[caption], hovertemplate=hover, legendgroup=f"placed-{role}",
                  textfont=dict(size=13, color="#111"))
        if dims == 3:
            fig.add_trace(go.Scatter3d(x=[xy[0]], y=[xy[1]], z=[xy[2]], textposition="top center",
                                       marker=dict(symbol="diamond", size=11, color=st["color"],
                                                   line=dict(color="#111", width=2)), **kw))
        else:
            # WebGL like the map's points (an SVG trace would be drawn beneath them); added last, on top
            fig.add_trace(go.Scattergl(x=[xy[0]], y=[xy[1]], textposition="top center",
                                     marker=dict(symbol="star", size=26, color=st["color"],
                                                 line=dict(color="#111", width=1.8)), **kw))
    if len(order) == 2:
        (_, _, a), (_, _, b) = order
        pa, pb = np.asarray(a.xy, np.float64), np.asarray(b.xy, np.float64)
        if dims == 2:
            fig.add_annotation(x=pb[0], y=pb[1], ax=pa[0], ay=pa[1], xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=3, arrowsize=1.3, arrowwidth=2, arrowcolor="#111",
                               standoff=12, startstandoff=12, text="")
        else:
            fig.add_trace(go.Scatter3d(x=[pa[0], pb[0]], y=[pa[1], pb[1]], z=[pa[2], pb[2]], mode="lines",
                                       line=dict(color="#111", width=5), hoverinfo="skip", showlegend=False))
    return fig
