"""Cancelling any long run frees the CPU within 1 s (issue 8): training (/train then /stop), a UMAP
or t-SNE map (/embedding_map then /stop_map; issue 16: both run in a worker process, which the
stop kills), a PGD ε sweep (/epsilon_sweep then /stop_attack), DDPM sampling (/denoise then
/denoise_pause), activation maximisation (/maximize then /stop_maximize) and "Mi archivo"
(/archive then /stop_archive).

Measured on the server process (tests/api/app_process.py: the app alone in its own process), not
on the request: its CPU time and that of its worker processes (psutil) is sampled every 50 ms
from the moment the stop call is sent, and the run counts as stopped from the first instant after
which every 0.25 s window stays below 15 % of one core (an idle server, with its heartbeats, uses
0-8 %). That instant must come within 1 s. Each case first checks the run really was using the
CPU. The machine is shared, so a case that misses is measured once more and both figures are
reported.
"""
from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from gradio_client import handle_file

from explorer.train.scenarios import SCENARIOS
from tests.conftest import ARTIFACTS, api_client

pytestmark = pytest.mark.slow

QUIET = 15.0  # % of one core: below this the run is over
BUSY = 60.0  # % of one core: at least this before the stop, or the run was not running
BOUND_S = 1.0  # the bound
WINDOW_S, SAMPLE_S, TRACE_S = 0.25, 0.05, 2.0

QUICK = {k: (list(v) if isinstance(v, tuple) else v) for k, v in SCENARIOS["quick"].settings.items()}
RESULTS: dict[str, list[dict]] = {}


def cpu_trace(srv, seconds: float) -> list[tuple[float, float]]:
    """(time since start, server CPU seconds since start) every SAMPLE_S for ``seconds``."""
    t0, c0 = time.monotonic(), srv.cpu_seconds()
    out = [(0.0, 0.0)]
    while out[-1][0] < seconds:
        time.sleep(SAMPLE_S)
        out.append((time.monotonic() - t0, srv.cpu_seconds() - c0))
    return out


def windows(trace) -> list[tuple[float, float]]:
    """(start, % of one core) of every WINDOW_S window starting at a sample."""
    res = []
    for i, (t, c) in enumerate(trace):
        for t2, c2 in trace[i + 1:]:
            if t2 - t >= WINDOW_S - 1e-3:
                res.append((t, 100.0 * (c2 - c) / (t2 - t)))
                break
    return res


def time_to_quiet(trace) -> float | None:
    """The earliest start after which every window is below QUIET; None if the trace never gets there."""
    ws = windows(trace)
    for i, (t, _) in enumerate(ws):
        if all(p < QUIET for _, p in ws[i:]):
            return t
    return None


def cpu_percent(srv, seconds: float = 0.5) -> float:
    tr = cpu_trace(srv, seconds)
    return 100.0 * tr[-1][1] / tr[-1][0]


