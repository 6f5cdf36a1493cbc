"""The network playground's pictures: one animated Plotly figure per run — the network drawn as in
TensorFlow Playground (every neuron shows its own output over the plane, every weight is a line
whose width and colour are its size and sign), the decision regions with the training and test
points, and the loss curves with the step being shown — played, paused and rewound by the browser
with one slider for all three; and the comparison of two runs.

Figures are built as plain dicts (a run has ~40 frames of ~50 traces each; Plotly's validating
objects took most of a second to build them) and handed to Gradio as ``plots.RawFigure``; arrays
travel as Plotly's typed arrays (base64), one byte per pixel of a neuron's picture.
"""
from __future__ import annotations

import numpy as np

from explorer.basics import data2d
from explorer.basics.compute import GRID, NEURON_GRID, Frame, Run
from explorer.i18n import num, nums, t
from explorer.plots import WHOLE_FRAMES, RawFigure, typed

CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728")  # Playground's orange and blue first
POS_COLOR, NEG_COLOR = "#0877bd", "#f59322"
NEURON_SCALE = [[0.0, NEG_COLOR], [0.5, "#ffffff"], [1.0, POS_COLOR]]
BUCKETS = 6  # shades of confidence in the decision regions
WIDTH_BINS = (0.25, 0.75, 1.5)  # |w| bins → line widths
WIDTHS = (0.6, 1.6, 3.2, 5.5)
FRAME_MS = 150


def _hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def region_scale(classes: int) -> list:
    """A discrete colour scale: value c·BUCKETS + b is class c's colour at shade b (paler = less sure)."""
    stops, n = [], classes * BUCKETS
    for c in range(classes):
        r, g, b = _hex_rgb(CLASS_COLORS[c])
        for k in range(BUCKETS):
            a = 0.12 + 0.55 * k / (BUCKETS - 1)
            col = f"rgb({round(255 + (r - 255) * a)},{round(255 + (g - 255) * a)},{round(255 + (b - 255) * a)})"
            i = c * BUCKETS + k
            stops += [[i / n, col], [(i + 1) / n, col]]
    stops[-1][0] = 1.0
    return stops


def region_values(frame: Frame, classes: int) -> np.ndarray:
    """The decision regions as the discrete scale's values, GRID × GRID, uint8."""
    share = (frame.region_conf - 1.0 / classes) / (1.0 - 1.0 / classes)
    bucket = np.clip(np.floor(share * BUCKETS), 0, BUCKETS - 1).astype(np.uint8)
    return (frame.region_class * BUCKETS + bucket).reshape(GRID, GRID)


def _neuron_picture(z: np.ndarray) -> np.ndarray:
    """A neuron's outputs over the grid as bytes 0..255 around 128 = 0, scaled by its largest |value|
    (its shape, not its size: the size is in the hover of its lines)."""
    return _neuron_pictures(z[None])[0]


def _neuron_pictures(z: np.ndarray) -> np.ndarray:
    """:func:`_neuron_picture` of each row of ``z`` (neurons, grid points), in one operation."""
    m = np.abs(z).max(1, keepdims=True)
    m[m == 0] = 1.0
    return np.round((z / m + 1) * 127.5).astype(np.uint8).reshape(len(z), NEURON_GRID, NEURON_GRID)


def _feature_pictures(names: tuple[str, ...]) -> list[np.ndarray]:
    pts = data2d.grid(NEURON_GRID)
    cols = data2d.features(pts, names)
    return [_neuron_picture(cols[:, i]) for i in range(cols.shape[1])]


class _Layout:
    """Where the network's nodes sit, in the figure's paper coordinates (the diagram takes the left
    ``right`` share of the width)."""

    def __init__(self, sizes: list[int], right: float = 0.54):
        self.sizes = sizes
        ncol = len(sizes)
        self.col_x = [0.04 + (right - 0.08) * i / (ncol - 1) for i in range(ncol)]
        tallest = max(sizes[:-1])
        self.box_h = min(0.8 / tallest, 0.16)
        self.box_w = min((right - 0.08) / (ncol - 1) * 0.42, 0.075)

    def node(self, col: int, i: int) -> tuple[float, float]:
        n = self.sizes[col]
        top = 0.5 + (n - 1) / 2 * self.box_h * 1.22
        return self.col_x[col], top - i * self.box_h * 1.22


