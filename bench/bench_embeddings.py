"""Embeddings tab latency: the shipped map's first paint, PCA and UMAP of the 10,000 test images,
and a neighbour query ("Mi archivo"'s 200 photos are timed by bench_archive.py).

a) In-process: ``embeddings.project(X, "pca")`` on the CNN's 128-d vectors and on the 784 pixels;
   ``embeddings.project(X, "umap")`` on the CNN's vectors after ``warm_up_umap()`` (the app warms
   it in the background at launch); ``embeddings.neighbors`` on 10,000 × 128 and × 784.
b) End to end: ``python app.py`` in its own process, after its background warm-up; the default
   ``/embedding_map`` call (what the tab draws when it is first opened: the shipped map, 10,000
   points), ``/neighbors`` and ``/embedding_progress`` as plain HTTP (``POST /gradio_api/call``,
   then the event stream).

Targets: first paint ≤ 1 s (the default /embedding_map end to end); PCA of 10k ≤ 0.3 s; UMAP of
10k × 128, warm, ≤ 15 s; a neighbour query ≤ 50 ms (end to end). Medians after a warm-up.

    .venv/bin/python -m bench.bench_embeddings [--runs 15] [--umap-runs 3] [--skip-api]
"""
from __future__ import annotations

import argparse
import itertools
import logging
import time
from typing import Any

from bench.bench_filters import _mm, _rest_call, series
from bench.common import measurement, report, target

PAINT_S, PCA_S, UMAP_S, NB_MS = 1.0, 0.3, 15.0, 50.0
LANG = "en"


def bench_in_process(runs: int, umap_runs: int) -> dict[str, Any]:
    from explorer.embeddings import compute as emb

    res: dict[str, Any] = {}
    t0 = time.perf_counter()
    X = emb.features("cnn")
    P = emb.features("pixels")
    res["features_s"] = time.perf_counter() - t0
    res["pca_cnn"] = series("PCA 2-D, 10,000 × 128 (CNN vectors)", lambda: emb.project(X, "pca", 2), runs, 2)
    res["pca_pixels"] = series("PCA 2-D, 10,000 × 784 (pixels)", lambda: emb.project(P, "pca", 2), runs, 2)
    t0 = time.perf_counter()
    emb.warm_up_umap()
    res["umap_warm_up_s"] = time.perf_counter() - t0
    print(f"  UMAP warm-up (numba compilation, or its cache): {res['umap_warm_up_s']:.1f} s", flush=True)
    res["umap_cnn"] = series("UMAP 2-D, 10,000 × 128, warm", lambda: emb.project(X, "umap", 2), umap_runs, 0)
    i = itertools.cycle(range(0, 10_000, 37))
    res["neighbors_cnn"] = series("neighbours, 10,000 × 128", lambda: emb.neighbors(X, next(i), 8), runs * 4, 3)
    res["neighbors_pixels"] = series("neighbours, 10,000 × 784", lambda: emb.neighbors(P, next(i), 8), runs * 4, 3)
    return res


def bench_api(runs: int) -> dict[str, Any]:
    from bench.common import app_server

    logging.getLogger("httpx").setLevel(logging.WARNING)
    print("end to end: python app.py in its own process, plain HTTP (/gradio_api/call/…)", flush=True)
    idx = itertools.cycle(range(0, 10_000, 53))
    calls = {
        "embedding_map": lambda: ["cnn", "umap", 2, 15, 0.1, False, LANG],
        "neighbors": lambda: ["cnn", next(idx), 8, LANG],
        "embedding_progress": lambda: [LANG],
    }
    res: dict[str, Any] = {}
    # settle: the background warm-up (default map, CNN vectors, UMAP compilation) finishes first
    with app_server(settle_s=30.0) as (proc, url):
        for name, args in calls.items():
            t1 = time.perf_counter()
            body = _rest_call(url, name, args())
            first = (time.perf_counter() - t1) * 1e3
            res[name] = series(f"/{name} as plain HTTP", lambda name=name, args=args: _rest_call(url, name, args()),
                               runs, 1, pids=(proc.pid,))
            res[name]["first_call_ms"] = first
            res[name]["response_kb"] = round(len(body.encode()) / 1e3, 1)
    return res


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--umap-runs", type=int, default=3)
    ap.add_argument("--skip-api", action="store_true")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    ip = bench_in_process(args.runs, args.umap_runs)
    api = None if args.skip_api else bench_api(args.runs)
    targets, infos = [], []
    if api:
        m = api["embedding_map"]
        targets.append(target("Embeddings tab first paint: /embedding_map (shipped map, 10,000 points), end to "
                              "end over HTTP (median)", m["median_ms"] / 1e3, "<=", PAINT_S, "s"))
        infos.append(measurement("/embedding_map end to end (median / p90); response size",
                                 f"{_mm(m)}; {m['response_kb']:.0f} kB"))
    targets += [
        target("PCA 2-D of 10,000 × 784 pixels (median)", ip["pca_pixels"]["median_ms"] / 1e3, "<=", PCA_S, "s", 3),
        target("UMAP 2-D of 10,000 × 128, warm (median)", ip["umap_cnn"]["median_ms"] / 1e3, "<=", UMAP_S, "s", 1),
    ]
    if api:
        targets.append(target("neighbour query, /neighbors end to end over HTTP (median)",
                              api["neighbors"]["median_ms"], "<=", NB_MS, "ms", 1))
    else:
        targets.append(target("neighbour query, 10,000 × 128, in-process (median)",
                              ip["neighbors_cnn"]["median_ms"], "<=", NB_MS, "ms", 2))
    infos += [measurement("PCA 2-D of 10,000 × 128 CNN vectors (median)", ip["pca_cnn"]["median_ms"], "ms", 1),
              measurement("UMAP warm-up at launch (background thread)", ip["umap_warm_up_s"], "s", 1),
              measurement("neighbours in-process, 10k × 128 / 10k × 784 (median)",
                          f"{ip['neighbors_cnn']['median_ms']:.2f} / {ip['neighbors_pixels']['median_ms']:.2f} ms")]
    if api:
        infos.append(measurement("/embedding_progress end to end (median / p90)", _mm(api["embedding_progress"])))
    results = {"in_process": ip, "api": api, "targets": targets, "measurements": infos,
               "bench_seconds": round(time.perf_counter() - t_start, 1)}
    return report("embeddings", results)


if __name__ == "__main__":
    main()
