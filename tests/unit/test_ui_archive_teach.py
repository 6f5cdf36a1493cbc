""""Mi archivo" → teach it your categories: the section's handlers called directly (no launched app,
a real SessionStore, a stand-in request) on the demo shop's collection, extracted and embedded as
the tab does. The lesson's figures (the three ways' cross-validated accuracies, and on the
unlabelled images) are re-measured here with the scenario's own settings; the e2e test reads them
off the page."""
import csv
import io
import json
import re
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest

from explorer.archive import compute as archive
from explorer.archive import demo, teach
from explorer.archive.scenarios import SCENARIOS
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.ui import archive as ua
from explorer.ui import archive_teach as ut
from explorer.ui import inputs, saliency

pytestmark = pytest.mark.slow
SC = SCENARIOS["shop"]


def request(name="test-ui-teach"):
    return SimpleNamespace(session_hash=name)


@pytest.fixture(scope="module")
def shop(fashion, tmp_path_factory):
    """The scenario's demo collection, extracted and embedded as an analysis leaves it (no map)."""
    d = demo.demo_collection(tmp_path_factory.mktemp("shop"), per_class=SC["per_class"], labelled=SC["labelled"],
                             seed=SC["seed"], framing=SC["framing"])
    work = tmp_path_factory.mktemp("work")
    items = archive.extract([str(d.path)], work)
    F, tags = archive.embed_images(items)
    for it in items:
        it.pixels = None
    return d, list(items), F, tags, work


@pytest.fixture
def store(shop):
    _, items, F, tags, work = shop
    s = SessionStore()
    s.get("test-ui-teach").archive = {"items": items, "F": F, "tags": tags, "workdir": work, "source": (),
                                      "labels": teach.folder_labels(items)}
    return s


def test_the_zips_folders_fill_the_table_and_the_counts(store):
    gallery, table, counts = ut.show_labels(store, "es", request())
    assert len(gallery) == 90 and gallery[0][1].startswith("0 · ")
    assert table["headers"] == ["#", t("es", "archive_teach_col_file"), t("es", "archive_teach_col_label")]
    labelled = [r for r in table["data"] if r[2]]
    assert len(labelled) == 15 and {r[2] for r in labelled} == set(demo.CATEGORIES)
    assert counts == t("es", "archive_teach_counts", n="3", unlabelled="75",
                       parts="**bolsos** 5 · **calzado** 5 · **prendas de arriba** 5")


def test_picking_images_and_giving_them_a_category(store):
    assert ut.parse_picked("3, 5-7;9 10 - 11", 90, "en") == [3, 5, 6, 7, 9, 10, 11]
    for bad, key in (("x", "err_archive_teach_picked"), ("5-200", "err_archive_teach_picked_range"),
                     ("8-3", "err_archive_teach_picked_range")):
        with pytest.raises(gr.Error) as e:
            ut.parse_picked(bad, 90, "en")
        assert e.value.message.startswith(t("en", key, value=bad, high=89)[:20]), e.value.message
    _, table, _ = ut.show_labels(store, "en", request())
    table2, counts, picked, gallery = ut.archive_label(store, "20-22", "<b>sombreros</b> 🎩", table, "en", request())
    assert picked == "" and [r[2] for r in table2["data"][20:23]] == ["<b>sombreros</b> 🎩"] * 3
    assert "&lt;b&gt;sombreros&lt;/b&gt; 🎩** 3" in counts  # shown as written, not as HTML
    assert t("en", "archive_teach_counts_few", n=5, classes="&lt;b&gt;sombreros&lt;/b&gt; 🎩") in counts
    assert gallery[20][1].endswith("· <b>sombreros</b> 🎩")
    table3, *_ = ut.archive_label(store, "21", "", table2, "en", request())  # an empty category removes it
    assert table3["data"][21][2] == ""
    with pytest.raises(gr.Error) as e:
        ut.archive_label(store, "", "x", table3, "en", request())
    assert e.value.message == t("en", "err_archive_teach_nothing_picked")
    with pytest.raises(gr.Error) as e:
        ut.archive_label(store, "1", "x" * 61, table3, "es", request())
    assert e.value.message.startswith(t("es", "err_archive_teach_label_too_long", label="x" * 24 + "…", limit=60))
    with pytest.raises(gr.Error) as e:
        ut.labels_from_table({"data": [["a", "b"]]}, 90, "es")
    assert e.value.message == t("es", "err_archive_teach_table")


def run_to_end(store, table, methods, lang="en"):
    outs = list(ut.archive_teach(store, ut.Analysis(ua.analyse_into, ua.source_of), None, table, methods, 0, lang,
                                 request()))
    return outs


