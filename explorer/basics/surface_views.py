"""Figures of the optimizers' runs on a 2-D loss surface (``explorer.basics.surfaces.run``): the paths
over the contour map, animated in the browser (play / pause and a step slider, no server round
trip); the loss per step; the 3-D surface with the final paths drawn on it. Every text in the
session's language. No gradio here.

To keep an animation light whatever the number of steps, each path is simplified once for drawing
(Ramer–Douglas–Peucker: a point is dropped when the line without it stays within a fraction of the
window's size, so a zigzag keeps every corner and a straight glide keeps its ends), coordinates are
sent as float32 (base64 in the JSON), and the frames (at most 60) carry only the paths' x and y.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from explorer.basics import surfaces
from explorer.i18n import num, t
from explorer.plots import WHOLE_FRAMES, layout

COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#393b79", "#637939")  # one per run, in order
SURFACE_SCALE = [[0.0, "#fbfbfd"], [0.35, "#dbe7f3"], [0.7, "#9fbfdc"], [1.0, "#5b7fa8"]]  # pale: paths on top
MAX_FRAMES = 60
MAX_PATH_POINTS = 250  # per path, after simplification
MAX_POINTS = 1500  # all paths of a figure together
SIMPLIFY = 0.002  # tolerance of the simplification, as a fraction of the window's diagonal
GRID = 100  # contour grid per side
GRID_3D = 50
LOG_FLOOR = 1e-16  # f − f* below this is rounding (float64), drawn at the floor of the log axis


def _f32(values) -> np.ndarray:
    """``values`` as float32 (7 significant digits, plenty on screen): Plotly sends a float32 array
    as 4 base64 bytes a value (~5.3 characters, against ~7 for 4-digit decimals), and checks a numpy
    array in one go where it checks a list element by element (most of a figure's build time)."""
    return np.asarray(values, dtype=np.float32)


def _short(lang: str, x: float) -> str:
    """``x`` with as many decimals as it needs (0.105 → "0.105", 1.0 → "1"), up to 6 (e.g. a
    learning rate)."""
    for d in range(7):
        if abs(round(x, d) - x) <= 1e-12 * max(1.0, abs(x)):
            return num(lang, x, d)
    return num(lang, x, 6)


def _legend_rows(labels: list[str], width: float = 880) -> int:
    """About how many rows a horizontal legend of ``labels`` takes in a figure ``width`` pixels wide."""
    rows, x = 1, 0.0
    for label in labels:
        w = 44 + 6.3 * len(label)
        if x > 0 and x + w > width:
            rows, x = rows + 1, 0.0
        x += w
    return rows


def _title_and_legend(fig: go.Figure, title: str, labels: list[str], bottom: int) -> go.Figure:
    """The title at the top of the figure and the legend in rows under it, above the plot, with the
    top margin they need (a legend of six runs takes two or three rows)."""
    rows = _legend_rows(labels)
    return fig.update_layout(title=dict(text=title, font=dict(size=15), yref="container", y=1, yanchor="top",
                                        pad=dict(t=12), x=0.01, xanchor="left"),
                             margin=dict(l=70, r=20, t=44 + 22 * rows, b=bottom),
                             legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0))


def nice_step(span: float, n: int = 20) -> float:
    """A round step (1, 2 or 5 × 10ᵏ) that cuts ``span`` into about ``n`` intervals."""
    raw = span / n if span > 0 else 1.0
    k = 10.0 ** math.floor(math.log10(raw))
    return next(m * k for m in (1, 2, 5, 10) if m * k >= raw)


def run_label(r: dict, lang: str) -> str:
    """A run's legend name: the optimizer, its learning rate and the hyperparameters that differ
    from torch's defaults (β always for the momentum methods), and where it diverged."""
    name = t(lang, f"basics_opt_{r['optimizer']}")
    parts = [f"η = {_short(lang, r['lr'])}"]
    if "momentum" in r:
        parts.append(f"β = {_short(lang, r['momentum'])}")
    if r.get("alpha", surfaces.DEFAULTS["alpha"]) != surfaces.DEFAULTS["alpha"]:
        parts.append(f"α = {_short(lang, r['alpha'])}")
    if r.get("beta1", surfaces.DEFAULTS["beta1"]) != surfaces.DEFAULTS["beta1"]:
        parts.append(f"β₁ = {_short(lang, r['beta1'])}")
    if r.get("beta2", surfaces.DEFAULTS["beta2"]) != surfaces.DEFAULTS["beta2"]:
        parts.append(f"β₂ = {_short(lang, r['beta2'])}")
    label = name + " · " + ", ".join(parts)
    if r["diverged"]:
        label += " · " + t(lang, "basics_diverged_at", step=num(lang, r["diverged_at"]))
    return label


