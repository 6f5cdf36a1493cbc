"""The Fundamentos tab: from one neuron to a network, and how an optimizer finds its way — the
first half of the course (the perceptron, activations, layers, softmax and cross-entropy, L1/L2 and
dropout, backpropagation, the optimizers) shown on 2-D data, where everything can be drawn.

Four sections, each a sub-tab: one neuron (its line, its activation, Rosenblatt's rule step by
step, XOR), the network playground (TensorFlow Playground's view, plus rewind, two runs side by
side from the same start, the user's own points or CSV, 2 to 5 classes), backpropagation with every
number on a 2-2-1 network, and the optimizers on loss surfaces (and on the loss of the network just
trained). Every run is computed whole in torch and sent once as an animated Plotly figure the
browser plays, pauses and rewinds: no stream of frames, so a class pressing "Train" at once costs
one short computation each (and one, for all, when they run the same scenario).

API (gradio_client): ``/neuron``, ``/perceptron``, ``/playground``, ``/playground_compare``,
``/backprop_step``, ``/optimizers``, ``/landscape``, ``/basics_preset``, ``/optimizers_preset``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from explorer import memo, worker
from explorer.basics import backprop, data2d, neuron, surfaces
from explorer.basics import compute as pg
from explorer.basics import neuron_views as nv
from explorer.basics import surface_views as sv
from explorer.basics import views as bv
from explorer.basics.scenarios import COMPARE_KEYS, OPT_SCENARIOS, SCENARIOS
from explorer.errors import InputError
from explorer.i18n import num, t
from explorer.plots import RawFigure, playable
from explorer.session import SessionStore
from explorer.ui import wiring
from explorer.ui.common import NEXT_SCENARIO, L, draw_events, friendly, session_key, shown_flag
from explorer.ui.components import CheckboxGroup, Number, OpenDropdown, Slider

# A run is ~0.1-0.3 s of one core: two at a time (the machine's cores), the rest wait their turn
# in the queue (30 students: a few seconds for the last, measured in bench/bench_basics.py).
BASICS_CONCURRENCY = int(os.environ.get("DLE_BASICS_CONCURRENCY", "2"))
RUN_QUEUE = dict(concurrency_limit=BASICS_CONCURRENCY, concurrency_id="basics")
SOURCES = ("generated", "points", "csv")


def warm_up() -> None:
    """The app's warm-up: as many worker processes as runs go at once, each with torch and the
    playground imported and a tiny run done (a class's first runs paid that inside the burst)."""
    worker.prime(BASICS_CONCURRENCY, bv.warm_worker)

# ------------------------------------------------------------------------------ the playground

# Plotly's clicks are not Gradio events: this script, run once when the page loads, listens on the
# plane of "#basics-draw" (an invisible grid over it answers clicks anywhere). A click adds the point
# [x₁, x₂, class] (the class chosen in "#basics-draw-class") to the text of "#basics-points", which a
# run reads, and draws it at once (trace 1 + class): no request per click.
POINTS_JS = r"""
() => {
  const bind = (gd) => {
    if (!gd.on || gd.__dlePoints === gd._fullLayout) return;
    gd.__dlePoints = gd._fullLayout;
    if (gd.removeAllListeners) gd.removeAllListeners("plotly_click");
    gd.on("plotly_click", (ev) => {
      const p = ev.points && ev.points[0];
      const box = document.querySelector("#basics-points textarea");
      const picked = document.querySelector("#basics-draw-class input:checked");
      if (!p || !box || p.curveNumber !== 0) return;
      const cls = picked ? parseInt(picked.value, 10) || 0 : 0;
      let rows = [];
      try { rows = JSON.parse(box.value || "[]"); } catch (e) { rows = []; }
      if (!Array.isArray(rows)) rows = [];
      const x = Math.round(p.x * 100) / 100, y = Math.round(p.y * 100) / 100;
      rows.push([x, y, cls]);
      box.value = JSON.stringify(rows);
      box.dispatchEvent(new Event("input", { bubbles: true }));
      if (window.Plotly) window.Plotly.extendTraces(gd, { x: [[x]], y: [[y]] }, [1 + cls]);
    });
  };
  let queued = false;  // one look per animation frame, however many changes the page makes
  const scan = () => { queued = false; document.querySelectorAll("#basics-draw .js-plotly-plot").forEach(bind); };
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(scan); } })
    .observe(document.body, { childList: true, subtree: true });
  scan();
}
"""

_RUNS = memo.Memo(16)  # identical generated runs (a class on the same scenario) and their ~1 MB figures


def _data(source, dataset, noise, classes, n_points, test_share, data_seed, points, csv_file) -> data2d.Data2D:
    """The run's points: a generated data set, the points clicked on the plane (JSON rows
    [x₁, x₂, class]) or a CSV file."""
    if source == "generated":
        return data2d.make(dataset, n_points, noise, classes, test_share, data_seed)
    if source == "points":
        try:
            rows = json.loads(points) if isinstance(points, str) and points.strip() else points
        except json.JSONDecodeError:
            raise InputError("basics_bad_points") from None
        return data2d.from_points(rows or [], test_share, int(data_seed or 0))
    if source == "csv":
        if not csv_file:
            raise InputError("basics_csv_missing")
        path = Path(csv_file if isinstance(csv_file, str) else getattr(csv_file, "path", "") or "")
        if not path.is_file():
            raise InputError("basics_csv_missing")
        if path.stat().st_size > data2d.MAX_CSV_BYTES:
            raise InputError("basics_csv_big", mb=round(path.stat().st_size / 1e6, 1),
                             max_mb=data2d.MAX_CSV_BYTES // 1_000_000)
        return data2d.read_csv(path.read_bytes(), test_share, int(data_seed or 0))
    raise InputError("basics_source", value=str(source)[:20], choices=", ".join(SOURCES))


def _status(run: pg.Run, lang: str, asked_classes=None) -> str:
    f = run.final
    parts = [t(lang, "basics_pg_done", steps=num(lang, f["step"]), epochs=num(lang, f["epoch"], 1),
               train=num(lang, 100 * f["train_acc"], 1),
               test=num(lang, 100 * f["test_acc"], 1) if f["test_acc"] is not None else "—")]
    if run.diverged_at is not None:
        parts.append(t(lang, "basics_pg_diverged", step=num(lang, run.diverged_at)))
    if asked_classes is not None and run.data.name in data2d.TWO_CLASS_ONLY and str(asked_classes) != "2":
        parts.append(t(lang, "basics_pg_two_classes"))
    return "\n\n".join(parts)


def _run(source, dataset, noise, classes, n_points, test_share, data_seed, points, csv_file, features, hidden,
         activation, optimizer, lr, batch_size, steps, l1, l2, dropout, seed, lang: str = "en",
         label: str = "") -> tuple[pg.Run, RawFigure, dict]:
    """The run (trained, or the same one a moment ago), its figure in ``lang`` and its JSON."""
    cfg = pg.check_config(features, hidden, activation, optimizer, lr, batch_size, steps, l1, l2, dropout, seed)
    data = _data(source, dataset, noise, classes, n_points, test_share, data_seed, points, csv_file)
    # generated points depend on nothing but the settings: the same answer for everyone (not a
    # user's own points or file). Trained and drawn in a worker process (bv.computed_run says why).
    key = (memo.key_of("playground", repr((dataset, noise, classes, n_points, test_share, data_seed, cfg)), lang,
                       label) if source == "generated" else None)
    return _RUNS.get_or_make(key, lambda: worker.run(bv.computed_run, cfg, data, lang, label))


@friendly
def playground(store: SessionStore, source, dataset, noise, classes, n_points, test_share, data_seed, points,
               csv_file, features, hidden, activation, optimizer, lr, batch_size, steps, l1, l2, dropout, seed,
               lang, request: gr.Request):
    """Train a small network on 2-D points and return the whole run as one animated figure (the
    network's neurons and weights, the decision regions, the losses; play, pause, rewind) and a
    JSON summary: per recorded step the train/test loss and accuracy, and the final weights.
    ``source``: "generated" (``dataset``, ``noise``, ``classes``, ``n_points``), "points" (``points``,
    JSON rows [x₁, x₂, class]) or "csv" (``csv_file``: columns x1, x2, class). ``hidden``: neurons
    per hidden layer, e.g. "4, 2" ("" for none)."""
    run, fig, summary = _run(source, dataset, noise, classes, n_points, test_share, data_seed, points, csv_file,
                             features, hidden, activation, optimizer, lr, batch_size, steps, l1, l2, dropout, seed,
                             lang)
    store.get(session_key(request)).basics_run = run
    return _status(run, lang, classes), fig, summary


def _setting_text(key: str, value, lang: str) -> str:
    """A setting as the comparison's labels say it: "L2 = 0,003", "capas ocultas: 8, 8"."""
    if key == "hidden":
        value = ", ".join(map(str, value)) or "—"
    elif isinstance(value, float):
        value = num(lang, value, 4).rstrip("0").rstrip(",.") or "0"
    elif key == "optimizer":
        value = t(lang, f"basics_optimizer_{value}")
    elif key == "activation":
        value = t(lang, f"basics_activation_{value}")
    return f"{t(lang, f'basics_{key}_label')}: {value}"


def _changed(key, value):
    """Run B's setting ``key`` from the text or value ``value`` (checked with the rest by check_config)."""
    if key not in COMPARE_KEYS:
        raise InputError("basics_compare_key", value=str(key)[:20], choices=", ".join(COMPARE_KEYS))
    limits = {"lr": (1e-5, 10), "l2": (0, 1), "dropout": (0, 0.9)}
    if key in limits and isinstance(value, str):
        try:
            return float(value.replace(",", "."))
        except ValueError:
            raise InputError(f"basics_{key}", value=value[:20], lo=limits[key][0], hi=limits[key][1]) from None
    return value


@friendly
def playground_compare(store: SessionStore, source, dataset, noise, classes, n_points, test_share, data_seed,
                       points, csv_file, features, hidden, activation, optimizer, lr, batch_size, steps, l1, l2,
                       dropout, seed, compare_key, compare_value, lang, request: gr.Request):
    """Two runs from the same first weights, on the same points and batches: A with these settings,
    B with one of them changed (``compare_key``: optimizer, activation, l2, lr, dropout or hidden;
    ``compare_value``: its value for B, e.g. "adam", "0.003", "8, 8"). Both runs' animated figures,
    their losses and accuracies on the same axes, and JSON {"a": ..., "b": ...} as /playground's."""
    args = dict(features=features, hidden=hidden, activation=activation, optimizer=optimizer, lr=lr,
                batch_size=batch_size, steps=steps, l1=l1, l2=l2, dropout=dropout, seed=seed)
    data_args = (source, dataset, noise, classes, n_points, test_share, data_seed, points, csv_file)
    run_a, fig_a, sum_a = _run(*data_args, **args, lang=lang, label="A")
    run_b, fig_b, sum_b = _run(*data_args, **{**args, compare_key: _changed(compare_key, compare_value)}, lang=lang,
                               label="B")
    store.get(session_key(request)).basics_run = run_b
    label_a, label_b = (_setting_text(compare_key, getattr(r.config, compare_key), lang) for r in (run_a, run_b))
    status = t(lang, "basics_compare_status", a=label_a, b=label_b,
               acc_a=num(lang, 100 * (run_a.final["test_acc"] or 0), 1),
               acc_b=num(lang, 100 * (run_b.final["test_acc"] or 0), 1))
    return (status, fig_a, fig_b,
            bv.compare_figure(run_a, run_b, (f"A ({label_a})", f"B ({label_b})"), lang),
            {"compare": compare_key, "a": sum_a, "b": sum_b})


def _as_text(value) -> str:
    return value if isinstance(value, str) else repr(value)


PG_KEYS = ("dataset", "noise", "classes", "n_points", "test_share", "data_seed", "features", "hidden", "activation",
           "optimizer", "lr", "batch_size", "steps", "l1", "l2", "dropout", "seed")


@friendly
def apply_preset(name, lang):
    """A scenario's settings (every playground control; what run B changes, for the comparing
    ones) and its lesson. The source becomes "generated"."""
    sc = SCENARIOS.get_checked(name)
    compare = sc["compare"]
    return (["generated"] + [sc[k] for k in PG_KEYS]
            + ([compare[0], _as_text(compare[1])] if compare else [gr.skip(), gr.skip()])
            + [SCENARIOS.lesson(name, lang)])


def run_scenario(store: SessionStore, name, source, dataset, noise, classes, n_points, test_share, data_seed, points,
                 csv_file, features, hidden, activation, optimizer, lr, batch_size, steps, l1, l2, dropout, seed,
                 compare_key, compare_value, lang, request: gr.Request):
    """After a scenario is applied: run it (with its comparison when it has one). A name that is
    no scenario ends quietly (the preset's own error was said already)."""
    if name not in SCENARIOS:
        return [gr.skip()] * 5
    settings = (source, dataset, noise, classes, n_points, test_share, data_seed, points, csv_file, features, hidden,
                activation, optimizer, lr, batch_size, steps, l1, l2, dropout, seed)
    if SCENARIOS[name]["compare"] is not None:
        status, fig_a, fig_b, cmp_fig, summary = playground_compare(store, *settings, compare_key, compare_value,
                                                                    lang, request)
        return status, fig_a, gr.Plot(value=fig_b, visible=True), gr.Plot(value=cmp_fig, visible=True), summary
    status, fig, summary = playground(store, *settings, lang, request)
    return status, fig, gr.Plot(visible=False), gr.Plot(visible=False), summary


@friendly
def points_figure(source, dataset, noise, classes, n_points, test_share, data_seed, points, csv_file, lang):
    """The points of a CSV, or those clicked on the plane (a click adds one of the chosen class:
    drawn by the page itself, this redraws them after the text of the points was edited)."""
    if source == "csv":
        data = _data(source, dataset, noise, classes, n_points, test_share, data_seed, points, csv_file)
        return bv.data_figure(data, lang)
    if source != "points":
        return gr.skip()
    try:
        rows = json.loads(points) if isinstance(points, str) and points.strip() else []
    except json.JSONDecodeError:
        raise InputError("basics_bad_points") from None
    if len(rows) >= data2d.MIN_USER_POINTS:
        data2d.from_points(rows, 0.0)  # the same checks as a run's (a bad edit is said now, not at training)
    return bv.draw_figure(rows, lang)


@dataclass
class Playground:
    preset: gr.Dropdown
    next_preset: gr.Button
    lesson: gr.Markdown
    source: gr.Radio
    dataset: gr.Dropdown
    noise: gr.Slider
    classes: gr.Slider
    n_points: gr.Slider
    test_share: gr.Slider
    data_seed: gr.Number
    points: gr.Textbox
    draw_class: gr.Radio
    clear: gr.Button
    csv: gr.File
    points_plot: gr.Plot
    features: gr.CheckboxGroup
    hidden: gr.Textbox
    activation: gr.Radio
    optimizer: gr.Dropdown
    lr: gr.Number
    batch_size: gr.Slider
    steps: gr.Slider
    l1: gr.Number
    l2: gr.Number
    dropout: gr.Slider
    seed: gr.Number
    train: gr.Button
    compare_key: gr.Dropdown
    compare_value: gr.Textbox
    compare: gr.Button
    status: gr.Markdown
    plot: gr.Plot
    plot_b: gr.Plot
    compare_plot: gr.Plot
    json: gr.JSON
    gen_box: gr.Group
    draw_box: gr.Group

    @property
    def data_inputs(self) -> list:
        return [self.source, self.dataset, self.noise, self.classes, self.n_points, self.test_share, self.data_seed,
                self.points, self.csv]

    @property
    def inputs(self) -> list:
        return self.data_inputs + [self.features, self.hidden, self.activation, self.optimizer, self.lr,
                                   self.batch_size, self.steps, self.l1, self.l2, self.dropout, self.seed]

    @property
    def scenario_outputs(self) -> list:
        return [self.source, self.dataset, self.noise, self.classes, self.n_points, self.test_share, self.data_seed,
                self.features, self.hidden, self.activation, self.optimizer, self.lr, self.batch_size, self.steps,
                self.l1, self.l2, self.dropout, self.seed, self.compare_key, self.compare_value, self.lesson]


def playground_section() -> Playground:
    """The playground: a scenario, the data (generated, clicked or a CSV), the features, the
    network and its training on the left; the run's animated figure (and run B's) on the right."""
    d = SCENARIOS["xor_hidden"]
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=320):
            with gr.Row(equal_height=True):
                preset = OpenDropdown([(L(sc.title_key), name) for name, sc in SCENARIOS.items()], value=None,
                                     label=L("basics_scn_label"), info=L("basics_scn_info"), elem_id="basics-preset",
                                     scale=4)
                next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="basics-next-preset", scale=0,
                                        min_width=40, elem_classes=["dle-next-preset"])
            lesson = gr.Markdown(elem_id="basics-lesson")
            with gr.Accordion(L("basics_data_heading"), open=True):
                source = gr.Radio([(L(f"basics_source_{s}"), s) for s in SOURCES], value="generated",
                                  label=L("basics_source_label"), elem_id="basics-source")
                with gr.Group(visible=True) as gen_box:
                    dataset = OpenDropdown([(L(f"basics_ds_{n}"), n) for n in data2d.DATASETS], value=d["dataset"],
                                          label=L("basics_dataset_label"), elem_id="basics-dataset")
                    with gr.Row():
                        noise = Slider(0, 1, value=d["noise"], step=0.05, label=L("basics_noise_label"),
                                       elem_id="basics-noise")
                        classes = Slider(2, data2d.MAX_CLASSES, value=d["classes"], step=1,
                                         label=L("basics_classes_label"), info=L("basics_classes_info"),
                                         elem_id="basics-classes")
                    n_points = Slider(data2d.MIN_POINTS, data2d.MAX_POINTS, value=d["n_points"], step=10,
                                      label=L("basics_points_label"), elem_id="basics-n-points")
                with gr.Group(visible=False) as draw_box:
                    draw_class = gr.Radio([(L(f"basics_class_{c}"), c) for c in range(data2d.MAX_CLASSES)], value=0,
                                          label=L("basics_draw_class_label"), info=L("basics_draw_class_info"),
                                          elem_id="basics-draw-class")
                    points = gr.Textbox("", label=L("basics_points_json_label"), info=L("basics_points_json_info"),
                                        lines=2, max_lines=4, elem_id="basics-points")
                    clear = gr.Button(L("basics_clear_points"), size="sm", elem_id="basics-clear-points")
                # any file: Gradio's own type check refused others in English, with a traceback; the
                # handler says what is wrong with it in the page's language
                csv = gr.File(label=L("basics_csv_label"), type="filepath", visible=False, elem_id="basics-csv")
                with gr.Row():
                    test_share = Slider(0, 0.9, value=d["test_share"], step=0.05, label=L("basics_test_share_label"),
                                        elem_id="basics-test-share")
                    data_seed = Number(0, precision=0, label=L("basics_data_seed_label"), elem_id="basics-data-seed")
            with gr.Accordion(L("basics_net_heading"), open=True):
                features = CheckboxGroup([(data2d.FEATURE_TEXT[f], f) for f in data2d.FEATURES],
                                            value=list(d["features"]), label=L("basics_features_label"),
                                            info=L("basics_features_info"), elem_id="basics-features")
                hidden = gr.Textbox(d["hidden"], label=L("basics_hidden_label"), info=L("basics_hidden_info"),
                                    elem_id="basics-hidden", max_length=40)
                activation = gr.Radio([(L(f"basics_activation_{a}"), a) for a in pg.ACTIVATIONS],
                                      value=d["activation"], label=L("basics_activation_label"),
                                      elem_id="basics-activation")
            with gr.Accordion(L("basics_train_heading"), open=False):
                optimizer = OpenDropdown([(L(f"basics_optimizer_{o}"), o) for o in pg.OPTIMIZERS],
                                        value=d["optimizer"], label=L("basics_optimizer_label"),
                                        elem_id="basics-optimizer")
                with gr.Row():
                    lr = Number(d["lr"], label=L("basics_lr_label"), elem_id="basics-lr")
                    batch_size = Slider(1, 100, value=d["batch_size"], step=1, label=L("basics_batch_size_label"),
                                        elem_id="basics-batch")
                steps = Slider(1, pg.MAX_STEPS, value=d["steps"], step=1, label=L("basics_steps_label"),
                               info=L("basics_steps_info"), elem_id="basics-steps")
                with gr.Row():
                    l1 = Number(0, label=L("basics_l1_label"), elem_id="basics-l1")
                    l2 = Number(0, label=L("basics_l2_label"), elem_id="basics-l2")
                    dropout = Slider(0, 0.9, value=0, step=0.05, label=L("basics_dropout_label"),
                                     elem_id="basics-dropout")
                seed = Number(0, precision=0, label=L("seed_label"), elem_id="basics-seed")
            train = gr.Button(L("basics_train_run"), variant="primary", elem_id="basics-train")
            with gr.Accordion(L("basics_compare_heading"), open=False):
                gr.Markdown(L("basics_compare_intro"))
                compare_key = OpenDropdown([(L(f"basics_{k}_label"), k) for k in COMPARE_KEYS], value="optimizer",
                                          label=L("basics_compare_key_label"), elem_id="basics-compare-key")
                compare_value = gr.Textbox("adam", label=L("basics_compare_value_label"),
                                           info=L("basics_compare_value_info"), elem_id="basics-compare-value",
                                           max_length=40)
                compare = gr.Button(L("basics_compare_run"), elem_id="basics-compare")
        with gr.Column(scale=3, min_width=420):
            status = gr.Markdown(elem_id="basics-status")
            points_plot = gr.Plot(label=L("basics_data_title"), elem_id="basics-draw", visible=False,
                                  elem_classes=["dle-draw2d"])
            plot = gr.Plot(label=L("basics_pg_plot_label"), elem_id="basics-pg-plot")
            plot_b = gr.Plot(label=L("basics_pg_plot_b_label"), elem_id="basics-pg-plot-b", visible=False)
            compare_plot = gr.Plot(label=L("basics_compare_title"), elem_id="basics-compare-plot", visible=False)
            json_out = wiring.json_panel("/playground", "basics-pg-json")
    return Playground(preset, next_preset, lesson, source, dataset, noise, classes, n_points, test_share, data_seed,
                      points, draw_class, clear, csv, points_plot, features, hidden, activation, optimizer, lr,
                      batch_size, steps, l1, l2, dropout, seed, train, compare_key, compare_value, compare, status,
                      plot, plot_b, compare_plot, json_out, gen_box, draw_box)


