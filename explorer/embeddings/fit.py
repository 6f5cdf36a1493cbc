"""The long, uninterruptible part of a projection — umap-learn's and scikit-learn's fits — as plain
functions that :mod:`explorer.worker` runs in a worker process, where a stop kills them.

Only numpy here (umap-learn and scikit-learn imported inside the functions): a worker imports this
module to unpickle the call, and never needs torch. :mod:`explorer.embeddings.compute` validates
the input, builds the exact k-NN graph (stoppable between blocks) and calls these.
"""
from __future__ import annotations

import warnings

import numpy as np


def umap_layout(X: np.ndarray, idx: np.ndarray, dist: np.ndarray, dims: int, n_neighbors: int,
                min_dist: float, seed: int, n_epochs: int, init: np.ndarray | None) -> np.ndarray:
    """umap-learn's fit of ``X`` (N, D) from the given k-NN graph (``idx``, ``dist``: (N, k), each
    point first in its own row): cosine metric, ``random_state=seed`` (same input, same map),
    spectral start unless ``init`` (N, dims) is given. Returns (N, dims)."""
    import umap  # ~1.4 s, then ~8 s of numba compilation at the first fit in a process

    with warnings.catch_warnings():
        # a fixed random_state means single-threaded (umap says so every time), and our k-NN
        # graph has no NNDescent search index (only .transform() would need one)
        warnings.simplefilter("ignore", UserWarning)
        reducer = umap.UMAP(n_components=dims, n_neighbors=n_neighbors, min_dist=min_dist,
                            metric="cosine", random_state=seed, precomputed_knn=(idx, dist, None),
                            n_epochs=n_epochs, init="spectral" if init is None else init)
        return reducer.fit_transform(X)


def umap_own_neighbours(X: np.ndarray, n_neighbors: int, min_dist: float, seed: int, init: str) -> np.ndarray:
    """umap-learn's 2-D fit of ``X`` (N, D) with its own k-NN search (cosine metric), as "Mi
    archivo" maps a collection: ``random_state=seed``, ``init`` "spectral" or "random". Returns (N, 2)."""
    import umap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state", small-N notes
        reducer = umap.UMAP(n_components=2, n_neighbors=n_neighbors, min_dist=min_dist, metric="cosine",
                            random_state=seed, init=init)
        return reducer.fit_transform(X)


def tsne_layout(X: np.ndarray, dims: int, perplexity: float, seed: int) -> np.ndarray:
    """scikit-learn's t-SNE of ``X`` (N, D): Barnes-Hut (exact above 3 dimensions), PCA start,
    cosine metric, ``random_state=seed``. Returns (N, dims)."""
    from sklearn.manifold import TSNE

    tsne = TSNE(n_components=dims, perplexity=perplexity, init="pca", metric="cosine",
                random_state=seed, learning_rate="auto", method="barnes_hut" if dims <= 3 else "exact")
    return tsne.fit_transform(X)
