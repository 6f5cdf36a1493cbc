"""The "Mi archivo" tab (issue 18; a section of the Embeddings tab before): the user's own photos (a
zip and/or images) embedded by EfficientNet-Lite0, tagged, mapped with UMAP and grouped into
near-duplicates, with a CSV to take away; searched by words through their tags; and sentences
mapped by the multilingual text model and searched. The work is in ``explorer.archive.compute`` and
``explorer.archive.search``; the figures in ``explorer.archive.views`` (the map with the Embeddings
tab's palette and page script, ``explorer.ui.embeddings.PLOT_EVENTS_JS``).

Read top to bottom: the handlers (module-level: a unit test calls them with a ``SessionStore``), the
section layouts, their wiring, then ``build``. When first opened the tab embeds the 1,000 class
names the search needs (once per process), so the first search does not wait; on a language switch
it draws again, in the new language, what the session has made (``redraw``: nothing recomputed).

API (gradio_client): ``/archive``, ``/archive_similar``, ``/stop_archive``, ``/archive_search``,
``/archive_text``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np

from explorer import memo
from explorer.archive import compute as archive
from explorer.archive import search as archive_search_logic
from explorer.archive import teach
from explorer.archive import views as av
from explorer.embeddings import views as ev
from explorer.i18n import num, t
from explorer.session import SessionStore
from explorer.ui import archive_teach, wiring
from explorer.ui.common import (
    L,
    draw_events,
    float_in,
    friendly,
    int_in,
    session_key,
    shown_flag,
    user_error,
)
from explorer.ui.components import Number, OutputImage, Slider
from explorer.ui.wiring import HIDDEN, bind, end_chain, json_panel

ARCHIVE_CONCURRENCY = int(os.environ.get("DLE_ARCHIVE_CONCURRENCY", "1"))
ARCHIVE_QUEUE = dict(concurrency_limit=ARCHIVE_CONCURRENCY, concurrency_id="archive")
# embedding the class names (once per process, seconds): one request at a time does it, the others
# find it done
CLASSES_QUEUE = dict(concurrency_limit=1, concurrency_id="archive_classes")
# A small archive's catalogue, in both languages, for the text map and search.
TEXT_EXAMPLE = [
    "Carta de un emigrante a su familia desde Buenos Aires, 1912.",
    "Letter from an emigrant to his family in Galicia, written in Buenos Aires.",
    "Fotografía de la inauguración del puerto, con autoridades y público.",
    "Photograph of the harbour opening ceremony with officials and a crowd.",
    "Plano de la ciudad con el ensanche proyectado.",
    "Map of the town showing the planned extension of the streets.",
    "Libro de cuentas de una tienda de ultramarinos.",
    "Account book of a grocery shop, 1920-1935.",
    "Cartel de las fiestas patronales con programa de actos.",
    "Poster announcing the summer festival and its programme.",
]
TEXT_QUERY = "emigration letters"


# ---- handlers -----------------------------------------------------------------------------------

def _archive_state(store: SessionStore, lang: str, request) -> dict:
    sess = store.get(session_key(request))
    if not sess.archive:
        raise user_error(lang, "err_archive_nothing")
    return sess.archive


def _tags_text(tags: list[dict], lang: str) -> str:
    return ", ".join(f"{tg['label']} {num(lang, 100 * tg['probability'], 0)} %" for tg in tags)


def _archive_outputs(st: dict, lang: str, selected=None, neighbours=()):
    names = [it.name for it in st["items"]]
    top = [tg[0]["label"] if tg else "?" for tg in st["tags"]]
    title = t(lang, "archive_title", n=num(lang, len(names)))
    return av.archive_figure(st["coords"], names, top, lang, title, st["thumbs"], selected, neighbours, st["groups"])


def _photo_views(st: dict, lang: str) -> tuple:
    """The analysis's status line, map (with the last "find similar" marked), duplicates and tags, in ``lang``."""
    items, groups = st["items"], st["groups"]
    msg = t(lang, "archive_status", n=num(lang, len(items)), groups=len(groups), skipped=st["skipped"])
    table = [[it.name, _tags_text(tg, lang)] for it, tg in zip(items, st["tags"])]
    sim = st.get("similar")
    fig = _archive_outputs(st, lang, sim[0], [int(j) for j in sim[1]]) if sim else _archive_outputs(st, lang)
    return msg, fig, _duplicates_text(items, groups, st["threshold"], lang), table