def source_boxes(source):
    """Show the controls of the chosen source of points."""
    return (gr.Group(visible=source == "generated"), gr.Group(visible=source == "points"),
            gr.File(visible=source == "csv"), gr.Plot(visible=source == "points"))


def wire_playground(store: SessionStore, lang: gr.Radio, p: Playground) -> None:
    ins = p.inputs + [lang]
    single_out = [p.status, p.plot, p.json]
    p.train.click(wiring.bind(playground, store), ins, single_out, api_name="playground", show_progress="minimal",
                  **RUN_QUEUE).then(lambda: (gr.Plot(visible=False), gr.Plot(visible=False)), None,
                                    [p.plot_b, p.compare_plot], **wiring.GATE)
    p.compare.click(wiring.bind(playground_compare, store), ins[:-1] + [p.compare_key, p.compare_value, lang],
                    [p.status, p.plot, p.plot_b, p.compare_plot, p.json], api_name="playground_compare",
                    show_progress="minimal", **RUN_QUEUE).then(
        lambda: (gr.Plot(visible=True), gr.Plot(visible=True)), None, [p.plot_b, p.compare_plot], **wiring.GATE)
    p.preset.input(apply_preset, [p.preset, lang], p.scenario_outputs, api_name="basics_preset",
                   show_progress="hidden").then(
        wiring.bind(run_scenario, store), [p.preset] + ins[:-1] + [p.compare_key, p.compare_value, lang],
        [p.status, p.plot, p.plot_b, p.compare_plot, p.json], **wiring.HIDDEN, **RUN_QUEUE)
    wiring.next_scenario_event(p.next_preset, p.preset, SCENARIOS).then(
        apply_preset, [p.preset, lang], p.scenario_outputs, **wiring.HIDDEN).then(
        wiring.bind(run_scenario, store), [p.preset] + ins[:-1] + [p.compare_key, p.compare_value, lang],
        [p.status, p.plot, p.plot_b, p.compare_plot, p.json], **wiring.HIDDEN, **RUN_QUEUE)
    p.source.change(source_boxes, [p.source], [p.gen_box, p.draw_box, p.csv, p.points_plot], **wiring.GATE)
    # the clicked points are drawn by the page (POINTS_JS); the server redraws them after an edit by hand
    gr.on([p.source.change, p.points.blur, p.csv.change], points_figure, p.data_inputs + [lang], [p.points_plot],
          api_name="basics_points", show_progress="hidden", trigger_mode="always_last")
    p.clear.click(lambda: "", None, [p.points], **wiring.GATE).then(points_figure, p.data_inputs + [lang],
                                                                     [p.points_plot], **wiring.HIDDEN)


