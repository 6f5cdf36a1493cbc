"""Sessions are cleaned up when the browser leaves (issue 8): after 100 sessions come and go, the
server's memory returns to within 10 % of its baseline and their temporary folders are gone.

How a session leaves: every ``gradio_client.Client`` holds Gradio's heartbeat stream open
(``/gradio_api/heartbeat/{session_hash}``, as a browser tab does); ``Client.close()`` ends it, and
when the server sees the stream close it runs ``demo.unload`` for that session — the same path as
a closed tab. The server (tests/api/app_process.py) beats every second instead of Gradio's 15 s
(``GRADIO_HEARTBEAT_INTERVAL``) so the test does not wait.

Each session makes something a student leaves behind: half of them a diffusion run with its
recorded steps (/denoise_step), the other half an analysed photo collection with its files in the
session's temporary folder (/archive), and every twentieth also a trained model saved as a
checkpoint (/train, /download_checkpoint).

Memory is the server process's resident set as the app leaves it (nothing forced from here): when
sessions have left, the app collects garbage and hands freed memory back to the system
(explorer.session.release_memory), and glibc keeps at most two malloc arenas, so that memory is
reused rather than stranded in one arena per worker thread (explorer.session.limit_malloc_arenas,
called by app.py). The baseline is taken after a first round of sessions has come
and gone, so what is loaded once per process (models, ONNX Runtime sessions, compiled code) is
already there.
"""
from __future__ import annotations

import io
import json
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from explorer.session import RELEASE_AFTER_S
from explorer.train.scenarios import SCENARIOS
from tests.conftest import ARTIFACTS, api_client

pytestmark = pytest.mark.slow

N_SESSIONS = 100
WARM_SESSIONS = 20  # measured: the resident set stops growing after the first few dozen
AT_ONCE = 4  # sessions alive at the same time
TOLERANCE = 0.10

TINY_TRAIN = {k: (list(v) if isinstance(v, tuple) else v) for k, v in SCENARIOS["quick"].settings.items()}
TINY_TRAIN.update(train_size=1000, epochs=1)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A small collection: a zip of eight JPEG photos (two of them the same picture)."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("photos") / "coleccion.zip"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(8):
            img = Image.fromarray((rng.random((24, 32, 3)) * 255).astype(np.uint8)).resize((320, 240))
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=85)
            z.writestr(f"foto_{i}.jpg", buf.getvalue())
            if i == 0:
                z.writestr("copia_de_foto_0.jpg", buf.getvalue())
    return path


def one_session(url: str, i: int, photos) -> None:
    c = api_client(url, download_files=False)
    try:
        if i % 2:
            *_, summary = c.predict(str(i % 10), 3, i, "ddim", 20, 0, 1, "en", api_name="/denoise_step")
            assert summary["steps_done"] == 1
        else:
            *_, summary = c.predict([handle_file(str(photos))], 0.95, "en", api_name="/archive")
            assert len(summary["files"]) == 9, summary
        if i % 20 == 0:
            for _ in c.submit(**dict(TINY_TRAIN, seed=i), lang="en", api_name="/train"):
                pass
            assert c.predict("en", api_name="/download_checkpoint")
    finally:
        c.close()  # ends the heartbeat: the server runs demo.unload for this session


def come_and_go(srv, n: int, photos) -> dict:
    """``n`` sessions, AT_ONCE at a time; then the server's state once they have all left and the
    app has handed their memory back (explorer.session.RELEASE_AFTER_S after the last one)."""
    t0, cpu0, me0 = time.monotonic(), srv.cpu_seconds(), time.process_time()
    releases0 = srv.ask()["releases"]
    with ThreadPoolExecutor(AT_ONCE) as pool:
        list(pool.map(lambda i: one_session(srv.url, i, photos), range(n)))
    ran = time.monotonic() - t0
    deadline = time.monotonic() + 60
    st = srv.ask()
    while (st["sessions"] or st["tmpdirs"] or st["gradio_sessions"]) and time.monotonic() < deadline:
        time.sleep(0.25)
        st = srv.ask()
    left = time.monotonic() - t0 - ran
    # the app hands the memory back RELEASE_AFTER_S after the last departure: wait until it has
    # (on a busy machine the collection and trim themselves can take seconds)
    time.sleep(RELEASE_AFTER_S)
    while (st := srv.ask())["release_pending"] and time.monotonic() < deadline + 30:
        time.sleep(0.25)
    assert st["releases"] > releases0 and not st["release_pending"], st
    return {**srv.ask(), "seconds": round(ran, 1), "left_s": round(left, 1),
            "server_cpu_s": round(srv.cpu_seconds() - cpu0, 1), "client_cpu_s": round(time.process_time() - me0, 1)}


def test_sessions_leave_no_memory_and_no_files(app_process, photos):
    srv = app_process
    warm = come_and_go(srv, WARM_SESSIONS, photos)
    assert warm["sessions"] == 0 and warm["tmpdirs"] == [], warm
    half = come_and_go(srv, N_SESSIONS // 2, photos)
    after = come_and_go(srv, N_SESSIONS - N_SESSIONS // 2, photos)
    for k in ("seconds", "server_cpu_s", "client_cpu_s"):
        after[k] = round(after[k] + half[k], 1)
    growth = after["rss"] / warm["rss"] - 1  # the app's own resident memory: nothing forced here
    collected = srv.ask("trim")  # for the record: what a forced collection and trim would still free
    report = {"baseline_mb": warm["rss"] / 2**20, "after_50_mb": half["rss"] / 2**20, "after_mb": after["rss"] / 2**20,
              "after_forced_gc_trim_mb": collected["rss"] / 2**20, "growth": growth,
              "sessions_left": after["sessions"], "gradio_sessions_left": after["gradio_sessions"],
              "tmpdirs_left": after["tmpdirs"], "threads": [warm["threads"], after["threads"]],
              "seconds_for_100": after["seconds"], "unload_s": after["left_s"],
              "server_cpu_s": after["server_cpu_s"], "client_cpu_s": after["client_cpu_s"]}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sessions.json").write_text(json.dumps(report, indent=1))
    print(f"\n{N_SESSIONS} sessions: RSS {report['baseline_mb']:.0f} MB -> {report['after_50_mb']:.0f} MB "
          f"after 50 -> {report['after_mb']:.0f} MB "
          f"({100 * growth:+.1f} %; {report['after_forced_gc_trim_mb']:.0f} MB after a forced gc + trim), "
          f"{after['sessions']} sessions and {len(after['tmpdirs'])} folders left, Gradio holds "
          f"{after['gradio_sessions']} sessions; {after['seconds']} s, all unloaded {after['left_s']} s "
          f"later; CPU server {after['server_cpu_s']} s, clients {after['client_cpu_s']} s")
    assert after["sessions"] == 0, report  # every unload ran
    assert after["tmpdirs"] == [], report  # every session's folder removed
    assert after["gradio_sessions"] == 0, report  # Gradio's own record of each session too
    # Fixed (issue 8): the resident set grew about 1 MB per departed session (+6.7 % to +13.7 %)
    # with nothing left in the store, in Gradio or on disk: freed memory stayed in the many malloc
    # arenas of Gradio's worker threads. app.py now limits glibc to two (explorer.session.
    # limit_malloc_arenas); the same sessions then measured +0 %.
    assert growth <= TOLERANCE, report
