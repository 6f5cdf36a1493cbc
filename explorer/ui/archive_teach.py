""""Mi archivo" → teach it your categories (issue 18): the section of the tab where an archivist
labels a few images of the analysed collection, trains three ways side by side (a linear classifier
on the frozen EfficientNet-Lite0 vectors, fine-tuning its last blocks, the small CNN from scratch),
sees them cross-validated, and uses the result: predictions for every unlabelled image, the images
to label next (one click labels them and trains again), a CSV, the linear classifier as ONNX, and
the classifier in the Saliency tab. The logic is ``explorer.archive.teach``; the figures are in
``explorer.archive.views``. A section of ``explorer.ui.archive`` (which builds it inside the tab,
under the photos it needs), in a module of its own because it is a tool of its own.

Labels: a table (#, file, category), filled from the zip's folders after each analysis; a
category is typed into its cells, or given to the images picked in the grid of thumbnails (a click
adds an image to the list) or typed as numbers ("3, 5-9"). The table is what a training reads.

API (gradio_client): ``/archive_teach`` (files, labels, ways, seed; streams), ``/archive_teach_use``
(whose results are shown), ``/archive_label`` (give a category to images), ``/archive_label_next``
(label the suggested images and train again: its chain), ``/archive_teach_scenario``.
"""
from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
import numpy as np

from explorer import memo, nets
from explorer.archive import demo, teach
from explorer.archive import views as av
from explorer.archive.scenarios import SCENARIOS
from explorer.files import write_by_content
from explorer.i18n import num, t
from explorer.plots import confusion_figure
from explorer.session import SessionStore
from explorer.streaming import newest_first
from explorer.ui import wiring
from explorer.ui.common import L, friendly, int_in, session_key, user_error
from explorer.ui.components import CheckboxGroup, Dataframe, Gallery, Number, OutputImage
from explorer.ui.wiring import HIDDEN, bind, json_panel

# A class teaching at once: the three ways take seconds of both cores (the demo shop's 90 images:
# fine-tuning 5 s); two at a time, the rest queued (the queue shows each its place), the training
# threads niced below interactive requests.
TEACH_CONCURRENCY = int(os.environ.get("DLE_TEACH_CONCURRENCY", "2"))
TEACH_QUEUE = dict(concurrency_limit=TEACH_CONCURRENCY, concurrency_id="archive_teach")
TEACH_NICE = int(os.environ.get("DLE_TRAIN_NICE", "10"))
ANALYSIS_THRESHOLD = 0.95  # near-duplicates, when a training analyses the files itself (the page's default)
NEXT_N = 8  # images suggested to label next
FRAME_S = 0.3  # at most one streamed picture of the curves every this many seconds
MAX_PICKED_CHARS = 2000
PICK_RE = re.compile(r"^\s*(\d{1,4})\s*(?:-\s*(\d{1,4}))?\s*$")


@dataclass(frozen=True)
class Analysis:
    """How the photos section analyses an upload (``explorer.ui.archive``: ``analyse_into``,
    ``source_of``), handed to the training, which analyses the files itself when they are not the
    collection this session analysed last (an API call with a zip)."""

    run: Callable
    source_of: Callable


# ---- the labels --------------------------------------------------------------------------------

def label_rows(st: dict) -> list[list]:
    """The labels table's rows: (#, file, category or "")."""
    return [[i, it.name, lab or ""] for i, (it, lab) in enumerate(zip(st["items"], st["labels"]))]


def _table(st: dict, lang: str) -> dict:
    return {"headers": ["#", t(lang, "archive_teach_col_file"), t(lang, "archive_teach_col_label")],
            "data": label_rows(st)}


def labels_from_table(table_v, n: int, lang: str) -> list[str | None]:
    """The table as the page or an API call sends it (rows of #, file, category; a dict with "data"
    or a list of rows) → one label per item (None: no category). Rows name their item by "#"."""
    rows = table_v.get("data") if isinstance(table_v, dict) else table_v
    if rows is None:
        return [None] * n
    if hasattr(rows, "values") and hasattr(rows, "columns"):  # a pandas DataFrame
        rows = rows.values.tolist()
    if not isinstance(rows, (list, tuple)):
        raise user_error(lang, "err_archive_teach_table")
    out: list[str | None] = [None] * n
    for row in rows:
        if not isinstance(row, (list, tuple)) or len(row) < 3:
            raise user_error(lang, "err_archive_teach_table")
        i = int_in(row[0], 0, max(n - 1, 0), lang, "archive_teach_col_index")
        out[i] = teach.clean_label(row[2]) if row[2] not in (None, "") else None
    return out