class _Edges:
    """The weights as lines: 2 signs × 4 widths, and one invisible marker per weight that says its
    value on hover. Where each line runs and what each marker is called never change: worked out
    once per figure; a frame only sorts the weights into the 8 line traces and writes their values
    (a run has ~40 frames of ~100 weights: done weight by weight, this was half the figure's time)."""

    def __init__(self, lay: _Layout, node_names: list[list[str]]):
        seg_x, seg_y, hx, hy, self.names = [], [], [], [], []
        for layer in range(len(lay.sizes) - 1):
            for j in range(lay.sizes[layer + 1]):
                x1, y1 = lay.node(layer + 1, j)
                for i in range(lay.sizes[layer]):
                    x0, y0 = lay.node(layer, i)
                    xa, xb = round(x0 + lay.box_w / 2, 4), round(x1 - lay.box_w / 2, 4)
                    seg_x.append((xa, xb, None))
                    seg_y.append((round(y0, 4), round(y1, 4), None))
                    hx.append(round(0.35 * xa + 0.65 * xb, 4))
                    hy.append(round(0.35 * y0 + 0.65 * y1, 4))
                    self.names.append(f"{node_names[layer][i]} → {node_names[layer + 1][j]}")
        self.seg_x, self.seg_y, self.hx, self.hy = seg_x, seg_y, hx, hy

    def traces(self, frame: Frame, lang: str, full: bool = True) -> list[dict]:
        """``full``: the traces as first drawn; else what a frame changes (the lines, and the
        markers' values)."""
        v = np.concatenate([w.ravel() for w, _ in frame.weights])  # weight [j, i] of each layer, in order
        sign = np.where(v >= 0, 1, -1)
        width = np.searchsorted(WIDTH_BINS, np.abs(v))
        out = []
        for s in (1, -1):
            for b in range(len(WIDTHS)):
                idx = np.flatnonzero((sign == s) & (width == b)).tolist()
                xs = [c for e in idx for c in self.seg_x[e]]
                ys = [c for e in idx for c in self.seg_y[e]]
                out.append(dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                xaxis="x", yaxis="y", line=dict(color=POS_COLOR if s > 0 else NEG_COLOR,
                                                                width=WIDTHS[b]), opacity=0.75)
                           if full else dict(x=xs, y=ys))
        values = nums(lang, v.tolist(), 3)
        out.append(dict(type="scatter", x=self.hx, y=self.hy, customdata=self.names, text=values, mode="markers",
                        hovertemplate="%{customdata}<br>w = %{text}<extra></extra>", marker=dict(size=7, opacity=0),
                        showlegend=False, xaxis="x", yaxis="y") if full else dict(text=values))
        return out


def _title(run: Run, frame: Frame, lang: str) -> str:
    rec = next(r for r in run.records if r["step"] == frame.step)
    test = rec["test_loss"]
    parts = [t(lang, "basics_pg_step", step=num(lang, frame.step), epoch=num(lang, rec["epoch"], 1)),
             t(lang, "basics_pg_train_loss", loss=num(lang, rec["train_loss"], 3))]
    if test is not None:
        parts.append(t(lang, "basics_pg_test_loss", loss=num(lang, test, 3),
                       acc=num(lang, 100 * rec["test_acc"], 1)))
    return " · ".join(parts)


def _class_name(lang: str, c: int) -> str:
    return t(lang, "basics_class", n=c)


