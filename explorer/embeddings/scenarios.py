"""The Embeddings tab's teaching scenarios: map settings that each show one idea, all on the shipped
precomputed maps (UMAP seed 0, n_neighbors 15, min_dist 0.1), so they draw at once. The lessons
(``embeddings_scn_<name>_lesson``) quote numbers measured in the original space (5-NN label
agreement, cosine) and on the maps (trustworthiness, k 10, 2,000 points, seed 0);
tests/unit/test_embeddings.py re-measures every one.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explorer.embeddings import compute as emb
from explorer.scenario import Scenarios

SETTINGS = ("source", "method", "dims", "n_neighbors", "min_dist", "errors")


def check_settings(p: Mapping[str, Any]) -> None:
    """A scenario sets every control of the map, each to a value the tab accepts."""
    if tuple(p) != SETTINGS:
        raise ValueError(f"a scenario sets {SETTINGS}, not {tuple(p)}")
    if p["source"] not in emb.SOURCES or p["method"] not in emb.METHODS or p["dims"] not in emb.DIMS:
        raise ValueError(f"unknown source, method or dimensions: {dict(p)}")
    if not emb.N_NEIGHBORS[0] <= p["n_neighbors"] <= emb.N_NEIGHBORS[1] \
            or not emb.MIN_DIST[0] <= p["min_dist"] <= emb.MIN_DIST[1] or not isinstance(p["errors"], bool):
        raise ValueError(f"a setting out of range: {dict(p)}")


SCENARIOS = Scenarios("embeddings", {
    "pixels": dict(source="pixels", method="umap", dims=2, n_neighbors=15, min_dist=0.1, errors=False),
    "trained": dict(source="cnn", method="umap", dims=2, n_neighbors=15, min_dist=0.1, errors=False),
    "untrained": dict(source="untrained", method="umap", dims=2, n_neighbors=15, min_dist=0.1, errors=False),
    "pca": dict(source="cnn", method="pca", dims=2, n_neighbors=15, min_dist=0.1, errors=False),
    "shirts": dict(source="cnn", method="umap", dims=2, n_neighbors=15, min_dist=0.1, errors=True),
}, validate=check_settings)
