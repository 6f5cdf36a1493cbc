"""Two-dimensional data sets for the Fundamentos tab's network playground: the five shapes of
TensorFlow Playground and the course (circles, XOR, Gaussian blobs, a spiral, two moons) with 2 to
5 classes where the shape allows it, noise and a train/test split; points a user clicked or a CSV
they uploaded; and the input features the network can be given (x₁, x₂, x₁², x₂², x₁x₂, sin x₁,
sin x₂).

Coordinates live in the square [-EXTENT, EXTENT]² (as in the Playground, where sin x₁ makes
sense). The network sees the chosen features standardised with the training points' mean and
spread, so that x₁² (up to 36) and x₁ (up to 6) start on the same footing.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from explorer.errors import InputError

EXTENT = 6.0
DATASETS = ("circles", "xor", "blobs", "spiral", "moons")
TWO_CLASS_ONLY = ("xor", "moons")  # their shape has two classes
MAX_CLASSES = 5
MIN_POINTS, MAX_POINTS = 10, 2000  # generated points; clicked or uploaded: MIN_USER_POINTS..MAX_POINTS
MIN_USER_POINTS = 4
MAX_CSV_BYTES = 1_000_000
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
FEATURE_TEXT = {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²", "x1x2": "x₁x₂", "sinx1": "sin x₁",
                "sinx2": "sin x₂"}


@dataclass(frozen=True)
class Data2D:
    """Points (n, 2) in [-EXTENT, EXTENT]² and their classes 0..classes-1, split in train and test."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int
    name: str  # a data set's name, "points" (clicked) or "csv"

    def summary(self) -> dict:
        return {"dataset": self.name, "classes": self.classes, "train_points": len(self.y_train),
                "test_points": len(self.y_test),
                "per_class": np.bincount(np.concatenate([self.y_train, self.y_test]),
                                         minlength=self.classes).tolist()}


def classes_for(name: str, classes: int) -> int:
    """How many classes data set ``name`` has when ``classes`` are asked for (XOR and the moons: 2)."""
    return 2 if name in TWO_CLASS_ONLY else classes


def _check_int(value, lo: int, hi: int, kind: str) -> int:
    try:
        f = float(value)
        ok = math.isfinite(f) and f == int(f) and lo <= f <= hi
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"basics_{kind}", value=str(value)[:20], lo=lo, hi=hi)
    return int(f)


def _check_float(value, lo: float, hi: float, kind: str) -> float:
    try:
        f = float(value)
        ok = math.isfinite(f) and lo <= f <= hi
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"basics_{kind}", value=str(value)[:20], lo=lo, hi=hi)
    return f


def generate(name: str, n: int = 200, noise: float = 0.1, classes: int = 2, seed: int = 0) -> tuple[np.ndarray,
                                                                                                       np.ndarray]:
    """``n`` points of data set ``name`` and their classes. ``noise`` (0..1) scales each shape's
    own jitter: 0 draws the clean shape, 1 smears it over its neighbours."""
    if name not in DATASETS:
        raise InputError("basics_dataset", value=str(name)[:30], choices=", ".join(DATASETS))
    n = _check_int(n, MIN_POINTS, MAX_POINTS, "points")
    noise = _check_float(noise, 0.0, 1.0, "noise")
    k = classes_for(name, _check_int(classes, 2, MAX_CLASSES, "classes"))
    rng = np.random.default_rng(_check_int(seed, 0, 2 ** 31 - 1, "seed"))
    y = np.arange(n) % k  # balanced
    rng.shuffle(y)
    if name == "circles":  # class c in the ring between radii c and c+1 (scaled to the square)
        width = EXTENT / k * 0.9
        r = (y + rng.uniform(0.1, 0.9, n)) * width
        a = rng.uniform(0, 2 * np.pi, n)
        x = np.stack([r * np.cos(a), r * np.sin(a)], 1) + rng.normal(0, noise * width * 0.6, (n, 2))
    elif name == "xor":  # the four quadrants, away from the axes
        x = rng.uniform(0.3, EXTENT - 0.3, (n, 2)) * rng.choice([-1, 1], (n, 2))
        y = (x[:, 0] * x[:, 1] < 0).astype(int)
        x = x + rng.normal(0, noise * 1.5, (n, 2))
    elif name == "blobs":  # Gaussian clouds on a circle of centres
        angle = 2 * np.pi * np.arange(k) / k + np.pi / 4
        centres = 3.2 * np.stack([np.cos(angle), np.sin(angle)], 1)
        x = centres[y] + rng.normal(0, 0.5 + 2.0 * noise, (n, 2))
    elif name == "spiral":  # k arms turning 1¾ times
        t = rng.uniform(0.0, 1.0, n) ** 0.8
        a = t * 1.75 * 2 * np.pi + 2 * np.pi * y / k
        r = 0.5 + t * (EXTENT - 1.0)
        x = np.stack([r * np.sin(a), r * np.cos(a)], 1) + rng.normal(0, noise * 0.9, (n, 2))
    else:  # moons: two interleaved half circles
        a = rng.uniform(0, np.pi, n)
        x = np.where(y[:, None] == 0, np.stack([np.cos(a), np.sin(a)], 1),
                     np.stack([1 - np.cos(a), 0.5 - np.sin(a)], 1))
        x = (x - [0.5, 0.25]) * 3.2 + rng.normal(0, noise * 1.2, (n, 2))
    return np.clip(x, -EXTENT, EXTENT).astype(np.float32), y.astype(np.int64)


