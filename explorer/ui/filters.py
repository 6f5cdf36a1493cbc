"""The Filters tab: what a convolution sees. Lays out the input, the network's view of it, and the
convolution playground, and wires them to ``explorer.filters.compute`` / ``explorer.filters.views``.

API (gradio_client): ``/classify``, ``/feature_maps``, ``/filters``, ``/layers``, ``/maximize``
(streams), ``/stop_maximize``, ``/convolve``, ``/kernel_preset``, ``/filters_preset`` (a teaching
scenario's settings and lesson; ``explorer.filters.scenarios``).

Read top to bottom: the handlers (module-level, their dependencies first: ``bind(handler, store)``
wires them, a unit test calls them directly), then one builder per section of the page, then the
events that connect them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import gradio as gr
import numpy as np
from PIL import Image

from explorer import images, memo, nets
from explorer.filters import compute as filters
from explorer.filters import convolution
from explorer.filters import views as fv
from explorer.filters.scenarios import SCENARIOS
from explorer.i18n import num, t
from explorer.session import SessionStore
from explorer.ui import inputs
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
from explorer.ui.components import Number, OutputImage, Radio, Slider, frozen
from explorer.ui.wiring import (
    GATE,
    HIDDEN,
    bind,
    json_panel,
    lesson_handler,
    next_scenario_event,
    only_for_scenarios_js,
    scenario_picker,
)

PRESET_ORDER = ("identity", "box_blur", "gaussian", "sharpen", "laplacian", "sobel_x", "sobel_y", "emboss")
DEFAULT_SOURCE, DEFAULT_SAMPLE, DEFAULT_NET = "sample", "cat", "imagenet"
# Activation maximisations at once (seconds of CPU each); a queue of their own, so two trainings
# never hold them up and they never hold up training.
MAXIMIZE_CONCURRENCY = int(os.environ.get("DLE_MAXIMIZE_CONCURRENCY", "1"))
# After a scenario, go on to the activation maximisation only for a scenario that opens it.
MAXIMIZE_SCENARIO_JS = only_for_scenarios_js(SCENARIOS, lambda sc: sc["view"] == "maximize")

# Link keys: a shared link (explorer.ui.share) names a control by its elem_id or, without one, by
# its label's translation key. Six controls had no elem_id and were linked as mx_steps, mx_lr,
# mx_jitter, mx_blur, pg_size_label and pool_label; their labels' keys now start with "filters_", so
# those link keys (and the /share_link parameters filters_mx_steps...) are pinned as their elem_ids.

# The handlers' first parameter ``store`` is the app's SessionStore. It carries no annotation on
# purpose: Gradio resolves a bound handler's annotations (to find ``request: gr.Request``) in
# explorer.ui.wiring's namespace, where a name it cannot resolve would hide the request from it.


# ---- helpers ------------------------------------------------------------------------------------

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


def _jsonable(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, (np.generic,)):
            v = v.item()
        elif isinstance(v, tuple):
            v = list(v)
        out[k] = v
    return out


def _kernel_update(k: np.ndarray) -> dict:
    """The kernel grid showing ``k`` (its headers are the column numbers)."""
    return gr.update(value=fv.kernel_rows(k), headers=[str(i + 1) for i in range(k.shape[1])])


def _prepared(store, src, smp, idx, up, sk, net_key, lang, request):
    net_obj = _net(net_key, lang, request, store)
    img = images.load_input(src, smp, idx, up, sk)
    return net_obj, img, net_obj.prepare(img, from_dataset=src == "dataset")


# ---- handlers: thin; the work is in explorer.filters.compute and explorer.filters.views ----------

_CLASSIFIED = memo.Memo(64)


@friendly
def classify(store, src, smp, idx, up, sk, net_key, lang, request: gr.Request):
    """Top-5 prediction of the chosen network for the chosen image (ONNX Runtime for shipped
    networks), the preprocessing steps as images, and a JSON summary with the top-5 labels and
    probabilities."""
    # a shipped network on a sample or data-set image: the same answer for everyone (explorer.memo)
    key = (memo.key_of("classify", src, smp if src == "sample" else idx, net_key, lang)
           if net_key in ("fashion", "imagenet") and src in ("sample", "dataset") else None)
    return _CLASSIFIED.get_or_make(key, lambda: _classify(store, src, smp, idx, up, sk, net_key, lang, request))


def _classify(store, src, smp, idx, up, sk, net_key, lang, request):
    net_obj, img, pre = _prepared(store, src, smp, idx, up, sk, net_key, lang, request)
    probs = nets.probabilities(net_obj, pre.array[None])[0]
    top = nets.top_k(probs, net_obj.class_names(lang))
    title = t(lang, "filters_top5_title", net=t(lang, f"net_{net_key}"))
    summary = {"network": net_key, "input_size": list(img.size), "network_input": list(pre.array.shape),
               "preprocessing": [s for s, _ in pre.steps], "notes": _jsonable(pre.notes), "top5": top}
    return (frozen(fv.preprocess_strip(pre, lang, norm=net_obj.normalization)), fv.top5_figure(top, lang, title),
            summary)


@friendly
def layers(store, net_key, layer_name, ch, conv_name, lang, request: gr.Request):
    """The layers of the chosen network: feature-map stages (shape H × W × C, receptive field)
    and conv layers (for the filters view). The current layer, channel and conv layer are kept
    when the network has them; otherwise the defaults."""
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
def feature_maps(store, src, smp, idx, up, sk, net_key, layer_name, ch, lang, request: gr.Request):
    """Activations of one layer for the chosen image: every channel (or the 64 strongest), one
    channel large and over the image, the shape and receptive field of every stage, and a JSON
    summary."""
    net_obj, _img, pre = _prepared(store, src, smp, idx, up, sk, net_key, lang, request)
    names = [s.name for s in net_obj.stages()]
    if layer_name in (None, ""):
        layer_name = _default_layer(net_obj)
    elif layer_name not in names:
        raise user_error(lang, "err_bad_layer", value=str(layer_name)[:40])
    stage = net_obj.stage(layer_name)
    ch = int_in(0 if ch is None else ch, 0, stage.shape[0] - 1, lang, "filters_channel_label")
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
    label = next((lbl for name, lbl, _ in _stage_points_of(net_key) if name == layer_name), layer_name)
    return t(lang, "filters_mx_target", layer=label or "—", channel=int(ch or 0))


@friendly
def layer_changed(store, net_key, layer_name, lang, request: gr.Request):
    net_obj = _net(net_key, lang, request, store)
    try:
        c = net_obj.stage(layer_name).shape[0]
    except KeyError:
        return gr.skip()
    return gr.update(maximum=c - 1, value=0)


@friendly
def weights_view(store, net_key, conv_name, lang, request: gr.Request):
    """A conv layer's filters: colour images for an RGB first layer, k×k kernels otherwise, the
    matrix of a 1×1 layer; JSON with the weight tensor's shape and statistics."""
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