def _similar_strip(st: dict, lang: str):
    """The last "find similar": the chosen item and its look-alikes, a ✓ on those sharing its top tag."""
    i, idx, sims = st["similar"]
    items, tags = st["items"], st["tags"]

    def cap(j):
        return tags[j][0]["label"] if tags[j] else "?"

    tiles = [(items[j].thumb, items[j].name, float(s), cap(j) == cap(i)) for j, s in zip(idx, sims)]
    return ev.neighbours_strip(items[i].thumb, items[i].name, tiles, lang)


def _duplicates_text(ext, groups: list, thr: float, lang: str) -> str:
    """The near-duplicate groups (the first 30) as a Markdown list, or the text saying there are none."""
    if not groups:
        return t(lang, "archive_no_dups")
    dups = "\n".join("- " + " · ".join("`" + ext[i].name.replace("`", "'") + "`" for i in g) for g in groups[:30])
    return t(lang, "archive_dups_heading", thr=num(lang, thr, 2)) + "\n\n" + dups


def source_of(files_v) -> tuple:
    """What was uploaded, as (name, size) pairs: the same upload sent again (the page's files, an
    API call's) names the collection this session analysed, which is then not analysed again."""
    paths = files_v if isinstance(files_v, list) else ([files_v] if files_v else [])
    out = []
    for p in paths:
        p = p if isinstance(p, str) else getattr(p, "name", None) or (p.get("path") if isinstance(p, dict) else None)
        try:
            out.append((Path(p).name, os.path.getsize(p)))
        except (TypeError, OSError):
            out.append((str(p)[:200], -1))
    return tuple(sorted(out))


_ANALYSED = memo.Memo(4)  # the demo collections' analyses (read-only, shared by the sessions)


def _analyse(files_v, workdir: Path, thr: float, lang: str, say, stop) -> tuple:
    """The upload's items, vectors, tags, map, near-duplicate groups and neighbours."""
    paths = files_v if isinstance(files_v, list) else ([files_v] if files_v else None)
    paths = [p if isinstance(p, str) else getattr(p, "name", p) for p in paths] if paths else None
    ext = archive.extract(paths, workdir, progress=lambda d, n: say(0.3 * d / max(n, 1),
                                                                   desc=t(lang, "archive_reading")),
                          stop=stop)
    for it in ext:  # decoded into thumbnails and model inputs: the copies are not needed any more
        Path(it.path).unlink(missing_ok=True)
    F, tags = archive.embed_images(ext, progress=lambda d, n: say(0.3 + 0.6 * d / max(n, 1),
                                                                 desc=t(lang, "archive_embedding")),
                                   stop=stop)
    for it in ext:
        it.pixels = None  # 150 kB each; the vectors are what is kept
    say(0.92, desc=t(lang, "embeddings_phase_layout"))
    coords = archive.layout(F, stop=stop)
    groups = archive.duplicate_groups(F, thr)
    nb = archive.all_neighbors(F, 5)[0] if len(ext) > 1 else None
    return ext, F, tags, coords, groups, nb


