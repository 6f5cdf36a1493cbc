import threading
import time

import pytest

from explorer.streaming import newest_first


def test_slow_consumer_gets_the_newest_items_and_the_last():
    def produce():
        for i in range(200):
            time.sleep(0.001)
            yield i

    got = []
    for item in newest_first(produce):
        got.append(item)
        time.sleep(0.02)
    assert got[-1] == 199 and got == sorted(got) and len(got) < 200


def test_merge_folds_skipped_items():
    def produce():
        yield from ({"i": i, "grid": i if i % 10 == 0 else None} for i in range(50))

    def merge(old, new):
        return dict(new, grid=new["grid"] if new["grid"] is not None else old["grid"])

    items = []
    for it in newest_first(produce, merge=merge):
        items.append(it)
        time.sleep(0.01)
    assert items[-1]["i"] == 49 and items[-1]["grid"] == 40


def test_errors_reach_the_consumer_after_earlier_items():
    def produce():
        yield 1
        raise ValueError("bad")

    it = newest_first(produce)
    assert next(it) == 1
    with pytest.raises(ValueError, match="bad"):
        next(it)


def endless(stop: threading.Event):
    """A producer that runs until ``stop`` is set."""
    def produce():
        while not stop.is_set():
            time.sleep(0.001)
            yield 0
    return produce


def test_closing_the_consumer_calls_on_close():
    stop = threading.Event()
    it = newest_first(endless(stop), on_close=stop.set)
    next(it)
    it.close()
    assert stop.wait(1.0)


def test_running_producers_are_stopped_at_exit():
    from explorer import streaming

    stop = threading.Event()
    it = newest_first(endless(stop), on_close=stop.set)
    next(it)
    assert streaming._live
    streaming.stop_all(timeout=2.0)
    assert stop.is_set() and not streaming._live


def test_producer_runs_at_the_nice_value_given():
    """A training's thread yields the CPU to interactive requests (Linux nice is per thread); the
    consumer's own priority is left alone."""
    import os

    if not hasattr(os, "getpriority"):
        pytest.skip("no thread priorities here")
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def produce():
        yield os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert list(newest_first(produce, nice=mine + 5)) == [mine + 5]
    assert list(newest_first(produce)) == [mine]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine
