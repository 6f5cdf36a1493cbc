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
from explorer.plots import BAD_COLOR, BADGE_MARGIN, OK_COLOR, fit_text, font, layout

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


# ---- teaching: three ways side by side ------------------------------------------------------------

METHOD_COLORS = {"linear": "#1f77b4", "finetune": "#2ca02c", "scratch": "#d62728"}


def plain(s: str) -> str:
    """A user's text (a class name, a file name) as Plotly shows it: "<b>" would turn bold."""
    return str(s).replace("<", "&lt;").replace(">", "&gt;")


def teach_figure(progress: dict, methods: Sequence[str], folds: int, lang: str) -> go.Figure:
    """While the three ways train and when they are done: one panel per way with the training
    loss (nats) of each of its trainings — folds 1..k of the cross-validation faint, the final model
    on every labelled image bold — and a last panel with each way's cross-validated accuracy (%).

    ``progress[way]``: ``{"runs": {fold (0 = final): [(epoch, loss), ...]}, "epochs": int,
    "fold_acc": [float, ...], "cv": float | None}``; the linear way's "epochs" are its full-batch
    steps."""
    from plotly.subplots import make_subplots

    titles = [t(lang, f"archive_teach_m_{m}") for m in methods] + [t(lang, "archive_teach_cv_title", k=folds)]
    fig = make_subplots(rows=1, cols=len(methods) + 1, subplot_titles=titles, horizontal_spacing=0.06,
                        column_widths=[1.0] * len(methods) + [0.8])
    fold_word, final_word = t(lang, "archive_teach_fold"), t(lang, "archive_teach_final")
    for c, m in enumerate(methods, start=1):
        p = progress.get(m) or {}
        color = METHOD_COLORS[m]
        for fold, pts in sorted((p.get("runs") or {}).items()):
            if not pts:
                continue
            x, y = zip(*pts)
            name = final_word if fold == 0 else f"{fold_word} {fold}"
            fig.add_trace(go.Scatter(
                x=list(x), y=list(y), mode="lines", name=name, showlegend=False,
                line=dict(color=color, width=3 if fold == 0 else 1.2), opacity=1.0 if fold == 0 else 0.45,
                hovertemplate=f"{t(lang, 'archive_teach_m_' + m)} · {name}<br>"
                              f"{t(lang, 'archive_teach_x_' + ('step' if m == 'linear' else 'epoch'))} %{{x}}"
                              f"<br>{t(lang, 'axis_loss')}: %{{y:.3f}}<extra></extra>"), row=1, col=c)
        fig.update_xaxes(title_text=t(lang, "archive_teach_x_" + ("step" if m == "linear" else "epoch")),
                         range=[0, max(1, int(p.get("epochs") or 1)) * 1.03], row=1, col=c)
        fig.update_yaxes(rangemode="tozero", row=1, col=c, title_text=t(lang, "axis_loss") if c == 1 else None)
    done = [m for m in methods if (progress.get(m) or {}).get("cv") is not None]
    names = [t(lang, f"archive_teach_m_{m}") for m in methods]
    ys = [100 * progress[m]["cv"] if m in done else None for m in methods]
    fig.add_trace(go.Bar(
        x=names, y=ys, marker=dict(color=[METHOD_COLORS[m] for m in methods]), showlegend=False,
        text=[f"{num(lang, y, 0)} %" if y is not None else "" for y in ys], textposition="outside",
        hovertemplate="%{x}: %{y:.1f} %<extra></extra>"), row=1, col=len(methods) + 1)
    fig.update_yaxes(range=[0, 112], title_text=t(lang, "axis_acc"), row=1, col=len(methods) + 1)
    fig.update_annotations(font_size=12)  # the panels' titles, narrow on a phone
    layout(fig, 360, lang)
    return fig.update_layout(margin=dict(l=60, r=20, t=60, b=60))


def sheet(tiles: Sequence[tuple[Image.Image, Sequence[str]]], columns: int = SHEET_COLUMNS, tile: int = 96,
          heading: str = "") -> Image.Image:
    """Thumbnails, ``columns`` to a row, each with up to three lines of text under it (a user's
    file and class names, fitted to the tile); an optional heading above."""
    small = font(11)
    foot, gap = 46, 10
    n = max(1, len(tiles))
    cols = max(1, min(columns, n))
    rows = -(-n // cols)
    cell_w, cell_h = tile + gap, tile + foot + gap
    top0 = BADGE_MARGIN + (22 if heading else 6)
    canvas = Image.new("RGB", (gap + cols * cell_w, top0 + rows * cell_h), "white")
    d = ImageDraw.Draw(canvas)
    if heading:
        d.text((gap, BADGE_MARGIN), fit_text(d, heading, font(13), canvas.width - 2 * gap), fill=(20, 20, 20),
               font=font(13))
    for k, (img, lines) in enumerate(tiles):
        x = gap + (k % cols) * cell_w
        y = top0 + (k // cols) * cell_h
        thumb = img.convert("RGB")
        thumb.thumbnail((tile, tile), Image.BILINEAR)
        canvas.paste(thumb, (x + (tile - thumb.width) // 2, y + (tile - thumb.height) // 2))
        for r, line in enumerate(list(lines)[:3]):
            d.text((x, y + tile + 3 + 14 * r), fit_text(d, line, small, tile), fill=(50, 50, 50), font=small)
    return canvas


def confused_sheet(cells: Sequence[tuple[str, str, Sequence[tuple[Image.Image, str, float]]]], lang: str,
                   per_cell: int = 6, tile: int = 88) -> Image.Image | None:
    """The confusion matrix's mistakes, as pictures: for each off-diagonal cell (true class →
    predicted class, most images first), up to ``per_cell`` of its images with their file name and
    the probability cross-validation gave the wrong class. None when nothing was confused."""
    cells = [c for c in cells if c[2]]
    if not cells:
        return None
    small, bold = font(11), font(13)
    gap, foot, head = 10, 32, 22
    width = gap + per_cell * (tile + gap)
    row_h = head + tile + foot + gap
    canvas = Image.new("RGB", (max(width, 420), BADGE_MARGIN + 6 + len(cells) * row_h), "white")
    d = ImageDraw.Draw(canvas)
    for r, (true, pred, imgs) in enumerate(cells):
        y = BADGE_MARGIN + 6 + r * row_h
        text = t(lang, "archive_teach_confused_row", true=true, pred=pred, n=num(lang, len(imgs)))
        d.text((gap, y), fit_text(d, text, bold, canvas.width - 2 * gap), fill=(20, 20, 20), font=bold)
        for k, (img, file, p) in enumerate(imgs[:per_cell]):
            x = gap + k * (tile + gap)
            thumb = img.convert("RGB")
            thumb.thumbnail((tile, tile), Image.BILINEAR)
            canvas.paste(thumb, (x + (tile - thumb.width) // 2, y + head + (tile - thumb.height) // 2))
            d.rectangle([x - 2, y + head - 2, x + tile + 1, y + head + tile + 1], outline=BAD_COLOR, width=2)
            for j, line in enumerate((file, f"{pred} · {num(lang, 100 * p, 0)} %")):
                d.text((x, y + head + tile + 3 + 13 * j), fit_text(d, line, small, tile), fill=(60, 60, 60),
                       font=small)
    return canvas