def analyse_into(sess, files_v, thr: float, lang: str, progress=None) -> dict:
    """Analyse the upload into ``sess.archive``: the items, their vectors and tags, the map, the
    near-duplicates, the CSV, the labels the zip's folders give (for teaching) — and return the
    JSON summary."""
    say = progress or (lambda *a, **k: None)
    stop = sess.new_run("archive")
    sess.archive = None
    sess.archive_net = None
    workdir = archive.fresh_workdir(sess.workdir())
    source = source_of(files_v)
    # a teaching scenario's demo collection, the same for the whole class: analysed once per process
    demo_args = archive_teach.demo_of(source, source_of)
    key = memo.key_of("archive_demo", *demo_args, repr(thr)) if demo_args else None
    made = _ANALYSED.get(key)
    if made is None:
        made = _analyse(files_v, workdir, thr, lang, say, stop)
        _ANALYSED.put(key, made)
    ext, F, tags, coords, groups, nb = made
    csv_path = workdir / "mi_archivo.csv"
    csv_path.write_text(archive.to_csv(ext, tags, coords, nb), encoding="utf-8-sig")  # Excel reads the accents
    thumbs = [av.thumb_uri(it.thumb) for it in ext]
    sess.archive = {"items": list(ext), "F": F, "tags": tags, "coords": coords, "thumbs": thumbs,
                    "groups": groups, "threshold": thr, "skipped": len(ext.skipped), "csv": str(csv_path),
                    "workdir": workdir, "source": source, "labels": teach.folder_labels(ext)}
    summary = archive.summary(ext, tags, groups, ext.skipped)
    summary.update(threshold=thr, coords=np.round(coords.astype(np.float64), 4).tolist(), counts=ext.counts())
    return summary


@friendly
def analyse_archive(store, files_v, threshold_v, lang, request: gr.Request, progress=gr.Progress()):
    """"Mi archivo": a zip and/or images (up to 500 images, 200 MB) → EfficientNet-Lite0
    embeddings through ONNX Runtime, top-3 ImageNet tags, a UMAP map, near-duplicate groups
    (cosine ≥ threshold: 0.8-0.99 on the page, 0.5-1 through the API) and a CSV (file, tags,
    x, y, nearest neighbours). Images inside a folder of the zip are labelled with its name, for
    /archive_teach. Files are written only to this session's temporary folder. JSON: per-file tags and duplicate groups."""  # noqa: E501
    thr = float_in(threshold_v, *archive.THRESHOLD_RANGE, lang, "archive_threshold")
    sess = store.get(session_key(request))
    summary = analyse_into(sess, files_v, thr, lang, progress)
    msg, fig, dups, table = _photo_views(sess.archive, lang)
    return msg, fig, dups, table, sess.archive["csv"], summary


@friendly
def archive_similar(store, index_v, k_v, lang, request: gr.Request):
    """"Find similar" in the analysed collection: the ``k`` (1-20) items most similar to item
    ``index`` (0-based, in upload order) by cosine similarity of their EfficientNet vectors."""
    st = _archive_state(store, lang, request)
    n = len(st["items"])
    if n < 2:
        raise user_error(lang, "err_archive_one_item")
    i = int_in(index_v, 0, n - 1, lang, "archive_pick")
    kk = int_in(k_v, 1, 20, lang, "embeddings_k_label")
    idx, sims = archive.neighbors(st["F"], i, kk)
    st["similar"] = (i, idx, sims)  # kept: a language switch redraws the strip and the map's marks
    items = st["items"]
    summary = {"index": i, "file": items[i].name, "similar": [
        {"index": int(j), "file": items[j].name, "cosine": round(float(s), 6)} for j, s in zip(idx, sims)]}
    return _similar_strip(st, lang), _archive_outputs(st, lang, i, [int(j) for j in idx]), summary


def first_item(store, request: gr.Request):
    """After an analysis: item 0, when there is anything to compare it with."""
    st = store.get(session_key(request)).archive
    if not st or len(st["items"]) < 2:
        end_chain()
    return 0


def stop_archive(store, request: gr.Request) -> None:
    """Stop this session's running analysis."""
    store.get(session_key(request)).cancel("archive")


