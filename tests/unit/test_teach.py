"""explorer/archive/teach.py, 'Mi archivo' → teach it your categories: labels from the zip's folders
(through the intake), the refusals of hostile labels, stratified folds, the three ways on tiny
synthetic data (the linear classifier beats chance, fine-tuning and the from-scratch CNN run and
stream), stop, the ONNX export against torch, determinism, active learning's order, the CSV and
JSON; the demo collection (explorer/archive/demo.py). Small data and few epochs: a few seconds."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from explorer.archive import compute as archive
from explorer.archive import teach
from explorer.archive.compute import ArchiveError
from explorer.errors import InputError


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tensors this small gain nothing from a second OpenMP thread, which on a busy machine only
    waits for a core (a test took 1.6 s or 12 s by the load); the suite's setting comes back."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


FAST = teach.TeachConfig(linear_epochs=60, finetune_epochs=1, finetune_size=32, scratch_epochs=2,
                         scratch_size=16, batch=8)


def _png(color, size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# --- labels --------------------------------------------------------------------------------------

def test_labels_come_from_the_zips_folders(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    z = _zip(tmp_path / "fotos.zip", {"iglesias/a.png": _png((200, 0, 0)), "iglesias/2019/b.png": _png((0, 200, 0)),
                                      "puentes/c.png": _png((0, 0, 200)), "d.png": _png((9, 9, 9)),
                                      "⛪ capillas/e.png": _png((90, 9, 9))})
    loose = tmp_path / "suelta.png"
    loose.write_bytes(_png((1, 2, 3)))
    items = archive.extract([z, loose], work)
    got = dict(zip([it.name for it in items], teach.folder_labels(items)))
    assert got == {"fotos.zip/iglesias/a.png": "iglesias", "fotos.zip/iglesias/2019/b.png": "iglesias",
                   "fotos.zip/puentes/c.png": "puentes", "fotos.zip/d.png": None,
                   "fotos.zip/⛪ capillas/e.png": "⛪ capillas", "suelta.png": None}
    assert all(p.parent == work for p in work.iterdir())  # the folders never became folders


@pytest.mark.parametrize("members,expected", [
    # a folder compressed whole: its name is the zip's root, the folders inside it are the labels
    ({"fotos/iglesias/a.png": 1, "fotos/puentes/b.png": 1, "fotos/c.png": 1}, ["iglesias", "puentes", None]),
    # one folder and nothing deeper: that folder is the label
    ({"iglesias/a.png": 1, "iglesias/b.png": 1}, ["iglesias", "iglesias"]),
    ({"a.png": 1, "b.png": 1}, [None, None]),
])
def test_a_zips_common_root_folder_is_not_a_label(tmp_path, members, expected):
    (tmp_path / "w").mkdir()
    z = _zip(tmp_path / "x.zip", {k: _png((v, 0, 0)) for k, v in members.items()})
    assert teach.folder_labels(archive.extract(z, tmp_path / "w")) == expected


def test_clean_label_keeps_emoji_and_drops_what_hides_text():
    assert teach.clean_label("  iglesias \t románicas ") == "iglesias románicas"
    assert teach.clean_label("👨‍👩‍👧 familias") == "👨‍👩‍👧 familias"  # the zero-width joiners stay
    assert teach.clean_label("evil\u202egpj.exe") == "evilgpj.exe"  # a right-to-left override does not
    assert teach.clean_label("a\x00b\nc") == "abc"
    assert teach.clean_label("Cafe\u0301") == "Café"  # NFC: one way to write it
    assert teach.clean_label("../../etc") == "../../etc"  # plain text: never a path
    assert teach.clean_label(1957) == "1957"
    assert teach.clean_label("   ") is None and teach.clean_label(None) is None


def _labels(counts: dict[str, int], unlabelled: int = 0) -> list[str | None]:
    return [c for c, n in counts.items() for _ in range(n)] + [None] * unlabelled


@pytest.mark.parametrize("labels,kind", [
    ([None, None], "archive_teach_no_labels"),
    (_labels({"iglesias": 5}, 3), "archive_teach_one_class"),
    (_labels({f"clase {i}": 2 for i in range(500)}), "archive_teach_too_many_classes"),
    (_labels({"iglesias": 5, "puentes": 1}), "archive_teach_few_images"),
    (_labels({"iglesias": 5, "x" * 10_000: 5}), "archive_teach_label_too_long"),
    (_labels({"iglesias": 5, "á" * (teach.MAX_LABEL_CHARS + 1): 5}), "archive_teach_label_too_long"),
    (["a", "a", ["b"], ["b"]], "archive_teach_label_invalid"),
])
def test_hostile_labels_are_refused_with_a_kind(labels, kind):
    with pytest.raises(InputError) as e:
        teach.check_labels(labels)
    assert e.value.kind == kind
    assert len(str(e.value.details)) < 300  # a 10,000-character label is not echoed back


def test_emoji_and_dotted_names_are_fine_labels():
    lab = teach.check_labels(_labels({"../../etc/passwd": 2, "⛪ iglesias": 3, "Puentes": 2}, 4))
    assert lab.classes == ("../../etc/passwd", "Puentes", "⛪ iglesias")  # sorted, case-insensitively
    assert lab.counts == [2, 2, 3] and lab.folds == 2 and len(lab.unlabelled) == 4
    assert teach.check_labels(_labels({"a": 9, "b": 7})).folds == 5


def test_relabel_applies_the_browsers_choices():
    labels = teach.relabel(["a", None, "b", None], {1: " a ", 2: None})
    assert labels == ["a", "a", None, None]
    with pytest.raises(ArchiveError) as e:
        teach.relabel(labels, {4: "a"})
    assert e.value.kind == "out_of_range"


def test_stratified_folds_spread_every_class_evenly():
    y = np.array([0] * 7 + [1] * 5 + [2] * 11)
    folds = teach.stratified_folds(y, 5, seed=3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(y)))  # a partition
    for c, n in zip(range(3), (7, 5, 11)):
        per = [int((y[f] == c).sum()) for f in folds]
        assert set(per) <= {n // 5, -(-n // 5)} and sum(per) == n
    assert max(map(len, folds)) - min(map(len, folds)) <= 1
    assert all(np.array_equal(a, b) for a, b in zip(folds, teach.stratified_folds(y, 5, seed=3)))
    assert not all(np.array_equal(a, b) for a, b in zip(folds, teach.stratified_folds(y, 5, seed=4)))
    with pytest.raises(ValueError):
        teach.stratified_folds(y, 6)


# --- the three ways -------------------------------------------------------------------------------

def _vectors(per_class=(8, 8, 8), unlabelled=30, noise=0.9, seed=0):
    """Separable clusters in 1280-d: class c around a random centre, plus noise; then unlabelled ones."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(per_class), archive.FEATURE_DIM))
    y = np.concatenate([np.full(n, c) for c, n in enumerate(per_class)] + [rng.integers(0, len(per_class), unlabelled)])
    X = centres[y] + noise * rng.normal(size=(len(y), archive.FEATURE_DIM))
    labels = [f"clase {c}" for c in y[:sum(per_class)]] + [None] * unlabelled
    return archive.normalize(X), y, labels


def test_the_linear_classifier_beats_chance_with_stratified_folds():
    X, y, labels = _vectors()
    lab = teach.check_labels(labels)
    events = list(teach.teach(lab, X, methods=["linear"], config=FAST))
    assert isinstance(events[0], teach.Plan) and events[0].folds == 5 and events[0].unlabelled == 30
    assert isinstance(events[-1], teach.Done) and events[-1].reason == "completed"
    folds = [e for e in events if isinstance(e, teach.Fold)]
    assert [f.fold for f in folds] == [1, 2, 3, 4, 5]
    epochs = [e for e in events if isinstance(e, teach.Epoch)]
    assert {e.fold for e in epochs} == {1, 2, 3, 4, 5, None} and epochs[-1].fold is None
    r = events[-1].results["linear"]
    assert r.folds == 5 and r.cv_accuracy >= 0.9 and r.confusion.sum() == 24
    assert np.trace(r.confusion) == round(r.cv_accuracy * 24)
    assert r.losses[0][-1] < r.losses[0][0]  # it learned
    assert (r.probs.argmax(1) == y[24:]).mean() >= 0.9
    assert np.allclose(r.probs.sum(1), 1)
    # the confusion matrix's cells name their images
    cells = {(t, p): teach.confused(r, t, p) for t in range(3) for p in range(3)}
    assert sum(map(len, cells.values())) == 24
    assert all(r.true[list(r.labelled).index(i)] == t for (t, _), idx in cells.items() for i in idx)


