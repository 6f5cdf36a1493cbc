"""Shared fixtures. The dataset and the browser are required in CI (CI=true): there a missing one
fails the run instead of skipping tests, so a green CI always means the tests really ran."""
from __future__ import annotations

import atexit
import json
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from explorer import diskcache as _diskcache  # noqa: E402  (light: where its folder is, below)

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Gradio's upload and cache folder: one per test process. `make test` runs pytest-xdist workers,
# which inherit the environment of the process that starts them; each gets a folder of its own so
# two servers never write the same cached file (named by its contents) at the same moment.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
# What is meant to be shared by every process of the machine stays in the shared temp folder, where
# the app would put it (numba's compiled code, matplotlib's font cache, explorer.diskcache's arrays)...
_SHARED_TMP = tempfile.gettempdir()
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(_SHARED_TMP, "numba_cache"))
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_SHARED_TMP, "matplotlib"))
os.environ.setdefault("DLE_CACHE_DIR", str(_diskcache.default_directory()))
# ... and everything else a test process, its servers and its browsers write goes in a temp folder of
# the process's own, removed when it ends (registered first, so it runs after the other exit hooks).
# gradio_client leaves an empty folder in the temp dir for every file it downloads
# (Endpoint._download_file: one a call, never removed): 27,000 of them after a day of test runs.
_PRIVATE_TMP = tempfile.mkdtemp(prefix=f"dle-test-{_WORKER or 'main'}-")
atexit.register(shutil.rmtree, _PRIVATE_TMP, ignore_errors=True)
tempfile.tempdir = os.environ["TMPDIR"] = _PRIVATE_TMP
if _WORKER or "GRADIO_TEMP_DIR" not in os.environ:
    os.environ["GRADIO_TEMP_DIR"] = os.path.join(_PRIVATE_TMP, "gradio")