def _search_table(hits, lang: str) -> dict:
    """The evidence, one row per photo, with the column names in the user's language."""
    cols = ["#", "archive_search_col_file", "archive_search_col_tag", "archive_search_col_p", "cos",
            "archive_search_col_score", "archive_search_col_match"]
    yes, no = t(lang, "archive_search_yes"), t(lang, "archive_search_weak")
    rows = [[r + 1, h.file, h.lemma if h.lemma == h.tag or h.lemma is None else f"{h.tag} ({h.lemma})",
             f"{num(lang, 100 * h.probability, 1)} %", num(lang, h.cosine, 3), num(lang, h.score, 3),
             yes if h.match else no] for r, h in enumerate(hits)]
    return {"headers": [c if c in ("#", "cos") else t(lang, c) for c in cols], "data": rows}


def _search_views(st: dict, res, lang: str) -> tuple:
    """A search's status line, sheet of thumbnails and table of evidence, in ``lang``."""
    closest = ", ".join(f"{c['class']} ({num(lang, c['cosine'], 3)})" for c in res.closest)
    if res.matches:
        best = res.hits[0]
        msg = t(lang, "archive_search_status", query=res.query, n=num(lang, res.matches), file=best.file,
                tag=best.tag, p=num(lang, 100 * best.probability, 0), cos=num(lang, best.cosine, 3))
    else:
        msg = t(lang, "archive_search_none", query=res.query)
    msg += "\n\n" + t(lang, "archive_search_read_as", classes=closest)
    items = st["items"]
    tiles = [(items[h.index].thumb, h.file, h.tag, h.probability, h.cosine, h.score, h.match) for h in res.hits]
    return msg, av.search_sheet(tiles, lang), _search_table(res.hits, lang)


@friendly
def archive_search(store, query_v, k_v, lang, request: gr.Request):
    """Search the analysed photos by words, in Spanish, English or ~100 other languages: the
    query (up to 200 characters) is matched with multilingual-e5-small against the names of each
    photo's top-3 ImageNet tags; a photo's score is its best tag's probability × exp((cos(query,
    tag) − cos(query, closest of the 1,000 class names)) / 0.01). Returns the ``k`` (1-50) best
    photos. It finds only what ImageNet's 1,000 classes name: no people's names, dates, places or
    text in the image. JSON: per photo (best first) the file, the matching tag and its lemma, the
    tag's probability, the cosine, the class's rank for the query, the score and whether it is a
    match; the class names closest to the query."""
    st = _archive_state(store, lang, request)
    q = archive_search_logic.check_query(query_v)
    kk = int_in(k_v, *archive_search_logic.K_RANGE, lang, "archive_search_k")
    res = archive_search_logic.search(q, st["tags"], [it.name for it in st["items"]], kk)
    st["search"] = res  # kept with the collection it searched: a language switch redraws it
    return (*_search_views(st, res, lang), res.summary())


@friendly
def redraw(store, lang, request: gr.Request):
    """The tab shown, or the language switched: what this session has made here (the analysis, the
    last "find similar", the last search by words, the sentences) drawn again in the page's
    language, nothing recomputed; before a search, the evidence table's column names."""
    sess = store.get(session_key(request))
    st, at = sess.archive, sess.archive_text
    photos = _photo_views(st, lang) if st else (gr.skip(),) * 4
    strip = _similar_strip(st, lang) if st and st.get("similar") else gr.skip()
    found = st.get("search") if st else None
    search = _search_views(st, found, lang) if found else (gr.skip(), gr.skip(), _search_table([], lang))
    text = _text_views(at, lang) if at and "hits" in at else (gr.skip(),) * 3
    return (*photos, strip, *search, *text)


@friendly
def prepare_search(lang):
    """The tab opened: the class names the search reads, embedded now (once per process)."""
    archive_search_logic.CLASSES.get()


