"""``python app.py`` as deployed, in a process of its own, for the tests that measure the server
process itself (its memory after sessions leave, its CPU after a run is cancelled): there the
test's own threads and clients must not count.

    .venv/bin/python tests/api/app_process.py        # prints {"url": ...} once it serves

The app is built and launched exactly as ``app.py`` does (``build_demo()``, ``launch_kwargs()``);
only the main thread, which ``app.py`` would park in ``launch()``, reads one command per line on
stdin and answers one JSON line on stdout. It looks at the process from inside; it changes
nothing in the app:

- ``stats``: sessions in the app's store, sessions Gradio still holds, threads, resident memory,
  whether the launch-time warm-up is still running, the ``dle-session-*`` folders in the temp dir;
- ``gc``: ``gc.collect()`` first, then the same;
- ``trim``: ``gc.collect()`` and glibc's ``malloc_trim(0)`` (memory the allocator keeps for reuse
  handed back to the system), then the same;
- ``stacks``: where every thread is (for a test's failure message);
- ``types``: how many objects the garbage collector tracks, by type (to tell a leak of Python
  objects from memory held below Python);
- ``snap``: with ``DLE_TRACEMALLOC=1`` in the environment (tracemalloc then runs from the start),
  the 20 source lines whose Python allocations grew most since the previous ``snap``;
- ``quit``: close the server and exit.
"""
from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc
        pass


def stats(demo) -> dict:
    from explorer.ui.gradio_internals import gradio_session_count

    # the warm-up is explorer.warm.WarmUp, a thread of that name (a threading.Timer once: when it
    # changed, this saw no warm-up, and the first stop measured its CPU after the training's)
    warming = any(t.name == "dle-warm-up" and t.is_alive() for t in threading.enumerate())
    return {
        "sessions": len(demo.dle_store),
        "releases": demo.dle_store.releases,
        "release_pending": demo.dle_store.release_pending,
        "gradio_sessions": gradio_session_count(demo),
        "threads": threading.active_count(),
        "rss": _rss(),
        "warming_up": warming,
        "tmpdirs": sorted(p.name for p in Path(tempfile.gettempdir()).glob("dle-session-*")),
    }


def stacks() -> dict:
    import traceback

    names = {t.ident: t.name for t in threading.enumerate()}
    return {"stacks": {f"{names.get(tid, '?')} {tid}": [f"{f.filename.split('site-packages/')[-1]}:{f.lineno} {f.name}"
                                                 for f in traceback.extract_stack(frame)[-6:]]
                       for tid, frame in sys._current_frames().items()}}


def types() -> dict:
    from collections import Counter

    objs = gc.get_objects()
    return {"objects": len(objs), "types": Counter(type(o).__name__ for o in objs).most_common(25)}


_last_snapshot = None


def snap() -> dict:
    global _last_snapshot
    import tracemalloc

    if not tracemalloc.is_tracing():
        return {"error": "start the process with DLE_TRACEMALLOC=1"}
    gc.collect()
    now = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    top = [] if _last_snapshot is None else now.compare_to(_last_snapshot, "lineno")[:20]
    _last_snapshot = now
    return {"traced_mb": tracemalloc.get_traced_memory()[0] / 2**20,
            "grew": [f"{s.size_diff / 2**10:+.0f} KiB {s.count_diff:+d} {s.traceback[0]}" for s in top]}


def main() -> None:
    if os.environ.get("DLE_TRACEMALLOC"):
        import tracemalloc

        tracemalloc.start(1)
    import app

    demo = app.build_demo()
    demo.launch(prevent_thread_lock=True, quiet=True, **app.launch_kwargs())
    print(json.dumps({"url": demo.local_url, "pid": os.getpid()}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        t0 = time.perf_counter()
        if cmd in ("gc", "trim"):
            gc.collect()
        if cmd == "trim":
            _trim()
        out = (stacks() if cmd == "stacks" else types() if cmd == "types" else snap() if cmd == "snap"
               else stats(demo))
        out["took_s"] = round(time.perf_counter() - t0, 4)
        print(json.dumps(out), flush=True)
    demo.close()


if __name__ == "__main__":
    main()
