"""Latency of the shipped CNN (assets/cnn_fashion.*): ONNX Runtime (``explorer.runtime.run``, the
app's path for every forward-only prediction) against torch eager (eval mode, ``inference_mode``,
torch's default thread count). Batch 1 and 256 of Fashion-MNIST test images as float pixels in
[0, 1]; the two are timed alternately, median over many runs after a warm-up.

    .venv/bin/python -m bench.bench_ort [--runs1 200] [--runs256 20]
"""
from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch

from bench.common import LoadMonitor, measurement, median, record, wait_for_quiet
from explorer import data, runtime
from models.cnn import load_checkpoint

ASSETS = runtime.ASSETS
ONNX = ASSETS / "cnn_fashion.onnx"
CKPT = ASSETS / "cnn_fashion.pt"


def bench_batch(model: torch.nn.Module, x: np.ndarray, runs: int, warmup: int) -> dict[str, Any]:
    def ort_call() -> np.ndarray:
        return runtime.run(ONNX, x)

    def torch_call() -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(x)).numpy()

    # same answer (up to float rounding), else the timing compares different things
    diff = float(np.abs(ort_call() - torch_call()).max())
    for _ in range(warmup):
        ort_call()
        torch_call()
    t_ort, t_torch = [], []
    for i in range(runs):
        pair = ((ort_call, t_ort), (torch_call, t_torch))
        for fn, acc in (pair if i % 2 == 0 else pair[::-1]):
            t0 = time.perf_counter()
            fn()
            acc.append((time.perf_counter() - t0) * 1e3)
    ort_ms, torch_ms = median(t_ort), median(t_torch)
    return {"batch": len(x), "runs": runs, "ort_ms": ort_ms, "torch_ms": torch_ms,
            "speedup": torch_ms / ort_ms, "max_abs_logit_diff": diff,
            "ort_ms_p10_p90": [float(np.percentile(t_ort, 10)), float(np.percentile(t_ort, 90))],
            "torch_ms_p10_p90": [float(np.percentile(t_torch, 10)), float(np.percentile(t_torch, 90))]}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs1", type=int, default=200)
    ap.add_argument("--runs256", type=int, default=20)
    args = ap.parse_args(argv)

    model, metrics = load_checkpoint(CKPT)
    model.eval()
    ds = data.load("fashion")
    xs = ds.test.images[:256].float().div(255.0).numpy()
    sess = runtime.session(ONNX)
    opts = sess.get_session_options()
    results: dict[str, Any] = {"torch_threads": torch.get_num_threads(),
                               "ort_intra_op_threads": opts.intra_op_num_threads,
                               "model_test_acc": metrics.get("test_acc"), "batches": {}}
    print(f"shipped CNN latency, ONNX Runtime ({opts.intra_op_num_threads} threads) vs torch eager "
          f"({torch.get_num_threads()} threads)", flush=True)
    rows = []
    for batch, runs, warmup in ((1, args.runs1, 30), (256, args.runs256, 5)):
        for _attempt in (1, 2, 3):  # again if another process took the CPU meanwhile
            wait_for_quiet()
            with LoadMonitor() as mon:
                r = bench_batch(model, np.ascontiguousarray(xs[:batch]), runs, warmup)
            r["background_cpu_percent"] = round(mon.other_percent, 1)
            if not mon.disturbed:
                break
            print(f"  (batch {batch}: other processes used {mon.other_percent:.0f} % CPU; again)",
                  flush=True)
        results["batches"][str(batch)] = r
        print(f"  batch {batch:>3}: ORT {r['ort_ms']:.3f} ms, torch {r['torch_ms']:.3f} ms, "
              f"speed-up {r['speedup']:.2f}x (median of {runs}; max |Δlogit| {r['max_abs_logit_diff']:.1e})",
              flush=True)
        rows += [measurement(f"shipped CNN batch {batch}: ONNX Runtime", r["ort_ms"], "ms", 3),
                 measurement(f"shipped CNN batch {batch}: torch eager", r["torch_ms"], "ms", 3),
                 measurement(f"shipped CNN batch {batch}: ORT speed-up", r["speedup"], "×", 2)]
    # no target was set for these: they are measurements (README's second table)
    results["targets"] = []
    results["measurements"] = rows
    record("ort", results)
    return results


if __name__ == "__main__":
    main()
