"""The Fundamentos tab's network playground (issue 19): a run of Playground size computed and sent in
one answer, alone and with a whole class pressing "Train" at the same moment.

a) In process: a run of 500 points (XOR, 30 % kept for the test), 2 hidden layers of 8 (tanh,
   Adam), 500 steps of batches of 10: the training and its recording (``playground.train``), the
   animated figure built and serialised, medians of ``--repeats`` runs with different seeds.
b) End to end: the same run through ``python app.py`` and gradio_client (``/playground``), from
   the call to the whole answer received (the figure's JSON included), a new seed each time so no
   answer comes from the per-process cache; the median.
c) A class: 30 users (each its own session, five to a process), all calling ``/playground`` at
   the same moment, each with its own seed (nothing shared), then again all with the same
   settings (a class on the same scenario: computed once, explorer.memo). p50, p95, errors.

The clients run on the server's two cores (six processes of five threads); they share one TLS
context per process (bench.common.client): gradio_client's default loads the CA store at every
request, 70 ms of a client's CPU per call that was counted as the class's waiting.

Targets: (b) ≤ 1 s; (c) with different seeds, p95 ≤ 3 s and 0 errors.

    .venv/bin/python -m bench.bench_basics [--repeats 7] [--users 30]
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
import threading
import time
from typing import Any

from bench.common import LoadMonitor, check, client, measurement, median, report, settle, target, wait_for_quiet

RUN_S, CLASS_P95_S = 1.0, 3.0
USERS_PER_PROCESS = 5
SETTINGS = dict(source="generated", dataset="xor", noise=0.1, classes=2, n_points=500, test_share=0.3, data_seed=0,
                points="", csv_file=None, features=["x1", "x2"], hidden="8, 8", activation="tanh", optimizer="adam",
                lr=0.03, batch_size=10, steps=500, l1=0, l2=0, dropout=0, seed=0, lang="es")


def args_for(seed: int) -> list:
    return list({**SETTINGS, "seed": seed}.values())


def in_process(repeats: int) -> dict[str, Any]:
    from explorer.basics import compute as pg
    from explorer.basics import data2d
    from explorer.basics import views as bv

    d = data2d.make("xor", 500, 0.1, 2, 0.3, 0)
    cfg = pg.Config(hidden=(8, 8), activation="tanh", optimizer="adam", lr=0.03, steps=500, batch_size=10)
    pg.train(pg.Config(**{**cfg.__dict__, "steps": 20}), d)  # torch's first calls
    train_s, fig_s, sizes = [], [], []
    for seed in range(repeats):
        t0 = time.perf_counter()
        run = pg.train(pg.Config(**{**cfg.__dict__, "seed": seed}), d)
        t1 = time.perf_counter()
        text = bv.playground_figure(run, "es").to_json()
        t2 = time.perf_counter()
        train_s.append(t1 - t0)
        fig_s.append(t2 - t1)
        sizes.append(len(text))
    print(f"  in process: training {median(train_s) * 1000:.0f} ms, figure {median(fig_s) * 1000:.0f} ms, "
          f"{median(sizes) / 1e6:.2f} MB of JSON (medians of {repeats})", flush=True)
    return {"train_s": median(train_s), "figure_s": median(fig_s), "json_mb": median(sizes) / 1e6}


def class_group(url: str, users: list[int], go, same: bool) -> dict[str, Any]:
    """These users, each a thread with its own client, connect, wait at the barrier ``go``, then
    each call /playground once (seed = user number + 100, or all seed 0 when ``same``)."""

    logging.getLogger("httpx").setLevel(logging.WARNING)
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    clients: dict[int, Any] = {}
    start = threading.Event()

    def user(u: int) -> None:
        try:
            clients[u] = client(url, download_files=False, httpx_kwargs={"timeout": 60})
            clients[u].httpx_kwargs = {}
        except Exception as err:
            with lock:
                errors.append(f"user {u} connect: {type(err).__name__}: {err}"[:300])
            return
        c = clients[u]
        start.wait()
        try:
            t0 = time.perf_counter()
            _, fig, summary = c.predict(*args_for(0 if same else 100 + u), api_name="/playground")
            dt = time.perf_counter() - t0
            if summary["final"]["step"] != SETTINGS["steps"] or not fig:
                raise RuntimeError("an incomplete run")
            with lock:
                lat.append(dt)
        except Exception as err:
            with lock:
                errors.append(f"{type(err).__name__}: {err}"[:300])
        finally:
            c.close()

    threads = [threading.Thread(target=user, args=(u,), daemon=True) for u in users]
    for th in threads:
        th.start()
    while len(clients) + len(errors) < len(users):
        time.sleep(0.05)
    go.wait(timeout=600)
    start.set()
    for th in threads:
        th.join(timeout=300)
    return {"latencies": lat, "errors": errors, "stuck": sum(th.is_alive() for th in threads)}


def pct(xs: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(xs, q)) if xs else float("nan")


def over_http(repeats: int, users: int) -> dict[str, Any]:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    import psutil

    from bench.common import app_server

    out: dict[str, Any] = {}
    with app_server(settle_s=5.0) as (proc, url):
        server = psutil.Process(proc.pid)
        print(f"  server up and warmed ({settle(server):.0f} s to settle)", flush=True)  # a class comes later
        c = client(url, download_files=False)
        c.predict(*args_for(99), api_name="/playground")  # the first run (torch's kernels)
        single = []
        for seed in range(repeats):
            t0 = time.perf_counter()
            c.predict(*args_for(1000 + seed), api_name="/playground")
            single.append(time.perf_counter() - t0)
        c.close()
        out["single_s"] = median(single)
        print(f"  one run over HTTP: median {out['single_s'] * 1000:.0f} ms "
              f"(min {min(single) * 1000:.0f}, max {max(single) * 1000:.0f})", flush=True)
        groups = [list(range(a, min(a + USERS_PER_PROCESS, users))) for a in range(0, users, USERS_PER_PROCESS)]
        with get_context("spawn").Manager() as manager, \
                ProcessPoolExecutor(len(groups), mp_context=get_context("spawn")) as pool:
            for same in (False, True):
                go = manager.Barrier(len(groups) + 1)
                cpu0 = sum(server.cpu_times()[:2])
                with LoadMonitor(pids=(server.pid,)) as load:
                    futures = [pool.submit(class_group, url, us, go, same) for us in groups]
                    go.wait(timeout=600)
                    parts = [f.result() for f in futures]
                lat = [x for p in parts for x in p["latencies"]]
                errors = [e for p in parts for e in p["errors"]]
                key = "same" if same else "distinct"
                out[key] = {"p50_s": pct(lat, 50), "p95_s": pct(lat, 95), "max_s": max(lat, default=float("nan")),
                            "errors": errors[:20], "n_errors": len(errors) + sum(p["stuck"] for p in parts),
                            "server_cpu_s": sum(server.cpu_times()[:2]) - cpu0,
                            "other_cpu_percent": round(load.other_percent, 1)}
                print(f"  {users} users at once, {'the same settings' if same else 'each its own seed'}: "
                      f"p50 {out[key]['p50_s']:.2f} s, p95 {out[key]['p95_s']:.2f} s, max {out[key]['max_s']:.2f} s, "
                      f"{out[key]['n_errors']} errors, server CPU {out[key]['server_cpu_s']:.1f} s, "
                      f"other processes {load.other_percent:.0f} %", flush=True)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--users", type=int, default=30)
    args = ap.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="dle-bench-basics-")
    os.environ.setdefault("GRADIO_TEMP_DIR", tmp)
    try:
        wait_for_quiet()
        local = in_process(args.repeats)
        http = over_http(args.repeats, args.users)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    d, s = http["distinct"], http["same"]
    targets = [
        target("playground: one run (500 points, 2 × 8, 500 steps), end to end over HTTP (median)",
               http["single_s"], "<=", RUN_S, "s"),
        target(f"playground: {args.users} users at once, each its own seed: p95", d["p95_s"], "<=", CLASS_P95_S, "s"),
        check(f"playground: {args.users} users at once: errors", d["n_errors"] == 0 and s["n_errors"] == 0,
              f"{d['n_errors'] + s['n_errors']}", "0"),
    ]
    meas = [
        measurement("playground run in process: training / figure (median)",
                    f"{local['train_s'] * 1000:.0f} / {local['figure_s'] * 1000:.0f} ms"),
        measurement("playground run: the figure's JSON", local["json_mb"], "MB"),
        measurement(f"playground: {args.users} users, each its own seed: p50 / max / server CPU",
                    f"{d['p50_s']:.2f} / {d['max_s']:.2f} s / {d['server_cpu_s']:.0f} s"),
        measurement(f"playground: {args.users} users, the same settings: p50 / p95 / server CPU",
                    f"{s['p50_s']:.2f} / {s['p95_s']:.2f} s / {s['server_cpu_s']:.1f} s"),
    ]
    return report("basics", {"in_process": local, "http": http, "targets": targets, "measurements": meas})


if __name__ == "__main__":
    main()