ARTIFACTS = ROOT / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, why: str) -> None:
    """Skip when something optional is missing on a developer machine; fail in CI."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required in CI: {why}")
        pytest.skip(why)


@pytest.fixture(scope="session")
def fashion():
    from explorer import data

    require(data.available("fashion"), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    return data.load("fashion")


# One TLS context for every request of the tests' HTTP clients: httpx builds a new one for each
# request gradio_client makes (httpx.post, httpx.stream: a new connection pool each), loading some
# 150 CA certificates every time — a third of the test process's CPU in the API tests (py-spy),
# taken from the app served in the same process, though the app is plain HTTP on loopback.
_TLS = []


def shared_tls():
    """The tests' one ``ssl.SSLContext`` (for httpx's ``verify``), made as httpx makes its default."""
    if not _TLS:
        import httpx._config

        _TLS.append(httpx._config.create_ssl_context(verify=True))
    return _TLS[0]


def _http_clients_made_cheaper() -> None:
    """What every HTTP client of a test process spends for nothing, measured with py-spy over a
    whole clean run (two test processes, ~1,400 s of CPU):

    - a client made with the default ``verify=True`` (the README's examples as written; the file
      downloads of a gradio_client, each a new httpx client) loaded the CA certificates again:
      23 s. It gets the process's one context, :func:`shared_tls`.
    - every ``gradio_client.Client`` parses the app's 1.1 MB configuration and its API description
      with Python's json: 34 s over the run. orjson (installed with Gradio) parses them 3-4x faster,
      to the same Python values; what it refuses (NaN, huge integers) goes to json as before.
    """
    import httpx
    import httpx._transports.default as transport
    import orjson

    make = transport.create_ssl_context

    def create_ssl_context(verify=True, cert=None, trust_env=True):
        if verify is True and cert is None and trust_env:
            return shared_tls()
        return make(verify=verify, cert=cert, trust_env=trust_env)

    transport.create_ssl_context = create_ssl_context
    parse = httpx.Response.json

    def json_of(self, **kwargs):
        if not kwargs:
            try:
                return orjson.loads(self.content)
            except orjson.JSONDecodeError:
                pass
        return parse(self, **kwargs)

    httpx.Response.json = json_of


_http_clients_made_cheaper()


def api_client(url: str, **kwargs):
    """A ``gradio_client.Client`` for the app under test (quiet, no analytics), its requests sharing
    one TLS context."""
    from gradio_client import Client

    kwargs.setdefault("verbose", False)
    kwargs.setdefault("analytics_enabled", False)
    return Client(url, ssl_verify=shared_tls(), **kwargs)  # passed to httpx as its ``verify``


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served(fashion):
    """The whole app, launched in this process on a free port (as Gradio's own tests do).
    Returns the Blocks; ``served.local_url`` is its address, ``served.dle_store`` its sessions."""
    import app
    from explorer.session import SessionStore

    # No memory release after sessions end in the tests' own processes: there it was a full garbage
    # collection of the whole test process (pytest, Playwright, every test's objects) each time,
    # 25 s of CPU over a run (py-spy). The release is tested on the app's own process
    # (tests/api/test_sessions.py, tests/api/app_process.py).
    demo = app.build_demo(SessionStore(release_after_s=None))
    kwargs = {k: v for k, v in app.launch_kwargs().items() if k not in ("server_name", "server_port")}
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True,
                **kwargs)
    yield demo
    demo.close()


@pytest.fixture(scope="session")
def app_url(served) -> str:
    return served.local_url.rstrip("/")


# ------------------------------------------------------------------ what the in-process server logs
PROBLEM = re.compile(r"Traceback \(most recent call last\)|is not in the list of choices")


class ServerLog:
    """Everything the server's threads report as an error while it is installed: tracebacks Gradio
    prints (``traceback.print_exc``, as it does for a failing handler or a refused value), records
    logged at WARNING or above (ours, gradio's, uvicorn's, asyncio's), and exceptions that end a
    thread. Only threads other than the one running the tests count: the in-process server never
    runs on it, and a test's own ``pytest.raises`` are none of the server's business."""

    def __init__(self):
        self.entries: list[tuple[str, str]] = []  # (kind, text)
        self._lock = threading.Lock()

    def _add(self, kind: str, text: str) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        with self._lock:
            self.entries.append((kind, text))

    def install(self) -> None:
        log = self

        class Handler(logging.Handler):
            def emit(self, record):
                text = record.getMessage()
                if record.exc_info:
                    text += "\n" + "".join(traceback.format_exception(*record.exc_info))
                log._add(f"logged {record.levelname} by {record.name}", text)

        self._handler = Handler(level=logging.WARNING)
        logging.getLogger().addHandler(self._handler)
        self._print_exception = traceback.print_exception

        def print_exception(*args, **kwargs):
            log._add("traceback printed", "".join(traceback.format_exception(*args[:3]) if len(args) >= 3
                                                   else traceback.format_exception(args[0])))
            return log._print_exception(*args, **kwargs)

        traceback.print_exception = print_exception
        self._excepthook = threading.excepthook

        def excepthook(args):
            log._add(f"exception ended thread {getattr(args.thread, 'name', '?')}",
                     "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))
            return log._excepthook(args)

        threading.excepthook = excepthook

    def uninstall(self) -> None:
        logging.getLogger().removeHandler(self._handler)
        traceback.print_exception = self._print_exception
        threading.excepthook = self._excepthook

    def mark(self) -> int:
        with self._lock:
            return len(self.entries)

    def since(self, mark: int = 0) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.entries[mark:])

    def errors(self, mark: int = 0) -> list[tuple[str, str]]:
        """The entries since ``mark`` that are errors: a traceback, a value Gradio refused, anything
        logged at ERROR or above."""
        return [(k, t) for k, t in self.since(mark)
                if k.startswith(("traceback", "exception")) or "ERROR" in k or "CRITICAL" in k or PROBLEM.search(t)]

    @staticmethod
    def report(entries: list[tuple[str, str]]) -> str:
        return "\n\n".join(f"[{k}]\n{t.strip()[-3000:]}" for k, t in entries)


@pytest.fixture(scope="session")
def server_log():
    """The in-process server's errors (see ServerLog) from now to the end of the session."""
    watch = ServerLog()
    watch.install()
    yield watch
    watch.uninstall()


# The suite's timeline, to see what the 20 minutes are spent on and whether one pytest-xdist worker
# idles while the other finishes: test-artifacts/timeline-<worker>.jsonl, one line per test (its
# node id, when it started, how long it took with its fixtures' set-up and tear-down).
_TIMELINE = ARTIFACTS / f"timeline-{_WORKER or 'main'}.jsonl"


def pytest_sessionstart(session):
    _TIMELINE.unlink(missing_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.time()
    yield
    ARTIFACTS.mkdir(exist_ok=True)
    with _TIMELINE.open("a") as f:
        f.write(json.dumps({"test": item.nodeid, "start": round(start, 2),
                            "seconds": round(time.time() - start, 2)}) + "\n")


# The longest files first: pytest-xdist (--dist loadfile --no-loadscope-reorder, the Makefile)
# hands whole files to its processes in collection order, so a long file started last kept one
# process busy while the other sat idle (38 s at the end of a run). Each file's seconds come from
# the last measured run (python -m scripts.test_timeline test-artifacts --write); a file not listed
# yet keeps its place after them. The order inside a file is kept (the sort is stable).
#
# Files that share an expensive session-scoped fixture go to the same process, as one unit: the app
# served by a process of its own (tests/api/conftest.py: app_process) is built and warmed up once,
# not once in each test process (~45 s of a busy machine each).
TOGETHER = {"tests/api/test_cancel.py": "app_process", "tests/api/test_sessions.py": "app_process"}


def unit_of(nodeid: str) -> str:
    file = nodeid.split("::", 1)[0]
    return TOGETHER.get(file, file)


def pytest_collection_modifyitems(session, config, items):
    from scripts.test_timeline import ORDER_FILE  # the one place that names the file

    seconds = json.loads(ORDER_FILE.read_text()) if ORDER_FILE.exists() else {}
    weight: dict[str, float] = {}
    for file in {item.nodeid.split("::", 1)[0] for item in items}:
        weight[unit_of(file)] = weight.get(unit_of(file), 0.0) + seconds.get(file, 0.0)
    items.sort(key=lambda item: (-weight[unit_of(item.nodeid)], unit_of(item.nodeid)))


def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile, with the files of :data:`TOGETHER` as one unit."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Together(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return Together(config, log)
