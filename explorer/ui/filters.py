"""The Filters tab: what a convolution sees. Lays out the input, the network's view of it, and the
convolution playground, and wires them to ``explorer.filters.compute`` / ``explorer.filters.views``.

API (gradio_client): ``/classify``, ``/feature_maps``, ``/filters``, ``/layers``, ``/maximize``
(streams), ``/stop_maximize``, ``/convolve``, ``/kernel_preset``, ``/filters_preset`` (a teaching
scenario's settings and lesson; ``explorer.filters.scenarios``).
"""
from __future__ import annotations

import os

import gradio as gr
import numpy as np

from explorer import images, memo, nets
from explorer.filters import compute as filters
from explorer.filters import convolution
from explorer.filters import scenarios as filters_presets
from explorer.filters import views as fv
from explorer.i18n import num, t
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
from explorer.ui.components import Number, OutputImage, Radio, Slider, frozen

PRESET_ORDER = ("identity", "box_blur", "gaussian", "sharpen", "laplacian", "sobel_x", "sobel_y", "emboss")
DEFAULT_SOURCE, DEFAULT_SAMPLE, DEFAULT_NET = "sample", "cat", "imagenet"
# Activation maximisations at once (seconds of CPU each); a queue of their own, so two trainings
# never hold them up and they never hold up training.
MAXIMIZE_CONCURRENCY = int(os.environ.get("DLE_MAXIMIZE_CONCURRENCY", "1"))


def _net(key: str, lang: str, request: gr.Request | None, store: SessionStore) -> nets.Net:
    return inputs.network(key, nets.NETS, lang, request, store)


def _layer_choices(net: nets.Net) -> list[tuple[str, str]]:
    return [(f"{s.label} · {fv.shape_text(s.shape, 'en')}", s.name) for s in net.stages()]


def _conv_choices(net: nets.Net, lang: str) -> list[tuple[str, str]]:
    return [(fv.conv_label(c, lang), c.name) for c in net.convs()]


def _stage_points_of(net_key: str) -> list[tuple[str, str, str]]:
    """Layer names and labels of a shipped network, without computing anything (session: none)."""
    if net_key == "fashion":
        return nets.shipped_cnn().stage_points
    if net_key == "imagenet":
        return nets.imagenet().stage_points
    return []


def _default_layer(net: nets.Net) -> str:
    """A layer worth seeing first: the first activation (CNN) or an early block (ImageNet)."""
    stages = net.stages()
    for s in stages:
        if s.kind in ("act", "block"):
            return s.name
    return stages[0].name


def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    with gr.Tab(L("tab_filters"), id="filters", elem_id="tab-filters") as tab:
        shown = shown_flag()  # drawn once the tab has been opened
        gr.Markdown(L("filters_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                with gr.Row(equal_height=True):
                    preset = gr.Dropdown([(L(f"fpre_{k}"), k) for k in filters_presets.PRESETS], value=None,
                                         label=L("fpre_label"), info=L("fpre_info"), elem_id="filters-preset",
                                         allow_custom_value=True,  # an unknown name: our translated error
                                         scale=4)
                    next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="filters-next-preset", scale=0, min_width=40,
                                            elem_classes=["dle-next-preset"])
                lesson = gr.Markdown(elem_id="filters-lesson")
                preset_sig = gr.State(None)  # the image a scenario just set (see `not_the_preset`)
                inp = inputs.build("filters", DEFAULT_SAMPLE, DEFAULT_SOURCE)
                net = gr.Radio([(L(f"net_{k}"), k) for k in nets.NETS], value=DEFAULT_NET,
                               label=L("net_label"), info=L("net_info"), elem_id="filters-net")
                analyse = gr.Button(L("analyse_button"), variant="primary", elem_id="filters-analyse")
            with gr.Column(scale=2):
                prep = OutputImage(label=L("prep_label"), interactive=False, elem_id="filters-prep",
                                   buttons=["download"])
                top5 = gr.Plot(label=L("top5_label"), elem_id="filters-top5")
                with gr.Accordion(L("json_label"), open=False):
                    classify_json = gr.JSON(label="/classify", elem_id="filters-classify-json")

        with gr.Tabs() as views:
            with gr.Tab(L("sub_maps"), id="filters-maps", elem_id="tab-filters-maps"):
                gr.Markdown(L("maps_intro"))
                with gr.Row():
                    layer = gr.Dropdown([], label=L("layer_label"), elem_id="filters-layer", scale=2,
                                        allow_custom_value=True)  # choices depend on the network
                    channel = Slider(0, filters.MAX_CHANNELS - 1, value=0, step=1, label=L("channel_label"),
                                        elem_id="filters-channel", scale=2)
                with gr.Row(equal_height=False):
                    maps = gr.Plot(label=L("maps_label"), elem_id="filters-maps-plot", scale=3)
                    with gr.Column(scale=2):
                        chan_plot = gr.Plot(label=L("channel_plot_label"), elem_id="filters-channel-plot")
                        chan_overlay = OutputImage(format="jpeg", label=L("overlay_label"), interactive=False, height=240,
                                                   elem_id="filters-overlay", buttons=["download"])
                stages_md = gr.Markdown(elem_id="filters-stages")
                with gr.Accordion(L("json_label"), open=False):
                    maps_json = gr.JSON(label="/feature_maps", elem_id="filters-maps-json")
            with gr.Tab(L("sub_filters"), id="filters-weights", elem_id="tab-filters-weights"):
                gr.Markdown(L("weights_intro"))
                conv = gr.Dropdown([], label=L("conv_label"), elem_id="filters-conv", allow_custom_value=True)
                weights = gr.Plot(label=L("weights_label"), elem_id="filters-weights-plot")
                with gr.Accordion(L("json_label"), open=False):
                    weights_json = gr.JSON(label="/filters")
            with gr.Tab(L("sub_maximize"), id="filters-maximize", elem_id="tab-filters-maximize"):
                gr.Markdown(L("maximize_intro"))
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=280):
                        mx_steps = Slider(*filters.MAXIMIZE_STEPS, value=96, step=1, label=L("mx_steps"))
                        mx_lr = Slider(*filters.MAXIMIZE_LR, value=0.05, step=0.005, label=L("mx_lr"))
                        mx_jitter = Slider(*filters.MAXIMIZE_JITTER, value=4, step=1, label=L("mx_jitter"),
                                              info=L("mx_jitter_info"))
                        mx_blur = Slider(*filters.MAXIMIZE_BLUR, value=0.5, step=0.1, label=L("mx_blur"),
                                            info=L("mx_blur_info"))
                        mx_seed = Number(0, precision=0, label=L("seed_label"), elem_id="filters-mx-seed")
                        with gr.Row():
                            mx_start = gr.Button(L("mx_start"), variant="primary", elem_id="filters-mx-start")
                            mx_stop = gr.Button(L("stop_button"), variant="stop", elem_id="filters-mx-stop")
                    with gr.Column(scale=2):
                        mx_target = gr.Markdown(elem_id="filters-mx-target")
                        mx_status = gr.Markdown(elem_id="filters-mx-status")
                        mx_image = OutputImage(label=L("mx_image"), interactive=False, height=320,
                                               elem_id="filters-mx-image", buttons=["download"])
                        with gr.Accordion(L("json_label"), open=False):
                            mx_json = gr.JSON(label="/maximize")
            with gr.Tab(L("sub_playground"), id="filters-playground", elem_id="tab-filters-playground"):
                gr.Markdown(L("playground_intro"))
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=280):
                        with gr.Row():
                            k_preset = gr.Dropdown([(L(f"kp_{p}"), p) for p in PRESET_ORDER + ("custom",)],
                                                   value="laplacian",
                                                   label=L("kp_label"), elem_id="filters-kernel-preset", scale=2)
                            k_size = Radio([3, 5], value=3, label=L("ksize_label"), scale=1,
                                              elem_id="filters-ksize")
                        kernel = gr.Dataframe(fv.kernel_rows(convolution.preset_kernel("laplacian")),
                                              headers=["1", "2", "3"], datatype="number", type="array",
                                              interactive=True, label=L("kernel_grid_label"),
                                              elem_id="filters-kernel")
                        with gr.Row():
                            stride = Slider(1, convolution.MAX_STRIDE, value=1, step=1, label=L("stride_label"),
                                            elem_id="filters-stride")
                            padding = gr.Radio([(L(f"pad_{p}"), p) for p in convolution.PADDINGS], value="valid",
                                               label=L("padding_label"), elem_id="filters-padding")
                        with gr.Row():
                            row = Number(None, precision=0, label=L("row_label"), elem_id="filters-row")
                            col = Number(None, precision=0, label=L("col_label"), elem_id="filters-col")
                        pg_size = Slider(*fv.PLAYGROUND_SIDES, value=fv.PLAYGROUND_SIDE, step=8,
                                            label=L("pg_size_label"), info=L("pg_size_info"))
                        pool_mode = gr.Radio([(L(f"poolm_{m}"), m) for m in convolution.POOL_MODES], value="max",
                                             label=L("pool_label"))
                        apply = gr.Button(L("apply_button"), variant="primary", elem_id="filters-apply")
                    with gr.Column(scale=3):
                        pg_info = gr.Markdown(elem_id="filters-pg-info")
                        with gr.Row():
                            pg_in = OutputImage(format="jpeg", label=L("pg_input"), interactive=False, elem_id="filters-pg-input",
                                                height=380)
                            pg_out = OutputImage(format="jpeg", label=L("pg_output"), interactive=False, elem_id="filters-pg-output",
                                                 height=380)
                        with gr.Row(equal_height=False):
                            products = gr.Plot(label=L("pp_label"), elem_id="filters-products", scale=3)
                            pg_pool = OutputImage(format="jpeg", label=L("pg_pool"), interactive=False, elem_id="filters-pg-pool",
                                                  height=300, scale=2)
                        with gr.Accordion(L("json_label"), open=False):
                            conv_json = gr.JSON(label="/convolve", elem_id="filters-conv-json")
        api_row = gr.Button(visible=False)  # never shown: it carries the direct API endpoints

    # The playground's pictures and the overlay go out as JPEG: Gradio's default WebP costs 30-60 ms
    # a view at 512 px (measured), the most expensive step of a click; it is as lossy as JPEG anyway.
    image_inputs = inp.components

    # ---- handlers: thin; the work is in explorer.filters.compute and explorer.filters.views ------------

    def _prepared(src, smp, idx, up, sk, net_key, lang, request):
        net_obj = _net(net_key, lang, request, store)
        img = images.load_input(src, smp, idx, up, sk)
        return net_obj, img, net_obj.prepare(img, from_dataset=src == "dataset")

    _classified = memo.Memo(64)

    @friendly
    def classify(src, smp, idx, up, sk, net_key, lang, request: gr.Request):
        """Top-5 prediction of the chosen network for the chosen image (ONNX Runtime for shipped
        networks), the preprocessing steps as images, and a JSON summary with the top-5 labels and
        probabilities."""
        lang = lang_of(lang)
        # a shipped network on a sample or data-set image: the same answer for everyone (explorer.memo)
        key = (memo.key_of("classify", src, smp if src == "sample" else idx, net_key, lang)
               if net_key in ("fashion", "imagenet") and src in ("sample", "dataset") else None)
        return _classified.get_or_make(key, lambda: _classify(src, smp, idx, up, sk, net_key, lang, request))

    def _classify(src, smp, idx, up, sk, net_key, lang, request):
        net_obj, img, pre = _prepared(src, smp, idx, up, sk, net_key, lang, request)
        probs = nets.probabilities(net_obj, pre.array[None])[0]
        top = nets.top_k(probs, net_obj.class_names(lang))
        title = t(lang, "top5_title", net=t(lang, f"net_{net_key}"))
        summary = {"network": net_key, "input_size": list(img.size), "network_input": list(pre.array.shape),
                   "preprocessing": [s for s, _ in pre.steps], "notes": _jsonable(pre.notes), "top5": top}
        return (frozen(fv.preprocess_strip(pre, lang, norm=net_obj.normalization)), fv.top5_figure(top, lang, title),
                summary)

    @friendly
    def layers(net_key, layer_name, ch, conv_name, lang, request: gr.Request):
        """The layers of the chosen network: feature-map stages (shape H × W × C, receptive field)
        and conv layers (for the filters view). The current layer, channel and conv layer are kept
        when the network has them; otherwise the defaults."""
        lang = lang_of(lang)
        net_obj = _net(net_key, lang, request, store)
        names = [st.name for st in net_obj.stages()]  # a list: `in` must not hash an API caller's dict
        layer_name = layer_name if layer_name in names else _default_layer(net_obj)
        c = net_obj.stage(layer_name).shape[0]
        ch = ch if isinstance(ch, (int, float)) and 0 <= ch < c else 0
        conv_names = [cv.name for cv in net_obj.convs()]
        conv_name = conv_name if conv_name in conv_names else conv_names[0]
        return (gr.update(choices=_layer_choices(net_obj), value=layer_name),
                gr.update(maximum=c - 1, value=int(ch)),
                gr.update(choices=_conv_choices(net_obj, lang), value=conv_name))

    @friendly
    def feature_maps(src, smp, idx, up, sk, net_key, layer_name, ch, lang, request: gr.Request):
        """Activations of one layer for the chosen image: every channel (or the 64 strongest), one
        channel large and over the image, the shape and receptive field of every stage, and a JSON
        summary."""
        lang = lang_of(lang)
        net_obj, _img, pre = _prepared(src, smp, idx, up, sk, net_key, lang, request)
        names = [s.name for s in net_obj.stages()]
        if layer_name in (None, ""):
            layer_name = _default_layer(net_obj)
        elif layer_name not in names:
            raise user_error(lang, "err_bad_layer", value=str(layer_name)[:40])
        stage = net_obj.stage(layer_name)
        ch = int_in(0 if ch is None else ch, 0, stage.shape[0] - 1, lang, "channel_label")
        acts = filters.feature_maps(net_obj, nets.to_tensor(pre), layer_name)
        shown = filters.strongest_channels(acts)
        base = fv.network_input_image(pre)
        summary = {
            "network": net_key, "layer": fv.stage_summary(stage), "channel": ch,
            "channel_stats": {"min": float(acts[ch].min()), "max": float(acts[ch].max()),
                              "mean": float(acts[ch].mean())},
            "channels_drawn": shown.tolist(),
            "strongest_channels": np.argsort(-acts.reshape(len(acts), -1).mean(1))[:10].tolist(),
            "stages": [fv.stage_summary(s) for s in net_obj.stages()],
        }
        return (fv.feature_map_figure(acts, shown, stage, ch, lang),
                fv.channel_figure(acts[ch], stage, ch, lang),
                fv.overlay(base, acts[ch], stage),
                fv.stages_markdown(net_obj.stages(), layer_name, lang, net_obj.input_size), summary)

    @friendly
    def mx_target_text(net_key, layer_name, ch, lang):
        lang = lang_of(lang)
        label = next((lbl for name, lbl, _ in _stage_points_of(net_key) if name == layer_name), layer_name)
        return t(lang, "mx_target", layer=label or "—", channel=int(ch or 0))

    @friendly
    def layer_changed(net_key, layer_name, lang, request: gr.Request):
        lang = lang_of(lang)
        net_obj = _net(net_key, lang, request, store)
        try:
            c = net_obj.stage(layer_name).shape[0]
        except KeyError:
            return gr.skip()
        return gr.update(maximum=c - 1, value=0)

    @friendly
    def weights_view(net_key, conv_name, lang, request: gr.Request):
        """A conv layer's filters: colour images for an RGB first layer, k×k kernels otherwise, the
        matrix of a 1×1 layer; JSON with the weight tensor's shape and statistics."""
        lang = lang_of(lang)
        net_obj = _net(net_key, lang, request, store)
        infos = {c.name: c for c in net_obj.convs()}
        if conv_name in (None, ""):
            conv_name = next(iter(infos))
        elif not isinstance(conv_name, str) or conv_name not in infos:
            raise user_error(lang, "err_bad_layer", value=str(conv_name)[:40])
        w = filters.conv_weights(net_obj, conv_name)
        info = infos[conv_name]
        return fv.filters_figure(w, info, lang), {
            "network": net_key, "layer": conv_name, "weight_shape": list(w.shape),
            "kernel": info.kernel, "stride": info.stride, "groups": info.groups,
            "min": float(w.min()), "max": float(w.max()), "mean_abs": float(np.abs(w).mean())}

    @friendly
    def maximize(net_key, layer_name, ch, steps, lr, jitter, blur, seed, lang, request: gr.Request,
                 progress=gr.Progress()):
        """Activation maximisation: gradient ascent on the input image to excite one channel, with
        jitter and blur as regularisers. Streams the image as it forms."""
        lang = lang_of(lang)
        net_obj = _net(net_key, lang, request, store)
        if layer_name not in [s.name for s in net_obj.stages()]:
            raise user_error(lang, "err_bad_layer", value=str(layer_name)[:40])
        stage = net_obj.stage(layer_name)
        ch = int_in(ch, 0, stage.shape[0] - 1, lang, "channel_label")
        steps = int_in(steps, *filters.MAXIMIZE_STEPS, lang, "mx_steps")
        lr = float_in(lr, *filters.MAXIMIZE_LR, lang, "mx_lr")
        jitter = int_in(jitter, *filters.MAXIMIZE_JITTER, lang, "mx_jitter")
        blur = float_in(blur, *filters.MAXIMIZE_BLUR, lang, "mx_blur")
        seed = int_in(seed, 0, 2**31 - 1, lang, "seed_label")
        stop = store.get(session_key(request)).new_run("maximize")
        history = []
        last = None
        for st in filters.maximize(net_obj, layer_name, ch, steps, lr, jitter, blur, seed, stop=stop):
            last = st
            history.append(round(st.activation, 5))
            progress(st.step / st.steps, desc=t(lang, "mx_progress", step=st.step, steps=st.steps))
            img = (fv.stretch(st.image) * 255).astype(np.uint8)  # contrast stretched for display
            img = img[..., 0] if img.shape[-1] == 1 else img
            from PIL import Image
            pil = Image.fromarray(img)
            if pil.width < 224:
                pil = pil.resize((224, 224), Image.NEAREST)
            status = t(lang, "mx_status", layer=stage.label, channel=ch, step=st.step, steps=st.steps,
                       value=num(lang, st.activation, 3))
            yield status, pil, {"network": net_key, "layer": layer_name, "channel": ch, "step": st.step,
                                "steps": st.steps, "activation": st.activation, "activation_history": history}
        if last is None or last.step < steps:
            done = last.step if last else 0
            yield t(lang, "mx_stopped", step=done, steps=steps), gr.skip(), gr.skip()

    def stop_maximize(request: gr.Request) -> None:
        """Stop this session's activation maximisation."""
        store.get(session_key(request)).cancel("maximize")

    @friendly
    def kernel_preset(name, size, lang):
        """A preset kernel (identity, box blur, Gaussian, sharpen, Laplacian, Sobel x/y, emboss) as
        rows of numbers."""
        lang = lang_of(lang)
        if name == "custom":  # the user's own kernel: keep it
            return gr.skip()
        if name not in PRESET_ORDER:
            raise user_error(lang, "err_bad_preset_kernel", value=str(name)[:30])
        size = int_in(size, 3, 5, lang, "ksize_label")
        if size not in (3, 5):
            raise user_error(lang, "err_int_range", field=t(lang, "ksize_label"), value=size, lo=3, hi=5)
        k = convolution.preset_kernel(name, size)
        return gr.update(value=fv.kernel_rows(k), headers=[str(i + 1) for i in range(size)])

    @friendly
    def convolve(src, smp, idx, up, sk, kernel_rows, stride_v, padding_v, row_v, col_v, pool_v, size_v, lang):
        """Apply a kernel to the grayscale image (stride 1–3, valid/same padding): the input with the
        kernel's window, the output, 2×2 pooling of the output, and the products behind one output
        pixel. JSON: output shape, the pixel's value, patch and products."""
        lang = lang_of(lang)
        k = fv.parse_kernel(kernel_rows)
        s = int_in(stride_v, 1, convolution.MAX_STRIDE, lang, "stride_label")
        if padding_v not in convolution.PADDINGS:
            raise user_error(lang, "err_bad_padding", value=str(padding_v)[:20])
        if pool_v not in convolution.POOL_MODES:
            raise user_error(lang, "err_bad_pool", value=str(pool_v)[:20])
        side = int_in(size_v, *fv.PLAYGROUND_SIDES, lang, "pg_size_label")
        img = images.load_input(src, smp, idx, up, sk)
        x = fv.playground_input(img, side)
        if min(x.shape) < k.shape[0]:
            raise user_error(lang, "err_image_smaller_than_kernel", h=x.shape[0], w=x.shape[1], k=k.shape[0])
        pad = convolution.pad_amount(k.shape[0], padding_v)
        h_out, w_out = (convolution.output_size(n, k.shape[0], s, pad) for n in x.shape)
        r = None if row_v in (None, "") else int_in(row_v, 0, max(h_out - 1, 0), lang, "row_label")
        c = None if col_v in (None, "") else int_in(col_v, 0, max(w_out - 1, 0), lang, "col_label")
        pg = fv.run_playground(x, k, s, padding_v, r, c, pool_v)
        in_img, out_img, pool_img, meta = fv.playground_images(pg, lang)
        info = t(lang, "pg_info", h=x.shape[0], w=x.shape[1], k=k.shape[0], p=meta["padding_px"], s=s,
                 ho=pg.output.shape[0], wo=pg.output.shape[1], hp=pg.pooled.shape[0], wp=pg.pooled.shape[1],
                 gray=t(lang, f"gray_{meta['gray']}"))
        summary = fv.playground_summary(pg)
        summary["display_scale"] = {"input": meta["in_scale"], "output": meta["out_scale"]}
        return (info, in_img, out_img, pool_img, fv.products_figure(pg.pixel, lang), summary,
                pg.pixel.row, pg.pixel.col)

    @friendly
    def apply_preset(name, lang, request: gr.Request):
        """A teaching scenario (``explorer.filters.scenarios``): every control of the tab — image source,
        sample or test-set index, network, layer, channel, conv layer, the sub-tab to open, the
        playground's kernel, size, stride, padding, marked pixel, working size and pooling, the
        activation maximisation's settings — and the lesson (Markdown)."""
        lang = lang_of(lang)
        p = scenario_settings(filters_presets.PRESETS, name, lang, "err_fpre")
        net_obj = _net(p["net"], lang, request, store)
        layer_name = p["layer"] or _default_layer(net_obj)
        conv_name = p["conv"] or net_obj.convs()[0].name
        c = net_obj.stage(layer_name).shape[0]
        k = convolution.preset_kernel(p["kernel"], p["ksize"])
        return (p["source"], p["sample"], p["index"], p["net"],
                gr.update(choices=_layer_choices(net_obj), value=layer_name),
                gr.update(maximum=c - 1, value=p["channel"]),
                gr.update(choices=_conv_choices(net_obj, lang), value=conv_name),
                gr.Tabs(selected=f"filters-{p['view']}"),
                p["kernel"], p["ksize"], gr.update(value=fv.kernel_rows(k), headers=[str(i + 1) for i in range(p["ksize"])]),
                p["stride"], p["padding"], p["row"], p["col"], p["pg_size"], p["pool"],
                p["mx_steps"], p["mx_lr"], p["mx_jitter"], p["mx_blur"], p["mx_seed"],
                t(lang, f"fpre_{name}_lesson"), [p["source"], p["sample"], float(p["index"])])

    def lesson_text(name, lang):
        return scenario_lesson(filters_presets.PRESETS, "fpre_{}_lesson", name, lang)

    def following_preset(name):
        return next_scenario(filters_presets.PRESETS, name)

    def not_the_preset(sig, src, smp, idx):
        """End a new-image chain quietly when the image is the one a scenario has just set (the
        scenario's own chain draws it, with its marked pixel); any other image clears the mark."""
        unless_scenario_set(sig, src, smp, idx)

    def maximize_scenario(name):
        """Go on to the activation maximisation only for a scenario that opens it."""
        p = filters_presets.PRESETS.get(name) if isinstance(name, str) else None
        if p is None or p["view"] != "maximize":
            raise gr.Error("", visible=False, print_exception=False)

    def pick_pixel(summary, evt: gr.SelectData):
        """Clicked output pixel → (row, col) of the output array."""
        if not summary or evt is None or evt.index is None:
            return gr.skip(), gr.skip()
        scale = max(1, int(summary.get("display_scale", {}).get("output", 1)))
        x, y = evt.index[:2]
        h, w = summary["output_shape"]
        return min(int(y) // scale, h - 1), min(int(x) // scale, w - 1)

    # ---- wiring --------------------------------------------------------------------------------
    cls_in, cls_out = image_inputs + [net, lang], [prep, top5, classify_json]
    maps_in = image_inputs + [net, layer, channel, lang]
    maps_out = [maps, chan_plot, chan_overlay, stages_md, maps_json]
    layers_in, layers_out = [net, layer, channel, conv, lang], [layer, channel, conv]
    conv_in = image_inputs + [kernel, stride, padding, row, col, pool_mode, pg_size, lang]
    conv_out = [pg_info, pg_in, pg_out, pg_pool, products, conv_json, row, col]
    hidden = dict(api_visibility="undocumented", show_progress="hidden")

    # The named API first (an unnamed event of the same function would take its name): one endpoint
    # per view, each computing from its own inputs.
    api_row.click(classify, cls_in, cls_out, api_name="classify")
    api_row.click(feature_maps, maps_in, maps_out, api_name="feature_maps")
    api_row.click(convolve, conv_in, conv_out, api_name="convolve")

    def clear_pixel():
        return None, None

    def network_views(ev):
        """prediction → feature maps, after ``ev``; a step that fails ends the chain (one message)."""
        return ev.success(classify, cls_in, cls_out, api_visibility="undocumented", show_progress="minimal",
                          show_progress_on=[top5]).success(
            feature_maps, maps_in, maps_out, api_visibility="undocumented", show_progress="minimal",
            show_progress_on=[maps])

    def playground_view(ev):
        """a new image: the playground starts again from its centre pixel."""
        return ev.success(clear_pixel, None, [row, col], api_visibility="private", queue=False,
                          show_progress="hidden").success(convolve, conv_in, conv_out, **hidden)

    analyse_ev = analyse.click(layers, layers_in, layers_out, api_name="layers", show_progress="hidden")
    network_views(analyse_ev).success(weights_view, [net, conv, lang], [weights, weights_json], **hidden)
    conv.input(weights_view, [net, conv, lang], [weights, weights_json], api_name="filters", show_progress="hidden")
    playground_view(analyse.click(lambda: None, None, None, queue=False, api_visibility="private"))

    # A new image (sample, dataset number, upload, drawing, or switching the source) → prediction,
    # feature maps and playground; an empty upload or drawing ends the chain quietly.
    checked = inputs.wire(inp).success(not_the_preset, [preset_sig] + image_inputs[:3], [preset_sig],
                                       api_visibility="private", queue=False, show_progress="hidden")
    network_views(checked)
    playground_view(checked)

    # Another network (or this session's retrained one): its layers, keeping what still applies.
    net_ev = net.change(layers, layers_in, layers_out, **hidden)
    network_views(net_ev).success(weights_view, [net, conv, lang], [weights, weights_json], **hidden)
    layer.input(layer_changed, [net, layer, lang], [channel], api_visibility="private",
                show_progress="hidden").success(feature_maps, maps_in, maps_out, api_visibility="undocumented",
                                                show_progress="minimal", show_progress_on=[maps])
    channel.release(feature_maps, maps_in, maps_out, trigger_mode="always_last", **hidden)
    gr.on([layer.change, channel.change], mx_target_text, [net, layer, channel, lang], [mx_target],
          api_visibility="private", show_progress="hidden", queue=False)

    mx_in = [net, layer, channel, mx_steps, mx_lr, mx_jitter, mx_blur, mx_seed, lang]
    mx_kw = dict(concurrency_limit=MAXIMIZE_CONCURRENCY, concurrency_id="maximize", show_progress="minimal",
                 show_progress_on=[mx_status])
    mx_start.click(maximize, mx_in, [mx_status, mx_image, mx_json], api_name="maximize", **mx_kw)
    mx_stop.click(stop_maximize, None, None, api_name="stop_maximize", queue=False)

    # A teaching scenario sets every control, then draws the views it is about (and generates the
    # maximised image when it opens that view). The image change it causes would redraw them
    # again and move the playground's marked pixel back to the centre: `not_the_preset` stops that.
    preset_out = (image_inputs[:3] + [net, layer, channel, conv, views, k_preset, k_size, kernel, stride, padding,
                                      row, col, pg_size, pool_mode, mx_steps, mx_lr, mx_jitter, mx_blur, mx_seed,
                                      lesson, preset_sig])

    def scenario_views(ev):
        ev = ev.success(classify, cls_in, cls_out, api_visibility="undocumented", show_progress="minimal",
                        show_progress_on=[top5])
        ev = ev.success(feature_maps, maps_in, maps_out, api_visibility="undocumented", show_progress="minimal",
                        show_progress_on=[maps])
        ev = ev.success(weights_view, [net, conv, lang], [weights, weights_json], **hidden)
        ev = ev.success(convolve, conv_in, conv_out, **hidden)
        ev.success(maximize_scenario, [preset], None, api_visibility="private", queue=False,
                   show_progress="hidden").success(maximize, mx_in, [mx_status, mx_image, mx_json],
                                                   api_visibility="undocumented", **mx_kw)

    scenario_views(preset.input(apply_preset, [preset, lang], preset_out, api_name="filters_preset",
                                show_progress="hidden"))
    scenario_views(next_preset.click(following_preset, [preset], [preset], api_visibility="private", queue=False,
                                     show_progress="hidden").then(apply_preset, [preset, lang], preset_out,
                                                                  **hidden))

    # The playground's own controls.
    k_preset.input(kernel_preset, [k_preset, k_size, lang], [kernel], api_name="kernel_preset",
                   show_progress="hidden").success(convolve, conv_in, conv_out, **hidden)
    k_size.input(kernel_preset, [k_preset, k_size, lang], [kernel], **hidden).success(
        clear_pixel, None, [row, col], api_visibility="private", queue=False).success(
        convolve, conv_in, conv_out, **hidden)
    kernel.input(lambda: "custom", None, [k_preset], api_visibility="private", queue=False,
                 show_progress="hidden")
    gr.on([stride.release, padding.input, pg_size.release], clear_pixel, None, [row, col], api_visibility="private",
          queue=False, show_progress="hidden").success(convolve, conv_in, conv_out, **hidden)
    gr.on([apply.click, kernel.input, pool_mode.input, row.submit, col.submit], convolve, conv_in, conv_out,
          trigger_mode="always_last", **hidden)
    pg_out.select(pick_pixel, [conv_json], [row, col], api_visibility="private", show_progress="hidden",
                  queue=False).success(convolve, conv_in, conv_out, **hidden)

    # Drawn the first time the tab is opened (not on every page load), and again in the other
    # language when the language changes.
    for ev in draw_events(tab, shown, lang):
        ev.success(lesson_text, [preset, lang], [lesson], **hidden)
        ev = ev.success(layers, layers_in, layers_out, **hidden)
        network_views(ev).success(weights_view, [net, conv, lang], [weights, weights_json], **hidden)
        playground_view(ev)
    return inp  # for the send-to bar (explorer.ui.send)


def _jsonable(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, (np.generic,)):
            v = v.item()
        elif isinstance(v, tuple):
            v = list(v)
        out[k] = v
    return out
