"""explorer.export: a tab's Plotly figures in one self-contained HTML page."""
import datetime
import json
import re
from html.parser import HTMLParser

import plotly.graph_objects as go
import pytest

from explorer import export


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs, self.inline, self._in, self.title, self._t, self.h2 = [], [], False, "", False, []
        self._h2 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.srcs.append(a["src"])
            self._in = True
            self.inline.append("")
        self._t = tag == "title"
        self._h2 = tag == "h2"
        if tag in ("link", "img", "iframe") and re.match(r"https?:", a.get("href") or a.get("src") or ""):
            self.srcs.append(a.get("href") or a.get("src"))

    def handle_endtag(self, tag):
        self._in = self._in and tag != "script"
        self._t = self._h2 = False

    def handle_data(self, data):
        if self._in:
            self.inline[-1] += data
        if self._t:
            self.title += data
        if self._h2:
            self.h2.append(data)


def figures():
    a = go.Figure(go.Scatter(x=[1, 2, 3], y=[0.125, 0.5, 0.875], name="loss"),
                  layout=dict(title="Training loss", xaxis_title="step", yaxis_title="loss"))
    b = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]))
    return [("Curves <1>", a), ("Attention matrix", b.to_json()), ("Head view", json.loads(a.to_json()))]


def test_one_page_holds_every_figure_with_its_title_and_opens_offline():
    page = export.html_page(figures(), "Atención · Deep Learning Explorer · 01/02/2025 10:00", "3 figuras", "es")
    p = Scripts()
    p.feed(page)
    assert p.srcs == []  # nothing fetched from a network
    plotly_js = [s for s in p.inline if "plotly.js" in s[:2000].lower() or "Plotly" in s[:5000]]
    assert len([s for s in p.inline if len(s) > 1_000_000]) == 1  # plotly.js embedded, once
    assert plotly_js
    assert p.title == "Atención · Deep Learning Explorer · 01/02/2025 10:00"
    assert p.h2 == ["Curves <1> — Training loss", "Attention matrix", "Head view — Training loss"]
    assert '<html lang="es">' in page and "Curves &lt;1&gt;" in page
    # each figure's data and title are in the page (Plotly.newPlot with its JSON)
    calls = re.findall(r'Plotly\.newPlot\(\s*"(figure-\d)",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{', page, re.S)
    assert [c[0] for c in calls] == ["figure-1", "figure-2", "figure-3"]
    data = [json.loads(c[1]) for c in calls]
    assert data[0][0]["y"] == [0.125, 0.5, 0.875] and data[1][0]["z"] == [[1, 2], [3, 4]]
    assert json.loads(calls[0][2])["title"]["text"] == "Training loss"


def test_what_a_gr_plot_hands_the_handler():
    fig = go.Figure(go.Bar(x=["a"], y=[1]))

    class PlotData:  # gradio.components.plot.PlotData's two fields
        type, plot = "plotly", fig.to_json()

    assert export.to_figure(export.figure_payload(PlotData())).data[0].y == (1,)
    assert export.figure_payload({"type": "plotly", "plot": fig.to_json()}) == fig.to_json()
    assert export.figure_payload(None) is None
    with pytest.raises(export.ExportError) as e:
        export.figure_payload({"type": "matplotlib", "plot": "data:image/png;base64,xx"})
    assert e.value.kind == "not_plotly"
    with pytest.raises(export.ExportError) as e:
        export.figure_payload({"type": "plotly", "plot": "{not json"})
    assert e.value.kind == "unreadable"
    with pytest.raises(export.ExportError):
        export.to_figure(12)


def test_axes_with_no_trace_are_no_figure_to_export():
    """The Train tab's idle curves (axes labelled in the page's language, no trace yet) are drawn
    as soon as the page has its language: exporting them must say "no figure", not write a page."""
    from explorer import plots

    idle = plots.curves_figure([], "es")  # what train_view.curves draws before any training
    assert len(idle.data) == 0
    for empty in (idle, idle.to_json(), {"type": "plotly", "plot": idle.to_json()}, idle.to_dict()):
        assert export.figure_payload(empty) is None
    drawn = go.Figure(go.Scatter(x=[], y=[]))  # a trace, even with no point yet, is kept
    assert export.figure_payload({"type": "plotly", "plot": drawn.to_json()}) == drawn.to_json()


def test_file_name_names_the_tab_and_the_time():
    when = datetime.datetime(2025, 3, 4, 9, 5)
    assert export.file_name("attention", when) == "deep-learning-explorer-attention-2025-03-04-0905.html"
    assert export.file_name("../etc", when) == "deep-learning-explorer-etc-2025-03-04-0905.html"


def test_an_animation_drawn_whole_plays_in_the_page_as_in_the_app():
    """A figure marked WHOLE_FRAMES (the playground: heatmaps its frames change) keeps its frames in
    layout.meta as the app made them, and the page gives them to plotly.js with the app's own
    function; other animations keep plotly.js's frames."""
    from explorer.plots import ADD_FRAMES_JS, WHOLE_FRAMES, RawFigure

    frames = [dict(name=str(k), data=[dict(z=[[k, 1], [2, 3]])], traces=[0], layout=dict(title=dict(text=f"s{k}")))
              for k in range(3)]
    whole = RawFigure(dict(data=[dict(type="heatmap", z=[[0, 1], [2, 3]])], frames=frames,
                           layout=dict(meta={WHOLE_FRAMES: True})))
    moving = RawFigure(dict(data=[dict(type="scatter", x=[0], y=[0])], frames=[
        dict(name="1", data=[dict(type="scatter", x=[1], y=[1])])]))
    page = export.html_page([("A", whole.to_json()), ("B", moving.to_json())], "t", "", "en")
    layouts = []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"figure-\d",\s*', page):
        dec = json.JSONDecoder()
        _, end = dec.raw_decode(page, m.end())  # the data
        layouts.append(dec.raw_decode(page, page.index("{", end))[0])
    assert layouts[0]["meta"]["frames"] == frames  # untouched: no "type" written into the heatmap's updates
    assert page.count(ADD_FRAMES_JS.strip()) == 1 and "document.getElementById('figure-1')" in page
    assert "frames" not in layouts[1].get("meta", {})
    assert re.search(r"Plotly\.addFrames\('figure-2'", page)  # plotly.py's own way for the other one
