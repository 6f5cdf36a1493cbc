"""The Saliency tab: where the network looks. Every attribution method side by side for one image
and one target class, integrated gradients' completeness, and the sanity check of Adebayo et al.
(2018). The work is in ``explorer.saliency.compute``; the pictures in ``explorer.saliency.views``.

API (gradio_client): ``/saliency``, ``/sanity_check`` (streams), ``/stop_saliency``,
``/saliency_options``, ``/saliency_preset`` (a teaching scenario's settings and lesson;
``explorer.saliency.scenarios``).
"""
from __future__ import annotations

import os

import gradio as gr

from explorer import images, nets
from explorer.filters import views as fv
from explorer.i18n import t
from explorer.saliency import compute as saliency
from explorer.saliency import scenarios as saliency_presets
from explorer.saliency import views as sv
from explorer.session import SessionStore
from explorer.ui import inputs
from explorer.ui.common import (
    NEXT_SCENARIO,
    L,
    draw_events,
    float_in,
    friendly,
    int_in,
    lang_of,
    next_scenario,
    scenario_lesson,
    scenario_settings,
    session_key,
    shown_flag,
    unless_scenario_set,
    user_error,
)
from explorer.ui.components import OutputImage, Slider

NETS = ("imagenet", "fashion", "fashion_adv", "session")
DEFAULT_METHODS = ["saliency", "smoothgrad", "integrated_gradients", "gradcam", "guided_backprop", "occlusion"]
TOP = -1  # target value meaning "the network's own top prediction"
# Attributions can be seconds of CPU: their own queue, beside training's and the attacks'. Two at
# once: with one, a class's quick Grad-CAMs waited behind each other (bench_load: p95 9.0 s; 3.3 s).
SALIENCY_CONCURRENCY = int(os.environ.get("DLE_SALIENCY_CONCURRENCY", "2"))


def _net(key: str, lang: str, request: gr.Request | None, store: SessionStore) -> nets.Net:
    return inputs.network(key, NETS, lang, request, store)


def _methods(value, lang: str, allowed=saliency.METHODS) -> list[str]:
    if not isinstance(value, list) or not value or any(m not in allowed for m in value):
        raise user_error(lang, "err_saliency_methods", choices=", ".join(allowed))
    return [m for m in allowed if m in value]  # a fixed order


