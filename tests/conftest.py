"""Shared fixtures. The dataset and the browser are required in CI (CI=true): there a missing one
fails the run instead of skipping tests, so a green CI always means the tests really ran."""
from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_TEMP_DIR", tempfile.mkdtemp(prefix="dle-test-gradio-"))

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served(fashion):
    """The whole app, launched in this process on a free port (as Gradio's own tests do).
    Returns the Blocks; ``served.local_url`` is its address, ``served.dle_store`` its sessions."""
    import app

    demo = app.build_demo()
    kwargs = {k: v for k, v in app.launch_kwargs().items() if k not in ("server_name", "server_port")}
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True,
                **kwargs)
    yield demo
    demo.close()


@pytest.fixture(scope="session")
def app_url(served) -> str:
    return served.local_url.rstrip("/")