def parse_picked(text, n: int, lang: str) -> list[int]:
    """"3, 5-9" → [3, 5, 6, 7, 8, 9] (item numbers, as the grid and the table show them)."""
    text = "" if text is None else str(text)
    if len(text) > MAX_PICKED_CHARS:
        raise user_error(lang, "err_archive_teach_picked", value=text[:24] + "…")
    out: list[int] = []
    for part in filter(None, re.split(r"[,;\s]+", re.sub(r"\s*-\s*", "-", text))):
        m = PICK_RE.match(part)
        if not m:
            raise user_error(lang, "err_archive_teach_picked", value=part[:24])
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if not (0 <= a <= b < n):
            raise user_error(lang, "err_archive_teach_picked_range", value=part[:24], high=n - 1)
        out += [i for i in range(a, b + 1) if i not in out]
    return out


def counts_text(labels: list[str | None], lang: str) -> str:
    """What the labels add up to: each category's images, the unlabelled, what is still missing."""
    named = [x for x in labels if x is not None]
    if not named:
        return t(lang, "archive_teach_counts_none")
    counts: dict[str, int] = {}
    for x in named:
        counts[x] = counts.get(x, 0) + 1
    order = sorted(counts, key=lambda s: (s.casefold(), s))
    parts = " · ".join(f"**{av.plain(c)}** {num(lang, counts[c])}" for c in order)
    msg = t(lang, "archive_teach_counts", n=num(lang, len(order)), parts=parts,
            unlabelled=num(lang, len(labels) - len(named)))
    few = [c for c in order if counts[c] < teach.RECOMMENDED_PER_CLASS]
    if len(order) < teach.MIN_CLASSES:
        msg += "\n\n" + t(lang, "archive_teach_counts_one")
    elif few:
        msg += "\n\n" + t(lang, "archive_teach_counts_few", classes=", ".join(av.plain(c) for c in few),
                          n=teach.RECOMMENDED_PER_CLASS)
    return msg


def _state(store: SessionStore, lang: str, request) -> dict:
    sess = store.get(session_key(request))
    if not sess.archive:
        raise user_error(lang, "err_archive_nothing")
    return sess.archive


def _gallery(st: dict) -> list[tuple]:
    return [(it.thumb, f"{i} · {it.name}" + (f" · {lab}" if lab else ""))
            for i, (it, lab) in enumerate(zip(st["items"], st["labels"]))]


@friendly
def show_labels(store, lang, request: gr.Request):
    """After an analysis: the grid of thumbnails, the labels table (the zip's folders) and the
    counts."""
    st = store.get(session_key(request)).archive
    if not st:
        return gr.skip(), gr.skip(), gr.skip()
    return _gallery(st), _table(st, lang), counts_text(st["labels"], lang)


def add_picked(picked_v, evt: gr.SelectData):
    """A thumbnail clicked in the grid: its number added to the list of picked images."""
    have = [p.strip() for p in str(picked_v or "").split(",") if p.strip()]
    idx = str(evt.index)
    return ", ".join(have if idx in have else have + [idx])


@friendly
def archive_label(store, picked_v, label_v, table_v, lang, request: gr.Request):
    """Give the category ``label`` to the images ``picked`` ("3, 5-9": numbers as the table shows
    them; an empty category takes theirs away), over the labels ``table``. Returns the table, the
    counts and an emptied list of picked images. JSON-free: the table is the result."""
    st = _state(store, lang, request)
    n = len(st["items"])
    labels = labels_from_table(table_v, n, lang)
    picked = parse_picked(picked_v, n, lang)
    if not picked:
        raise user_error(lang, "err_archive_teach_nothing_picked")
    label = teach.clean_label(label_v) if label_v not in (None, "") else None
    st["labels"] = teach.relabel(labels, dict.fromkeys(picked, label))
    return _table(st, lang), counts_text(st["labels"], lang), "", _gallery(st)