def _images(labels, seed=0):
    """Tiny coloured pictures, a colour per class, for the pixel-based ways."""
    rng = np.random.default_rng(seed)
    hues = {None: (128, 128, 128)}
    out = []
    for lab in labels:
        base = np.array(hues.setdefault(lab, tuple(rng.integers(0, 255, 3))), np.float64)
        out.append(np.clip(base + rng.normal(0, 20, (24, 24, 3)), 0, 255).astype(np.uint8))
    return out


def test_fine_tuning_and_from_scratch_run_stream_and_leave_the_shared_network_alone():
    from models import efficientnet_lite as eff

    net = eff.load_pretrained()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    grads = [p.requires_grad for p in net.parameters()]
    labels = ["a", "a", "a", "b", "b", "b", None, None]
    lab = teach.check_labels(labels)
    events = list(teach.teach(lab, images=_images(labels), methods=["finetune", "scratch"], config=FAST))
    kinds = [(type(e).__name__, getattr(e, "method", None)) for e in events]
    assert kinds[0] == ("Plan", None) and kinds[-1] == ("Done", None)
    assert ("Prepare", "finetune") in kinds and ("Epoch", "finetune") in kinds and ("Epoch", "scratch") in kinds
    done = events[-1]
    assert set(done.results) == {"finetune", "scratch"}
    for r in done.results.values():
        assert r.folds == 3 and r.probs.shape == (2, 2) and np.allclose(r.probs.sum(1), 1)
        assert len(r.losses) == 4 and all(np.isfinite(c).all() for c in r.losses)
    assert not net.training and [p.requires_grad for p in net.parameters()] == grads
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert all(p.grad is None for p in net.parameters())


def test_inputs_and_methods_are_checked():
    X, _, labels = _vectors()
    lab = teach.check_labels(labels)
    for bad in (["linear", "magic"], "magic", [], 3):
        with pytest.raises(InputError) as e:
            list(teach.teach(lab, X, methods=bad))
        assert e.value.kind == "archive_teach_method"
    with pytest.raises(InputError, match="archive_teach_inputs"):
        list(teach.teach(lab, X[:5], methods=["linear"]))
    with pytest.raises(InputError, match="archive_teach_inputs"):
        list(teach.teach(lab, X, methods=["scratch"]))
    with pytest.raises(ArchiveError, match="out_of_range"):
        list(teach.teach(lab, X, methods=["linear"], seed=-1))


def test_stop_ends_the_run_and_keeps_what_finished():
    X, _, labels = _vectors()
    lab = teach.check_labels(labels)
    stop = threading.Event()
    seen = []
    for ev in teach.teach(lab, X, _images(labels), methods=["linear", "scratch"], stop=stop, config=FAST):
        seen.append(ev)
        if isinstance(ev, teach.Epoch) and ev.method == "scratch":
            stop.set()
    done = seen[-1]
    assert isinstance(done, teach.Done) and done.reason == "stopped" and list(done.results) == ["linear"]
    assert sum(isinstance(e, teach.Epoch) and e.method == "scratch" for e in seen) == 1


def test_the_same_seed_gives_the_same_numbers():
    X, _, labels = _vectors(per_class=(4, 4), unlabelled=3)
    lab = teach.check_labels(labels)
    imgs = _images(labels)

    def run(seed, methods=teach.METHODS):
        return teach.run_to_end(lab, X, imgs, seed=seed, config=FAST, methods=methods).results

    a, b, c = run(1), run(1), run(2, ["scratch"])
    for m in teach.METHODS:
        assert a[m].losses == b[m].losses and np.array_equal(a[m].probs, b[m].probs)
        assert np.array_equal(a[m].oof_conf, b[m].oof_conf)
    assert a["scratch"].losses != c["scratch"].losses


