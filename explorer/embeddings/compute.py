"""The map a network makes: embeddings of images, their 2-D/3-D projections, and similarity search.

Pure logic (numpy + torch), no UI. UMAP's and t-SNE's fits (umap-learn, scikit-learn) run in a
worker process (:mod:`explorer.embeddings.fit` through :mod:`explorer.worker`), which a stop kills.
Four sources of vectors for the same images:

* ``cnn`` — the shipped Fashion-MNIST CNN's penultimate layer (``SmallCNN.embed``, 128-d);
* ``untrained`` — the same architecture with random weights from a fixed seed, for contrast;
* ``pixels`` — the 784 raw pixels;
* ``session`` — the user's own model (any ``SmallCNN``), passed in by the caller.

Projections: PCA (Pearson 1901; computed from the eigenvectors of the covariance matrix), UMAP
(McInnes, Healy & Melville 2018, arXiv:1802.03426) and t-SNE (van der Maaten & Hinton 2008;
Barnes-Hut, van der Maaten 2014). UMAP is given the *exact* cosine k-nearest-neighbour graph computed
here with one matrix product per block (``knn_graph``), instead of umap-learn's approximate
NN-descent: on 10,000 points that is faster, exact, deterministic, and it splits the fit into two
phases the caller can report: the graph here, the layout in the worker.

Neighbour search is by cosine similarity on L2-normalised vectors (a matrix-vector product and
``argpartition``). Quality measures: trustworthiness (Venna & Kaski 2001; scikit-learn) and
k-nearest-neighbour label agreement.

Threading: the caches here (test-set features per source, the untrained network, the loaded assets)
are filled once per process under a lock and then shared read-only. ``project`` and ``neighbors``
hold no global state and may run in several threads at once.
"""
from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from explorer import worker
from explorer.embeddings import fit
from explorer.images import exact_gray28  # noqa: F401  (here first; tests and the tab use emb.exact_gray28)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
MAP_FILE = ASSETS / "embedding_map.npz"
PROGRESS_FILE = ASSETS / "embedding_progress.npz"

SOURCES = ("cnn", "untrained", "pixels", "session")
CACHED_SOURCES = ("cnn", "untrained", "pixels")  # test-set features kept once per process
METHODS = ("umap", "pca", "tsne")
DIMS = (2, 3)
N_NEIGHBORS = (2, 200)  # UMAP's n_neighbors, inclusive bounds the API enforces
MIN_DIST = (0.0, 1.0)  # UMAP's min_dist
K_RANGE = (1, 100)  # neighbours returned by a query
UMAP_DEFAULTS = dict(n_neighbors=15, min_dist=0.1, metric="cosine", n_epochs=200)
TSNE_PERPLEXITY = 30.0
TSNE_MAX_POINTS = 5000  # the API bound: Barnes-Hut t-SNE, 2 cores: 2,000 points 5 s, 5,000 28 s, 10,000 ~2 min
TSNE_SAMPLE = 2000  # what the tab should subsample to (sample_indices) for an interactive t-SNE
UNTRAINED_SEED = 0
MIN_POINTS = 5

ProgressFn = Callable[[float, str], None]  # (fraction done in [0, 1], phase key)


class EmbeddingError(ValueError):
    """An input the tab cannot use; ``kind`` keys the translated message (``err_<kind>``) and
    ``details`` carries the numbers for it. Kinds: source, method, dims, n_neighbors, min_dist, k,
    index, shape, not_finite, too_few_points, too_many_points, no_model, stopped, missing_asset."""

    def __init__(self, kind: str, **details: Any):
        super().__init__(f"{kind}: {details}")
        self.kind, self.details = kind, details


# ---------------------------------------------------------------------------------------------
# Sources


_lock = threading.Lock()
_feature_cache: dict[str, np.ndarray] = {}
_source_locks = {s: threading.Lock() for s in CACHED_SOURCES}
_models: dict[str, nn.Module] = {}


def _shipped_cnn() -> nn.Module:
    """A private copy of the shipped CNN (assets/cnn_fashion.pt), loaded once: nothing here ever
    hooks or changes the network the other tabs share."""
    with _lock:
        if "cnn" not in _models:
            from models.cnn import load_checkpoint
            model, _ = load_checkpoint(ASSETS / "cnn_fashion.pt")
            _models["cnn"] = model.requires_grad_(False).eval().to(memory_format=torch.channels_last)
        return _models["cnn"]