def simplify(points: np.ndarray, tol: float) -> np.ndarray:
    """Indices of the points Ramer–Douglas–Peucker keeps at tolerance ``tol`` (first and last always)."""
    n = len(points)
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[[0, n - 1]] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg = points[b] - points[a]
        rel = points[a + 1:b] - points[a]
        length = math.hypot(*seg)
        if length == 0:
            d = np.hypot(rel[:, 0], rel[:, 1])
        else:
            d = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / length
        i = int(np.argmax(d))
        if d[i] > tol:
            m = a + 1 + i
            keep[m] = True
            stack += [(a, m), (m, b)]
    return np.nonzero(keep)[0]


def display_indices(path: np.ndarray, window: float, max_points: int = MAX_PATH_POINTS) -> np.ndarray:
    """The indices of ``path`` to draw: simplified at SIMPLIFY × the window's diagonal, the tolerance
    doubled until at most ``max_points`` remain."""
    tol = SIMPLIFY * window
    idx = simplify(path, tol)
    while len(idx) > max_points:
        tol *= 2
        idx = simplify(path, tol)
    return idx


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """At most ``max_frames`` steps from 0 to ``steps``, evenly spaced, first and last included."""
    return sorted({round(float(v)) for v in np.linspace(0, steps, min(max_frames, steps + 1))})