# ---- training ----------------------------------------------------------------------------------

def _progress_of(ev, progress: dict) -> None:
    p = progress.setdefault(ev.method, {"runs": {}, "epochs": 0, "fold_acc": [], "cv": None})
    if isinstance(ev, teach.Epoch):
        p["runs"].setdefault(ev.fold or 0, []).append((ev.epoch, float(ev.loss)))
        p["epochs"] = max(p["epochs"], ev.epochs)
    elif isinstance(ev, teach.Fold):
        p["fold_acc"].append(float(ev.accuracy))


def _status(ev, plan, lang: str) -> str:
    name = t(lang, f"archive_teach_m_{ev.method}") if hasattr(ev, "method") else ""
    if isinstance(ev, teach.Plan):
        return t(lang, "archive_teach_status_plan", n=num(lang, ev.labelled), c=num(lang, len(ev.classes)),
                 k=ev.folds, u=num(lang, ev.unlabelled))
    if isinstance(ev, teach.Prepare):
        return t(lang, "archive_teach_status_prepare", method=name, done=num(lang, ev.done),
                 total=num(lang, ev.total), s=num(lang, ev.elapsed, 1))
    if isinstance(ev, teach.Epoch):
        where = (t(lang, "archive_teach_fold") + f" {ev.fold}/{plan.folds}" if ev.fold
                 else t(lang, "archive_teach_final"))
        return t(lang, "archive_teach_status_epoch", method=name, where=where, epoch=ev.epoch, epochs=ev.epochs,
                 loss=num(lang, ev.loss, 3), s=num(lang, ev.elapsed, 1))
    if isinstance(ev, teach.Fold):
        return t(lang, "archive_teach_status_fold", method=name, fold=ev.fold, folds=ev.folds,
                 acc=num(lang, 100 * ev.accuracy, 0), s=num(lang, ev.elapsed, 1))
    if isinstance(ev, teach.MethodDone):
        r = ev.result
        return t(lang, "archive_teach_status_method", method=name, acc=num(lang, 100 * r.cv_accuracy, 0),
                 k=r.folds, s=num(lang, r.seconds, 1))
    return ""


def done_text(tr: dict, lang: str) -> str:
    """The run's closing line: each way's cross-validated accuracy, and what it means."""
    res, lab = tr["results"], tr["lab"]
    if not res:
        return t(lang, "archive_teach_stopped_none")
    parts = " · ".join(f"**{t(lang, f'archive_teach_m_{m}')}** {num(lang, 100 * r.cv_accuracy, 0)} %"
                       for m, r in res.items())
    key = "archive_teach_done" if tr["reason"] == "completed" else "archive_teach_stopped"
    msg = t(lang, key, parts=parts, k=lab.folds, n=num(lang, len(lab.labelled)), s=num(lang, tr["elapsed"], 1))
    if "linear" in res and "scratch" in res:
        gap = 100 * (res["linear"].cv_accuracy - res["scratch"].cv_accuracy)
        msg += " " + t(lang, "archive_teach_gap", gap=num(lang, gap, 0))
    if tr.get("truth"):
        parts = " · ".join(f"**{t(lang, f'archive_teach_m_{m}')}** {num(lang, 100 * a, 0)} %"
                           for m, a in tr["truth"].items())
        msg += "\n\n" + t(lang, "archive_teach_truth", n=num(lang, len(lab.unlabelled)), parts=parts)
    return msg


def _best_transfer(results: dict) -> str | None:
    """The way the Saliency tab shows: the better cross-validated of the two that read photos at
    EfficientNet's size (linear, fine-tuning); the from-scratch CNN reads 32-px images."""
    ways = [m for m in ("linear", "finetune") if m in results]
    return max(ways, key=lambda m: (results[m].cv_accuracy, m == "linear")) if ways else None


def _classifier_net(result: teach.MethodResult) -> nets.Net:
    module, _side = teach.network(result)
    classes = list(result.classes)
    return nets.Net("archive", module, "rgb224", None, nets.imagenet().stage_points, lambda lang: classes)


def _use_choices(results: dict, lang: str) -> list[tuple[str, str]]:
    return [(t(lang, f"archive_teach_m_{m}"), m) for m in results]