def split(x: np.ndarray, y: np.ndarray, test_share: float, seed: int, name: str) -> Data2D:
    """Train and test points: a seeded shuffle, ``test_share`` of the points (at least one per
    set when there are enough) kept for the test."""
    test_share = _check_float(test_share, 0.0, 0.9, "test_share")
    classes = int(y.max()) + 1
    order = np.random.default_rng(seed + 1).permutation(len(y))
    n_test = round(len(y) * test_share)
    n_test = min(max(n_test, 1 if test_share > 0 else 0), len(y) - 1)
    te, tr = order[:n_test], order[n_test:]
    return Data2D(x[tr], y[tr], x[te], y[te], classes, name)


def make(name: str, n: int = 200, noise: float = 0.1, classes: int = 2, test_share: float = 0.3,
         seed: int = 0) -> Data2D:
    """A generated data set, split."""
    x, y = generate(name, n, noise, classes, seed)
    return split(x, y, test_share, int(seed), name)


def from_points(rows, test_share: float = 0.3, seed: int = 0, name: str = "points") -> Data2D:
    """Points given as rows [x₁, x₂, class] (clicked on the plane, or read from a CSV): checked
    (numbers, finite, inside the square, 2 to 5 classes numbered 0..k-1 with no gap, 4 to 2,000
    points)."""
    if not isinstance(rows, (list, tuple, np.ndarray)) or len(rows) == 0:
        raise InputError("basics_no_points", min=MIN_USER_POINTS)
    if len(rows) > MAX_POINTS:
        raise InputError("basics_too_many_points", n=len(rows), max=MAX_POINTS)
    try:
        arr = np.asarray([[float(v) for v in row[:3]] for row in rows], dtype=np.float64)
    except (TypeError, ValueError, IndexError):
        raise InputError("basics_bad_points") from None
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise InputError("basics_bad_points")
    if not np.isfinite(arr).all():
        raise InputError("basics_nan_points")
    if len(arr) < MIN_USER_POINTS:
        raise InputError("basics_no_points", min=MIN_USER_POINTS)
    if np.abs(arr[:, :2]).max() > EXTENT:
        raise InputError("basics_outside", extent=int(EXTENT))
    labels = arr[:, 2]
    if (labels != np.round(labels)).any() or labels.min() < 0 or labels.max() >= MAX_CLASSES:
        raise InputError("basics_bad_class", max=MAX_CLASSES - 1)
    y = labels.astype(np.int64)
    present = np.unique(y)
    if len(present) < 2:
        raise InputError("basics_one_class")
    y = np.searchsorted(present, y)  # classes 0..k-1 with no gap
    return split(arr[:, :2].astype(np.float32), y, test_share, int(seed), name)


