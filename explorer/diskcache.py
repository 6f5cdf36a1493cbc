"""What one process computes once and every process of the machine can reuse: kept on disk.

Several app processes start together on one machine — ``make run WORKERS=N`` behind nginx, the
test suite's servers — and each paid the same one-time costs side by side: the 1,860 ImageNet
lemmas embedded by E5 (~8 s of CPU) and numba's compilation of umap-learn (~32 s of CPU; numba
keeps its compiled code in ``NUMBA_CACHE_DIR`` itself, but two processes compiling at the same
moment both compile). Two tools:

* :func:`array` — an array computed by ``make()`` once and kept in :func:`directory` under a name
  and a key (everything the array depends on: the inputs, the model's version); a later process
  with the same key loads it (milliseconds). Written whole (a temporary file renamed), so a reader
  never sees half of one; a file that cannot be read is computed again.
* :func:`one_at_a_time` — an advisory lock (``fcntl.flock``) on a file of :func:`directory`, so a
  warm-up step that fills such a cache runs in one process at a time: the second then loads what
  the first wrote instead of computing it beside it (:class:`explorer.warm.OneAtATime`).

Without ``fcntl`` (Windows), or where the folder cannot be written, the lock is a no-op and nothing
is kept: each process computes, as before. The folder is ``DLE_CACHE_DIR``, by default
``<tempdir>/dle-cache-<user id>`` (one per user: a folder of another user's is neither read nor
written); deleting it only costs the next start time.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

POLL_S = 0.2


def default_directory() -> Path:
    """Where the folder is unless DLE_CACHE_DIR says: one per user in the temp folder."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    return Path(tempfile.gettempdir()) / f"dle-cache-{user}"


def directory() -> Path:
    """The folder (made if need be); OSError if it cannot be."""
    d = Path(os.environ.get("DLE_CACHE_DIR") or default_directory())
    d.mkdir(parents=True, exist_ok=True)
    return d


def digest(key) -> str:
    """A short hash of ``key`` (anything JSON can write)."""
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:20]


def array(name: str, key, make: Callable[[], np.ndarray]) -> np.ndarray:
    """The array kept as ``name`` for ``key``, or ``make()``'s (then kept)."""
    try:
        path = directory() / f"{name}-{digest(key)}.npy"
    except OSError:  # no folder to keep it in
        return np.asarray(make())
    with contextlib.suppress(OSError, ValueError):
        return np.load(path, allow_pickle=False)
    value = np.asarray(make())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.save(f, value, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:  # a read-only or full disk: the value is still good, just not kept
        with contextlib.suppress(OSError):
            tmp.unlink()
    return value


@contextlib.contextmanager
def one_at_a_time(name: str, wait_s: float, stop: Callable[[], bool] = lambda: False) -> Iterator[bool]:
    """Hold the machine-wide lock ``name`` for the block; yields True once held. Waits at most
    ``wait_s`` (then yields False and the block runs anyway: a stuck holder must not stop the
    app) and gives up at once when ``stop()`` (the process is exiting: yields False)."""
    try:
        f = open(directory() / f"{name}.lock", "a") if fcntl is not None else None
    except OSError:  # no folder for the lock: run beside the others
        f = None
    if f is None:
        yield False
        return
    with f:
        deadline = time.monotonic() + wait_s
        held = False
        while not stop():
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(POLL_S)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(f, fcntl.LOCK_UN)