def results_views(st: dict, use: str, lang: str) -> tuple:
    """What the way ``use`` found, drawn in ``lang``: its confusion matrix, the confused images,
    the predictions table, the images to label next (sheet and table), the CSV and the ONNX file."""
    tr = st["teach"]
    res, lab = tr["results"], tr["lab"]
    if use not in res:
        use = _best_transfer(res) or next(iter(res))
    r = res[use]
    items, names = st["items"], [it.name for it in st["items"]]
    classes = [av.plain(c) for c in r.classes]
    fig = confusion_figure(r.confusion, classes, lang)
    fig.update_layout(title=dict(text=t(lang, "archive_teach_confusion_title", method=t(lang, f"archive_teach_m_{use}"),
                                        k=r.folds, acc=num(lang, 100 * r.cv_accuracy, 0))))
    cells = []
    C = len(r.classes)
    conf = {int(i): float(c) for i, c in zip(r.labelled, r.oof_conf)}  # the probability of the wrong class
    for a in range(C):
        for b in range(C):
            if a != b and r.confusion[a, b]:
                idx = teach.confused(r, a, b)
                cells.append((r.classes[a], r.classes[b], [(items[i].thumb, items[i].name, conf[i]) for i in idx]))
    cells.sort(key=lambda c: -len(c[2]))
    sheet = av.confused_sheet(cells, lang)
    confused = gr.update(value=sheet, visible=sheet is not None)  # hidden when nothing was confused
    preds = teach.predictions(r)
    pred_rows = [[p["index"], names[p["index"]], p["class"], f"{num(lang, 100 * p['confidence'], 1)} %",
                  num(lang, p["margin"], 3)] for p in sorted(preds, key=lambda p: -p["confidence"])]
    pred_table = {"headers": ["#", t(lang, "archive_teach_col_file"), t(lang, "archive_teach_col_pred"),
                              t(lang, "archive_teach_col_conf"), t(lang, "archive_teach_col_margin")],
                  "data": pred_rows}
    nxt = teach.label_next(r, NEXT_N)
    by_index = {p["index"]: p for p in preds}
    next_sheet = av.sheet([(items[i].thumb, [f"{i} · {items[i].name}", f"{by_index[i]['class']}",
                                             f"{num(lang, 100 * by_index[i]['confidence'], 0)} %"]) for i in nxt],
                          heading=t(lang, "archive_teach_next_heading", n=len(nxt))) if nxt else None
    next_table = {"headers": ["#", t(lang, "archive_teach_col_file"), t(lang, "archive_teach_col_pred"),
                              t(lang, "archive_teach_col_yours")],
                  "data": [[i, names[i], by_index[i]["class"], by_index[i]["class"]] for i in nxt]}
    workdir = st["workdir"]
    csv_path = write_by_content(teach.to_csv(names, lab, r, st["tags"]).encode("utf-8-sig"), workdir,
                                "mi_archivo_categorias.csv")
    onnx_path = tr.get("onnx")
    return (fig, confused, pred_table, next_sheet, next_table, str(csv_path),
            str(onnx_path) if onnx_path else None)


def _teach_outputs(status, curves=None, use=None, views=None, summary=None) -> tuple:
    rest = views if views is not None else (gr.skip(),) * 7
    return (status, gr.skip() if curves is None else curves, gr.skip() if use is None else use, *rest,
            gr.skip() if summary is None else summary)


