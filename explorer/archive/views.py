"""Pictures for the "Mi archivo" tab: the user's collection on a map, coloured by each item's top
tag, its near-duplicates linked, the thumbnails the hover shows; the photos a search by words found,
each with its evidence; and the map of sentences with the search's hits. Arrays in, figures out;
every label translated. The page's script (``explorer.ui.embeddings.PLOT_EVENTS_JS``) shows a
thumbnail on hover and turns a click into a "find similar" query, as on the Embeddings map.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from explorer.embeddings.views import PALETTE
from explorer.i18n import num, t
from explorer.plots import BADGE_MARGIN, OK_COLOR, fit_text, font, layout

SHEET_TILE = 128  # a result's thumbnail, px (the stored thumbnails' size)
SHEET_COLUMNS = 6


def thumb_uri(img: Image.Image, side: int = 96) -> str:
    """A small JPEG data URI of ``img`` for the hover tooltip (a few kB)."""
    import base64
    import io

    im = img.convert("RGB")
    im.thumbnail((side, side), Image.BILINEAR)
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def archive_figure(coords: np.ndarray, names: Sequence[str], top_tags: Sequence[str], lang: str, title: str,
                   thumbs: Sequence[str] = (), selected: int | None = None, neighbours: Sequence[int] = (),
                   groups: Sequence[Sequence[int]] = (), max_legend: int = 9) -> go.Figure:
    """The user's collection on the map, coloured by each item's top tag (the most frequent tags
    in the legend, the rest as "other"); near-duplicate groups linked by a line; hovering shows
    the thumbnail (``thumbs``: data URIs in ``layout.meta``), a click finds similar items."""
    coords = np.asarray(coords, dtype=np.float32)
    n = len(coords)
    tags = list(top_tags)
    counts: dict[str, int] = {}
    for tg in tags:
        counts[tg] = counts.get(tg, 0) + 1
    legend = [tg for tg, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max_legend]]
    other = t(lang, "archive_other")
    cls = np.array([legend.index(tg) if tg in legend else len(legend) for tg in tags])
    custom = np.stack([np.arange(n, dtype=np.float32), np.zeros(n, np.float32), np.ones(n, np.float32)], 1)
    fig = go.Figure()
    for g in groups:  # near-duplicates: a grey line through each group
        g = list(g)
        fig.add_trace(go.Scatter(x=coords[g, 0], y=coords[g, 1], mode="lines", line=dict(color="#888", width=1),
                                 hoverinfo="skip", showlegend=False))
    hover = "%{text}<extra></extra>"
    for c, name in enumerate(legend + [other]):
        m = cls == c
        if not m.any():
            continue
        fig.add_trace(go.Scattergl(
            x=coords[m, 0], y=coords[m, 1], mode="markers", name=f"{name} ({num(lang, int(m.sum()))})",
            marker=dict(size=9, color=PALETTE[c % 10] if c < len(legend) else "#bbbbbb", opacity=0.85,
                        line=dict(width=0.5, color="#fff")),
            customdata=custom[m], text=[f"{names[i]}<br>{tags[i]}" for i in np.flatnonzero(m)], hovertemplate=hover))
    if neighbours:
        idx = np.asarray(neighbours)
        fig.add_trace(go.Scattergl(x=coords[idx, 0], y=coords[idx, 1], mode="markers", customdata=custom[idx],
                                   name=t(lang, "embeddings_neighbours_mark"), text=[names[i] for i in idx],
                                   hovertemplate=hover,
                                   marker=dict(symbol="circle-open", size=16, color="#d62728", line=dict(width=2.5))))
    if selected is not None and 0 <= selected < n:
        fig.add_trace(go.Scattergl(x=coords[[selected], 0], y=coords[[selected], 1], mode="markers",
                                   customdata=custom[[selected]], name=t(lang, "embeddings_selected_mark"),
                                   text=[names[selected]], hovertemplate=hover,
                                   marker=dict(symbol="x", size=16, color="#d62728", line=dict(width=2))))
    fig.update_layout(meta={"thumbs": list(thumbs), "index_label": t(lang, "embeddings_index")},
                      title=dict(text=title, font=dict(size=14)), hovermode="closest", uirevision=title)
    fig.update_xaxes(showticklabels=False, zeroline=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, zeroline=False, showgrid=False, scaleanchor="x")
    layout(fig, 560, lang)
    return fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, xanchor="left", yanchor="top",
                                         title=dict(text=t(lang, "archive_legend"))),
                             margin=dict(l=20, r=10, t=50, b=20))


def text_map_figure(coords: np.ndarray, sentences: Sequence[str], lang: str, title: str,
                    hits: Sequence[int] = (), sims: Sequence[float] = ()) -> go.Figure:
    """Sentences on the map (hover shows the sentence); the search's hits ringed, numbered."""
    coords = np.asarray(coords, dtype=np.float32)
    short = [s if len(s) <= 120 else s[:117] + "…" for s in sentences]
    fig = go.Figure(go.Scattergl(x=coords[:, 0], y=coords[:, 1], mode="markers", text=short,
                                 marker=dict(size=8, color="#4e79a7", opacity=0.8), name=t(lang, "archive_text_points"),
                                 hovertemplate="%{text}<extra></extra>"))
    if len(hits):
        h = np.asarray(hits)
        fig.add_trace(go.Scatter(x=coords[h, 0], y=coords[h, 1], mode="markers+text",
                                 text=[str(r + 1) for r in range(len(h))], textposition="top center",
                                 customdata=[f"{short[i]} (cos {num(lang, float(s), 3)})" for i, s in zip(h, sims)],
                                 hovertemplate="%{customdata}<extra></extra>", name=t(lang, "archive_text_hits"),
                                 marker=dict(symbol="circle-open", size=16, color="#d62728", line=dict(width=2.5))))
    fig.update_layout(title=dict(text=title, font=dict(size=14)), hovermode="closest")
    fig.update_xaxes(showticklabels=False, zeroline=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, zeroline=False, showgrid=False, scaleanchor="x")
    layout(fig, 480, lang)
    return fig.update_layout(margin=dict(l=20, r=10, t=50, b=20))


