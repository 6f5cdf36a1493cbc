"""A tab's Plotly figures as one self-contained HTML page: plotly.js embedded once (the page works
offline, with every figure still interactive — zoom, hover, the PNG camera), each figure under its
title, the page titled with the tab's name and the date.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from explorer.plots import ADD_FRAMES_JS, WHOLE_FRAMES, frames_back, frames_in_meta


class ExportError(ValueError):
    """A figure that is not a Plotly figure (``kind`` "not_plotly" or "unreadable")."""

    def __init__(self, kind: str, **details: Any):
        super().__init__(kind)
        self.kind, self.details = kind, details


def to_figure(value: Any) -> go.Figure:
    """A Plotly figure from what a gr.Plot holds: a go.Figure, its dict, or its JSON text."""
    if isinstance(value, go.Figure):
        return value
    try:
        if isinstance(value, (str, bytes)):
            value = json.loads(value)
        if isinstance(value, dict):  # an animation's frames, kept in the layout for the page: back in place,
            # unless the page's own function gives them (html_page), as it does in the app
            meta = (value.get("layout") or {}).get("meta")
            whole = isinstance(meta, dict) and meta.get(WHOLE_FRAMES)
            return go.Figure(value if whole else frames_back(value), skip_invalid=True)
    except (ValueError, TypeError) as err:
        raise ExportError("unreadable", detail=type(err).__name__) from None
    raise ExportError("not_plotly", type=type(value).__name__)


def figure_title(fig: go.Figure) -> str:
    t = fig.layout.title
    return (t.text or "") if t is not None else ""


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 1100px;
       padding: 0 1em; color: #1f2937; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } .meta { color: #6b7280; margin-top: 0; }
section { margin: 2.5em 0; } h2 { font-size: 1.2em; border-bottom: 1px solid #e5e7eb; padding-bottom: 0.2em; }
"""


def html_page(figures: Iterable[tuple[str, Any]], title: str, subtitle: str = "", lang: str = "en") -> str:
    """One HTML page holding ``figures`` — (heading, figure) pairs, a figure as ``to_figure``
    takes it — under ``title``. plotly.js is written into the page once, so it needs no network.
    Each figure keeps its own title inside the plot; the heading names where it came from."""
    from plotly.offline import get_plotlyjs

    sections = []
    for i, (heading, value) in enumerate(figures):
        fig = to_figure(value)
        post = None
        meta = fig.layout.meta
        if isinstance(meta, dict) and meta.get(WHOLE_FRAMES):
            # played as in the app: the frames given to plotly.js by the page's own function (see there)
            # from layout.meta.frames, where they stay as the app made them (go.Figure would have
            # written a "scatter" type into each frame's heatmap updates)
            if fig.frames:
                fig = go.Figure(frames_in_meta(fig.to_plotly_json()), skip_invalid=True)
            post = f"({ADD_FRAMES_JS.strip()})(document.getElementById('{{plot_id}}'));"
        div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"figure-{i + 1}",
                          config={"displaylogo": False, "responsive": True}, post_script=post)
        sub = figure_title(fig)
        h = html.escape(heading) + (f" — {html.escape(sub)}" if sub and sub != heading else "")
        sections.append(f'<section>\n<h2>{h}</h2>\n{div}\n</section>')
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n"
            f'<script type="text/javascript">{get_plotlyjs()}</script>\n</head>\n<body>\n'
            f"<h1>{html.escape(title)}</h1>\n" + (f'<p class="meta">{html.escape(subtitle)}</p>\n' if subtitle else "")
            + "\n".join(sections) + "\n</body>\n</html>\n")


def file_name(tab: str, when: _dt.datetime | None = None) -> str:
    """``deep-learning-explorer-<tab>-<YYYY-MM-DD-HHMM>.html``."""
    when = when or _dt.datetime.now()
    safe = "".join(c for c in tab if c.isalnum() or c in "-_") or "tab"
    return f"deep-learning-explorer-{safe}-{when:%Y-%m-%d-%H%M}.html"


def figure_payload(value: Any) -> Any:
    """What a gr.Plot hands a handler (Gradio's PlotData: ``type`` and ``plot``, the JSON text; a
    dict of those over the API) as ``to_figure`` takes it, or None for an empty plot: nothing drawn,
    or axes with no trace (the Train tab draws its curves' axes, labelled in the page's language, as
    soon as the page has its language, before any training — that is no figure to export)."""
    if value is None:
        return None
    kind = getattr(value, "type", None) if not isinstance(value, dict) else value.get("type")
    plot = getattr(value, "plot", None) if not isinstance(value, dict) else value.get("plot")
    if kind is None and plot is None:
        return value if has_traces(value) else None
    if kind != "plotly":
        raise ExportError("not_plotly", type=str(kind)[:20])
    return plot if has_traces(plot) else None


def has_traces(value: Any) -> bool:
    """Whether a figure (as ``to_figure`` takes it) has at least one trace; unreadable JSON raises
    ExportError, anything else not a Plotly figure is left to ``to_figure`` to refuse."""
    if isinstance(value, go.Figure):
        return len(value.data) > 0
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            raise ExportError("unreadable", detail="JSON") from None
    if isinstance(value, dict):
        return bool(value.get("data"))
    return True
