"""explorer.embeddings.compute: neighbour search against brute force, PCA against scikit-learn, the shipped
map's trustworthiness and the CNN space's 5-NN label agreement (as recorded and re-measured),
input validation, and the training-progress frames."""
import hashlib
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from explorer.embeddings import compute as emb
from explorer.embeddings.scenarios import SCENARIOS

ASSETS = Path(__file__).resolve().parents[2] / "assets"
MANIFEST = json.loads((ASSETS / "manifest.json").read_text())["artifacts"]
UNTRAINED_MARGIN = 0.10  # the untrained CNN's 5-NN agreement is at least this much below the trained one


def brute_force(X, i, k):
    """Cosine similarity of point i to every point, in float64, sorted; itself excluded."""
    X = np.asarray(X, np.float64)
    U = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    s = U @ U[i]
    s[i] = -np.inf
    order = np.argsort(-s, kind="stable")[:k]
    return order, s


def assert_same_neighbours(X, i, k):
    idx, sim = emb.neighbors(X, i, k)
    ref_idx, ref_sims = brute_force(X, i, k)
    assert idx.shape == sim.shape == (k,) and i not in idx
    # the k similarities are the k largest ones, in order, and belong to the returned points
    np.testing.assert_allclose(sim, ref_sims[ref_idx], atol=1e-5)
    np.testing.assert_allclose(sim, ref_sims[idx], atol=1e-5)
    assert np.all(np.diff(sim) <= 1e-7)
    untied = np.abs(ref_sims[ref_idx][:, None] - ref_sims[np.delete(np.arange(len(X)), i)]).min() > 1e-5
    if untied:
        np.testing.assert_array_equal(idx, ref_idx)


@pytest.fixture(scope="module")
def cnn(fashion):
    return emb.features("cnn")


@pytest.mark.parametrize("n,d,k", [(50, 3, 1), (500, 16, 10), (2000, 128, 49), (30, 5, 100)])
def test_neighbours_equal_brute_force_on_random_data(n, d, k):
    X = np.random.default_rng(n).normal(size=(n, d)).astype(np.float32)
    for i in (0, n // 2, n - 1):
        assert_same_neighbours(X, i, min(k, n - 1))


def test_neighbours_equal_brute_force_on_cnn_features(cnn):
    assert cnn.shape == (10000, 128) and cnn.dtype == np.float32
    index = emb.CosineIndex(cnn)
    for i in (0, 17, 4321, 9999):
        assert_same_neighbours(cnn, i, 10)
        a, b = index.query(i, 10), emb.neighbors(cnn, i, 10)
        np.testing.assert_array_equal(a[0], b[0])


def test_zero_vectors_and_duplicates_do_not_break_search():
    X = np.zeros((6, 4), np.float32)
    X[1] = X[2] = [1, 0, 0, 0]
    idx, sim = emb.neighbors(X, 1, 3)
    assert idx[0] == 2 and sim[0] == pytest.approx(1.0) and np.all(sim[1:] == 0)


def test_shipped_map_is_trustworthy_as_recorded(cnn):
    entry = MANIFEST["embedding_map"]
    m, p = entry["metrics"], entry["params"]
    assert m["trust10_cosine_umap_2d_cnn"] >= 0.9
    xy = emb.default_map().get("cnn", "umap", 2)
    assert xy.shape == (10000, 2)
    again = emb.trustworthiness(cnn, xy, p["trust_k"], p["trust_sample"], p["trust_seed"], "cosine")
    assert again == pytest.approx(m["trust10_cosine_umap_2d_cnn"], abs=2e-3)
    assert emb.trustworthiness(cnn, xy, 10, sample=500, seed=7) >= 0.9  # another sample
    # the metric can fail: shuffled coordinates are no better than chance
    shuffled = xy[np.random.default_rng(0).permutation(len(xy))]
    assert emb.trustworthiness(cnn, shuffled, 10, sample=500, seed=7) < 0.6


def test_shipped_map_matches_its_manifest_and_checkpoint(fashion):
    entry = MANIFEST["embedding_map"]
    for name, digest in entry["sha256"].items():
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == digest, name
    ckpt = hashlib.sha256((ASSETS / "cnn_fashion.pt").read_bytes()).hexdigest()
    assert entry["inputs"]["cnn_fashion.pt"] == ckpt, "the map is stale: rebuild embedding_map"
    dm = emb.default_map()
    for source in ("cnn", "untrained", "pixels"):
        assert dm.params["knn_agreement"][source] == entry["metrics"][f"knn5_agreement_{source}"]
    np.testing.assert_array_equal(dm.labels, fashion.test.labels.numpy())
    assert (dm.pred == dm.labels).mean() == pytest.approx(MANIFEST["cnn_fashion"]["metrics"]["test_acc"], abs=1e-4)
    for source in ("cnn", "untrained", "pixels"):
        for method in ("umap", "pca"):
            for d in (2, 3):
                xy = dm.get(source, method, d)
                assert xy.shape == (10000, d) and np.isfinite(xy).all(), (source, method, d)


def test_cnn_space_groups_classes_and_untrained_does_much_less(cnn, fashion):
    labels = fashion.test.labels.numpy()
    m = MANIFEST["embedding_map"]["metrics"]
    trained = emb.knn_agreement(cnn, labels, 5)
    untrained = emb.knn_agreement(emb.features("untrained"), labels, 5)
    assert trained >= 0.85
    assert untrained <= trained - UNTRAINED_MARGIN
    assert trained == pytest.approx(m["knn5_agreement_cnn"], abs=1e-3)
    assert untrained == pytest.approx(m["knn5_agreement_untrained"], abs=1e-3)
    # and the measure itself: random labels agree about 1 time in 10
    rnd = np.random.default_rng(0).integers(0, 10, len(labels))
    assert abs(emb.knn_agreement(cnn, rnd, 5) - 0.1) < 0.02


def test_knn_agreement_by_hand():
    X = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1]], np.float32)
    assert emb.knn_agreement(X, np.array([0, 0, 1, 1]), 1) == 1.0
    assert emb.knn_agreement(X, np.array([0, 1, 0, 1]), 1) == 0.0
    assert emb.knn_agreement(X, np.array([0, 0, 1, 1]), 2) == pytest.approx(0.5)


@pytest.mark.parametrize("dims", [2, 3])
def test_pca_equals_sklearn_up_to_sign(dims):
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(dims)
    X = (rng.normal(size=(1000, 40)) * np.linspace(5, 0.1, 40)).astype(np.float32)
    ours = emb.project(X, "pca", dims)
    ref = PCA(dims, svd_solver="full").fit_transform(X.astype(np.float64))
    assert ours.shape == (1000, dims) and ours.dtype == np.float32
    signs = np.sign((ours * ref).sum(0))
    np.testing.assert_allclose(ours, ref * signs, atol=1e-3 * np.abs(ref).max())
    # and equals the SVD of the centred data
    Xc = X.astype(np.float64) - X.mean(0)
    u, s, _ = np.linalg.svd(Xc, full_matrices=False)
    np.testing.assert_allclose(np.abs(ours), np.abs(u[:, :dims] * s[:dims]), atol=1e-3 * s[0])


def test_pca_of_pixels(fashion):
    from sklearn.decomposition import PCA

    X = emb.features("pixels", fashion.test.images[:2000])
    assert X.shape == (2000, 784)
    ours, ref = emb.pca(X, 2), PCA(2).fit_transform(X)
    np.testing.assert_allclose(np.abs(ours), np.abs(ref), atol=1e-3)


BAD = [
    (dict(method="mds"), "method"),
    (dict(dims=4), "dims"),
    (dict(dims=True), "dims"),
    (dict(n_neighbors=1), "n_neighbors"),
    (dict(n_neighbors=201), "n_neighbors"),
    (dict(n_neighbors=15.5), "n_neighbors"),
    (dict(n_neighbors=60), "n_neighbors"),  # not below the number of points (50)
    (dict(min_dist=-0.1), "min_dist"),
    (dict(min_dist=float("nan")), "min_dist"),
    (dict(min_dist="a"), "min_dist"),
]


@pytest.mark.parametrize("kw,kind", BAD)
def test_projection_rejects_bad_parameters(kw, kind):
    X = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    args = dict(method="umap", dims=2, n_neighbors=15, min_dist=0.1) | kw
    with pytest.raises(emb.EmbeddingError) as err:
        emb.project(X, **args)
    assert err.value.kind == kind and isinstance(err.value, ValueError)


def test_projection_rejects_bad_data():
    X = np.ones((50, 4), np.float32)
    X[3, 1] = np.nan
    for data, kind in [(X, "not_finite"), (np.ones(50), "shape"), (np.ones((3, 4)), "too_few_points")]:
        with pytest.raises(emb.EmbeddingError) as err:
            emb.project(data, "pca")
        assert err.value.kind == kind
    with pytest.raises(emb.EmbeddingError) as err:
        emb.project(np.zeros((emb.TSNE_MAX_POINTS + 1, 2), np.float32), "tsne")
    assert err.value.kind == "too_many_points"
    import threading
    stop = threading.Event()
    stop.set()
    with pytest.raises(emb.EmbeddingError) as err:
        emb.project(np.ones((50, 4)), "pca", stop=stop)
    assert err.value.kind == "stopped"


def test_umap_stops_between_neighbours_and_layout():
    import threading
    stop, phases = threading.Event(), []

    def progress(f, phase):
        phases.append(phase)
        if phase == "neighbors":
            stop.set()  # as if the user pressed Stop while the k-NN graph was being built

    with pytest.raises(emb.EmbeddingError) as err:
        emb.project(np.random.default_rng(0).normal(size=(100, 8)), "umap", progress=progress, stop=stop)
    assert err.value.kind == "stopped" and phases == ["start", "neighbors"]


def test_umap_and_tsne_in_their_worker_give_the_libraries_own_maps():
    """UMAP's layout and t-SNE run in a worker process (explorer.worker): the same map as umap-learn
    and scikit-learn give in this process, bit for bit (seeded: the same input, the same map)."""
    import umap
    from sklearn.manifold import TSNE

    X = np.random.default_rng(0).normal(size=(600, 16)).astype(np.float32)
    Y = emb.project(X, "umap", 2, 10, 0.1, seed=0)
    idx, dist = emb.knn_graph(X, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = umap.UMAP(n_components=2, n_neighbors=10, min_dist=0.1, metric="cosine", random_state=0,
                        precomputed_knn=(idx, dist, None), n_epochs=200).fit_transform(X)
    assert np.array_equal(Y, ref.astype(np.float32))
    T = emb.project(X[:300], "tsne", 2, seed=0)
    ref = TSNE(n_components=2, perplexity=30.0, init="pca", metric="cosine", random_state=0,
               learning_rate="auto").fit_transform(X[:300])
    assert np.array_equal(T, ref.astype(np.float32))


def _stopped_in_layout(method: str, X: np.ndarray, after_s: float = 0.5) -> tuple[float, list[int]]:
    """Run a projection, set its stop ``after_s`` into the layout phase (the worker's part); returns
    the seconds from the stop to the caller's EmbeddingError("stopped"), and the workers that ran."""
    import threading

    from explorer import worker

    stop, when, seen = threading.Event(), [], set()

    def press_stop():
        seen.update(worker.pids())
        when.append(time.monotonic())
        stop.set()

    def progress(f, phase):
        if phase == "layout":
            threading.Timer(after_s, press_stop).start()

    with pytest.raises(emb.EmbeddingError) as err:
        emb.project(X, method, 2, 15, 0.1, seed=0, progress=progress, stop=stop)
    assert err.value.kind == "stopped" and when
    return time.monotonic() - when[0], sorted(seen)


@pytest.mark.parametrize("method", ["umap", "tsne"])
def test_a_stop_during_the_layout_kills_its_worker_and_the_next_map_is_the_same(method):
    """A stop during UMAP's layout or t-SNE (no way in to interrupt either) kills the worker process
    computing it: the caller hears within a second, no process is left behind, and the next call
    (a new worker) draws the same map as before the stop (t-SNE could not be stopped before)."""
    import psutil

    from explorer import worker

    X = np.random.default_rng(1).normal(size=(4000 if method == "tsne" else 20000, 32)).astype(np.float32)
    small = X[:300]
    before = emb.project(small, method, 2, 15, 0.1, seed=0)
    took, ran = _stopped_in_layout(method, X)
    assert took < 2.0, f"{took:.2f} s from the stop to the caller"
    def worker_processes() -> set[int]:
        """This process's workers: its own children (a browser of the e2e tests may be a child too,
        and the server process of the API tests, with workers of its own, is one)."""
        found = set()
        for p in psutil.Process().children():
            try:
                if "explorer.worker" in " ".join(p.cmdline()):
                    found.add(p.pid)
            except psutil.Error:  # ended meanwhile
                pass
        return found

    children = worker_processes()
    left = set(worker.pids())
    assert children <= left, "a worker process besides the idle ones"
    killed = set(ran) - left
    assert killed and not killed & children, "the stopped worker is still there"
    assert np.array_equal(emb.project(small, method, 2, 15, 0.1, seed=0), before)


def test_knn_graph_is_exact_and_self_first():
    X = np.random.default_rng(1).normal(size=(300, 6)).astype(np.float32)
    idx, dist = emb.knn_graph(X, 8, block=64)
    assert (idx[:, 0] == np.arange(300)).all() and (dist[:, 0] == 0).all()
    for i in (0, 150, 299):
        ref, sims = brute_force(X, i, 7)
        np.testing.assert_array_equal(idx[i, 1:], ref)
        np.testing.assert_allclose(dist[i, 1:], 1 - sims[ref], atol=1e-5)


def test_query_and_source_validation():
    X = np.random.default_rng(0).normal(size=(20, 3))
    for i, k, kind in [(20, 5, "index"), (-1, 5, "index"), (1.5, 5, "index"), ("a", 5, "index"),
                       (0, 0, "k"), (0, 101, "k")]:
        with pytest.raises(emb.EmbeddingError) as err:
            emb.neighbors(X, i, k)
        assert err.value.kind == kind
    assert len(emb.neighbors(X, 0, 100)[0]) == 19  # k is capped at N - 1
    for args, kind in [(("faces",), "source"), (("session",), "no_model")]:
        with pytest.raises(emb.EmbeddingError) as err:
            emb.features(*args)
        assert err.value.kind == kind
    with pytest.raises(emb.EmbeddingError) as err:
        emb.features("pixels", torch.zeros(2, 3, 28, 28))
    assert err.value.kind == "shape"


def test_session_features_leave_the_model_untouched(fashion):
    from explorer.train.compute import build_model
    from models.cnn import CNNConfig

    model = build_model(CNNConfig(filters=(4, 8), dense=16), 0).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = fashion.test.images[:64]
    f = emb.features("session", x, model)
    assert f.shape == (64, 16) and model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    with torch.inference_mode():
        ref = model.eval().embed(x.float() / 255).numpy()
    np.testing.assert_allclose(f, ref, atol=1e-6)


def test_checkpoint_steps():
    assert emb.checkpoint_steps(1290, 6) == [0, 10, 34, 114, 383, 1290]
    s = emb.checkpoint_steps(5, 6)
    assert s[0] == 0 and s[-1] == 5 and s == sorted(set(s))


def test_procrustes_recovers_a_rotation():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(100, 2))
    th = 0.7
    R = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    B = 3 * (A @ R) * np.array([1, -1]) + 5  # rotated, reflected, scaled, shifted
    np.testing.assert_allclose(emb.procrustes_align(B, A), emb._normalise_frame(A), atol=1e-9)


def test_shipped_progress_frames_organise():
    fr = emb.progress_checkpoints()
    T, N, d = fr.coords.shape
    entry = MANIFEST["embedding_progress"]
    assert T >= 4 and N == 2000 and d == 2 and fr.steps[0] == 0 and np.all(np.diff(fr.steps) > 0)
    assert fr.agreement.shape == fr.accuracy.shape == (T,) and fr.labels.shape == fr.indices.shape == (N,)
    assert np.bincount(fr.labels).tolist() == [200] * 10
    assert fr.agreement[-1] >= fr.agreement[0] + 0.1
    assert fr.accuracy[-1] >= 0.85 and fr.accuracy[0] < 0.3
    np.testing.assert_allclose(fr.agreement, entry["metrics"]["knn5_agreement_per_frame"], atol=1e-4)
    rms = np.sqrt((fr.coords ** 2).sum(-1).mean(-1))
    np.testing.assert_allclose(rms, 1.0, atol=1e-2)  # centred, unit RMS radius (float16)


def test_progress_frames_from_snapshots(fashion):
    """Two snapshots of a tiny model, one as a state_dict: shapes, alignment, nothing modified."""
    from explorer.train.compute import build_model
    from models.cnn import CNNConfig

    cfg = CNNConfig(filters=(4, 8), dense=16)
    a, b = build_model(cfg, 0), build_model(cfg, 1)
    state = {k: v.clone() for k, v in b.state_dict().items()}
    idx = emb.balanced_subset(fashion.test.labels.numpy(), 20)
    x, y = fashion.test.images[torch.from_numpy(idx)], fashion.test.labels.numpy()[idx]
    seen = []
    fr = emb.progress_frames([(0, a), (5, state)], x, y, template=a, n_neighbors=10,
                             progress=lambda f, p: seen.append(f))
    assert fr.coords.shape == (2, 200, 2) and fr.steps.tolist() == [0, 5]
    assert np.isfinite(fr.coords).all() and 0 <= fr.agreement.min() <= fr.agreement.max() <= 1
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert all(torch.equal(state[k], v) for k, v in b.state_dict().items())
    with pytest.raises(emb.EmbeddingError) as err:
        emb.progress_frames([(0, state)], x, y)
    assert err.value.kind == "no_model"


def test_place_puts_a_new_point_among_the_points_it_resembles():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 16)) * 5
    X = np.concatenate([c + rng.standard_normal((50, 16)) * 0.3 for c in centres]).astype(np.float32)
    coords = np.repeat(np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]), 50, axis=0) + rng.standard_normal((150, 2))
    p = emb.place(X, coords, centres[1] + rng.standard_normal(16) * 0.3, k=10)
    assert np.linalg.norm(p.xy - [10, 0]) < 1.5
    assert np.all((p.neighbors >= 50) & (p.neighbors < 100)) and np.all(np.diff(p.similarities) <= 0)
    same = emb.place(X, coords, X[7], k=1)  # a map point itself lands on itself
    assert same.neighbors[0] == 7 and np.allclose(same.xy, coords[7])


def test_place_refuses_mismatched_shapes():
    X = np.ones((5, 4), np.float32) + np.eye(5, 4)
    with pytest.raises(emb.EmbeddingError):
        emb.place(X, np.zeros((4, 2)), np.ones(4))
    with pytest.raises(emb.EmbeddingError):
        emb.place(X, np.zeros((5, 2)), np.ones(3))
    with pytest.raises(emb.EmbeddingError):
        emb.place(X, np.zeros((5, 2)), np.full(4, np.nan))


# ---- a new image on the map (explorer.embeddings.compute.land), as the tab's /place_image does -------------