@friendly
def archive_teach(store, analyse, files_v, table_v, methods_v, seed_v, lang, request: gr.Request):
    """Teach the analysed collection your categories, three ways side by side on the same labelled
    images: ``linear`` (a softmax classifier on the frozen EfficientNet-Lite0 vectors),
    ``finetune`` (its last two blocks trained as well) and ``scratch`` (the small CNN from random
    weights). Each is scored by stratified k-fold cross-validation (k = min(5, the smallest
    category's size)); then trained on every labelled image to predict the others. Streams the
    status and the loss curves. ``files``: the collection (as /archive takes it) — analysed first
    when it is not the one this session analysed last; ``labels``: rows of (#, file, category),
    an empty category for an unlabelled image; none given: the zip's folders. 2-20 categories of
    2 or more images (5 or more recommended), names up to 60 characters. JSON: per way the
    cross-validated accuracy, folds and confusion matrix; per unlabelled file each way's
    predicted category and its confidence."""
    sess = store.get(session_key(request))
    methods = teach.check_methods(methods_v)
    seed = int_in(seed_v, 0, teach.MAX_SEED, lang, "archive_teach_seed")
    st = sess.archive
    if files_v and (st is None or st.get("source") != analyse.source_of(files_v)):
        yield _teach_outputs(t(lang, "archive_teach_analysing"))
        analyse.run(sess, files_v, ANALYSIS_THRESHOLD, lang)
        st = sess.archive
    if not st:
        raise user_error(lang, "err_archive_nothing")
    n = len(st["items"])
    labels = labels_from_table(table_v, n, lang) if table_v not in (None, "", []) else list(st["labels"])
    lab = teach.check_labels(labels)
    st["labels"] = [lab.classes[y] if y >= 0 else None for y in lab.y]
    stop = sess.new_run("archive_teach")
    cache = st.setdefault("teach_cache", {})
    images = [it.thumb for it in st["items"]]
    progress: dict = {}
    plan = None

    def run():
        yield from teach.teach(lab, features=st["F"], images=images, methods=methods, seed=seed, stop=stop,
                               cache=cache)

    demo_args = demo_of(st.get("source"), analyse.source_of)
    key = memo.key_of("archive_teach", *demo_args, *st["labels"], *methods, seed) if demo_args else None
    taught = _TAUGHT.get(key)
    events = newest_first(run, merge=_keep_milestones, on_close=stop.set, nice=TEACH_NICE) if taught is None else []
    done, last, onnx_path = None, 0.0, None
    if taught is not None:
        done, progress, onnx_path = taught
    for batch in events:
        for ev in batch if isinstance(batch, list) else [batch]:
            if isinstance(ev, teach.Plan):
                plan = ev
            if isinstance(ev, (teach.Epoch, teach.Fold)):
                _progress_of(ev, progress)
            if isinstance(ev, teach.MethodDone):
                p = progress.setdefault(ev.result.method, {"runs": {}, "epochs": 0, "fold_acc": [], "cv": None})
                p["cv"] = ev.result.cv_accuracy
            if isinstance(ev, teach.Done):
                done = ev
        ev = batch[-1] if isinstance(batch, list) else batch
        if done is not None:
            break
        now = time.monotonic()
        if now - last >= FRAME_S or isinstance(ev, (teach.Plan, teach.MethodDone)):
            last = now
            yield _teach_outputs(_status(ev, plan, lang), av.teach_figure(progress, methods, plan.folds, lang))
    if done is None:
        return
    if onnx_path is None and "linear" in done.results:  # a demo's: once, in its own folder, for all
        onnx_path = write_by_content(teach.onnx_bytes(done.results["linear"].model, pipeline=True),
                                     _demo(*demo_args).path.parent if key else st["workdir"], "mi_clasificador.onnx")
    if done.reason == "completed":
        _TAUGHT.put(key, (done, progress, onnx_path))
    names = [it.name for it in st["items"]]
    truth = _demo(*demo_args).truth if demo_args else None
    tr = {"lab": lab, "results": done.results, "reason": done.reason, "elapsed": done.elapsed,
          "methods": methods, "progress": progress, "seed": seed,
          "truth": truth_accuracy(done.results, names, truth) if truth else None, "onnx": onnx_path}
    st["teach"] = tr
    best = _best_transfer(done.results)
    # the Saliency tab's network, made when that tab first asks for it (a copy of EfficientNet each)
    sess.archive_net = functools.partial(_classifier_net, done.results[best]) if best else None
    summary = teach.summary(names, lab, done.results)
    summary.update(reason=done.reason, seed=seed, saliency=best)
    if tr["truth"]:  # a demo collection: how right the predictions for its unlabelled images are
        summary["demo_unlabelled_accuracy"] = {m: round(a, 4) for m, a in tr["truth"].items()}
    if not done.results:
        yield _teach_outputs(done_text(tr, lang), av.teach_figure(progress, methods, lab.folds, lang),
                             summary=summary)
        return
    use = best or next(iter(done.results))
    st["teach_use"] = use
    yield _teach_outputs(done_text(tr, lang), av.teach_figure(progress, methods, lab.folds, lang),
                         gr.update(choices=_use_choices(done.results, lang), value=use, visible=True),
                         results_views(st, use, lang), summary)


