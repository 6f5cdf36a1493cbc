"""The shipped artifacts: they load, they score what the manifest says, and ONNX Runtime agrees
with torch (DESIGN: parity against a reference)."""
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from explorer import runtime
from models.cnn import load_checkpoint

ASSETS = Path(__file__).resolve().parents[2] / "assets"
MANIFEST = json.loads((ASSETS / "manifest.json").read_text())
MODELS = ["cnn_fashion"]


def test_manifest_lists_every_shipped_model_with_hashes():
    import hashlib

    for name in MODELS:
        entry = MANIFEST["artifacts"][name]
        for fname, digest in entry["sha256"].items():
            assert hashlib.sha256((ASSETS / fname).read_bytes()).hexdigest() == digest, fname
        assert entry["made_by"].startswith("make assets")


def test_shipped_cnn_reaches_91_percent_as_recorded(fashion):
    entry = MANIFEST["artifacts"]["cnn_fashion"]
    assert entry["metrics"]["test_acc"] >= 0.91
    model, metrics = load_checkpoint(ASSETS / entry["files"]["checkpoint"])
    assert metrics["test_acc"] == entry["metrics"]["test_acc"]
    x = fashion.test.floats()
    with torch.inference_mode():
        pred = torch.cat([model(x[i:i + 2000]).argmax(1) for i in range(0, 10000, 2000)])
    acc = float((pred == fashion.test.labels).float().mean())
    assert acc == pytest.approx(entry["metrics"]["test_acc"], abs=1e-4)


@pytest.mark.parametrize("name", MODELS)
def test_onnx_matches_torch(name, fashion):
    entry = MANIFEST["artifacts"][name]
    model, _ = load_checkpoint(ASSETS / entry["files"]["checkpoint"])
    path = ASSETS / entry["files"]["onnx"]
    x = fashion.test.floats(slice(0, 256)).numpy()
    with torch.inference_mode():
        ref = model(torch.from_numpy(x)).numpy()
    out = np.concatenate([runtime.run(path, x[:1]), runtime.run(path, x[1:7]), runtime.run(path, x[7:])])
    assert np.abs(out - ref).max() < 1e-4
    assert entry["metrics"]["ort_max_abs_diff"] < 1e-4
    assert entry["metrics"]["ort_test_acc"] == pytest.approx(entry["metrics"]["test_acc"], abs=2e-4)


@pytest.mark.parametrize("name", MODELS)
def test_onnx_is_one_file_with_dynamic_batch(name):
    path = ASSETS / MANIFEST["artifacts"][name]["files"]["onnx"]
    assert not Path(str(path) + ".data").exists()
    graph = onnx.load(str(path)).graph
    dim0 = graph.input[0].type.tensor_type.shape.dim[0]
    assert dim0.dim_param and not dim0.dim_value


def test_runtime_threads_are_explicit(monkeypatch):
    monkeypatch.setenv("CPU_CORES", "3")
    assert runtime.available_cores() == 3
    monkeypatch.setenv("CPU_CORES", "")
    assert runtime.available_cores() >= 1
    sess = runtime.session(ASSETS / "cnn_fashion.onnx")
    assert sess is runtime.session(ASSETS / "cnn_fashion.onnx")  # one per process
    p = runtime.softmax(np.array([[1.0, 2.0, 3.0]]))
    assert p.sum() == pytest.approx(1.0)