def _grid(surf: surfaces.Surface, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.linspace(*surf.xlim, n)
    y = np.linspace(*surf.ylim, n)
    xx, yy = np.meshgrid(x, y)
    return x, y, surf.value(xx, yy)


def _log_ticks(lang: str, lo: float, hi: float) -> tuple[list[int], list[str]]:
    """Colour-bar ticks for log₁₀ values: one per power of ten, labelled with the value itself."""
    vals = list(range(math.ceil(lo), math.floor(hi) + 1))
    return vals, [_short(lang, 10.0 ** v) if v < 0 else num(lang, 10.0 ** v) for v in vals]


def _markers(surf: surfaces.Surface, lang: str) -> list[go.Scatter]:
    """The known minima (stars) and saddle points (crosses)."""
    out = [go.Scatter(x=[m[0] for m in surf.minima], y=[m[1] for m in surf.minima], mode="markers",
                      name=t(lang, "basics_minimum"),
                      marker=dict(symbol="star", size=16, color="#ffd400", line=dict(color="#111111", width=1.2)),
                      hovertemplate=t(lang, "basics_minimum") + " (%{x:.4g}, %{y:.4g})<extra></extra>")]
    if surf.saddles:
        out.append(go.Scatter(x=[s[0] for s in surf.saddles], y=[s[1] for s in surf.saddles], mode="markers",
                              name=t(lang, "basics_saddle_point"),
                              marker=dict(symbol="x", size=12, color="#111111"),
                              hovertemplate=t(lang, "basics_saddle_point") + " (%{x:.4g}, %{y:.4g})<extra></extra>"))
    return out


def paths_figure(result: dict, lang: str) -> go.Figure:
    """The contour map of the function (levels in log(f − f*) where that shows a valley), its known
    minima, and every run's path as a coloured line with a marker at its head, animated: each frame
    shows every path up to that step; play / pause buttons and a slider labelled with the step."""
    surf = surfaces.SURFACES[result["function"]]
    x, y, z = _grid(surf, GRID)
    hover = "x₁ %{x:.3f}<br>x₂ %{y:.3f}<br>f %{" + ("customdata" if surf.log_levels else "z") + ":.4g}<extra></extra>"
    if surf.log_levels:
        zc = np.log10(np.maximum(z - surf.f_min, 1e-3))
        tickvals, ticktext = _log_ticks(lang, float(zc.min()), float(zc.max()))
        bar = dict(title=dict(text=t(lang, "basics_colorbar_log"), side="right"), tickvals=tickvals, ticktext=ticktext)
        contours = dict(start=float(np.floor(zc.min())), end=float(np.ceil(zc.max())), size=0.5)
    else:
        zc = z
        bar = dict(title=dict(text=t(lang, "basics_colorbar"), side="right"))
        step = nice_step(float(np.ptp(zc)))
        contours = dict(start=math.floor(float(zc.min()) / step) * step, end=float(zc.max()), size=step)
    contour = go.Contour(x=_f32(x), y=_f32(y), z=_f32(zc), customdata=_f32(z) if surf.log_levels else None,
                         colorscale=SURFACE_SCALE, contours=dict(coloring="heatmap", **contours),
                         line=dict(color="rgba(255,255,255,0.8)", width=0.6), colorbar=dict(**bar, len=0.9, x=1.02),
                         hovertemplate=hover, showlegend=False, name="f")
    window = math.hypot(surf.xlim[1] - surf.xlim[0], surf.ylim[1] - surf.ylim[0])
    runs = result["runs"]
    shown = []  # per run: kept indices, rounded x, rounded y
    budget = max(60, min(MAX_PATH_POINTS, MAX_POINTS // max(len(runs), 1)))  # points per path
    for r in runs:
        p = np.asarray(r["path"], dtype=float)
        idx = display_indices(p, window, budget)
        shown.append((idx, _f32(p[:, 0]), _f32(p[:, 1])))
    step_word = t(lang, "basics_step")

    def run_traces(s: int, full: bool) -> list:
        out = []
        for i, (r, (idx, px, py)) in enumerate(zip(runs, shown)):
            last = min(s, len(px) - 1)
            sel = np.append(idx[idx < last], last)
            line = dict(x=px[sel], y=py[sel])
            head = dict(x=px[last:last + 1], y=py[last:last + 1])
            if not full:  # a frame's update: plain dicts, checked once by go.Figure (not twice)
                out += [dict(type="scatter", **line), dict(type="scatter", **head)]
                continue
            color, label = COLORS[i % len(COLORS)], run_label(r, lang)
            out.append(go.Scatter(**line, mode="lines+markers", name=label, legendgroup=str(i),
                                  line=dict(color=color, width=2), marker=dict(size=3.5, color=color),
                                  hovertemplate=f"{label}<br>x₁ %{{x}}<br>x₂ %{{y}}<extra></extra>"))
            out.append(go.Scatter(**head, mode="markers", name=label, legendgroup=str(i), showlegend=False,
                                  marker=dict(size=12, color=color, line=dict(color="#111111", width=1.5)),
                                  hovertemplate=f"{label}<extra></extra>"))
        return out

    fixed = [contour, *_markers(surf, lang)]
    start = go.Scatter(x=[result["start"][0]], y=[result["start"][1]], mode="markers", name=t(lang, "basics_start"),
                       marker=dict(symbol="circle-open", size=13, color="#111111", line=dict(width=2)),
                       hovertemplate=t(lang, "basics_start") + " (%{x:.4g}, %{y:.4g})<extra></extra>")
    fixed.append(start)
    moving = list(range(len(fixed), len(fixed) + 2 * len(runs)))
    steps = frame_steps(result["steps"])
    frames = [dict(data=run_traces(s, full=False), traces=moving, name=str(s)) for s in steps]
    fig = go.Figure(data=fixed + run_traces(steps[0], full=True), frames=frames)
    # redraw=True: plotly.js drops the contour trace from the plot when it animates without a redraw
    # (seen with plotly.js 4.1 and the minimal figure: a contour and one animated line); and without
    # WHOLE_FRAMES it dropped it during each frame's transition too, until that redraw
    play = dict(label=t(lang, "basics_play"), method="animate",
                args=[None, dict(frame=dict(duration=120, redraw=True), transition=dict(duration=0),
                                 fromcurrent=True, mode="immediate")])
    pause = dict(label=t(lang, "basics_pause"), method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=True), transition=dict(duration=0),
                                    mode="immediate")])
    fig.update_layout(
        meta={WHOLE_FRAMES: True},  # the contour stays drawn while it plays (explorer.plots.ADD_FRAMES_JS)
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.1, xanchor="left", yanchor="top",
                          showactive=False, buttons=[play, pause])],
        sliders=[dict(active=0, x=0.3, y=-0.06, len=0.7, currentvalue=dict(prefix=step_word + ": "),
                      steps=[dict(label=num(lang, s), method="animate",
                                  args=[[str(s)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                       transition=dict(duration=0))]) for s in steps])])
    fig.update_xaxes(title_text=t(lang, "basics_axis_x1"), range=list(surf.xlim), constrain="domain",
                     showgrid=False, zeroline=False)
    fig.update_yaxes(title_text=t(lang, "basics_axis_x2"), range=list(surf.ylim), scaleanchor="x", scaleratio=1,
                     constrain="domain", showgrid=False, zeroline=False)
    layout(fig, 620, lang)
    labels = [tr.name for tr in fig.data if tr.showlegend is not False and tr.name]
    return _title_and_legend(fig, t(lang, "basics_paths_title", function=t(lang, f"basics_fn_{surf.name}")),
                             labels, bottom=140)


