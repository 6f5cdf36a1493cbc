"""The "Mi archivo" tab's handlers, called directly: no launched app, a real SessionStore and a
stand-in request. The photo analysis itself is tested through the API (tests/api/test_embeddings_api.py)
and its logic in tests/unit/test_archive.py; here a session's analysed collection is laid out by hand."""
import inspect
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from gradio.utils import get_type_hints

from explorer import images
from explorer.archive import search as S
from explorer.archive.compute import Item
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.ui import archive as ua
from explorer.ui.wiring import bind
from tests.unit.test_archive_search import photo


def request(name="test-ui-archive"):
    return SimpleNamespace(session_hash=name)


def test_bound_handlers_keep_their_api_parameters_and_their_request():
    store = SessionStore()
    for fn, names in [
        (ua.analyse_archive, ["files_v", "threshold_v", "lang", "request", "progress"]),
        (ua.archive_similar, ["index_v", "k_v", "lang", "request"]),
        (ua.archive_search, ["query_v", "k_v", "lang", "request"]),
        (ua.archive_text, ["lines_v", "query_v", "lang", "request"]),
    ]:
        bound = bind(fn, store)
        assert list(inspect.signature(bound).parameters) == names, fn.__name__
        assert get_type_hints(bound).get("request") is gr.Request, fn.__name__


def test_archive_handlers_before_any_analysis():
    store = SessionStore()
    with pytest.raises(gr.Error) as err:
        ua.archive_similar(store, 0, 3, "es", request())
    assert err.value.message == t("es", "err_archive_nothing")
    with pytest.raises(gr.Error) as err:
        ua.archive_search(store, "una iglesia", 12, "en", request())
    assert err.value.message == t("en", "err_archive_nothing")
    with pytest.raises(gr.Error):  # the chain ends quietly: nothing to compare
        ua.first_item(store, request())
    ua.stop_archive(store, request())  # nothing running: nothing happens


@pytest.fixture
def analysed():
    """A session whose collection (two sample photos and a church, tags as EfficientNet gives them)
    has been analysed."""
    store = SessionStore()
    thumbs = [images.sample("cat"), images.sample("coffee"), images.sample("camera")]
    items = [Item(name, Path("/nonexistent") / name, im.size, 1000, im.copy()) for name, im in
             zip(["fotos/gato.jpg", "fotos/café.jpg", "fotos/iglesia.jpg"], thumbs)]
    for it in items:
        it.thumb.thumbnail((128, 128))
    tags = [photo(("Egyptian cat", 0.79), ("tiger cat", 0.09), ("tabby", 0.08)),
            photo(("espresso", 0.87), ("cup", 0.04), ("coffee mug", 0.02)),
            photo(("church", 0.41), ("monastery", 0.2), ("bell cote", 0.1))]
    F = np.eye(3, 8, dtype=np.float32)  # three unrelated vectors
    store.get("test-ui-archive").archive = {"items": items, "tags": tags, "F": F, "coords": np.eye(3, 2),
                                            "thumbs": [""] * 3, "groups": [], "threshold": 0.95, "skipped": 0}
    return store


def test_search_by_words_shows_the_evidence(analysed):
    msg, sheet, table, summary = ua.archive_search(analysed, "una iglesia", 12, "es-ES", request())
    best = summary["hits"][0]
    assert best["file"] == "fotos/iglesia.jpg" and best["tag"] == "church" and best["match"]
    assert msg.startswith(t("es", "archive_search_status", query="una iglesia", n="1", file="fotos/iglesia.jpg",
                            tag="church", p="41", cos=f"{best['cosine']:.3f}".replace(".", ",")))
    assert "church (" in msg  # what the query was read as
    assert table["headers"][1] == t("es", "archive_search_col_file") and len(table["data"]) == 3
    assert table["data"][0][:3] == [1, "fotos/iglesia.jpg", "church"] and table["data"][0][-1] == "sí"
    assert table["data"][1][-1] == t("es", "archive_search_weak")
    assert sheet.width > sheet.height  # three results in a row
    # in English, and asked for one photo: the cat
    msg, _sheet, table, summary = ua.archive_search(analysed, "a cat", 1, "en", request())
    assert [h["file"] for h in summary["hits"]] == ["fotos/gato.jpg"]
    assert msg.startswith("\u201ca cat\u201d — photos with a tag that names it: 1.")
    assert table["headers"][1] == "File"


