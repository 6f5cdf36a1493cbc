"""Serve the app from several processes behind nginx: ``make run WORKERS=N``.

Gradio runs a process's Python work under one interpreter lock, so one process uses about one core
however many students click at once. This starts N app processes (``python app.py``, each on a
free port of 127.0.0.1) and nginx in front of them on HOST:PORT, and pins every browser session to
one process with a cookie (the session's state lives in that process's memory; see
scripts/nginx.conf.template for the why of every setting). ``--upstream`` adds app servers running
on other machines to the same pool.

    .venv/bin/python -m scripts.serve_workers --workers 2 [--host 0.0.0.0] [--port 7860]
    .venv/bin/python -m scripts.serve_workers --workers 0 --upstream 10.0.0.2:7860 --upstream 10.0.0.3:7860
    .venv/bin/python -m scripts.serve_workers --workers 2 --print-config   # only show nginx.conf

nginx runs in the foreground as a child of this script, with its configuration, logs and
temporary files in a run folder (a new one under the temp dir, or ``--dir``): nothing is written
to /etc or /var. The app processes log to worker-<n>.log there. Ctrl-C or SIGTERM stops nginx,
then the app processes (as Ctrl-C would stop ``python app.py``), and waits for them; if any child
dies on its own, the others are stopped too and the exit code is 1 (a service manager restarts
the whole). Each child also gets SIGTERM if this script is killed outright (Linux: PR_SET_PDEATHSIG).
"""
from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
START_TIMEOUT_S = 180.0  # an app process's start-up on a busy 2-core machine
STOP_TIMEOUT_S = 45.0  # app.py lets a running warm-up finish at exit (up to 30 s)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def render(servers: list[str], listen: str, run_dir: Path) -> str:
    """The nginx configuration: the template with ``servers`` (host:port of each app server, in
    order: X-DLE-Worker numbers them from 1), the ``listen`` address and the run folder filled in."""
    if not servers:
        raise ValueError("no app server to send requests to")
    text = TEMPLATE.read_text()
    fields = {
        "run_dir": str(run_dir),
        "listen": listen,
        "servers": "\n".join(f"        server {s} max_fails=0;" for s in servers),
        "worker_names": "\n".join(f'        "{s}" "{i}";' for i, s in enumerate(servers, 1)),
    }
    for key, value in fields.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise ValueError(f"unfilled field in {TEMPLATE.name}: {text[text.index('{{'):][:40]}")
    return text


def listen_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the launcher dies, even by SIGKILL (Linux only)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False


def find_nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(p)), None)
    if not found:
        raise SystemExit("nginx is not installed: sudo apt-get install nginx (make run WORKERS=N does it as root)")
    return found


@dataclass
class Launcher:
    workers: int
    host: str = "127.0.0.1"
    port: int = 7860
    upstreams: list[str] = field(default_factory=list)
    run_dir: Path | None = None
    nginx: str = ""
    procs: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def setup_dir(self) -> Path:
        if self.run_dir is None:
            self.run_dir = Path(tempfile.mkdtemp(prefix="dle-nginx-"))
        self.run_dir = self.run_dir.resolve()
        (self.run_dir / "tmp").mkdir(parents=True, exist_ok=True)
        # nginx's own worker processes run as "nobody" when started as root: they must be able to
        # reach the temporary folders nginx makes for them here (not to list the folder)
        os.chmod(self.run_dir, 0o711)
        return self.run_dir

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with open(log, "ab") as out:
            # a session of its own: the terminal's Ctrl-C reaches only this script, which then
            # stops nginx before the app processes (no request is sent to a process that is leaving)
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    preexec_fn=_die_with_parent)
        self.procs.append((name, proc))
        return proc

    def start_workers(self) -> list[str]:
        addresses = []
        for i in range(1, self.workers + 1):
            port = free_port()
            wdir = self.run_dir / f"worker-{i}"
            wdir.mkdir(exist_ok=True)
            env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port),
                       # each process its own file cache: Gradio names cached outputs by their
                       # content, and two processes writing the same file would meet mid-write
                       GRADIO_TEMP_DIR=str(wdir / "gradio"),
                       # where the page is really served (the QR code's LAN address, app.py)
                       DLE_PUBLIC_HOST=self.host,
                       PYTHONUNBUFFERED="1")
            self._spawn(f"app {i} (127.0.0.1:{port})", [sys.executable, "app.py"], env,
                        self.run_dir / f"worker-{i}.log")
            addresses.append(f"127.0.0.1:{port}")
        return addresses

    def wait_until_serving(self, urls: list[str], what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        pending = list(urls)
        while pending:
            self.check_children()
            if self.stopping.is_set():
                raise KeyboardInterrupt
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer within {START_TIMEOUT_S:.0f} s: {', '.join(pending)}")
            pending = [u for u in pending if not _answers(u)]
            if pending:
                self.stopping.wait(0.5)

    def start_nginx(self, servers: list[str]) -> None:
        conf = self.run_dir / "nginx.conf"
        conf.write_text(render(servers, listen_address(self.host, self.port), self.run_dir))
        cmd = [self.nginx, "-p", str(self.run_dir), "-c", str(conf), "-e", str(self.run_dir / "error.log"),
               "-g", "daemon off;"]
        test = subprocess.run(cmd + ["-t", "-q"], capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx refused {conf}:\n{test.stderr.strip()}")
        self._spawn("nginx", cmd, dict(os.environ), self.run_dir / "nginx.log")

    def check_children(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise ChildDied(name, proc.returncode)

    def stop(self) -> None:
        """nginx first (fast shutdown: open event streams are closed), then the app processes with
        SIGINT (Gradio closes, app.py's exit lets a running warm-up end); SIGKILL after a wait."""
        order = [p for p in self.procs if p[0] == "nginx"] + [p for p in self.procs if p[0] != "nginx"]
        for name, proc in order:
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM if name == "nginx" else signal.SIGINT)
                except ProcessLookupError:
                    pass
            if name == "nginx":
                _wait(proc, 10.0)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for _name, proc in order:
            _wait(proc, max(0.1, deadline - time.monotonic()))
        # the app processes' file caches (uploads, outputs); the logs and nginx.conf stay
        for i in range(1, self.workers + 1):
            shutil.rmtree(self.run_dir / f"worker-{i}", ignore_errors=True)
        shutil.rmtree(self.run_dir / "tmp", ignore_errors=True)

    def run(self) -> int:
        self.nginx = self.nginx or find_nginx()
        self.setup_dir()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda *_: self.stopping.set())
        url = f"http://{'localhost' if self.host in ('0.0.0.0', '::') else self.host}:{self.port}/"
        probe = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(self.host, self.host)
        try:
            print(f"starting {self.workers} app processes (logs in {self.run_dir})", flush=True)
            servers = self.start_workers()
            self.wait_until_serving([f"http://{s}/" for s in servers], "the app processes")
            servers += self.upstreams
            if self.upstreams:
                self.wait_until_serving([f"http://{s}/" for s in self.upstreams], "the other app servers")
            self.start_nginx(servers)
            self.wait_until_serving([f"http://{probe}:{self.port}/"], "nginx")
            print(f"Deep Learning Explorer: {len(servers)} app processes behind nginx on {url} "
                  f"(Ctrl-C stops everything; logs in {self.run_dir})", flush=True)
            while not self.stopping.wait(0.5):
                self.check_children()
            print("stopping...", flush=True)
            return 0
        except KeyboardInterrupt:
            print("stopping...", flush=True)
            return 0
        except ChildDied as died:
            print(f"{died}; stopping the others. Logs in {self.run_dir}", file=sys.stderr, flush=True)
            return 1
        except RuntimeError as err:
            print(f"{err}\nLogs in {self.run_dir}", file=sys.stderr, flush=True)
            return 1
        finally:
            self.stop()


class ChildDied(Exception):
    def __init__(self, name: str, code: int):
        super().__init__(f"{name} exited with code {code}")


def _wait(proc: subprocess.Popen, timeout: float) -> None:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class Served:
    """This launcher run in a process of its own (for the tests and the benchmark): ``.url``,
    ``.run_dir``, ``.proc``; ``.app_pids()`` the app processes; ``.stop()`` its exit code."""

    def __init__(self, workers: int, run_dir: Path, env: dict[str, str] | None = None,
                 timeout: float = START_TIMEOUT_S + 60):
        port = free_port()
        self.url, self.run_dir = f"http://127.0.0.1:{port}/", Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.run_dir / "launcher.log", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scripts.serve_workers", "--workers", str(workers), "--host", "127.0.0.1",
             "--port", str(port), "--dir", str(self.run_dir)],
            cwd=ROOT, env=dict(os.environ, **(env or {})), stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not _answers(self.url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the launcher did not serve {self.url}:\n{self.read_log()[-3000:]}")
            time.sleep(0.5)

    def read_log(self) -> str:
        return (self.run_dir / "launcher.log").read_text(errors="replace")

    def app_pids(self) -> list[int]:
        import psutil

        try:
            kids = psutil.Process(self.proc.pid).children()
        except psutil.NoSuchProcess:
            return []
        return [k.pid for k in kids if "app.py" in " ".join(k.cmdline())]

    def stop(self, timeout: float = STOP_TIMEOUT_S + 20) -> int:
        """SIGTERM, as a service manager would stop it; SIGKILL to its group if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        return self.proc.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")),
                    help="app processes on this machine (default: $WORKERS or 2)")
    ap.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"),
                    help="where nginx listens (0.0.0.0 for a classroom LAN)")
    ap.add_argument("--port", type=int, default=int(os.environ.get("PORT", "7860")), help="nginx's port")
    ap.add_argument("--upstream", action="append", default=[], metavar="HOST:PORT",
                    help="an app server on another machine (repeatable)")
    ap.add_argument("--dir", type=Path, default=None, help="run folder (default: a new one in the temp dir)")
    ap.add_argument("--print-config", action="store_true",
                    help="print the nginx configuration (with placeholder ports for the local processes) and exit")
    args = ap.parse_args(argv)
    if args.workers < 0 or args.workers + len(args.upstream) < 1:
        ap.error("at least one app server: --workers N (N ≥ 1) or --upstream HOST:PORT")
    if args.print_config:
        local = [f"127.0.0.1:{7861 + i}" for i in range(args.workers)]
        print(render(local + args.upstream, listen_address(args.host, args.port),
                     (args.dir or Path(tempfile.gettempdir()) / "dle-nginx").resolve()))
        return 0
    return Launcher(args.workers, args.host, args.port, args.upstream, args.dir).run()


if __name__ == "__main__":
    sys.exit(main())
