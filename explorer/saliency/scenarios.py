"""Teaching scenarios for the Saliency tab: the image, the network, the target, the methods and
every method's parameters fixed (SmoothGrad's and the sanity check's seeds are 0), so a class sees
the same maps every time. The lessons (``saliency_scn_<name>_lesson`` in explorer/locales/) quote what
:func:`measure` gives with these exact settings (``tests/unit/test_saliency_presets.py``
re-measures them). ``sanity``: the scenario also runs the sanity check (Adebayo et al. 2018).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from explorer import images, nets
from explorer.saliency import compute as saliency
from explorer.scenario import Scenarios

TOP = -1  # the target "the network's own top prediction"

_BASE: dict[str, Any] = dict(
    source="sample", sample="cat", index=0, net="imagenet", target=TOP, methods=["gradcam"], sg_n=16, sg_std=0.15,
    ig_base="black", ig_steps=32, cam_layer=None, occ_window=None, occ_stride=None, sanity=False)


def check(p: Mapping[str, Any]) -> None:
    """A scenario sets every control of the tab, with values the tab accepts (checked on import;
    the Grad-CAM layer, which needs the network loaded, by tests/unit/test_saliency_presets.py)."""
    if set(p) != set(_BASE):
        raise ValueError(f"a saliency scenario sets exactly {sorted(_BASE)}, not {sorted(p)}")
    if not p["methods"] or any(m not in saliency.METHODS for m in p["methods"]):
        raise ValueError(f"unknown attribution methods in {p['methods']!r}")
    if p["ig_base"] not in saliency.IG_BASELINES or p["net"] == "session":
        raise ValueError(f"a scenario needs a known baseline and a shipped network: {p!r}")
    if p["sanity"] and any(m not in saliency.SANITY_METHODS for m in p["methods"]):
        raise ValueError(f"the sanity check runs only {saliency.SANITY_METHODS}")


SCENARIOS = Scenarios("saliency", {
    # Grad-CAM at EfficientNet's last convolution (its head, 7 × 7) on the cameraman: "tripod", 95 %,
    # and 68 % of the map lies in the lower half of the picture, on the tripod's legs, not on the man.
    "gradcam_tripod": dict(_BASE, sample="camera", methods=["gradcam"]),
    # The same Grad-CAM at block 3 (56 × 56): a finer map that follows edges and textures.
    "gradcam_early": dict(_BASE, sample="camera", methods=["gradcam"], cam_layer="_blocks.2"),
    # A wrong answer explained: the astronaut is a "bobsled" (19 %); Grad-CAM and occlusion look at the
    # helmet and the suit.
    "wrong_astronaut": dict(_BASE, sample="astronaut", methods=["gradcam", "occlusion"], occ_window=32,
                            occ_stride=16),
    # The trained CNN on Fashion-MNIST test image 4: "shirt", 97 %; five methods side by side; integrated
    # gradients add up to f(x) − f(black) (completeness).
    "fashion_shirt": dict(_BASE, source="dataset", index=4, net="fashion",
                          methods=["saliency", "smoothgrad", "integrated_gradients", "gradcam", "occlusion"],
                          occ_window=4, occ_stride=2),
    # Adebayo et al.'s sanity check on the boot (test image 0): with the last layer's weights random,
    # the plain gradient changes (rank correlation 0.40) but guided backprop hardly does (0.83).
    "sanity": dict(_BASE, source="dataset", index=0, net="fashion",
                   methods=["saliency", "gradcam", "guided_backprop"], occ_window=4, occ_stride=2, sanity=True),
}, validate=check)


def method_params(p: Mapping[str, Any], net: nets.Net) -> dict[str, dict[str, Any]]:
    """The per-method parameters the tab passes to ``saliency.attribute_all`` for scenario ``p``."""
    cam = {} if p["cam_layer"] is None else {"layer": p["cam_layer"]}
    side = net.input_size
    win, stride = (4, 2) if side <= 28 else (32, 16)
    return {"smoothgrad": {"n_samples": p["sg_n"], "stdev": p["sg_std"]},
            "integrated_gradients": {"baseline": p["ig_base"], "n_steps": p["ig_steps"]},
            "gradcam": cam, "guided_gradcam": cam,
            "occlusion": {"window": p["occ_window"] or win, "stride": p["occ_stride"] or stride}}


def measure(name: str) -> dict[str, Any]:
    """What scenario ``name`` shows, with its settings, through the functions the tab calls: the
    top prediction (English label, probability), each method's map, Grad-CAM's share of its mass
    in the lower half and in the lower-right quarter and its low-resolution size, integrated
    gradients' completeness, and for a sanity scenario every step's rank correlations."""
    p = SCENARIOS[name].settings
    net = nets.get_net(p["net"])
    pre = net.prepare(images.load_input(p["source"], p["sample"], p["index"]), from_dataset=p["source"] == "dataset")
    x = pre.array[None]
    probs = nets.probabilities(net, x)[0]
    top = int(np.argmax(probs))
    target = top if p["target"] == TOP else int(p["target"])
    params = method_params(p, net)
    atts = saliency.attribute_all(net, x, target, p["methods"], {m: params.get(m, {}) for m in p["methods"]})
    out: dict[str, Any] = {"top": (net.class_names("en")[top], float(probs[top])), "maps": atts}
    if "gradcam" in atts:
        g = atts["gradcam"].map
        h, w = g.shape
        out["gradcam_lower_half"] = float(g[h // 2:].sum() / g.sum())
        out["gradcam_lower_right"] = float(g[h // 2:, w // 2:].sum() / g.sum())
        out["gradcam_cells"] = tuple(atts["gradcam"].extras["cam"].shape)
    if "integrated_gradients" in atts:
        out["completeness"] = atts["integrated_gradients"].extras["completeness"]
    if p["sanity"]:
        recs = saliency.sanity_check(net, x, target, p["methods"])
        out["sanity"] = [(r["layer"], r["correlation"]) for r in recs]
    return out