def _maximize_picture(image: np.ndarray) -> Image.Image:
    """A step's image, contrast stretched for display, at least 224 px wide."""
    img = (fv.stretch(image) * 255).astype(np.uint8)
    img = img[..., 0] if img.shape[-1] == 1 else img
    pil = Image.fromarray(img)
    if pil.width < 224:
        pil = pil.resize((224, 224), Image.NEAREST)
    return pil


@friendly
def maximize(store, net_key, layer_name, ch, steps, lr, jitter, blur, seed, lang, request: gr.Request,
             progress=gr.Progress()):
    """Activation maximisation: gradient ascent on the input image to excite one channel, with
    jitter and blur as regularisers. Streams the image as it forms."""
    net_obj = _net(net_key, lang, request, store)
    if layer_name not in [s.name for s in net_obj.stages()]:
        raise user_error(lang, "err_bad_layer", value=str(layer_name)[:40])
    stage = net_obj.stage(layer_name)
    ch = int_in(ch, 0, stage.shape[0] - 1, lang, "filters_channel_label")
    steps = int_in(steps, *filters.MAXIMIZE_STEPS, lang, "filters_mx_steps")
    lr = float_in(lr, *filters.MAXIMIZE_LR, lang, "filters_mx_lr")
    jitter = int_in(jitter, *filters.MAXIMIZE_JITTER, lang, "filters_mx_jitter")
    blur = float_in(blur, *filters.MAXIMIZE_BLUR, lang, "filters_mx_blur")
    seed = int_in(seed, 0, 2**31 - 1, lang, "seed_label")
    stop = store.get(session_key(request)).new_run("maximize")
    history = []
    last = None
    for st in filters.maximize(net_obj, layer_name, ch, steps, lr, jitter, blur, seed, stop=stop):
        last = st
        history.append(round(st.activation, 5))
        progress(st.step / st.steps, desc=t(lang, "filters_mx_progress", step=st.step, steps=st.steps))
        status = t(lang, "filters_mx_status", layer=stage.label, channel=ch, step=st.step, steps=st.steps,
                   value=num(lang, st.activation, 3))
        yield status, _maximize_picture(st.image), {
            "network": net_key, "layer": layer_name, "channel": ch, "step": st.step, "steps": st.steps,
            "activation": st.activation, "activation_history": history}
    if last is None or last.step < steps:
        done = last.step if last else 0
        yield t(lang, "filters_mx_stopped", step=done, steps=steps), gr.skip(), gr.skip()


