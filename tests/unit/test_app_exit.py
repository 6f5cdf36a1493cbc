"""A program that builds the app must exit cleanly: not wait for the background warm-up (a hang),
and not be killed while the warm-up runs inside torch (libstdc++ aborts: exit code 134)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("delay", ["600", "0"])  # warm-up not started yet / running at exit
def test_building_the_app_then_exiting_is_clean(delay, fashion):
    out = subprocess.run([sys.executable, "-c", "import app, time; app.build_demo(); time.sleep(0.3)"],
                         cwd=ROOT, env=dict(os.environ, DLE_WARMUP_DELAY=delay), capture_output=True,
                         text=True, timeout=90)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "terminate called" not in out.stderr
