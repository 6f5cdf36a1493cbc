"""The Embeddings tab driven as a script would: the shipped map, neighbours (equal to a brute-force
cosine search), the training animation. ("Mi archivo", a tab of its own: test_archive_api.py.)"""

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from explorer.embeddings import compute as emb
from explorer.train.scenarios import SCENARIOS
from explorer.ui.gradio_internals import event_functions
from tests.conftest import api_client as client

pytestmark = pytest.mark.slow


def emb_map(c, source="cnn", method="umap", dims=2, n_neighbors=15, min_dist=0.1, errors=False, lang="en"):
    return c.predict(source, method, dims, n_neighbors, min_dist, errors, lang, api_name="/embedding_map")


def test_endpoints_are_named(app_url):
    names = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/embedding_map", "/neighbors", "/embedding_progress"} <= names


def test_the_shipped_map_and_its_quality(app_url, fashion):
    status, _fig, s = emb_map(client(app_url), errors=True, lang="es")
    assert s["precomputed"] and s["points"] == 10_000 and len(s["coords"][0]) == 2
    assert s["labels"] == fashion.test.labels.tolist()
    assert s["knn5_agreement"] is not None and s["knn5_agreement"] >= 0.85
    assert "mal" in status  # the mistakes are counted
    s3 = emb_map(client(app_url), dims=3, method="pca")[2]
    assert len(s3["coords"][0]) == 3 and s3["precomputed"]


def test_neighbours_equal_brute_force(app_url):
    c = client(app_url)
    for source in ("cnn", "pixels"):
        status, strip, s = c.predict(source, 123, 8, "en", api_name="/neighbors")
        X = emb.features(source).astype(np.float64)
        Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
        sims = Xn @ Xn[123]
        sims[123] = -np.inf
        ref = np.argsort(-sims)[:8]
        assert s["neighbors"] == ref.tolist()
        np.testing.assert_allclose(s["cosine"], sims[ref], atol=1e-5)
        assert strip.endswith(".png") and str(s["same_class"]) in status


@pytest.mark.parametrize("args, message", [
    (("cnn", 10_000, 8, "en"), "from 0 to 9999"),
    (("cnn", -1, 8, "es"), "de 0 a 9999"),
    (("session", 5, 8, "en"), "not trained a network"),
])
def test_neighbour_bad_input(app_url, args, message):
    with pytest.raises(AppError, match=message):
        client(app_url).predict(*args, api_name="/neighbors")


def test_a_computed_map_and_bad_parameters(app_url):
    c = client(app_url)
    s = emb_map(c, source="untrained", method="pca")[2]
    assert s["precomputed"] in (True, False) and s["points"] == 10_000
    with pytest.raises(AppError, match="not trained a network"):
        emb_map(c, source="session")


def test_training_progress_animation(app_url):
    status, _fig, _agree = client(app_url).predict("shipped", "en", api_name="/embedding_progress")
    fr = emb.progress_checkpoints()
    assert fr.agreement[-1] > fr.agreement[0] + 0.1 and fr.accuracy[-1] > fr.accuracy[0] + 0.5
    assert f"{len(fr.steps)} moments" in status and f"{100 * fr.agreement[-1]:.1f} %" in status


def _plot(value) -> dict:
    """A gr.Plot output as the client receives it: the Plotly figure's JSON (an animation's frames,
    which travel in its layout for the page script, back in place)."""
    import json

    from explorer.plots import frames_back
    return frames_back(json.loads(value["plot"] if isinstance(value, dict) else value))


def _arr(v) -> np.ndarray:
    """A Plotly array: a list, or a typed array ({dtype, bdata} in base64) as Plotly 6 writes numpy."""
    import base64
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.asarray(v)