# --- using the result -----------------------------------------------------------------------------

def _result(probs, classes=("a", "b", "c")) -> teach.MethodResult:
    probs = np.asarray(probs, np.float64)
    U = np.arange(10, 10 + len(probs))
    return teach.MethodResult("linear", list(classes), 2, 1.0, [1.0, 1.0], np.eye(len(classes), dtype=np.int64) * 2,
                              np.array([0, 1, 2, 3, 4, 5]), np.array([0, 0, 1, 1, 2, 2]),
                              np.array([0, 1, 1, 1, 2, 2]), np.array([.9, .6, .8, .7, .9, .5]), U, probs, [], 0.0)


def test_label_next_takes_the_least_sure_first():
    r = _result([[0.90, 0.05, 0.05], [0.40, 0.35, 0.25], [0.34, 0.33, 0.33], [0.50, 0.45, 0.05],
                 [0.60, 0.20, 0.20]])
    assert teach.label_next(r, 3) == [12, 13, 11]  # margins 0.01, 0.05, 0.05 (tie: collection order)
    assert teach.label_next(r, 10, by="confidence") == [12, 11, 13, 14, 10]
    rows = teach.predictions(r)
    assert [x["class"] for x in rows] == ["a"] * 5 and rows[2]["index"] == 12
    assert teach.confused(r, 0, 1) == [1]


def test_csv_and_summary():
    r = _result([[0.2, 0.7, 0.1]], classes=("=cmd", "b", "c"))
    lab = teach.Labelling(("=cmd", "b", "c"), np.array([0, 0, 1, 1, 2, 2, -1, -1, -1, -1, -1]))
    names = [f"f{i}.jpg" for i in range(10)] + ["@nuevo.jpg"]
    tags = [[{"label": "church", "probability": 0.5}]] * 11
    r.unlabelled = np.array([10])
    rows = list(csv.DictReader(io.StringIO(teach.to_csv(names, lab, r, tags))))
    assert rows[0] == {"file": "f0.jpg", "label": "'=cmd", "predicted_class": "'=cmd", "confidence": "0.9000",
                       "predicted_by": "cross-validation", "tags": "church (0.50)"}
    assert rows[10]["file"] == "'@nuevo.jpg" and rows[10]["predicted_class"] == "b"
    assert rows[10]["predicted_by"] == "final model" and rows[6]["predicted_class"] == ""
    s = teach.summary(names, lab, {"linear": r})
    json.dumps(s)
    assert s["files"][-1] == {"file": "@nuevo.jpg", "predictions": {"linear": {"class": "b", "confidence": 0.7}}}
    assert s["methods"]["linear"]["cv_accuracy"] == 1.0 and s["folds"] == 2


def test_onnx_export_equals_torch():
    import onnx

    from explorer import runtime

    X, _, labels = _vectors(per_class=(4, 4, 4), unlabelled=2)
    lab = teach.check_labels([None if c is None else c.replace("clase", "⛪ clase") for c in labels])
    clf = teach.run_to_end(lab, X, methods=["linear"], config=FAST).results["linear"].model
    data = teach.onnx_bytes(clf)
    model = onnx.load_from_string(data)
    assert json.loads({p.key: p.value for p in model.metadata_props}["classes"]) == list(lab.classes)
    import onnxruntime as ort

    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    raw = (X * 3.7).astype(np.float32)  # not unit length: normalised inside
    logits, probs = sess.run(["class_logits", "probabilities"], {"features": raw})
    with torch.no_grad():
        ref = clf.module()(torch.from_numpy(raw)).numpy()
    assert np.allclose(logits, ref, atol=1e-5) and np.allclose(probs, clf.predict_proba(raw), atol=1e-6)
    # the whole path from pixels: EfficientNet-Lite0's ONNX graph with the classifier appended
    pipe = ort.InferenceSession(teach.onnx_bytes(clf, pipeline=True), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).random((2, 3, 224, 224), dtype=np.float32)
    (p_pipe,) = pipe.run(["probabilities"], {"x": x})
    _, feats = runtime.session(archive.ONNX).run(["logits", "features"], {"x": x})
    assert np.allclose(p_pipe, clf.predict_proba(feats), atol=1e-5)


