"""'Mi archivo' (explorer/archive/compute.py): 200 camera-size JPEGs (2000–4000 px, made from scikit-image's
sample photos with a little noise, ~0.65 MB each) in a zip → extract (checks, copy, draft decoding
in 2 threads) → EfficientNet-Lite0 features and tags through ONNX Runtime, batch 16; a neighbour
query on 200 and 500 items; duplicate groups; UMAP of 200 and 500 items (after the one-off numba
compilation, reported separately). Also how often the draft-decoded top-1 tag equals the one from
images.load's 1024-px working copy (the Filters tab's path).

    .venv/bin/python -m bench.bench_archive [--photos DIR]   # DIR: reuse photos made earlier
"""
from __future__ import annotations

import argparse
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from bench.common import measurement, median, report, target, wait_for_quiet
from explorer import images
from explorer.archive import compute as archive

SOURCES = ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry",
           "retina", "cat", "camera", "page", "moon", "coins", "clock", "horse", "brick", "grass",
           "gravel", "text", "colorwheel"]


def make_photos(out: Path, n: int = 200, seed: int = 0) -> list[Path]:
    import skimage.data as d

    rng = np.random.default_rng(seed)
    src = []
    for name in SOURCES:
        a = getattr(d, name)()
        if a.dtype != np.uint8:
            a = (a.astype(float) / max(a.max(), 1) * 255).astype(np.uint8)
        a = a[..., :3] if a.ndim == 3 else np.stack([a] * 3, -1)
        src.append((name, a))
    paths = []
    for i in range(n):
        name, a = src[i % len(src)]
        side = int(rng.integers(2000, 4001))
        h, w = a.shape[:2]
        s = side / max(h, w)
        im = Image.fromarray(a).resize((round(w * s), round(h * s)), Image.Resampling.BICUBIC)
        arr = np.asarray(im).astype(np.int16) + rng.normal(0, 3, size=(im.height, im.width, 3)).astype(np.int16)
        p = out / f"IMG_{i:04d}_{name}.jpg"
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(p, quality=85)
        paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--photos", type=Path, help="a folder of JPEGs to use instead of making 200")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    if args.photos:
        photos = sorted(args.photos.glob("*.jpg"))[:200]
    else:
        (tmp / "photos").mkdir()
        photos = make_photos(tmp / "photos")
    sizes = [Image.open(p).size for p in photos]
    mb = sum(p.stat().st_size for p in photos) / 2**20
    zpath = tmp / "fotos.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_STORED) as zf:  # JPEGs do not deflate
        for p in photos:
            zf.write(p, f"viaje/{p.name}")

    archive._session()  # the ONNX Runtime session, loaded once per process in the app too
    wait_for_quiet()
    runs = []
    for _ in range(3):
        work = archive.fresh_workdir(tmp)
        t0 = time.perf_counter()
        items = archive.extract([zpath], work)
        t1 = time.perf_counter()
        F, tags = archive.embed_images(items, batch=16)
        t2 = time.perf_counter()
        runs.append((t1 - t0, t2 - t1, t2 - t0))
    ext_s, emb_s, tot_s = (median([r[k] for r in runs]) for k in range(3))
    print(f"{len(items)} photos ({mb:.0f} MB, longest side {min(max(s) for s in sizes)}–"
          f"{max(max(s) for s in sizes)} px): extract {ext_s:.2f} s + embed {emb_s:.2f} s = {tot_s:.2f} s")

    # draft decoding vs the Filters tab's 1024-px working copy: same top-1 tag?
    from explorer import runtime
    from explorer.nets import top_k
    from models import efficientnet_lite as eff

    names = eff.class_names()
    same = 0
    for _it, p, tg in zip(items, photos, tags):
        x = eff.preprocess(images.load(p)).numpy()
        ref = top_k(runtime.softmax(runtime.run(archive.ONNX, x)[0].astype(np.float64)), names, 1)[0]
        same += ref["index"] == tg[0]["index"]

    rng = np.random.default_rng(0)
    F500 = archive.normalize(np.concatenate([F, F[rng.integers(0, len(F), 300)]
                                             + rng.normal(0, 0.01, (300, F.shape[1])).astype(np.float32)]))
    q = {}
    for n, X in (("200", F), ("500", F500)):
        ts = []
        for i in range(300):
            t = time.perf_counter()
            archive.neighbors(X, i % len(X), 10)
            ts.append(time.perf_counter() - t)
        q[n] = median(ts) * 1e3
    t = time.perf_counter()
    groups = archive.duplicate_groups(F500, 0.95)
    dup_ms = (time.perf_counter() - t) * 1e3
    t = time.perf_counter()
    archive.layout(F[:20], "umap")
    umap_first = time.perf_counter() - t
    umap_s = {}
    for n, X in (("200", F), ("500", F500)):
        t = time.perf_counter()
        archive.layout(X, "umap", seed=0)
        umap_s[n] = time.perf_counter() - t
    print(f"neighbour query {q['200']:.3f} ms (200), {q['500']:.3f} ms (500); duplicate groups (500) "
          f"{dup_ms:.1f} ms; UMAP first call {umap_first:.1f} s, then {umap_s['200']:.2f} s (200), "
          f"{umap_s['500']:.2f} s (500); draft top-1 = working-copy top-1 on {same}/{len(items)}")
    targets = [target("200 photos: extract + embed", tot_s, "<=", 10.0, "s"),
               target("neighbour query, 500 items", q["500"], "<=", 50.0, "ms", 3)]
    rows = [measurement("photos", f"{len(items)} JPEGs, {mb:.0f} MB, 2000–4000 px"),
            measurement("extract (checks, copy, draft decode)", ext_s, "s"),
            measurement("embed (ONNX Runtime, batch 16)", emb_s, "s"),
            measurement("neighbour query, 200 items", q["200"], "ms", 3),
            measurement("duplicate groups, 500 items", dup_ms, "ms", 1),
            measurement("UMAP first call in a process (numba)", umap_first, "s", 1),
            measurement("UMAP 200 items", umap_s["200"], "s"),
            measurement("UMAP 500 items", umap_s["500"], "s"),
            measurement("draft-decoded top-1 = Filters-tab top-1", f"{same}/{len(items)}"),
            measurement("groups found at 0.95 (500 with 300 near-copies)", str(len(groups)))]
    report("archive", {"targets": targets, "measurements": rows, "runs_s": runs})


if __name__ == "__main__":
    main()
