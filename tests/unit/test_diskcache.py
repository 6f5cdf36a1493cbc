"""explorer.diskcache: arrays computed once per machine, and warm-up steps that fill them run by one
process at a time (explorer.warm.OneAtATime)."""
import threading
import time

import numpy as np
import pytest

from explorer import diskcache
from explorer.warm import OneAtATime, WarmUp


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DLE_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_an_array_is_made_once_per_key_and_a_damaged_file_is_made_again(cache_dir):
    made = []

    def make(v):
        made.append(v)
        return np.full((3, 2), v, np.float32)

    a = diskcache.array("x", ["k", 1], lambda: make(1.0))
    b = diskcache.array("x", ["k", 1], lambda: make(2.0))  # same key: read, not made
    assert made == [1.0] and b.dtype == np.float32 and (b == 1.0).all() and (a == b).all()
    c = diskcache.array("x", ["k", 2], lambda: make(3.0))  # another key: made, kept apart
    assert made == [1.0, 3.0] and (c == 3.0).all() and len(list(cache_dir.glob("x-*.npy"))) == 2
    for f in cache_dir.glob("x-*.npy"):
        f.write_bytes(b"\x93NUMPY half a file")
    assert (diskcache.array("x", ["k", 1], lambda: make(4.0)) == 4.0).all() and made[-1] == 4.0
    assert not list(cache_dir.glob(".*.tmp"))  # every file written whole, then renamed


def test_one_process_at_a_time_waits_gives_up_and_stops(cache_dir):
    order = []
    holding = threading.Event()

    def first():
        with diskcache.one_at_a_time("step", wait_s=10) as held:
            order.append(("first", held))
            holding.set()
            time.sleep(0.6)
            order.append("first done")

    th = threading.Thread(target=first)
    th.start()
    assert holding.wait(5)
    with diskcache.one_at_a_time("step", wait_s=10) as held:  # another open file: another holder
        order.append(("second", held))
    th.join()
    assert order == [("first", True), "first done", ("second", True)]
    with diskcache.one_at_a_time("step", wait_s=10):
        t0 = time.monotonic()
        with diskcache.one_at_a_time("step", wait_s=0.3) as held:  # a stuck holder is not waited for
            assert not held and 0.3 <= time.monotonic() - t0 < 2
        t0 = time.monotonic()
        with diskcache.one_at_a_time("step", wait_s=60, stop=lambda: True) as held:  # exiting: at once
            assert not held and time.monotonic() - t0 < 0.5


def test_two_warm_ups_run_a_shared_step_one_after_the_other():
    """Two app processes starting together (here: two warm-ups): the step that fills a shared
    cache never runs in both at once, and the other steps are not held back."""
    inside, overlaps, ran = [], [], []
    lock = threading.Lock()

    def shared():
        with lock:
            inside.append(1)
            overlaps.append(len(inside))
        time.sleep(0.4)
        with lock:
            inside.pop()
        ran.append("shared")

    warm = [WarmUp(lambda: None, [OneAtATime(shared, "umap-test"), lambda: ran.append("own")], delay=0.0)
            for _ in range(2)]
    for w in warm:
        w.start()
    for w in warm:
        w.join(timeout=10)
    assert overlaps == [1, 1] and sorted(ran) == ["own", "own", "shared", "shared"]
    assert all(sorted(w.done) == [-1, 0, 1] for w in warm)


def test_a_step_another_process_holds_waits_behind_the_others():
    """Another process fills the cache (the lock is held): this warm-up does its other steps
    first, then waits for the lock and runs the step once it is free."""
    ran = []
    with diskcache.one_at_a_time("umap-held", wait_s=1) as held:
        assert held
        w = WarmUp(lambda: None, [OneAtATime(lambda: ran.append("shared"), "umap-held"),
                                  lambda: ran.append("a"), lambda: ran.append("b")], delay=0.0)
        w.start()
        time.sleep(0.8)
        assert ran == ["a", "b"] and w.is_alive()  # waiting for the lock, the others done
    w.join(timeout=5)
    assert ran == ["a", "b", "shared"] and w.done == [-1, 1, 2, 0]


def test_without_a_folder_to_keep_things_in_everything_still_runs(tmp_path, monkeypatch):
    """DLE_CACHE_DIR under a file (a folder that cannot be made: a read-only disk, another user's
    folder): the array is made each time and the step runs unlocked, never an exception (a warm-up
    step that raised would end the whole warm-up)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DLE_CACHE_DIR", str(blocker / "cache"))
    made = []
    for _ in range(2):
        assert (diskcache.array("x", [1], lambda: made.append(1) or np.ones(2)) == 1).all()
    assert made == [1, 1]
    with diskcache.one_at_a_time("step", wait_s=1) as held:
        assert not held
    w = WarmUp(lambda: None, [OneAtATime(lambda: made.append(2), "s")], delay=0.0)
    w.start()
    w.join(timeout=5)
    assert w.done == [-1, 0] and made[-1] == 2
