"""Filters tab latency: feature maps through EfficientNet-Lite0, the convolution playground at
512 × 512, and one ImageNet classification through ONNX Runtime (against torch eager).

a) In-process: the library calls (``filters.feature_maps``, ``convolution.convolve``,
   ``nets.probabilities``), the views around them (figures, images), and the tab's real
   handlers (taken from ``app.build_demo()``, called as Gradio calls them), plus Gradio's
   postprocessing of their outputs (figures to JSON, images encoded into its cache); every part
   is also timed on its own.
b) End to end: ``python app.py`` in its own process (as ``bench_train`` does), ``/feature_maps``,
   ``/convolve`` and ``/classify`` called with gradio_client (``download_files=False``; fetching
   the returned images is timed on its own), and the same calls as plain HTTP through Gradio's
   REST route (``POST /gradio_api/call/<name>``, then its event stream), which goes through the
   same queue without gradio_client's own overhead. ``/kernel_preset``, which computes almost
   nothing, gives the framework's floor.

Medians and p90 of many runs after an explicit warm-up, ``time.perf_counter``; a series during
which other processes used ≥ 20 % of the CPU is run again (up to 3 times). When a target is
missed, the in-process equivalent of the call runs under cProfile and the functions that take
the time are recorded (``--profile always`` does it anyway).

    .venv/bin/python -m bench.bench_filters [--runs 30] [--api-runs 12] [--skip-api] [--profile auto]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from bench.common import LoadMonitor, measurement, report, target, wait_for_quiet
from explorer import images, nets, runtime
from explorer.filters import compute as filters
from explorer.filters import convolution
from explorer.filters import views as fv

FM_MS, CONV_MS, CLS_MS = 300.0, 100.0, 20.0
PHOTO = "cat"  # skimage's chelsea, 451 × 300
SQUARE = "astronaut"  # 512 × 512: the playground works on it at full size
SIDE = 512
LANG = "en"
QUIET_BUDGET_S = float(os.environ.get("BENCH_QUIET_BUDGET", "45"))  # total wait for a quiet machine

_waited = [0.0]


# --------------------------------------------------------------------------------------- timing

def _quiet() -> None:
    """wait_for_quiet, but within one budget for the whole script (the run stays ~2 minutes)."""
    left = QUIET_BUDGET_S - _waited[0]
    if left <= 0:
        return
    t0 = time.monotonic()
    wait_for_quiet(max_wait=min(left, float(os.environ.get("BENCH_QUIET_WAIT", "60"))))
    _waited[0] += time.monotonic() - t0


def _stats(ms: list[float]) -> dict[str, Any]:
    a = np.asarray(ms)
    return {"runs": len(a), "median_ms": float(np.median(a)), "p90_ms": float(np.percentile(a, 90)),
            "p10_ms": float(np.percentile(a, 10)), "min_ms": float(a.min()), "max_ms": float(a.max())}


def _time(fn: Callable[[], Any], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def series(label: str, fn: Callable[[], Any], runs: int, warmup: int, pids: tuple[int, ...] = (),
           settle: bool = True) -> dict[str, Any]:
    """Median/p90 of ``runs`` calls after ``warmup`` calls. With ``settle``: wait for a quiet
    machine first, and run again (up to 3 times) if other processes took the CPU meanwhile."""
    r = settled(label, lambda: _time(fn, runs, 0), warm=lambda: _time(fn, warmup, 0), pids=pids, settle=settle)
    r["warmup"] = warmup
    return r


def settled(label: str, measure: Callable[[], list[float]], warm: Callable[[], Any] | None = None,
            pids: tuple[int, ...] = (), settle: bool = True, unit: str = "runs") -> dict[str, Any]:
    """Statistics of the timings (ms) ``measure()`` returns, taken while a LoadMonitor watches the
    rest of the machine; ``warm()`` runs first, unwatched. With ``settle``: wait for a quiet machine
    first, and measure again (up to 3 times) if other processes took the CPU meanwhile; the
    discarded attempts are kept in the result."""
    disturbed = []
    for attempt in (1, 2, 3):
        if settle:
            _quiet()
        if warm is not None:
            warm()
        with LoadMonitor(pids=pids) as mon:
            ms = measure()
        r = {**_stats(ms), "background_cpu_percent": round(mon.other_percent, 1)}
        if not settle or not mon.disturbed or attempt == 3:
            break
        disturbed.append(r)
        print(f"    ({label.strip()}: other processes used {mon.other_percent:.0f} % CPU; again)", flush=True)
    if disturbed:
        r["discarded_reps"] = disturbed
    busy = f"; others {mon.other_percent:.0f} % CPU" if mon.disturbed else ""
    print(f"  {label:<60} median {r['median_ms']:7.2f} ms  p90 {r['p90_ms']:7.2f} ms  "
          f"({r['runs']} {unit}{busy})", flush=True)
    return r


def profile(fn: Callable[[], Any], calls: int = 10, rows: int = 12) -> dict[str, list[dict[str, Any]]]:
    """cProfile over ``calls`` warm calls of ``fn``: the functions with the most cumulative time
    (this script's own frames left out) and the most self time, in ms per call (cProfile's
    overhead included, so the figures are higher than the timings)."""
    fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    st = pstats.Stats(prof, stream=io.StringIO())
    rows_all = []
    for (file, line, name), (_cc, nc, tt, ct, _callers) in st.stats.items():
        where = file.split("site-packages/")[-1].replace(os.getcwd() + "/", "")
        rows_all.append({"function": f"{where}:{line}({name})" if line else name,
                         "calls_per_run": round(nc / calls, 2),
                         "cum_ms_per_run": round(ct / calls * 1e3, 2),
                         "self_ms_per_run": round(tt / calls * 1e3, 2)})
    cum = [r for r in rows_all if not r["function"].startswith("bench/")]
    return {"cumulative": sorted(cum, key=lambda r: -r["cum_ms_per_run"])[:rows],
            "self": sorted(rows_all, key=lambda r: -r["self_ms_per_run"])[:rows]}


def print_profile(p: dict[str, list[dict[str, Any]]], n: int = 10) -> None:
    for kind, key in (("cumulative", "cum_ms_per_run"), ("self", "self_ms_per_run")):
        print(f"    by {kind} time (ms per call, under cProfile):")
        for r in p[kind][:n]:
            print(f"      {r[key]:8.2f}  {r['function']}  (×{r['calls_per_run']:g})")


# ------------------------------------------------------------------------------ in-process parts

def handlers(names: tuple[str, ...] = ("classify", "feature_maps", "convolve")) -> dict[str, Any]:
    """Handlers and their output components, as registered in the app, by api_name (default: the
    Filters tab's)."""
    import app
    from explorer.ui.gradio_internals import event_functions

    saved = os.environ.get("DLE_WARMUP_DELAY")
    os.environ["DLE_WARMUP_DELAY"] = "1e9"  # no background warm-up competing with the timing
    try:
        demo = app.build_demo()
    finally:  # the server started later gets the default delay
        if saved is None:
            os.environ.pop("DLE_WARMUP_DELAY")
        else:
            os.environ["DLE_WARMUP_DELAY"] = saved
    return {bf.api_name: (bf.fn, bf.outputs) for bf in event_functions(demo) if bf.api_name in names}


def postprocess(outputs, values, only: tuple[str, ...] | None = None) -> None:
    """What Gradio does with a handler's return values before sending them: figures to JSON,
    images encoded (WebP) into its cache. ``only``: these component classes."""
    for comp, v in zip(outputs, values):
        if only is None or type(comp).__name__ in only:
            comp.postprocess(v)


def kernel_payload(k: np.ndarray) -> dict[str, Any]:
    """A kernel as the Dataframe component sends it."""
    return {"headers": [str(i + 1) for i in range(k.shape[0])], "data": fv.kernel_rows(k)}


def bench_feature_maps(h, runs: int) -> dict[str, Any]:
    net = nets.imagenet()
    names = [s.name for s in net.stages()]
    mid = names[len(names) // 2]
    default = next(s.name for s in net.stages() if s.kind in ("act", "block"))
    img = images.sample(PHOTO)
    pre = net.prepare(img)
    x = nets.to_tensor(pre)
    stage = net.stage(mid)
    print(f"1) feature maps, EfficientNet-Lite0, sample {PHOTO!r} {img.size[0]}×{img.size[1]}, mid layer "
          f"{mid} ({stage.label}, C×H×W {stage.shape}); the UI's default layer is {default}", flush=True)
    res: dict[str, Any] = {"layer": mid, "layer_label": stage.label, "layer_shape_chw": list(stage.shape),
                           "default_layer": default, "image_size": list(img.size)}
    res["feature_maps_call"] = series(f"filters.feature_maps ({mid})",
                                      lambda: filters.feature_maps(net, x, mid), runs, 5)

    fn, outputs = h["feature_maps"]

    def handler(layer=mid):
        return fn("sample", PHOTO, 0, None, None, "imagenet", layer, 0, LANG, None)

    acts = filters.feature_maps(net, x, mid)
    shown = filters.strongest_channels(acts)
    vals = handler()
    n = max(10, runs // 2)
    parts = {  # the handler's parts one at a time (informative: no waiting, no retry)
        "load image (images.load_input)": lambda: images.load_input("sample", PHOTO),
        "preprocess (net.prepare)": lambda: net.prepare(img),
        "filters.feature_maps": lambda: filters.feature_maps(net, x, mid),
        "  for comparison: the whole network's forward": lambda: _full_forward(net, x),
        "fv.feature_map_figure": lambda: fv.feature_map_figure(acts, shown, stage, 0, LANG),
        "fv.channel_figure": lambda: fv.channel_figure(acts[0], stage, 0, LANG),
        "fv.overlay (+ network_input_image)": lambda: fv.overlay(fv.network_input_image(pre), acts[0]),
        "fv.stages_markdown": lambda: fv.stages_markdown(net.stages(), mid, LANG),
        "gradio postprocess: 2 figures → JSON": lambda: postprocess(outputs, vals, ("Plot",)),
        "gradio postprocess: overlay image → WebP in cache": lambda: postprocess(outputs, vals, ("Image",)),
    }
    res["parts"] = {k.strip(): series(f"  {k}", f, n, 2, settle=False) for k, f in parts.items()}
    res["handler"] = series("whole /feature_maps handler, in-process", handler, runs, 3)
    res["handler_plus_postprocess"] = series("  handler + gradio postprocess",
                                             lambda: postprocess(outputs, handler()), runs, 2)
    res["handler_default_layer"] = series(f"  handler at the default layer ({default})",
                                          lambda: handler(default), n, 2, settle=False)
    res["_work"] = lambda: postprocess(outputs, handler())
    return res


def _full_forward(net: nets.Net, x: torch.Tensor) -> None:
    with net.lock, torch.inference_mode():
        net.module(x)


def bench_convolution(h, runs: int) -> dict[str, Any]:
    img = images.sample(SQUARE)
    xg = fv.playground_input(img, SIDE)
    print(f"2) convolution playground, sample {SQUARE!r} as a {xg.shape[0]}×{xg.shape[1]} float64 gray "
          f"image, stride 1, 'same' padding", flush=True)
    res: dict[str, Any] = {"image_shape": list(xg.shape)}
    k3 = convolution.preset_kernel("sharpen", 3)
    k5 = convolution.preset_kernel("gaussian", 5)
    res["convolve_3x3"] = series("convolution.convolve 3×3 (sharpen)",
                                 lambda: convolution.convolve(xg, k3, 1, "same"), runs, 5)
    res["convolve_5x5"] = series("convolution.convolve 5×5 (gaussian)",
                                 lambda: convolution.convolve(xg, k5, 1, "same"), runs, 5)

    def view(k):
        pg = fv.run_playground(xg, k, 1, "same", None, None, "max")
        return pg, fv.playground_images(pg, LANG), fv.products_figure(pg.pixel, LANG)

    res["view_3x3"] = series("view: run_playground + playground_images + products_figure, 3×3",
                             lambda: view(k3), runs, 3)
    res["view_5x5"] = series("  the same, 5×5", lambda: view(k5), runs, 3)

    fn, outputs = h["convolve"]
    kp = kernel_payload(k3)

    def handler():
        return fn("sample", SQUARE, 0, None, None, kp, 1, "same", None, None, "max", SIDE, LANG)

    pg = fv.run_playground(xg, k3, 1, "same", None, None, "max")
    vals = handler()
    n = max(10, runs // 2)
    parts = {
        "load image + fv.playground_input": lambda: fv.playground_input(images.load_input("sample", SQUARE), SIDE),
        "fv.run_playground (convolve, pixel products, 2×2 pool)":
            lambda: fv.run_playground(xg, k3, 1, "same", None, None, "max"),
        "  for comparison: torch conv2d 3×3 float64": lambda: torch.nn.functional.conv2d(
            torch.from_numpy(xg)[None, None], torch.from_numpy(k3)[None, None], padding=1),
        "fv.playground_images": lambda: fv.playground_images(pg, LANG),
        "fv.products_figure": lambda: fv.products_figure(pg.pixel, LANG),
        "gradio postprocess: 3 images → WebP in cache": lambda: postprocess(outputs, vals, ("Image",)),
        "gradio postprocess: products figure → JSON": lambda: postprocess(outputs, vals, ("Plot",)),
    }
    res["parts"] = {k.strip(): series(f"  {k}", f, n, 2, settle=False) for k, f in parts.items()}
    res["handler"] = series("whole /convolve handler (size 512, 3×3), in-process", handler, runs, 3)
    res["handler_plus_postprocess"] = series("  handler + gradio postprocess",
                                             lambda: postprocess(outputs, handler()), runs, 2)
    res["_work"] = lambda: postprocess(outputs, handler())
    res["_kernel"] = kp
    return res


def bench_classify(h, runs: int) -> dict[str, Any]:
    net = nets.imagenet()
    pre = net.prepare(images.sample(PHOTO))
    xb = np.ascontiguousarray(pre.array[None], dtype=np.float32)
    ort_threads = runtime.session(net.onnx).get_session_options().intra_op_num_threads
    print(f"3) classification, EfficientNet-Lite0, sample {PHOTO!r} → {tuple(xb.shape)}; ONNX Runtime "
          f"({ort_threads} intra-op threads) and torch eager ({torch.get_num_threads()} threads) "
          f"alternately", flush=True)

    def ort_call():
        return nets.probabilities(net, xb)

    def torch_call():  # what probabilities() does for a network without an ONNX file
        with net.lock, torch.inference_mode():
            logits = net.module(torch.from_numpy(xb)).numpy()
        return runtime.softmax(logits.astype(np.float64))

    p_ort, p_torch = ort_call()[0], torch_call()[0]
    res: dict[str, Any] = {"ort_intra_op_threads": ort_threads, "torch_threads": torch.get_num_threads(),
                           "max_abs_prob_diff": float(np.abs(p_ort - p_torch).max()),
                           "top1": nets.top_k(p_ort, net.class_names(LANG), 1)[0]}
    warmup = 10
    for attempt in (1, 2, 3):
        _quiet()
        with LoadMonitor() as mon:
            for _ in range(warmup):
                ort_call()
                torch_call()
            t_ort, t_torch = [], []
            for i in range(runs):  # ABBA: neither always runs first
                pair = ((ort_call, t_ort), (torch_call, t_torch))
                for f, acc in (pair if i % 2 == 0 else pair[::-1]):
                    t0 = time.perf_counter()
                    f()
                    acc.append((time.perf_counter() - t0) * 1e3)
        if not mon.disturbed or attempt == 3:
            break
        print(f"    (classification: other processes used {mon.other_percent:.0f} % CPU; again)", flush=True)
    for who, ms in (("ort", t_ort), ("torch", t_torch)):
        res[who] = {**_stats(ms), "warmup": warmup, "background_cpu_percent": round(mon.other_percent, 1)}
        label = "nets.probabilities (ONNX Runtime)" if who == "ort" else "torch eager + softmax"
        print(f"  {label:<60} median {res[who]['median_ms']:7.2f} ms  p90 {res[who]['p90_ms']:7.2f} ms  "
              f"({runs} runs)", flush=True)
    res["torch_over_ort"] = res["torch"]["median_ms"] / res["ort"]["median_ms"]
    print(f"  torch / ORT {res['torch_over_ort']:.2f}×; top-1 {res['top1']['label']} "
          f"{res['top1']['probability']:.3f}; max |Δp| torch vs ORT {res['max_abs_prob_diff']:.1e}", flush=True)

    fn, outputs = h["classify"]

    def handler():
        return fn("sample", PHOTO, 0, None, None, "imagenet", LANG, None)

    res["handler"] = series("whole /classify handler, in-process", handler, 30, 3)
    res["handler_plus_postprocess"] = series("  handler + gradio postprocess",
                                             lambda: postprocess(outputs, handler()), 30, 2, settle=False)
    res["_work"] = ort_call
    return res


# ---------------------------------------------------------------------------------- end to end

def _file_urls(out: Any) -> list[str]:
    """URLs of the files in a gradio_client result (download_files=False)."""
    items = out if isinstance(out, (list, tuple)) else [out]
    return [v["url"] for v in items if isinstance(v, dict) and isinstance(v.get("url"), str) and "path" in v]


def _fetch(urls: list[str]) -> int:
    n = 0
    for u in urls:
        with urllib.request.urlopen(u, timeout=10) as r:
            n += len(r.read())
    return n


def _rest_call(base: str, name: str, data: list[Any]) -> str:
    """One call through Gradio's REST route: POST the inputs, read the event stream to its end."""
    req = urllib.request.Request(f"{base}gradio_api/call/{name}", data=json.dumps({"data": data}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        event_id = json.load(r)["event_id"]
    with urllib.request.urlopen(f"{base}gradio_api/call/{name}/{event_id}", timeout=30) as r:
        body = r.read().decode()
    if "event: complete" not in body:
        raise RuntimeError(f"/{name} did not complete: {body[:300]}")
    return body


def bench_api(fm_layer: str, kernel: dict, runs: int) -> dict[str, Any]:
    from gradio_client import Client

    from bench.common import LaunchedApp

    logging.getLogger("httpx").setLevel(logging.WARNING)
    print("end to end: python app.py in its own process; gradio_client (download_files=False) and "
          "plain HTTP (/gradio_api/call/…)", flush=True)
    t0 = time.perf_counter()
    app = LaunchedApp()
    time.sleep(5.0)  # the background warm-up finishes
    proc, url = app.proc, app.url
    res: dict[str, Any] = {"server_start_s": time.perf_counter() - t0, "client": {}, "rest": {}}
    args = {
        "feature_maps": ["sample", PHOTO, 0, None, None, "imagenet", fm_layer, 0, LANG],
        "convolve": ["sample", SQUARE, 0, None, None, kernel, 1, "same", None, None, "max", SIDE, LANG],
        "classify": ["sample", PHOTO, 0, None, None, "imagenet", LANG],
        "kernel_preset": ["sharpen", 3, LANG],  # next to no work: the framework's floor
    }
    pids = (proc.pid,)
    try:
        client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
        for name, a in args.items():
            def call(a=a, name=name):
                return (client.predict(*a, api_name=f"/{name}"))
            t1 = time.perf_counter()
            out = call()  # the first call after the server's own warm-up
            first = (time.perf_counter() - t1) * 1e3
            r = series(f"/{name} via gradio_client", call, runs, 2, pids=pids)
            r["first_call_ms"] = first
            urls = _file_urls(out)
            if urls:
                size = _fetch(urls)
                r["files"], r["file_bytes"] = len(urls), size
                r["fetch_files"] = series(f"  then GET its {len(urls)} image(s), {size / 1e3:.0f} kB",
                                          lambda u=urls: _fetch(u), runs, 1, pids=pids, settle=False)
            res["client"][name] = r
            res["rest"][name] = series(f"  /{name} as plain HTTP (POST /gradio_api/call, event stream)",
                                       lambda a=a, name=name: _rest_call(url, name, a), runs, 2, pids=pids)
        if hasattr(client, "close"):
            client.close()
        return res
    finally:
        app.stop()


# ---------------------------------------------------------------------------------------------

def _mm(r: dict[str, Any], digits: int = 1) -> str:
    return f"{r['median_ms']:.{digits}f} / {r['p90_ms']:.{digits}f} ms"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30, help="timed runs per in-process series (≥ 20)")
    ap.add_argument("--cls-runs", type=int, default=60, help="timed ORT/torch classification pairs (≥ 50)")
    ap.add_argument("--api-runs", type=int, default=12, help="timed calls per endpoint (≥ 10)")
    ap.add_argument("--skip-api", action="store_true")
    ap.add_argument("--profile", choices=("auto", "always", "never"), default="auto",
                    help="profile the in-process work behind a missed target (auto) or every target")
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    filters.warm_up()
    h = handlers()
    threads = {"torch_threads": torch.get_num_threads(), "ort_intra_op_threads": runtime.available_cores(),
               "ort_inter_op_threads": 1, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
               "server": "python app.py, same environment (same thread counts)"}
    print(f"torch threads {threads['torch_threads']}, ONNX Runtime intra-op threads "
          f"{threads['ort_intra_op_threads']} (no spinning); the server runs with the same", flush=True)
    fm = bench_feature_maps(h, args.runs)
    cv = bench_convolution(h, args.runs)
    cl = bench_classify(h, args.cls_runs)
    api = None if args.skip_api else bench_api(fm["layer"], cv["_kernel"], args.api_runs)

    targets, infos = [], []
    # Targets 1 and 2 are checked end to end over HTTP, through Gradio's queue and event stream as a
    # browser uses them. gradio_client's figures are reported beside them: its event reader polls
    # every 50 ms (gradio_client/utils.py, stream_sse_v1plus), which adds 50-100 ms no user sees.
    # 1. feature maps
    if api:
        c = api["rest"]["feature_maps"]
        targets.append(target(f"/feature_maps, EfficientNet-Lite0 {fm['layer_label']}, end to end over HTTP (median)",
                              c["median_ms"], "<=", FM_MS, "ms", 1))
        infos.append(measurement("/feature_maps end to end, gradio_client (median / p90)",
                                 _mm(api["client"]["feature_maps"])))
        infos.append(measurement("/feature_maps end to end, plain HTTP (median / p90)", _mm(c)))
    else:
        targets.append(target(f"/feature_maps handler + postprocess, {fm['layer_label']}, in-process (median)",
                              fm["handler_plus_postprocess"]["median_ms"], "<=", FM_MS, "ms", 1))
    infos += [measurement("feature maps: filters.feature_maps, mid layer (median / p90)",
                          _mm(fm["feature_maps_call"])),
              measurement("feature maps: handler + gradio postprocess, in-process (median / p90)",
                          _mm(fm["handler_plus_postprocess"]))]
    # 2. the playground at 512 × 512
    if api:
        c = api["rest"]["convolve"]
        targets.append(target("/convolve 512 × 512, 3×3, end to end over HTTP (median)", c["median_ms"], "<=",
                              CONV_MS, "ms", 1))
        infos.append(measurement("/convolve 512 end to end, gradio_client (median / p90)",
                                 _mm(api["client"]["convolve"])))
        infos.append(measurement("/convolve 512 end to end, plain HTTP (median / p90)", _mm(c)))
    else:
        targets.append(target("/convolve handler + postprocess, 512 × 512, in-process (median)",
                              cv["handler_plus_postprocess"]["median_ms"], "<=", CONV_MS, "ms", 1))
    infos += [measurement("convolution.convolve 512 × 512, 3×3 / 5×5 (median)",
                          f"{cv['convolve_3x3']['median_ms']:.1f} / {cv['convolve_5x5']['median_ms']:.1f} ms"),
              measurement("playground view 512 × 512, 3×3 (median / p90)", _mm(cv["view_3x3"])),
              measurement("/convolve handler + gradio postprocess, in-process (median / p90)",
                          _mm(cv["handler_plus_postprocess"]))]
    # 3. classification: the ORT run itself
    targets.append(target("classification, EfficientNet-Lite0 via ORT (median)", cl["ort"]["median_ms"],
                          "<=", CLS_MS, "ms", 2))
    infos += [measurement("classification via ORT, p90", cl["ort"]["p90_ms"], "ms", 2),
              measurement("classification, torch eager (median / p90)", _mm(cl["torch"], 2)),
              measurement("classification, torch eager / ORT", cl["torch_over_ort"], "×", 2)]
    if api:
        infos += [measurement("/classify end to end, gradio_client (median / p90)", _mm(api["client"]["classify"])),
                  measurement("/classify end to end, plain HTTP (median / p90)", _mm(api["rest"]["classify"])),
                  measurement("/kernel_preset (no work) end to end, gradio_client / plain HTTP (median)",
                              f"{api['client']['kernel_preset']['median_ms']:.1f} / "
                              f"{api['rest']['kernel_preset']['median_ms']:.1f} ms"),
                  measurement("first /feature_maps, /convolve, /classify call after start-up "
                              "(gradio_client)", " / ".join(f"{api['client'][k]['first_call_ms']:.0f}" for k in
                                                           ("feature_maps", "convolve", "classify")) + " ms")]

    # where the time goes, behind every missed target
    if args.profile != "never":
        for row, part in zip(targets, (fm, cv, cl)):
            if not row["pass"] or args.profile == "always":
                print(f"profile of the in-process work behind {row['name']!r}:", flush=True)
                part["profile"] = profile(part["_work"])
                print_profile(part["profile"])
    for part in (fm, cv, cl):
        for k in [k for k in part if k.startswith("_")]:
            del part[k]
    results = {"threads": threads, "feature_maps": fm, "convolution": cv, "classification": cl,
               "api": api, "targets": targets, "measurements": infos,
               "quiet_wait_s": round(_waited[0], 1), "bench_seconds": round(time.perf_counter() - t_start, 1)}
    print(f"(took {results['bench_seconds']:.0f} s, {results['quiet_wait_s']:.0f} s of it waiting for a "
          f"quiet machine)")
    return report("filters", results)


if __name__ == "__main__":
    main()
