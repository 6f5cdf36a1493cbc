"""Teaching scenarios for the Filters tab: every control of the tab fixed (the image, the network,
the layer, the playground's kernel, the activation maximisation's seed), so a class sees the same
thing every time. The lessons, in ``explorer/locales/<lang>/filters.json`` as
``filters_scn_<name>_lesson``, quote what :func:`measure` gives with these exact settings
(``tests/unit/test_filters_presets.py`` re-measures them).

``view`` names the sub-tab the scenario opens: maps, weights, maximize or playground.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from explorer import images, nets
from explorer.filters import compute as filters
from explorer.filters import convolution
from explorer.filters import views as fv
from explorer.scenario import Scenarios

VIEWS = ("maps", "weights", "maximize", "playground")  # the sub-tabs, as ids "filters-<view>"

# What every scenario starts from: the tab's own defaults.
_BASE: dict[str, Any] = dict(
    source="sample", sample="cat", index=0, net="imagenet", layer=None, channel=0, conv=None, view="maps",
    kernel="laplacian", ksize=3, stride=1, padding="valid", row=None, col=None, pg_size=fv.PLAYGROUND_SIDE,
    pool="max", mx_steps=96, mx_lr=0.05, mx_jitter=4, mx_blur=0.5, mx_seed=0)


def check_settings(p: Mapping[str, Any]) -> None:
    """A scenario sets every control of the tab, each to a value the tab offers (checked at import)."""
    if set(p) != set(_BASE):
        raise ValueError(f"a Filters scenario sets exactly {sorted(_BASE)}, not {sorted(p)}")
    if p["view"] not in VIEWS or p["net"] not in nets.NETS or p["net"] == "session":
        raise ValueError(f"unknown view or network: {p['view']!r}, {p['net']!r}")
    if (p["kernel"] not in convolution.KERNEL_PRESETS or p["ksize"] not in (3, 5)
            or p["padding"] not in convolution.PADDINGS or p["pool"] not in convolution.POOL_MODES):
        raise ValueError(f"unknown kernel, size, padding or pooling: {p['kernel']!r}, {p['ksize']!r}, "
                         f"{p['padding']!r}, {p['pool']!r}")


SCENARIOS = Scenarios("filters", {
    # Sobel x by hand on the cameraman: where his dark coat meets the bright grass (output row 47,
    # column 51 of 94 × 94) the output is +1.90; two thirds of the output is near 0 (|v| < 0.1).
    "sobel_x": dict(_BASE, sample="camera", view="playground", kernel="sobel_x", padding="valid", row=47,
                    col=51),
    # The course notes' mask (−1 … 8 … −1) with stride 2 and "same" padding: the 76 × 96 coins → 38 × 48,
    # then 2 × 2 max pooling → 19 × 24 (rows × columns).
    "stride_padding": dict(_BASE, sample="coins", view="playground", kernel="laplacian", stride=2,
                           padding="same"),
    # The trained Fashion-MNIST CNN on test image 0 (an ankle boot, 99.99 %): 32 maps of 28 × 28 after
    # the first convolution, each pixel sees 3 × 3 input pixels; its 32 3 × 3 filters.
    "cnn_first": dict(_BASE, source="dataset", index=0, net="fashion", layer="features.act1", channel=19,
                      conv="features.conv1", view="maps"),
    # The same boot after the second block: 64 maps of 7 × 7, each pixel sees 10 × 10 input pixels.
    "cnn_deep": dict(_BASE, source="dataset", index=0, net="fashion", layer="features.pool2", channel=32,
                     conv="features.conv2", view="maps"),
    # EfficientNet's last stage on the cat (Egyptian cat, 77 %): 1,280 maps of 7 × 7, each pixel sees
    # 851 px, more than the 224 px picture.
    "imagenet_head": dict(_BASE, sample="cat", net="imagenet", layer="_relu_head", channel=0, view="maps"),
    # Activation maximisation of the CNN's second-block channel 32 (the boot's strongest): 96 Adam
    # steps (lr 0.2, jitter 1, no blur, seed 0) raise its mean pre-activation from 0.08 to 0.82.
    "maximize": dict(_BASE, source="dataset", index=0, net="fashion", layer="features.act2", channel=32,
                     conv="features.conv2", view="maximize", mx_steps=96, mx_lr=0.2, mx_jitter=1, mx_blur=0.0,
                     mx_seed=0),
}, validate=check_settings)


def measure(name: str) -> dict[str, Any]:
    """What scenario ``name`` shows, computed with its settings through the same functions the tab
    calls: the top prediction (label in English, probability), the layer's (C, H, W) shape and
    receptive field, the playground's output and pooled shapes and marked pixel, the maximised
    activation at its first and last report."""
    p = SCENARIOS[name].settings
    img = images.load_input(p["source"], p["sample"], p["index"])
    out: dict[str, Any] = {}
    net = nets.get_net(p["net"])
    pre = net.prepare(img, from_dataset=p["source"] == "dataset")
    probs = nets.probabilities(net, pre.array[None])[0]
    top = int(np.argmax(probs))
    out["top"] = (net.class_names("en")[top], float(probs[top]))
    if p["layer"] is not None:
        st = net.stage(p["layer"])
        out["shape"], out["receptive_field"] = st.shape, st.receptive_field
    if p["view"] == "playground":
        x = fv.playground_input(img, p["pg_size"])
        k = convolution.preset_kernel(p["kernel"], p["ksize"])
        pg = fv.run_playground(x, k, p["stride"], p["padding"], p["row"], p["col"], p["pool"])
        out["input_shape"], out["output_shape"] = x.shape, pg.output.shape
        out["pooled_shape"] = pg.pooled.shape
        out["pixel"] = (pg.pixel.row, pg.pixel.col, float(pg.pixel.value))
        out["near_zero"] = float((np.abs(pg.output) < 0.1).mean())
    if p["view"] == "maximize":
        acts = [s.activation for s in filters.maximize(net, p["layer"], p["channel"], p["mx_steps"], p["mx_lr"],
                                                       p["mx_jitter"], p["mx_blur"], p["mx_seed"])]
        out["activation"] = (acts[0], acts[-1])
    return out