def test_training_progress_of_the_session_run(served, app_url):
    """The animation of the run this session trained: one frame per weight snapshot, computed on
    the shipped animation's 2,000 images, cached for the next call; the session's model untouched."""
    import torch

    c = client(app_url)
    with pytest.raises(AppError, match="not trained a network"):
        c.predict("session", "en", api_name="/embedding_progress")
    with pytest.raises(AppError):  # refused by the Radio itself, before the handler (in English)
        c.predict("mine", "en", api_name="/embedding_progress")
    quick = {k: (list(v) if isinstance(v, tuple) else v) for k, v in SCENARIOS["quick"].settings.items()}
    out = list(c.submit(**dict(quick, train_size=6400), lang="en", api_name="/train"))[-1]  # 50 steps
    assert out[-1]["done"] and out[-1]["step"] == 50
    sess = served.dle_store.get(c.session_hash)
    steps = [s for s, _ in sess.snapshots]
    assert steps == emb.checkpoint_steps(50)
    before = {k: v.clone() for k, v in sess.model.state_dict().items()}
    was_training = sess.model.training

    status, fig, agree = c.predict("session", "es", api_name="/embedding_progress")
    fig, agree = _plot(fig), _plot(agree)
    assert len(fig["frames"]) == len(steps) and "Calculado en" in status
    assert _arr(agree["data"][0]["customdata"]).tolist() == steps
    n_points = sum(len(_arr(tr["x"])) for tr in fig["frames"][0]["data"])
    assert n_points == len(emb.progress_checkpoints().indices) == 2000
    agreement = _arr(agree["data"][0]["y"])
    assert len(agreement) == len(steps) and agreement[-1] > agreement[0] + 5  # in %
    fr = sess.progress_frames[sess.run_id]
    assert fr.steps.tolist() == steps and np.all(np.diff(fr.accuracy[[0, -1]]) > 0.3)
    assert sess.model.training == was_training
    assert all(torch.equal(before[k], v) for k, v in sess.model.state_dict().items())
    # cached: the second call (and a switch back from the shipped run) does not recompute
    c.predict("shipped", "en", api_name="/embedding_progress")
    status2, fig2, _ = c.predict("session", "en", api_name="/embedding_progress")
    assert "Computed in" not in status2 and "Your run" in status2
    np.testing.assert_array_equal(_arr(_plot(fig2)["frames"][-1]["data"][0]["x"]),
                                  _arr(fig["frames"][-1]["data"][0]["x"]))
    # the session's own map: its vectors, its predictions, its neighbours
    status, _fig, m = c.predict("session", "pca", 2, 15, 0.1, True, "en", api_name="/embedding_map")
    assert not m["precomputed"] and "your model's" in status
    import copy

    model = copy.deepcopy(sess.model).eval()
    with torch.inference_mode():
        own_pred = model(emb.test_images()[:2000]).argmax(1).numpy()
    assert m["pred"][:2000] == own_pred.tolist()  # not the shipped CNN's
    assert m["pred"] != emb.default_map().pred.tolist() and m["knn5_agreement"] > 0.5
    nb = c.predict("session", 7, 5, "en", api_name="/neighbors")[2]
    X = emb.features("session", model=sess.model).astype(np.float64)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    sims = Xn @ Xn[7]
    sims[7] = -np.inf
    assert nb["neighbors"] == np.argsort(-sims)[:5].tolist()


# ---- an image placed on the map (/place_image), and one sent there from the Adversarial tab ----------

PLACE_MAP = ["cnn", "umap", 2, 15, 0.1, False]  # the shipped map


def place(c, src="dataset", index=12, upload=None, sketch=None, compare=None, map_args=PLACE_MAP, k=8, lang="en"):
    return c.predict(src, "cat", index, upload, sketch, compare, *map_args, k, lang, api_name="/place_image")


def test_a_test_image_lands_on_itself_among_its_class(app_url):
    """Test image 12 (a sneaker) placed on the shipped CNN map: its nearest map image is itself
    (cosine 1), 8 of its 8 neighbours are sneakers, and it sits where the map drew it."""
    status, _fig, strip, s = place(client(app_url))
    (p,) = s["placed"]
    assert s["pixels"] == "exact" and p["role"] == "image"
    assert p["neighbors"][0] == 12 and p["cosine"][0] > 0.9999
    assert p["majority"] == 7 and p["majority_count"] == 8 and p["pred"] == 7
    xy = emb.default_map().get("cnn", "umap", 2)[12]
    assert np.hypot(*(np.array(p["xy"]) - xy)) < 1.0  # map units: the whole map spans ~25
    assert "**Sneaker**" in status and "8 of its 8" in status and strip.endswith(".png")
    status_es, _f, _s, s3 = place(client(app_url), map_args=["pixels", "pca", 3, 15, 0.1, False], lang="es")
    assert len(s3["placed"][0]["xy"]) == 3 and s3["source"] == "pixels"
    assert "cae en la zona de" in status_es and "Zapatilla" in status_es