def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    with gr.Tab(L("tab_saliency"), id="saliency", elem_id="tab-saliency") as tab:
        shown = shown_flag()
        gr.Markdown(L("saliency_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                with gr.Row(equal_height=True):
                    preset = gr.Dropdown([(L(f"saliency_scn_{k}"), k) for k in saliency_presets.PRESETS], value=None,
                                         label=L("saliency_scn_label"), info=L("saliency_scn_info"), elem_id="sal-preset", scale=4,
                                         allow_custom_value=True)  # an unknown name: our translated error
                    next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="sal-next-preset", scale=0, min_width=40,
                                            elem_classes=["dle-next-preset"])
                lesson = gr.Markdown(elem_id="sal-lesson")
                preset_sig = gr.State(None)  # the image and network a scenario just set (see `not_the_preset`)
                inp = inputs.build("sal", "cat", "sample")
                net = gr.Radio([(L(f"net_{k}"), k) for k in NETS], value="imagenet", label=L("net_label"),
                               elem_id="sal-net")
                target = gr.Dropdown([], label=L("saliency_target_label"), info=L("saliency_target_info"),
                                     allow_custom_value=True, elem_id="sal-target")
                methods = gr.CheckboxGroup([(L(f"saliency_m_{m}"), m) for m in saliency.METHODS], value=DEFAULT_METHODS,
                                           label=L("saliency_methods_label"), elem_id="sal-methods")
                with gr.Accordion(L("saliency_params"), open=False):
                    lo, hi = saliency.RANGES["n_samples"]
                    sg_n = Slider(lo, hi, value=16, step=1, label=L("saliency_sg_n"))
                    lo, hi = saliency.RANGES["stdev"]
                    sg_std = Slider(lo, hi, value=0.15, step=0.01, label=L("saliency_sg_std"))
                    ig_base = gr.Radio([(L(f"saliency_base_{b}"), b) for b in saliency.IG_BASELINES], value="black",
                                       label=L("saliency_ig_base"), elem_id="sal-ig-base")
                    lo, hi = saliency.RANGES["n_steps"]
                    ig_steps = Slider(lo, 128, value=32, step=4, label=L("saliency_ig_steps"), info=L("saliency_ig_steps_info"))
                    cam_layer = gr.Dropdown([], label=L("saliency_cam_layer"), allow_custom_value=True,
                                            elem_id="sal-cam-layer")
                    occ_window = Slider(1, 112, value=32, step=1, label=L("saliency_occ_window"))
                    occ_stride = Slider(1, 112, value=16, step=1, label=L("saliency_occ_stride"))
                with gr.Row():
                    run = gr.Button(L("saliency_run"), variant="primary", elem_id="sal-run")
                    sanity = gr.Button(L("saliency_sanity_run"), elem_id="sal-sanity-run")
                    stop = gr.Button(L("stop_button"), variant="stop", elem_id="sal-stop")
            with gr.Column(scale=2):
                status = gr.Markdown(elem_id="sal-status")
                grid = OutputImage(label=L("saliency_grid_label"), interactive=False, elem_id="sal-grid",
                                   buttons=["download"], format="png")
                completeness = gr.Markdown(elem_id="sal-completeness")
                with gr.Accordion(L("json_label"), open=False):
                    sal_json = gr.JSON(label="/saliency", elem_id="sal-json")
        gr.Markdown(L("saliency_sanity_heading"))
        gr.Markdown(L("saliency_sanity_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                sanity_status = gr.Markdown(elem_id="sal-sanity-status")
                sanity_grid = OutputImage(label=L("saliency_sanity_grid"), interactive=False, elem_id="sal-sanity-grid",
                                          buttons=["download"], format="png")
            with gr.Column(scale=2):
                corr = gr.Plot(label=L("saliency_corr_label"), elem_id="sal-corr")
                with gr.Accordion(L("json_label"), open=False):
                    sanity_json = gr.JSON(label="/sanity_check", elem_id="sal-sanity-json")

    # ---- handlers -------------------------------------------------------------------------------

    def _prepared(src, smp, idx, up, sk, net_key, lang, request):
        net_obj = _net(net_key, lang, request, store)
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

    @friendly
    def explain(src, smp, idx, up, sk, net_key, target_v, methods_v, sg_n_v, sg_std_v, ig_base_v, ig_steps_v,
                layer_v, win_v, stride_v, lang, request: gr.Request, progress=gr.Progress()):
        """Every chosen attribution method for one image and target class (default: the top
        prediction), side by side over the image with colour bars; integrated gradients'
        completeness (sum of attributions against f(x) − f(baseline)); JSON with the prediction,
        per-method timings, parameters and completeness."""
        lang = lang_of(lang)
        net_obj, pre = _prepared(src, smp, idx, up, sk, net_key, lang, request)
        ms = _methods(methods_v, lang)
        params = _params(net_obj, sg_n_v, sg_std_v, ig_base_v, ig_steps_v, layer_v, win_v, stride_v, lang)
        x = pre.array[None]
        target_idx = _target(net_obj, target_v, x, lang)
        names = net_obj.class_names(lang)
        top = nets.top_k(nets.probabilities(net_obj, x)[0], names)
        atts = {}
        for i, m in enumerate(ms):
            progress(i / len(ms), desc=t(lang, f"saliency_m_{m}"))
            atts.update(saliency.attribute_all(net_obj, x, target_idx, [m], {m: params.get(m, {})}))
        tiles = []
        for m, a in atts.items():
            if "layer" in a.params:
                a.extras["layer_label"] = net_obj.stage(a.params["layer"]).label
            tiles.append((sv.method_title(m, a, lang), a.map, a.signed, sv.method_note(m, a, lang)))
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
    def sanity_check(src, smp, idx, up, sk, net_key, target_v, methods_v, lang, request: gr.Request):
        """Adebayo et al. 2018: randomise the network's weights layer group by layer group from the
        top and recompute each method's map; streams the maps and each method's rank correlation
        with the trained network's map. A method whose map barely changes is an edge detector."""
        lang = lang_of(lang)
        net_obj, pre = _prepared(src, smp, idx, up, sk, net_key, lang, request)
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

    def stop_saliency(request: gr.Request) -> None:
        """Stop this session's running sanity check."""
        store.get(session_key(request)).cancel("saliency")

    @friendly
    def options(net_key, target_v, layer_v, lang, request: gr.Request):
        """The chosen network's classes (for the target) and layers (for Grad-CAM)."""
        lang = lang_of(lang)
        net_obj = _net(net_key, lang, request, store)
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
    def apply_preset(name, lang, request: gr.Request):
        """A teaching scenario (``explorer.saliency.scenarios``): image source, sample or test-set index,
        network, target class (-1: the top prediction), methods, SmoothGrad's samples and noise,
        integrated gradients' baseline and steps, Grad-CAM's layer, occlusion's window and stride —
        and the lesson (Markdown)."""
        lang = lang_of(lang)
        p = scenario_settings(saliency_presets.PRESETS, name, lang, "err_saliency_scenario")
        net_obj = _net(p["net"], lang, request, store)
        target_u, layer_u, _, _ = options(p["net"], p["target"], p["cam_layer"], lang, request)
        occ = saliency_presets.method_params(p, net_obj)["occlusion"]
        side = net_obj.input_size
        return (p["source"], p["sample"], p["index"], p["net"], target_u, list(p["methods"]), p["sg_n"], p["sg_std"],
                p["ig_base"], p["ig_steps"], layer_u, gr.update(maximum=side // 2, value=occ["window"]),
                gr.update(maximum=side // 2, value=occ["stride"]), t(lang, f"saliency_scn_{name}_lesson"),
                [p["source"], p["sample"], float(p["index"]), p["net"]])

    def lesson_text(name, lang):
        return scenario_lesson(saliency_presets.PRESETS, "saliency_scn_{}_lesson", name, lang)

    def following_preset(name):
        return next_scenario(saliency_presets.PRESETS, name)

    def not_the_preset(sig, src, smp, idx, net_key):
        """End a redraw chain quietly when the image and network are the ones a scenario has just set
        (the scenario's own chain computes the maps once); any other image or network clears it."""
        unless_scenario_set(sig, src, smp, idx, net_key)

    def sanity_scenario(name):
        """Go on to the sanity check only for a scenario about it."""
        p = saliency_presets.PRESETS.get(name) if isinstance(name, str) else None
        if p is None or not p["sanity"]:
            raise gr.Error("", visible=False, print_exception=False)

    # ---- wiring ---------------------------------------------------------------------------------
    explain_in = inp.components + [net, target, methods, sg_n, sg_std, ig_base, ig_steps, cam_layer, occ_window,
                                   occ_stride, lang]
    explain_out = [status, grid, completeness, sal_json]
    queue = dict(concurrency_limit=SALIENCY_CONCURRENCY, concurrency_id="saliency")
    run.click(explain, explain_in, explain_out, api_name="saliency", show_progress="minimal",
              show_progress_on=[status], **queue)
    sanity_in, sanity_out = inp.components + [net, target, methods, lang], [sanity_status, sanity_grid, corr, sanity_json]
    sanity.click(sanity_check, sanity_in, sanity_out, api_name="sanity_check", show_progress="minimal",
                 show_progress_on=[sanity_status], **queue)
    stop.click(stop_saliency, None, None, api_name="stop_saliency", queue=False)
    opts_in, opts_out = [net, target, cam_layer, lang], [target, cam_layer, occ_window, occ_stride]
    hidden = dict(api_visibility="undocumented", show_progress="hidden")
    # A teaching scenario sets every control and computes its maps once (then the sanity check, for
    # the scenario about it); the image and network changes it causes would compute them again:
    # `not_the_preset` ends those chains.
    preset_out = (inp.components[:3] + [net, target, methods, sg_n, sg_std, ig_base, ig_steps, cam_layer, occ_window,
                                        occ_stride, lesson, preset_sig])
    gate = dict(fn=not_the_preset, inputs=[preset_sig] + inp.components[:3] + [net], outputs=[preset_sig],
                api_visibility="private", queue=False, show_progress="hidden")

    def scenario_views(ev):
        ev.success(explain, explain_in, explain_out, show_progress="minimal", show_progress_on=[status],
                   api_visibility="undocumented", **queue).success(
            sanity_scenario, [preset], None, api_visibility="private", queue=False, show_progress="hidden").success(
            sanity_check, sanity_in, sanity_out, show_progress="minimal", show_progress_on=[sanity_status],
            api_visibility="undocumented", **queue)

    scenario_views(preset.input(apply_preset, [preset, lang], preset_out, api_name="saliency_preset",
                                show_progress="hidden"))
    scenario_views(next_preset.click(following_preset, [preset], [preset], api_visibility="private", queue=False,
                                     show_progress="hidden").then(apply_preset, [preset, lang], preset_out, **hidden))
    net.change(options, opts_in, opts_out, api_name="saliency_options", show_progress="hidden").success(
        **gate).success(explain, explain_in, explain_out, **hidden, **queue)
    inputs.wire(inp).success(**gate).success(explain, explain_in, explain_out, **hidden, **queue)
    for ev in draw_events(tab, shown, lang):
        ev.success(lesson_text, [preset, lang], [lesson], **hidden)
        ev.success(options, opts_in, opts_out, **hidden).success(explain, explain_in, explain_out, **hidden, **queue)
    return inp  # for the send-to bar (explorer.ui.send)
