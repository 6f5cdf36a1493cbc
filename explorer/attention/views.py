"""Pictures of attention for the Attention tab: the matrix of one head, every head of a layer as
small multiples, a head view in the style of bertviz (Vig 2019) drawn with Plotly, one token's row
in every head, rollout, and sentence similarity. Arrays in, figures out; every label translated.

Tokens go on numeric axes with the text as tick labels: a sentence repeats words ("the ... the"),
and a categorical axis would merge them.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from explorer.attention import compute as attention
from explorer.i18n import num, t
from explorer.plots import BADGE_MARGIN, fit_text, font, layout

COLORSCALE = "Blues"
SELECT_COLOR = "#d62728"
HEAD_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf", "#393b79", "#637939")
MAX_HOVER_CELLS = 12 * 24 * 24  # above this the small multiples hover with positions instead of words
LINE_LEVELS = 10  # the head view draws its lines at this many opacities (one trace each)
LINE_MIN = 0.02  # weights below this are not drawn
CONTEXT_MIN = 0.2  # with a word selected, the other words' links from this weight up, faint grey


def head_name(head: int | str, lang: str) -> str:
    return t(lang, "attention_head_mean") if head == "mean" else t(lang, "attention_head_n", n=int(head) + 1)


def select(attentions: np.ndarray, layer: int, head: int | str) -> np.ndarray:
    """The (T, T) matrix of ``layer`` and ``head`` (0-based), or the mean of the layer's heads."""
    return attentions[layer].mean(axis=0) if head == "mean" else attentions[layer, int(head)]


def _token_axes(fig: go.Figure, labels: Sequence[str], lang: str, row=None, col=None, ticks: bool = True) -> None:
    n = len(labels)
    step = max(1, int(np.ceil(n / 60)))  # at most ~60 tick labels
    vals = list(range(0, n, step))
    kw = dict(tickmode="array", tickvals=vals if ticks else [], ticktext=[labels[i] for i in vals] if ticks else [],
              showgrid=False, zeroline=False)
    if row is None:
        fig.update_xaxes(tickangle=-60, title_text=t(lang, "attention_axis_key"), range=[-0.5, n - 0.5], **kw)
        fig.update_yaxes(autorange="reversed", title_text=t(lang, "attention_axis_query"), **kw)
    else:
        fig.update_xaxes(row=row, col=col, **kw)
        fig.update_yaxes(row=row, col=col, autorange="reversed", **kw)


def _pair_text(labels: Sequence[str]) -> np.ndarray:
    lab = np.asarray(labels, dtype=object)
    return np.stack(np.broadcast_arrays(lab[:, None], lab[None, :]), axis=-1)  # (T, T, 2): query, key


def matrix_figure(labels: Sequence[str], m: np.ndarray, lang: str, title: str, selected: int | None = None,
                  colorbar: str | None = None, height: int | None = None) -> go.Figure:
    """A (T, T) attention-like matrix: rows are the tokens that look (queries), columns the tokens
    looked at (keys); the selected token's row is framed."""
    n = len(labels)
    fig = go.Figure(go.Heatmap(
        z=m, x=list(range(n)), y=list(range(n)), zmin=0, zmax=max(float(m.max()), 1e-6), colorscale=COLORSCALE,
        customdata=_pair_text(labels),
        colorbar=dict(title=dict(text=colorbar or t(lang, "attention_weight")), thickness=12),
        hovertemplate=t(lang, "attention_hover_pair") + "<extra></extra>"))
    _token_axes(fig, labels, lang)
    if selected is not None and 0 <= selected < n:
        fig.add_shape(type="rect", x0=-0.5, x1=n - 0.5, y0=selected - 0.5, y1=selected + 0.5,
                      line=dict(color=SELECT_COLOR, width=2))
    fig.update_layout(title=dict(text=title, font=dict(size=14)))
    side = height or int(np.clip(220 + 16 * n, 360, 900))
    return layout(fig, side, lang).update_layout(margin=dict(l=90, r=20, t=50, b=90))


def pattern_label(p: dict[str, Any], lang: str, first: str = "[CLS]", last: str = "[SEP]") -> str:
    """What a head mostly does; ``first`` and ``last`` name the model's special tokens (as Plotly
    shows text: "&lt;s&gt;", see :func:`escape`)."""
    kind = p["kind"]
    if kind == "broad":
        return t(lang, "attention_pat_broad", bits=num(lang, p["entropy"], 1))
    return t(lang, f"attention_pat_{kind}", pct=num(lang, 100 * p["score"][kind], 0), first=first, last=last)