def test_a_photo_and_bad_input_get_clear_answers(app_url):
    c = client(app_url)
    _st, _f, _s, s = place(c, src="sample", index=0)  # a photo of a cat: converted, not exact
    assert s["pixels"] == "converted" and len(s["placed"]) == 1
    with pytest.raises(AppError, match="from 1 to 30"):
        place(c, k=2.5)
    with pytest.raises(AppError, match="de 0 a 9999"):
        place(c, index=10_000, lang="es")
    with pytest.raises(AppError, match="Upload an image first"):
        place(c, src="upload")


def _call(demo, api_name, *args, session="emb-send-test"):
    """An event's function called in this process with a session of our own: /send_image needs the
    open tab, which over the API is unknown (a session state the page sets)."""
    import gradio as gr

    fn = next(f for f in event_functions(demo) if f.api_name == api_name).fn
    return fn(*args, gr.Request(session_hash=session))


def test_an_attacked_sneaker_sent_to_embeddings_lands_among_sandals(served, app_url):
    """The Adversarial tab's default PGD (10 steps, random start, seed 0) at ε = 8/255 on test image
    12: the CNN's Sneaker (96.9 %) becomes Sandal (99.55 %). Sent to Embeddings, the attacked image
    goes with its original: the original lands among 8 of 8 sneakers, the attacked one among 8 of 8
    sandals — while in raw-pixel space it is still next to its original (cosine 0.997)."""
    c = client(app_url)
    img = ["dataset", "cat", 12, None, None]
    out = c.predict(*img, "fashion", "pgd", 8, 10, 0, True, 0, False, None, "en", api_name="/attack")
    adv_path, summary = out[3], out[-1]
    assert summary["flipped"] and summary["after"][0]["label"] == "Sandal"
    blank = ["sample", "cat", 0, None, None]
    tabs = ("filters", "saliency", "adversarial", "attention", "embeddings", "diffusion")
    values = [v for tab in tabs for v in (img if tab == "adversarial" else blank)]
    flat = _call(served, "send_image", "adversarial", "embeddings", "adversarial", *values, adv_path, "en")
    # outputs: four per tab (source, sample, index, upload), and the Embeddings tab's "compared with"
    e = 4 * tabs.index("embeddings")
    source, _smp, _idx, upload, compare = flat[e:e + 5]
    assert source == "upload" and upload.endswith(".png") and compare.endswith(".png")
    # the other tabs are left alone
    assert all(not isinstance(v, str) for v in flat[:e])
    status, _fig, _strip, s = place(c, src="upload", upload=handle_file(upload), compare=handle_file(compare))
    orig, attacked = s["placed"]
    assert (orig["role"], attacked["role"]) == ("compare", "image")
    assert s["pixels"] == s["compare_pixels"] == "exact" and s["attack_linf_255"] == pytest.approx(8, abs=0.5)
    assert orig["neighbors"][0] == 12 and orig["majority"] == 7 and orig["majority_count"] == 8
    assert attacked["majority"] == 5 and attacked["majority_count"] == 8 and attacked["pred"] == 5
    assert attacked["prob"] > 0.99 and 12 not in attacked["neighbors"]
    assert "no longer **Sneaker** but **Sandal**" in status
    # the same pair on the raw-pixel map: the attacked image is still beside its original
    _st, _f, _s, sp = place(c, src="upload", upload=handle_file(upload), compare=handle_file(compare),
                            map_args=["pixels", "umap", 2, 15, 0.1, False])
    assert sp["placed"][1]["neighbors"][0] == 12 and sp["placed"][1]["cosine"][0] > 0.99
    assert sp["placed"][1]["majority"] == 7


def test_send_image_over_the_api_names_embeddings_as_a_tab(app_url):
    """Over the API the open tab is unknown, so /send_image refuses; its message lists the tabs
    an image can come from, Embeddings now among them."""
    args = ["embeddings", "input"] + ["sample", "cat", 0, None, None] * 6 + [None, "en"]
    with pytest.raises(AppError, match="embeddings"):
        client(app_url).predict(*args, api_name="/send_image")


def test_scenarios_set_the_map_and_teach(app_url):
    c = client(app_url)
    *settings, lesson = c.predict("pca", "en", api_name="/embeddings_preset")
    assert settings == ["cnn", "pca", 2, 15, 0.1, False] and "0.888" in lesson and "0.986" in lesson
    *settings, lesson = c.predict("shirts", "es", api_name="/embeddings_preset")
    assert settings[-1] is True and "733" in lesson and "69,0 %" in lesson
    with pytest.raises(AppError, match="not in the list of choices"):  # Gradio's own Dropdown check
        c.predict("umap", "en", api_name="/embeddings_preset")
