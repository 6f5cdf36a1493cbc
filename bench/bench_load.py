"""A class on one 2-core server: 30 users clicking through classify / saliency / attention /
neighbour calls while 2 more train (issue 8, "Load and isolation").

``python app.py`` runs in its own process with its deployed queue settings (app.py, the tabs'
``DLE_*_CONCURRENCY``, trainings at ``DLE_TRAIN_NICE``). Each user is a thread with its own
``gradio_client.Client`` (its own session, ``download_files=False``: a browser would fetch the
images from another machine), five users to a process. An inference user cycles through /classify
(the shipped Fashion-MNIST CNN and EfficientNet-Lite0), /saliency (Grad-CAM), /attention_text (a
sentence of its own) and /neighbors, waiting 1-4 s (uniformly) between calls as a student reading
the result would; a trainer runs /train with the "quick" preset on 10,000 images for one epoch,
again and again. The run is repeated in rounds, with new users (new sessions) each round and the
old ones closed, so their sessions end (the server's heartbeat is 2 s here instead of 15 s).

Measured: every call's latency (submit to result) by endpoint, errors, the server's resident
memory and CPU every 0.5 s, Gradio's queue length (``/gradio_api/queue/status``) every 0.5 s, the
load generator's own CPU (it shares the two cores), and the trainings done. A first round, as long
as the others, is not measured: it loads every model and runs every path once, and the server's
memory after it is the baseline. The machine is shared: a round during which other processes used
≥ 20 % of it is discarded and run again, twice at most (its errors still count).

Targets: no errors, inference p95 ≤ 2 s, and memory bounded: the server's memory at the end of the
last round within 10 % of its memory after the warm-up round.

    .venv/bin/python -m bench.bench_load [--quick] [--users 30] [--trainers 2] [--rounds 3] [--seconds 60]

**Hammer mode** (``--hammer``, issue 15: "everyone, classify the cat"): the same server, 30 users
(each its own session, five to a process) each make 5 back-to-back identical calls with no think
time, downloading the result files as a browser does (gradio_client's ``download_files``), all
starting at the same moment: ``/classify`` of the cat sample photo with EfficientNet-Lite0, and
``/ping``, a call that does nothing through the same queue, hammered the same way in the same run
(phases alternate, ping first, ``--hammer-rounds`` of each). Measured: each call's latency (submit
to result, downloads included), errors, the server's CPU per call. Target: /classify p95 ≤ 1.5 ×
/ping p95, and 0 errors. ``--profile DIR``: one more /classify phase, not measured, with py-spy
sampling the server (``DIR/classify-*.txt``: folded stacks, all threads and GIL holder only, and
the functions on the most samples).

    .venv/bin/python -m bench.bench_load --hammer [--hammer-rounds 2] [--profile DIR]

**Teach mode** (``--teach``, issue 18): 30 users choose "Mi archivo"'s demo shop scenario at the
same moment and do what it makes the page do — the demo zip downloaded, uploaded and analysed
(/archive), then taught the three ways (/archive_teach, streamed to its end). The collection and
its training are the same for everyone: analysed and trained once per process and shared
(``explorer.ui.archive_teach``). Measured: each user's whole flow and its steps, errors, the
server's CPU. Target: 0 errors, the last user done within a minute.

    .venv/bin/python -m bench.bench_load --teach
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from bench.common import LoadMonitor, check, measurement, report, settle, target, wait_for_quiet

P95_S = 2.0
RSS_GROWTH = 0.10
THINK_S = (1.0, 4.0)
USERS_PER_PROCESS = 5
HEARTBEAT_S = 2.0
AFTER_ROUND_S = 2 * HEARTBEAT_S + 3.0  # the last sessions' unloads, then the app's memory release (2 s)
TRAIN = dict(dataset="fashion", train_size=10000, augment=[], blocks=2, filters=8, kernel_size=3,
             activation="relu", batch_norm=True, dropout=0.0, dense=32, optimizer="adam", lr=0.004,
             batch_size=128, epochs=1, weight_decay=0.0, l1=0.0, schedule="onecycle", seed=0)
SENTENCES = [
    "The animal didn't cross the street because it was too tired.",
    "The trophy doesn't fit into the suitcase because it is too small.",
    "La niña le dio el libro a su abuela porque ella quería leerlo.",
    "The archive keeps the letters that the emigrants wrote to their families.",
    "When the teacher asked the students, they answered at once.",
    "El museo guarda las fotografías que el fotógrafo tomó en el puerto.",
]


HAMMER_CALLS = 5
HAMMER_RATIO = 1.5
HAMMER = {"/ping": (), "/classify": ("sample", "cat", 0, None, None, "imagenet", "en")}


def calls(user: int) -> list[tuple[str, tuple]]:
    """The user's cycle of calls (each user its own images and sentence)."""
    idx = (user * 37) % 10000
    sentence = SENTENCES[user % len(SENTENCES)].replace(".", f" {user}.")  # a sentence of its own
    word = 1 + user % 5
    return [
        ("/classify fashion", ("dataset", "cat", idx, None, None, "fashion", "en")),
        ("/neighbors", ("cnn", idx, 8, "en")),
        ("/attention_text", (sentence, "words", 4, "mean", word, "en")),
        ("/classify imagenet", ("sample", ("cat", "coffee", "astronaut", "rocket")[user % 4], 0, None, None,
                                "imagenet", "en")),
        ("/saliency gradcam", ("dataset", "cat", idx, None, None, "fashion", -1, ["gradcam"], 16, 0.15, "black",
                               32, None, 4, 2, "en")),
    ]


