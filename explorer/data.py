"""Datasets as preloaded uint8 tensors, read from IDX files (LeCun's MNIST format).

Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; Zalando, MIT licence) is the default. Its files come
from the Debian package ``dataset-fashion-mnist`` or a directory named by ``FASHION_MNIST_DIR``.
MNIST (LeCun, Cortes & Burges) is used when its IDX files are in ``MNIST_DIR``.

The whole dataset fits in 55 MB as uint8, so it is loaded once per process and shared read-only;
batches are sliced from it and converted to float on the fly (no per-item ``Dataset`` overhead).
"""
from __future__ import annotations

import gzip
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

FASHION_DIRS = ("/usr/share/datasets/fashion-mnist",)
MNIST_DIRS = ("/usr/share/datasets/mnist",)

FASHION_CLASSES = {
    "en": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "es": ["Camiseta/top", "Pantalón", "Jersey", "Vestido", "Abrigo",
           "Sandalia", "Camisa", "Zapatilla", "Bolso", "Botín"],
}
DIGIT_CLASSES = {lang: [str(i) for i in range(10)] for lang in ("en", "es")}

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class DatasetMissing(FileNotFoundError):
    """The dataset's files are not on this machine; ``str(err)`` says how to get them."""

    def __init__(self, name: str, searched: list[str], how: str):
        self.name, self.searched, self.how = name, searched, how
        super().__init__(f"{name} not found (looked in: {', '.join(searched)}). {how}")


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped): magic ``00 00 <dtype> <ndim>``, big-endian dims."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path.name}: not an IDX file (bad magic number)")
    dtype_code, ndim = data[2], data[3]
    if dtype_code not in _IDX_DTYPES or not 1 <= ndim <= 4:
        raise ValueError(f"{path.name}: unsupported IDX type 0x{dtype_code:02x} / {ndim} dims")
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_IDX_DTYPES[dtype_code])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"{path.name}: header says {dims} ({expected} bytes) "
                         f"but the file holds {len(data) - header} bytes")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)


@dataclass(frozen=True)
class Split:
    images: torch.Tensor  # (N, 1, 28, 28) uint8
    labels: torch.Tensor  # (N,) int64

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def floats(self, idx: torch.Tensor | slice | None = None) -> torch.Tensor:
        """Images as float32 pixels in [0, 1]."""
        x = self.images if idx is None else self.images[idx]
        return x.float().div_(255.0)


@dataclass(frozen=True)
class Dataset:
    name: str  # "fashion" | "mnist"
    train: Split
    test: Split

    def class_names(self, lang: str) -> list[str]:
        table = FASHION_CLASSES if self.name == "fashion" else DIGIT_CLASSES
        return table.get(lang, table["en"])


DATASETS = {
    "fashion": dict(env="FASHION_MNIST_DIR", title="Fashion-MNIST",
                    how="Install it with `apt-get install dataset-fashion-mnist` (Debian), list "
                        "`dataset-fashion-mnist` in packages.txt (Hugging Face Spaces), or put the four "
                        "IDX files (train-images-idx3-ubyte.gz, ...) in a folder and set FASHION_MNIST_DIR."),
    "mnist": dict(env="MNIST_DIR", title="MNIST",
                  how="Put the four MNIST IDX files (train-images-idx3-ubyte[.gz], ...) in a folder and "
                      "set MNIST_DIR."),
}
_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_COUNTS = {"train": 60000, "test": 10000}

_cache: dict[str, Dataset] = {}
_lock = threading.Lock()


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def dataset_dirs(name: str) -> list[str]:
    env = os.environ.get(DATASETS[name]["env"])
    defaults = FASHION_DIRS if name == "fashion" else MNIST_DIRS
    return ([env] if env else []) + list(defaults)


def locate(name: str) -> Path:
    """The first directory that holds all four IDX files of ``name``; raises :class:`DatasetMissing`."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    searched = dataset_dirs(name)
    for d in searched:
        if all(_find(Path(d), stem) for pair in _FILES.values() for stem in pair):
            return Path(d)
    raise DatasetMissing(DATASETS[name]["title"], searched, DATASETS[name]["how"])


def available(name: str) -> bool:
    try:
        locate(name)
        return True
    except DatasetMissing:
        return False


def load(name: str = "fashion") -> Dataset:
    """Load (once per process) and check a dataset: 60,000 + 10,000 images of 28x28, labels 0-9."""
    with _lock:
        if name in _cache:
            return _cache[name]
        directory = locate(name)
        splits = {}
        for split, (img_stem, lbl_stem) in _FILES.items():
            images = read_idx(_find(directory, img_stem))
            labels = read_idx(_find(directory, lbl_stem))
            n = _COUNTS[split]
            if images.shape != (n, 28, 28) or labels.shape != (n,):
                raise ValueError(f"{name}/{split}: expected {n} images of 28x28 and {n} labels, "
                                 f"got {images.shape} and {labels.shape}")
            if labels.min() < 0 or labels.max() > 9:
                raise ValueError(f"{name}/{split}: labels outside 0..9")
            splits[split] = Split(torch.from_numpy(images.copy()).unsqueeze(1),
                                  torch.from_numpy(labels.astype(np.int64)))
        ds = Dataset(name, splits["train"], splits["test"])
        _cache[name] = ds
        return ds


def main() -> None:  # python -m explorer.data : check the datasets from the command line
    for name in DATASETS:
        try:
            ds = load(name)
            print(f"{name}: OK — {len(ds.train)} train, {len(ds.test)} test images "
                  f"from {locate(name)}")
        except DatasetMissing as err:
            print(f"{name}: MISSING — {err}")


if __name__ == "__main__":
    main()
