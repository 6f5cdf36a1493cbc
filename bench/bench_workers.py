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

The load is bench_load.py's hammer (``hammer_users``), so both scripts measure the same thing.

    .venv/bin/python -m bench.bench_workers [--rounds 3] [--users 30] [--calls 5] [--configs direct,1,2]
"""
from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.bench_load import USERS_PER_PROCESS, _start_worker, hammer_users, pct
from bench.common import LoadMonitor, check, measurement, report, settle, wait_for_quiet

CLASSIFY = ("sample", "cat", 0, None, None, "imagenet", "en")  # the same photo for everyone
LABELS = {"direct": "python app.py alone", "1": "1 process behind nginx", "2": "2 processes behind nginx"}


def hammer(url: str, users: int, calls: int, pool, manager, out_dir: str) -> dict[str, Any]:
    """bench_load.py's hammer: ``users`` users calling /classify ``calls`` times back to back, all
    starting at the same moment, the result image downloaded."""
    return hammer_users(pool, manager, url, users, "/classify", CLASSIFY, calls, out_dir)


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


def measure(name: str, args, pool, manager, pool_pids: tuple[int, ...], tmp: Path) -> dict[str, Any]:
    wait_for_quiet()
    cfg = Config(name, tmp)
    try:
        settle_s = cfg.settle()
        warm = hammer(cfg.url, args.users, args.calls, pool, manager, str(tmp / "downloads"))
        print(f"    {LABELS[name]}: up and quiet after {settle_s:.0f} s; warm-up round {len(warm['latencies'])} "
              f"calls, {len(warm['errors'])} errors", flush=True)
        rounds, discarded, lat, errors, workers = [], [], [], list(warm["errors"]), []
        while len(rounds) < args.rounds:
            wait_for_quiet()
            with LoadMonitor(pids=(*cfg.pids, *pool_pids)) as load:
                got = hammer(cfg.url, args.users, args.calls, pool, manager, str(tmp / "downloads"))
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
            ProcessPoolExecutor(n_groups, mp_context=get_context("spawn")) as pool, \
            get_context("spawn").Manager() as manager:
        pool_pids = tuple(set(pool.map(_start_worker, range(2 * n_groups))))
        for name in names:
            out[name] = measure(name, args, pool, manager, pool_pids, Path(tmp))

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