def stop_maximize(store, request: gr.Request) -> None:
    """Stop this session's activation maximisation."""
    store.get(session_key(request)).cancel("maximize")


@friendly
def kernel_preset(name, size, lang):
    """A preset kernel (identity, box blur, Gaussian, sharpen, Laplacian, Sobel x/y, emboss) as
    rows of numbers."""
    if name == "custom":  # the user's own kernel: keep it
        return gr.skip()
    if name not in PRESET_ORDER:
        raise user_error(lang, "err_filters_bad_preset_kernel", value=str(name)[:30])
    size = int_in(size, 3, 5, lang, "filters_ksize_label")
    if size not in (3, 5):
        raise user_error(lang, "err_int_range", field=t(lang, "filters_ksize_label"), value=size, lo=3, hi=5)
    return _kernel_update(convolution.preset_kernel(name, size))


@friendly
def convolve(src, smp, idx, up, sk, kernel_rows, stride_v, padding_v, row_v, col_v, pool_v, size_v, lang):
    """Apply a kernel to the grayscale image (stride 1–3, valid/same padding): the input with the
    kernel's window, the output, 2×2 pooling of the output, and the products behind one output
    pixel. JSON: output shape, the pixel's value, patch and products."""
    k = fv.parse_kernel(kernel_rows)
    s = int_in(stride_v, 1, convolution.MAX_STRIDE, lang, "filters_stride_label")
    if padding_v not in convolution.PADDINGS:
        raise user_error(lang, "err_filters_bad_padding", value=str(padding_v)[:20])
    if pool_v not in convolution.POOL_MODES:
        raise user_error(lang, "err_filters_bad_pool", value=str(pool_v)[:20])
    side = int_in(size_v, *fv.PLAYGROUND_SIDES, lang, "filters_pg_size_label")
    img = images.load_input(src, smp, idx, up, sk)
    x = fv.playground_input(img, side)
    if min(x.shape) < k.shape[0]:
        raise user_error(lang, "err_filters_image_smaller_than_kernel", h=x.shape[0], w=x.shape[1], k=k.shape[0])
    pad = convolution.pad_amount(k.shape[0], padding_v)
    h_out, w_out = (convolution.output_size(n, k.shape[0], s, pad) for n in x.shape)
    r = None if row_v in (None, "") else int_in(row_v, 0, max(h_out - 1, 0), lang, "filters_row_label")
    c = None if col_v in (None, "") else int_in(col_v, 0, max(w_out - 1, 0), lang, "filters_col_label")
    pg = fv.run_playground(x, k, s, padding_v, r, c, pool_v)
    in_img, out_img, pool_img, meta = fv.playground_images(pg, lang)
    info = t(lang, "filters_pg_info", h=x.shape[0], w=x.shape[1], k=k.shape[0], p=meta["padding_px"], s=s,
             ho=pg.output.shape[0], wo=pg.output.shape[1], hp=pg.pooled.shape[0], wp=pg.pooled.shape[1],
             gray=t(lang, f"filters_gray_{meta['gray']}"))
    summary = fv.playground_summary(pg)
    summary["display_scale"] = {"input": meta["in_scale"], "output": meta["out_scale"]}
    return (info, in_img, out_img, pool_img, fv.products_figure(pg.pixel, lang), summary,
            pg.pixel.row, pg.pixel.col)