def loss_figure(result: dict, lang: str) -> go.Figure:
    """Each run's loss per step, as f − f* (the gap to the known minimum's value) on a log axis: a
    straight descending line is linear convergence, a plateau a stall, a line that stops a divergence.
    Gaps under 10⁻¹⁶ (float64 rounding) are drawn at 10⁻¹⁶."""
    f_min = result["f_min"]
    fig = go.Figure()
    lowest, highest = math.inf, -math.inf
    step_word = t(lang, "basics_step")
    for i, r in enumerate(result["runs"]):
        loss = np.asarray(r["loss"], dtype=float)
        gap = np.maximum(loss - f_min, LOG_FLOOR)
        lowest = min(lowest, float(gap.min()))
        highest = max(highest, float(gap.max()))
        label = run_label(r, lang)
        fig.add_trace(go.Scatter(x=list(range(len(loss))), y=_f32(gap), customdata=_f32(loss), mode="lines",
                                 name=label, line=dict(color=COLORS[i % len(COLORS)], width=2),
                                 hovertemplate=f"{label}<br>{step_word} %{{x}}<br>f %{{customdata}}<extra></extra>"))
    fig.update_xaxes(title_text=t(lang, "basics_axis_step"), rangemode="tozero")
    decades = math.log10(highest) - math.log10(lowest) if result["runs"] else 1.0
    fig.update_yaxes(title_text=t(lang, "basics_axis_gap"), type="log", exponentformat="power",
                     dtick=max(1, math.ceil(decades / 8)), minor=dict(showgrid=False))
    layout(fig, 400, lang)
    return _title_and_legend(fig, t(lang, "basics_loss_title", function=t(lang, f"basics_fn_{result['function']}")),
                             [tr.name for tr in fig.data], bottom=50)