def test_exact_gray28_recovers_enlarged_pixels_and_leaves_photos_alone():
    from PIL import Image

    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    for f in (1, 3, 8):  # the Adversarial tab shows a 28×28 image ×8 with visible pixels
        big = Image.fromarray(small).resize((28 * f, 28 * f), Image.NEAREST).convert("RGB")
        got = emb.exact_gray28(big)
        assert got.shape == (1, 28, 28) and np.array_equal(np.rint(got[0] * 255).astype(np.uint8), small)
        x, how = emb.fashion_input(big)
        assert how == "exact" and np.array_equal(x, got)
    smooth = Image.fromarray(small).resize((224, 224), Image.BILINEAR)  # not blocks of one value
    assert emb.exact_gray28(smooth) is None
    tinted = np.stack([small, small, small], -1)
    tinted[0, 0, 0] ^= 1  # one pixel not grey
    assert emb.exact_gray28(tinted) is None and emb.exact_gray28(np.zeros((30, 30), np.uint8)) is None
    photo = np.full((60, 40, 3), 255, np.uint8)
    photo[10:50, 10:30] = 40  # a dark item on white: converted as the Filters tab does (inverted, fitted)
    x, how = emb.fashion_input(photo)
    assert how == "converted" and x.shape == (1, 28, 28) and x[0, 14, 14] > 0.9 and x[0, 0, 0] < 0.05


def test_majority_breaks_ties_towards_the_closer_neighbour():
    assert emb.majority(np.array([3, 5, 5, 3, 1])) == (3, 2)
    assert emb.majority(np.array([4, 4, 4])) == (4, 3)


def _land_share(source, x, y, k=8):
    dm = emb.default_map()
    X, coords = emb.CosineIndex(emb.features(source)), dm.get(source, "umap", 2)
    Q = emb.features(source, x)  # what emb.land computes one image at a time
    maj = [emb.majority(dm.labels[emb.place(X, coords, q, k).neighbors])[0] for q in Q]
    return float((np.array(maj) == y).mean())


def test_images_the_map_has_never_seen_land_among_their_class(fashion, cnn):
    """500 Fashion-MNIST *training* images (seed 0; the map shows the test set), each placed on the
    shipped 2-D UMAP map with k = 8: the majority class of its neighbours is its own class for
    97.2 % of them in the trained CNN's space, 85.6 % in raw pixels (measured)."""
    idx = emb.sample_indices(len(fashion.train.labels), 500, seed=0)
    x, y = fashion.train.floats()[idx], fashion.train.labels.numpy()[idx]
    assert _land_share("cnn", x, y) == pytest.approx(0.972, abs=1e-9)
    assert _land_share("pixels", x, y) == pytest.approx(0.856, abs=1e-9)


def test_an_attacked_sneaker_lands_where_the_network_now_says_it_belongs(cnn):
    """The first 20 test sneakers, all classified Sneaker, attacked by PGD at ε = 8/255 (10 steps,
    random start, seed 0; the Adversarial tab's defaults) and rounded to 8 bits as the tab shows
    them: 8 of the 20 flip, and for all 20 the neighbours' majority on the CNN map is the class the
    network now predicts — an attacked sneaker called a sandal lands among the sandals."""
    from explorer.adversarial import compute as adv

    dm = emb.default_map()
    model = emb._shipped_cnn()
    sn = np.flatnonzero(dm.labels == 7)[:20]
    x = emb.test_images()[sn]
    assert (emb.classify(x).argmax(1) == 7).all()
    xa = torch.round(adv.attack(model, x, torch.full((20,), 7), 8 / 255, "pgd", steps=10, seed=0) * 255) / 255
    pred = emb.classify(xa).argmax(1)
    assert int((pred != 7).sum()) == 8 and set(pred[pred != 7].tolist()) <= {5, 8, 9}
    coords = dm.get("cnn", "umap", 2)
    lands = [emb.land(xa[i:i + 1], "cnn", cnn, coords, dm.labels, 8) for i in range(20)]
    assert [ld.majority for ld in lands] == pred.tolist()
    assert [ld.pred for ld in lands] == pred.tolist()
    moved = np.array([np.hypot(*(ld.xy - coords[j])) for ld, j in zip(lands, sn)])
    flipped = pred != 7
    # map units (the map spans about 25): the flipped ones travel 3.9 on average, the others 1.0;
    # ankle boots border the sneakers on this map, sandals and bags lie further off
    assert moved[flipped].mean() == pytest.approx(3.88, abs=0.01)
    assert moved[~flipped].mean() == pytest.approx(1.00, abs=0.01)


