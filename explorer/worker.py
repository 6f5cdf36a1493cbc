"""Run a function in a child process that a stop event terminates.

Some computations cannot be interrupted from inside: umap-learn's fit (numba code, ARPACK) and
scikit-learn's t-SNE run for seconds to minutes with no callback. Instead of reaching into those
libraries, they run here, in a worker process: a stop kills the process, and the CPU is free at
once. ::

    Y = worker.run(fit.umap_layout, X, idx, dist, 2, 15, 0.1, 0, 200, None, stop=stop_event)

``run`` raises :class:`Stopped` when ``stop`` (anything with ``is_set()``) is set before the call
returns; the function's own exceptions are raised again in the caller. ``fn`` and its arguments are
pickled, so ``fn`` must be a module-level function of a module the child can import (keep such
modules free of heavy imports the child does not need: torch is not needed for a UMAP).

The workers: each is ``python -m explorer.worker`` (an executed interpreter, not a fork of this
process, whose threads and locks a fork would copy half-way), talking over a socket pair. Up to
:data:`KEEP_IDLE` of them are kept between calls, so what a worker loads or compiles once (umap's
numba code: ~8 s of compilation in each new process) serves the next call; a call that is stopped
takes its worker with it, and the next call starts a new one. Why not ``multiprocessing``'s own
processes: its ``spawn`` and ``forkserver`` start methods import the program's main module in each
child — for ``python app.py`` that is Gradio, torch and every tab: measured on the 2-core machine
(busy), a child was ready after 7.4-9.8 s either way, a ``python -m explorer.worker`` after 0.1 s
(then ~1.5 s to import umap-learn on a quiet machine).

Hygiene: a worker ignores Ctrl-C (the server decides when it ends), exits by itself when the server
process is gone (it checks its parent every :data:`ORPHAN_CHECK_S` s, in a thread: a call that
holds the GIL for long delays that check, but UMAP's epochs and t-SNE's iterations are Python
loops), and every worker still alive when the server exits normally is killed and reaped
(``atexit``). Killed workers are always reaped (``wait``): no zombies.
"""
from __future__ import annotations

import atexit
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[1]
KEEP_IDLE = 2  # idle workers kept for the next calls (the Embeddings tab runs up to two at once)
POLL_S = 0.05  # how often a waiting call looks at its stop event
ORPHAN_CHECK_S = 0.5  # how often a worker checks that the server is still there


class StopEvent(Protocol):
    def is_set(self) -> bool: ...


class Stopped(Exception):
    """The call's stop event was set: its worker was killed before the call returned."""


class WorkerError(RuntimeError):
    """The worker ended without an answer (killed from outside, out of memory, ...), or the
    function's exception could not be sent back (the remote traceback is in the message)."""


class _Worker:
    """One child process and the parent's end of its connection."""

    def __init__(self) -> None:
        here, there = Pipe(duplex=True)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "explorer.worker", str(there.fileno()), str(os.getpid())],
                pass_fds=(there.fileno(),), cwd=ROOT, stdin=subprocess.DEVNULL,
                stdout=2)  # its prints go to stderr: a server's stdout may be a protocol (tests)
        finally:
            there.close()
        self.conn: Connection = here

    @property
    def pid(self) -> int:
        return self.proc.pid

    def call(self, fn: Callable, args: tuple, kwargs: dict, stop: StopEvent | None) -> tuple[bool, Any]:
        """Send the call and wait for ``(ok, result or exception)``; :class:`Stopped` when ``stop``
        is set first (the worker is then killed), :class:`WorkerError` when the worker is gone."""
        self.send(fn, args, kwargs)
        return self.answer(stop)

    def send(self, fn: Callable, args: tuple, kwargs: dict) -> None:
        try:
            self.conn.send((fn, args, kwargs))
        except (EOFError, OSError) as err:
            raise WorkerError(f"the worker process ended (exit code {self.proc.poll()})") from err

    def answer(self, stop: StopEvent | None = None) -> tuple[bool, Any]:
        """The sent call's ``(ok, result or exception)`` (see :meth:`call`)."""
        try:
            while not self.conn.poll(POLL_S):
                if stop is not None and stop.is_set():
                    self.kill()
                    raise Stopped
                if self.proc.poll() is not None:
                    break
            data = self.conn.recv_bytes()
        except (EOFError, OSError) as err:
            raise WorkerError(f"the worker process ended (exit code {self.proc.poll()})") from err
        try:
            answer = pickle.loads(data)
        except Exception as err:  # an answer that does not unpickle here
            raise WorkerError(f"the worker's answer could not be read: {err!r}") from err
        return answer

    def kill(self) -> None:
        """SIGKILL and reap (nothing to clean up in the worker: it holds no files or locks of ours)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.conn.close()

    def close(self) -> None:
        """Ask an idle worker to exit (its connection closes), then reap it; kill if it lingers."""
        self.conn.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()


_lock = threading.Lock()
_idle: list[_Worker] = []
_live: set[_Worker] = set()
_closed = False


def _take() -> _Worker:
    with _lock:
        if _closed:
            raise WorkerError("the program is exiting")
        while _idle:
            w = _idle.pop()  # the most recently used: the warmest
            if w.proc.poll() is None:
                return w
            _live.discard(w)
            w.kill()
        w = _Worker()
        _live.add(w)
        return w


def _give_back(w: _Worker) -> None:
    with _lock:
        if not _closed and w.proc.poll() is None and len(_idle) < KEEP_IDLE:
            _idle.append(w)
            return
        _live.discard(w)
    w.close()


def _drop(w: _Worker) -> None:
    with _lock:
        _live.discard(w)
    w.kill()


def run(fn: Callable, *args: Any, stop: StopEvent | None = None, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a worker process; its result, or its exception raised here.

    When ``stop`` is set before the call returns, the worker is killed (within :data:`POLL_S`) and
    :class:`Stopped` is raised. A stop already set means nothing is started."""
    if stop is not None and stop.is_set():
        raise Stopped
    w = _take()
    try:
        ok, value = w.call(fn, args, kwargs, stop)
    except BaseException:  # stopped, the worker gone, or this thread interrupted mid-call
        _drop(w)
        raise
    _give_back(w)  # the function returned or raised; the worker itself is fine either way
    if ok:
        return value
    raise value