def heads_figure(labels: Sequence[str], layer_att: np.ndarray, patterns: Sequence[dict], lang: str,
                 layer: int, selected_head: int | str | None = None, cols: int = 4) -> go.Figure:
    """Every head of one layer as small multiples, titled with what the head mostly does here.
    Drawn as one heatmap with gaps (twelve subplots cost ten times as much to build)."""
    H, T, _ = layer_att.shape
    rows = int(np.ceil(H / cols))
    gap = max(1, T // 8)
    size = T + gap
    z = np.full((rows * size - gap, cols * size - gap), np.nan)
    head_of = np.full(z.shape, -1)
    for h in range(H):
        r, c = divmod(h, cols)
        z[r * size:r * size + T, c * size:c * size + T] = layer_att[h]
        head_of[r * size:r * size + T, c * size:c * size + T] = h
    head_no = np.where(head_of >= 0, head_of + 1, 0)
    if H * T * T <= MAX_HOVER_CELLS:  # the words themselves in the hover
        idx = np.arange(z.shape[1]) % size, np.arange(z.shape[0]) % size
        lab = np.asarray(list(labels) + [""] * gap, dtype=object)
        q = np.broadcast_to(lab[idx[1]][:, None], z.shape)
        k = np.broadcast_to(lab[idx[0]][None, :], z.shape)
        custom = np.stack([head_no.astype(object), q, k], axis=-1)
        hover = t(lang, "attention_hover_head_pair")
    else:  # a long text: positions (strings for every cell made this figure 400 kB and 50 ms)
        q = np.broadcast_to((np.arange(z.shape[0]) % size)[:, None], z.shape)
        k = np.broadcast_to((np.arange(z.shape[1]) % size)[None, :], z.shape)
        custom = np.stack([head_no, q, k], axis=-1).astype(np.uint8)  # T ≤ 128 tokens, ≤ 12 heads
        hover = t(lang, "attention_hover_head_index")
    fig = go.Figure(go.Heatmap(
        z=z.astype(np.float32), zmin=0, zmax=1, colorscale=COLORSCALE, customdata=custom, hoverongaps=False,
        colorbar=dict(title=dict(text=t(lang, "attention_weight")), thickness=12),
        hovertemplate=hover + "<extra></extra>"))
    # annotations and shapes set at once: add_annotation copies every earlier one each time
    # (twelve heads: a third of this figure's cost)
    notes, shapes = [], []
    for h in range(H):
        r, c = divmod(h, cols)
        chosen = selected_head == h
        text = f"<b>{h + 1}</b> · {pattern_label(patterns[h], lang, labels[0], labels[-1])}"
        notes.append(dict(x=c * size + (T - 1) / 2, y=r * size - 0.5, yshift=2, text=text, showarrow=False,
                          yanchor="bottom", font=dict(size=10, color=SELECT_COLOR if chosen else "#333")))
        if chosen:
            shapes.append(dict(type="rect", x0=c * size - 0.5, x1=c * size + T - 0.5, y0=r * size - 0.5,
                               y1=r * size + T - 0.5, line=dict(color=SELECT_COLOR, width=2)))
    fig.update_layout(annotations=notes, shapes=shapes)
    fig.update_xaxes(visible=False, range=[-0.5, z.shape[1] - 0.5], constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_layout(title=dict(text=t(lang, "attention_heads_title", layer=layer + 1), font=dict(size=14)))
    return layout(fig, 620, lang).update_layout(margin=dict(l=10, r=10, t=60, b=10))


def head_view_figure(labels: Sequence[str], m: np.ndarray, lang: str, title: str,
                     selected: int | None = None) -> go.Figure:
    """bertviz's head view: the tokens twice, the ones that look on the left and the ones looked
    at on the right, a line for every weight ≥ LINE_MIN with the weight as its opacity. With a
    selected token its lines are drawn in colour, the other words' strong links faint grey behind,
    and the words it looks at are shaded by weight."""
    n = len(labels)
    fig = go.Figure()
    rows = [selected] if selected is not None and 0 <= selected < n else list(range(n))
    levels: list[list[float]] = [[] for _ in range(LINE_LEVELS)]
    levels_y: list[list[float]] = [[] for _ in range(LINE_LEVELS)]
    hi = max(float(m[rows].max()), 1e-6)
    for i in rows:
        for j in np.nonzero(m[i] >= LINE_MIN)[0]:
            k = min(LINE_LEVELS - 1, int(m[i, j] / hi * LINE_LEVELS))
            levels[k] += [0, 1, None]
            levels_y[k] += [i, j, None]
    if len(rows) == 1:  # the other words' strong links, faint, for context
        xs, ys = [], []
        for i in range(n):
            if i != rows[0]:
                for j in np.nonzero(m[i] >= CONTEXT_MIN)[0]:
                    xs += [0, 1, None]
                    ys += [i, j, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                     line=dict(color="#9aa5b1", width=1), opacity=0.25))
    for k in range(LINE_LEVELS):
        if levels[k]:
            fig.add_trace(go.Scatter(x=levels[k], y=levels_y[k], mode="lines", hoverinfo="skip", showlegend=False,
                                     line=dict(color="#1f77b4", width=1.5 + 2.5 * k / LINE_LEVELS),
                                     opacity=(k + 1) / LINE_LEVELS))
    left_color = ["#333"] * n
    if len(rows) == 1:
        left_color[rows[0]] = SELECT_COLOR
    weights = m[rows[0]] if len(rows) == 1 else m.mean(axis=0)
    fig.add_trace(go.Scatter(
        x=[-0.02] * n, y=list(range(n)), mode="text", text=list(labels), textposition="middle left",
        textfont=dict(color=left_color, size=12), showlegend=False, customdata=list(labels),
        hovertemplate=t(lang, "attention_hover_query") + "<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[1.02] * n, y=list(range(n)), mode="markers+text", text=list(labels), textposition="middle right",
        marker=dict(symbol="square", size=10, color=weights, colorscale=COLORSCALE, cmin=0, cmax=hi,
                    line=dict(width=0.5, color="#999")),
        textfont=dict(size=12), showlegend=False, customdata=weights,
        hovertemplate=t(lang, "attention_hover_key") + "<extra></extra>"))
    fig.update_xaxes(visible=False, range=[-0.75, 1.75], fixedrange=True)
    fig.update_yaxes(visible=False, autorange="reversed", range=None)
    fig.update_layout(title=dict(text=title, font=dict(size=14)), hovermode="closest")
    return layout(fig, int(np.clip(80 + 20 * n, 320, 1800)), lang).update_layout(margin=dict(l=10, r=10, t=50, b=10))


def token_heads_figure(labels: Sequence[str], attentions: np.ndarray, token: int, lang: str,
                       layer: int | None = None, head: int | str | None = None) -> go.Figure:
    """One token's row in every layer and head (rows "L1 H1" … "L6 H12"): which heads send this
    word to which others. The chosen layer and head are marked."""
    L, H, T, _ = attentions.shape
    z = attentions[:, :, token, :].reshape(L * H, T)
    names = [f"L{li + 1} H{h + 1}" for li in range(L) for h in range(H)]
    lab = np.asarray(labels, dtype=object)
    custom = np.stack(np.broadcast_arrays(np.asarray(names, dtype=object)[:, None], lab[None, :]), axis=-1)
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(T)), y=list(range(L * H)), zmin=0, zmax=max(float(z.max()), 1e-6), colorscale=COLORSCALE,
        customdata=custom, colorbar=dict(title=dict(text=t(lang, "attention_weight")), thickness=12),
        hovertemplate=t(lang, "attention_hover_token_head") + "<extra></extra>"))
    step = max(1, int(np.ceil(T / 60)))
    fig.update_xaxes(tickmode="array", tickvals=list(range(0, T, step)), ticktext=list(labels[::step]),
                     tickangle=-60, title_text=t(lang, "attention_axis_key"), showgrid=False)
    fig.update_yaxes(tickmode="array", tickvals=[li * H + (H - 1) / 2 for li in range(L)],
                     ticktext=[t(lang, "attention_layer_n", n=li + 1) for li in range(L)], autorange="reversed",
                     showgrid=False, title_text=t(lang, "attention_axis_heads"))
    # the lines between layers and the chosen head's frame set at once (add_hline copies each time)
    shapes = [dict(type="line", xref="x domain", x0=0, x1=1, y0=li * H - 0.5, y1=li * H - 0.5,
                   line=dict(color="white", width=2)) for li in range(1, L)]
    if layer is not None and head is not None:
        y0, y1 = (layer * H - 0.5, layer * H + H - 0.5) if head == "mean" else \
            (layer * H + int(head) - 0.5, layer * H + int(head) + 0.5)
        shapes.append(dict(type="rect", x0=-0.5, x1=T - 0.5, y0=y0, y1=y1, line=dict(color=SELECT_COLOR, width=2)))
    fig.update_layout(shapes=shapes)
    fig.update_layout(title=dict(text=t(lang, "attention_token_heads_title", token=escape(labels[token])),
                                 font=dict(size=14)))
    return layout(fig, 620, lang).update_layout(margin=dict(l=90, r=20, t=50, b=90))