# ------------------------------------------------------------------------- one neuron, the perceptron

NEURON_ACTIVATIONS = ("step", "sigmoid", "tanh", "relu", "linear")
PERCEPTRON_DATA = tuple(neuron.DATASETS)  # separable, and, or, xor
_NEURON = memo.Memo(64)


@friendly
def neuron_view(w1, w2, b, activation, lang):
    """One neuron y = f(w₁x₁ + w₂x₂ + b) over the plane: its output as colours, the line
    w·x + b = 0 where z changes sign, and its activation function with the derivative. JSON: the
    weights, the line's end points, the output's range."""
    key = memo.key_of("neuron", repr((w1, w2, b, activation)), lang)

    def make():
        plane = neuron.neuron_plane(w1, w2, b, activation)
        return (nv.neuron_figure(plane, lang), nv.activation_figure(activation, lang), plane.summary)
    return _NEURON.get_or_make(key, make)


@friendly
def perceptron_run(dataset, lr, max_epochs, shuffle_seed, lang):
    """Rosenblatt's perceptron rule (1957) run point by point on ``dataset`` (separable, and, or,
    xor): every visit recorded, and the run as an animation (play, pause, a slider over the
    visits). JSON: converged or not, the epochs, the errors per epoch, the final weights."""
    if dataset not in neuron.DATASETS:
        raise InputError("basics_perc_dataset", value=str(dataset)[:20], choices=", ".join(PERCEPTRON_DATA))
    key = memo.key_of("perceptron", repr((dataset, lr, max_epochs, shuffle_seed)), lang)

    def make():
        pts, labels = neuron.DATASETS[dataset]()
        seed = None if shuffle_seed in (None, "", 0, 0.0, "0") else shuffle_seed
        result = neuron.perceptron(pts, labels, lr=lr, max_epochs=neuron.checked_int("max_epochs", max_epochs, 1, 200),
                                   shuffle_seed=seed)
        w1, w2, b = result.weights
        text = t(lang, "basics_perc_converged" if result.converged else "basics_perc_not_converged",
                 epochs=num(lang, result.epochs), errors=num(lang, result.errors_per_epoch[-1]),
                 w=f"({nv.fmt(lang, w1, 3)}; {nv.fmt(lang, w2, 3)})", b=nv.fmt(lang, b, 3))
        return text, playable(nv.perceptron_figure(result, pts, labels, lang)), result.summary()
    return _NEURON.get_or_make(key, make)


