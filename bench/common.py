"""Shared helpers for the benchmarks: results file, machine description, targets, free ports.

Every benchmark merges its section into ``bench/results.json`` with :func:`record`; a section holds
``targets`` (rows with a pass/fail verdict) and ``measurements`` (informational rows), from which
``bench/run_all.py`` renders the table in ``bench/README.md``.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results.json"


def machine_info() -> dict[str, Any]:
    """CPU count, platform, Python/torch versions and the date (what a reader needs to compare)."""
    info: dict[str, Any] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    try:
        info["cpu_affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        if names:
            info["cpu_model"] = names[0]
    except OSError:
        pass
    try:
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return info


def load_results() -> dict[str, Any]:
    if RESULTS.exists():
        try:
            return json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            print(f"warning: {RESULTS} is not valid JSON; starting a new one", file=sys.stderr)
    return {}


def record(section: str, results: dict[str, Any]) -> dict[str, Any]:
    """Replace ``section`` in bench/results.json with ``results`` (plus machine info); keep the rest."""
    data = load_results()
    machine = machine_info()
    data[section] = {**results, "machine": machine}
    data["updated"] = machine["date"]
    data["machine"] = machine
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable) + "\n")
    os.replace(tmp, RESULTS)
    return data


def _jsonable(o: Any) -> Any:
    if hasattr(o, "item"):  # numpy / torch scalars
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def target(name: str, measured: float | None, op: str, value: float, unit: str = "",
           digits: int = 2) -> dict[str, Any]:
    """A pass/fail row: ``measured op value`` (op is ">=" or "<="). None counts as a failure."""
    if op not in (">=", "<="):
        raise ValueError(op)
    ok = measured is not None and (measured >= value if op == ">=" else measured <= value)
    sym = "≥" if op == ">=" else "≤"
    return {"name": name, "measured": measured, "op": op, "target": value, "unit": unit,
            "pass": bool(ok),
            "measured_text": "n/a" if measured is None else f"{measured:.{digits}f}{_u(unit)}",
            "target_text": f"{sym} {value:g}{_u(unit)}"}


def check(name: str, ok: bool, measured_text: str, target_text: str) -> dict[str, Any]:
    """A pass/fail row whose condition is not a number (e.g. "not imported")."""
    return {"name": name, "measured": measured_text, "op": "check", "target": target_text,
            "unit": "", "pass": bool(ok), "measured_text": measured_text, "target_text": target_text}


def measurement(name: str, value: float | str, unit: str = "", digits: int = 2) -> dict[str, Any]:
    """An informational row (no target); ``value`` may be a number or a short text."""
    text = value if isinstance(value, str) else f"{value:.{digits}f}{_u(unit)}"
    return {"name": name, "measured": value, "unit": unit, "measured_text": text}


def _u(unit: str) -> str:
    if not unit:
        return ""
    return unit if unit in ("×", "%") else f" {unit}"


def report(section: str, results: dict[str, Any]) -> dict[str, Any]:
    """Write ``results`` as ``section`` of results.json and print its targets."""
    record(section, results)
    print(f"{section} targets:")
    print_targets(results.get("targets", []))
    return results


def print_targets(rows: list[dict[str, Any]]) -> None:
    w = max([len(r["name"]) for r in rows] + [10])
    for r in rows:
        verdict = "PASS" if r["pass"] else "FAIL"
        print(f"  {r['name']:<{w}}  {r['measured_text']:>14}  vs target {r['target_text']:<12} {verdict}")


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


_TLS: list = []


def client(url: str, **kwargs):
    """A quiet ``gradio_client.Client`` whose requests share this process's one TLS context, as the
    tests' do (``tests.conftest.api_client``). gradio_client hands httpx a new client for each
    request, and httpx loads the system's ~150 CA certificates for each one, though the app is
    plain HTTP: measured per call of a cached /playground, 99 ms of the caller's CPU against 27 ms
    with one shared context (/ping: 66 against 7 ms). A class's browsers run elsewhere; the load
    benchmarks' clients share the server's two cores, and that overhead was counted as waiting."""
    import ssl

    from gradio_client import Client

    if not _TLS:
        _TLS.append(ssl.create_default_context())
    kwargs.setdefault("verbose", False)
    kwargs.setdefault("analytics_enabled", False)
    return Client(url, ssl_verify=_TLS[0], **kwargs)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def background_cpu(interval: float = 0.5) -> float:
    """Share of the machine's CPU (0-100 %) busy during ``interval`` s, this process excluded."""
    import psutil

    me = psutil.Process()
    t0 = sum(me.cpu_times()[:2])
    total = psutil.cpu_percent(interval=interval)
    mine = (sum(me.cpu_times()[:2]) - t0) / interval / (psutil.cpu_count() or 1) * 100
    return max(0.0, total - mine)


def wait_for_quiet(threshold: float = 25.0, max_wait: float | None = None) -> float:
    """Wait (up to ``max_wait`` s, $BENCH_QUIET_WAIT, default 60) until other processes use less
    than ``threshold`` % of the CPU; the machine is shared. Returns the last background load seen."""
    if max_wait is None:
        max_wait = float(os.environ.get("BENCH_QUIET_WAIT", "60"))
    deadline = time.monotonic() + max_wait
    load = background_cpu()
    announced = False
    while load >= threshold and time.monotonic() < deadline:
        if not announced:
            print(f"    (machine busy: {load:.0f} % CPU used by other processes; waiting up to "
                  f"{max_wait:.0f} s)", flush=True)
            announced = True
        time.sleep(2.0)
        load = background_cpu()
    return load