def _keep_milestones(pending, new):
    """While the page is busy drawing, events pile up: keep every one (a few hundred at most), so
    no fold's score and no way's result is skipped; the curves are drawn from all of them."""
    old = pending if isinstance(pending, list) else [pending]
    return old + (new if isinstance(new, list) else [new])


@friendly
def archive_teach_use(store, use_v, lang, request: gr.Request):
    """Whose results are shown below the curves: ``linear``, ``finetune`` or ``scratch`` (one the
    last training ran): its confusion matrix, confused images, predictions, images to label next,
    CSV (and the linear classifier's ONNX file)."""
    st = _state(store, lang, request)
    if not st.get("teach"):
        raise user_error(lang, "err_archive_teach_nothing")
    if use_v not in st["teach"]["results"]:
        raise user_error(lang, "err_archive_teach_method", value=str(use_v)[:40],
                         choices=", ".join(st["teach"]["results"]))
    st["teach_use"] = use_v
    return results_views(st, use_v, lang)


@friendly
def archive_label_next(store, next_v, table_v, lang, request: gr.Request):
    """"Label these": the suggested images' categories (the last column of the table of images to
    label next, pre-filled with the classifier's guess) written into the labels table; the page
    then trains again."""
    st = _state(store, lang, request)
    n = len(st["items"])
    labels = labels_from_table(table_v, n, lang)
    rows = next_v.get("data") if isinstance(next_v, dict) else next_v
    if hasattr(rows, "values") and hasattr(rows, "columns"):
        rows = rows.values.tolist()
    changes = {}
    for row in rows or []:
        if not isinstance(row, (list, tuple)) or len(row) < 4:
            raise user_error(lang, "err_archive_teach_table")
        i = int_in(row[0], 0, n - 1, lang, "archive_teach_col_index")
        changes[i] = row[3] if row[3] not in (None, "") else None
    if not changes:
        raise user_error(lang, "err_archive_teach_nothing")
    st["labels"] = teach.relabel(labels, changes)
    return _table(st, lang), counts_text(st["labels"], lang), _gallery(st)


def stop_teach(store, request: gr.Request) -> None:
    """Stop this session's training; the ways that finished are kept."""
    store.get(session_key(request)).cancel("archive_teach")


@functools.lru_cache(maxsize=4)
def _demo(per_class: int, labelled: int, seed: int, framing: str) -> demo.Demo:
    """The demo shop's zip, written once per process (a second or two) into a folder of its own."""
    folder = tempfile.mkdtemp(prefix="dle-demo-")
    atexit.register(shutil.rmtree, folder, True)
    return demo.demo_collection(folder, per_class=per_class, labelled=labelled, seed=seed, framing=framing)


def demo_of(source: tuple, source_of: Callable) -> tuple | None:
    """The ``_demo`` arguments of the scenario's demo zip (made in this process) that ``source``
    (``source_of`` an upload) is, or None for a collection of the user's own."""
    for args in list(_DEMOS):
        if source == source_of([str(_demo(*args).path)]):
            return args
    return None


_DEMOS: set[tuple] = set()  # the demo collections made in this process (their _demo arguments)
# A class runs the demo shop's scenario at once: its training (the same collection, labels, ways
# and seed: the same numbers) is done once per process and shared, read-only. Never a collection
# of a user's own.
_TAUGHT = memo.Memo(8)


def truth_accuracy(results: dict, names: list[str], truth: dict[str, str]) -> dict[str, float]:
    """Per way, the share of the unlabelled images whose predicted category is the true one."""
    out = {}
    for m, r in results.items():
        rows = teach.predictions(r)
        if rows:
            out[m] = float(np.mean([row["class"] == truth.get(names[row["index"]]) for row in rows]))
    return out


_demo_lock = threading.Lock()