def playground_figure(run: Run, lang: str, label: str = "") -> RawFigure:
    """The run as one animated figure (see the module's text). ``label`` names the run (A, B) in
    its title when two are shown side by side."""
    cfg, data = run.config, run.data
    k = data.classes
    sizes = [len(cfg.features), *cfg.hidden, k]
    lay = _Layout(sizes)
    names = [[data2d.FEATURE_TEXT[f] for f in cfg.features]]
    names += [[f"h{li + 1},{j + 1}" for j in range(h)] for li, h in enumerate(cfg.hidden)]
    names.append([_class_name(lang, c) for c in range(k)])
    traces: list[dict] = []
    axes: dict = {}
    first = run.frames[0]
    # 1. the weights (frame-dependent), on the diagram's own axes
    edge_idx = list(range(len(WIDTHS) * 2 + 1))
    edges = _Edges(lay, names)
    traces += edges.traces(first, lang)
    axes["xaxis"] = dict(domain=[0, 0.56], range=[0, 0.56], visible=False, fixedrange=True)
    axes["yaxis"] = dict(domain=[0, 1], range=[0, 1], visible=False, fixedrange=True)
    # 2. the neurons' pictures: inputs (fixed), hidden (frame-dependent); outputs as coloured dots
    ax = 4  # axes 2 and 3 are the regions and the losses
    neuron_idx = []
    pictures = _feature_pictures(cfg.features)
    annotations = []
    for col, n in enumerate(sizes[:-1]):
        for i in range(n):
            cx, cy = lay.node(col, i)
            z = pictures[i] if col == 0 else _neuron_picture(first.neurons[col - 1][i])
            if col > 0:
                neuron_idx.append(len(traces))
            traces.append(dict(type="heatmap", z=typed(z), zmin=0, zmax=255, colorscale=NEURON_SCALE,
                               showscale=False, hoverinfo="skip", xaxis=f"x{ax}", yaxis=f"y{ax}"))
            axes[f"xaxis{ax}"] = dict(domain=[cx - lay.box_w / 2, cx + lay.box_w / 2], visible=False,
                                      fixedrange=True)
            axes[f"yaxis{ax}"] = dict(domain=[cy - lay.box_h / 2, cy + lay.box_h / 2], visible=False,
                                      fixedrange=True)
            annotations.append(dict(x=cx, y=cy - lay.box_h / 2, xref="paper", yref="paper", text=names[col][i],
                                    showarrow=False, yanchor="top", font=dict(size=10)))
            ax += 1
    ox = [lay.node(len(sizes) - 1, c) for c in range(k)]
    traces.append(dict(type="scatter", x=[p[0] for p in ox], y=[p[1] for p in ox], mode="markers+text",
                       text=names[-1], textposition="middle right", hoverinfo="skip", showlegend=False,
                       marker=dict(size=16, color=list(CLASS_COLORS[:k]), line=dict(width=1, color="#333")),
                       xaxis="x", yaxis="y", cliponaxis=False))
    # 3. the decision regions (frame-dependent) and the points
    ticks = np.linspace(-data2d.EXTENT, data2d.EXTENT, GRID).round(3)
    region_idx = len(traces)
    traces.append(dict(type="heatmap", x=typed(ticks), y=typed(ticks), z=typed(region_values(first, k)),
                       colorscale=region_scale(k), zmin=-0.5, zmax=k * BUCKETS - 0.5, showscale=False,
                       hoverinfo="skip", xaxis="x2", yaxis="y2"))
    for split, xs, ys in (("train", data.x_train, data.y_train), ("test", data.x_test, data.y_test)):
        for c in range(k):
            pts = xs[ys == c]
            if len(pts) == 0:
                continue
            traces.append(dict(
                type="scatter", x=typed(pts[:, 0].round(3)), y=typed(pts[:, 1].round(3)), mode="markers",
                name=f"{_class_name(lang, c)} · {t(lang, 'basics_' + split)}", xaxis="x2", yaxis="y2",
                legendgroup=split, marker=dict(size=6 if split == "train" else 7, color=CLASS_COLORS[c],
                                               symbol="circle" if split == "train" else "circle-open",
                                               line=dict(width=0.6 if split == "train" else 1.6,
                                                         color="white" if split == "train" else CLASS_COLORS[c])),
                hovertemplate=f"{_class_name(lang, c)} · {t(lang, 'basics_' + split)}<br>x₁ %{{x:.2f}}, "
                              f"x₂ %{{y:.2f}}<extra></extra>"))
    lim = [-data2d.EXTENT, data2d.EXTENT]
    axes["xaxis2"] = dict(domain=[0.64, 1], range=lim, title=dict(text="x₁"), anchor="y2", constrain="domain")
    axes["yaxis2"] = dict(domain=[0.4, 1], range=lim, title=dict(text="x₂"), anchor="x2", scaleanchor="x2")
    # 4. the losses, with the step shown
    steps = [r["step"] for r in run.records]
    for key, color, dash in (("train_loss", "#1f77b4", "solid"), ("test_loss", "#ff7f0e", "dash")):
        name = t(lang, f"basics_{key}")
        traces.append(dict(type="scatter", x=steps, y=[r[key] for r in run.records], mode="lines", name=name,
                           line=dict(color=color, dash=dash, width=2), xaxis="x3", yaxis="y3",
                           hovertemplate=f"{t(lang, 'basics_axis_step')} %{{x}}<br>{name}: %{{y:.3f}}<extra></extra>"))
    finite = [r[key] for r in run.records for key in ("train_loss", "test_loss") if r[key] is not None]
    top = max(finite) * 1.05 if finite else 1.0
    cursor_idx = len(traces)
    traces.append(dict(type="scatter", x=[first.step, first.step], y=[0, top], mode="lines", hoverinfo="skip",
                       showlegend=False, line=dict(color="#444", width=1.5, dash="dot"), xaxis="x3", yaxis="y3"))
    axes["xaxis3"] = dict(domain=[0.64, 1], title=dict(text=t(lang, "basics_axis_step")), anchor="y3",
                          range=[0, max(steps[-1], 1)])
    axes["yaxis3"] = dict(domain=[0, 0.24], title=dict(text=t(lang, "basics_axis_loss_short")), anchor="x3",
                          range=[0, top], rangemode="tozero")
    # frames: the weights, the hidden neurons, the regions and the cursor change
    changing = edge_idx + neuron_idx + [region_idx, cursor_idx]
    frames, slider_steps = [], []
    heading = (f"{label} · " if label else "")
    for fr in run.frames:
        data_upd = edges.traces(fr, lang, full=False)
        if cfg.hidden:  # every hidden neuron's picture, layer by layer
            data_upd += [dict(z=typed(p)) for p in _neuron_pictures(np.concatenate(fr.neurons))]
        data_upd += [dict(z=typed(region_values(fr, k))), dict(x=[fr.step, fr.step], y=[0, top])]
        name = str(fr.step)
        frames.append(dict(name=name, data=data_upd, traces=changing,
                           layout=dict(title=dict(text=heading + _title(run, fr, lang)))))
        slider_steps.append(dict(method="animate", label=num(lang, fr.step),
                                 args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                    transition=dict(duration=0))]))
    last = run.frames[-1]
    # the figure opens on the last step (the result); play starts again from the first
    for i, upd in zip(changing, frames[-1]["data"]):
        traces[i] = {**traces[i], **upd}
    layout = dict(
        height=640, margin=dict(l=10, r=20, t=60, b=150), title=dict(text=heading + _title(run, last, lang)),
        legend=dict(orientation="h", x=1, y=-0.2, xanchor="right", yanchor="top", font=dict(size=10)),
        annotations=annotations, hovermode="closest", separators=",\u202f" if lang == "es" else ".,",
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.035, xanchor="left", yanchor="top",
                          showactive=False, pad=dict(t=0, r=8), buttons=[
                              dict(label=t(lang, "basics_play"), method="animate",
                                   args=[None, dict(frame=dict(duration=FRAME_MS, redraw=True), fromcurrent=False,
                                                    transition=dict(duration=0), mode="immediate")]),
                              dict(label=t(lang, "basics_pause"), method="animate",
                                   args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                                      transition=dict(duration=0))])])],
        sliders=[dict(active=len(frames) - 1, x=0.15, len=0.43, y=-0.01, yanchor="top", steps=slider_steps,
                      # its value at the right end: at the left it hid under the play and pause buttons
                      currentvalue=dict(prefix=t(lang, "basics_axis_step") + ": ", font=dict(size=12), xanchor="right"),
                      pad=dict(t=10, b=0))],
        meta={"kind": "playground", "steps": [f.step for f in run.frames], WHOLE_FRAMES: True},
        **axes)
    return RawFigure(dict(data=traces, layout=layout, frames=frames))


