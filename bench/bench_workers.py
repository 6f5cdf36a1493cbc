"""A class bigger than one process (issue 15 §6): the hammer — 30 users each calling /classify 5
times back to back on the same sample photo, the result image downloaded as a browser does —
against ``python app.py`` alone, and against 1 and 2 app processes behind nginx
(``make run WORKERS=N``, scripts/serve_workers.py), one after the other in one run.

Each configuration starts as deployed (the launch-time warm-up included) and is measured once its
processes' CPU has gone quiet. A first hammer round is not measured (every process loads
EfficientNet-Lite0's ONNX session on its first call); then ``--rounds`` rounds, each with 30 new
gradio_client sessions (new cookies: nginx spreads them over the processes), five users to a
process, all starting at the same instant. Latency is submit to result, download included.
The machine is shared: a round during which other processes used ≥ 20 % of it is discarded and
run again (twice at most; its errors still count). The load generator runs on the same two cores
as the servers, as in bench_load.py.

``hammer()`` is this script's own: bench_load.py is getting a "hammer" mode (issue 15 §3) on
another branch; once that lands, ``hammer()`` here should call it, so both measure the same load.

    .venv/bin/python -m bench.bench_workers [--rounds 3] [--users 30] [--calls 5] [--configs direct,1,2]
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

from bench.bench_load import USERS_PER_PROCESS, _share_tls_contexts, _start_worker, pct, settle
from bench.common import LoadMonitor, check, measurement, report, wait_for_quiet

CLASSIFY = ("sample", "cat", 0, None, None, "imagenet", "en")  # the same photo for everyone
LABELS = {"direct": "python app.py alone", "1": "1 process behind nginx", "2": "2 processes behind nginx"}


def hammer_group(url: str, users: list[int], calls: int, start_at: float) -> dict[str, Any]:
    """These users, a thread and a gradio_client session each, from ``start_at`` (time.time()):
    ``calls`` /classify calls back to back, the result image downloaded."""
    from gradio_client import Client

    logging.getLogger("httpx").setLevel(logging.WARNING)
    _share_tls_contexts()
    out: dict[str, Any] = {"latencies": [], "errors": [], "workers": []}
    lock = threading.Lock()
    downloads = Path(tempfile.mkdtemp(prefix="dle-bench-workers-"))
    clients = {}
    for u in users:  # connecting is not timed (a page load, not a click)
        try:
            clients[u] = Client(url, verbose=False, analytics_enabled=False, download_files=str(downloads / str(u)))
        except Exception as err:
            out["errors"].append(f"user {u} connect: {type(err).__name__}: {err}"[:300])
    for c in clients.values():  # which process nginx pinned the session to (none without nginx)
        req = urllib.request.Request(url + "gradio_api/app_id",
                                     headers={"Cookie": "; ".join(f"{k}={v}" for k, v in c.cookies.items())})
        with urllib.request.urlopen(req, timeout=30) as r:
            out["workers"].append(r.headers.get("X-DLE-Worker") or "direct")

    def user(c) -> None:
        for _ in range(calls):
            t = time.perf_counter()
            try:
                strip = c.predict(*CLASSIFY, api_name="/classify")[0]
                if not Path(strip).is_file():
                    raise RuntimeError(f"result image not downloaded: {strip}")
                with lock:
                    out["latencies"].append(time.perf_counter() - t)
            except Exception as err:
                with lock:
                    out["errors"].append(f"/classify: {type(err).__name__}: {err}"[:300])

    threads = [threading.Thread(target=user, args=(c,), daemon=True) for c in clients.values()]
    time.sleep(max(0.0, start_at - time.time()))
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    out["wall_s"] = time.monotonic() - t0
    for c in clients.values():
        c.close()
    shutil.rmtree(downloads, ignore_errors=True)
    return out


def hammer(url: str, users: int, calls: int, pool) -> dict[str, Any]:
    """``users`` users in groups of USERS_PER_PROCESS (one process each), all starting together."""
    start_at = time.time() + 3.0 + 0.3 * users  # every client connected first
    groups = [list(range(a, min(a + USERS_PER_PROCESS, users))) for a in range(0, users, USERS_PER_PROCESS)]
    parts = [f.result() for f in [pool.submit(hammer_group, url, g, calls, start_at) for g in groups]]
    return {"latencies": [x for p in parts for x in p["latencies"]], "errors": [e for p in parts for e in p["errors"]],
            "workers": [w for p in parts for w in p["workers"]], "wall_s": max(p["wall_s"] for p in parts)}


class Config:
    """One way of serving: ``direct`` (python app.py) or N processes behind nginx."""

    def __init__(self, name: str, tmp: Path):
        self.name = name
        if name == "direct":
            from bench.common import LaunchedApp

            self.app = LaunchedApp()
            self.proc, self.url = self.app.proc, self.app.url
            self.pids = [self.proc.pid]
        else:
            from scripts.serve_workers import Served

            self.served = Served(int(name), tmp / f"run-{name}")
            self.url = self.served.url
            self.pids = [self.served.proc.pid, *self.served.app_pids()]

    def settle(self) -> float:
        """Until the launch-time warm-up (it starts DLE_WARMUP_DELAY, 2 s, after the app is built)
        has run in every process and their CPU is quiet."""
        t0 = time.monotonic()
        time.sleep(float(os.environ.get("DLE_WARMUP_DELAY", "2")) + 3.0)
        for pid in self.pids:
            settle(psutil.Process(pid))
        return time.monotonic() - t0

    def stop(self) -> int | None:
        if self.name == "direct":
            self.app.stop()
            return None
        return self.served.stop()


def measure(name: str, args, pool, pool_pids: tuple[int, ...], tmp: Path) -> dict[str, Any]:
    wait_for_quiet()
    cfg = Config(name, tmp)
    try:
        settle_s = cfg.settle()
        warm = hammer(cfg.url, args.users, args.calls, pool)
        print(f"    {LABELS[name]}: up and quiet after {settle_s:.0f} s; warm-up round {len(warm['latencies'])} "
              f"calls, {len(warm['errors'])} errors", flush=True)
        rounds, discarded, lat, errors, workers = [], [], [], list(warm["errors"]), []
        while len(rounds) < args.rounds:
            wait_for_quiet()
            with LoadMonitor(pids=(*cfg.pids, *pool_pids)) as load:
                got = hammer(cfg.url, args.users, args.calls, pool)
            errors += got["errors"]
            row = {"calls": len(got["latencies"]), "errors": len(got["errors"]), "p50_s": pct(got["latencies"], 50),
                   "p95_s": pct(got["latencies"], 95), "wall_s": got["wall_s"],
                   "calls_per_s": len(got["latencies"]) / got["wall_s"] if got["wall_s"] else None,
                   "users_per_process": {w: got["workers"].count(w) for w in sorted(set(got["workers"]))},
                   "other_cpu_percent": round(load.other_percent, 1)}
            line = (f"{row['calls']} calls, {row['errors']} errors, p50 {row['p50_s']:.2f} s, "
                    f"p95 {row['p95_s']:.2f} s, "
                    f"{row['calls_per_s']:.1f} calls/s; users per process {row['users_per_process']}; other "
                    f"processes {load.other_percent:.0f} % of the machine")
            if load.disturbed and len(discarded) < 2:
                print(f"    (round discarded, other processes busy: {line})", flush=True)
                discarded.append(row)
                continue
            rounds.append(row)
            lat += got["latencies"]
            workers += got["workers"]
            print(f"    {LABELS[name]}, round {len(rounds)}: {line}", flush=True)
    finally:
        code = cfg.stop()
    return {"label": LABELS[name], "calls": len(lat), "errors": len(errors), "error_samples": errors[:10],
            "p50_s": pct(lat, 50), "p95_s": pct(lat, 95), "max_s": max(lat, default=float("nan")),
            "calls_per_s": sum(r["calls"] for r in rounds) / sum(r["wall_s"] for r in rounds),
            "rounds": rounds, "discarded_rounds": discarded, "settle_s": settle_s, "launcher_exit_code": code}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--users", type=int, default=30)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--configs", default="direct,1,2", help="comma-separated: direct, 1, 2, ...")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    for n in names:
        LABELS.setdefault(n, f"{n} processes behind nginx")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    n_groups = -(-args.users // USERS_PER_PROCESS)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="dle-bench-workers-") as tmp, \
            ProcessPoolExecutor(n_groups, mp_context=get_context("spawn")) as pool:
        pool_pids = tuple(set(pool.map(_start_worker, range(2 * n_groups))))
        for name in names:
            out[name] = measure(name, args, pool, pool_pids, Path(tmp))

    errors = sum(r["errors"] for r in out.values())
    targets = [check(f"workers: errors, hammer ({args.users} users × {args.calls} /classify) in every configuration",
                     errors == 0, f"{errors} of {sum(r['calls'] + r['errors'] for r in out.values())}", "0")]
    meas = [measurement(f"workers: hammer /classify p50 / p95, {r['label']}",
                        f"{r['p50_s']:.2f} / {r['p95_s']:.2f} s ({r['calls']} calls, {r['calls_per_s']:.1f}/s)")
            for r in out.values()]
    if "1" in out and "2" in out:
        meas.append(measurement("workers: hammer p95, 2 processes / 1 process behind nginx",
                                out["2"]["p95_s"] / out["1"]["p95_s"], "×"))
    if "direct" in out and "1" in out:
        meas.append(measurement("workers: hammer p95, 1 process behind nginx / python app.py alone",
                                out["1"]["p95_s"] / out["direct"]["p95_s"], "×"))
    for r in out.values():
        print(f"    {r['label']:<28} p50 {r['p50_s']:.2f} s  p95 {r['p95_s']:.2f} s  {r['calls_per_s']:.1f} calls/s  "
              f"{r['errors']} errors", flush=True)
    results = {"users": args.users, "calls_per_user": args.calls, "rounds": args.rounds, "classify": CLASSIFY,
               "configs": out, "targets": targets, "measurements": meas}
    return report("workers", results)


if __name__ == "__main__":
    main()
