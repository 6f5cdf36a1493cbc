"""Rebuild the shipped artifacts in assets/ from fixed seeds: ``make assets`` (all) or
``python -m scripts.build_assets cnn_fashion``. Each builder trains/exports, measures, and records in
assets/manifest.json how the artifact was made and what it scores; tests assert those scores.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer import data, runtime, training  # noqa: E402
from models.cnn import save_checkpoint  # noqa: E402
from models.onnx_export import export_onnx  # noqa: E402

ASSETS = ROOT / "assets"
MANIFEST = ASSETS / "manifest.json"

# The shipped Fashion-MNIST CNN: LeNet-like, 2 conv blocks (32, 64 filters), batch norm, dropout.
CNN_FASHION_PARAMS = dict(dataset="fashion", blocks=2, filters=32, kernel_size=3, activation="relu",
                          batch_norm=True, dropout=0.25, dense=128, optimizer="adam", lr=3e-3,
                          batch_size=128, epochs=10, schedule="onecycle", seed=1234)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_cnn_fashion() -> dict:
    ds = data.load("fashion")
    cnn_cfg, tc = training.validate(CNN_FASHION_PARAMS)
    tc.max_seconds = 3600
    model = training.build_model(cnn_cfg, tc.seed)
    t0 = time.time()
    evals, done = training.run_to_end(model, tc, ds)
    train_s = time.time() - t0
    print(f"cnn_fashion: {done.reason}, test acc {done.test_acc:.4f} in {train_s:.0f} s", flush=True)
    ckpt, onnx_path = ASSETS / "cnn_fashion.pt", ASSETS / "cnn_fashion.onnx"
    metrics = {"test_acc": round(done.test_acc, 4), "test_loss": round(done.test_loss, 4),
               "val_acc": round(evals[-1].val_acc, 4) if evals else None,
               "epochs": tc.epochs, "steps": done.step, "train_seconds": round(train_s, 1)}
    save_checkpoint(model, ckpt, metrics)
    export_onnx(model, onnx_path)
    # ORT on the whole test set: the accuracy the app serves, and its agreement with torch
    x = ds.test.floats().numpy()
    logits_ort = np.concatenate([runtime.run(onnx_path, x[i:i + 1000]) for i in range(0, len(x), 1000)])
    with torch.inference_mode():
        logits_pt = np.concatenate([model(torch.from_numpy(x[i:i + 1000])).numpy()
                                    for i in range(0, len(x), 1000)])
    metrics["ort_test_acc"] = round(float((logits_ort.argmax(1) == ds.test.labels.numpy()).mean()), 4)
    metrics["ort_max_abs_diff"] = float(np.abs(logits_ort - logits_pt).max())
    save_checkpoint(model, ckpt, metrics)  # again, now with the ORT figures
    return {
        "files": {"checkpoint": ckpt.name, "onnx": onnx_path.name},
        "sha256": {ckpt.name: sha256(ckpt), onnx_path.name: sha256(onnx_path)},
        "what": "Fashion-MNIST classifier (SmallCNN), input (B,1,28,28) pixels in [0,1], output logits",
        "made_by": "make assets (python -m scripts.build_assets cnn_fashion)",
        "dataset": {"name": "Fashion-MNIST", "source": str(data.locate("fashion")),
                    "train_images": training.TRAIN_POOL, "validation_images": training.VAL_HOLDOUT,
                    "test_images": len(ds.test)},
        "model_config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cnn_cfg).items()},
        "train_params": CNN_FASHION_PARAMS,
        "metrics": metrics,
    }


BUILDERS = {"cnn_fashion": build_cnn_fashion}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="*", help=f"artifacts to rebuild (default: all of {list(BUILDERS)})")
    args = ap.parse_args(argv)
    names = args.names or list(BUILDERS)
    ASSETS.mkdir(exist_ok=True)
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    manifest.setdefault("artifacts", {})
    for name in names:
        if name not in BUILDERS:
            ap.error(f"unknown artifact {name!r}")
        entry = BUILDERS[name]()
        entry["built_with"] = {"torch": torch.__version__, "python": platform.python_version(),
                               "date": time.strftime("%Y-%m-%d")}
        manifest["artifacts"][name] = entry
        MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        print(f"{name}: written to {MANIFEST.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