def compare_figure(a: Run, b: Run, labels: tuple[str, str], lang: str) -> RawFigure:
    """Two runs' training and test loss and test accuracy, step by step, on the same axes."""
    traces = []
    for run, label, color in ((a, labels[0], "#1f77b4"), (b, labels[1], "#d62728")):
        steps = [r["step"] for r in run.records]
        for key, dash, axis in (("train_loss", "solid", ("x", "y")), ("test_loss", "dash", ("x", "y")),
                                ("test_acc", "solid", ("x2", "y2"))):
            vals = [None if r[key] is None else (100 * r[key] if key == "test_acc" else r[key])
                    for r in run.records]
            name = f"{label} · {t(lang, f'basics_{key}')}"
            traces.append(dict(type="scatter", x=steps, y=vals, mode="lines", name=name, xaxis=axis[0],
                               yaxis=axis[1], line=dict(color=color, dash=dash, width=2),
                               hovertemplate=f"{t(lang, 'basics_axis_step')} %{{x}}<br>{name}: %{{y:.3f}}"
                                             "<extra></extra>"))
    layout = dict(
        height=340, margin=dict(l=60, r=20, t=60, b=50), title=dict(text=t(lang, "basics_compare_title")),
        legend=dict(orientation="h", y=-0.25, x=0), separators=",\u202f" if lang == "es" else ".,",
        xaxis=dict(domain=[0, 0.45], title=dict(text=t(lang, "basics_axis_step"))),
        yaxis=dict(title=dict(text=t(lang, "basics_axis_ce")), rangemode="tozero"),
        xaxis2=dict(domain=[0.55, 1], title=dict(text=t(lang, "basics_axis_step")), anchor="y2"),
        yaxis2=dict(title=dict(text=t(lang, "basics_axis_acc")), range=[0, 101], anchor="x2"))
    return RawFigure(dict(data=traces, layout=layout))


