"""Per-session state (DESIGN, state policy): what one browser session or API client has made — its
trained model, its curves, its files — keyed by Gradio's ``session_hash`` and dropped when the
session ends. Read-only things (datasets, ONNX sessions) are process-wide and live elsewhere.

A module-level mutable model would be a bug: two students would train the same network.
"""
from __future__ import annotations

import ctypes
import gc
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IDLE_TTL_S = 6 * 3600  # sessions that never said goodbye (API clients) are swept after this
RELEASE_AFTER_S = 2.0  # memory is handed back this long after the last session of a burst left


@dataclass
class SessionData:
    model: Any = None  # models.cnn.SmallCNN trained in this session, or None
    params: dict[str, Any] = field(default_factory=dict)  # the validated parameters it was trained with
    history: list[dict] = field(default_factory=list)  # evaluations of the current/last run
    batch_losses: list[tuple[float, float]] = field(default_factory=list)  # (epoch, smoothed loss)
    prev_history: list[dict] = field(default_factory=list)  # the run before, drawn faintly
    last_done: dict[str, Any] | None = None  # summary of the last finished run
    run_id: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    running: bool = False
    # Stop events of other long runs (activation maximisation, UMAP, ...), one per kind of run:
    # a new run replaces the event, so stopping never reaches a run started later.
    cancels: dict[str, threading.Event] = field(default_factory=dict)
    tmpdir: Path | None = None
    last_seen: float = field(default_factory=time.monotonic)
    # "Mi archivo": the last analysed collection (items, vectors, tags, map) and sentence list
    archive: dict[str, Any] | None = None
    archive_text: dict[str, Any] | None = None
    # the classifier "Mi archivo" taught last, for the Saliency tab: an ``explorer.nets.Net``, or
    # the function that makes it (called on the Saliency tab's first use: a copy of EfficientNet)
    archive_net: Any = None
    # The map while the network learns: (step, CPU state_dict) at roughly log-spaced steps of the
    # latest Fashion-MNIST run (explorer.train.views.run), the run they belong to, and the animation
    # computed from them (explorer.embeddings.compute.Frames by run id; only the latest is kept).
    snapshots: list[tuple[int, dict]] = field(default_factory=list)
    snapshot_run: int = 0
    progress_frames: dict[int, Any] = field(default_factory=dict)
    # The Diffusion tab's reverse run (explorer.diffusion.denoiser.ReverseRun): paused, stepped, scrubbed back
    diffusion: Any = None
    # The Fundamentos tab's last network run (explorer.basics.compute.Run): its loss landscape
    basics_run: Any = None

    def workdir(self) -> Path:
        """A private temporary directory for this session's files (exports, uploads)."""
        if self.tmpdir is None or not self.tmpdir.exists():
            self.tmpdir = Path(tempfile.mkdtemp(prefix="dle-session-"))
        return self.tmpdir

    def new_run(self, kind: str) -> threading.Event:
        """A fresh stop event for a run of ``kind``; the previous run of that kind is stopped."""
        old = self.cancels.get(kind)
        if old is not None:
            old.set()
        ev = self.cancels[kind] = threading.Event()
        return ev

    def cancel(self, kind: str) -> None:
        ev = self.cancels.get(kind)
        if ev is not None:
            ev.set()

    def close(self) -> None:
        self.stop.set()
        for ev in self.cancels.values():
            ev.set()
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
        self.model = None
        self.archive = self.archive_text = self.archive_net = None
        self.snapshots = []
        self.progress_frames = {}
        if self.diffusion is not None:
            self.diffusion.pause.set()
            self.diffusion = None


MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def limit_malloc_arenas(n: int = MALLOC_ARENAS) -> bool:
    """Let glibc's malloc use at most ``n`` arenas (as ``MALLOC_ARENA_MAX=n`` would), unless the
    environment already says how many. glibc gives a thread that finds the arenas busy a new one,
    up to 8 per core; Gradio runs every event in a pool of up to 40 threads, so a session's memory
    was spread over many arenas and, freed, stayed there as holes that the next sessions did not
    fill. Measured with tests/api/test_sessions.py's sessions (20 to warm up, then 3 × 30): the
    server grew 1302 -> 1355 -> 1433 -> 1422 MB (+9 %) with glibc's default and 1254 -> 1251 ->
    1241 -> 1266 MB (+1 %) with two arenas. Call it before the threads start. Returns whether it
    was set (False elsewhere than glibc, or when the environment decides)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, int(n)))
    except (OSError, AttributeError):
        return False


def release_memory() -> None:
    """Hand the memory of ended sessions back to the system: a full garbage collection, then
    glibc's ``malloc_trim(0)``. Without the trim glibc keeps freed blocks in its per-thread arenas
    for reuse: measured, 100 sessions that had come and gone left the server 12 % larger than
    before them; with it, a little smaller. The trim takes ~20 ms; elsewhere than glibc it is skipped."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def freeze_startup_heap() -> int:
    """Collect, then move every object alive now into the collector's permanent generation
    (``gc.freeze``): what start-up and the warm-up made (the models, Gradio's blocks and their
    configuration, the imported libraries: 373,000 objects once built, more once warm) is never
    garbage, and every full collection walked it all with the GIL held: 0.2 s once built, ~0.8 s
    once warm (measured; profiled: one at each session release, :func:`release_memory`, plus
    Python's own automatic ones). Frozen, a collection walks only what came after. Called when the app is built and
    again when the warm-up ends; returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class SessionStore:
    """A thread-safe ``session_hash -> SessionData`` map with explicit and idle-time clean-up.
    ``release_after_s`` (None: never) after the last of a burst of sessions left, their memory is
    handed back to the system (:func:`release_memory`)."""

    def __init__(self, idle_ttl_s: float = IDLE_TTL_S, release_after_s: float | None = RELEASE_AFTER_S):
        self._data: dict[str, SessionData] = {}
        self._lock = threading.Lock()
        self.idle_ttl_s = idle_ttl_s
        self.release_after_s = release_after_s
        self._release: threading.Timer | None = None
        self.releases = 0  # releases done (tests read it)
        self._release_lock = threading.Lock()  # _sweep runs under self._lock

    def get(self, key: str | None) -> SessionData:
        key = key or "anonymous"
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            sess = self._data.get(key)
            if sess is None:
                sess = self._data[key] = SessionData()
            sess.last_seen = now
            return sess

    def drop(self, key: str | None) -> None:
        with self._lock:
            sess = self._data.pop(key or "anonymous", None)
        if sess is not None:
            sess.close()
            self._schedule_release()

    def close_all(self) -> None:
        """End every session (their temp folders go): the server is ending. Registered with
        ``atexit`` by app.py; without it each session still open at exit left its folder behind."""
        with self._lock:
            sessions, self._data = list(self._data.values()), {}
        for sess in sessions:
            sess.close()

    def _sweep(self, now: float) -> None:
        stale = [k for k, s in self._data.items()
                 if not s.running and now - s.last_seen > self.idle_ttl_s]
        for k in stale:
            self._data.pop(k).close()
        if stale:
            self._schedule_release()

    def _schedule_release(self) -> None:
        """One release after a burst of departures (a class leaving), not one per session."""
        if self.release_after_s is None:
            return
        timer = threading.Timer(self.release_after_s, self._released)
        timer.daemon = True
        with self._release_lock:
            if self._release is not None:
                self._release.cancel()
            self._release = timer
        timer.start()

    def _released(self) -> None:
        release_memory()
        self.releases += 1

    @property
    def release_pending(self) -> bool:
        """Whether a release is scheduled or running (tests wait for it before reading memory)."""
        r = self._release
        return r is not None and r.is_alive()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: str) -> bool:
        return key in self._data