def prime(n: int, fn: Callable, *args: Any) -> int:
    """Have ``n`` workers (at most :data:`KEEP_IDLE`) run ``fn(*args)`` at the same time, then keep
    them idle: what ``fn`` imports or warms is ready in each for the calls that come in parallel
    (a class pressing "Train" at once: each of the two workers imported torch at its first run,
    ~2 s, inside the burst). Returns how many were primed."""
    n = max(0, min(n, KEEP_IDLE))
    taken = [_take() for _ in range(n)]
    primed = 0
    try:
        for w in taken:
            w.send(fn, args, {})
        for w in taken:
            ok, value = w.answer()
            if not ok:
                raise value
            primed += 1
    except BaseException:
        for w in taken:
            _drop(w)
        raise
    for w in taken:
        _give_back(w)
    return primed


def start() -> None:
    """Have an idle worker ready (started, not yet used): the first call does not wait for Python."""
    with _lock:
        if _idle or _closed:
            return
    _give_back(_take())


def pids() -> list[int]:
    """Process ids of the workers alive now, idle or busy (tests, diagnostics)."""
    with _lock:
        return sorted(w.pid for w in _live if w.proc.poll() is None)


def shutdown() -> None:
    """Kill every worker and reap it; later calls raise :class:`WorkerError`. Registered with
    ``atexit``."""
    global _closed
    with _lock:
        _closed = True
        workers = list(_live)
        _live.clear()
        _idle.clear()
    for w in workers:
        w.kill()


atexit.register(shutdown)  # a no-op when no worker was started


def reopen() -> None:
    """Allow workers again after :func:`shutdown` (tests)."""
    global _closed
    with _lock:
        _closed = False


# ---------------------------------------------------------------------------------------------
# The child's side: ``python -m explorer.worker <fd> <server pid>``


def numba_cache_dir() -> str:
    """Point this process's ``NUMBA_CACHE_DIR`` at a writable directory, before anything imports
    numba (a read-only site-packages makes numba fail with "cannot cache function"): a worker sets
    its own environment once, at its start. Keeps an existing writable setting; returns the path."""
    d = os.environ.get("NUMBA_CACHE_DIR")
    if d:
        try:
            os.makedirs(d, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            pass
    d = os.path.join(tempfile.gettempdir(), "numba_cache")
    os.makedirs(d, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = d
    return d


def cache_compiled_code() -> None:
    """Have numba keep what it compiles in :func:`numba_cache_dir`, for the functions of libraries
    imported after this call (umap-learn, pynndescent), which mostly do not ask for it: a new worker
    (the first, or the next after a stop killed one) then loads umap's compiled code from disk
    instead of compiling it again (~8 s of CPU in each new process). A function numba cannot cache
    is compiled as before; numba's warning about it is silenced."""
    import warnings

    import numba
    from numba.core.errors import NumbaWarning

    warnings.simplefilter("ignore", NumbaWarning)
    for name in ("jit", "njit"):
        original = getattr(numba, name)
        if getattr(original, "_dle_caches", False):
            continue

        def caching(*args, _original=original, **kwargs):
            kwargs.setdefault("cache", True)
            return _original(*args, **kwargs)

        caching._dle_caches = True
        setattr(numba, name, caching)


def _watch_parent(parent: int) -> None:
    """Exit when the server is gone (it was killed, or died): nothing else would end a long call."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)


def _reply(conn: Connection, ok: bool, value: Any) -> None:
    """Send ``(ok, value)``; an exception that would not survive the trip (it does not pickle, or
    its class cannot be rebuilt from its args) goes as a :class:`WorkerError` with its traceback."""
    if not ok:
        try:
            pickle.loads(pickle.dumps(value))
        except Exception:
            value = WorkerError("".join(traceback.format_exception(value)))
    try:
        conn.send((ok, value))
    except (pickle.PicklingError, TypeError, AttributeError) as err:
        conn.send((False, WorkerError(f"the result could not be sent back: {err}")))


def serve(fd: int, parent: int) -> None:
    """Answer calls until the server (process ``parent``) closes the connection. The server's pid
    comes from the server itself: one killed while this worker was still starting is noticed too."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which then ends us
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    numba_cache_dir()
    cache_compiled_code()
    conn = Connection(fd)
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            value, ok = fn(*args, **kwargs), True
        except Exception as err:  # sent back and raised in the caller
            value, ok = err, False
        _reply(conn, ok, value)


if __name__ == "__main__":
    from explorer.worker import serve as _serve  # this module by its name: what it sends back unpickles

    _serve(int(sys.argv[1]), int(sys.argv[2]))