@friendly
def xor_view(lang):
    """XOR with a hidden layer of two neurons: the two lines in the plane, and the hidden space
    where one line separates the four corners."""
    return _NEURON.get_or_make(("xor", lang), lambda: nv.xor_figure(lang))


@dataclass
class NeuronSection:
    w1: gr.Slider
    w2: gr.Slider
    b: gr.Slider
    activation: gr.Radio
    plane: gr.Plot
    act_plot: gr.Plot
    json: gr.JSON
    perc_data: gr.Radio
    perc_lr: gr.Number
    perc_epochs: gr.Slider
    perc_seed: gr.Number
    perc_run: gr.Button
    perc_status: gr.Markdown
    perc_plot: gr.Plot
    perc_json: gr.JSON
    xor_plot: gr.Plot

    @property
    def inputs(self) -> list:
        return [self.w1, self.w2, self.b, self.activation]

    @property
    def perc_inputs(self) -> list:
        return [self.perc_data, self.perc_lr, self.perc_epochs, self.perc_seed]


def neuron_section() -> NeuronSection:
    gr.Markdown(L("basics_neuron_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280):
            w1 = Slider(-5, 5, value=1.0, step=0.1, label="w₁", elem_id="basics-w1")
            w2 = Slider(-5, 5, value=-1.0, step=0.1, label="w₂", elem_id="basics-w2")
            b = Slider(-5, 5, value=0.5, step=0.1, label="b", info=L("basics_neuron_b_info"), elem_id="basics-b")
            activation = gr.Radio([(L(f"basics_neuron_act_{a}"), a) for a in NEURON_ACTIVATIONS], value="sigmoid",
                                  label=L("basics_activation_label"), elem_id="basics-neuron-activation")
        with gr.Column(scale=3, min_width=420):
            with gr.Row(equal_height=False):
                plane = gr.Plot(label=L("basics_neuron_plot_label"), elem_id="basics-neuron-plot")
                act_plot = gr.Plot(label=L("basics_activation_plot_label"), elem_id="basics-activation-plot")
            json_out = wiring.json_panel("/neuron", "basics-neuron-json")
    gr.Markdown(L("basics_perc_heading"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280):
            perc_data = gr.Radio([(L(f"basics_perc_ds_{d}"), d) for d in PERCEPTRON_DATA], value="separable",
                                 label=L("basics_perc_data_label"), elem_id="basics-perc-data")
            with gr.Row():
                perc_lr = Number(1.0, label=L("basics_lr_label"), elem_id="basics-perc-lr")
                perc_seed = Number(0, precision=0, label=L("basics_perc_seed_label"),
                                   info=L("basics_perc_seed_info"), elem_id="basics-perc-seed")
            perc_epochs = Slider(1, 200, value=20, step=1, label=L("basics_perc_epochs_label"),
                                 elem_id="basics-perc-epochs")
            perc_run = gr.Button(L("basics_perc_run"), variant="primary", elem_id="basics-perc-run")
        with gr.Column(scale=3, min_width=420):
            perc_status = gr.Markdown(elem_id="basics-perc-status")
            perc_plot = gr.Plot(label=L("basics_perc_plot_label"), elem_id="basics-perc-plot")
            perc_json = wiring.json_panel("/perceptron", "basics-perc-json")
    gr.Markdown(L("basics_xor_intro"))
    xor_plot = gr.Plot(label=L("basics_xor_plot_label"), elem_id="basics-xor-plot")
    return NeuronSection(w1, w2, b, activation, plane, act_plot, json_out, perc_data, perc_lr, perc_epochs, perc_seed,
                         perc_run, perc_status, perc_plot, perc_json, xor_plot)


def wire_neuron(lang: gr.Radio, n: NeuronSection) -> None:
    gr.on([n.w1.release, n.w2.release, n.b.release, n.activation.change], neuron_view, n.inputs + [lang],
          [n.plane, n.act_plot, n.json], api_name="neuron", show_progress="hidden", trigger_mode="always_last")
    gr.on([n.perc_run.click, n.perc_data.change], perceptron_run, n.perc_inputs + [lang],
          [n.perc_status, n.perc_plot, n.perc_json], api_name="perceptron", show_progress="hidden",
          trigger_mode="always_last")


def draw_neuron(ev, lang: gr.Radio, n: NeuronSection) -> None:
    ev.success(neuron_view, n.inputs + [lang], [n.plane, n.act_plot, n.json], **wiring.HIDDEN).success(
        perceptron_run, n.perc_inputs + [lang], [n.perc_status, n.perc_plot, n.perc_json], **wiring.HIDDEN).success(
        xor_view, [lang], [n.xor_plot], **wiring.HIDDEN)


# ------------------------------------------------------------------------------ backpropagation

def _weights_text(weights: dict) -> str:
    return ", ".join(f"{weights[p]:.6g}" for p in backprop.PARAMS)


DEFAULT_WEIGHTS = _weights_text(backprop.DEFAULT_EXAMPLE["weights"])


def _parse_weights(text) -> dict:
    """Nine numbers w₁₁, w₁₂, w₂₁, w₂₂, b₁, b₂, v₁, v₂, c (commas or spaces), or a dict of them."""
    if isinstance(text, dict):
        return text
    parts = [p for p in str(text or "").replace(";", " ").replace(",", " ").split() if p]
    if len(parts) != len(backprop.PARAMS):
        raise InputError("basics_bp_weights", names=", ".join(backprop.PARAMS), got=len(parts))
    try:
        return dict(zip(backprop.PARAMS, (float(p) for p in parts)))
    except ValueError:
        raise InputError("basics_bp_weights", names=", ".join(backprop.PARAMS), got=str(text)[:40]) from None


@friendly
def backprop_step(weights, x1, x2, target, lr, hidden, loss, lang):
    """One step of gradient descent on a 2-2-1 network with every number: the forward pass (each
    weighted sum and activation), the loss, every gradient by the chain rule, every weight's
    update (old − lr·gradient = new) and the loss after it. ``weights``: nine numbers w11, w12,
    w21, w22, b1, b2, v1, v2, c. Returns the diagram, the table, a sentence, the JSON (every
    number on the diagram) and the new weights (pressing the button again takes the next step)."""
    step = backprop.backprop_step(_parse_weights(weights), (x1, x2), target, lr=lr, hidden=hidden, loss=loss)
    table = nv.backprop_table(step, lang)
    return (nv.backprop_figure(step, lang), gr.Dataframe(value=table, headers=nv.backprop_table_header(lang)),
            nv.backprop_summary_line(step, lang), step.to_dict(), _weights_text(step.new_weights))


def backprop_show(weights, x1, x2, target, lr, hidden, loss, lang):
    """The step from the weights shown, without replacing them (on first view, a language switch, a reset)."""
    return backprop_step(weights, x1, x2, target, lr, hidden, loss, lang)[:4]


@dataclass
class BackpropSection:
    weights: gr.Textbox
    x1: gr.Number
    x2: gr.Number
    target: gr.Number
    lr: gr.Number
    hidden: gr.Radio
    loss: gr.Radio
    step: gr.Button
    reset: gr.Button
    plot: gr.Plot
    summary: gr.Markdown
    table: gr.Dataframe
    json: gr.JSON

    @property
    def inputs(self) -> list:
        return [self.weights, self.x1, self.x2, self.target, self.lr, self.hidden, self.loss]


def backprop_section() -> BackpropSection:
    ex = backprop.DEFAULT_EXAMPLE
    gr.Markdown(L("basics_bp_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280):
            weights = gr.Textbox(DEFAULT_WEIGHTS, label=L("basics_bp_weights_label"), info=L("basics_bp_weights_info"),
                                 elem_id="basics-bp-weights", max_length=200)
            with gr.Row():
                x1 = Number(ex["x"][0], label="x₁", elem_id="basics-bp-x1")
                x2 = Number(ex["x"][1], label="x₂", elem_id="basics-bp-x2")
                target = Number(ex["target"], label=L("basics_bp_target_label"),
                                elem_id="basics-bp-target")
            lr = Number(ex["lr"], label=L("basics_lr_label"), elem_id="basics-bp-lr")
            hidden = gr.Radio([(L(f"basics_neuron_act_{a}"), a) for a in backprop.HIDDEN_ACTIVATIONS], value="sigmoid",
                              label=L("basics_bp_hidden_label"), elem_id="basics-bp-hidden")
            loss = gr.Radio([(L(f"basics_bp_loss_{x}"), x) for x in backprop.LOSSES], value="mse",
                            label=L("basics_bp_loss_label"), elem_id="basics-bp-loss")
            step = gr.Button(L("basics_bp_step"), variant="primary", elem_id="basics-bp-step")
            reset = gr.Button(L("basics_bp_reset"), size="sm", elem_id="basics-bp-reset")
        with gr.Column(scale=3, min_width=420):
            summary = gr.Markdown(elem_id="basics-bp-summary")
            plot = gr.Plot(label=L("basics_bp_plot_label"), elem_id="basics-bp-plot")
            table = gr.Dataframe(label=L("basics_bp_table_label"), interactive=False, wrap=True,
                                 elem_id="basics-bp-table")
            json_out = wiring.json_panel("/backprop_step", "basics-bp-json")
    return BackpropSection(weights, x1, x2, target, lr, hidden, loss, step, reset, plot, summary, table, json_out)


def wire_backprop(lang: gr.Radio, bp: BackpropSection) -> None:
    out = [bp.plot, bp.table, bp.summary, bp.json, bp.weights]
    bp.step.click(backprop_step, bp.inputs + [lang], out, api_name="backprop_step", show_progress="hidden")
    bp.reset.click(lambda: DEFAULT_WEIGHTS, None, [bp.weights], **wiring.GATE).then(
        backprop_show, bp.inputs + [lang], out[:-1], **wiring.HIDDEN)


# ------------------------------------------------------------------------- optimizers on surfaces

_SURFACE = memo.Memo(32)


def _optimizer_status(result: dict, lang: str) -> str:
    """The function in a sentence, then each run: its final loss and when it settled (or diverged)."""
    lines = [t(lang, f"basics_fn_{result['function']}_info"), ""]
    for r in result["runs"]:
        name = sv.run_label(r, lang)
        if r["diverged"]:
            lines.append(f"- **{name}**")
            continue
        settled = (t(lang, "basics_opt_settled", step=num(lang, r["steps_to_tol"])) if r["steps_to_tol"] is not None
                   else t(lang, "basics_opt_not_settled", d=nv.fmt(lang, r["final_distance"], 3)))
        lines.append(f"- **{name}**: " + t(lang, "basics_opt_final", loss=nv.fmt(lang, r["final_loss"], 3)) + "; "
                     + settled)
    return "\n".join(lines)


def _surface_views(result: dict, lang: str):
    return (_optimizer_status(result, lang), playable(sv.paths_figure(result, lang)), sv.loss_figure(result, lang),
            sv.surface3d_figure(result, lang), result)


@friendly
def optimizers_run(function, optimizers, lr, momentum, beta1, beta2, alpha, steps, start_x1, start_x2, noise, seed,
                   lang):
    """SGD, momentum, Nesterov, Adagrad, RMSProp and Adam (those chosen) from the same start on a
    2-D function (bowl, rosenbrock, beale, saddle, noisy): the paths over its contours, animated
    (play, pause, step slider), the loss per step, the 3-D surface, and JSON with each optimizer's
    path and loss per step. ``lr`` None: each optimizer's suggested rate for that function.
    ``start_x1``/``start_x2`` None: the function's start. ``noise``: σ of the gradient's noise
    (0: none; the "noisy" function's own is 2)."""
    start = None if start_x1 is None or start_x2 is None else (start_x1, start_x2)
    lr = None if lr in (None, "", 0) else lr
    noise = None if noise in (None, "", 0) else noise
    key = memo.key_of("optimizers", repr((function, optimizers, lr, momentum, beta1, beta2, alpha, steps, start,
                                          noise, seed)), lang)
    return _SURFACE.get_or_make(key, lambda: _surface_views(
        surfaces.run(function, optimizers, steps=steps, lr=lr, start=start, momentum=momentum, beta1=beta1,
                     beta2=beta2, alpha=alpha, noise=noise, seed=seed), lang))


@friendly
def optimizers_preset(name, lang):
    """A scenario run exactly as designed (some compare one optimizer with two settings, which the
    controls cannot show): its settings that the controls hold, its lesson, and its views."""
    sc = OPT_SCENARIOS.get_checked(name)
    s = dict(sc.settings)
    names = list(dict.fromkeys(s["optimizers"]))
    status, paths, loss, surf3d, result = _SURFACE.get_or_make(
        ("opt_scenario", name, lang), lambda: _surface_views(surfaces.run(**s), lang))
    return (s["function"], names, s["steps"], OPT_SCENARIOS.lesson(name, lang), status, paths, loss, surf3d, result)


@friendly
def landscape_view(store: SessionStore, lang, request: gr.Request):
    """The loss of the network last trained in the playground (this session), along the line from
    its first weights to its last and over the plane of its training path, with the path on it.
    JSON: the line's losses, the plane's directions and the path's coordinates."""
    run = store.get(session_key(request)).basics_run
    if run is None:
        raise InputError("basics_land_no_run")
    return worker.run(bv.landscape_figures, run, lang)


@dataclass
class OptimizerSection:
    preset: gr.Dropdown
    next_preset: gr.Button
    lesson: gr.Markdown
    function: gr.Dropdown
    optimizers: gr.CheckboxGroup
    lr: gr.Number
    momentum: gr.Slider
    beta1: gr.Slider
    beta2: gr.Slider
    alpha: gr.Slider
    steps: gr.Slider
    start_x1: gr.Number
    start_x2: gr.Number
    noise: gr.Slider
    seed: gr.Number
    run: gr.Button
    status: gr.Markdown
    paths: gr.Plot
    loss: gr.Plot
    surface: gr.Plot
    json: gr.JSON
    land_run: gr.Button
    land_line: gr.Plot
    land_plane: gr.Plot
    land_json: gr.JSON

    @property
    def inputs(self) -> list:
        return [self.function, self.optimizers, self.lr, self.momentum, self.beta1, self.beta2, self.alpha,
                self.steps, self.start_x1, self.start_x2, self.noise, self.seed]

    @property
    def outputs(self) -> list:
        return [self.status, self.paths, self.loss, self.surface, self.json]


def optimizer_section() -> OptimizerSection:
    gr.Markdown(L("basics_opt_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            with gr.Row(equal_height=True):
                preset = OpenDropdown([(L(sc.title_key), name) for name, sc in OPT_SCENARIOS.items()], value=None,
                                     label=L("basics_scn_label"), elem_id="basics-opt-preset", scale=4)
                next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="basics-opt-next-preset", scale=0,
                                        min_width=40, elem_classes=["dle-next-preset"])
            lesson = gr.Markdown(elem_id="basics-opt-lesson")
            function = OpenDropdown([(L(f"basics_fn_{f}"), f) for f in surfaces.FUNCTIONS], value="rosenbrock",
                                   label=L("basics_function_label"), elem_id="basics-function")
            optimizers = CheckboxGroup([(L(f"basics_opt_{o}"), o) for o in surfaces.OPTIMIZERS],
                                          value=["sgd", "momentum", "adam"], label=L("basics_optimizer_label"),
                                          elem_id="basics-optimizers")
            lr = Number(None, label=L("basics_lr_label"), info=L("basics_opt_lr_info"),
                        elem_id="basics-opt-lr")
            steps = Slider(10, 1000, value=300, step=10, label=L("basics_steps_label"), elem_id="basics-opt-steps")
            with gr.Accordion(L("basics_opt_more"), open=False):
                momentum = Slider(0, 0.99, value=0.9, step=0.01, label=L("basics_opt_momentum_label"),
                                  elem_id="basics-opt-momentum")
                beta1 = Slider(0, 0.99, value=0.9, step=0.01, label="Adam β₁", elem_id="basics-opt-beta1")
                beta2 = Slider(0.9, 0.9999, value=0.999, step=0.0001, label="Adam β₂", elem_id="basics-opt-beta2")
                alpha = Slider(0.5, 0.999, value=0.99, step=0.001, label=L("basics_opt_alpha_label"),
                               elem_id="basics-opt-alpha")
                with gr.Row():
                    start_x1 = Number(None, label=L("basics_opt_start_x1"), elem_id="basics-opt-x1")
                    start_x2 = Number(None, label=L("basics_opt_start_x2"), elem_id="basics-opt-x2")
                noise = Slider(0, 5, value=0, step=0.1, label=L("basics_opt_noise_label"),
                               info=L("basics_opt_noise_info"), elem_id="basics-opt-noise")
                seed = Number(0, precision=0, label=L("seed_label"), elem_id="basics-opt-seed")
            run = gr.Button(L("basics_opt_run"), variant="primary", elem_id="basics-opt-run")
        with gr.Column(scale=3, min_width=420):
            status = gr.Markdown(elem_id="basics-opt-status")
            paths = gr.Plot(label=L("basics_opt_paths_label"), elem_id="basics-opt-paths")
            with gr.Row(equal_height=False):
                # their titles say what they are (a label's badge would cover them)
                loss = gr.Plot(label=L("basics_opt_loss_label"), show_label=False, elem_id="basics-opt-loss")
                surface = gr.Plot(label=L("basics_opt_surface_label"), show_label=False, elem_id="basics-opt-surface")
            json_out = wiring.json_panel("/optimizers", "basics-opt-json")
    gr.Markdown(L("basics_land_intro"))
    land_run = gr.Button(L("basics_land_run"), elem_id="basics-land-run")
    with gr.Row(equal_height=False):
        land_line = gr.Plot(label=L("basics_land_line_label"), show_label=False, elem_id="basics-land-line")
        land_plane = gr.Plot(label=L("basics_land_plane_label"), show_label=False, elem_id="basics-land-plane")
    land_json = wiring.json_panel("/landscape", "basics-land-json")
    return OptimizerSection(preset, next_preset, lesson, function, optimizers, lr, momentum, beta1, beta2, alpha, steps,
                            start_x1, start_x2, noise, seed, run, status, paths, loss, surface, json_out, land_run,
                            land_line, land_plane, land_json)


def wire_optimizers(store: SessionStore, lang: gr.Radio, o: OptimizerSection) -> None:
    o.run.click(optimizers_run, o.inputs + [lang], o.outputs, api_name="optimizers", show_progress="minimal")
    preset_out = [o.function, o.optimizers, o.steps, o.lesson] + o.outputs
    o.preset.input(optimizers_preset, [o.preset, lang], preset_out, api_name="optimizers_preset",
                   show_progress="minimal")
    wiring.next_scenario_event(o.next_preset, o.preset, OPT_SCENARIOS).then(
        optimizers_preset, [o.preset, lang], preset_out, **wiring.HIDDEN)
    o.land_run.click(wiring.bind(landscape_view, store), [lang], [o.land_line, o.land_plane, o.land_json],
                     api_name="landscape", show_progress="minimal", **RUN_QUEUE)


# ---------------------------------------------------------------------------------------- build

def build(store: SessionStore, lang: gr.Radio) -> None:
    with gr.Tab(L("tab_basics"), id="basics", elem_id="tab-basics") as tab:
        shown = shown_flag()
        gr.Markdown(L("basics_intro"))
        with gr.Tabs(overflow_behavior="wrap"):  # as the page's tabs (app.py): no "⋯" menu
            with gr.Tab(L("basics_sub_neuron"), id="basics-neuron", elem_id="tab-basics-neuron"):
                n = neuron_section()
            with gr.Tab(L("basics_sub_playground"), id="basics-playground", elem_id="tab-basics-playground") as pg_tab:
                pg_shown = shown_flag()
                p = playground_section()
            with gr.Tab(L("basics_sub_backprop"), id="basics-backprop", elem_id="tab-basics-backprop") as bp_tab:
                bp_shown = shown_flag()
                bp = backprop_section()
            with gr.Tab(L("basics_sub_optimizers"), id="basics-optimizers", elem_id="tab-basics-optimizers") as o_tab:
                o_shown = shown_flag()
                o = optimizer_section()
    # named endpoints first (an unnamed event with the same function would take the name)
    wire_neuron(lang, n)
    wire_playground(store, lang, p)
    wire_backprop(lang, bp)
    wire_optimizers(store, lang, o)
    # each section is drawn when first shown (the first with the tab): opening the tab costs one
    # section's views, not four (a class opening it at once, the browser tests walking every tab)
    for ev in draw_events(tab, shown, lang):
        draw_neuron(ev, lang, n)
    for ev in draw_events(pg_tab, pg_shown, lang):
        ev.success(wiring.lesson_handler(SCENARIOS), [p.preset, lang], [p.lesson], **wiring.HIDDEN)
        ev.success(wiring.bind(playground, store), p.inputs + [lang], [p.status, p.plot, p.json], **wiring.HIDDEN,
                   **RUN_QUEUE)
    for ev in draw_events(bp_tab, bp_shown, lang):
        ev.success(backprop_show, bp.inputs + [lang], [bp.plot, bp.table, bp.summary, bp.json], **wiring.HIDDEN)
    for ev in draw_events(o_tab, o_shown, lang):
        ev.success(optimizers_run, o.inputs + [lang], o.outputs, **wiring.HIDDEN)
    return None
