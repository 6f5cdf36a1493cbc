"""A demo collection for "teach it your categories", built offline so a class can try it with no
files of its own: a clothing shop's catalogue made of Fashion-MNIST test images (Xiao, Rasul &
Vollgraf 2017; Zalando, MIT licence; read with ``explorer.data``), in three categories that are not
ImageNet's classes:

- «calzado» (footwear): sandals, sneakers and ankle boots;
- «prendas de arriba» (tops): T-shirts, pullovers, coats and shirts;
- «bolsos» (bags).

No installed or pinned package ships 60 real photographs in 3 or more categories (scikit-image's
``skimage.data`` has about twenty unrelated sample photos; its ``lfw_subset`` is 25-px faces and
non-faces), so the issue's fallback is used. Each image becomes a product photo
(:func:`catalogue_photo`): by default ``varied``, as a shop's photos are — the garment in a colour, at
its own size and place on a light ground of its own tint; ``plain`` keeps the data set's framing
(every garment centred, filling the picture, dark on white). The framing matters to the lesson:
on plain, aligned silhouettes even the small CNN trained from 15 images does well (bench_teach.py
measures both), which real photographs never allow. The zip holds ``labelled`` images per category
in a folder named after it (``calzado/03.png``: labelled «calzado», see ``compute.Item.folder``)
and the rest at the top level in a shuffled order (``0001.png``...: unlabelled). Everything follows
from ``seed``: the same arguments give the same bytes.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

CATEGORIES: dict[str, tuple[int, ...]] = {  # category → Fashion-MNIST classes (explorer.data order)
    "calzado": (5, 7, 9),  # sandal, sneaker, ankle boot
    "prendas de arriba": (0, 2, 4, 6),  # T-shirt/top, pullover, coat, shirt
    "bolsos": (8,),  # bag
}
ZIP_NAME = "tienda_demo.zip"
_DATE = (2017, 8, 25, 0, 0, 0)  # Fashion-MNIST's release; a fixed date keeps the zip's bytes fixed


@dataclass
class Demo:
    """``path``: the zip; ``truth``: every image's name in the zip (as ``compute.Item.name`` will
    show it) → its category; ``labelled``: the names inside a category's folder."""
    path: Path
    truth: dict[str, str]
    labelled: list[str]

    @property
    def classes(self) -> list[str]:
        return list(CATEGORIES)


FRAMINGS = ("varied", "plain")


def catalogue_photo(img28: np.ndarray, side: int, framing: str, rng: np.random.Generator) -> Image.Image:
    """A Fashion-MNIST image (28 × 28, garment light on black) as a shop's product photo, RGB
    ``side`` × ``side``. ``plain``: the grey levels inverted (dark garment on white) and enlarged
    to fill the picture — every product the same size at the same place, as in the data set.
    ``varied``: as a catalogue's photos are, each shot differently — the garment in a colour
    (its grey levels as opacity), at 45–95 % of the picture's side, anywhere in it, on a light
    background of its own tint; all drawn from ``rng``."""
    a = np.asarray(img28, dtype=np.uint8)
    if framing == "plain":
        return Image.fromarray(255 - a, "L").resize((side, side), Image.Resampling.BICUBIC).convert("RGB")
    if framing != "varied":
        raise ValueError(f"framing must be one of {FRAMINGS}")
    size = round(side * rng.uniform(0.45, 0.95))
    x0, y0 = (int(v) for v in rng.integers(0, side - size + 1, size=2))
    alpha = np.zeros((side, side), np.float32)
    alpha[y0:y0 + size, x0:x0 + size] = np.asarray(
        Image.fromarray(a, "L").resize((size, size), Image.Resampling.BICUBIC), np.float32) / 255.0
    ground = rng.uniform(215, 255, size=3).astype(np.float32)
    colour = rng.uniform(10, 190, size=3).astype(np.float32)
    out = ground * (1 - alpha[..., None]) + colour * alpha[..., None]
    return Image.fromarray(np.clip(out.round(), 0, 255).astype(np.uint8), "RGB")


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def pick(per_class: int, seed: int = 0) -> dict[str, list[int]]:
    """Fashion-MNIST test-set indices for each category: ``per_class`` images, its classes taking
    turns (a category of three classes gets a third of each), drawn with ``seed``."""
    from explorer import data

    labels = data.load("fashion").test.labels.numpy()
    rng = np.random.default_rng(seed)
    out = {}
    for cat, classes in CATEGORIES.items():
        pools = [rng.permutation(np.flatnonzero(labels == c)).tolist() for c in classes]
        chosen = [pools[j % len(pools)][j // len(pools)] for j in range(per_class)]
        out[cat] = [int(i) for i in rng.permutation(chosen)]
    return out


def demo_collection(dest: str | Path, per_class: int = 30, labelled: int = 5, seed: int = 0,
                    side: int = 112, framing: str = "varied") -> Demo:
    """Write the catalogue as ``dest/tienda_demo.zip`` (``dest`` must exist) and return it with the
    true category of every image. Defaults: 90 images, 5 of each category labelled, each product
    photographed its own way (see :func:`catalogue_photo`)."""
    from explorer import data

    if not 1 <= labelled <= per_class <= 1000:
        raise ValueError("need 1 ≤ labelled ≤ per_class ≤ 1000")
    images = data.load("fashion").test.images.numpy()[:, 0]
    rng = np.random.default_rng(seed + 1)
    chosen = pick(per_class, seed)
    named: list[tuple[str, str, int]] = []  # (name in the zip, category, test index)
    top = []
    for cat, idx in chosen.items():
        named += [(f"{cat}/{j + 1:02d}.png", cat, i) for j, i in enumerate(idx[:labelled])]
        top += [(cat, i) for i in idx[labelled:]]
    order = rng.permutation(len(top))
    named += [(f"{r + 1:04d}.png", top[j][0], top[j][1]) for r, j in enumerate(order)]
    path = Path(dest) / ZIP_NAME
    shots = np.random.default_rng(seed + 2)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, _, i in named:
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.external_attr = 0o644 << 16
            zf.writestr(info, _png(catalogue_photo(images[i], side, framing, shots)))
    return Demo(path, {name: cat for name, cat, _ in named}, [n for n, _, _ in named if "/" in n])