def wait_quiet(srv, timeout: float = 20.0) -> None:
    """Until the previous case's work (and anything else) has left the server: its session's
    memory handed back too (explorer.session.RELEASE_AFTER_S after it left, a collection and a trim
    that fell inside the next case's trace and made a stopped run look busy), then a quiet CPU."""
    deadline = time.monotonic() + timeout
    while ((st := srv.ask())["sessions"] or st["release_pending"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    while cpu_percent(srv) >= QUIET and time.monotonic() < deadline:
        pass


def wait_busy(srv, job, streamed: bool, timeout: float = 60.0) -> float:
    """Until the run streams its first update (or, unstreamed, uses the CPU); its CPU share then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if job.done():
            raise AssertionError(f"the run ended before it could be stopped: {job.status()}")
        if streamed and not job.outputs():
            time.sleep(0.05)
            continue
        busy = cpu_percent(srv)
        if busy >= BUSY:
            return busy
    raise AssertionError("the run never used the CPU")


def measure(srv, name: str, start, stop, streamed: bool = True, after_s: float = 1.0) -> dict:
    wait_quiet(srv)
    c = api_client(srv.url, download_files=False)
    try:
        job = start(c)
        wait_busy(srv, job, streamed)
        time.sleep(after_s)  # well inside the run
        busy = cpu_percent(srv)
        stop(c, job)  # the trace starts as the stop call is sent
        trace = cpu_trace(srv, TRACE_S)
        quiet = time_to_quiet(trace)
        stacks = srv.ask("stacks") if quiet is None or quiet > BOUND_S else None
        job_end = time.monotonic() + 30
        while not job.done() and time.monotonic() < job_end:
            time.sleep(0.1)
        return {"case": name, "busy_before_percent": round(busy),
                "time_to_quiet_s": None if quiet is None else round(quiet, 2),
                "windows_percent": [(round(t, 2), round(p)) for t, p in windows(trace)][::2],
                "job_done": job.done(), "stacks": stacks}
    finally:
        c.close()


def check(srv, name: str, start, stop, **kw) -> None:
    runs = []
    for _attempt in range(3):  # a shared machine: more measurements if the first misses
        r = measure(srv, name, start, stop, **kw)
        runs.append(r)
        ok = r["busy_before_percent"] >= BUSY and r["time_to_quiet_s"] is not None \
            and r["time_to_quiet_s"] <= BOUND_S and r["job_done"]
        if ok:
            break
    RESULTS[name] = [{k: v for k, v in r.items() if k != "stacks"} for r in runs]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "cancel.json").write_text(json.dumps(RESULTS, indent=1))
    print(f"\n{name}: " + "; ".join(
        f"busy {r['busy_before_percent']} % before, quiet {r['time_to_quiet_s']} s after the stop"
        for r in runs))
    assert ok, runs


def test_stop_training(app_process):
    check(app_process, "train",
          lambda c: c.submit(**dict(QUICK, epochs=5), lang="en", api_name="/train"),
          lambda c, job: c.predict(api_name="/stop"))


def test_stop_umap(app_process):
    # n_neighbors 16: not a shipped map, so it is computed (k-NN graph, spectral start, epochs)
    def start(c):
        return c.submit("cnn", "umap", 2, 16, 0.1, False, "en", api_name="/embedding_map")

    check(app_process, "umap", start, lambda c, job: c.predict(api_name="/stop_map"), streamed=False)


def test_stop_tsne(app_process):
    # t-SNE of the tab's 2,000-image sample: several seconds in one library call, which only
    # killing its worker process can stop
    def start(c):
        return c.submit("cnn", "tsne", 2, 15, 0.1, False, "en", api_name="/embedding_map")

    check(app_process, "tsne", start, lambda c, job: c.predict(api_name="/stop_map"), streamed=False)


def test_stop_pgd_sweep(app_process):
    check(app_process, "pgd_sweep",
          lambda c: c.submit(["fashion", "fashion_adv"], "pgd", 2000, 64, 40, "en", api_name="/epsilon_sweep"),
          lambda c, job: c.predict(api_name="/stop_attack"))


def test_pause_ddpm(app_process):
    check(app_process, "ddpm",
          lambda c: c.submit("9", 3, 0, "ddpm", 50, 0, 1, "en", api_name="/denoise"),
          lambda c, job: c.predict(api_name="/denoise_pause"))


def test_stop_maximize(app_process):
    check(app_process, "maximize",
          lambda c: c.submit("imagenet", "_blocks.10", 5, 256, 0.05, 4, 0.5, 0, "en", api_name="/maximize"),
          lambda c, job: c.predict(api_name="/stop_maximize"))


def test_stop_archive(app_process, tmp_path):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    base = Image.fromarray((rng.random((64, 64, 3)) * 255).astype(np.uint8)).resize((1600, 1200))
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for i in range(150):
            buf = io.BytesIO()
            base.rotate(i * 2.4).save(buf, "JPEG", quality=80)
            z.writestr(f"foto_{i:03d}.jpg", buf.getvalue())
    check(app_process, "archive",
          lambda c: c.submit([handle_file(str(path))], 0.95, "en", api_name="/archive"),
          lambda c, job: c.predict(api_name="/stop_archive"), streamed=False, after_s=0.3)