# --- the demo collection --------------------------------------------------------------------------

def test_the_demo_collection_is_a_labelled_catalogue(fashion, tmp_path):
    from explorer.archive import demo

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    d = demo.demo_collection(tmp_path / "a", per_class=4, labelled=2)
    again = demo.demo_collection(tmp_path / "b", per_class=4, labelled=2)
    assert hashlib.sha256(d.path.read_bytes()).digest() == hashlib.sha256(again.path.read_bytes()).digest()
    assert d.classes == ["calzado", "prendas de arriba", "bolsos"] and len(d.truth) == 12
    (tmp_path / "w").mkdir()
    items = archive.extract(d.path, tmp_path / "w")
    labels = teach.folder_labels(items)
    assert sorted(it.name for it, lab in zip(items, labels) if lab) == sorted(d.labelled)
    assert all(lab in (None, d.truth[it.name]) for it, lab in zip(items, labels))
    assert teach.check_labels(labels).counts == [2, 2, 2]
    picked = demo.pick(4)
    labels_of = fashion.test.labels.numpy()
    assert all(labels_of[i] in demo.CATEGORIES[c] for c, idx in picked.items() for i in idx)
    assert {int(labels_of[i]) for i in picked["calzado"]} == {5, 7, 9}


def _pixels(img, side):
    im = Image.fromarray(img).convert("RGB").resize((side, side), Image.Resampling.BICUBIC)
    return torch.from_numpy(np.asarray(im, np.float32).transpose(2, 0, 1) / 255.0)


def test_each_result_is_one_network_from_pixels():
    """teach.network: the trained classifier as a torch module (for Saliency) gives the result's own
    probabilities for the unlabelled images."""
    from explorer import runtime

    labels = ["a", "a", "a", "b", "b", "b", None, None]
    imgs = _images(labels)
    x224 = torch.stack([_pixels(im, 224) for im in imgs]).numpy()
    _, feats = runtime.session(archive.ONNX).run(["logits", "features"], {"x": x224})
    lab = teach.check_labels(labels)
    done = teach.run_to_end(lab, archive.normalize(feats), imgs, config=FAST)
    for m, r in done.results.items():
        net, side = teach.network(r)
        assert not net.training and not any(p.requires_grad for p in net.parameters())
        with torch.no_grad():
            p = torch.softmax(net(torch.stack([_pixels(imgs[i], side) for i in r.unlabelled])), 1).double().numpy()
        assert np.allclose(p, r.probs, atol=1e-4), m


def test_a_cache_keeps_the_frozen_activations_between_runs():
    labels = ["a", "a", "a", "b", "b", "b", None, None]
    imgs = _images(labels)
    cache: dict = {}
    first = list(teach.teach(teach.check_labels(labels), images=imgs, methods="finetune", config=FAST, cache=cache))
    assert sum(e.done for e in first if isinstance(e, teach.Prepare) and e.phase == "labelled") >= 6
    more = teach.relabel(labels, {6: "a"})  # one more labelled image: only its mirror image is new
    again = list(teach.teach(teach.check_labels(more), images=imgs, methods="finetune", config=FAST, cache=cache))
    prep = [e for e in again if isinstance(e, teach.Prepare)]
    assert [(e.phase, e.total) for e in prep] == [("labelled", 1)]
    fresh = teach.run_to_end(teach.check_labels(more), images=imgs, methods="finetune", config=FAST)
    # the same numbers up to float rounding (oneDNN's sums depend on how the images were batched)
    a, b = again[-1].results["finetune"], fresh.results["finetune"]
    assert all(np.allclose(x, y, rtol=1e-4, atol=1e-6) for x, y in zip(a.losses, b.losses))
    assert np.allclose(a.probs, b.probs, atol=1e-5)