def read_csv(raw: bytes | str, test_share: float = 0.3, seed: int = 0) -> Data2D:
    """A CSV of points: columns x1, x2 and class (a header line is optional; the separator may be
    a comma, a semicolon or a tab; the class may be a number or a name, at most 5 different). The
    coordinates are rescaled into the square when they lie outside it, keeping their shape."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_CSV_BYTES:
            raise InputError("basics_csv_big", mb=round(len(raw) / 1e6, 1), max_mb=MAX_CSV_BYTES // 1_000_000)
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("basics_csv_encoding") from None
    if len(raw) > MAX_CSV_BYTES:
        raise InputError("basics_csv_big", mb=round(len(raw) / 1e6, 1), max_mb=MAX_CSV_BYTES // 1_000_000)
    sample = raw[:2048]
    delim = max((";", "\t", ","), key=sample.count) if any(c in sample for c in ";\t,") else ","
    rows = [r for r in csv.reader(io.StringIO(raw), delimiter=delim) if any(c.strip() for c in r)]
    if rows and not _is_number(rows[0][0] if rows[0] else ""):
        rows = rows[1:]  # a header
    if len(rows) > MAX_POINTS:
        raise InputError("basics_too_many_points", n=len(rows), max=MAX_POINTS)
    if len(rows) < MIN_USER_POINTS:
        raise InputError("basics_no_points", min=MIN_USER_POINTS)
    coords, names = [], []
    for i, row in enumerate(rows, start=1):
        if len(row) < 3:
            raise InputError("basics_csv_columns", line=i)
        a, b = row[0].strip(), row[1].strip()
        if not (_is_number(a) and _is_number(b)):
            raise InputError("basics_csv_text", line=i, value=f"{a[:15]}; {b[:15]}")
        coords.append((float(a), float(b)))
        names.append(row[2].strip())
    xy = np.asarray(coords)
    if not np.isfinite(xy).all():
        raise InputError("basics_nan_points")
    kinds = sorted(set(names), key=lambda s: (not _is_number(s), float(s) if _is_number(s) else 0, s))
    if len(kinds) < 2:
        raise InputError("basics_one_class")
    if len(kinds) > MAX_CLASSES:
        raise InputError("basics_csv_classes", n=len(kinds), max=MAX_CLASSES)
    y = np.asarray([kinds.index(s) for s in names], dtype=np.float64)
    reach = np.abs(xy).max()
    if reach > EXTENT:
        xy = xy * (EXTENT * 0.95 / reach)
    return from_points(np.column_stack([xy, y]), test_share, seed, name="csv")


def _is_number(s: str) -> bool:
    try:
        float(s.strip().replace(",", ".") if s.count(",") == 1 and "." not in s else s)
    except (ValueError, AttributeError):
        return False
    return True


def features(x: np.ndarray, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """The chosen input features of points ``x`` (n, 2), as columns in the order of FEATURES."""
    x1, x2 = x[:, 0], x[:, 1]
    cols = {"x1": x1, "x2": x2, "x1sq": x1 ** 2, "x2sq": x2 ** 2, "x1x2": x1 * x2, "sinx1": np.sin(x1),
            "sinx2": np.sin(x2)}
    return np.stack([cols[f] for f in FEATURES if f in names], 1).astype(np.float32)


def check_features(names) -> tuple[str, ...]:
    """The features asked for, in FEATURES order; at least one, all known."""
    if isinstance(names, str):
        names = [names]
    names = list(names or [])
    unknown = [f for f in names if f not in FEATURES]
    if unknown:
        raise InputError("basics_feature", value=str(unknown[0])[:20], choices=", ".join(FEATURES))
    if not names:
        raise InputError("basics_no_feature")
    return tuple(f for f in FEATURES if f in names)


def grid(n: int) -> np.ndarray:
    """An n × n grid of points over the square, row by row from the bottom (as a heatmap draws it)."""
    ticks = np.linspace(-EXTENT, EXTENT, n, dtype=np.float32)
    gx, gy = np.meshgrid(ticks, ticks)
    return np.stack([gx.ravel(), gy.ravel()], 1)