def row_figure(labels: Sequence[str], row: np.ndarray, lang: str, title: str) -> go.Figure:
    """One token's attention row as bars over the tokens it looks at."""
    n = len(labels)
    top = set(np.argsort(-row)[:3].tolist())
    fig = go.Figure(go.Bar(
        x=list(range(n)), y=row, customdata=list(labels),
        marker=dict(color=[SELECT_COLOR if j in top else "#1f77b4" for j in range(n)]),
        hovertemplate=t(lang, "attention_hover_bar") + "<extra></extra>"))
    step = max(1, int(np.ceil(n / 60)))
    fig.update_xaxes(tickmode="array", tickvals=list(range(0, n, step)), ticktext=list(labels[::step]),
                     tickangle=-60, title_text=t(lang, "attention_axis_key"))
    fig.update_yaxes(title_text=t(lang, "attention_weight"), rangemode="tozero")
    fig.update_layout(title=dict(text=title, font=dict(size=14)), bargap=0.15)
    return layout(fig, 340, lang).update_layout(margin=dict(l=60, r=20, t=50, b=90))


def escape(s: str) -> str:
    """Text as Plotly and Markdown show it: "<s>" would open a strike-through, not show a token."""
    return s.replace("<", "&lt;").replace(">", "&gt;")


def similarity_figure(query: str, sentences: Sequence[str], sims: Sequence[float], lang: str) -> go.Figure:
    """Cosine similarity of each sentence to the query, highest first."""
    order = np.argsort(-np.asarray(sims))
    short = [s if len(s) <= 60 else s[:57] + "…" for s in sentences]
    ys = [short[i] for i in order][::-1]
    xs = [float(sims[i]) for i in order][::-1]
    fig = go.Figure(go.Bar(
        x=xs, y=list(range(len(ys))), orientation="h", customdata=[sentences[i] for i in order][::-1],
        marker=dict(color=xs, colorscale="RdBu", cmin=-1, cmax=1),
        text=[num(lang, v, 3) for v in xs], textposition="outside",
        hovertemplate="%{customdata}<br>cos θ = %{x:.3f}<extra></extra>"))
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(ys))), ticktext=[escape(s) for s in ys])
    fig.update_xaxes(title_text=t(lang, "attention_axis_cosine"), range=[min(0.0, min(xs) - 0.1), 1.12])
    q = query if len(query) <= 70 else query[:67] + "…"
    fig.update_layout(title=dict(text=t(lang, "attention_sim_title", query=escape(q)), font=dict(size=14)))
    return layout(fig, int(np.clip(120 + 34 * len(ys), 260, 900)), lang).update_layout(
        margin=dict(l=20, r=20, t=50, b=50))


