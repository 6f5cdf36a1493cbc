"""The Fundamentos tab's views of one neuron, the perceptron, XOR and backpropagation: Plotly figures and
table rows computed from :mod:`explorer.basics.neuron` and :mod:`explorer.basics.backprop`, every text
in the session's language (``t``), every number written the reader's way (``num``). No gradio here.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.basics.backprop import BackpropStep
from explorer.basics.neuron import (
    ACTIVATIONS,
    NeuronPlane,
    PerceptronResult,
    check_activation,
    check_points,
    checked_float,
    clip_line,
    half_plane,
    xor_hidden_layer,
)
from explorer.i18n import num, t
from explorer.plots import WHOLE_FRAMES, layout

CLASS_COLORS = ("#2166ac", "#b2182b")  # class 0 blue, class 1 red (the heatmaps' low and high ends)
CLASS_SYMBOLS = ("circle", "diamond")
LINE_COLOR = "#111111"
FORWARD_COLOR = "#1a1a1a"  # forward values in the backprop diagram
GRAD_COLOR = "#d95f02"  # gradients
NEW_COLOR = "#1b7f3b"  # updated weights
POS_EDGE, NEG_EDGE = "#d6604d", "#4393c3"  # edge colour by the weight's sign
# a neuron's output as a background: pale blue (low) to white to pale red (high), so points in the classes'
# saturated colours stand out on either side
OUTPUT_SCALE = [[0.0, "#7fb2d9"], [0.5, "#f7f7f7"], [1.0, "#f0a07e"]]
MAX_FRAMES = 60
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


# ------------------------------------------------------------------------------------------------ numbers
def fmt(lang: str, x: float | None, sig: int = 4) -> str:
    """``x`` with ``sig`` significant digits, the reader's decimal mark, and a power of ten for very small
    or large values (1,23·10⁻⁵); "—" for None or a value that is not finite."""
    if x is None or not math.isfinite(x):
        return "—"
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    if e < -4 or e >= 6:
        m = x / 10.0**e
        if round(abs(m), sig - 1) >= 10:  # 9.9996 rounds up to 10.000: move to the next power
            m, e = m / 10, e + 1
        return f"{_trim(lang, num(lang, m, sig - 1))}·10{str(e).translate(SUPERSCRIPT)}"
    return _trim(lang, num(lang, x, min(max(0, sig - 1 - e), 10)))


def _trim(lang: str, text: str) -> str:
    """"0,1500" → "0,15", "2.000" → "2": no trailing zeros after the decimal mark; a true minus sign."""
    mark = "," if lang == "es" else "."
    if mark in text:
        text = text.rstrip("0").rstrip(mark)
    return text.replace("-", "−")


def _round(a: Any, sig: int = 4) -> Any:
    """Coordinates rounded to ``sig`` significant digits, as nested lists (a small JSON)."""
    arr = np.asarray(a, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(arr == 0, 0, np.floor(np.log10(np.abs(arr))))
    digits = (sig - 1 - mag).astype(int)
    flat = [round(float(v), int(d)) if math.isfinite(v) else None for v, d in zip(arr.ravel(), digits.ravel())]
    return np.array(flat, dtype=object).reshape(arr.shape).tolist()


def _lin(lang: str, coefs: Sequence[float], names: Sequence[str], bias: float) -> str:
    """"1,5·x₁ − 0,8·x₂ + 0,2": a weighted sum written out with signs."""
    out = ""
    for k, (c, name) in enumerate(zip(coefs, names)):
        sign = ("−" if c < 0 else "") if k == 0 else (" − " if c < 0 else " + ")
        out += f"{sign}{fmt(lang, abs(c), 3)}·{name}"
    return out + (" − " if bias < 0 else " + ") + fmt(lang, abs(bias), 3)


def activation_name(lang: str, name: str) -> str:
    """The activation's name in ``lang`` (the step is Rosenblatt's "escalón")."""
    names = {"step": t(lang, "basics_neuron_act_step"), "sigmoid": t(lang, "basics_neuron_act_sigmoid"),
             "tanh": t(lang, "basics_neuron_act_tanh"), "relu": t(lang, "basics_neuron_act_relu"),
             "linear": t(lang, "basics_neuron_act_linear")}
    return names[name]


def _f_of(lang: str, name: str, arg: str = "z") -> str:
    """How a formula writes the activation applied to ``arg``: σ(z), tanh(z), ReLU(z), escalón(z), z."""
    if name == "linear":
        return arg
    symbol = t(lang, "basics_neuron_step_symbol") if name == "step" else ACTIVATIONS[name].symbol
    return f"{symbol}({arg})"


def _class_name(lang: str, c: int) -> str:
    return t(lang, "basics_neuron_class", c=c)


def _points_traces(points: np.ndarray, labels: np.ndarray, lang: str, size: int = 10,
                   xaxis: str = "x", yaxis: str = "y", show: bool = True) -> list[go.Scatter]:
    """The points of each class (0 blue circles, 1 red diamonds), white-edged to stand out on a heatmap."""
    out = []
    for c in (0, 1):
        m = labels == c
        out.append(go.Scatter(
            x=_round(points[m, 0]), y=_round(points[m, 1]), mode="markers", name=_class_name(lang, c),
            legendgroup=f"class{c}", showlegend=show, xaxis=xaxis, yaxis=yaxis,
            marker=dict(size=size, color=CLASS_COLORS[c], symbol=CLASS_SYMBOLS[c], line=dict(color="white", width=2)),
            hovertemplate=f"{_class_name(lang, c)}<br>x₁ = %{{x}}<br>x₂ = %{{y}}<extra></extra>"))
    return out


def _color_range(name: str, out: np.ndarray) -> dict[str, float]:
    """zmin/zmax for a neuron's heatmap: the activation's own range when it has one, else the data's
    (symmetric around 0 for the linear neuron, so white is z = 0)."""
    act = ACTIVATIONS[name]
    hi = float(np.max(out)) if act.hi is None else act.hi
    lo = float(np.min(out)) if act.lo is None else act.lo
    if name == "linear":
        m = max(abs(lo), abs(hi), 1e-9)
        return {"zmin": -m, "zmax": m}
    return {"zmin": lo, "zmax": max(hi, lo + 1e-9)}


# ------------------------------------------------------------------------------------------- one neuron
def neuron_figure(plane: NeuronPlane, lang: str, points: Any = None, labels: Any = None) -> go.Figure:
    """The neuron's output y = f(w₁x₁ + w₂x₂ + b) over the plane as a heatmap (colour bar: the output), its
    line w·x + b = 0, an arrow along w (the side where z > 0), and optionally points coloured by class."""
    act = plane.activation
    e = plane.extent
    formula = f"y = {_f_of(lang, act, _lin(lang, (plane.w1, plane.w2), ('x₁', 'x₂'), plane.b))}"
    fig = go.Figure(go.Heatmap(
        x=_round(plane.x1), y=_round(plane.x2), z=_round(plane.out), colorscale=OUTPUT_SCALE,
        **_color_range(act, plane.out),
        colorbar=dict(title=dict(text=t(lang, "basics_neuron_cbar", f=_f_of(lang, act)), side="right"), len=0.9),
        hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<br>y = %{z:.3f}<extra></extra>"))
    if plane.line is not None:
        (ax, ay), (bx, by) = plane.line
        fig.add_trace(go.Scatter(x=_round([ax, bx]), y=_round([ay, by]), mode="lines",
                                 name=t(lang, "basics_neuron_line"), line=dict(color=LINE_COLOR, width=3),
                                 hoverinfo="skip"))
        norm = math.hypot(plane.w1, plane.w2)
        mx, my = (ax + bx) / 2, (ay + by) / 2
        tip = (mx + plane.w1 / norm * e * 0.25, my + plane.w2 / norm * e * 0.25)
        fig.add_annotation(x=tip[0], y=tip[1], ax=mx, ay=my, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowwidth=2, arrowcolor=LINE_COLOR, text="")
        fig.add_annotation(x=tip[0], y=tip[1], text=t(lang, "basics_neuron_w_arrow"), showarrow=False,
                           xshift=8 if plane.w1 >= 0 else -8, yshift=10 if plane.w2 >= 0 else -10,
                           font=dict(size=12, color=LINE_COLOR), bgcolor="rgba(255,255,255,0.7)")
    else:
        fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, bgcolor="rgba(255,255,255,0.8)",
                           text=t(lang, "basics_neuron_no_line") + "<br>" + t(lang, "basics_neuron_no_line_why")
                           if plane.w1 == 0 and plane.w2 == 0 else t(lang, "basics_neuron_line_outside"))
    if points is not None and labels is not None:
        p, lab = check_points(points, labels)
        for tr in _points_traces(p, lab, lang):
            fig.add_trace(tr)
    fig.update_xaxes(title_text=t(lang, "basics_neuron_axis_x1"), range=[-e, e], constrain="domain")
    fig.update_yaxes(title_text=t(lang, "basics_neuron_axis_x2"), range=[-e, e], scaleanchor="x", scaleratio=1,
                     constrain="domain")
    fig.update_layout(title=dict(text=t(lang, "basics_neuron_title", formula=formula), font=dict(size=14)))
    layout(fig, 500, lang)
    return fig.update_layout(legend=dict(orientation="h", x=0, y=-0.14, xanchor="left", yanchor="top"),
                             margin=dict(l=60, r=20, t=50, b=80))


def activation_figure(activation: str, lang: str, z: float | None = None) -> go.Figure:
    """The activations of the course (step, sigmoid, tanh, ReLU; the linear one too when it is the one
    chosen), each with its derivative (dashed), over z ∈ [−6, 6]; the chosen one shown, the others a
    click away in the legend; the current z marked with f(z) and f′(z)."""
    act = check_activation(activation)
    if z is not None:
        z = checked_float("z", z, -100.0, 100.0)
    zs = np.linspace(-6, 6, 241)
    colors = {"step": "#7570b3", "sigmoid": "#d95f02", "tanh": "#1b9e77", "relu": "#e7298a", "linear": "#666666"}
    fig = go.Figure()
    names = ["step", "sigmoid", "tanh", "relu"] + (["linear"] if act.name == "linear" else [])
    for name in names:
        a = ACTIVATIONS[name]
        label = activation_name(lang, name)
        visible = True if name == act.name else "legendonly"
        if name == "step":  # a jump at 0: two flat pieces, not a steep line
            fx, fy = [-6, 0, None, 0, 6], [0, 0, None, 1, 1]
        else:
            fx, fy = _round(zs), _round(a(zs))
        fig.add_trace(go.Scatter(x=fx, y=fy, mode="lines", name=label, legendgroup=name, visible=visible,
                                 line=dict(color=colors[name], width=3),
                                 hovertemplate=f"{label}<br>z = %{{x:.2f}}<br>f(z) = %{{y:.3f}}<extra></extra>"))
        dname = t(lang, "basics_neuron_derivative", name=label)
        fig.add_trace(go.Scatter(x=_round(zs), y=_round(a.derivative(zs)), mode="lines", name=dname, legendgroup=name,
                                 visible=visible, line=dict(color=colors[name], width=2, dash="dash"),
                                 hovertemplate=f"{dname}<br>z = %{{x:.2f}}<br>f′(z) = %{{y:.3f}}<extra></extra>"))
    title = t(lang, "basics_neuron_act_title", name=activation_name(lang, act.name))
    if z is not None:
        fz, dfz = float(act(z)), float(act.derivative(z))
        zc = min(max(z, -6.0), 6.0)
        fig.add_vline(x=zc, line=dict(color="#444444", width=1, dash="dot"))
        fig.add_trace(go.Scatter(x=[zc, zc], y=[fz, dfz], mode="markers", name=t(lang, "basics_neuron_current_z"),
                                 marker=dict(size=11, color=["#111111", "#ffffff"],
                                             line=dict(color="#111111", width=2)),
                                 hovertemplate="z = %{x:.2f}<br>%{y:.4f}<extra></extra>"))
        title += "<br>" + t(lang, "basics_neuron_act_at", z=fmt(lang, z), f=fmt(lang, fz), df=fmt(lang, dfz))
    fig.update_xaxes(title_text=t(lang, "basics_neuron_axis_z"), range=[-6.2, 6.2], zeroline=True)
    fig.update_yaxes(title_text=t(lang, "basics_neuron_axis_fz"), range=[-1.15, 2.15] if act.name in ("relu", "linear")
                     else [-1.15, 1.15], zeroline=True)
    fig.update_layout(title=dict(text=title, font=dict(size=14)))
    layout(fig, 400, lang)
    # the legend below the plot: beside it, it took half the width of a figure half a page wide
    return fig.update_layout(legend=dict(orientation="h", x=0, y=-0.25, xanchor="left", yanchor="top",
                                         font=dict(size=10)),
                             margin=dict(l=60, r=20, t=60, b=40), height=460)


# ------------------------------------------------------------------------------------------- perceptron
def frame_indices(records: Sequence[Any], limit: int = MAX_FRAMES) -> list[int]:
    """The visits an animation shows: all of them when there are at most ``limit``, else the first, the
    last and the updates (visits with an error) between, evenly subsampled to ``limit`` in all."""
    n = len(records)
    if n <= limit:
        return list(range(n))
    pool = sorted({0, n - 1} | {i for i, r in enumerate(records) if r.error})
    if len(pool) <= limit:
        return pool
    pick = np.unique(np.round(np.linspace(0, len(pool) - 1, limit)).astype(int))
    return [pool[i] for i in pick]


def perceptron_figure(result: PerceptronResult, points: Any, labels: Any, lang: str) -> go.Figure:
    """The perceptron learning, as an animation the browser plays and rewinds (play / pause, a slider of
    visits): the points, the region the current line calls class 1 (shaded), the line after the visit
    (solid) and before it (dotted, when the visit changed it), the visited point ringed (orange: an
    error, green: correct), and in the title "epoch e · point i/N · error · w = (w₁; w₂), b = …"."""
    p, lab = check_points(points, labels)
    recs = result.records  # never empty: a run visits at least one point
    lo = p.min(axis=0) - 0.6
    hi = p.max(axis=0) + 0.6
    c, half = (lo + hi) / 2, float(max(hi - lo)) / 2
    box = (c[0] - half, c[0] + half, c[1] - half, c[1] + half)
    n_points = len(p)

    def state(k: int) -> list[go.Scatter]:
        r = recs[k]
        w1, w2, b = r.after
        region = half_plane(w1, w2, b, box)
        seg = clip_line(w1, w2, b, box)
        old = clip_line(*r.before, box) if r.error else None
        ring = "#e66101" if r.error else "#1b9e77"
        return [
            go.Scatter(x=_round([q[0] for q in region] + [region[0][0]]) if region else [None],
                       y=_round([q[1] for q in region] + [region[0][1]]) if region else [None],
                       fill="toself", mode="lines", line=dict(width=0), fillcolor="rgba(178,24,43,0.12)",
                       name=t(lang, "basics_perc_region"), hoverinfo="skip"),
            go.Scatter(x=_round([old[0][0], old[1][0]]) if old else [None],
                       y=_round([old[0][1], old[1][1]]) if old else [None],
                       mode="lines", line=dict(color="#888888", width=2, dash="dot"),
                       name=t(lang, "basics_perc_line_before"), hoverinfo="skip"),
            go.Scatter(x=_round([seg[0][0], seg[1][0]]) if seg else [None],
                       y=_round([seg[0][1], seg[1][1]]) if seg else [None],
                       mode="lines", line=dict(color=LINE_COLOR, width=3), name=t(lang, "basics_perc_line"),
                       hoverinfo="skip"),
            go.Scatter(x=_round([r.x1]), y=_round([r.x2]), mode="markers", name=t(lang, "basics_perc_visited"),
                       marker=dict(size=24, symbol="circle-open", color=ring, line=dict(width=4, color=ring)),
                       hoverinfo="skip"),
        ]

    def caption(k: int) -> str:
        r = recs[k]
        return t(lang, "basics_perc_frame", epoch=r.epoch, point=r.index + 1, n=n_points,
                 verdict=t(lang, "basics_perc_error") if r.error else t(lang, "basics_perc_correct"),
                 w1=fmt(lang, r.after[0], 3), w2=fmt(lang, r.after[1], 3), b=fmt(lang, r.after[2], 3))

    shown = frame_indices(recs)
    moving = [0, 1, 2, 5]  # the traces a frame changes; the two classes of points (3, 4) stay
    first = state(shown[0])
    fig = go.Figure(data=first[:3] + _points_traces(p, lab, lang) + first[3:])
    fig.frames = [go.Frame(data=state(k), traces=moving, name=str(k), layout=dict(title=dict(text=caption(k))))
                  for k in shown]
    # redraw=True: without it plotly.js moves the traces but leaves the frame's title (its caption) as it was
    # (seen in Chromium); a full redraw of these seven small traces costs nothing
    play = dict(label=t(lang, "basics_perc_play"), method="animate",
                args=[None, dict(frame=dict(duration=700, redraw=True), transition=dict(duration=0),
                                 fromcurrent=True, mode="immediate")])
    pause = dict(label=t(lang, "basics_perc_pause"), method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                    transition=dict(duration=0))])
    fig.update_layout(
        meta={WHOLE_FRAMES: True},  # the points no frame changes stay drawn while it plays (explorer.plots)
        title=dict(text=caption(shown[0]), font=dict(size=14)),
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.11, xanchor="left", yanchor="top",
                          showactive=False, buttons=[play, pause])],
        sliders=[dict(active=0, x=0, y=-0.2, len=1.0, xanchor="left", yanchor="top", pad=dict(t=10, b=0),
                      currentvalue=dict(prefix=t(lang, "basics_perc_visit") + " "),
                      steps=[dict(label=num(lang, k + 1), method="animate",
                                  args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                       transition=dict(duration=0))])
                             for k in shown])])
    fig.update_xaxes(title_text=t(lang, "basics_neuron_axis_x1"), range=[box[0], box[1]], constrain="domain")
    fig.update_yaxes(title_text=t(lang, "basics_neuron_axis_x2"), range=[box[2], box[3]], scaleanchor="x",
                     scaleratio=1, constrain="domain")
    layout(fig, 600, lang)
    return fig.update_layout(margin=dict(l=60, r=20, t=50, b=150),
                             legend=dict(orientation="v", x=1.02, y=1, xanchor="left", yanchor="top"))


# ------------------------------------------------------------------------------------------------ XOR
def xor_figure(lang: str) -> go.Figure:
    """XOR and the hidden layer that solves it, side by side. Left, the input plane: the four corners,
    the network's output as a background, and the two hidden neurons' lines (h₁ ≈ OR, h₂ ≈ AND). Right,
    the hidden space (h₁, h₂): where each corner lands, and the output neuron's single line separating
    the classes there."""
    net = xor_hidden_layer()
    wt = net.weights
    x0, x1, y0, y1 = net.window
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14,
                        subplot_titles=(t(lang, "basics_xor_plane"), t(lang, "basics_xor_hidden")))
    g = np.linspace(x0, x1, 61)
    G1, G2 = np.meshgrid(g, g)
    _, y_grid = net.forward(np.column_stack([G1.ravel(), G2.ravel()]))
    cbar = dict(title=dict(text=t(lang, "basics_xor_output"), side="right"), len=0.9)
    fig.add_trace(go.Heatmap(x=_round(g), y=_round(g), z=_round(y_grid.reshape(G1.shape), 3), zmin=0, zmax=1,
                             colorscale=OUTPUT_SCALE, colorbar=cbar,
                             hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<br>y = %{z:.3f}<extra></extra>"), 1, 1)
    hg = np.linspace(-0.1, 1.1, 49)
    H1, H2 = np.meshgrid(hg, hg)
    y_hidden = ACTIVATIONS["sigmoid"](wt["v1"] * H1 + wt["v2"] * H2 + wt["c"])
    fig.add_trace(go.Heatmap(x=_round(hg), y=_round(hg), z=_round(y_hidden, 3), zmin=0, zmax=1,
                             colorscale=OUTPUT_SCALE, showscale=False,
                             hovertemplate="h₁ = %{x:.2f}<br>h₂ = %{y:.2f}<br>y = %{z:.3f}<extra></extra>"), 1, 2)
    hidden_colors = ("#1b9e77", "#7570b3")
    for j, seg in enumerate(net.hidden_lines):
        if seg is None:
            continue
        name = t(lang, "basics_xor_h1_line" if j == 0 else "basics_xor_h2_line",
                 eq=_lin(lang, (wt[f"w{j + 1}1"], wt[f"w{j + 1}2"]), ("x₁", "x₂"), wt[f"b{j + 1}"]))
        fig.add_trace(go.Scatter(x=[seg[0][0], seg[1][0]], y=[seg[0][1], seg[1][1]], mode="lines", name=name,
                                 line=dict(color=hidden_colors[j], width=3, dash="dash" if j else "solid"),
                                 hoverinfo="skip"), 1, 1)
    for tr in _points_traces(net.points, net.labels, lang, size=14):
        fig.add_trace(tr, 1, 1)
    corner_text = [f"({int(a)}, {int(b)})" for a, b in net.points]
    fig.add_trace(go.Scatter(x=net.points[:, 0], y=net.points[:, 1], mode="text", text=corner_text,
                             textposition="top right", showlegend=False, hoverinfo="skip",
                             textfont=dict(size=12)), 1, 1)
    # the hidden space: (0,1) and (1,0) land on the same point; say so in one label
    hidden_pts = np.round(net.hidden, 3)
    for tr in _points_traces(hidden_pts, net.labels, lang, size=14, show=False):
        tr.hovertemplate = tr.hovertemplate.replace("x₁", "h₁").replace("x₂", "h₂")
        fig.add_trace(tr, 1, 2)
    groups: dict[tuple[float, float], list[str]] = {}
    for (a, b), txt in zip(hidden_pts.tolist(), corner_text):
        groups.setdefault((round(a, 2), round(b, 2)), []).append(txt)
    fig.add_trace(go.Scatter(x=[k[0] for k in groups], y=[k[1] for k in groups], mode="text",
                             text=[t(lang, "basics_xor_from", corners=", ".join(v)) for v in groups.values()],
                             textposition=[("top" if k[1] < 0.5 else "bottom") + (" right" if k[0] < 0.5 else " left")
                                           for k in groups],
                             showlegend=False, hoverinfo="skip",
                             textfont=dict(size=11)), 1, 2)
    if net.output_line is not None:
        (a, b), (c, d) = net.output_line
        fig.add_trace(go.Scatter(x=[a, c], y=[b, d], mode="lines", line=dict(color=LINE_COLOR, width=3),
                                 name=t(lang, "basics_xor_out_line",
                                        eq=_lin(lang, (wt["v1"], wt["v2"]), ("h₁", "h₂"), wt["c"])),
                                 hoverinfo="skip"), 1, 2)
    fig.update_xaxes(title_text=t(lang, "basics_neuron_axis_x1"), range=[x0, x1], row=1, col=1, constrain="domain")
    fig.update_yaxes(title_text=t(lang, "basics_neuron_axis_x2"), range=[y0, y1], row=1, col=1, scaleanchor="x",
                     constrain="domain")
    fig.update_xaxes(title_text=t(lang, "basics_xor_axis_h1"), range=[-0.15, 1.15], row=1, col=2, constrain="domain")
    fig.update_yaxes(title_text=t(lang, "basics_xor_axis_h2"), range=[-0.15, 1.15], row=1, col=2, scaleanchor="x2",
                     constrain="domain")
    fig.update_layout(title=dict(text=t(lang, "basics_xor_title"), font=dict(size=14)))
    fig.update_annotations(font=dict(size=13))  # the two panels' titles, below the figure's
    layout(fig, 580, lang)
    return fig.update_layout(margin=dict(l=60, r=20, t=80, b=110),
                             legend=dict(orientation="h", x=0, y=-0.16, xanchor="left", yanchor="top"))


# ------------------------------------------------------------------------------------------- backprop
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def param_symbol(name: str) -> str:
    """w11 → w₁₁, b2 → b₂, v1 → v₁, c → c."""
    return name[0] + name[1:].translate(SUB)


def _loss_formula(lang: str, loss: str) -> str:
    return "½·(y − t)²" if loss == "mse" else "−[t·ln y + (1 − t)·ln(1 − y)]"


def _loss_name(lang: str, loss: str) -> str:
    return t(lang, "basics_bp_loss_mse") if loss == "mse" else t(lang, "basics_bp_loss_bce")


def _span(text: str, color: str) -> str:
    return f"<span style='color:{color}'>{text}</span>"


def backprop_figure(step: BackpropStep, lang: str) -> go.Figure:
    """The 2-2-1 network as a diagram: inputs, hidden neurons and the output as circles holding their
    values, the loss in a box; each edge as wide as its weight is large (red positive, blue negative)
    and labelled with its weight, its gradient ∂L/∂w and its new value; beside each neuron its z, the
    gradients reaching it and its bias's update. Forward values black, gradients orange, new values
    green; a line under the diagram says so. Meant for about 900 × 520 px."""
    fw, g, w, new = step.forward, step.grads, step.weights, step.new_weights
    pos = {"x1": (0.0, 0.8), "x2": (0.0, 0.2), "h1": (0.55, 0.8), "h2": (0.55, 0.2), "y": (1.07, 0.5),
           "L": (1.42, 0.5)}
    edges = [("x1", "h1", "w11"), ("x2", "h1", "w12"), ("x1", "h2", "w21"), ("x2", "h2", "w22"),
             ("h1", "y", "v1"), ("h2", "y", "v2")]
    biggest = max(abs(w[p]) for _, _, p in edges) or 1.0
    fig = go.Figure()
    for a, b, p in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        fig.add_trace(go.Scatter(x=[xa, xb], y=[ya, yb], mode="lines", showlegend=False, hoverinfo="skip",
                                 line=dict(color=POS_EDGE if w[p] >= 0 else NEG_EDGE,
                                           width=1.5 + 7 * abs(w[p]) / biggest),
                                 opacity=0.75))
    fig.add_trace(go.Scatter(x=[pos["y"][0], pos["L"][0]], y=[0.5, 0.5], mode="lines", showlegend=False,
                             hoverinfo="skip", line=dict(color="#999999", width=2, dash="dot")))

    def edge_text(p: str) -> str:
        s = param_symbol(p)
        return (f"{_span(f'<b>{s}</b> = {fmt(lang, w[p])}', FORWARD_COLOR)}<br>"
                f"{_span(f'∂L/∂{s} = {fmt(lang, step.gradient(p))}', GRAD_COLOR)}<br>"
                f"{_span(f'{s} → {fmt(lang, new[p])}', NEW_COLOR)}")

    def note(x: float, y: float, text: str, anchor: str = "center") -> None:
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, xanchor=anchor, align="left" if anchor == "left" else
                           "center", font=dict(size=11), bgcolor="rgba(255,255,255,0.88)", borderpad=2)

    # edge labels, placed where no two meet: the crossing edges are labelled near their inputs
    note(0.27, 0.92, edge_text("w11"))
    note(0.27, 0.08, edge_text("w22"))
    note(0.16, 0.62, edge_text("w21"))
    note(0.16, 0.38, edge_text("w12"))
    note(0.84, 0.78, edge_text("v1"))
    note(0.84, 0.22, edge_text("v2"))
    f_name = _f_of(lang, step.hidden, "z")
    for j, node in ((1, "h1"), (2, "h2")):
        hx, hy = pos[node]
        bias = f"b{j}"
        bs = param_symbol(bias)
        text = (f"{_span(f'z{j}'.translate(SUB) + ' = ' + fmt(lang, fw[f'z{j}']), FORWARD_COLOR)}<br>"
                f"{_span(f'∂L/∂h{j}'.translate(SUB) + ' = ' + fmt(lang, g[f'dL_dh{j}']), GRAD_COLOR)}<br>"
                f"{_span(f'∂L/∂z{j}'.translate(SUB) + ' = ' + fmt(lang, g[f'dL_dz{j}']), GRAD_COLOR)}<br>"
                f"{_span(f'{bs} = {fmt(lang, w[bias])}', FORWARD_COLOR)} · "
                f"{_span(f'∂L/∂{bs} = {fmt(lang, step.gradient(bias))}', GRAD_COLOR)} · "
                f"{_span(f'→ {fmt(lang, new[bias])}', NEW_COLOR)}")
        note(hx + 0.07, hy + (0.13 if j == 1 else -0.13), text, anchor="left")
    yx, yy = pos["y"]
    note(yx, yy + 0.2, f"{_span('c = ' + fmt(lang, w['c']), FORWARD_COLOR)}<br>"
                       f"{_span('∂L/∂c = ' + fmt(lang, g['dL_dc']), GRAD_COLOR)}<br>"
                       f"{_span('c → ' + fmt(lang, new['c']), NEW_COLOR)}")
    note(yx, yy - 0.2, f"{_span('z = ' + fmt(lang, fw['z_out']), FORWARD_COLOR)}<br>"
                       f"{_span('∂L/∂z = ' + fmt(lang, g['dL_dzout']), GRAD_COLOR)}")
    note((yx + pos["L"][0]) / 2, 0.56, _span("∂L/∂y = " + fmt(lang, g["dL_dy"]), GRAD_COLOR))
    after = t(lang, "basics_bp_loss_after") + ":<br>" + fmt(lang, step.loss_after)
    note(pos["L"][0], 0.3, f"{_span('t = ' + fmt(lang, step.target), FORWARD_COLOR)}<br>{_span(after, NEW_COLOR)}")

    nodes = [("x1", "x₁", step.x[0]), ("x2", "x₂", step.x[1]), ("h1", "h₁", fw["h1"]), ("h2", "h₂", fw["h2"]),
             ("y", "y", fw["y"])]
    hover = {"x1": t(lang, "basics_bp_node_input"), "x2": t(lang, "basics_bp_node_input"),
             "h1": f"h₁ = {_f_of(lang, step.hidden, 'z₁')}", "h2": f"h₂ = {_f_of(lang, step.hidden, 'z₂')}",
             "y": "y = σ(z)"}
    fig.add_trace(go.Scatter(
        x=[pos[k][0] for k, _, _ in nodes], y=[pos[k][1] for k, _, _ in nodes], mode="markers+text",
        text=[f"<b>{s}</b><br>{fmt(lang, v)}" for _, s, v in nodes], textfont=dict(size=12, color=FORWARD_COLOR),
        marker=dict(size=64, color="#f4f6fb", line=dict(color="#333333", width=2)), showlegend=False,
        customdata=[hover[k] for k, _, _ in nodes], hovertemplate="%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[pos["L"][0]], y=[0.5], mode="markers+text", showlegend=False,
        text=[f"<b>L</b><br>{fmt(lang, step.loss)}"], textfont=dict(size=12, color=FORWARD_COLOR),
        marker=dict(size=64, symbol="square", color="#fff4e6", line=dict(color="#333333", width=2)),
        customdata=[f"L = {_loss_formula(lang, step.loss_name)}"], hovertemplate="%{customdata}<extra></extra>"))
    fig.add_annotation(x=0, y=-0.02, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                       align="left", font=dict(size=11),
                       text=(_span(t(lang, "basics_bp_legend_forward"), FORWARD_COLOR) + " · "
                             + _span(t(lang, "basics_bp_legend_grad"), GRAD_COLOR) + " · "
                             + _span(t(lang, "basics_bp_legend_new", lr=fmt(lang, step.lr)), NEW_COLOR) + "<br>"
                             + t(lang, "basics_bp_legend_edges")))
    fig.update_xaxes(visible=False, range=[-0.08, 1.55], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.04, 1.04], fixedrange=True)
    fig.update_layout(title=dict(text=t(lang, "basics_bp_title", f=f_name, loss=_loss_name(lang, step.loss_name),
                                        lr=fmt(lang, step.lr)), font=dict(size=14)),
                      plot_bgcolor="white")
    layout(fig, 520, lang)
    return fig.update_layout(margin=dict(l=10, r=10, t=45, b=50), showlegend=False)


def backprop_table(step: BackpropStep, lang: str) -> list[list[str]]:
    """The step as table rows (quantity, formula, value): the forward pass, the loss, every gradient
    from the output back to the first layer, every update and the loss after it. The header is
    :func:`backprop_table_header`."""
    fw, g, w, new = step.forward, step.grads, step.weights, step.new_weights
    v = lambda x: fmt(lang, x, 6)  # noqa: E731
    f = step.hidden
    rows = [
        ["z₁", "w₁₁·x₁ + w₁₂·x₂ + b₁", v(fw["z1"])],
        ["h₁", _f_of(lang, f, "z₁"), v(fw["h1"])],
        ["z₂", "w₂₁·x₁ + w₂₂·x₂ + b₂", v(fw["z2"])],
        ["h₂", _f_of(lang, f, "z₂"), v(fw["h2"])],
        ["z", "v₁·h₁ + v₂·h₂ + c", v(fw["z_out"])],
        ["y", "σ(z)", v(fw["y"])],
        ["L", _loss_formula(lang, step.loss_name) + f"  (t = {fmt(lang, step.target)})", v(step.loss)],
        ["∂L/∂y", "y − t" if step.loss_name == "mse" else "−t/y + (1 − t)/(1 − y)", v(g["dL_dy"])],
        ["∂L/∂z", "∂L/∂y · y·(1 − y)", v(g["dL_dzout"])],
        ["∂L/∂v₁", "∂L/∂z · h₁", v(g["dL_dv1"])],
        ["∂L/∂v₂", "∂L/∂z · h₂", v(g["dL_dv2"])],
        ["∂L/∂c", "∂L/∂z · 1", v(g["dL_dc"])],
        ["∂L/∂h₁", "∂L/∂z · v₁", v(g["dL_dh1"])],
        ["∂L/∂h₂", "∂L/∂z · v₂", v(g["dL_dh2"])],
    ]
    for j in (1, 2):
        hj, zj = f"h{j}".translate(SUB), f"z{j}".translate(SUB)
        if f == "sigmoid":
            deriv = f"{hj}·(1 − {hj})"
        elif f == "tanh":
            deriv = f"(1 − {hj}²)"
        else:
            deriv = t(lang, "basics_bp_relu_derivative", z=zj)
        rows.append([f"∂L/∂{zj}", f"∂L/∂{hj} · {deriv}", v(g[f"dL_dz{j}"])])
    for j in (1, 2):
        zj = f"z{j}".translate(SUB)
        for i in (1, 2):
            p = f"w{j}{i}"
            rows.append([f"∂L/∂{param_symbol(p)}", f"∂L/∂{zj} · {f'x{i}'.translate(SUB)}", v(g[f"dL_d{p}"])])
        rows.append([f"∂L/∂b{j}".translate(SUB), f"∂L/∂{zj} · 1", v(g[f"dL_db{j}"])])
    for p in ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c"):
        s = param_symbol(p)
        rows.append([t(lang, "basics_bp_new", p=s),
                     f"{s} − lr·∂L/∂{s} = {fmt(lang, w[p])} − {fmt(lang, step.lr)}·{fmt(lang, step.gradient(p))}",
                     v(new[p])])
    rows.append([t(lang, "basics_bp_loss_after"), t(lang, "basics_bp_loss_after_formula"), v(step.loss_after)])
    return rows


def backprop_table_header(lang: str) -> list[str]:
    """The three column titles of :func:`backprop_table`."""
    return [t(lang, "basics_bp_col_quantity"), t(lang, "basics_bp_col_formula"), t(lang, "basics_bp_col_value")]


def backprop_summary_line(step: BackpropStep, lang: str) -> str:
    """One sentence: the loss before and after the step, and whether it went down."""
    if step.loss_after is None:
        return t(lang, "basics_bp_summary_saturated", before=fmt(lang, step.loss, 6))
    return t(lang, "basics_bp_summary_down" if step.loss_after < step.loss else "basics_bp_summary_up",
             before=fmt(lang, step.loss, 6), after=fmt(lang, step.loss_after, 6))