def _untrained_cnn() -> nn.Module:
    """The shipped architecture, freshly initialised from ``UNTRAINED_SEED`` (PyTorch's default
    Kaiming-uniform init); eval mode, so batch norm uses its initial statistics (identity)."""
    cfg = copy.deepcopy(_shipped_cnn().cfg)
    with _lock:
        if "untrained" not in _models:
            from explorer.train.compute import build_model
            _models["untrained"] = (build_model(cfg, UNTRAINED_SEED).requires_grad_(False).eval()
                                    .to(memory_format=torch.channels_last))
        return _models["untrained"]


def test_images() -> torch.Tensor:
    """The 10,000 Fashion-MNIST test images, (10000, 1, 28, 28) float32 in [0, 1]."""
    from explorer import data
    return data.load("fashion").test.floats()


def test_labels() -> np.ndarray:
    from explorer import data
    return data.load("fashion").test.labels.numpy()


def _as_images(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    x = torch.as_tensor(images)
    if x.dtype == torch.uint8:
        x = x.float().div_(255.0)
    x = x.float()
    if x.ndim == 3:  # (N, 28, 28)
        x = x.unsqueeze(1)
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        raise EmbeddingError("shape", expected="(N, 1, 28, 28)", got=tuple(x.shape))
    return x


@torch.inference_mode()
def embed(model: nn.Module, images: torch.Tensor | np.ndarray, batch: int = 1000,
          private: bool = False) -> np.ndarray:
    """``model.embed`` of every image, in batches, in eval mode. Unless ``private`` (a network
    only this module uses), it runs on a frozen copy: the caller's model may be training in
    another thread and is never touched. Returns (N, D) float32."""
    x = _as_images(images).contiguous(memory_format=torch.channels_last)  # oneDNN: ~1.5x faster
    if not private:
        model = copy.deepcopy(model)  # a SmallCNN is a few MB: cheap next to the forward passes
        model.eval().to(memory_format=torch.channels_last)
    out = [model.embed(x[i:i + batch]) for i in range(0, len(x), batch)]
    return torch.cat(out).numpy().astype(np.float32, copy=False)


def features(source: str, images: torch.Tensor | np.ndarray | None = None,
             model: nn.Module | None = None) -> np.ndarray:
    """Vectors that represent each image, (N, D) float32.

    Args:
        source: ``cnn`` (shipped CNN, penultimate layer, 128-d), ``untrained`` (same architecture,
            random weights, seed ``UNTRAINED_SEED``), ``pixels`` (784 raw pixels in [0, 1]) or
            ``session`` (``model.embed``; ``model`` required).
        images: (N, 1, 28, 28) or (N, 28, 28), float in [0, 1] or uint8. ``None`` means the 10,000
            Fashion-MNIST test images; those features are computed once per process and cached
            for every source but ``session`` (treat the returned array as read-only).
        model: the session's network (a ``SmallCNN``); a training model is copied, not changed.
    """
    if source not in SOURCES:
        raise EmbeddingError("source", value=str(source)[:40], choices=list(SOURCES))
    if source == "session" and model is None:
        raise EmbeddingError("no_model")
    if images is None and source in CACHED_SOURCES:
        with _source_locks[source]:  # a second caller waits for the first instead of recomputing
            hit = _feature_cache.get(source)
            if hit is None:
                hit = _compute(source, test_images(), model)
                hit.setflags(write=False)
                _feature_cache[source] = hit
            return hit
    return _compute(source, test_images() if images is None else images, model)


def _compute(source: str, images, model: nn.Module | None) -> np.ndarray:
    if source == "pixels":
        x = _as_images(images)
        return x.reshape(len(x), -1).numpy().astype(np.float32, copy=True)
    if source == "session":
        return embed(model, images)
    return embed({"cnn": _shipped_cnn, "untrained": _untrained_cnn}[source](), images, private=True)


def clear_cache() -> None:
    """Forget the cached features and networks (tests; a rebuilt checkpoint)."""
    with _lock:
        _feature_cache.clear()
        _models.clear()
        _assets.clear()


# ---------------------------------------------------------------------------------------------
# Neighbours


def normalize(X: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (all-zero rows stay zero), float32."""
    X = np.asarray(X, dtype=np.float32)
    n = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(n, 1e-12)


def _check_matrix(X: np.ndarray, min_points: int = 2) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] < 1:
        raise EmbeddingError("shape", expected="(N, D)", got=tuple(X.shape))
    if len(X) < min_points:
        raise EmbeddingError("too_few_points", n=len(X), min=min_points)
    if not np.isfinite(X).all():
        raise EmbeddingError("not_finite")
    return X


def _top_k(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the k largest entries of each row, largest first (ties by index)."""
    if k < sims.shape[-1]:
        part = np.argpartition(-sims, k - 1, axis=-1)[..., :k]
    else:
        part = np.broadcast_to(np.arange(sims.shape[-1]), sims.shape).copy()
    vals = np.take_along_axis(sims, part, -1)
    order = np.lexsort((part, -vals), axis=-1)
    return np.take_along_axis(part, order, -1), np.take_along_axis(vals, order, -1)


class CosineIndex:
    """Exact cosine-similarity search over a fixed set of vectors: normalise once, then each query
    is one matrix-vector product (N·D multiply-adds) and an ``argpartition``."""

    def __init__(self, X: np.ndarray):
        self.unit = normalize(_check_matrix(X, 2))  # (N, D)

    def __len__(self) -> int:
        return len(self.unit)

    def query(self, index: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` points most similar to point ``index`` (itself excluded): (indices (k,) int64,
        cosine similarities (k,) float32), most similar first."""
        n = len(self.unit)
        index, k = _check_index(index, n), _check_k(k, n)
        sims = self.unit @ self.unit[index]  # (N,)
        sims[index] = -np.inf
        idx, val = _top_k(sims, k)
        return idx.astype(np.int64), val.astype(np.float32)


def _check_index(index: Any, n: int) -> int:
    try:
        i = int(index)
    except (TypeError, ValueError):
        raise EmbeddingError("index", value=str(index)[:40], n=n) from None
    if i != index or not 0 <= i < n:
        raise EmbeddingError("index", value=str(index)[:40], n=n)
    return i


def _check_k(k: Any, n: int) -> int:
    try:
        kk = int(k)
    except (TypeError, ValueError):
        raise EmbeddingError("k", value=str(k)[:40], lo=K_RANGE[0], hi=K_RANGE[1]) from None
    if kk != k or not K_RANGE[0] <= kk <= K_RANGE[1]:
        raise EmbeddingError("k", value=str(k)[:40], lo=K_RANGE[0], hi=K_RANGE[1])
    return min(kk, n - 1)


def neighbors(X: np.ndarray, index: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest neighbours of point ``index`` of ``X`` (N, D) by cosine similarity
    ``x·y / (|x||y|)``, the point itself excluded. Returns (indices (k,), similarities (k,)),
    most similar first. For repeated queries on the same ``X`` build a :class:`CosineIndex`."""
    return CosineIndex(X).query(index, k)


@dataclass(frozen=True)
class Placement:
    """Where a new vector lands on an existing map."""

    xy: np.ndarray  # (dims,) its position on the map
    neighbors: np.ndarray  # (k,) indices of its nearest map points in the original space
    similarities: np.ndarray  # (k,) their cosine similarities, most similar first


def place(X: np.ndarray | CosineIndex, coords: np.ndarray, q: np.ndarray, k: int = 10) -> Placement:
    """Put a new point ``q`` (D,) on a map ``coords`` (N, dims) made from ``X`` (N, D; or its
    :class:`CosineIndex`, normalised once for many placements): at the mean of
    the map positions of its ``k`` nearest neighbours in the original space (cosine), weighted by
    their similarity. A map has no inverse to run a new point through; this is how UMAP's own
    ``transform`` starts a new point (the weighted mean of its neighbours' embeddings) before
    refining it, and it keeps what the map shows: the point sits among the images it resembles."""
    unit = X.unit if isinstance(X, CosineIndex) else None  # many queries: normalise the map once
    X = unit if unit is not None else _check_matrix(X, 2)
    coords = np.asarray(coords, dtype=np.float64)
    q = np.asarray(q, dtype=np.float32).ravel()
    if coords.ndim != 2 or len(coords) != len(X):
        raise EmbeddingError("shape", expected=f"({len(X)}, 2|3)", got=str(list(coords.shape)))
    if q.shape != (X.shape[1],) or not np.all(np.isfinite(q)):
        raise EmbeddingError("shape", expected=f"({X.shape[1]},)", got=str(list(q.shape)))
    k = _check_k(k, len(X) + 1)
    sims = (normalize(X) if unit is None else unit) @ (q / max(float(np.linalg.norm(q)), 1e-12))
    idx, val = _top_k(sims, k)
    w = np.clip(val.astype(np.float64), 1e-6, None)
    xy = (coords[idx] * w[:, None]).sum(0) / w.sum()
    return Placement(xy=xy, neighbors=idx.astype(np.int64), similarities=val.astype(np.float32))


def fashion_input(img, from_dataset: bool = False) -> tuple[np.ndarray, str]:
    """Any image as the (1, 28, 28) input of a Fashion-MNIST network, and how it was made:
    ``"exact"`` (a dataset image, or an exact enlargement of a 28×28 grey image: its pixels as they
    are) or ``"converted"`` (:func:`explorer.images.to_gray28`, the conversion the Filters,
    Saliency and Adversarial tabs give the Fashion CNN: trim, grey, invert a light background,
    stretch the contrast, fit in 28×28)."""
    from explorer import images

    exact = images.exact_gray28(img)
    if exact is not None:
        return exact, "exact"
    if from_dataset:
        a = np.asarray(images.load(img).convert("L").resize((28, 28)), dtype=np.float32) / 255.0
        return a[None], "exact"
    return images.to_gray28(img).array.astype(np.float32), "converted"


@torch.inference_mode()
def classify(x: np.ndarray | torch.Tensor, model: nn.Module | None = None) -> np.ndarray:
    """Class probabilities (N, 10) of images (N, 1, 28, 28) in [0, 1]: the shipped CNN (the network
    whose predictions every shipped map shows), or ``model`` (a frozen copy: never changed)."""
    x = _as_images(x)
    net = _shipped_cnn() if model is None else copy.deepcopy(model).eval()
    return torch.softmax(net(x), 1).numpy().astype(np.float64)


@dataclass(frozen=True)
class Landing:
    """A new image on a map: where :func:`place` puts its vector, what its neighbours are, and what
    the network says it is."""

    xy: np.ndarray  # (dims,) map position
    neighbors: np.ndarray  # (k,) indices of the most similar map images (cosine, original space)
    similarities: np.ndarray  # (k,)
    neighbor_labels: np.ndarray  # (k,) their true classes
    majority: int  # the class most of them belong to (ties: the more similar neighbour's)
    majority_count: int  # how many of the k belong to it
    probs: np.ndarray  # (classes,) the network's probabilities for the image

    @property
    def pred(self) -> int:
        return int(np.argmax(self.probs))


def majority(labels: np.ndarray) -> tuple[int, int]:
    """The most frequent label in ``labels`` (ordered most similar first) and its count; a tie goes
    to the label that appears first, i.e. the closer neighbour's."""
    labels = np.asarray(labels, np.int64)
    counts = np.bincount(labels)
    best = counts.max()
    lab = next(int(c) for c in labels if counts[c] == best)
    return lab, int(best)


def land(x: np.ndarray | torch.Tensor, source: str, X: np.ndarray, coords: np.ndarray, labels: np.ndarray,
         k: int = 8, model: nn.Module | None = None) -> Landing:
    """Where image ``x`` (1, 28, 28) lands on the map ``coords`` of the vectors ``X`` (the same
    ``source``'s features of the map's images, whose classes are ``labels``): its vector from
    ``source`` (the network of the map; ``model`` for ``session``), placed by :func:`place` among its
    ``k`` nearest neighbours. ``probs``: the shipped CNN's prediction, or the session model's for
    ``session`` — the predictions the map itself shows."""
    x = _as_images(x)[:1]
    q = features(source, x, model)[0]
    p = place(X, coords, q, k)
    nl = np.asarray(labels)[p.neighbors]
    maj, cnt = majority(nl)
    probs = classify(x, model if source == "session" else None)[0]
    return Landing(p.xy, p.neighbors, p.similarities, nl, maj, cnt, probs)


def knn_graph(X: np.ndarray, k: int, block: int = 1024,
              check: Callable[[], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact k-nearest-neighbour graph by cosine distance ``1 - cos``, each point first in its own
    row (umap-learn's convention). Returns (indices (N, k) int32, distances (N, k) float32).
    ``check`` is called before each block of rows (it may raise to stop)."""
    U = normalize(X)
    n = len(U)
    k = min(k, n)
    idx = np.empty((n, k), np.int32)
    dist = np.empty((n, k), np.float32)
    for a in range(0, n, block):
        if check is not None:
            check()
        S = U[a:a + block] @ U.T  # (b, N)
        rows = np.arange(a, min(a + block, n))
        S[rows - a, rows] = np.inf  # self first, even among duplicates
        i, s = _top_k(S, k)
        idx[a:a + block], dist[a:a + block] = i, np.clip(1.0 - s, 0.0, 2.0)
    dist[:, 0] = 0.0
    return idx, dist


# ---------------------------------------------------------------------------------------------
# Quality


def knn_agreement(X: np.ndarray, labels: np.ndarray, k: int = 5, block: int = 1024) -> float:
    """Mean over points of the share of their ``k`` nearest neighbours (cosine, itself excluded)
    that carry the same label: how well the space groups classes, with no projection involved."""
    labels = np.asarray(labels)
    idx, _ = knn_graph(_check_matrix(X, k + 1), k + 1, block)
    return float((labels[idx[:, 1:]] == labels[:, None]).mean())


def sample_indices(n: int, size: int, seed: int = 0) -> np.ndarray:
    """A seeded random subset of ``range(n)`` of at most ``size`` points, sorted."""
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def trustworthiness(X: np.ndarray, Y: np.ndarray, k: int = 10, sample: int | None = 2000,
                    seed: int = 0, metric: str = "cosine") -> float:
    """Trustworthiness (Venna & Kaski 2001) of the map ``Y`` of ``X``, in [0, 1]: 1 when every
    point's ``k`` nearest neighbours in the map are also among its nearest in the original space
    (measured with ``metric`` there). scikit-learn's implementation on a seeded sample of
    ``sample`` points (``None``: all), since it costs O(N²) memory."""
    from sklearn.manifold import trustworthiness as tw

    X, Y = np.asarray(X, np.float32), np.asarray(Y, np.float32)
    s = sample_indices(len(X), sample or len(X), seed)
    return float(tw(X[s], Y[s], n_neighbors=k, metric=metric))


# ---------------------------------------------------------------------------------------------
# Projections


def _validate_projection(X, method, dims, n_neighbors, min_dist) -> np.ndarray:
    if method not in METHODS:
        raise EmbeddingError("method", value=str(method)[:40], choices=list(METHODS))
    if dims not in DIMS or isinstance(dims, bool):
        raise EmbeddingError("dims", value=str(dims)[:40], choices=list(DIMS))
    if (isinstance(n_neighbors, bool) or not isinstance(n_neighbors, (int, np.integer))
            or not N_NEIGHBORS[0] <= n_neighbors <= N_NEIGHBORS[1]):
        raise EmbeddingError("n_neighbors", value=str(n_neighbors)[:40], lo=N_NEIGHBORS[0],
                             hi=N_NEIGHBORS[1])
    try:
        md = float(min_dist)
    except (TypeError, ValueError):
        md = float("nan")
    if not MIN_DIST[0] <= md <= MIN_DIST[1]:
        raise EmbeddingError("min_dist", value=str(min_dist)[:40], lo=MIN_DIST[0], hi=MIN_DIST[1])
    X = _check_matrix(X, MIN_POINTS)
    if method == "umap" and n_neighbors >= len(X):
        raise EmbeddingError("n_neighbors", value=int(n_neighbors), lo=N_NEIGHBORS[0], hi=len(X) - 1)
    if method == "tsne" and len(X) > TSNE_MAX_POINTS:
        raise EmbeddingError("too_many_points", n=len(X), max=TSNE_MAX_POINTS)
    return np.asarray(X, dtype=np.float32)


def project(X: np.ndarray, method: str, dims: int = 2, n_neighbors: int = 15, min_dist: float = 0.1,
            seed: int = 0, progress: ProgressFn | None = None, stop: threading.Event | None = None,
            init: np.ndarray | None = None, n_epochs: int | None = None) -> np.ndarray:
    """Project ``X`` (N, D) to (N, dims) float32.

    Args:
        method: ``pca`` (instant; principal axes, signs fixed so each axis' largest loading is
            positive), ``umap`` (cosine metric, exact k-NN graph, ``n_epochs`` = 200, fixed
            ``random_state=seed`` so the same input gives the same map) or ``tsne`` (scikit-learn
            Barnes-Hut, perplexity 30 (or N/4 when smaller), PCA initialisation, cosine metric).
        dims: 2 or 3.
        n_neighbors, min_dist: UMAP's two knobs (local vs global structure; how tightly points
            pack). Ignored by PCA and t-SNE.
        progress: called as ``progress(fraction, phase)`` with phases ``start``, ``neighbors``,
            ``layout``, ``done``. UMAP's layout and t-SNE run as one call in a worker process,
            so progress is coarse.
        stop: when set, raises ``EmbeddingError("stopped")``. UMAP checks it between blocks of
            the k-NN graph; during UMAP's layout and t-SNE the worker process computing them is
            killed (within 50 ms) and the next projection starts a new one.
        init: UMAP only, (N, dims) starting coordinates (e.g. the previous frame of an animation).
        n_epochs: UMAP only; default 200.
    """
    X = _validate_projection(X, method, dims, n_neighbors, min_dist)
    report = progress or (lambda f, p: None)

    def check_stop() -> None:
        if stop is not None and stop.is_set():
            raise EmbeddingError("stopped")

    check_stop()
    report(0.0, "start")
    if method == "pca":
        Y = pca(X, dims)
    elif method == "umap":
        Y = _umap(X, dims, int(n_neighbors), float(min_dist), seed, report, check_stop, init, n_epochs, stop)
    else:
        Y = _tsne(X, dims, seed, report, stop)
    report(1.0, "done")
    return np.ascontiguousarray(Y, dtype=np.float32)


def pca(X: np.ndarray, dims: int = 2) -> np.ndarray:
    """Coordinates of ``X`` (N, D) on its first ``dims`` principal axes: the eigenvectors of the
    covariance matrix ``Xcᵀ Xc`` with the largest eigenvalues (one D×D eigendecomposition, so
    10,000 × 784 takes tens of milliseconds). Each axis is signed so that its largest loading is
    positive, which makes the result deterministic."""
    X = np.asarray(X, dtype=np.float32)
    Xc = X - X.mean(axis=0)
    cov = (Xc.T @ Xc).astype(np.float64)  # (D, D); float32 product, float64 eigensolver
    w, V = np.linalg.eigh(cov)
    V = V[:, np.argsort(w)[::-1][:dims]]  # (D, dims)
    V *= np.sign(V[np.abs(V).argmax(axis=0), np.arange(V.shape[1])])
    Y = Xc @ V.astype(np.float32)
    if Y.shape[1] < dims:  # fewer features than dims: pad with zeros
        Y = np.pad(Y, ((0, 0), (0, dims - Y.shape[1])))
    return Y.astype(np.float32)


def _umap(X, dims, n_neighbors, min_dist, seed, report, check_stop, init, n_epochs, stop) -> np.ndarray:
    report(0.02, "neighbors")
    idx, dist = knn_graph(X, n_neighbors, check=check_stop)
    check_stop()
    report(0.3, "layout")
    if init is not None:
        init = np.asarray(init, dtype=np.float32)
        if init.shape != (len(X), dims):
            raise EmbeddingError("shape", expected=f"({len(X)}, {dims})", got=tuple(init.shape))
    return _in_worker(fit.umap_layout, X, idx, dist, dims, n_neighbors, min_dist, seed,
                      n_epochs or UMAP_DEFAULTS["n_epochs"], init, stop=stop)


def _tsne(X, dims, seed, report, stop) -> np.ndarray:
    report(0.05, "layout")
    perplexity = min(TSNE_PERPLEXITY, max(1.0, (len(X) - 1) / 4))
    return _in_worker(fit.tsne_layout, X, dims, perplexity, seed, stop=stop)


def _in_worker(fn, *args, stop) -> np.ndarray:
    """``fn(*args)`` in a worker process (:mod:`explorer.worker`): umap-learn's and scikit-learn's
    fits have no way to be interrupted, so a stop kills the worker instead."""
    try:
        return worker.run(fn, *args, stop=stop)
    except worker.Stopped:
        raise EmbeddingError("stopped") from None


_warm = threading.Event()


def warm_up_umap(dims: Sequence[int] = DIMS) -> float:
    """Start the worker process that computes maps (:mod:`explorer.worker`) and have it import
    umap-learn and compile its numba code, so the first real UMAP is not several times slower (a
    new process pays ~1.5 s of imports and ~8 s of compilation at its first fit): a small input
    fitted in each of ``dims`` from our k-NN graph (this tab's maps), and once with umap-learn's
    own neighbour search ("Mi archivo", :func:`explorer.archive.compute.layout`). umap-learn is
    never loaded in this process. Meant for a background thread at launch; safe to call more than
    once. Returns seconds."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    # Ten far-apart blobs, like classes: a k-NN graph with several connected components takes
    # umap-learn's multi-component spectral layout, which a single random cloud would not compile.
    X = (rng.normal(size=(1000, 16)) + 20 * np.repeat(np.eye(16)[:10], 100, axis=0)).astype(np.float32)
    for d in dims:
        project(X, "umap", dims=d, n_neighbors=15, n_epochs=10)
    worker.run(fit.umap_own_neighbours, X[::10], 15, UMAP_DEFAULTS["min_dist"], 0, "spectral")
    _warm.set()
    return time.perf_counter() - t0


def umap_is_warm() -> bool:
    return _warm.is_set()


def warm_up() -> float:
    """Everything the tab needs before its first click: the default map, the shipped CNN's
    test-set features (neighbour search) and UMAP's compiled code. Returns seconds."""
    t0 = time.perf_counter()
    default_map()
    features("cnn")
    warm_up_umap()
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# The precomputed default map


_assets: dict[str, Any] = {}


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise EmbeddingError("missing_asset", file=path.name)
    with np.load(path, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    for v in out.values():
        v.setflags(write=False)
    return out


@dataclass(frozen=True)
class DefaultMap:
    """The tab's first paint, from assets/embedding_map.npz (no computation needed).

    ``coords[(source, method, dims)]`` is (10000, dims) float32 (stored as float16: the map is
    drawn at screen resolution, so 3 significant digits are plenty) for source in cnn/untrained/
    pixels, method in umap/pca, dims in 2/3; UMAP with ``params``. ``labels``, ``pred`` (the shipped
    CNN's prediction) and ``conf`` (its probability) are (10000,) for the test images in order.
    ``params``: how it was made (``params["umap"]``: n_neighbors, min_dist, seed, ...) and what each
    source scores (``params["knn_agreement"][source]``, ``params["trust_umap_2d"][source]``)."""
    coords: dict[tuple[str, str, int], np.ndarray]
    labels: np.ndarray
    pred: np.ndarray
    conf: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)

    def get(self, source: str, method: str, dims: int = 2) -> np.ndarray | None:
        return self.coords.get((source, method, int(dims)))


def default_map() -> DefaultMap:
    """The precomputed map (loaded once per process, shared read-only)."""
    with _lock:
        if "map" not in _assets:
            import json
            z = _load_npz(MAP_FILE)
            coords = {}
            for key, v in z.items():
                if key.startswith("xy_"):  # xy_<source>_<method>_<dims>d
                    _, source, method, d = key.split("_")
                    c = v.astype(np.float32)
                    c.setflags(write=False)
                    coords[(source, method, int(d[:-1]))] = c
            _assets["map"] = DefaultMap(coords, z["labels"].astype(np.int64), z["pred"].astype(np.int64),
                                        z["conf"].astype(np.float32), json.loads(str(z["params"])))
        return _assets["map"]


# ---------------------------------------------------------------------------------------------
# Training progress: the same images embedded at several checkpoints of a training run


@dataclass(frozen=True)
class Frames:
    """Embeddings of the same images at successive training steps, projected so that consecutive
    frames are comparable (each UMAP starts from the previous frame's layout, then Procrustes
    removes any remaining rotation, reflection, scale and shift)."""
    steps: np.ndarray  # (T,) training step of each frame
    coords: np.ndarray  # (T, N, dims) float32, each frame centred with unit RMS radius
    agreement: np.ndarray  # (T,) 5-NN label agreement in the embedding space (nan without labels)
    accuracy: np.ndarray  # (T,) the snapshot's accuracy on these images (nan without labels)
    labels: np.ndarray | None = None  # (N,)
    indices: np.ndarray | None = None  # (N,) which test images (for the shipped asset)
    params: dict[str, Any] = field(default_factory=dict)


def checkpoint_steps(total_steps: int, n: int = 6) -> list[int]:
    """Roughly log-spaced steps at which to snapshot a run of ``total_steps``: 0, a few early ones
    (where the space changes fastest) and the last. E.g. 1290 → [0, 10, 34, 114, 383, 1290]."""
    total_steps = max(1, int(total_steps))
    if total_steps <= 10 or n <= 2:
        return sorted({0, total_steps} | set(np.linspace(0, total_steps, max(n, 2)).round().astype(int).tolist()))
    return sorted({0} | set(np.geomspace(10, total_steps, n - 1).round().astype(int).tolist()))


def balanced_subset(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """A seeded, class-balanced subset of indices (``per_class`` of each label), sorted."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    picks = [rng.choice(np.flatnonzero(labels == c), min(per_class, int((labels == c).sum())),
                        replace=False) for c in np.unique(labels)]
    return np.sort(np.concatenate(picks))


def _normalise_frame(Y: np.ndarray) -> np.ndarray:
    Y = Y - Y.mean(axis=0)
    return Y / max(float(np.sqrt((Y ** 2).sum(axis=1).mean())), 1e-12)


def procrustes_align(Y: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``Y`` centred, scaled to unit RMS radius and orthogonally rotated/reflected to best match
    ``ref`` (also centred and scaled) in least squares — orthogonal Procrustes (Schönemann 1966):
    R = U Vᵀ from the SVD of Yᵀ ref."""
    Yn, Rn = _normalise_frame(Y), _normalise_frame(ref)
    U, _, Vt = np.linalg.svd(Yn.T @ Rn)
    return Yn @ (U @ Vt)


def progress_frames(snapshots: Iterable[tuple[int, dict | nn.Module]], images, labels=None, *,
                    template: nn.Module | None = None, dims: int = 2, n_neighbors: int = 15,
                    min_dist: float = 0.1, seed: int = 0, progress: ProgressFn | None = None,
                    stop: threading.Event | None = None) -> Frames:
    """Embed the same ``images`` with each snapshot of a training run and project every frame.

    Args:
        snapshots: ``(step, model or state_dict)`` in training order. A state_dict is loaded into a
            copy of ``template`` (the run's architecture); nothing passed in is modified.
        images: (N, 1, 28, 28) images (a few thousand: each frame is one UMAP of N points).
        labels: (N,) classes, for the per-frame 5-NN agreement.
        progress, stop: as in :func:`project`; progress covers all frames.
    Returns:
        :class:`Frames`. The first frame is a UMAP from a spectral start; each later frame starts
        from the previous frame's layout, so clusters move instead of jumping, and is then aligned
        to it by Procrustes.
    """
    snaps = list(snapshots)
    if not snaps:
        raise EmbeddingError("too_few_points", n=0, min=1)
    report = progress or (lambda f, p: None)
    steps, coords, agree, acc = [], [], [], []
    prev = None
    for t, (step, snap) in enumerate(snaps):
        if stop is not None and stop.is_set():
            raise EmbeddingError("stopped")
        if isinstance(snap, nn.Module):
            model = snap
        else:
            if template is None:
                raise EmbeddingError("no_model")
            model = copy.deepcopy(template)
            model.load_state_dict(snap)
        model = copy.deepcopy(model).eval().to(memory_format=torch.channels_last)  # ours alone
        X = embed(model, images, private=True)

        def sub(f, phase, t=t):
            report((t + f) / len(snaps), phase)

        Y = project(X, "umap", dims, n_neighbors, min_dist, seed, progress=sub, stop=stop,
                    init=prev)  # umap-learn rescales any start to [0, 10] itself
        Y = _normalise_frame(Y) if prev is None else procrustes_align(Y, prev)
        prev = Y
        steps.append(int(step))
        coords.append(Y.astype(np.float32))
        agree.append(knn_agreement(X, labels, 5) if labels is not None else float("nan"))
        acc.append(_accuracy(model, images, labels) if labels is not None else float("nan"))
    report(1.0, "done")
    return Frames(np.array(steps), np.stack(coords), np.array(agree, np.float32), np.array(acc, np.float32),
                  None if labels is None else np.asarray(labels),
                  params=dict(method="umap", dims=dims, n_neighbors=n_neighbors, min_dist=min_dist,
                              seed=seed, init="previous frame", align="procrustes"))


@torch.inference_mode()
def _accuracy(model: nn.Module, images, labels, batch: int = 1000) -> float:
    x = _as_images(images)
    pred = torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])
    return float((pred.numpy() == np.asarray(labels)).mean())


def progress_checkpoints() -> Frames:
    """The shipped training-progress animation (assets/embedding_progress.npz), loaded once."""
    with _lock:
        if "progress" not in _assets:
            import json
            z = _load_npz(PROGRESS_FILE)
            _assets["progress"] = Frames(z["steps"].astype(np.int64), z["coords"].astype(np.float32),
                                         z["agreement"].astype(np.float32), z["accuracy"].astype(np.float32),
                                         z["labels"].astype(np.int64),
                                         z["indices"].astype(np.int64), json.loads(str(z["params"])))
        return _assets["progress"]