def vectors_figure(names: Sequence[str], vectors: np.ndarray, lang: str) -> go.Figure:
    """The sentence embeddings themselves: 384 numbers each, one row per sentence."""
    lim = float(np.abs(vectors).max()) or 1.0
    fig = go.Figure(go.Heatmap(
        z=vectors, y=list(range(len(names))), zmin=-lim, zmax=lim, colorscale="RdBu_r",
        colorbar=dict(thickness=10), hovertemplate=t(lang, "attention_hover_dim") + "<extra></extra>"))
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(names))),
                     ticktext=[escape(n if len(n) <= 24 else n[:21] + "…") for n in names], autorange="reversed")
    fig.update_xaxes(title_text=t(lang, "attention_axis_dim", d=vectors.shape[1]))
    fig.update_layout(title=dict(text=t(lang, "attention_vectors_title"), font=dict(size=14)))
    return layout(fig, 200 + 24 * len(names), lang).update_layout(margin=dict(l=20, r=20, t=50, b=50))


def tokens_markdown(compared: attention.Comparison, model: str, lang: str, limit: int = 40) -> str:
    """How each model cuts the same text into pieces (the one in use first): its name, its
    tokenizer, how many pieces, and the pieces as its vocabulary writes them (the first ``limit``)."""
    order = [model] + [m for m in attention.MODELS if m != model]
    lines = [t(lang, "attention_tokens_heading")]
    for m in order:
        tk = compared.tokens[m]
        shown = " ".join("`" + p.replace("`", "ˋ") + "`" for p in tk.pieces[:limit])
        more = " …" if len(tk.pieces) > limit else ""
        lines.append(t(lang, f"attention_tokens_{m}", n=num(lang, tk.total), words=num(lang, _words(tk)),
                       pieces=shown + more, active=t(lang, "attention_tokens_active") if m == model else ""))
    return "\n\n".join(lines)


