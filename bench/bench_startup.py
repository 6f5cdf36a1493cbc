"""Cold start of ``python app.py``: seconds from spawning the process until GET / answers 200,
resident memory (the process and its children) right then and ~8 s later (after the background
warm-up), and which heavy libraries ``import app; app.build_demo()`` leaves unimported.

The first training after start, as a teacher who starts the app and clicks Train at once: a fresh
``python app.py``, the "quick" preset submitted to ``/train`` (gradio_client) the moment GET /
first answers 200, and the seconds from submit until a streamed message shows ≥ 85 % validation
accuracy; then the same once the app is warm (its background warm-up over), in the same process.

    .venv/bin/python -m bench.bench_startup [--reps 3] [--settle 8] [--train-reps 3] [--only-train]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from typing import Any

import psutil

from bench.common import (
    PYTHON,
    ROOT,
    LaunchedApp,
    LoadMonitor,
    check,
    measurement,
    median,
    report,
    rss_tree,
    target,
    wait_for_quiet,
)

STARTUP_S = 12.0
RSS_GB = 1.5
FIRST_TRAIN_S = 8.0  # first /train after start -> 85 % validation accuracy
FIRST_TRAIN_ACC = 0.85
HEAVY = ("umap", "transformers", "captum", "sklearn")
MUST_BE_LAZY = ("umap", "transformers", "captum")  # the target; sklearn is reported only


def cold_start(settle_s: float, timeout_s: float = 90.0) -> dict[str, Any]:
    app = LaunchedApp(timeout_s=timeout_s, prefix="dle-startup-", as_deployed=True)
    try:
        rss_ready = rss_tree(app.pid)
        time.sleep(settle_s)
        rss_settled = rss_tree(app.pid)
        alive = app.proc.poll() is None
        return {"seconds_to_200": app.seconds_to_200, "rss_at_200_gb": rss_ready / 2**30,
                "rss_after_warmup_gb": rss_settled / 2**30, "settle_s": settle_s,
                "alive_after_settle": alive}
    finally:
        app.stop()


def _until_val_acc(client, acc: float, timeout_s: float = 120.0) -> dict[str, Any]:
    """Submit the "quick" preset to /train; seconds until a streamed message shows a validation
    accuracy ≥ ``acc`` (and the server's own training clock then), then stop the run."""
    from bench.bench_train import api_params

    t0 = time.perf_counter()
    job = client.submit(**api_params("quick"), lang="en", api_name="/train")
    first = reached = None
    summary: dict[str, Any] = {}
    for out in job:
        now = time.perf_counter() - t0
        first = now if first is None else first
        summary = out[-1] if isinstance(out, (list, tuple)) and isinstance(out[-1], dict) else {}
        if (summary.get("val_acc") or 0) >= acc:
            reached = now
            break
        if summary.get("done") or now > timeout_s:
            break
    client.predict(api_name="/stop")
    for _ in job:  # let the run end before the next one (its test pass, its final message)
        pass
    return {"seconds_to_val_acc": reached, "first_message_s": first, "val_acc": summary.get("val_acc"),
            "server_elapsed_s": summary.get("elapsed_s"), "step": summary.get("step")}


def _wait_idle(pid: int, max_wait: float = 90.0, below: float = 10.0) -> float:
    """Wait until the process tree uses < ``below`` % of one core (its warm-up is over). Seconds."""
    t0 = time.perf_counter()
    procs = [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
    for p in procs:
        p.cpu_percent(None)
    while time.perf_counter() - t0 < max_wait:
        time.sleep(1.0)
        if sum(p.cpu_percent(None) for p in procs) < below:
            break
    return time.perf_counter() - t0


def first_train(timeout_s: float = 90.0) -> dict[str, Any]:
    """A fresh app.py; /train "quick" submitted at the first HTTP 200; then the same, warm."""
    import logging

    from gradio_client import Client

    logging.getLogger("httpx").setLevel(logging.WARNING)
    # the run is submitted at the first 200
    app = LaunchedApp(timeout_s=timeout_s, poll_s=0.05, prefix="dle-first-train-", as_deployed=True)
    try:
        t_ready = time.perf_counter()
        client = Client(app.url, verbose=False, download_files=False, analytics_enabled=False)
        connected = time.perf_counter() - t_ready
        cold = _until_val_acc(client, FIRST_TRAIN_ACC)
        idle_after = _wait_idle(app.pid)
        warm = _until_val_acc(client, FIRST_TRAIN_ACC)
        if hasattr(client, "close"):
            client.close()
        return {"seconds_to_200": app.seconds_to_200, "client_connect_s": connected, "first": cold, "warm": warm,
                "waited_for_idle_s": idle_after}
    finally:
        app.stop()


def heavy_imports() -> list[str]:
    code = ("import app, sys, json; app.build_demo(); "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, DLE_WARMUP_DELAY="600"))
    if out.returncode != 0:
        raise RuntimeError(f"import check failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--settle", type=float, default=8.0)
    ap.add_argument("--train-reps", type=int, default=3)
    ap.add_argument("--only-train", action="store_true",
                    help="only the first-training measurement (printed, not recorded)")
    args = ap.parse_args(argv)

    trains, train_discarded = [], []
    print(f"first /train after start, {args.train_reps} repetitions", flush=True)
    while len(trains) < args.train_reps:
        wait_for_quiet()
        with LoadMonitor() as mon:
            r = first_train()
        r["background_cpu_percent"] = round(mon.other_percent, 1)
        f, w = r["first"]["seconds_to_val_acc"], r["warm"]["seconds_to_val_acc"]
        line = (f"200 after {r['seconds_to_200']:.2f} s; first /train → 85 % val in "
                f"{'n/a' if f is None else f'{f:.2f} s'} (server {r['first']['server_elapsed_s']} s), "
                f"warm {'n/a' if w is None else f'{w:.2f} s'}; other processes {mon.other_percent:.0f} % CPU")
        if mon.disturbed and len(train_discarded) < args.train_reps:
            print(f"  (discarded: {line})", flush=True)
            train_discarded.append(r)
            continue
        trains.append(r)
        print(f"  run {len(trains)}: {line}", flush=True)
    if args.only_train:
        return {"first_train": trains}

    print(f"cold start of app.py, {args.reps} repetitions", flush=True)
    reps, discarded = [], []
    while len(reps) < args.reps:
        wait_for_quiet()
        with LoadMonitor() as mon:
            r = cold_start(args.settle)
        r["background_cpu_percent"] = round(mon.other_percent, 1)
        if mon.disturbed and len(discarded) < args.reps:
            print(f"  (discarded a run, other processes used {mon.other_percent:.0f} % CPU: "
                  f"{r['seconds_to_200']:.2f} s)", flush=True)
            discarded.append(r)
            continue
        reps.append(r)
        print(f"  run {len(reps)}: HTTP 200 after {r['seconds_to_200']:.2f} s; RSS {r['rss_at_200_gb']:.2f} GB "
              f"then {r['rss_after_warmup_gb']:.2f} GB after {args.settle:.0f} s", flush=True)
    imported = heavy_imports()
    lazy = [m for m in HEAVY if m not in imported]
    print(f"  heavy modules imported by build_demo(): {imported or 'none'}; not imported: {lazy}")

    start = median([r["seconds_to_200"] for r in reps])
    rss0 = max(r["rss_at_200_gb"] for r in reps)
    rss1 = max(r["rss_after_warmup_gb"] for r in reps)
    bad = [m for m in MUST_BE_LAZY if m in imported]
    firsts = [r["first"]["seconds_to_val_acc"] for r in trains]
    warms = [r["warm"]["seconds_to_val_acc"] for r in trains]
    first_s = None if None in firsts else median(firsts)
    warm_s = None if None in warms else median(warms)
    targets = [
        target("cold start to HTTP 200 (median)", start, "<=", STARTUP_S, "s", 2),
        target("resident memory at first 200 (max of runs)", rss0, "<=", RSS_GB, "GB", 2),
        target(f"resident memory {args.settle:.0f} s later, after warm-up (max)", rss1, "<=", RSS_GB,
               "GB", 2),
        check("umap, transformers, captum not imported at start", not bad,
              "none imported" if not bad else "imported: " + ", ".join(bad), "none imported"),
        target("first /train after start → 85 % val (quick, median)", first_s, "<=", FIRST_TRAIN_S, "s", 1),
    ]
    results = {"reps": reps, "discarded_reps": discarded, "median_seconds_to_200": start,
               "all_seconds_to_200": [r["seconds_to_200"] for r in reps],
               "heavy_modules_imported": imported, "heavy_modules_not_imported": lazy,
               "python": PYTHON, "targets": targets,
               "measurements": [
                   measurement("cold start, every run", ", ".join(
                       f"{r['seconds_to_200']:.2f} s" for r in reps)),
                   measurement("heavy modules not imported by build_demo()", ", ".join(lazy) or "none"),
                   measurement("first /train after start → 85 % val, every run", ", ".join(
                       "n/a" if x is None else f"{x:.1f} s" for x in firsts)),
                   measurement("/train → 85 % val once warm, same process (quick, median)",
                               "n/a" if warm_s is None else warm_s, "s", 1),
               ],
               "first_train": trains, "first_train_discarded": train_discarded}
    return report("startup", results)


if __name__ == "__main__":
    main()