@friendly
def archive_text(store, lines_v, query_v, lang, request: gr.Request):
    """Sentences (one per line, up to 500) → multilingual-e5-small embeddings, their map, and the
    five closest to ``query`` by cosine similarity. JSON: the sentences, coordinates and hits."""
    kept, E = archive.embed_texts(lines_v if isinstance(lines_v, str) else "")
    coords = archive.layout(E)
    hits, sims = archive.search(query_v, E, min(5, len(kept)))
    at = {"lines": kept, "E": E, "coords": coords, "hits": hits, "sims": sims}
    store.get(session_key(request)).archive_text = at
    summary = {"sentences": kept, "coords": np.round(coords.astype(np.float64), 4).tolist(),
               "query": str(query_v)[:1000], "hits": [int(j) for j in hits],
               "cosine": [round(float(s), 6) for s in sims]}
    return (*_text_views(at, lang), summary)


def _text_views(at: dict, lang: str) -> tuple:
    """The sentences' status line, map and hits, in ``lang``."""
    kept, hits, sims = at["lines"], at["hits"], at["sims"]
    msg = t(lang, "archive_text_status", n=num(lang, len(kept)), best=kept[int(hits[0])][:120],
            cos=num(lang, float(sims[0]), 3))
    rows = [[r + 1, round(float(s), 3), kept[int(j)]] for r, (j, s) in enumerate(zip(hits, sims))]
    fig = av.text_map_figure(at["coords"], kept, lang, t(lang, "archive_text_title", n=len(kept)), hits, sims)
    return msg, fig, rows


# ---- layout -------------------------------------------------------------------------------------

@dataclass
class PhotosUI:
    """The photo archive's components the events read and write."""

    files: gr.File
    threshold: gr.Slider
    run: gr.Button
    stop: gr.Button
    pick: gr.Number
    k: gr.Slider
    go: gr.Button
    csv: gr.File
    status: gr.Markdown
    plot: gr.Plot
    strip: gr.Image
    dups: gr.Markdown
    table: gr.Dataframe
    json: gr.JSON
    sim_json: gr.JSON


@dataclass
class SearchUI:
    """The search by words over the photos."""

    query: gr.Textbox
    k: gr.Slider
    run: gr.Button
    status: gr.Markdown
    sheet: gr.Image
    table: gr.Dataframe
    json: gr.JSON


@dataclass
class TextUI:
    """The sentence map's components."""

    lines: gr.Textbox
    query: gr.Textbox
    run: gr.Button
    status: gr.Markdown
    plot: gr.Plot
    hits: gr.Dataframe
    json: gr.JSON