def _words(tk) -> int:
    return len({w for w in tk.word_ids if w is not None})


def text_summary(a: attention.Attention, labels: Sequence[str], matrices: np.ndarray, layer: int,
                 head: int | str, token: int, roll: np.ndarray, patterns: list[list[dict]],
                 units: str, compared: attention.Comparison | None = None) -> dict[str, Any]:
    """JSON for /attention_text: the model, the tokens (as shown, and ``pieces`` as the model reads
    them; ``pieces_by_model``: the same text in each model), the chosen head's matrix, the token's row in every
    head, rollout, and each head's pattern (matrices rounded to 6 decimals). ``layer`` is 1-based
    as the call takes it; ``head`` and ``token`` are 0-based as the call takes them (the page shows
    head h as h + 1); ``token_rows`` and ``head_patterns`` are indexed [layer − 1][head]."""
    m = select(matrices, layer, head)
    info = attention.INFO[a.model]
    return {
        "model": a.model, "model_name": info.name, "tokenizer": info.tokenizer,
        "units": units, "tokens": list(labels), "pieces": list(a.tokens), "word_pieces": list(a.tokens),
        "pieces_by_model": {m: tk.pieces for m, tk in compared.tokens.items()} if compared else None,
        "layers": int(matrices.shape[0]), "heads": int(matrices.shape[1]),
        "layer": layer + 1, "head": head, "token": token, "token_text": labels[token],
        "truncated": a.truncated, "total_tokens": a.total_tokens, "token_limit": attention.MAX_TOKENS,
        "matrix": np.round(m, 6).tolist(),
        "row": np.round(m[token], 6).tolist(),
        "token_rows": np.round(matrices[:, :, token, :], 6).tolist(),
        "rollout": np.round(roll, 6).tolist(),
        "head_patterns": [[{"kind": p["kind"], "score": {k: round(v, 4) for k, v in p["score"].items()},
                            "entropy_bits": round(p["entropy"], 3)} for p in row] for row in patterns],
    }


# ------------------------------------------------------------------------ the Vision Transformer

VIT_TILE = 280  # 40 px per patch of the 7 × 7 grid, 10 per pixel of 28 × 28
VIT_SMALL = 112  # 16 px per patch


def mark_patch(img: Image.Image, token: int, grid: int) -> Image.Image:
    """A red frame around the patch of ``token`` (1..g²); nothing for [CLS] (token 0)."""
    if token <= 0:
        return img
    r, c = divmod(token - 1, grid)
    cell = img.width / grid
    ImageDraw.Draw(img).rectangle([round(c * cell), round(r * cell), round((c + 1) * cell) - 1,
                                   round((r + 1) * cell) - 1], outline=(214, 39, 40), width=3)
    return img


VIT_HEAD, VIT_GAP = 40, 14  # two title lines above each tile
VIT_TOP = BADGE_MARGIN + 16  # Gradio's label badge covers more of a picture shown scaled down