@friendly
def apply_preset(store, name, lang, request: gr.Request):
    """A teaching scenario (``explorer.filters.scenarios``): every control of the tab — image source,
    sample or test-set index, network, layer, channel, conv layer, the sub-tab to open, the
    playground's kernel, size, stride, padding, marked pixel, working size and pooling, the
    activation maximisation's settings — and the lesson (Markdown)."""
    p = SCENARIOS.get_checked(name).settings
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
            p["kernel"], p["ksize"], _kernel_update(k),
            p["stride"], p["padding"], p["row"], p["col"], p["pg_size"], p["pool"],
            p["mx_steps"], p["mx_lr"], p["mx_jitter"], p["mx_blur"], p["mx_seed"],
            SCENARIOS.lesson(name, lang), [p["source"], p["sample"], float(p["index"]), p["net"]])


lesson_text = lesson_handler(SCENARIOS)


def not_the_preset(sig, src, smp, idx, net_key):
    """End a new-image or new-network chain quietly when the image and network are the ones a
    scenario has just set (the scenario's own chain draws them, with its layer, channel and marked
    pixel: redrawing the network's layers meanwhile put the maximisation on another layer); any other
    image or network clears the mark."""
    unless_scenario_set(sig, src, smp, idx, net_key)


def pick_pixel(summary, evt: gr.SelectData):
    """Clicked output pixel → (row, col) of the output array."""
    if not summary or evt is None or evt.index is None:
        return gr.skip(), gr.skip()
    scale = max(1, int(summary.get("display_scale", {}).get("output", 1)))
    x, y = evt.index[:2]
    h, w = summary["output_shape"]
    return min(int(y) // scale, h - 1), min(int(x) // scale, w - 1)


def clear_pixel():
    return None, None


def custom_kernel():
    """An edited kernel grid is the user's own kernel."""
    return "custom"


# ---- layout: one builder per section -------------------------------------------------------------

@dataclass
class Top:
    """The scenario picker, the image, the network and its prediction."""
    preset: gr.Dropdown
    next_preset: gr.Button
    lesson: gr.Markdown
    preset_sig: gr.State  # the image and network a scenario just set (see `not_the_preset`)
    inp: inputs.ImageInputs
    net: gr.Radio
    analyse: gr.Button
    prep: gr.Image
    top5: gr.Plot
    classify_json: gr.JSON


@dataclass
class Maps:
    layer: gr.Dropdown
    channel: gr.Slider
    maps: gr.Plot
    chan_plot: gr.Plot
    chan_overlay: gr.Image
    stages_md: gr.Markdown
    maps_json: gr.JSON


@dataclass
class Weights:
    conv: gr.Dropdown
    weights: gr.Plot
    weights_json: gr.JSON


@dataclass
class Maximize:
    steps: gr.Slider
    lr: gr.Slider
    jitter: gr.Slider
    blur: gr.Slider
    seed: gr.Number
    start: gr.Button
    stop: gr.Button
    target: gr.Markdown
    status: gr.Markdown
    image: gr.Image
    json: gr.JSON


@dataclass
class Playground:
    k_preset: gr.Dropdown
    k_size: gr.Radio
    kernel: gr.Dataframe
    stride: gr.Slider
    padding: gr.Radio
    row: gr.Number
    col: gr.Number
    pg_size: gr.Slider
    pool_mode: gr.Radio
    apply: gr.Button
    info: gr.Markdown
    pg_in: gr.Image
    pg_out: gr.Image
    products: gr.Plot
    pg_pool: gr.Image
    conv_json: gr.JSON


@dataclass
class Page:
    """Every component the events connect, and the input/output lists they share."""
    lang: gr.Radio
    top: Top
    views: gr.Tabs
    maps: Maps
    weights: Weights
    mx: Maximize
    pg: Playground
    api_row: gr.Button

    @property
    def image(self) -> list:
        return self.top.inp.components

    @property
    def classify_io(self) -> tuple[list, list]:
        return self.image + [self.top.net, self.lang], [self.top.prep, self.top.top5, self.top.classify_json]

    @property
    def maps_io(self) -> tuple[list, list]:
        m = self.maps
        return (self.image + [self.top.net, m.layer, m.channel, self.lang],
                [m.maps, m.chan_plot, m.chan_overlay, m.stages_md, m.maps_json])

    @property
    def layers_io(self) -> tuple[list, list]:
        m, conv = self.maps, self.weights.conv
        return [self.top.net, m.layer, m.channel, conv, self.lang], [m.layer, m.channel, conv]

    @property
    def weights_io(self) -> tuple[list, list]:
        w = self.weights
        return [self.top.net, w.conv, self.lang], [w.weights, w.weights_json]

    @property
    def conv_io(self) -> tuple[list, list]:
        pg = self.pg
        return (self.image + [pg.kernel, pg.stride, pg.padding, pg.row, pg.col, pg.pool_mode, pg.pg_size, self.lang],
                [pg.info, pg.pg_in, pg.pg_out, pg.pg_pool, pg.products, pg.conv_json, pg.row, pg.col])

    @property
    def maximize_io(self) -> tuple[list, list]:
        mx = self.mx
        return ([self.top.net, self.maps.layer, self.maps.channel, mx.steps, mx.lr, mx.jitter, mx.blur, mx.seed,
                 self.lang], [mx.status, mx.image, mx.json])

    @property
    def preset_out(self) -> list:
        """What a scenario sets: every control, the sub-tab, the lesson and the image it chose."""
        m, pg, mx = self.maps, self.pg, self.mx
        return (self.image[:3] + [self.top.net, m.layer, m.channel, self.weights.conv, self.views,
                                  pg.k_preset, pg.k_size, pg.kernel, pg.stride, pg.padding, pg.row, pg.col,
                                  pg.pg_size, pg.pool_mode, mx.steps, mx.lr, mx.jitter, mx.blur, mx.seed,
                                  self.top.lesson, self.top.preset_sig])


def _top_section() -> Top:
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            preset, next_preset, lesson = scenario_picker(SCENARIOS, "filters")
            preset_sig = gr.State(None)
            inp = inputs.build("filters", DEFAULT_SAMPLE, DEFAULT_SOURCE)
            net = gr.Radio([(L(f"net_{k}"), k) for k in nets.NETS], value=DEFAULT_NET,
                           label=L("net_label"), info=L("filters_net_info"), elem_id="filters-net")
            analyse = gr.Button(L("filters_analyse_button"), variant="primary", elem_id="filters-analyse")
        with gr.Column(scale=2):
            prep = OutputImage(label=L("filters_prep_label"), interactive=False, elem_id="filters-prep",
                               buttons=["download"])
            top5 = gr.Plot(label=L("filters_top5_label"), elem_id="filters-top5")
            classify_json = json_panel("/classify", "filters-classify-json")
    return Top(preset, next_preset, lesson, preset_sig, inp, net, analyse, prep, top5, classify_json)


def _maps_tab() -> Maps:
    with gr.Tab(L("filters_sub_maps"), id="filters-maps", elem_id="tab-filters-maps"):
        gr.Markdown(L("filters_maps_intro"))
        with gr.Row():
            layer = gr.Dropdown([], label=L("layer_label"), elem_id="filters-layer", scale=2,
                                allow_custom_value=True)  # choices depend on the network
            channel = Slider(0, filters.MAX_CHANNELS - 1, value=0, step=1, label=L("filters_channel_label"),
                             elem_id="filters-channel", scale=2)
        with gr.Row(equal_height=False):
            maps = gr.Plot(label=L("filters_maps_label"), elem_id="filters-maps-plot", scale=3)
            with gr.Column(scale=2):
                chan_plot = gr.Plot(label=L("filters_channel_plot_label"), elem_id="filters-channel-plot")
                chan_overlay = OutputImage(format="jpeg", label=L("filters_overlay_label"), interactive=False,
                                           height=240, elem_id="filters-overlay", buttons=["download"])
        stages_md = gr.Markdown(elem_id="filters-stages")
        maps_json = json_panel("/feature_maps", "filters-maps-json")
    return Maps(layer, channel, maps, chan_plot, chan_overlay, stages_md, maps_json)


def _weights_tab() -> Weights:
    with gr.Tab(L("filters_sub_filters"), id="filters-weights", elem_id="tab-filters-weights"):
        gr.Markdown(L("filters_weights_intro"))
        conv = gr.Dropdown([], label=L("filters_conv_label"), elem_id="filters-conv", allow_custom_value=True)
        weights = gr.Plot(label=L("filters_weights_label"), elem_id="filters-weights-plot")
        weights_json = json_panel("/filters", "filters-weights-json")
    return Weights(conv, weights, weights_json)


def _maximize_tab() -> Maximize:
    with gr.Tab(L("filters_sub_maximize"), id="filters-maximize", elem_id="tab-filters-maximize"):
        gr.Markdown(L("filters_maximize_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=280):
                # elem_ids: the keys shared links have always given these sliders (see "Link keys")
                steps = Slider(*filters.MAXIMIZE_STEPS, value=96, step=1, label=L("filters_mx_steps"),
                               elem_id="mx_steps")
                lr = Slider(*filters.MAXIMIZE_LR, value=0.05, step=0.005, label=L("filters_mx_lr"), elem_id="mx_lr")
                jitter = Slider(*filters.MAXIMIZE_JITTER, value=4, step=1, label=L("filters_mx_jitter"),
                                info=L("filters_mx_jitter_info"), elem_id="mx_jitter")
                blur = Slider(*filters.MAXIMIZE_BLUR, value=0.5, step=0.1, label=L("filters_mx_blur"),
                              info=L("filters_mx_blur_info"), elem_id="mx_blur")
                seed = Number(0, precision=0, label=L("seed_label"), elem_id="filters-mx-seed")
                with gr.Row():
                    start = gr.Button(L("filters_mx_start"), variant="primary", elem_id="filters-mx-start")
                    stop = gr.Button(L("stop_button"), variant="stop", elem_id="filters-mx-stop")
            with gr.Column(scale=2):
                target = gr.Markdown(elem_id="filters-mx-target")
                status = gr.Markdown(elem_id="filters-mx-status")
                image = OutputImage(label=L("filters_mx_image"), interactive=False, height=320,
                                    elem_id="filters-mx-image", buttons=["download"])
                mx_json = json_panel("/maximize", "filters-mx-json")
    return Maximize(steps, lr, jitter, blur, seed, start, stop, target, status, image, mx_json)


def _kernel_controls() -> tuple:
    """The playground's left column: the kernel and how it slides."""
    with gr.Row():
        k_preset = gr.Dropdown([(L(f"filters_kp_{p}"), p) for p in PRESET_ORDER + ("custom",)], value="laplacian",
                               label=L("filters_kp_label"), elem_id="filters-kernel-preset", scale=2)
        k_size = Radio([3, 5], value=3, label=L("filters_ksize_label"), scale=1, elem_id="filters-ksize")
    kernel = gr.Dataframe(fv.kernel_rows(convolution.preset_kernel("laplacian")),
                          headers=["1", "2", "3"], datatype="number", type="array",
                          interactive=True, label=L("filters_kernel_grid_label"), elem_id="filters-kernel")
    with gr.Row():
        stride = Slider(1, convolution.MAX_STRIDE, value=1, step=1, label=L("filters_stride_label"),
                        elem_id="filters-stride")
        padding = gr.Radio([(L(f"filters_pad_{p}"), p) for p in convolution.PADDINGS], value="valid",
                           label=L("filters_padding_label"), elem_id="filters-padding")
    with gr.Row():
        row = Number(None, precision=0, label=L("filters_row_label"), elem_id="filters-row")
        col = Number(None, precision=0, label=L("filters_col_label"), elem_id="filters-col")
    pg_size = Slider(*fv.PLAYGROUND_SIDES, value=fv.PLAYGROUND_SIDE, step=8, label=L("filters_pg_size_label"),
                     info=L("filters_pg_size_info"), elem_id="pg_size_label")  # its link key (see "Link keys")
    pool_mode = gr.Radio([(L(f"filters_poolm_{m}"), m) for m in convolution.POOL_MODES], value="max",
                         label=L("filters_pool_label"), elem_id="pool_label")  # its link key
    apply = gr.Button(L("filters_apply_button"), variant="primary", elem_id="filters-apply")
    return k_preset, k_size, kernel, stride, padding, row, col, pg_size, pool_mode, apply


def _playground_tab() -> Playground:
    # The playground's pictures and the overlay go out as JPEG: Gradio's default WebP costs 30-60 ms
    # a view at 512 px (measured), the most expensive step of a click; it is as lossy as JPEG anyway.
    with gr.Tab(L("filters_sub_playground"), id="filters-playground", elem_id="tab-filters-playground"):
        gr.Markdown(L("filters_playground_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=280):
                controls = _kernel_controls()
            with gr.Column(scale=3):
                info = gr.Markdown(elem_id="filters-pg-info")
                with gr.Row():
                    pg_in = OutputImage(format="jpeg", label=L("filters_pg_input"), interactive=False,
                                        elem_id="filters-pg-input", height=380)
                    pg_out = OutputImage(format="jpeg", label=L("filters_pg_output"), interactive=False,
                                         elem_id="filters-pg-output", height=380)
                with gr.Row(equal_height=False):
                    products = gr.Plot(label=L("filters_pp_label"), elem_id="filters-products", scale=3)
                    pg_pool = OutputImage(format="jpeg", label=L("filters_pg_pool"), interactive=False,
                                          elem_id="filters-pg-pool", height=300, scale=2)
                conv_json = json_panel("/convolve", "filters-conv-json")
    return Playground(*controls, info, pg_in, pg_out, products, pg_pool, conv_json)


def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    with gr.Tab(L("tab_filters"), id="filters", elem_id="tab-filters") as tab:
        shown = shown_flag()  # drawn once the tab has been opened
        gr.Markdown(L("filters_intro"))
        top = _top_section()
        with gr.Tabs(overflow_behavior="wrap") as views:  # as the page's tabs (app.py)
            maps, weights, mx, pg = _maps_tab(), _weights_tab(), _maximize_tab(), _playground_tab()
        api_row = gr.Button(visible=False)  # never shown: it carries the direct API endpoints
    page = Page(lang, top, views, maps, weights, mx, pg, api_row)
    h = _Handlers(store)
    _wire_views(page, h)
    _wire_maximize(page, h)
    _wire_scenarios(page, h)
    _wire_playground(page)
    _wire_drawing(page, h, tab, shown)
    return top.inp  # for the send-to bar (explorer.ui.send)


# ---- events --------------------------------------------------------------------------------------

class _Handlers:
    """The handlers that need the session store, bound to it once (each event takes the same one)."""

    def __init__(self, store):
        self.classify = bind(classify, store)
        self.layers = bind(layers, store)
        self.feature_maps = bind(feature_maps, store)
        self.layer_changed = bind(layer_changed, store)
        self.weights_view = bind(weights_view, store)
        self.maximize = bind(maximize, store)
        self.stop_maximize = bind(stop_maximize, store)
        self.apply_preset = bind(apply_preset, store)


def _network_views(ev, page: Page, h: _Handlers):
    """prediction → feature maps, after ``ev``; a step that fails ends the chain (one message)."""
    return ev.success(h.classify, *page.classify_io, api_visibility="undocumented", show_progress="minimal",
                      show_progress_on=[page.top.top5]).success(
        h.feature_maps, *page.maps_io, api_visibility="undocumented", show_progress="minimal",
        show_progress_on=[page.maps.maps])


def _playground_view(ev, page: Page):
    """a new image: the playground starts again from its centre pixel."""
    return ev.success(clear_pixel, None, [page.pg.row, page.pg.col], **GATE).success(
        convolve, *page.conv_io, **HIDDEN)


def _wire_views(page: Page, h: _Handlers) -> None:
    """The named API, then what redraws the prediction, the maps and the filters."""
    top, m = page.top, page.maps
    # The named API first (an unnamed event of the same function would take its name): one endpoint
    # per view, each computing from its own inputs.
    page.api_row.click(h.classify, *page.classify_io, api_name="classify")
    page.api_row.click(h.feature_maps, *page.maps_io, api_name="feature_maps")
    page.api_row.click(convolve, *page.conv_io, api_name="convolve")

    analyse_ev = top.analyse.click(h.layers, *page.layers_io, api_name="layers", show_progress="hidden")
    _network_views(analyse_ev, page, h).success(h.weights_view, *page.weights_io, **HIDDEN)
    page.weights.conv.input(h.weights_view, *page.weights_io, api_name="filters", show_progress="hidden")
    _playground_view(top.analyse.click(lambda: None, None, None, queue=False, api_visibility="private"), page)

    # A new image (sample, dataset number, upload, drawing, or switching the source) → prediction,
    # feature maps and playground; an empty upload or drawing ends the chain quietly.
    gate = dict(fn=not_the_preset, inputs=[top.preset_sig, *page.image[:3], top.net], outputs=[top.preset_sig],
                **GATE)
    checked = inputs.wire(top.inp).success(**gate)
    _network_views(checked, page, h)
    _playground_view(checked, page)

    # Another network (or this session's retrained one): its layers, keeping what still applies.
    net_ev = top.net.change(**gate).success(h.layers, *page.layers_io, **HIDDEN)
    _network_views(net_ev, page, h).success(h.weights_view, *page.weights_io, **HIDDEN)
    m.layer.input(h.layer_changed, [top.net, m.layer, page.lang], [m.channel], api_visibility="private",
                  show_progress="hidden").success(h.feature_maps, *page.maps_io, api_visibility="undocumented",
                                                  show_progress="minimal", show_progress_on=[m.maps])
    m.channel.release(h.feature_maps, *page.maps_io, trigger_mode="always_last", **HIDDEN)
    gr.on([m.layer.change, m.channel.change], mx_target_text, [top.net, m.layer, m.channel, page.lang],
          [page.mx.target], **GATE)


def _maximize_options(page: Page) -> dict:
    return dict(concurrency_limit=MAXIMIZE_CONCURRENCY, concurrency_id="maximize", show_progress="minimal",
                show_progress_on=[page.mx.status])


def _wire_maximize(page: Page, h: _Handlers) -> None:
    page.mx.start.click(h.maximize, *page.maximize_io, api_name="maximize", **_maximize_options(page))
    page.mx.stop.click(h.stop_maximize, None, None, api_name="stop_maximize", queue=False)


def _scenario_views(ev, page: Page, h: _Handlers) -> None:
    """After a scenario: every view it is about, and the maximised image when it opens that view."""
    ev = ev.success(h.classify, *page.classify_io, api_visibility="undocumented", show_progress="minimal",
                    show_progress_on=[page.top.top5])
    ev = ev.success(h.feature_maps, *page.maps_io, api_visibility="undocumented", show_progress="minimal",
                    show_progress_on=[page.maps.maps])
    ev = ev.success(h.weights_view, *page.weights_io, **HIDDEN)
    ev = ev.success(convolve, *page.conv_io, **HIDDEN)
    ev.success(None, [page.top.preset], None, js=MAXIMIZE_SCENARIO_JS, **GATE).success(
        h.maximize, *page.maximize_io, api_visibility="undocumented", **_maximize_options(page))


def _wire_scenarios(page: Page, h: _Handlers) -> None:
    # A teaching scenario sets every control, then draws the views it is about (and generates the
    # maximised image when it opens that view). The image change it causes would redraw them
    # again and move the playground's marked pixel back to the centre: `not_the_preset` stops that.
    top = page.top
    _scenario_views(top.preset.input(h.apply_preset, [top.preset, page.lang], page.preset_out,
                                     api_name="filters_preset", show_progress="hidden"), page, h)
    _scenario_views(next_scenario_event(top.next_preset, top.preset, SCENARIOS).then(
        h.apply_preset, [top.preset, page.lang], page.preset_out, **HIDDEN), page, h)


def _wire_playground(page: Page) -> None:
    """The playground's own controls."""
    pg, lang = page.pg, page.lang
    conv_in, conv_out = page.conv_io
    pg.k_preset.input(kernel_preset, [pg.k_preset, pg.k_size, lang], [pg.kernel], api_name="kernel_preset",
                      show_progress="hidden").success(convolve, conv_in, conv_out, **HIDDEN)
    pg.k_size.input(kernel_preset, [pg.k_preset, pg.k_size, lang], [pg.kernel], **HIDDEN).success(
        clear_pixel, None, [pg.row, pg.col], api_visibility="private", queue=False).success(
        convolve, conv_in, conv_out, **HIDDEN)
    pg.kernel.input(custom_kernel, None, [pg.k_preset], **GATE)
    gr.on([pg.stride.release, pg.padding.input, pg.pg_size.release], clear_pixel, None, [pg.row, pg.col],
          **GATE).success(convolve, conv_in, conv_out, **HIDDEN)
    gr.on([pg.apply.click, pg.kernel.input, pg.pool_mode.input, pg.row.submit, pg.col.submit], convolve,
          conv_in, conv_out, trigger_mode="always_last", **HIDDEN)
    pg.pg_out.select(pick_pixel, [pg.conv_json], [pg.row, pg.col], **GATE).success(
        convolve, conv_in, conv_out, **HIDDEN)


def _wire_drawing(page: Page, h: _Handlers, tab: gr.Tab, shown: gr.Checkbox) -> None:
    # Drawn the first time the tab is opened (not on every page load), and again in the other
    # language when the language changes.
    for ev in draw_events(tab, shown, page.lang):
        ev.success(lesson_text, [page.top.preset, page.lang], [page.top.lesson], **HIDDEN)
        ev = ev.success(h.layers, *page.layers_io, **HIDDEN)
        _network_views(ev, page, h).success(h.weights_view, *page.weights_io, **HIDDEN)
        _playground_view(ev, page)