@friendly
def archive_teach_scenario(name, lang):
    """A teaching scenario: the collection it uses (a zip, for the photos' upload), the ways it
    trains and its lesson. The page then analyses the collection and teaches it."""
    sc = SCENARIOS.get_checked(name)
    args = (sc["per_class"], sc["labelled"], sc["seed"], sc["framing"])
    with _demo_lock:
        path = str(_demo(*args).path)
        _DEMOS.add(args)
    return [path], list(sc["methods"]), sc["seed"], SCENARIOS.lesson(name, lang)


@friendly
def redraw(store, lang, request: gr.Request):
    """A language switch: the labels table's column names, the counts, the closing line and the
    results, in the new language; nothing recomputed."""
    st = store.get(session_key(request)).archive
    if not st:
        return (gr.skip(),) * 10
    tr = st.get("teach")
    head = (_table(st, lang), counts_text(st["labels"], lang))
    if not tr or not tr["results"]:
        return (*head, *(gr.skip(),) * 8)
    use = st.get("teach_use") or _best_transfer(tr["results"])
    return (*head, done_text(tr, lang),
            av.teach_figure(tr["progress"], tr["methods"], tr["lab"].folds, lang),
            gr.update(choices=_use_choices(tr["results"], lang), value=use), *results_views(st, use, lang)[:5])


# ---- layout ------------------------------------------------------------------------------------

@dataclass
class TeachUI:
    """The teaching section's components the events read and write."""

    scenario: gr.Dropdown
    following: gr.Button
    lesson: gr.Markdown
    gallery: gr.Gallery
    picked: gr.Textbox
    label: gr.Textbox
    assign: gr.Button
    table: gr.Dataframe
    counts: gr.Markdown
    methods: gr.CheckboxGroup
    seed: gr.Number
    run: gr.Button
    stop: gr.Button
    status: gr.Markdown
    curves: gr.Plot
    use: gr.Radio
    confusion: gr.Plot
    confused: gr.Image
    predictions: gr.Dataframe
    next_sheet: gr.Image
    next_table: gr.Dataframe
    relabel: gr.Button
    csv: gr.File
    onnx: gr.File
    json: gr.JSON


def layout() -> TeachUI:
    gr.Markdown(L("archive_teach_heading"))
    gr.Markdown(L("archive_teach_note"), elem_id="arch-teach-note")
    scenario, following, lesson = wiring.scenario_picker(SCENARIOS, "arch")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            gallery = Gallery(label=L("archive_teach_gallery"), columns=4, height=320, allow_preview=False,
                                 object_fit="contain", elem_id="arch-teach-grid", interactive=False)
            with gr.Row():
                picked = gr.Textbox("", label=L("archive_teach_picked"), placeholder="3, 5-9", scale=2,
                                    max_length=MAX_PICKED_CHARS, elem_id="arch-teach-picked")
                label = gr.Textbox("", label=L("archive_teach_label"), scale=2, max_length=teach.MAX_LABEL_CHARS,
                                   elem_id="arch-teach-label")
            assign = gr.Button(L("archive_teach_assign"), elem_id="arch-teach-assign")
            counts = gr.Markdown(elem_id="arch-teach-counts")
            table = Dataframe(headers=["#", "file", "label"], datatype=["number", "str", "str"], type="array",
                                 interactive=True, static_columns=[0, 1], max_height=300, wrap=True,
                                 label=L("archive_teach_table"), elem_id="arch-teach-table")
            methods = CheckboxGroup([(L(f"archive_teach_m_{m}"), m) for m in teach.METHODS],
                                       value=list(teach.METHODS), label=L("archive_teach_methods"),
                                       elem_id="arch-teach-methods")
            seed = Number(0, precision=0, minimum=0, maximum=teach.MAX_SEED, label=L("archive_teach_seed"),
                             elem_id="arch-teach-seed")
            with gr.Row():
                run = gr.Button(L("archive_teach_run"), variant="primary", elem_id="arch-teach-run")
                stop = gr.Button(L("stop_button"), variant="stop", elem_id="arch-teach-stop")
        with gr.Column(scale=3):
            status = gr.Markdown(elem_id="arch-teach-status")
            curves = gr.Plot(label=L("archive_teach_curves"), elem_id="arch-teach-curves")
            use = gr.Radio([], label=L("archive_teach_use"), visible=False, elem_id="arch-teach-use")
            confusion = gr.Plot(label=L("archive_teach_confusion"), elem_id="arch-teach-confusion")
            confused = OutputImage(label=L("archive_teach_confused"), interactive=False, elem_id="arch-teach-confused",
                                   buttons=["download"], format="png")
            predictions = gr.Dataframe(interactive=False, max_height=300, wrap=True, label=L("archive_teach_preds"),
                                       elem_id="arch-teach-preds")
            next_sheet = OutputImage(label=L("archive_teach_next"), interactive=False, elem_id="arch-teach-next-sheet",
                                     buttons=["download"], format="png")
            next_table = Dataframe(headers=["#", "file", "predicted", "yours"], type="array", interactive=True,
                                      static_columns=[0, 1, 2], wrap=True, label=L("archive_teach_next_table"),
                                      elem_id="arch-teach-next")
            relabel = gr.Button(L("archive_teach_relabel"), elem_id="arch-teach-relabel")
            with gr.Row():
                csv = gr.File(label=L("archive_teach_csv"), interactive=False, elem_id="arch-teach-csv")
                onnx = gr.File(label=L("archive_teach_onnx"), interactive=False, elem_id="arch-teach-onnx")
            json = json_panel("/archive_teach", "arch-teach-json")
    return TeachUI(scenario, following, lesson, gallery, picked, label, assign, table, counts, methods, seed, run,
                   stop, status, curves, use, confusion, confused, predictions, next_sheet, next_table, relabel, csv,
                   onnx, json)