def vit_panel_patch(x: float, y: float, grid: int, tile: int = VIT_TILE) -> int | None:
    """The patch token (1..g²) under pixel (x, y) of :func:`vit_panels`' picture, whichever tile
    was clicked; None between tiles."""
    col_w = tile + VIT_GAP
    i, dx = divmod(x - 8, col_w)
    dy = y - (VIT_TOP + VIT_HEAD)
    if i < 0 or not (0 <= dx < tile and 0 <= dy < tile):
        return None
    cell = tile / grid
    return 1 + int(dy // cell) * grid + int(dx // cell)


def vit_panels(tiles: Sequence[tuple[str, str, Image.Image, str]], lang: str, tile: int = VIT_TILE) -> Image.Image:
    """Tiles (title, subtitle, picture, note) side by side: two title lines above, notes below
    (two lines at most, split at "\n")."""
    fnt, small = font(13), font(11)
    cell_w = tile + VIT_GAP
    canvas = Image.new("RGB", (len(tiles) * cell_w + 8, VIT_TOP + VIT_HEAD + tile + 38), "white")
    d = ImageDraw.Draw(canvas)
    for i, (title, subtitle, img, note) in enumerate(tiles):
        x0, y0 = 8 + i * cell_w, VIT_TOP
        d.text((x0, y0 + 2), fit_text(d, title, fnt, tile), fill=(20, 20, 20), font=fnt)
        d.text((x0, y0 + 20), fit_text(d, subtitle, small, tile), fill=(70, 70, 70), font=small)
        canvas.paste(img.resize((tile, tile), Image.NEAREST), (x0, y0 + VIT_HEAD))
        for k, line in enumerate(note.split("\n")[:2]):
            d.text((x0, y0 + VIT_HEAD + tile + 4 + 14 * k), fit_text(d, line, small, tile), fill=(40, 90, 160),
                   font=small)
    return canvas


def vit_heads_mosaic(x: np.ndarray, att: np.ndarray, token: int, lang: str, layer: int | None = None,
                     head: int | str | None = None) -> Image.Image:
    """Where ``token`` ([CLS] = 0, or a patch) looks in every layer (rows) and head (columns, then
    the heads' mean), each tile scaled to its own maximum; the chosen layer and head framed."""
    from explorer.attention import vit

    L, H = att.shape[:2]
    grid = vit.grid_size(att)
    fnt = font(12)
    left, top, gap = 70, VIT_TOP + 22, 6
    cols = H + 1
    canvas = Image.new("RGB", (left + cols * (VIT_SMALL + gap) + 4, top + L * (VIT_SMALL + gap) + 4), "white")
    d = ImageDraw.Draw(canvas)
    for c in range(cols):
        name = t(lang, "attention_vit_mean_short") if c == H else t(lang, "attention_head_n", n=c + 1)
        d.text((left + c * (VIT_SMALL + gap), top - 18), fit_text(d, name, fnt, VIT_SMALL), fill=(20, 20, 20), font=fnt)
    for li in range(L):
        y = top + li * (VIT_SMALL + gap)
        d.text((4, y + VIT_SMALL // 2 - 7), t(lang, "attention_layer_n", n=li + 1), fill=(20, 20, 20), font=fnt)
        for c in range(cols):
            h = "mean" if c == H else c
            amap = vit.head_attention(att, li, h)[token, 1:].reshape(grid, grid)
            img = mark_patch(vit.heat_overlay(x, amap, side=VIT_SMALL, grid_lines=False), token, grid)
            xx = left + c * (VIT_SMALL + gap)
            canvas.paste(img, (xx, y))
            if layer == li and head == h:
                d.rectangle([xx - 3, y - 3, xx + VIT_SMALL + 2, y + VIT_SMALL + 2], outline=(214, 39, 40), width=3)
    return canvas


def probs_figure(rows: Sequence[tuple[str, np.ndarray]], names: Sequence[str], lang: str) -> go.Figure:
    """Each model's probability for every class, side by side."""
    fig = go.Figure()
    for (label, p), color in zip(rows, ("#1f77b4", "#ff7f0e")):
        fig.add_trace(go.Bar(y=list(names), x=100 * np.asarray(p), name=label, orientation="h",
                             marker_color=color, hovertemplate="%{y}: %{x:.1f} %<extra>" + label + "</extra>"))
    fig.update_xaxes(title_text=t(lang, "attention_vit_axis_prob"), range=[0, 100], ticksuffix=" %")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(barmode="group", title=dict(text=t(lang, "attention_vit_probs_title"), font=dict(size=14)))
    return layout(fig, 380, lang).update_layout(margin=dict(l=110, r=20, t=80, b=50))