def surface3d_figure(result: dict, lang: str) -> go.Figure:
    """The function as a 3-D surface on a coarse grid (log₁₀(1 + f − f*) in height and colour for
    Rosenbrock and Beale, whose walls would hide the valley), with each run's whole path drawn on it
    (the part inside the window), not animated."""
    surf = surfaces.SURFACES[result["function"]]
    x, y, z = _grid(surf, GRID_3D)

    def height(f):
        f = np.asarray(f, dtype=float)
        return np.log10(1.0 + np.maximum(f - surf.f_min, 0.0)) if surf.log_levels else f

    zz = height(z)
    lift = 0.03 * float(np.ptp(zz))  # paths drawn a little above the surface, or its chords would hide them
    ztitle = t(lang, "basics_axis_height_log" if surf.log_levels else "basics_axis_loss")
    fig = go.Figure(go.Surface(x=_f32(x), y=_f32(y), z=_f32(zz),
                               colorscale=SURFACE_SCALE, opacity=0.8, showscale=False, name="f",
                               hovertemplate="x₁ %{x:.3f}<br>x₂ %{y:.3f}<extra></extra>",
                               contours=dict(z=dict(show=True, usecolormap=False, color="#ffffff", width=1,
                                                    project=dict(z=False)))))
    window = math.hypot(surf.xlim[1] - surf.xlim[0], surf.ylim[1] - surf.ylim[0])
    for i, r in enumerate(result["runs"]):
        p = np.asarray(r["path"], dtype=float)
        inside = ((p[:, 0] >= surf.xlim[0]) & (p[:, 0] <= surf.xlim[1])
                  & (p[:, 1] >= surf.ylim[0]) & (p[:, 1] <= surf.ylim[1]))
        if not inside.any():
            continue
        cut = int(np.argmin(inside)) if not inside.all() else len(p)  # up to where it first leaves the window
        p = p[:max(cut, 1)]
        idx = display_indices(p, window, max_points=300)
        pz = height(np.asarray(r["loss"], dtype=float)[:len(p)][idx]) + lift
        label, color = run_label(r, lang), COLORS[i % len(COLORS)]
        size = np.zeros(len(idx))
        size[-1] = 6  # a marker where the run ends
        fig.add_trace(go.Scatter3d(x=_f32(p[idx, 0]), y=_f32(p[idx, 1]), z=_f32(pz), mode="lines+markers", name=label,
                                   line=dict(color=color, width=5), marker=dict(size=_f32(size), color=color),
                                   hovertemplate=f"{label}<extra></extra>"))
    mins = np.asarray(surf.minima, dtype=float)
    fig.add_trace(go.Scatter3d(x=mins[:, 0].tolist(), y=mins[:, 1].tolist(),
                               z=(height(surf.value(mins[:, 0], mins[:, 1])) + lift).tolist(), mode="markers",
                               name=t(lang, "basics_minimum"),
                               marker=dict(symbol="diamond", size=6, color="#ffd400", line=dict(color="#111111")),
                               hovertemplate=t(lang, "basics_minimum") + "<extra></extra>"))
    fig.update_layout(
        scene=dict(xaxis=dict(title=dict(text=t(lang, "basics_axis_x1"))),
                   yaxis=dict(title=dict(text=t(lang, "basics_axis_x2"))),
                   zaxis=dict(title=dict(text=ztitle)), aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.6),
                   camera=dict(eye=dict(x=-1.2, y=-1.3, z=1.6))))
    layout(fig, 560, lang)
    _title_and_legend(fig, t(lang, "basics_surface_title", function=t(lang, f"basics_fn_{surf.name}")),
                      [tr.name for tr in fig.data[1:]], bottom=10)
    return fig.update_layout(margin=dict(l=10, r=10))


def figure_json_size(fig: go.Figure) -> int:
    """The figure's JSON size in characters (what the browser receives)."""
    return len(fig.to_json())



# ---------------------------------------------------------------------------------------------------
# A trained network's loss landscape (explorer.basics.landscape)


def _as_dict(result) -> dict:
    return result.as_dict() if hasattr(result, "as_dict") else result


def landscape_line_figure(result, lang: str) -> go.Figure:
    """The loss along the straight line from the initial weights (α = 0) to the trained ones (α = 1)
    (``landscape.line``, or its ``as_dict()``), both ends marked; a log axis when the loss spans more
    than two decades."""
    d = _as_dict(result)
    alphas, loss = np.asarray(d["alphas"], dtype=float), np.asarray(d["loss"], dtype=float)
    loss_word = t(lang, "basics_land_loss_axis")
    fig = go.Figure(go.Scatter(x=_f32(alphas), y=_f32(loss), mode="lines+markers", name=loss_word,
                               line=dict(color=COLORS[1], width=2.5), marker=dict(size=4), showlegend=False,
                               hovertemplate="α %{x:.3f}<br>" + loss_word + " %{y:.4g}<extra></extra>"))
    for alpha, value, key, color in ((0.0, d["start_loss"], "basics_land_start", "#111111"),
                                     (1.0, d["end_loss"], "basics_land_end", "#ffd400")):
        fig.add_trace(go.Scatter(x=[alpha], y=[value], mode="markers", name=t(lang, key),
                                 marker=dict(size=13, color=color, symbol="star" if alpha else "circle",
                                             line=dict(color="#111111", width=1.2)),
                                 hovertemplate=t(lang, key) + "<br>" + loss_word + " %{y:.4g}<extra></extra>"))
    positive = loss[np.isfinite(loss) & (loss > 0)]
    log = positive.size == loss.size and positive.max() / positive.min() > 100
    fig.update_xaxes(title_text=t(lang, "basics_land_alpha_axis"), zeroline=False)
    fig.update_yaxes(title_text=loss_word, type="log" if log else "linear", exponentformat="power")
    for alpha in (0.0, 1.0):
        fig.add_vline(x=alpha, line=dict(color="#999999", width=1, dash="dot"))
    layout(fig, 380, lang)
    return _title_and_legend(fig, t(lang, "basics_land_line_title"),
                             [t(lang, "basics_land_start"), t(lang, "basics_land_end")], bottom=50)


