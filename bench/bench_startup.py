"""Cold start of ``python app.py``: seconds from spawning the process until GET / answers 200,
resident memory (the process and its children) right then and ~8 s later (after the background
warm-up), and which heavy libraries ``import app; app.build_demo()`` leaves unimported.

    .venv/bin/python -m bench.bench_startup [--reps 3] [--settle 8]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any

import psutil

from bench.common import (ROOT, LoadMonitor, check, free_port, measurement, median, report,
                          target, wait_for_quiet)

STARTUP_S = 12.0
RSS_GB = 1.5
HEAVY = ("umap", "transformers", "captum", "sklearn")
MUST_BE_LAZY = ("umap", "transformers", "captum")  # the target; sklearn is reported only
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable


def rss_tree(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    try:
        p = psutil.Process(pid)
        procs = [p] + p.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def stop_tree(proc: subprocess.Popen) -> None:
    """SIGTERM the process group we created, then SIGKILL whatever is left."""
    if proc.poll() is None:
        try:
            kids = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            kids = []
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        for k in kids:  # anything that left the group
            try:
                k.kill()
            except psutil.NoSuchProcess:
                pass


def cold_start(settle_s: float, timeout_s: float = 90.0) -> dict[str, Any]:
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1")
    env.pop("DLE_WARMUP_DELAY", None)  # the default delay, as deployed
    log = tempfile.NamedTemporaryFile("w+", prefix="dle-startup-", suffix=".log", delete=False)
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        ready = None
        while time.perf_counter() - t0 < timeout_s:
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        ready = time.perf_counter() - t0
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.1)
        if ready is None:
            log.seek(0)
            tail = log.read()[-2000:]
            raise RuntimeError(f"app.py did not answer 200 within {timeout_s:.0f} s "
                               f"(exit code {proc.poll()}):\n{tail}")
        rss_ready = rss_tree(proc.pid)
        time.sleep(settle_s)
        rss_settled = rss_tree(proc.pid)
        alive = proc.poll() is None
        return {"seconds_to_200": ready, "rss_at_200_gb": rss_ready / 2**30,
                "rss_after_warmup_gb": rss_settled / 2**30, "settle_s": settle_s,
                "alive_after_settle": alive}
    finally:
        stop_tree(proc)
        log.close()
        os.unlink(log.name)


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
    args = ap.parse_args(argv)

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
    targets = [
        target("cold start to HTTP 200 (median)", start, "<=", STARTUP_S, "s", 2),
        target("resident memory at first 200 (max of runs)", rss0, "<=", RSS_GB, "GB", 2),
        target(f"resident memory {args.settle:.0f} s later, after warm-up (max)", rss1, "<=", RSS_GB,
               "GB", 2),
        check("umap, transformers, captum not imported at start", not bad,
              "none imported" if not bad else "imported: " + ", ".join(bad), "none imported"),
    ]
    results = {"reps": reps, "discarded_reps": discarded, "median_seconds_to_200": start,
               "all_seconds_to_200": [r["seconds_to_200"] for r in reps],
               "heavy_modules_imported": imported, "heavy_modules_not_imported": lazy,
               "python": PYTHON, "targets": targets,
               "measurements": [
                   measurement("cold start, every run", ", ".join(
                       f"{r['seconds_to_200']:.2f} s" for r in reps)),
                   measurement("heavy modules not imported by build_demo()", ", ".join(lazy) or "none"),
               ]}
    return report("startup", results)


if __name__ == "__main__":
    main()
