"""The Saliency tab: where the network looks. Every attribution method side by side for one image
and one target class, integrated gradients' completeness, and the sanity check of Adebayo et al.
(2018). The work is in ``explorer.saliency.compute``; the pictures in ``explorer.saliency.views``.

Read top to bottom: the handlers (module-level, their session store first: a unit test calls them
directly), the sections of the page, then ``build`` and the wiring.

API (gradio_client): ``/saliency``, ``/sanity_check`` (streams), ``/stop_saliency``,
``/saliency_options``, ``/saliency_preset`` (a teaching scenario's settings and lesson;
``explorer.saliency.scenarios``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import gradio as gr

from explorer import images, memo, nets
from explorer.filters import views as fv
from explorer.i18n import t
from explorer.saliency import compute as saliency
from explorer.saliency import views as sv
from explorer.saliency.scenarios import SCENARIOS, method_params
from explorer.session import SessionStore
from explorer.ui import inputs, wiring
from explorer.ui.common import (
    L,
    draw_events,
    float_in,
    friendly,
    int_in,
    session_key,
    shown_flag,
    unless_scenario_set,
    user_error,
)
from explorer.ui.components import CheckboxGroup, OutputImage, Slider
from explorer.ui.wiring import GATE, HIDDEN, bind

NETS = ("imagenet", "fashion", "fashion_adv", "session", "archive")  # archive: the classifier "Mi archivo" taught
DEFAULT_METHODS = ["saliency", "smoothgrad", "integrated_gradients", "gradcam", "guided_backprop", "occlusion"]
TOP = -1  # target value meaning "the network's own top prediction"
# Attributions can be seconds of CPU: their own queue, beside training's and the attacks'. Two at
# once: with one, a class's quick Grad-CAMs waited behind each other (bench_load: p95 9.0 s; 3.3 s).
SALIENCY_CONCURRENCY = int(os.environ.get("DLE_SALIENCY_CONCURRENCY", "2"))
QUEUE = dict(concurrency_limit=SALIENCY_CONCURRENCY, concurrency_id="saliency")
# The scenario chain goes on to the sanity check only for a scenario about it.
SANITY_SCENARIO_JS = wiring.only_for_scenarios_js(SCENARIOS, lambda sc: sc["sanity"])


# ---- checks of a call's values -------------------------------------------------------------------

def _net(store: SessionStore, key: str, lang: str, request: gr.Request | None) -> nets.Net:
    return inputs.network(key, NETS, lang, request, store)


def _methods(value, lang: str, allowed=saliency.METHODS) -> list[str]:
    if not isinstance(value, list) or not value or any(m not in allowed for m in value):
        raise user_error(lang, "err_saliency_methods", choices=", ".join(allowed))
    return [m for m in allowed if m in value]  # a fixed order


def _prepared(store, src, smp, idx, up, sk, net_key, lang, request):
    net_obj = _net(store, net_key, lang, request)
    img = images.load_input(src, smp, idx, up, sk)
    pre = net_obj.prepare(img, from_dataset=src == "dataset")
    return net_obj, pre


def _target(net_obj, value, x, lang) -> int:
    n = len(net_obj.class_names("en"))
    if value in (None, "", TOP):
        return saliency.top_class(net_obj, x)
    return int_in(value, 0, n - 1, lang, "saliency_target_label")


def _params(net_obj, sg_n_v, sg_std_v, ig_base_v, ig_steps_v, layer_v, win_v, stride_v, lang):
    if ig_base_v not in saliency.IG_BASELINES:
        raise user_error(lang, "err_saliency_baseline", value=str(ig_base_v)[:20])
    stages = [s.name for s in net_obj.stages()]  # a list: `in` must not hash an API caller's dict
    if layer_v not in (None, "") and layer_v not in stages:
        raise user_error(lang, "err_bad_layer", value=str(layer_v)[:40])
    side = net_obj.input_size
    cam = {} if layer_v in (None, "") else {"layer": layer_v}
    ig_n = int_in(ig_steps_v, *saliency.RANGES["n_steps"], lang, "saliency_ig_steps")
    return {
        "smoothgrad": {"n_samples": int_in(sg_n_v, *saliency.RANGES["n_samples"], lang, "saliency_sg_n"),
                       "stdev": float_in(sg_std_v, *saliency.RANGES["stdev"], lang, "saliency_sg_std")},
        # refined (up to 256 points) until the sum is within 5 %: 1.5-4.5 s on EfficientNet
        "integrated_gradients": {"baseline": ig_base_v, "n_steps": ig_n},
        "gradcam": cam, "guided_gradcam": cam,
        "occlusion": {"window": min(int_in(win_v, 1, 224, lang, "saliency_occ_window"), side),
                      "stride": min(int_in(stride_v, 1, 224, lang, "saliency_occ_stride"), side)},
    }


# ---- handlers --------------------------------------------------------------------------------------

_EXPLAINED = memo.Memo(32)  # shared attributions (read-only once made)


@friendly
def explain(store, src, smp, idx, up, sk, net_key, target_v, methods_v, sg_n_v, sg_std_v, ig_base_v,
            ig_steps_v, layer_v, win_v, stride_v, lang, request: gr.Request, progress=gr.Progress()):
    """Every chosen attribution method for one image and target class (default: the top
    prediction), side by side over the image with colour bars; integrated gradients'
    completeness (sum of attributions against f(x) − f(baseline)); JSON with the prediction,
    per-method timings, parameters and completeness."""
    net_obj, pre = _prepared(store, src, smp, idx, up, sk, net_key, lang, request)
    ms = _methods(methods_v, lang)
    params = _params(net_obj, sg_n_v, sg_std_v, ig_base_v, ig_steps_v, layer_v, win_v, stride_v, lang)
    x = pre.array[None]
    target_idx = _target(net_obj, target_v, x, lang)
    names = net_obj.class_names(lang)
    top = nets.top_k(nets.probabilities(net_obj, x)[0], names)

    def attribution(m: str) -> saliency.Attribution:
        a = saliency.attribute_all(net_obj, x, target_idx, [m], {m: params.get(m, {})})[m]
        if "layer" in a.params:
            a.extras["layer_label"] = net_obj.stage(a.params["layer"]).label
        return a

    # a shipped network on a sample or data-set image: each method's map computed once for everyone
    # and every language (explorer.memo; the methods are deterministic: seeded noise)
    shared = net_key not in ("session", "archive") and src in ("sample", "dataset")
    atts = {}
    for i, m in enumerate(ms):
        progress(i / len(ms), desc=t(lang, f"saliency_m_{m}"))
        key = (memo.key_of("saliency", src, smp if src == "sample" else idx, net_key, target_idx, m,
                           repr(sorted(params.get(m, {}).items()))) if shared else None)
        atts[m] = _EXPLAINED.get_or_make(key, lambda m=m: attribution(m))
    tiles = [(sv.method_title(m, a, lang), a.map, a.signed, sv.method_note(m, a, lang)) for m, a in atts.items()]
    base = fv.network_input_image(pre)
    prob = next((r["probability"] for r in top if r["index"] == target_idx), None)
    status_text = t(lang, "saliency_status", target=names[target_idx], top=top[0]["label"],
                    p=f"{100 * top[0]['probability']:.1f}".replace(".", "," if lang == "es" else "."))
    if prob is None:
        status_text += " " + t(lang, "saliency_target_not_top5")
    return (status_text, sv.maps_grid(base, tiles, lang),
            sv.completeness_markdown(atts.get("integrated_gradients"), lang),
            sv.summary_of(atts, target_idx, names[target_idx], top))


@friendly
def sanity_check(store, src, smp, idx, up, sk, net_key, target_v, methods_v, lang,
                 request: gr.Request):
    """Adebayo et al. 2018: randomise the network's weights layer group by layer group from the
    top and recompute each method's map; streams the maps and each method's rank correlation
    with the trained network's map. A method whose map barely changes is an edge detector."""
    net_obj, pre = _prepared(store, src, smp, idx, up, sk, net_key, lang, request)
    # occlusion is left out: on a randomised copy it has no ONNX graph and needs ~170 torch passes
    ms = _methods([m for m in methods_v if m in saliency.SANITY_METHODS] if isinstance(methods_v, list)
                  else methods_v, lang, saliency.SANITY_METHODS)
    x = pre.array[None]
    target_idx = _target(net_obj, target_v, x, lang)
    stop_ev = store.get(session_key(request)).new_run("saliency")
    base = fv.network_input_image(pre)
    records = []
    for rec in saliency.sanity_steps(net_obj, x, target_idx, ms, stop=stop_ev):
        records.append(rec)
        text = t(lang, "saliency_sanity_step", step=rec["step"], steps=rec["steps"], layer=rec["layer"])
        yield (text, sv.sanity_grid(base, records, ms, lang), sv.correlation_figure(records, ms, lang),
               sv.sanity_summary(records, ms))
    if stop_ev.is_set():
        yield (t(lang, "saliency_sanity_stopped"), gr.skip(), gr.skip(), gr.skip())
        return
    final = records[-1]["correlation"] if records else {}
    low = [t(lang, f"saliency_m_{m}") for m in ms if final.get(m) is not None and final[m] < 0.5]
    high = [t(lang, f"saliency_m_{m}") for m in ms if final.get(m) is not None and final[m] >= 0.5]
    yield (t(lang, "saliency_sanity_done", passed=", ".join(low) or "—", failed=", ".join(high) or "—"),
           gr.skip(), gr.skip(), gr.skip())