class Monitor(threading.Thread):
    """The server's resident memory and CPU, and Gradio's queue length, every 0.5 s."""

    def __init__(self, pid: int, url: str):
        super().__init__(daemon=True)
        self.proc, self.url = psutil.Process(pid), url
        self.me = psutil.Process()  # the load generator: its clients' CPU is not the server's
        self.samples: list[dict[str, float]] = []
        self.halt = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        last_cpu, last_t, last_me = self._cpu(), time.monotonic(), self._clients_cpu()
        psutil.cpu_percent()
        while not self.halt.wait(0.5):
            now, cpu, me = time.monotonic(), self._cpu(), self._clients_cpu()
            try:
                with urllib.request.urlopen(self.url + "gradio_api/queue/status", timeout=2) as r:
                    queue = json.load(r).get("queue_size")
            except OSError:
                queue = None
            self.samples.append({"t": now - self.t0, "rss_mb": self.rss() / 2**20,
                                 "cpu_percent": 100 * (cpu - last_cpu) / (now - last_t),
                                 "clients_cpu_percent": 100 * (me - last_me) / (now - last_t),
                                 "machine_cpu_percent": psutil.cpu_percent() * (psutil.cpu_count() or 1),
                                 "queue": queue})
            last_cpu, last_t, last_me = cpu, now, me

    def _cpu(self, proc: psutil.Process | None = None) -> float:
        t = (proc or self.proc).cpu_times()
        return t.user + t.system

    def _clients_cpu(self) -> float:
        """This process and its client processes (not the server)."""
        total = self._cpu(self.me)
        for p in self.me.children():
            if p.pid != self.proc.pid:
                try:
                    total += self._cpu(p)
                except psutil.NoSuchProcess:
                    pass
        return total

    def rss(self) -> int:
        return self.proc.memory_info().rss


def run_round(url: str, users: int, trainers: int, seconds: float, seed: int, pool=None) -> dict[str, Any]:
    """One round: the trainers in one process, the users in groups of USERS_PER_PROCESS in others
    (in one process, 30 clients' threads queue for one interpreter lock and the wait is counted
    as latency), all until the same deadline. Without ``pool``, everything in this process."""
    stop_at = time.time() + seconds
    groups = [([], list(range(trainers)))] + [
        (list(range(a, min(a + USERS_PER_PROCESS, users))), []) for a in range(0, users, USERS_PER_PROCESS)]
    if pool is None:
        parts = [user_group(url, us, ts, stop_at, seed) for us, ts in groups]
    else:
        parts = [f.result() for f in [pool.submit(user_group, url, us, ts, stop_at, seed) for us, ts in groups]]
    out: dict[str, Any] = {"latencies": {}, "errors": [], "trainings_s": [], "wall_s": 0.0, "stuck_threads": 0}
    for part in parts:
        for k, v in part["latencies"].items():
            out["latencies"].setdefault(k, []).extend(v)
        out["errors"] += part["errors"]
        out["trainings_s"] += part["trainings_s"]
        out["wall_s"] = max(out["wall_s"], part["wall_s"])
        out["stuck_threads"] += part["stuck_threads"]
    return out


def _start_worker(_i: int) -> int:
    """Import the client in a pool process before the clock runs (spawned processes start empty)."""
    import gradio_client  # noqa: F401

    time.sleep(0.5)  # so each of the pool's processes takes one
    return os.getpid()


def _share_tls_contexts() -> None:
    """gradio_client opens a new httpx client for every call, and each one builds a TLS context and
    loads the CA certificates, even for http:// (py-spy: 48 % of a load process's CPU, about half a
    core of the two for 30 users). A browser costs the server's machine nothing of the kind, so in
    the load processes httpx reuses one context per setting (gradio_client passes ``verify`` itself,
    so it cannot be handed a context)."""
    from functools import lru_cache

    import httpx._transports.default as transport

    make = transport.create_ssl_context

    @lru_cache(maxsize=8)
    def cached(verify, cert, trust_env):
        return make(verify=verify, cert=cert, trust_env=trust_env)

    def create_ssl_context(verify=True, cert=None, trust_env=True):
        try:
            return cached(verify, cert, trust_env)
        except TypeError:  # unhashable settings: as httpx would
            return make(verify=verify, cert=cert, trust_env=trust_env)

    transport.create_ssl_context = create_ssl_context


