"""The Embeddings tab's handlers, called directly: no launched app, a real SessionStore and a
stand-in request. ("Mi archivo"'s, a tab of its own since issue 18: tests/unit/test_ui_archive.py.)"""
import inspect
from types import SimpleNamespace

import gradio as gr
import pytest
from gradio.utils import get_type_hints

from explorer.embeddings.scenarios import SCENARIOS
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.ui import embeddings as ue
from explorer.ui.wiring import bind


def request(name="test-ui-embeddings"):
    return SimpleNamespace(session_hash=name)


def no_progress(*_a, **_k):
    return None


def test_a_scenario_sets_the_map_and_its_lesson():
    *settings, lesson = ue.apply_preset("pca", "en")
    assert settings == ["cnn", "pca", 2, 15, 0.1, False]
    assert lesson == t("en", "embeddings_scn_pca_lesson") and "0.888" in lesson
    *settings, lesson = ue.apply_preset("shirts", "es-ES")  # friendly hands the handler "es"
    assert settings[-1] is True and lesson == t("es", "embeddings_scn_shirts_lesson")


def test_an_unknown_scenario_is_a_translated_error():
    with pytest.raises(gr.Error) as err:
        ue.apply_preset("umap", "es")
    assert err.value.message == t("es", "err_embeddings_scenario", value="umap", choices=", ".join(SCENARIOS))
    assert SCENARIOS.following("shirts") == "pixels" and SCENARIOS.lesson(None, "en") == ""


def test_bound_handlers_keep_their_api_parameters_and_their_request():
    """``bind`` hides the store (and the map cache); Gradio still sees ``request`` as the request
    (an annotation it cannot resolve would make it an ordinary input) and the progress tracker."""
    store, cache = SessionStore(), ue.MapCache()
    for fn, deps, names in [
        (ue.embedding_map, (store, cache), ["source_v", "method_v", "dims_v", "nn_v", "md_v", "errors_v", "placed_v",
                                            "lang", "request", "progress"]),
        (ue.neighbors, (store, cache), ["source_v", "index_v", "k_v", "lang", "request"]),
        (ue.progress_view, (store,), ["run_v", "lang", "request", "progress"]),
    ]:
        bound = bind(fn, *deps)
        assert list(inspect.signature(bound).parameters) == names, fn.__name__
        assert get_type_hints(bound).get("request") is gr.Request, fn.__name__


def test_the_shipped_map_and_its_json(fashion):
    store, cache = SessionStore(), ue.MapCache()
    msg, fig, summary = ue.embedding_map(store, cache, "cnn", "pca", 2, 15, 0.1, False, None, "en", request(),
                                         progress=no_progress)
    assert summary["precomputed"] is True and summary["points"] == 10_000 == len(summary["coords"])
    assert (summary["source"], summary["method"], summary["dims"]) == ("cnn", "pca", 2)
    assert msg.startswith(t("en", "embeddings_status_shipped", n="10,000"))
    assert fig.layout.title.text.startswith(t("en", "embeddings_map_title", source=t("en", "embeddings_src_cnn"),
                                                method=t("en", "embeddings_m_pca"), d=2))
    # a map that takes seconds waits for the button
    status, *skips = ue.auto_map(store, cache, "cnn", "tsne", 2, 15, 0.1, False, None, "en", request())
    assert status == t("en", "embeddings_press_draw_tsne") and len(skips) == 2


def test_neighbours_and_their_errors(fashion):
    store, cache = SessionStore(), ue.MapCache()
    msg, strip, summary = ue.neighbors(store, cache, "cnn", 7, 5, "en", request())
    assert summary["index"] == 7 and summary["k"] == 5 and len(summary["neighbors"]) == 5
    assert 7 not in summary["neighbors"]  # the image itself excluded
    label = ue.nets.shipped_cnn().class_names("en")[summary["label"]]
    assert msg == t("en", "embeddings_nb_status", i=7, label=label, same=summary["same_class"], k=5,
                    source=t("en", "embeddings_src_cnn"))
    assert strip.width > strip.height  # the query and its neighbours in a row
    with pytest.raises(gr.Error) as err:
        ue.neighbors(store, cache, "cnn", 10_000, 5, "es", request())
    assert "10000" in err.value.message and "0" in err.value.message
    with pytest.raises(gr.Error) as err:
        ue.neighbors(store, cache, "nope", 0, 5, "en", request())
    assert "nope" in err.value.message
    with pytest.raises(gr.Error) as err:  # no session model yet
        ue.neighbors(store, cache, "session", 0, 5, "en", request())
    assert err.value.message == t("en", "err_no_session_model")
    assert ue.example_neighbors(store, cache, "cnn", 0, 5, "en", {"image": 1}, request()) == (gr.skip(),) * 3


def test_the_progress_view_checks_its_run():
    store = SessionStore()
    with pytest.raises(gr.Error) as err:
        ue.progress_view(store, "mine", "en", request(), progress=no_progress)
    assert err.value.message == t("en", "err_embeddings_prog_run", value="mine")
    with pytest.raises(gr.Error) as err:  # nothing trained in this session
        ue.progress_view(store, "session", "es", request(), progress=no_progress)
    assert err.value.message == t("es", "err_embeddings_prog_no_run")
