"""Saliency and Adversarial tabs: the attribution methods and attacks on EfficientNet-Lite0 at
224 × 224 (the cat photo), and an FGSM ε sweep on Fashion-MNIST, in-process, through the same
functions the tabs call (``explorer.saliency.compute.attribute``, ``explorer.adversarial.compute.attack`` /
``epsilon_sweep``). Medians of several runs after a warm-up; each series is repeated if other
processes took the CPU meanwhile.

    .venv/bin/python -m bench.bench_saliency_adv [--runs 5]
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import torch

from bench.common import LoadMonitor, measurement, median, report, target, wait_for_quiet
from explorer import data, images, nets
from explorer.adversarial import compute as adv
from explorer.saliency import compute as saliency


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    fn()  # warm-up
    for _ in range(3):
        wait_for_quiet(max_wait=20)
        ts = []
        with LoadMonitor() as mon:
            for _ in range(runs):
                t0 = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - t0)
        if not mon.disturbed:
            break
    return {"median_s": median(ts), "min_s": min(ts), "runs": runs, "background_cpu_pct": mon.other_percent}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    net = nets.imagenet()
    x = net.prepare(images.sample("cat")).array[None]
    xt = torch.from_numpy(x)
    target_cls = 285
    res: dict[str, Any] = {"threads": torch.get_num_threads()}
    res["gradcam"] = timed(lambda: saliency.attribute(net, x, target_cls, "gradcam"), args.runs)
    res["ig32"] = timed(lambda: saliency.attribute(net, x, target_cls, "integrated_gradients", n_steps=32,
                                                   max_steps=32), args.runs)
    res["ig_default"] = timed(lambda: saliency.attribute(net, x, target_cls, "integrated_gradients"), 2)
    res["occlusion"] = timed(lambda: saliency.attribute(net, x, target_cls, "occlusion"), args.runs)
    res["fgsm"] = timed(lambda: adv.attack(net.module, xt, target_cls, 2 / 255, "fgsm"), args.runs)
    res["pgd10"] = timed(lambda: adv.attack(net.module, xt, target_cls, 2 / 255, "pgd", steps=10), args.runs)
    xs, ys = adv.sample_batch(data.load("fashion").test, 256, seed=0)
    cnn = nets.shipped_cnn().module
    grid = [k / 255 for k in (0, 1, 2, 4, 8, 16, 25, 32)]
    res["sweep"] = timed(lambda: adv.epsilon_sweep(cnn, xs, ys, grid, "fgsm"), args.runs)
    m = {k: v["median_s"] for k, v in res.items() if isinstance(v, dict)}
    res["targets"] = [
        target("Grad-CAM, EfficientNet-Lite0 224² (median)", m["gradcam"], "<=", 0.15, "s", 3),
        target("Integrated gradients, 32 steps, EfficientNet-Lite0 (median)", m["ig32"], "<=", 3, "s", 2),
        target("Occlusion (32 px patch, stride 16, ONNX Runtime), EfficientNet-Lite0 (median)", m["occlusion"],
               "<=", 3, "s", 2),
        target("FGSM, EfficientNet-Lite0 (median)", m["fgsm"], "<=", 0.2, "s", 3),
        target("PGD-10, EfficientNet-Lite0 (median)", m["pgd10"], "<=", 1.5, "s", 2),
        target("FGSM ε sweep, 256 Fashion-MNIST images × 8 ε (median)", m["sweep"], "<=", 3, "s", 2),
    ]
    res["measurements"] = [measurement("Integrated gradients with the default refinement (to < 5 %), EfficientNet",
                               m["ig_default"], "s")]
    report("saliency_adv", res)


if __name__ == "__main__":
    main()