def user_group(url: str, users: list[int], trainers: list[int], stop_at: float, seed: int) -> dict[str, Any]:
    """These users and trainers, each a thread with its own client, until ``stop_at`` (time.time())."""
    from gradio_client import Client

    logging.getLogger("httpx").setLevel(logging.WARNING)
    seconds = stop_at - time.time()
    stop_at = time.monotonic() + seconds
    lat: dict[str, list[float]] = {}
    errors: list[str] = []
    trainings: list[float] = []
    lock = threading.Lock()

    _share_tls_contexts()

    def client() -> Client:
        return Client(url, verbose=False, analytics_enabled=False, download_files=False)

    def inference_user(u: int) -> None:
        rng = random.Random(seed * 1000 + u)
        try:
            c = client()
        except Exception as err:
            with lock:
                errors.append(f"user {u} connect: {type(err).__name__}: {err}"[:300])
            return
        cycle = calls(u)
        k = rng.randrange(len(cycle))
        time.sleep(rng.uniform(0, THINK_S[1]))  # users arrive over the first seconds
        try:
            while time.monotonic() < stop_at:
                name, args = cycle[k % len(cycle)]
                k += 1
                t = time.perf_counter()
                try:
                    c.predict(*args, api_name=name.split()[0])
                    dt = time.perf_counter() - t
                    with lock:
                        lat.setdefault(name, []).append(dt)
                except Exception as err:
                    with lock:
                        errors.append(f"{name}: {type(err).__name__}: {err}"[:300])
                time.sleep(rng.uniform(*THINK_S))
        finally:
            c.close()

    def trainer(u: int) -> None:
        try:
            c = client()
        except Exception as err:
            with lock:
                errors.append(f"trainer {u} connect: {type(err).__name__}: {err}"[:300])
            return
        try:
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                try:
                    last = None
                    for out in c.submit(**dict(TRAIN, seed=u), lang="en", api_name="/train"):
                        last = out
                    if last is None or last[-1].get("test_acc") is None:
                        raise RuntimeError("no final message")
                    with lock:
                        trainings.append(time.perf_counter() - t)
                except Exception as err:
                    with lock:
                        errors.append(f"/train: {type(err).__name__}: {err}"[:300])
        finally:
            c.close()

    threads = [threading.Thread(target=trainer, args=(u,), daemon=True) for u in trainers]
    threads += [threading.Thread(target=inference_user, args=(u,), daemon=True) for u in users]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=seconds + 300)
    return {"latencies": lat, "errors": errors, "trainings_s": trainings, "wall_s": time.monotonic() - t0,
            "stuck_threads": sum(th.is_alive() for th in threads)}


def hammer_group(url: str, users: list[int], api_name: str, args: tuple, go, n_calls: int,
                 out_dir: str) -> dict[str, Any]:
    """These users, each a thread with its own client (downloading the files it is sent into
    ``out_dir``), connect, wait at the barrier ``go`` with every other group, then make ``n_calls``
    back-to-back ``api_name`` calls. Connecting is not measured (30 clients fetching the app's
    configuration at once cost the server seconds, see bench/README.md); the calls are, with
    gradio_client's own timeouts, and a call whose result file was not downloaded counts as an
    error. ``workers``: for each client, the app process that served its session (nginx's
    X-DLE-Worker header, scripts/serve_workers.py; "direct" without nginx)."""
    from gradio_client import Client

    logging.getLogger("httpx").setLevel(logging.WARNING)
    _share_tls_contexts()
    lat: list[float] = []
    errors: list[str] = []
    workers: list[str] = []
    lock = threading.Lock()
    clients: dict[int, Client] = {}
    start = threading.Event()

    def connect(u: int) -> None:
        for attempt in range(3):
            try:
                c = Client(url, verbose=False, analytics_enabled=False, download_files=os.path.join(out_dir, str(u)),
                           httpx_kwargs={"timeout": 60})
                c.httpx_kwargs = {}  # the calls: gradio_client's defaults, as a script would have them
                served_by = worker_of(url, c)
                with lock:
                    clients[u] = c
                    workers.append(served_by)
                return
            except Exception as err:
                if attempt == 2:
                    with lock:
                        errors.append(f"user {u} connect: {type(err).__name__}: {err}"[:300])

    def user(u: int) -> None:
        connect(u)
        c = clients.get(u)
        start.wait()
        if c is None:
            return
        try:
            for _ in range(n_calls):
                t = time.perf_counter()
                try:
                    out = c.predict(*args, api_name=api_name)
                    first = out[0] if isinstance(out, (list, tuple)) else out
                    if isinstance(first, str) and first.startswith(out_dir) and not os.path.isfile(first):
                        raise RuntimeError(f"result file not downloaded: {first}")
                    dt = time.perf_counter() - t
                    with lock:
                        lat.append(dt)
                except Exception as err:
                    with lock:
                        errors.append(f"{api_name}: {type(err).__name__}: {err}"[:300])
        finally:
            c.close()

    threads = [threading.Thread(target=user, args=(u,), daemon=True) for u in users]
    for th in threads:
        th.start()
    while len(clients) + len(errors) < len(users):
        time.sleep(0.05)
    go.wait(timeout=600)
    t0 = time.monotonic()
    start.set()
    for th in threads:
        th.join(timeout=600)
    return {"latencies": lat, "errors": errors, "workers": workers, "wall_s": time.monotonic() - t0,
            "stuck_threads": sum(th.is_alive() for th in threads)}


