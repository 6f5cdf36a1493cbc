"""The app in a process of its own (tests/api/app_process.py), for the tests that measure the
server process: memory after sessions leave (test_sessions.py), CPU after a cancel
(test_cancel.py). The other API tests use the in-process ``served`` app of tests/conftest.py."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, free_port

# Gradio's heartbeat: a closed client's session ends (and demo.unload runs) at the next beat,
# every 15 s by default. The tests shorten it with Gradio's own setting; the path is the same.
HEARTBEAT_S = 1.0


class AppProcess:
    """``python tests/api/app_process.py`` and its stdin/stdout control line."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(free_port()),
                   GRADIO_HEARTBEAT_INTERVAL=str(HEARTBEAT_S),
                   # a temp dir of its own, so only this server's dle-session-* folders are counted;
                   # numba's cache stays where app.py would put it (UMAP's compiled code is reused)
                   TMPDIR=str(tmp), GRADIO_TEMP_DIR=str(tmp / "gradio"),
                   # (tests/conftest.py points these at the shared temp folder)
                   NUMBA_CACHE_DIR=os.environ["NUMBA_CACHE_DIR"], MPLCONFIGDIR=os.environ["MPLCONFIGDIR"],
                   DLE_CACHE_DIR=os.environ["DLE_CACHE_DIR"])
        self.log = open(tmp / "server.log", "w+")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "api" / "app_process.py")],
                                     cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, start_new_session=True)
        hello = self._line(timeout=120)
        self.url = hello["url"].rstrip("/")
        self.ps = psutil.Process(self.proc.pid)

    def _line(self, timeout: float) -> dict:
        import select

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith("{"):
                    return json.loads(line)
        self.log.seek(0)
        raise RuntimeError(f"app process did not answer; its log:\n{self.log.read()[-4000:]}")

    def ask(self, cmd: str = "stats") -> dict:
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self._line(timeout=60)

    def wait_warm(self, timeout: float = 180) -> None:
        """Until the launch-time warm-up (torch, MiniLM, UMAP's compiled code, ...) has finished."""
        deadline = time.monotonic() + timeout
        time.sleep(1)  # (the thread starts as the app is built)
        # it takes tens of seconds: not seen at all means this no longer recognises it
        assert self.ask()["warming_up"], "no warm-up thread seen (tests/api/app_process.py: stats)"
        while self.ask()["warming_up"] and time.monotonic() < deadline:
            time.sleep(0.5)

    def cpu_seconds(self) -> float:
        """CPU time of the server and of the processes it started (UMAP and t-SNE run in a worker
        process, explorer.worker): those alive now, and those that ended (once reaped, a process's
        time is in its parent's ``children_*``)."""
        total = 0.0
        for p in [*self.ps.children(recursive=True), self.ps]:
            try:
                t = p.cpu_times()
            except psutil.NoSuchProcess:  # ended meanwhile: counted in its parent's children_* now
                continue
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="session")
def app_process(fashion, tmp_path_factory):
    """The app served by a process of its own, warmed up; ``.url``, ``.ps`` (psutil), ``.ask()``."""
    srv = AppProcess(tmp_path_factory.mktemp("app-process"))
    try:
        srv.wait_warm()
        yield srv
    finally:
        srv.stop()
