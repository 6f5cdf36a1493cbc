"""Run a producer generator in its own thread and hand the consumer the newest item.

A streaming handler that drives training directly pauses the training while the web server encodes
and sends each frame (measured: the "best" preset took 45.7 s through the API against 34.3 s when
iterated directly). Here the producer never waits for the consumer: items the consumer has not taken
yet are folded into the newest one with ``merge``, so nothing that matters is lost.
"""
from __future__ import annotations

import atexit
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Producers still running, with the callback that asks each to stop. At interpreter exit they are
# stopped and joined: a daemon thread killed inside torch's C++ code aborts the process.
_live: dict[threading.Thread, Callable[[], None] | None] = {}
_live_lock = threading.Lock()


@atexit.register
def stop_all(timeout: float = 5.0) -> None:
    """Ask every running producer to stop and wait for them (at most ``timeout`` seconds)."""
    with _live_lock:
        live = list(_live.items())
    for _, close in live:
        if close is not None:
            close()
    deadline = time.monotonic() + timeout
    for thread, _ in live:
        thread.join(max(0.0, deadline - time.monotonic()))


def lower_priority(nice: int) -> None:
    """Give the calling thread Linux nice value ``nice`` (if higher than its own): the scheduler
    then hands the CPU to every ordinary thread first, and this one gets what is left. The nice
    value is per thread, and the OpenMP threads torch starts from this thread afterwards inherit it.
    Lowering one's own priority needs no privilege; elsewhere than Linux nothing happens."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(nice, os.getpriority(os.PRIO_PROCESS, tid)))
    except OSError:
        pass


def newest_first(make_iter: Callable[[], Iterator[T]], *,
                 merge: Callable[[T, T], T] = lambda old, new: new,
                 on_close: Callable[[], None] | None = None, nice: int = 0) -> Iterator[T]:
    """Iterate ``make_iter()`` in a daemon thread; yield its items as fast as the consumer takes them.

    Args:
        make_iter: builds the producer iterator (called in the worker thread, so its own set-up and
            errors happen there; an exception is re-raised to the consumer after earlier items).
        merge: ``merge(pending, new)`` gives the item to keep when ``new`` arrives before the
            consumer took ``pending`` (default: keep ``new``).
        on_close: called when the consumer stops iterating (finished, closed or cancelled), e.g. to
            ask the producer to stop.
        nice: the producer thread's nice value (:func:`lower_priority`): a training yields the
            CPU to the class's interactive requests and uses whatever they leave.
    """
    cond = threading.Condition()
    pending: deque[T] = deque(maxlen=1)
    state: dict = {"done": False, "error": None}

    def worker() -> None:
        lower_priority(nice)
        try:
            for item in make_iter():
                with cond:
                    pending.append(merge(pending.pop(), item) if pending else item)
                    cond.notify()
        except BaseException as err:
            state["error"] = err
        finally:
            with cond:
                state["done"] = True
                cond.notify()
            with _live_lock:
                _live.pop(threading.current_thread(), None)

    thread = threading.Thread(target=worker, name="newest-first-producer", daemon=True)
    with _live_lock:
        _live[thread] = on_close
    thread.start()
    try:
        while True:
            with cond:
                while not pending and not state["done"]:
                    cond.wait()
                if pending:
                    item = pending.pop()
                elif state["error"] is not None:
                    raise state["error"]
                else:
                    return
            yield item
    finally:
        if on_close is not None:
            on_close()