def worker_of(url: str, client) -> str:
    """The app process nginx pinned this client's session to (its cookie), "direct" without nginx."""
    req = urllib.request.Request(url.rstrip("/") + "/gradio_api/app_id",
                                 headers={"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers.get("X-DLE-Worker") or "direct"


def hammer_users(pool, manager, url: str, users: int, api_name: str, args: tuple, n_calls: int,
                 out_dir: str, on_start=None) -> dict[str, Any]:
    """``users`` users in groups of USERS_PER_PROCESS (a process each): every client connected,
    then all start at the same moment (a barrier). ``on_start()`` runs at that moment."""
    groups = [list(range(a, min(a + USERS_PER_PROCESS, users))) for a in range(0, users, USERS_PER_PROCESS)]
    go = manager.Barrier(len(groups) + 1)
    futures = [pool.submit(hammer_group, url, us, api_name, args, go, n_calls, out_dir) for us in groups]
    go.wait(timeout=600)
    started = on_start() if on_start else None
    parts = [f.result() for f in futures]
    return {"latencies": [x for p in parts for x in p["latencies"]], "errors": [e for p in parts for e in p["errors"]],
            "workers": [w for p in parts for w in p["workers"]], "wall_s": max(p["wall_s"] for p in parts),
            "stuck_threads": sum(p["stuck_threads"] for p in parts), "started": started}


def hammer_phase(pool, manager, url: str, users: int, api_name: str, out_dir: str, server: psutil.Process,
                 on_start=None) -> dict[str, Any]:
    """One phase of ``api_name`` (hammer_users), with the server's CPU per call and the machine's
    other load while it ran."""
    cpu0 = sum(server.cpu_times()[:2])
    with LoadMonitor(pids=(server.pid,)) as load:
        got = hammer_users(pool, manager, url, users, api_name, HAMMER[api_name], HAMMER_CALLS, out_dir, on_start)
    cpu = sum(server.cpu_times()[:2]) - cpu0
    lat, errors = got["latencies"], got["errors"]
    return {"api": api_name, "calls": len(lat), "errors": errors, "p50_s": pct(lat, 50), "p95_s": pct(lat, 95),
            "max_s": max(lat, default=float("nan")), "latencies": lat,
            "server_cpu_ms_per_call": 1000 * cpu / max(1, len(lat) + len(errors)),
            "stuck_threads": got["stuck_threads"], "other_cpu_percent": round(load.other_percent, 1),
            "disturbed": load.disturbed, "started": got["started"]}


def py_spy_profile(pid: int, seconds: float, path: Path, gil: bool) -> subprocess.Popen:
    """py-spy sampling the server without pausing it (``--nonblocking``), folded stacks to ``path``."""
    exe = Path(sys.executable).with_name("py-spy")
    cmd = [str(exe if exe.exists() else "py-spy"), "record", "--pid", str(pid), "--duration", str(int(seconds)),
           "--rate", "100", "--nonblocking", "--format", "raw", "--output", str(path)] + (["--gil"] if gil else [])
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _frame(f: str) -> str:
    """``func (/a/b/file.py:12)`` → ``func (file.py)``: one entry per function, not per line."""
    name, _, where = f.partition(" (")
    return f"{name} ({where.rstrip(')').rsplit('/', 1)[-1].split(':')[0]})" if where else f


def top_frames(folded: Path, n: int = 25) -> dict[str, list[tuple[str, float]]]:
    """From py-spy's folded stacks: the functions on the most samples (inclusive, % of all
    samples) and those at the top of the stack (self)."""
    incl: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        k = int(count)
        total += k
        frames = [_frame(f) for f in stack.split(";")]
        for f in set(frames):
            incl[f] += k
        own[frames[-1]] += k
    pc = lambda c: [(f, round(100 * k / max(total, 1), 1)) for f, k in c.most_common(n)]  # noqa: E731
    return {"samples": total, "inclusive": pc(incl), "self": pc(own)}


def hammer_main(args) -> dict[str, Any]:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from gradio_client import Client

    from bench.common import app_server  # (imports torch: not in the client processes)

    wait_for_quiet()
    n_groups = -(-args.users // USERS_PER_PROCESS)
    out_dir = tempfile.mkdtemp(prefix="dle-hammer-")
    phases: list[dict[str, Any]] = []
    profile: dict[str, Any] = {}
    try:
        with app_server(settle_s=2.0) as (proc, url), get_context("spawn").Manager() as manager, \
                ProcessPoolExecutor(n_groups, mp_context=get_context("spawn")) as pool:
            server = psutil.Process(proc.pid)
            warm_s = settle(server)
            print(f"    server up and warmed ({warm_s:.0f} s to settle)", flush=True)
            list(pool.map(_start_worker, range(2 * n_groups)))
            c = Client(url, verbose=False, analytics_enabled=False, download_files=out_dir)
            for api, a in HAMMER.items():  # every model loaded, every path run once
                c.predict(*a, api_name=api)
            c.close()
            done = dict.fromkeys(HAMMER, 0)
            attempt = 0
            while min(done.values()) < args.hammer_rounds:
                attempt += 1
                for api in HAMMER:
                    if done[api] >= args.hammer_rounds:
                        continue
                    wait_for_quiet()
                    ph = hammer_phase(pool, manager, url, args.users, api, out_dir, server)
                    keep = not ph["disturbed"] or attempt > args.hammer_rounds + 2  # at most two more
                    ph["kept"] = keep
                    phases.append(ph)
                    done[api] += keep
                    print(f"    {'' if keep else '(discarded, other processes busy) '}{api}: {ph['calls']} calls, "
                          f"{len(ph['errors'])} errors, p50 {ph['p50_s']:.2f} s, p95 {ph['p95_s']:.2f} s, "
                          f"max {ph['max_s']:.2f} s; server CPU {ph['server_cpu_ms_per_call']:.0f} ms per call; "
                          f"other processes {ph['other_cpu_percent']:.0f} %", flush=True)
            if args.profile:
                pdir = Path(args.profile)
                pdir.mkdir(parents=True, exist_ok=True)
                ph = hammer_phase(pool, manager, url, args.users, "/classify", out_dir, server, on_start=lambda: {
                    gil: py_spy_profile(proc.pid, 120, pdir / f"classify-{'gil' if gil else 'all'}.txt", gil)
                    for gil in (False, True)})
                for gil, spy in ph.pop("started").items():
                    spy.send_signal(signal.SIGINT)  # py-spy writes what it has sampled when interrupted
                    spy.wait(timeout=30)
                    f = pdir / f"classify-{'gil' if gil else 'all'}.txt"
                    if f.exists():
                        profile["gil" if gil else "all"] = top_frames(f)
                (pdir / "classify-top.json").write_text(json.dumps(profile, indent=1))
                print(f"    profiled phase: p95 {ph['p95_s']:.2f} s; py-spy output in {pdir}", flush=True)
                for k, v in profile.items():
                    print(f"    py-spy ({k}), {v['samples']} samples, inclusive:\n      " + "\n      ".join(
                        f"{p:5.1f} % {f}" for f, p in v["inclusive"][:20]), flush=True)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    kept = [p for p in phases if p["kept"]]
    quiet = [p for p in kept if not p["disturbed"]]
    if all(any(p["api"] == api for p in quiet) for api in HAMMER):
        kept = quiet  # phases run out of retries while the machine was busy: left out when others are not
    per_api = {}
    for api in HAMMER:
        lat = [x for p in kept if p["api"] == api for x in p["latencies"]]
        per_api[api] = {"calls": len(lat), "p50_s": pct(lat, 50), "p95_s": pct(lat, 95),
                        "max_s": max(lat, default=float("nan")),
                        "server_cpu_ms_per_call": statistics.fmean(
                            [p["server_cpu_ms_per_call"] for p in kept if p["api"] == api])}
    errors = [e for p in phases for e in p["errors"]]  # errors count whatever the machine was doing
    n_calls = sum(p["calls"] + len(p["errors"]) for p in phases)
    ratio = per_api["/classify"]["p95_s"] / per_api["/ping"]["p95_s"]
    # the same ratio phase by phase (each /classify phase against the /ping phase just before it)
    pairs = []
    for i, p in enumerate(kept):
        if p["api"] == "/classify":
            prev = [q for q in kept[:i] if q["api"] == "/ping"]
            if prev:
                pairs.append(round(p["p95_s"] / prev[-1]["p95_s"], 2))
    for api, e in per_api.items():
        print(f"    {api:<10} {e['calls']:4d} calls  p50 {e['p50_s']:.2f} s  p95 {e['p95_s']:.2f} s  "
              f"max {e['max_s']:.2f} s  server CPU {e['server_cpu_ms_per_call']:.0f} ms/call", flush=True)
    if errors:
        print("    errors:\n      " + "\n      ".join(f"{n} × {e}" for e, n in Counter(errors).most_common(8)),
              flush=True)
    targets = [
        check(f"hammer: errors ({args.users} users × {HAMMER_CALLS} calls, /classify and /ping)",
              not errors and not any(p["stuck_threads"] for p in phases), f"{len(errors)} of {n_calls}", "0"),
        target("hammer: /classify p95 / /ping p95 (same load, same run)", ratio, "<=", HAMMER_RATIO, "×"),
    ]
    meas = [measurement(f"hammer: {api} p50 / p95 / max",
                        f"{e['p50_s']:.2f} / {e['p95_s']:.2f} / {e['max_s']:.2f} s ({e['calls']} calls)")
            for api, e in per_api.items()]
    meas += [measurement("hammer: server CPU per call, /classify / /ping",
                         f"{per_api['/classify']['server_cpu_ms_per_call']:.0f} / "
                         f"{per_api['/ping']['server_cpu_ms_per_call']:.0f} ms"),
             measurement("hammer: p95 ratio, phase by phase", ", ".join(f"{r:.2f}" for r in pairs) or "n/a")]
    results = {"users": args.users, "calls_per_user": HAMMER_CALLS, "rounds": args.hammer_rounds,
               "calls": {k: list(v) for k, v in HAMMER.items()}, "endpoints": per_api, "ratio_p95": ratio,
               "ratio_p95_by_phase": pairs, "errors": errors[:50],
               "phases": [{k: v for k, v in p.items() if k != "latencies"} for p in phases],
               "profile": profile, "targets": targets, "measurements": meas}
    return report("load_hammer", results)


TEACH_USERS_TARGET_S = 60.0  # the whole class has its three ways' results within a minute


def teach_group(url: str, users: list[int], go, out_dir: str) -> dict[str, Any]:
    """These users, each a thread with its own client, connect, wait at the barrier ``go``, then
    do what a student choosing the demo shop's scenario makes the page do: /archive_teach_scenario
    (the zip, downloaded), /archive (the zip uploaded and analysed), /archive_teach (the three ways,
    streamed to the end). Measured per user: the whole flow, and each step."""
    from gradio_client import Client, handle_file

    logging.getLogger("httpx").setLevel(logging.WARNING)
    _share_tls_contexts()
    flows: list[dict[str, float]] = []
    errors: list[str] = []
    lock = threading.Lock()
    clients: dict[int, Any] = {}
    start = threading.Event()

    def user(u: int) -> None:
        try:
            clients[u] = Client(url, verbose=False, analytics_enabled=False,
                                download_files=os.path.join(out_dir, str(u)), httpx_kwargs={"timeout": 60})
            clients[u].httpx_kwargs = {}
        except Exception as err:
            with lock:
                errors.append(f"user {u} connect: {type(err).__name__}: {err}"[:300])
            return
        c = clients[u]
        start.wait()
        try:
            t0 = time.perf_counter()
            files, methods, seed, _lesson = c.predict("shop", "en", api_name="/archive_teach_scenario")
            t1 = time.perf_counter()
            up = [handle_file(f) for f in files]
            c.predict(up, 0.95, "en", api_name="/archive")
            t2 = time.perf_counter()
            *_, summary = c.predict(up, None, methods, seed, "en", api_name="/archive_teach")
            t3 = time.perf_counter()
            if set(summary["methods"]) != {"linear", "finetune", "scratch"}:
                raise RuntimeError(f"not every way trained: {sorted(summary['methods'])}")
            with lock:
                flows.append({"total_s": t3 - t0, "scenario_s": t1 - t0, "archive_s": t2 - t1, "teach_s": t3 - t2})
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
        th.join(timeout=900)
    return {"flows": flows, "errors": errors, "stuck_threads": sum(th.is_alive() for th in threads)}


def teach_main(args) -> dict[str, Any]:
    """``--teach``: the whole class runs "Mi archivo"'s demo shop scenario at the same moment."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from bench.common import app_server  # (imports torch: not in the client processes)

    wait_for_quiet()
    groups = [list(range(a, min(a + USERS_PER_PROCESS, args.users))) for a in range(0, args.users, USERS_PER_PROCESS)]
    out_dir = tempfile.mkdtemp(prefix="dle-teach-")
    try:
        with app_server(settle_s=2.0) as (proc, url), get_context("spawn").Manager() as manager, \
                ProcessPoolExecutor(len(groups), mp_context=get_context("spawn")) as pool:
            server = psutil.Process(proc.pid)
            print(f"    server up and warmed ({settle(server):.0f} s to settle)", flush=True)
            go = manager.Barrier(len(groups) + 1)
            cpu0 = sum(server.cpu_times()[:2])
            with LoadMonitor(pids=(server.pid,)) as load:
                futures = [pool.submit(teach_group, url, us, go, out_dir) for us in groups]
                go.wait(timeout=600)
                t0 = time.monotonic()
                parts = [f.result() for f in futures]
                wall = time.monotonic() - t0
            cpu = sum(server.cpu_times()[:2]) - cpu0
            rss = server.memory_info().rss
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    flows = [f for p in parts for f in p["flows"]]
    errors = [e for p in parts for e in p["errors"]]
    steps = {k: [f[k] for f in flows] for k in ("total_s", "scenario_s", "archive_s", "teach_s")}
    for k, v in steps.items():
        print(f"    {k:<11} p50 {pct(v, 50):6.1f} s  p95 {pct(v, 95):6.1f} s  "
              f"max {max(v, default=float('nan')):6.1f} s", flush=True)
    print(f"    {len(flows)} of {args.users} users done in {wall:.0f} s, {len(errors)} errors; server CPU {cpu:.0f} s; "
          f"other processes {load.other_percent:.0f} %", flush=True)
    if errors:
        print("    errors:\n      " + "\n      ".join(f"{n} × {e}" for e, n in Counter(errors).most_common(8)),
              flush=True)
    targets = [
        check(f"teach: errors ({args.users} users run the demo shop's scenario at once)",
              not errors and not any(p["stuck_threads"] for p in parts), f"{len(errors)} of {args.users}", "0"),
        target("teach: the last user's three ways done (scenario, upload, analysis, training)",
               max(steps["total_s"], default=float("nan")), "<=", TEACH_USERS_TARGET_S, "s"),
    ]
    meas = [measurement(f"teach: {k[:-2]} p50 / p95", f"{pct(v, 50):.1f} / {pct(v, 95):.1f} s")
            for k, v in steps.items()]
    meas.append(measurement("teach: server CPU for the whole class / memory after",
                            f"{cpu:.0f} s / {rss / 2**30:.2f} GB"))
    results = {"users": args.users, "wall_s": wall, "steps": {k: {"p50_s": pct(v, 50), "p95_s": pct(v, 95),
                                                                   "max_s": max(v, default=float("nan"))}
                                                               for k, v in steps.items()},
               "server_cpu_s": cpu, "rss_gb": rss / 2**30, "errors": errors[:50],
               "other_cpu_percent": round(load.other_percent, 1), "targets": targets, "measurements": meas}
    return report("load_teach", results)


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q)) if xs else float("nan")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 rounds of 20 s (about 2 minutes in all)")
    ap.add_argument("--users", type=int, default=30)
    ap.add_argument("--trainers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=None, help="default 3 (--quick: 2)")
    ap.add_argument("--seconds", type=float, default=None, help="per round; default 60 (--quick: 20)")
    ap.add_argument("--hammer", action="store_true",
                    help="30 users x 5 back-to-back /classify calls against /ping, no think time")
    ap.add_argument("--hammer-rounds", type=int, default=2, help="phases of each endpoint (--hammer)")
    ap.add_argument("--profile", metavar="DIR", help="--hammer: one more /classify phase under py-spy")
    ap.add_argument("--teach", action="store_true",
                    help="30 users run Mi archivo's demo shop scenario (analysis and the three ways) at once")
    args = ap.parse_args(argv)
    if args.hammer:
        return hammer_main(args)
    if args.teach:
        return teach_main(args)
    rounds = args.rounds or (2 if args.quick else 3)
    seconds = args.seconds or (20.0 if args.quick else 60.0)
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from bench.common import app_server  # (imports torch: not in the client processes)

    # A closed client's session ends at the server's next heartbeat (Gradio's default 15 s): 2 s
    # here, so the memory read after each round is that of a server whose users have left.
    os.environ.setdefault("GRADIO_HEARTBEAT_INTERVAL", str(HEARTBEAT_S))
    wait_for_quiet()
    n_groups = 1 + -(-args.users // USERS_PER_PROCESS)
    with app_server(settle_s=2.0) as (proc, url), \
            ProcessPoolExecutor(n_groups, mp_context=get_context("spawn")) as pool:
        server = psutil.Process(proc.pid)
        warm_s = settle(server)
        rss_start = server.memory_info().rss
        print(f"    server up and warmed ({warm_s:.0f} s to settle), {rss_start / 2**20:.0f} MB", flush=True)
        workers = tuple(set(pool.map(_start_worker, range(2 * n_groups))))  # their CPU is ours, not "other"
        mon = Monitor(proc.pid, url)
        mon.start()
        # a first round not measured: every model loaded and every code path run once, as in the
        # first minutes of a class; the memory at its end is the baseline
        warm = run_round(url, args.users, args.trainers, seconds, seed=0, pool=pool)
        time.sleep(AFTER_ROUND_S)
        rss_warm = server.memory_info().rss
        print(f"    warm-up round: {sum(map(len, warm['latencies'].values()))} calls, {len(warm['errors'])} "
              f"errors; {rss_warm / 2**20:.0f} MB after it", flush=True)
        per_round, all_lat, all_errors, trainings, discarded, history = [], {}, [], [], [], []
        r = attempt = 0
        while r < rounds:
            attempt += 1
            wait_for_quiet()
            t_start = mon.samples[-1]["t"] if mon.samples else 0.0
            with LoadMonitor(pids=(proc.pid, *workers)) as load:
                got = run_round(url, args.users, args.trainers, seconds, seed=attempt, pool=pool)
            time.sleep(AFTER_ROUND_S)  # the sessions' unloads and the app's memory release
            t_end = mon.samples[-1]["t"] if mon.samples else 0.0
            in_round = [s for s in mon.samples if t_start <= s["t"] <= t_end]
            inf = [x for v in got["latencies"].values() for x in v]
            row = {"round": r + 1, "calls": len(inf), "errors": len(got["errors"]),
                   "p50_s": pct(inf, 50), "p95_s": pct(inf, 95), "trainings": len(got["trainings_s"]),
                   "rss_peak_mb": max((s["rss_mb"] for s in in_round), default=None),
                   "rss_end_mb": server.memory_info().rss / 2**20,
                   "queue_max": max((s["queue"] or 0 for s in in_round), default=None),
                   "stuck_threads": got["stuck_threads"], "other_cpu_percent": round(load.other_percent, 1)}
            line = (f"{row['calls']} calls, {row['errors']} errors, p50 {row['p50_s']:.2f} s, "
                    f"p95 {row['p95_s']:.2f} s, {row['trainings']} trainings; RSS peak {row['rss_peak_mb']:.0f} MB, "
                    f"end {row['rss_end_mb']:.0f} MB; queue max {row['queue_max']}; other processes "
                    f"{load.other_percent:.0f} % of the machine")
            all_errors += got["errors"]  # errors count whatever the machine was doing
            history.append(row)  # every round run, in order, for the memory
            if load.disturbed and attempt < rounds + 2:  # at most two rounds run again
                print(f"    (round discarded, other processes busy: {line})", flush=True)
                discarded.append(row)
                continue
            r += 1
            row["round"] = r
            per_round.append(row)
            print(f"    round {r}: {line}", flush=True)
            for k, v in got["latencies"].items():
                all_lat.setdefault(k, []).extend(v)
            trainings += got["trainings_s"]
        mon.halt.set()
        mon.join(timeout=5)

    inf = [x for v in all_lat.values() for x in v]
    p95 = pct(inf, 95)
    growth = history[-1]["rss_end_mb"] / (rss_warm / 2**20) - 1
    queue = [s["queue"] for s in mon.samples if s["queue"] is not None]
    cpu = [s["cpu_percent"] for s in mon.samples]
    endpoints = {k: {"calls": len(v), "p50_s": pct(v, 50), "p95_s": pct(v, 95), "max_s": max(v)}
                 for k, v in sorted(all_lat.items())}
    for k, e in endpoints.items():
        print(f"    {k:<20} {e['calls']:5d} calls  p50 {e['p50_s']:.2f} s  p95 {e['p95_s']:.2f} s  "
              f"max {e['max_s']:.2f} s", flush=True)
    if all_errors:
        print("    errors:\n      " + "\n      ".join(all_errors[:10]), flush=True)
    targets = [
        check("load: errors (30 users + 2 trainings)",
              not all_errors and not warm["errors"] and not any(r["stuck_threads"] for r in per_round + discarded),
              f"{len(all_errors)} of {len(inf) + len(all_errors)}", "0"),
        target("load: inference p95, all endpoints", p95, "<=", P95_S, "s"),
        target(f"load: server memory after {len(history)} rounds vs after the warm-up round", 100 * growth,
               "<=", 100 * RSS_GROWTH, "%", 1),
    ]
    meas = [measurement(f"load: {k} p50 / p95", f"{e['p50_s']:.2f} / {e['p95_s']:.2f} s ({e['calls']} calls)")
            for k, e in endpoints.items()]
    meas += [
        measurement("load: inference p50, all endpoints", pct(inf, 50), "s"),
        measurement("load: server memory at start / after the warm-up round / peak / end",
                    f"{rss_start / 2**30:.2f} / {rss_warm / 2**30:.2f} / "
                    f"{max(r['rss_peak_mb'] for r in history) / 1024:.2f} / {history[-1]['rss_end_mb'] / 1024:.2f} GB"),
        measurement("load: queue length, max (mean)",
                    f"{max(queue, default=0)} ({statistics.fmean(queue or [0]):.1f})"),
        measurement("load: CPU, % of one core (mean): server / load generator / whole machine",
                    f"{statistics.fmean(cpu or [0]):.0f} / "
                    f"{statistics.fmean([s['clients_cpu_percent'] for s in mon.samples] or [0]):.0f} / "
                    f"{statistics.fmean([s['machine_cpu_percent'] for s in mon.samples] or [0]):.0f} %"),
        measurement("load: trainings done, median time", f"{len(trainings)}, {pct(trainings, 50):.1f} s"),
    ]
    results = {"rss_start_mb": rss_start / 2**20, "rss_after_warm_up_mb": rss_warm / 2**20,
               "warm_up_errors": warm["errors"][:20], "users": args.users, "trainers": args.trainers,
               "rounds": rounds, "seconds_per_round": seconds, "think_s": THINK_S, "train": TRAIN,
               "quick": args.quick, "per_round": per_round, "endpoints": endpoints,
               "errors": all_errors[:50], "trainings_s": trainings, "discarded_rounds": discarded,
               "samples": [{k: round(v, 1) if isinstance(v, float) else v for k, v in x.items()}
                           for x in mon.samples[::4]],  # every 2 s
               "targets": targets, "measurements": meas}
    return report("load", results)


if __name__ == "__main__":
    main()