# ---- the teaching scenarios (SCENARIOS): every number their lessons quote, re-measured ----------


def _knn5(X, labels):
    idx, _ = emb.knn_graph(X, 6)
    return labels[idx[:, 1:]]  # each image's 5 nearest neighbours' classes (itself excluded)


def test_scenario_lessons_quote_what_their_maps_measure(fashion, cnn):
    from explorer.i18n import num, t

    dm = emb.default_map()
    labels = dm.labels
    for name, p in SCENARIOS.items():  # every scenario draws a shipped map: instant
        assert dm.get(p["source"], p["method"], p["dims"]) is not None, name
        assert (p["n_neighbors"], p["min_dist"]) == (dm.params["umap"]["n_neighbors"], dm.params["umap"]["min_dist"])
    nb = {s: _knn5(X, labels) for s, X in (("cnn", cnn), ("pixels", emb.features("pixels")),
                                           ("untrained", emb.features("untrained")))}
    agree = {s: float((v == labels[:, None]).mean()) for s, v in nb.items()}
    per_class = {s: [float((v[labels == c] == c).mean()) for c in range(10)] for s, v in nb.items()}
    shirt_nb = nb["cnn"][labels == 6].ravel()
    shirt_share = {c: float((shirt_nb == c).mean()) for c in (0, 2, 4, 6)}  # T-shirt, pullover, coat, shirt
    trust = {(m, d): emb.trustworthiness(cnn, dm.get("cnn", m, d), k=10, sample=2000, seed=0)
             for m, d in (("umap", 2), ("pca", 2), ("pca", 3))}
    wrong = dm.pred != labels
    pct = lambda lang, x: num(lang, 100 * x, 1)  # noqa: E731
    for lang in ("es", "en"):
        lesson = {k: t(lang, sc.lesson_key) for k, sc in SCENARIOS.items()}
        quotes = {
            "pixels": [pct(lang, agree["pixels"]), pct(lang, per_class["pixels"][1]),
                       pct(lang, per_class["pixels"][6])],
            "trained": [pct(lang, agree["cnn"]), pct(lang, agree["pixels"]), pct(lang, per_class["pixels"][6]),
                        pct(lang, per_class["cnn"][6]), num(lang, trust["umap", 2], 3)],
            "untrained": [pct(lang, agree["untrained"]), pct(lang, agree["pixels"]), pct(lang, agree["cnn"])],
            "pca": [pct(lang, agree["cnn"]), num(lang, trust["pca", 2], 3), num(lang, trust["pca", 3], 3),
                    num(lang, trust["umap", 2], 3)],
            "shirts": [num(lang, int(wrong.sum())), num(lang, int((wrong & (labels == 6)).sum())),
                       num(lang, len(labels))] + [pct(lang, shirt_share[c]) for c in (6, 0, 2, 4)],
        }
        for k, qs in quotes.items():
            for q in qs:
                assert q in lesson[k], (lang, k, q)
    # and what the lessons claim, as facts: the trained space groups classes best, the untrained
    # one no better than pixels, PCA's map keeps neighbourhoods worse than UMAP's
    assert agree["cnn"] > agree["pixels"] > agree["untrained"]
    assert trust["pca", 2] < trust["pca", 3] < trust["umap", 2]
    assert max(shirt_share[c] for c in (0, 2, 4)) == shirt_share[0]
