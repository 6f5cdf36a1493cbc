"""The app's background warm-up: the one-time costs of every tab (imports, models loaded and run
once, compiled code), paid before a user does, without getting in a training's way.

First what a training needs (``first``: a teacher may click Train as soon as the page opens),
started at once; then, ``delay`` s later, the other tabs' ``steps``, one at a time, each waiting
while ``busy()`` says a training runs (app.py passes the Train tab's ``active_runs``), up to
``yield_s``: on 2 cores a warm-up running beside the first training takes half the CPU and much of
the GIL from it.

A step wrapped in :class:`OneAtATime` fills a cache on disk that the machine's processes share
(:mod:`explorer.diskcache`: numba's compiled code, the embedded class names): it runs in one
process at a time, so when several app processes start together (``make run WORKERS=N``, the test
suite's servers) the second loads what the first computed instead of computing it beside it. A
step whose lock another process holds is put back after the others (once), so the wait does not
hold them up.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from explorer import diskcache

YIELD_S = 60.0  # a class that trains without pause still gets the other tabs warmed
LOCK_WAIT_S = 120.0  # another process's step that takes longer is not waited for: run beside it


@dataclass(frozen=True)
class OneAtATime:
    """A warm-up step that fills a cache the machine's processes share: while another process
    runs the step of the same ``name``, this one waits (up to ``LOCK_WAIT_S``)."""

    fn: Callable[[], object]
    name: str

    def __call__(self) -> object:
        return self.fn()


class WarmUp(threading.Thread):
    """``WarmUp(first, steps, delay, busy=..., wait_idle=...).start()``; ``end()`` at exit. A daemon
    thread: a pending warm-up never keeps the program alive. ``busy()`` is true while something the
    warm-up must not slow down runs; ``wait_idle(timeout)`` waits for it to end."""

    def __init__(self, first: Callable[[], object], steps: Sequence[Callable[[], object]], delay: float,
                 yield_s: float = YIELD_S, busy: Callable[[], object] = lambda: False,
                 wait_idle: Callable[[float], object] = time.sleep):
        super().__init__(name="dle-warm-up", daemon=True)
        self.first, self.steps, self.delay, self.yield_s = first, list(steps), delay, yield_s
        self.busy, self.wait_idle = busy, wait_idle
        self.stopping = threading.Event()
        self.done: list[int] = []  # indices of the steps that ran (``first`` is -1)

    def run(self) -> None:
        t0 = time.monotonic()
        try:
            self.first()
            self.done.append(-1)
            if self.stopping.wait(max(0.0, self.delay - (time.monotonic() - t0))):
                return
            todo, deferred = list(enumerate(self.steps)), set()
            while todo:
                i, step = todo.pop(0)
                deadline = time.monotonic() + self.yield_s
                while self.busy() and time.monotonic() < deadline and not self.stopping.is_set():
                    self.wait_idle(0.25)
                if self.stopping.is_set():
                    return
                if isinstance(step, OneAtATime):
                    # held by another process: the other steps first, then wait for it (once)
                    wait = LOCK_WAIT_S if i in deferred or not todo else 0.0
                    with diskcache.one_at_a_time(step.name, wait, self.stopping.is_set) as held:
                        if self.stopping.is_set():
                            return
                        if not held and not wait:
                            deferred.add(i)
                            todo.append((i, step))
                            continue
                        step()
                else:
                    step()
                self.done.append(i)
        except Exception as err:
            print(f"warm-up skipped: {err}", flush=True)

    def end(self, timeout: float = 30.0) -> None:
        """At exit: no further step; let a running one finish (a thread killed inside torch's C++
        code aborts the process). atexit runs before daemon threads are stopped."""
        self.stopping.set()
        self.join(timeout=timeout)