def search_sheet(tiles: Sequence[tuple[Image.Image, str, str | None, float, float, float, bool]], lang: str,
                 columns: int = SHEET_COLUMNS, tile: int = SHEET_TILE) -> Image.Image:
    """The photos a search by words found, best first, ``columns`` to a row: each with its rank and
    score above it, then its file name, the tag that matched with its probability, and the cosine
    between the query and the tag's name. ``tiles``: (thumbnail, file, tag, probability, cosine,
    score, match); a hit that is not a match is drawn faded and marked weak."""
    fnt, small = font(12), font(11)
    head, foot, gap = 18, 50, 12
    n = max(1, len(tiles))
    cols = max(1, min(columns, n))
    rows = -(-n // cols)
    cell_w, cell_h = tile + gap, head + tile + foot + gap
    top0 = BADGE_MARGIN + 10  # the first row's rank and score clear of the label badge Gradio draws
    canvas = Image.new("RGB", (gap + cols * cell_w, top0 + rows * cell_h), "white")
    d = ImageDraw.Draw(canvas)
    weak = t(lang, "archive_search_weak")
    for k, (img, file, tag, prob, cos, score, match) in enumerate(tiles):
        x = gap + (k % cols) * cell_w
        y = top0 + (k // cols) * cell_h
        ink, faint = ((20, 20, 20), (60, 60, 60)) if match else ((150, 150, 150), (150, 150, 150))
        top = f"{k + 1} · {num(lang, score, 3)}" + ("" if match else f" · {weak}")
        d.text((x, y + 1), fit_text(d, top, fnt, tile), fill=ink, font=fnt)
        thumb = img.convert("RGB")
        thumb.thumbnail((tile, tile), Image.BILINEAR)
        if not match:  # faded: blended halfway to white
            thumb = Image.blend(thumb, Image.new("RGB", thumb.size, "white"), 0.55)
        ty = y + head
        canvas.paste(thumb, (x + (tile - thumb.width) // 2, ty + (tile - thumb.height) // 2))
        if match:
            d.rectangle([x - 2, ty - 2, x + tile + 1, ty + tile + 1], outline=OK_COLOR, width=2)
        lines = [file, f"{tag} · {num(lang, 100 * prob, 0)} %" if tag else "—", f"cos {num(lang, cos, 3)}"]
        for r, line in enumerate(lines):
            d.text((x, ty + tile + 4 + 15 * r), fit_text(d, line, small, tile), fill=faint, font=small)
    return canvas
