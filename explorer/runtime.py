"""ONNX Runtime sessions, one per model file and process, shared by every user (``Run()`` is
thread-safe). Every forward-only prediction of a shipped model goes through here.

Threads are set explicitly: ORT sizes its pool from the host's cores and cannot see a container's
CPU quota (microsoft/onnxruntime#29510), and spinning threads would steal the CPU from training.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parent.parent / "assets"
_sessions: dict[str, object] = {}
_lock = threading.Lock()


def available_cores() -> int:
    """CPU cores this process may use: $CPU_CORES (set on Hugging Face Spaces) or the affinity mask."""
    env = os.environ.get("CPU_CORES", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def session(path: str | Path):
    """The (cached) ``onnxruntime.InferenceSession`` for ``path``."""
    import onnxruntime as ort

    key = str(Path(path).resolve())
    with _lock:
        if key not in _sessions:
            so = ort.SessionOptions()
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            so.intra_op_num_threads = available_cores()
            so.inter_op_num_threads = 1
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
            so.log_severity_level = 3
            _sessions[key] = ort.InferenceSession(key, sess_options=so,
                                                  providers=["CPUExecutionProvider"])
        return _sessions[key]


def run(path: str | Path, x: np.ndarray) -> np.ndarray:
    """Forward ``x`` (float32, batch first) through the model at ``path``; returns its first output."""
    sess = session(path)
    name = sess.get_inputs()[0].name
    return sess.run(None, {name: np.ascontiguousarray(x, dtype=np.float32)})[0]


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