def test_teaching_streams_then_the_lessons_figures_and_their_use(store, shop):
    d = shop[0]
    _, table, _ = ut.show_labels(store, "en", request())
    outs = run_to_end(store, table, list(SC["methods"]))
    assert len(outs) >= 3 and all(len(o) == 11 for o in outs)  # streamed: frames, then the results
    assert all(isinstance(o[1], type(outs[-1][1])) for o in outs)  # the curves in every frame
    status, curves, use, confusion, confused, preds, next_sheet, next_table, csv_path, onnx_path, summary = outs[-1]
    # the lesson's figures (5-fold cross-validation on 15 images; then the 75 the demo knows)
    cv = {m: r["cv_accuracy"] for m, r in summary["methods"].items()}
    assert cv == {"linear": 1.0, "finetune": 1.0, "scratch": round(4 / 15, 4)}, cv
    truth = d.truth
    right = {m: np.mean([f["predictions"][m]["class"] == truth[f["file"]] for f in summary["files"]])
             for m in cv}
    assert {m: round(100 * a) for m, a in right.items()} == {"linear": 87, "finetune": 87, "scratch": 47}, right
    lesson = t("en", "archive_scn_shop_lesson")
    for fig in ("**100 %**", "**27 %**", "**87 %**", "**47 %**"):
        assert fig in lesson
    assert status.startswith(t("en", "archive_teach_done", k=5, n="15", parts="", s="")[:20])
    assert t("en", "archive_teach_gap", gap="73") in status
    assert summary["saliency"] == "linear" and len(summary["files"]) == 75
    assert use["value"] == "linear" and [c[1] for c in use["choices"]] == list(teach.METHODS)
    bars = next(tr for tr in curves.data if tr.type == "bar")
    assert list(bars.y) == [100.0, 100.0, pytest.approx(100 * 4 / 15)]
    assert confusion.layout.title.text.startswith(t("en", "archive_teach_m_linear"))
    assert confused["visible"] is False  # nothing confused: no empty picture
    assert len(preds["data"]) == 75 and len(next_table["data"]) == ut.NEXT_N and next_sheet is not None
    rows = list(csv.DictReader(io.StringIO(open(csv_path, encoding="utf-8-sig").read())))
    assert len(rows) == 90 and {r["predicted_by"] for r in rows} == {"cross-validation", "final model"}
    import onnxruntime as ort
    sess = ort.InferenceSession(onnx_path)
    assert json.loads(sess.get_modelmeta().custom_metadata_map["classes"]) == sorted(demo.CATEGORIES)
    # the from-scratch CNN's results: confusions, drawn with their pictures
    fig, confused, *_ = ut.archive_teach_use(store, "scratch", "es", request())
    assert confused["visible"] and confused["value"].width > 300
    with pytest.raises(gr.Error):
        ut.archive_teach_use(store, "nope", "es", request())
    # redrawn in Spanish, nothing recomputed
    red = ut.redraw(store, "es", request())
    assert len(red) == len(ut.redraw_outputs(SimpleNamespace(**{f: f for f in ut.TeachUI.__dataclass_fields__})))
    assert red[2].startswith(t("es", "archive_teach_done", k=5, n="15", parts="", s="")[:20])
    # "label these next": the guesses as they stand, then trained again with 23 labelled
    table2, _, _ = ut.archive_label_next(store, next_table, table, "en", request())
    assert sum(1 for r in table2["data"] if r[2]) == 15 + ut.NEXT_N
    outs = run_to_end(store, table2, ["linear"])
    assert outs[-1][-1]["counts"] == [sum(r[2] == c for r in table2["data"]) for c in sorted(demo.CATEGORIES)]


def test_the_taught_classifier_in_the_saliency_tab(store):
    with pytest.raises(gr.Error) as e:
        inputs.network("archive", saliency.NETS, "en", request(), store)
    assert e.value.message == t("en", "err_no_archive_classifier")
    _, table, _ = ut.show_labels(store, "en", request())
    run_to_end(store, table, ["linear"])
    net = inputs.network("archive", saliency.NETS, "en", request(), store)
    assert net.key == "archive" and net.class_names("es") == sorted(demo.CATEGORIES)
    status, grid, _, summary = saliency.explain(
        store, "sample", "cat", 0, None, None, "archive", lang="en", request=request(), progress=lambda *a, **k: None,
        target_v=-1, methods_v=["gradcam"], sg_n_v=4, sg_std_v=0.15, ig_base_v="black", ig_steps_v=8, layer_v=None,
        win_v=32, stride_v=16)
    assert summary["target"]["label"] in demo.CATEGORIES and re.search("|".join(demo.CATEGORIES), status)
    assert grid.size[0] > 0


def test_scenario_gives_the_demo_zip_its_ways_and_lesson():
    files, methods, seed, lesson = ut.archive_teach_scenario("shop", "es")
    assert files[0].endswith(demo.ZIP_NAME) and methods == list(teach.METHODS) and seed == 0
    assert lesson == t("es", "archive_scn_shop_lesson")
    with pytest.raises(gr.Error):
        ut.archive_teach_scenario("no such", "en")


def test_the_demo_shop_is_analysed_and_taught_once_for_a_class(fashion):
    """Two students run the scenario: the second gets the first's analysis and training (the same
    numbers, shared read-only), and both see how right the unlabelled predictions are."""
    files, _, seed, _ = ut.archive_teach_scenario("shop", "en")
    store = SessionStore()
    analysis = ut.Analysis(ua.analyse_into, ua.source_of)
    summaries, statuses = [], []
    for who in ("ana", "ben"):
        sess = store.get(who)
        ua.analyse_into(sess, files, 0.95, "en")
        outs = list(ut.archive_teach(store, analysis, files, None, ["linear", "scratch"], seed, "en", request(who)))
        statuses.append(outs[-1][0])
        summaries.append(outs[-1][-1])
    a, b = (store.get(w).archive for w in ("ana", "ben"))
    assert a["items"][0] is b["items"][0] and a["F"] is b["F"]  # one analysis
    assert a["teach"]["results"] is b["teach"]["results"]  # one training
    assert a["workdir"] != b["workdir"] and a["csv"] != b["csv"]  # each session's own files
    assert summaries[0] == summaries[1] and summaries[0]["demo_unlabelled_accuracy"] == {"linear": 0.8667,
                                                                                         "scratch": 0.4667}
    assert t("en", "archive_teach_truth", n="75", parts="")[:30] in statuses[1]