def _photos_layout() -> PhotosUI:
    gr.Markdown(L("archive_photos_heading"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            files = gr.File(file_count="multiple", file_types=[".zip", "image"], type="filepath",
                            label=L("archive_files"), elem_id="arch-files", height=140)
            threshold = Slider(0.8, 0.99, value=0.95, step=0.01, label=L("archive_threshold"),
                               info=L("archive_threshold_info"), elem_id="arch-threshold")
            with gr.Row():
                run = gr.Button(L("archive_run"), variant="primary", elem_id="arch-run")
                stop = gr.Button(L("stop_button"), variant="stop", elem_id="arch-stop")
            gr.Markdown(L("archive_pick_heading"))
            with gr.Row():
                pick = Number(0, precision=0, label=L("archive_pick"), elem_id="arch-map-pick", scale=2)
                # elem_id: the key shared links and /share_link name it by (its label's key before issue 16)
                k = Slider(1, 20, value=6, step=1, label=L("embeddings_k_label"), scale=2, elem_id="emb_k_label")
            go = gr.Button(L("archive_similar"), elem_id="arch-map-go")
            csv = gr.File(label=L("archive_csv"), interactive=False, elem_id="arch-csv")
        with gr.Column(scale=3):
            status = gr.Markdown(elem_id="arch-status")
            plot = gr.Plot(label=L("archive_map_label"), elem_id="arch-map", elem_classes=["dle-map"])
            strip = OutputImage(label=L("archive_strip_label"), interactive=False, elem_id="arch-strip",
                                buttons=["download"], format="png")
            dups = gr.Markdown(elem_id="arch-dups")
            table = gr.Dataframe(headers=["file", "tags"], interactive=False, elem_id="arch-tags",
                                 label=L("archive_tags_label"), max_height=320, wrap=True)
            with gr.Accordion(L("json_label"), open=False):
                json = gr.JSON(label="/archive", elem_id="arch-json")
                sim_json = gr.JSON(label="/archive_similar", elem_id="arch-sim-json")
    return PhotosUI(files, threshold, run, stop, pick, k, go, csv, status, plot, strip, dups, table, json, sim_json)


def _search_layout() -> SearchUI:
    gr.Markdown(L("archive_search_heading"))
    gr.Markdown(L("archive_search_note"), elem_id="arch-search-note")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            query = gr.Textbox("", label=L("archive_search_query"), placeholder=L("archive_search_placeholder"),
                               max_length=archive_search_logic.MAX_QUERY_CHARS, elem_id="arch-search-query")
            k = Slider(*archive_search_logic.K_RANGE, value=archive_search_logic.K_DEFAULT, step=1,
                       label=L("archive_search_k"), elem_id="arch-search-k")
            run = gr.Button(L("archive_search_run"), variant="primary", elem_id="arch-search-run")
        with gr.Column(scale=3):
            status = gr.Markdown(elem_id="arch-search-status")
            sheet = OutputImage(label=L("archive_search_sheet_label"), interactive=False, elem_id="arch-search-sheet",
                                buttons=["download"], format="png")
            # its column names, in the page's language, come when the tab is first shown (redraw)
            table = gr.Dataframe(interactive=False, elem_id="arch-search-hits", label=L("archive_search_table_label"),
                                 max_height=320, wrap=True)
            json = json_panel("/archive_search", "arch-search-json")
    return SearchUI(query, k, run, status, sheet, table, json)


def _text_layout() -> TextUI:
    gr.Markdown(L("archive_text_heading"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            lines = gr.Textbox("\n".join(TEXT_EXAMPLE), lines=10, max_lines=20, label=L("archive_text_lines"),
                               info=L("archive_text_lines_info"), elem_id="arch-lines")
            query = gr.Textbox(TEXT_QUERY, label=L("archive_text_query"), elem_id="arch-query")
            run = gr.Button(L("archive_text_run"), variant="primary", elem_id="arch-text-run")
        with gr.Column(scale=3):
            status = gr.Markdown(elem_id="arch-text-status")
            plot = gr.Plot(label=L("archive_text_map_label"), elem_id="arch-text-map")
            hits = gr.Dataframe(headers=["#", "cos", "text"], interactive=False, elem_id="arch-text-hits",
                                label=L("archive_text_hits_label"), wrap=True)
            json = json_panel("/archive_text", "arch-text-json")
    return TextUI(lines, query, run, status, plot, hits, json)


# ---- wiring -------------------------------------------------------------------------------------

PHOTO_OUTPUTS = ("status", "plot", "dups", "table", "csv", "json")


def _analyse_after(ui: PhotosUI, store: SessionStore, lang: gr.Radio, event):
    """The analysis chained after ``event`` (a teaching scenario that put its collection in the
    upload), with the first item's look-alikes after it; returns the analysis."""
    similar = bind(archive_similar, store)
    analysed = event.success(bind(analyse_archive, store), [ui.files, ui.threshold, lang],
                             [getattr(ui, k) for k in PHOTO_OUTPUTS], **HIDDEN, **ARCHIVE_QUEUE)
    analysed.success(bind(first_item, store), None, [ui.pick], **HIDDEN, queue=False).success(
        similar, [ui.pick, ui.k, lang], [ui.strip, ui.plot, ui.sim_json], **HIDDEN)
    return analysed


def _wire_photos(ui: PhotosUI, store: SessionStore, lang: gr.Radio):
    """The photos' events; returns the analysis (the labels for teaching are shown after it)."""
    similar = bind(archive_similar, store)
    sim_in, sim_out = [ui.pick, ui.k, lang], [ui.strip, ui.plot, ui.sim_json]
    # before the chain below: its unnamed use of the same function would otherwise take the name
    # "archive_similar" and leave this endpoint "/archive_similar_1"
    ui.go.click(similar, sim_in, sim_out, api_name="archive_similar", show_progress="minimal")
    analysed = ui.run.click(bind(analyse_archive, store), [ui.files, ui.threshold, lang],
                            [getattr(ui, k) for k in PHOTO_OUTPUTS], api_name="archive", show_progress="full",
                            show_progress_on=[ui.plot], **ARCHIVE_QUEUE)
    analysed.success(bind(first_item, store), None, [ui.pick], **HIDDEN, queue=False).success(  # its look-alikes
        similar, sim_in, sim_out, **HIDDEN)
    ui.stop.click(bind(stop_archive, store), None, None, api_name="stop_archive", queue=False)
    ui.pick.submit(similar, sim_in, sim_out, **HIDDEN)
    return analysed


def _wire_search(ui: SearchUI, store: SessionStore, lang: gr.Radio) -> None:
    handler = bind(archive_search, store)
    search_in, search_out = [ui.query, ui.k, lang], [ui.status, ui.sheet, ui.table, ui.json]
    ui.run.click(handler, search_in, search_out, api_name="archive_search", show_progress="minimal",
                 show_progress_on=[ui.status])
    ui.query.submit(handler, search_in, search_out, **HIDDEN)


def _wire_text(ui: TextUI, store: SessionStore, lang: gr.Radio) -> None:
    handler = bind(archive_text, store)
    text_in, text_out = [ui.lines, ui.query, lang], [ui.status, ui.plot, ui.hits, ui.json]
    ui.run.click(handler, text_in, text_out, api_name="archive_text", show_progress="minimal",
                 show_progress_on=[ui.status])
    ui.query.submit(handler, text_in, text_out, **HIDDEN)


def build(store: SessionStore, lang: gr.Radio) -> None:  # no image input: the send-to bar is hidden here
    """The tab: what it is for (an archivist's first question), the photos (upload, map, duplicates,
    similar, CSV), the search by words over them, then sentences."""
    with gr.Tab(L("tab_archive"), id="archive", elem_id="tab-archive") as tab:
        shown = shown_flag()
        gr.Markdown(L("archive_heading"))
        gr.Markdown(L("archive_intro"), elem_id="arch-intro")
        photos = _photos_layout()
        lessons = archive_teach.layout()
        search, text = _search_layout(), _text_layout()
    analysed = _wire_photos(photos, store, lang)
    archive_teach.wire(lessons, store, lang, archive_teach.Analysis(analyse_into, source_of), photos.files, analysed,
                       lambda event: _analyse_after(photos, store, lang, event))
    _wire_search(search, store, lang)
    _wire_text(text, store, lang)
    redrawn = [photos.status, photos.plot, photos.dups, photos.table, photos.strip, search.status, search.sheet,
               search.table, text.status, text.plot, text.hits]
    for event in draw_events(tab, shown, lang):
        event.success(bind(redraw, store), [lang], redrawn, **HIDDEN)
        event.success(bind(archive_teach.redraw, store), [lang], archive_teach.redraw_outputs(lessons), **HIDDEN)
        event.success(wiring.lesson_handler(archive_teach.SCENARIOS), [lessons.scenario, lang], [lessons.lesson],
                      api_visibility="private", show_progress="hidden")  # the scenario's lesson, translated
        event.success(prepare_search, [lang], None, **HIDDEN, **CLASSES_QUEUE)  # the search's class names