def landscape_plane_figure(result, lang: str) -> go.Figure:
    """The loss over the plane through the trained weights (``landscape.plane``, or its
    ``as_dict()``) as a contour map (levels in log₁₀ when the loss spans more than two decades),
    the recorded path placed on it (its start, and the trained weights at the centre). The path's
    legend says how much of its recorded points lies off the plane, on average (the projection
    hides that part: most of it with random directions)."""
    d = _as_dict(result)
    a, b = np.asarray(d["a"], dtype=float), np.asarray(d["b"], dtype=float)
    z = np.asarray(d["loss"], dtype=float)
    finite = z[np.isfinite(z)]
    log = finite.size > 0 and finite.min() > 0 and finite.max() / finite.min() > 100
    loss_word = t(lang, "basics_land_loss_axis")
    if log:
        zc = np.log10(z)
        ticks = _log_ticks(lang, float(np.nanmin(zc)), float(np.nanmax(zc)))
        bar = dict(title=dict(text=t(lang, "basics_land_colorbar_log"), side="right"), tickvals=ticks[0],
                   ticktext=ticks[1])
    else:
        zc = z
        bar = dict(title=dict(text=loss_word, side="right"))
    fig = go.Figure(go.Contour(x=_f32(a), y=_f32(b), z=_f32(zc), customdata=_f32(z), colorscale=SURFACE_SCALE,
                               ncontours=24, contours=dict(coloring="heatmap"),
                               line=dict(color="rgba(255,255,255,0.8)", width=0.6), colorbar=dict(**bar, len=0.9),
                               hovertemplate="%{x:.3f}, %{y:.3f}<br>" + loss_word + " %{customdata:.4g}<extra></extra>",
                               showlegend=False))
    path = np.asarray(d["path"], dtype=float).reshape(-1, 2)
    if len(path):
        path_loss = np.asarray(d["path_loss"], dtype=float)
        off = np.asarray(d["path_offplane"], dtype=float)
        off = off[off > 0]
        name = (t(lang, "basics_land_path_offplane", pct=num(lang, 100 * float(np.mean(off))))
                if off.size else t(lang, "basics_land_path"))
        fig.add_trace(go.Scatter(x=_f32(path[:, 0]), y=_f32(path[:, 1]), mode="lines+markers",
                                 name=name, customdata=_f32(path_loss),
                                 line=dict(color=COLORS[0], width=2.5), marker=dict(size=5, color=COLORS[0]),
                                 hovertemplate=t(lang, "basics_land_path") + "<br>" + loss_word
                                 + " %{customdata:.4g}<extra></extra>"))
        fig.add_trace(go.Scatter(x=_f32(path[:1, 0]), y=_f32(path[:1, 1]), mode="markers",
                                 name=t(lang, "basics_land_start"),
                                 marker=dict(size=12, color="#111111", line=dict(color="#ffffff", width=1.5)),
                                 hovertemplate=t(lang, "basics_land_start") + "<extra></extra>"))
    center = f"{d['center_loss']:.4g}"
    center = center.replace(".", ",") if lang == "es" else center
    fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", name=t(lang, "basics_land_end"),
                             marker=dict(symbol="star", size=16, color="#ffd400",
                                         line=dict(color="#111111", width=1.2)),
                             hovertemplate=f"{t(lang, 'basics_land_end')}<br>{loss_word} {center}<extra></extra>"))
    kind = "pca" if d["directions"] == "pca" else "random"
    fig.update_xaxes(title_text=t(lang, f"basics_land_dir1_{kind}"), range=[float(a[0]), float(a[-1])],
                     showgrid=False, zeroline=False)
    fig.update_yaxes(title_text=t(lang, f"basics_land_dir2_{kind}"), range=[float(b[0]), float(b[-1])],
                     showgrid=False, zeroline=False)
    layout(fig, 520, lang)
    labels = [tr.name for tr in fig.data[1:]]
    return _title_and_legend(fig, t(lang, f"basics_land_plane_title_{kind}"), labels, bottom=50)