class LoadMonitor:
    """``with LoadMonitor() as m: ...`` then ``m.other_percent``: the share of the machine's CPU
    (0-100 %) that other processes used meanwhile. A torch process with one OpenMP thread per core
    slows down many times over when another process takes a core, so such runs are retried."""

    DISTURBED = 20.0  # % of the machine

    def __init__(self, pids: tuple[int, ...] = ()):
        self._pids = pids  # processes of ours (a server we started) that are not "other"

    def __enter__(self) -> LoadMonitor:
        import psutil

        self._me = psutil.Process()
        self._t = time.monotonic()
        self._sys = psutil.cpu_times()
        self._own = self._own_cpu()
        return self

    def _own_cpu(self) -> float:
        import psutil

        c = self._me.cpu_times()
        total = c.user + c.system + c.children_user + c.children_system
        for pid in self._pids:
            try:
                p = psutil.Process(pid)
                for q in [p] + p.children(recursive=True):
                    t = q.cpu_times()
                    total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def __exit__(self, *exc) -> None:
        import psutil

        s = psutil.cpu_times()
        idle = lambda c: c.idle + getattr(c, "iowait", 0.0)  # noqa: E731
        busy = (sum(s) - idle(s)) - (sum(self._sys) - idle(self._sys))
        own = self._own_cpu() - self._own
        wall = max(time.monotonic() - self._t, 1e-9)
        ncpu = psutil.cpu_count() or 1
        self.other_percent = max(0.0, (busy - own) / (wall * ncpu) * 100)

    @property
    def disturbed(self) -> bool:
        return self.other_percent >= self.DISTURBED


# ------------------------------------------------------------------------ python app.py, as deployed

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable


def rss_tree(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    try:
        p = psutil.Process(pid)
        procs = [p] + p.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def stop_tree(proc: subprocess.Popen) -> None:
    """SIGTERM the process group we created, then SIGKILL whatever is left."""
    if proc.poll() is None:
        try:
            kids = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            kids = []
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        for k in kids:  # anything that left the group
            try:
                k.kill()
            except psutil.NoSuchProcess:
                pass


class LaunchedApp:
    """``python app.py`` in a process group of its own on a free loopback port; its output goes to a
    temporary log. ``as_deployed``: the default warm-up delay even if DLE_WARMUP_DELAY is set here.
    ``seconds_to_200``: from the start to the page's first HTTP 200. ``stop()`` ends the process
    tree and removes the log."""

    def __init__(self, timeout_s: float = 90.0, poll_s: float = 0.1, env: dict[str, str] | None = None,
                 prefix: str = "dle-bench-app-", as_deployed: bool = False):
        import subprocess
        import tempfile
        import urllib.request

        port = free_port()
        full_env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1")
        if as_deployed:
            full_env.pop("DLE_WARMUP_DELAY", None)
        full_env.update(env or {})
        self.log = tempfile.NamedTemporaryFile("w+", prefix=prefix, suffix=".log", delete=False)
        self.url = f"http://127.0.0.1:{port}/"
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([PYTHON, "app.py"], cwd=ROOT, env=full_env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.seconds_to_200: float | None = None
        while time.perf_counter() - t0 < timeout_s and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    if r.status == 200:
                        self.seconds_to_200 = time.perf_counter() - t0
                        break
            except OSError:  # not listening yet (URLError, ConnectionError and timeouts are OSErrors)
                pass
            time.sleep(poll_s)
        if self.seconds_to_200 is None:
            tail = self.log_tail()
            code = self.proc.poll()
            self.stop()
            raise RuntimeError(f"app.py did not answer 200 within {timeout_s:.0f} s (exit code {code}):\n{tail}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, chars: int = 2000) -> str:
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()[-chars:]

    def stop(self) -> None:
        stop_tree(self.proc)
        self.log.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.log.name)


@contextlib.contextmanager
def app_server(settle_s: float):
    """``with app_server(5.0) as (proc, url):`` a :class:`LaunchedApp`, given ``settle_s`` after its
    first 200 for the background warm-up (it starts DLE_WARMUP_DELAY, 2 s by default, later)."""
    app = LaunchedApp()
    try:
        time.sleep(settle_s)
        yield app.proc, app.url
    finally:
        app.stop()


def settle(proc: psutil.Process, quiet: float = 20.0, most: float = 120.0) -> float:
    """Until the server and the processes it started (the warm-up's UMAP runs in a worker process)
    stay below ``quiet`` % of one core for 2 s: the background warm-up done."""

    def cpu() -> float:
        total = 0.0
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += sum(p.cpu_times()[:2])
            except psutil.NoSuchProcess:
                pass
        return total

    t0 = time.monotonic()
    calm = 0
    while time.monotonic() - t0 < most and calm < 4:
        c0 = cpu()
        time.sleep(0.5)
        calm = calm + 1 if (cpu() - c0) / 0.5 * 100 < quiet else 0
    return time.monotonic() - t0