def data_figure(data: data2d.Data2D, lang: str) -> RawFigure:
    """The points alone, before training: training points filled, test points open."""
    traces = []
    for split, xs, ys in (("train", data.x_train, data.y_train), ("test", data.x_test, data.y_test)):
        for c in range(data.classes):
            pts = xs[ys == c]
            if len(pts):
                traces.append(dict(type="scatter", x=typed(pts[:, 0].round(3)), y=typed(pts[:, 1].round(3)),
                                   mode="markers", name=f"{_class_name(lang, c)} · {t(lang, 'basics_' + split)}",
                                   marker=dict(size=7, color=CLASS_COLORS[c],
                                               symbol="circle" if split == "train" else "circle-open")))
    lim = [-data2d.EXTENT, data2d.EXTENT]
    layout = dict(height=440, margin=dict(l=50, r=20, t=50, b=50), title=dict(text=t(lang, "basics_data_title")),
                  xaxis=dict(range=lim, title=dict(text="x₁"), constrain="domain"),
                  yaxis=dict(range=lim, title=dict(text="x₂"), scaleanchor="x"),
                  legend=dict(orientation="h", y=-0.2), separators=",\u202f" if lang == "es" else ".,")
    return RawFigure(dict(data=traces, layout=layout))


def draw_figure(rows, lang: str) -> RawFigure:
    """The plane to click on: an invisible grid that answers clicks (the page script adds a point of
    the chosen class there, to trace 1 + class) and the points so far, one trace per class."""
    ticks = np.linspace(-data2d.EXTENT, data2d.EXTENT, 61).round(2)
    traces = [dict(type="heatmap", x=typed(ticks), y=typed(ticks), z=typed(np.zeros((61, 61), np.uint8)),
                   showscale=False, opacity=0.0, colorscale=[[0, "#fff"], [1, "#fff"]],
                   hovertemplate=t(lang, "basics_click_here") + "<br>x₁ %{x:.1f}, x₂ %{y:.1f}<extra></extra>")]
    pts = np.asarray([[float(v) for v in r[:3]] for r in rows], dtype=np.float64).reshape(-1, 3) if rows else \
        np.zeros((0, 3))
    for c in range(data2d.MAX_CLASSES):
        mine = pts[pts[:, 2] == c] if len(pts) else pts
        traces.append(dict(type="scatter", x=mine[:, 0].round(2).tolist(), y=mine[:, 1].round(2).tolist(),
                           mode="markers", name=_class_name(lang, c), hoverinfo="skip",
                           marker=dict(size=9, color=CLASS_COLORS[c], line=dict(width=1, color="white"))))
    lim = [-data2d.EXTENT, data2d.EXTENT]
    layout = dict(height=440, margin=dict(l=50, r=20, t=50, b=50),
                  title=dict(text=t(lang, "basics_draw_title", n=num(lang, len(pts)))),
                  xaxis=dict(range=lim, title=dict(text="x₁"), constrain="domain", fixedrange=True),
                  yaxis=dict(range=lim, title=dict(text="x₂"), scaleanchor="x", fixedrange=True),
                  legend=dict(orientation="h", y=-0.2), separators=",\u202f" if lang == "es" else ".,",
                  meta=dict(kind="draw", classes=data2d.MAX_CLASSES))
    return RawFigure(dict(data=traces, layout=layout))


