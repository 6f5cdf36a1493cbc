"""explorer.worker: a function run in a child process, whose stop kills it (issue 16: UMAP and
t-SNE were made stoppable by patching scipy and tqdm; now they run where a stop can end them)."""
from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from explorer import worker

ROOT = Path(__file__).resolve().parents[2]


def gone(pid: int) -> bool:
    """No such process, or only its exit status left for a parent that is not us (a zombie)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def our_children() -> list[int]:
    return [p.pid for p in psutil.Process().children(recursive=True)]


def busy_call(stop: threading.Event) -> tuple[threading.Thread, list]:
    """A long call in a thread; ``box`` gets the exception it ends with."""
    box: list = []

    def call():
        try:
            worker.run(sum, range(10**13), stop=stop)  # one long C call: nothing in it looks at a stop
        except BaseException as err:
            box.append(err)

    th = threading.Thread(target=call, daemon=True)
    th.start()
    return th, box


def cpu(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def wait_for_worker(timeout: float = 60.0) -> int:
    """The worker running the busy call, once it has used 0.3 s of CPU (the machine may be busy)."""
    start: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in worker.pids():
            start.setdefault(p, cpu(p))
            if cpu(p) - start[p] > 0.3:
                return p
        time.sleep(0.05)
    raise AssertionError("no worker got busy")


def test_a_call_returns_its_result_or_raises_its_error_and_the_worker_is_reused():
    first = worker.run(os.getpid)
    assert first != os.getpid() and worker.run(math.hypot, 3, 4) == 5.0
    with pytest.raises(ValueError, match="math domain error"):
        worker.run(math.sqrt, -1)
    assert worker.run(os.getpid) == first  # the same worker after a result and an error
    with pytest.raises(worker.WorkerError, match="could not be sent back"):
        worker.run(threading.Lock)  # a lock does not pickle: the caller hears so
    assert worker.run(os.getpid) == first


def test_a_stop_kills_the_worker_at_once_and_the_next_call_works():
    stop = threading.Event()
    th, box = busy_call(stop)
    pid = wait_for_worker()
    t0 = time.monotonic()
    stop.set()
    th.join(5)
    took = time.monotonic() - t0
    assert box and isinstance(box[0], worker.Stopped), box
    assert took < 1.0, took
    assert gone(pid) and pid not in our_children(), "the stopped worker is still there"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).ppid() != os.getpid()  # reaped by us
    assert worker.run(math.hypot, 6, 8) == 10.0  # a new worker for the next call
    assert pid not in worker.pids()


def test_a_stop_already_set_starts_nothing():
    stop = threading.Event()
    stop.set()
    before = worker.pids()
    with pytest.raises(worker.Stopped):
        worker.run(time.sleep, 10, stop=stop)
    assert worker.pids() == before


def test_idle_workers_are_bounded_and_shutdown_reaps_them():
    stops = [threading.Event() for _ in range(worker.KEEP_IDLE + 1)]
    calls = [threading.Thread(target=worker.run, args=(time.sleep, 1.0), kwargs=dict(stop=s), daemon=True)
             for s in stops]
    for th in calls:
        th.start()
    for th in calls:
        th.join(30)
    assert len(worker.pids()) == worker.KEEP_IDLE  # three at once; two kept for later
    pids = worker.pids()
    worker.shutdown()
    try:
        assert worker.pids() == [] and all(gone(p) for p in pids) and not set(pids) & set(our_children())
        with pytest.raises(worker.WorkerError):
            worker.run(os.getpid)
    finally:
        worker.reopen()
    assert worker.run(math.hypot, 3, 4) == 5.0


SCRIPT = """
import os, signal, sys, threading, time
from explorer import worker
threading.Thread(target=worker.run, args=(exec, "while True: pass"), daemon=True).start()
while not worker.pids():
    time.sleep(0.05)
time.sleep(0.5)
print(worker.pids()[0], flush=True)
if sys.argv[1] == "killed":
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("how", ["exits", "killed"])
def test_a_worker_never_outlives_its_server(how):
    """A normal exit kills and reaps the worker in the middle of its call (atexit); a server that
    is killed leaves a worker that notices within a second and exits by itself (its check needs
    the GIL, which a Python loop, like UMAP's epochs or t-SNE's iterations, hands over often)."""
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", SCRIPT, how], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    pid = int(out.stdout.split()[0])
    if how == "exits":
        assert out.returncode == 0, out.stderr[-2000:]
        assert gone(pid), "the worker outlived a normal exit"
    else:
        deadline = time.monotonic() + 3
        while not gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(pid), "the worker outlived a killed server"
    assert time.monotonic() - t0 < 30


def test_a_worker_keeps_numbas_compiled_code_on_disk(tmp_path):
    """In a worker, numba caches what umap-learn compiles (it mostly does not ask to): a new worker,
    after a stop killed the last one, loads it instead of compiling it again (~12 s of CPU)."""
    (tmp_path / "jitted.py").write_text("import numba\n\n@numba.njit\ndef add(a, b):\n    return a + b\n")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from explorer.worker import cache_compiled_code; "
            "cache_compiled_code(); import jitted; print(jitted.add(2, 3), type(jitted.add._cache).__name__)")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert out.stdout.split() == ["5", "FunctionCache"], out.stderr[-2000:]
    assert list((tmp_path / "cache").rglob("*.nbi")), "nothing written to numba's cache"


def imported(name: str) -> bool:
    """In a worker: whether ``name`` is imported there."""
    return name in sys.modules


def load(name: str) -> None:
    """In a worker: import ``name``."""
    __import__(name)


def test_prime_readies_workers_that_the_next_parallel_calls_use():
    """The app's warm-up primes as many workers as runs go at once (explorer.ui.basics.warm_up):
    both calls of a burst then find the module imported, in the primed processes, no new one."""
    worker.shutdown()
    worker.reopen()
    assert worker.prime(5, load, "wave") == worker.KEEP_IDLE  # at most what is kept
    primed = worker.pids()
    assert len(primed) == worker.KEEP_IDLE
    answers: list = []
    calls = [threading.Thread(target=lambda: answers.append((worker.run(os.getpid), worker.run(imported, "wave"))))
             for _ in range(worker.KEEP_IDLE)]
    for th in calls:
        th.start()
    for th in calls:
        th.join(30)
    assert all(seen for _, seen in answers) and len(answers) == worker.KEEP_IDLE
    assert {pid for pid, _ in answers} <= set(primed) and worker.pids() == primed
    with pytest.raises(ModuleNotFoundError):
        worker.prime(1, load, "no_such_module_here")
    assert worker.run(math.hypot, 3, 4) == 5.0