# ---- wiring ------------------------------------------------------------------------------------

def wire(ui: TeachUI, store: SessionStore, lang: gr.Radio, analysis: Analysis, files: gr.File,
         analysed, analyse_after: Callable) -> None:
    """``files``: the photos' upload (the collection a training reads); ``analysed``: the photos'
    analysis event, after which the labels are shown; ``analyse_after(event)``: chains that
    analysis after ``event`` (the scenario's) and returns it."""
    labels_out = [ui.gallery, ui.table, ui.counts]
    show = bind(show_labels, store)
    analysed.success(show, [lang], labels_out, **HIDDEN)
    ui.gallery.select(add_picked, [ui.picked], [ui.picked], **wiring.GATE)
    ui.assign.click(bind(archive_label, store), [ui.picked, ui.label, ui.table, lang],
                    [ui.table, ui.counts, ui.picked, ui.gallery], api_name="archive_label", show_progress="hidden")
    results_out = [ui.confusion, ui.confused, ui.predictions, ui.next_sheet, ui.next_table, ui.csv, ui.onnx]
    teach_in = [files, ui.table, ui.methods, ui.seed, lang]
    teach_out = [ui.status, ui.curves, ui.use, *results_out, ui.json]
    handler = bind(archive_teach, store, analysis)
    ui.run.click(handler, teach_in, teach_out, api_name="archive_teach", show_progress="minimal",
                 show_progress_on=[ui.status], **TEACH_QUEUE)
    ui.stop.click(bind(stop_teach, store), None, None, api_name="stop_archive_teach", queue=False)
    ui.use.input(bind(archive_teach_use, store), [ui.use, lang], results_out, api_name="archive_teach_use",
                 show_progress="hidden")
    ui.relabel.click(bind(archive_label_next, store), [ui.next_table, ui.table, lang],
                     [ui.table, ui.counts, ui.gallery], api_name="archive_label_next", show_progress="hidden").success(
        handler, teach_in, teach_out, **HIDDEN, **TEACH_QUEUE)
    # the scenario: its collection into the upload, analysed, its labels shown, taught
    wiring.next_scenario_event(ui.following, ui.scenario, SCENARIOS)
    chosen = ui.scenario.change(archive_teach_scenario, [ui.scenario, lang], [files, ui.methods, ui.seed, ui.lesson],
                                api_name="archive_teach_scenario", show_progress="hidden")
    analyse_after(chosen).success(show, [lang], labels_out, **HIDDEN).success(
        handler, teach_in, teach_out, **HIDDEN, **TEACH_QUEUE)


def redraw_outputs(ui: TeachUI) -> list:
    """What :func:`redraw` draws again, in its order."""
    return [ui.table, ui.counts, ui.status, ui.curves, ui.use, ui.confusion, ui.confused, ui.predictions,
            ui.next_sheet, ui.next_table]