def computed_run(cfg, data: data2d.Data2D, lang: str, label: str = "") -> tuple[Run, RawFigure, dict]:
    """Train and draw a run in one call: what a worker process (explorer.worker) does for the
    server. A class pressing "Train" at once ran ~30 trainings of thousands of tiny torch calls in
    the server's threads, each handing the GIL to the other at every call: each run took 5-10
    times as long as alone (bench/bench_basics.py). In worker processes they run side by side on
    the cores; the answer comes back as the figure's JSON text, ready to send, and the run without
    its pictures (pickled back to the server: 0.1 MB instead of 1.6)."""
    import torch

    from explorer.basics import compute as pg

    torch.set_num_threads(1)  # a worker's own (tiny tensors: threads only cost)
    run = pg.train(cfg, data)
    fig = playground_figure(run, lang, label=label)
    return run.without_pictures(), RawFigure(text=fig.to_json()), run.summary()


def warm_worker() -> None:
    """What a worker process needs before its first run, paid at the app's warm-up
    (``explorer.worker.prime``): torch and the playground's modules imported, and a tiny run
    trained and drawn once."""
    from explorer.basics import compute as pg

    data = data2d.make("xor", 60, 0.1, 2, 0.3, 0)
    computed_run(pg.Config(hidden=(4,), steps=20), data, "es")


def landscape_figures(run: Run, lang: str) -> tuple[RawFigure, RawFigure, dict]:
    """The loss of the run's network (training points) along the line from its first weights to
    its last (Goodfellow et al. 2015) and over a plane through the last (Li et al. 2018, the path's
    two principal directions, with the recorded path on it): figures and JSON. In a worker process,
    like the run itself."""
    import torch

    from explorer.basics import compute as pg
    from explorer.basics import landscape
    from explorer.basics import surface_views as sv

    torch.set_num_threads(1)
    cfg, data = run.config, run.data
    net = pg.build_net(len(cfg.features), cfg.hidden, data.classes, cfg.activation, 0.0, cfg.seed)
    mean, std = run.feature_scale
    x = torch.from_numpy((data2d.features(data.x_train, cfg.features) - mean) / std)
    y = torch.from_numpy(data.y_train)

    def loss_fn(model):
        return torch.nn.functional.cross_entropy(model(x), y)

    path = [[torch.from_numpy(np.asarray(p)) for p in weights] for weights in run.path]
    ln = landscape.line(net, loss_fn, path[0], path[-1])
    pl = landscape.plane(net, loss_fn, path[-1], path, directions="pca" if len(path) >= 3 else "random")
    line_fig, plane_fig = sv.landscape_line_figure(ln, lang), sv.landscape_plane_figure(pl, lang)
    summary = {"line": ln.as_dict(), "plane": {k: v for k, v in pl.as_dict().items() if k != "loss"},
               "steps": [f.step for f in run.frames]}
    return RawFigure(text=line_fig.to_json()), RawFigure(text=plane_fig.to_json()), summary