def stop_saliency(store, request: gr.Request) -> None:
    """Stop this session's running sanity check."""
    store.get(session_key(request)).cancel("saliency")


@friendly
def options(store, net_key, target_v, layer_v, lang, request: gr.Request):
    """The chosen network's classes (for the target) and layers (for Grad-CAM)."""
    net_obj = _net(store, net_key, lang, request)
    names = net_obj.class_names(lang)
    choices = [(t(lang, "saliency_target_top"), TOP)] + [(f"{i} · {n}", i) for i, n in enumerate(names)]
    keep = target_v if isinstance(target_v, int) and -1 <= target_v < len(names) else TOP
    stages = [(s.label, s.name) for s in net_obj.stages() if s.kind != "pool"]
    layer_names = [n for _, n in stages]
    layer = layer_v if layer_v in layer_names else saliency.default_layer(net_obj)
    side = net_obj.input_size
    win, stride = (4, 2) if side <= 28 else (32, 16)
    return (gr.update(choices=choices, value=keep), gr.update(choices=stages, value=layer),
            gr.update(maximum=side // 2, value=win), gr.update(maximum=side // 2, value=stride))


@friendly
def apply_preset(store, name, lang, request: gr.Request):
    """A teaching scenario (``explorer.saliency.scenarios``): image source, sample or test-set index,
    network, target class (-1: the top prediction), methods, SmoothGrad's samples and noise,
    integrated gradients' baseline and steps, Grad-CAM's layer, occlusion's window and stride —
    and the lesson (Markdown)."""
    p = SCENARIOS.get_checked(name)
    net_obj = _net(store, p["net"], lang, request)
    target_u, layer_u, _, _ = options(store, p["net"], p["target"], p["cam_layer"], lang, request)
    occ = method_params(p.settings, net_obj)["occlusion"]
    side = net_obj.input_size
    return (p["source"], p["sample"], p["index"], p["net"], target_u, list(p["methods"]), p["sg_n"], p["sg_std"],
            p["ig_base"], p["ig_steps"], layer_u, gr.update(maximum=side // 2, value=occ["window"]),
            gr.update(maximum=side // 2, value=occ["stride"]), SCENARIOS.lesson(name, lang),
            [p["source"], p["sample"], float(p["index"]), p["net"]])


def not_the_preset(sig, src, smp, idx, net_key):
    """End a redraw chain quietly when the image and network are the ones a scenario has just set
    (the scenario's own chain computes the maps once); any other image or network clears it."""
    unless_scenario_set(sig, src, smp, idx, net_key)


# ---- the page's sections ---------------------------------------------------------------------------

@dataclass
class Controls:
    """The left column: the scenario, the image, the network, the target, the methods and their
    parameters, and the buttons."""

    scenario: gr.Dropdown
    next_scenario: gr.Button
    lesson: gr.Markdown
    scenario_sig: gr.State  # the image and network a scenario just set (see `not_the_preset`)
    inp: inputs.ImageInputs
    net: gr.Radio
    target: gr.Dropdown
    methods: gr.CheckboxGroup
    method_params: list  # SmoothGrad's samples and noise, IG's baseline and steps, Grad-CAM's layer, occlusion's
    run: gr.Button
    sanity: gr.Button
    stop: gr.Button

    @property
    def cam_layer(self) -> gr.Dropdown:
        return self.method_params[4]

    @property
    def occlusion(self) -> list:
        return self.method_params[5:]


@dataclass
class Views:
    """What the tab shows: the maps and their JSON, the sanity check and its JSON."""

    status: gr.Markdown
    grid: gr.Image
    completeness: gr.Markdown
    json: gr.JSON
    sanity_status: gr.Markdown
    sanity_grid: gr.Image
    corr: gr.Plot
    sanity_json: gr.JSON

    @property
    def maps(self) -> list:
        return [self.status, self.grid, self.completeness, self.json]

    @property
    def sanity(self) -> list:
        return [self.sanity_status, self.sanity_grid, self.corr, self.sanity_json]


def _method_params_section() -> list:
    """The closed accordion of every method's parameters. The sliders' elem_ids (``sal_sg_n``...)
    are their keys in a shared link and in /share_link (explorer/ui/share.py): the translation keys
    of their labels before the keys took the tab's name, so links already shared still work."""
    with gr.Accordion(L("saliency_params"), open=False):
        lo, hi = saliency.RANGES["n_samples"]
        sg_n = Slider(lo, hi, value=16, step=1, label=L("saliency_sg_n"), elem_id="sal_sg_n")
        lo, hi = saliency.RANGES["stdev"]
        sg_std = Slider(lo, hi, value=0.15, step=0.01, label=L("saliency_sg_std"), elem_id="sal_sg_std")
        ig_base = gr.Radio([(L(f"saliency_base_{b}"), b) for b in saliency.IG_BASELINES], value="black",
                           label=L("saliency_ig_base"), elem_id="sal-ig-base")
        lo, hi = saliency.RANGES["n_steps"]
        ig_steps = Slider(lo, 128, value=32, step=4, label=L("saliency_ig_steps"), info=L("saliency_ig_steps_info"),
                          elem_id="sal_ig_steps")
        cam_layer = gr.Dropdown([], label=L("saliency_cam_layer"), allow_custom_value=True, elem_id="sal-cam-layer")
        occ_window = Slider(1, 112, value=32, step=1, label=L("saliency_occ_window"), elem_id="sal_occ_window")
        occ_stride = Slider(1, 112, value=16, step=1, label=L("saliency_occ_stride"), elem_id="sal_occ_stride")
    return [sg_n, sg_std, ig_base, ig_steps, cam_layer, occ_window, occ_stride]


def _controls_column() -> Controls:
    scenario, following, lesson = wiring.scenario_picker(SCENARIOS, "sal")
    scenario_sig = gr.State(None)
    inp = inputs.build("sal", "cat", "sample")
    net = gr.Radio([(L(f"net_{k}"), k) for k in NETS], value="imagenet", label=L("net_label"), elem_id="sal-net")
    target = gr.Dropdown([], label=L("saliency_target_label"), info=L("saliency_target_info"),
                         allow_custom_value=True, elem_id="sal-target")
    methods = CheckboxGroup([(L(f"saliency_m_{m}"), m) for m in saliency.METHODS], value=DEFAULT_METHODS,
                               label=L("saliency_methods_label"), elem_id="sal-methods")
    params = _method_params_section()
    with gr.Row():
        run = gr.Button(L("saliency_run"), variant="primary", elem_id="sal-run")
        sanity = gr.Button(L("saliency_sanity_run"), elem_id="sal-sanity-run")
        stop = gr.Button(L("stop_button"), variant="stop", elem_id="sal-stop")
    return Controls(scenario, following, lesson, scenario_sig, inp, net, target, methods, params, run, sanity, stop)


def _maps_column() -> list:
    """The status, the grid of maps, integrated gradients' completeness and the JSON."""
    status = gr.Markdown(elem_id="sal-status")
    grid = OutputImage(label=L("saliency_grid_label"), interactive=False, elem_id="sal-grid", buttons=["download"],
                       format="png")
    completeness = gr.Markdown(elem_id="sal-completeness")
    return [status, grid, completeness, wiring.json_panel("/saliency", "sal-json")]


def _sanity_section() -> list:
    """The sanity check below the maps: its heading, its status and grid, the correlation plot, its JSON."""
    gr.Markdown(L("saliency_sanity_heading"))
    gr.Markdown(L("saliency_sanity_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            status = gr.Markdown(elem_id="sal-sanity-status")
            grid = OutputImage(label=L("saliency_sanity_grid"), interactive=False, elem_id="sal-sanity-grid",
                               buttons=["download"], format="png")
        with gr.Column(scale=2):
            corr = gr.Plot(label=L("saliency_corr_label"), elem_id="sal-corr")
            return [status, grid, corr, wiring.json_panel("/sanity_check", "sal-sanity-json")]


# ---- the tab -----------------------------------------------------------------------------------------

def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    with gr.Tab(L("tab_saliency"), id="saliency", elem_id="tab-saliency") as tab:
        shown = shown_flag()
        gr.Markdown(L("saliency_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                c = _controls_column()
            with gr.Column(scale=2):
                maps = _maps_column()
        v = Views(*maps, *_sanity_section())
    _wire(store, lang, tab, shown, c, v)
    return c.inp  # for the send-to bar (explorer.ui.send)


def _wire(store: SessionStore, lang: gr.Radio, tab: gr.Tab, shown: gr.Checkbox, c: Controls, v: Views) -> None:
    explain_fn, sanity_fn, options_fn = bind(explain, store), bind(sanity_check, store), bind(options, store)
    explain_in = c.inp.components + [c.net, c.target, c.methods] + c.method_params + [lang]
    sanity_in = c.inp.components + [c.net, c.target, c.methods, lang]
    c.run.click(explain_fn, explain_in, v.maps, api_name="saliency", show_progress="minimal",
                show_progress_on=[v.status], **QUEUE)
    c.sanity.click(sanity_fn, sanity_in, v.sanity, api_name="sanity_check", show_progress="minimal",
                   show_progress_on=[v.sanity_status], **QUEUE)
    c.stop.click(bind(stop_saliency, store), None, None, api_name="stop_saliency", queue=False)

    # A teaching scenario sets every control and computes its maps once (then the sanity check, for
    # the scenario about it); the image and network changes it causes would compute them again:
    # `not_the_preset` ends those chains.
    scenario_out = (c.inp.components[:3] + [c.net, c.target, c.methods] + c.method_params
                    + [c.lesson, c.scenario_sig])
    apply_fn = bind(apply_preset, store)

    def scenario_views(ev):
        ev.success(explain_fn, explain_in, v.maps, show_progress="minimal", show_progress_on=[v.status],
                   api_visibility="undocumented", **QUEUE).success(
            None, [c.scenario], None, js=SANITY_SCENARIO_JS, show_progress="hidden").success(
            sanity_fn, sanity_in, v.sanity, show_progress="minimal", show_progress_on=[v.sanity_status],
            api_visibility="undocumented", **QUEUE)

    scenario_views(c.scenario.input(apply_fn, [c.scenario, lang], scenario_out, api_name="saliency_preset",
                                    show_progress="hidden"))
    scenario_views(wiring.next_scenario_event(c.next_scenario, c.scenario, SCENARIOS).then(
        apply_fn, [c.scenario, lang], scenario_out, **HIDDEN))

    # Another image or network redraws the maps (unless a scenario has just set it).
    opts_in, opts_out = [c.net, c.target, c.cam_layer, lang], [c.target, c.cam_layer] + c.occlusion
    gate_in = [c.scenario_sig] + c.inp.components[:3] + [c.net]
    c.net.change(options_fn, opts_in, opts_out, api_name="saliency_options", show_progress="hidden").success(
        not_the_preset, gate_in, [c.scenario_sig], **GATE).success(explain_fn, explain_in, v.maps, **HIDDEN, **QUEUE)
    inputs.wire(c.inp).success(not_the_preset, gate_in, [c.scenario_sig], **GATE).success(
        explain_fn, explain_in, v.maps, **HIDDEN, **QUEUE)
    lesson_fn = wiring.lesson_handler(SCENARIOS)
    for ev in draw_events(tab, shown, lang):
        ev.success(lesson_fn, [c.scenario, lang], [c.lesson], **HIDDEN)
        ev.success(options_fn, opts_in, opts_out, **HIDDEN).success(explain_fn, explain_in, v.maps, **HIDDEN, **QUEUE)