def test_the_tab_is_redrawn_in_the_pages_language(analysed):
    """Opening the tab gives the evidence table its column names; a language switch draws the
    session's analysis, last "find similar", last search and sentences again, in the new language."""
    out = ua.redraw(SessionStore(), "es", request())  # a new session: nothing made yet
    assert out[:7] == (gr.skip(),) * 7 and out[8:] == (gr.skip(),) * 3
    assert out[7]["data"] == [] and out[7]["headers"] == [
        "#", "Archivo", t("es", "archive_search_col_tag"), "Probabilidad", "cos", "Puntuación",
        t("es", "archive_search_col_match")]
    ua.archive_similar(analysed, 0, 2, "es", request())
    ua.archive_search(analysed, "una iglesia", 3, "es", request())
    ua.archive_text(analysed, "Una carta.\nUn mapa.\nA letter.", "carta", "es", request())
    status, fig, dups, tags, strip, s_status, sheet, table, t_status, t_fig, hits = ua.redraw(analysed, "en",
                                                                                           request())
    assert status == t("en", "archive_status", n="3", groups=0, skipped=0) and dups == t("en", "archive_no_dups")
    assert fig.layout.title.text == t("en", "archive_title", n="3") and tags[0][0] == "fotos/gato.jpg"
    assert t("en", "embeddings_selected_mark") in [d.name for d in fig.data] and strip.width > strip.height
    assert s_status.startswith("\u201cuna iglesia\u201d — photos with a tag that names it: 1.")
    assert table["headers"][1] == "File" and table["data"][0][-1] == "yes" and sheet.width > 0
    assert t_status.startswith("3 sentences") and len(hits) == 3 and t_fig.layout.title.text


def test_search_by_words_bad_input(analysed):
    long = ("x" * 10_000, "es", "err_archive_query_too_long", {"length": 10000, "limit": 200})
    for query, lang, key, fields in [("", "es", "err_archive_empty_query", {}),
                                     ("  \n ", "en", "err_archive_empty_query", {}), long]:
        with pytest.raises(gr.Error) as err:
            ua.archive_search(analysed, query, 12, lang, request())
        assert err.value.message == t(lang, key, **fields)
    with pytest.raises(gr.Error) as err:
        ua.archive_search(analysed, "una iglesia", 0, "en", request())
    assert "1" in err.value.message and "50" in err.value.message
    # nothing named: every hit weak, said so
    msg, *_rest, summary = ua.archive_search(analysed, "12 de mayo de 1931", 12, "es", request())
    assert summary["matches"] == 0 and msg.startswith(t("es", "archive_search_none", query="12 de mayo de 1931"))


def test_opening_the_tab_embeds_the_class_names():
    assert ua.prepare_search("es") is None and S.CLASSES.ready


def test_archive_text_finds_the_closest_sentence():
    store = SessionStore()
    msg, fig, rows, summary = ua.archive_text(store, "\n".join(ua.TEXT_EXAMPLE), ua.TEXT_QUERY, "en", request())
    assert summary["sentences"] == ua.TEXT_EXAMPLE and len(rows) == 5 == len(summary["hits"])
    assert "emigrant" in ua.TEXT_EXAMPLE[summary["hits"][0]]
    assert rows[0][2] == ua.TEXT_EXAMPLE[summary["hits"][0]] and msg and len(fig.data) >= 1
    assert store.get("test-ui-archive").archive_text["lines"] == ua.TEXT_EXAMPLE
