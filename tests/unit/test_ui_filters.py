"""The Filters tab's handlers called directly, as module-level functions (explorer.ui.filters), with a
real session store and a stand-in request: no app is launched."""
from __future__ import annotations

import inspect
import json
from types import SimpleNamespace

import gradio as gr
import pytest
from gradio import utils as gr_utils

from explorer.filters import convolution
from explorer.filters import views as fv
from explorer.filters.scenarios import SCENARIOS
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.ui import filters as ui
from explorer.ui.wiring import bind


@pytest.fixture
def store():
    return SessionStore(release_after_s=None)


@pytest.fixture
def request_():
    return SimpleNamespace(session_hash="test-ui-filters")


def val(x):
    return x["value"] if isinstance(x, dict) and x.get("__type__") == "update" else x


@pytest.mark.parametrize("lang", ["es", "en"])
def test_scenario_handler_returns_the_scenarios_settings_and_lesson(store, request_, lang):
    p = SCENARIOS["sobel_x"]
    out = ui.apply_preset(store, "sobel_x", lang, request_)
    (src, smp, idx, net, _layer, _channel, _conv, views, k_preset, k_size, kernel, stride, padding, row, col,
     pg_size, pool, mx_steps, mx_lr, mx_jitter, mx_blur, mx_seed, lesson, sig) = out
    assert (src, smp, idx, net) == (p["source"], p["sample"], p["index"], p["net"])
    assert views.selected == "filters-playground"
    assert (k_preset, k_size, stride, padding, row, col, pg_size, pool) == (
        "sobel_x", 3, p["stride"], "valid", 47, 51, p["pg_size"], p["pool"])
    assert val(kernel) == fv.kernel_rows(convolution.preset_kernel("sobel_x", 3))
    assert (mx_steps, mx_lr, mx_jitter, mx_blur, mx_seed) == (96, 0.05, 4, 0.5, 0)
    assert lesson == t(lang, "filters_scn_sobel_x_lesson") == ui.lesson_text("sobel_x", lang)
    assert sig == ["sample", "camera", 0.0, p["net"]]  # the image and network the scenario set


@pytest.mark.parametrize("lang, word", [("es", "Escenario"), ("en", "scenario")])
def test_an_unknown_scenario_is_a_translated_error(store, request_, lang, word):
    with pytest.raises(gr.Error) as e:
        ui.apply_preset(store, "no_such_scenario", lang, request_)
    assert str(e.value.message) == t(lang, "err_filters_scenario", value="no_such_scenario",
                                     choices=", ".join(SCENARIOS))
    assert word in e.value.message
    with pytest.raises(gr.Error):
        ui.apply_preset(store, ["not", "a", "name"], lang, request_)


def test_only_the_maximize_scenario_goes_on_to_the_maximisation():
    """The browser-side gate names exactly the scenarios that open the maximisation."""
    js = ui.MAXIMIZE_SCENARIO_JS
    listed = json.loads(js[js.index("["):js.index("]") + 1])
    assert listed == [n for n in SCENARIOS if SCENARIOS[n]["view"] == "maximize"] == ["maximize"]
    assert "throw" in js and ".includes(name)" in js
    assert ui.lesson_text(None, "en") == ""


def test_kernel_preset_rows_and_its_errors():
    up = ui.kernel_preset("sobel_x", 5, "en")
    assert val(up) == fv.kernel_rows(convolution.preset_kernel("sobel_x", 5)) and up["headers"] == list("12345")
    assert ui.kernel_preset("custom", 3, "en") == gr.skip()
    with pytest.raises(gr.Error) as e:
        ui.kernel_preset("no_such_kernel", 3, "es")
    assert e.value.message == t("es", "err_filters_bad_preset_kernel", value="no_such_kernel")


def test_convolve_marks_the_scenarios_pixel_and_summarises_it():
    p = SCENARIOS["sobel_x"]
    rows = fv.kernel_rows(convolution.preset_kernel("sobel_x", 3))
    info, *_images, _fig, summary, row, col = ui.convolve(
        p["source"], p["sample"], p["index"], None, None, rows, 1, "valid", 47, 51, "max", p["pg_size"], "en")
    assert (row, col) == (47, 51) and summary["output_shape"] == [94, 94]
    assert "94" in info
    with pytest.raises(gr.Error) as e:
        ui.convolve("sample", "camera", 0, None, None, rows, 1, "diagonal", None, None, "max", p["pg_size"], "en")
    assert e.value.message == t("en", "err_filters_bad_padding", value="diagonal")


def test_weights_view_json_summary(store, request_):
    _fig, summary = ui.weights_view(store, "fashion", "features.conv1", "en", request_)
    assert summary["network"] == "fashion" and summary["layer"] == "features.conv1"
    assert summary["weight_shape"] == [32, 1, 3, 3]
    with pytest.raises(gr.Error) as e:
        ui.weights_view(store, "fashion", "no.such.layer", "en", request_)
    assert e.value.message == t("en", "err_bad_layer", value="no.such.layer")


def test_bound_handlers_show_gradio_the_api_signature_and_the_request(store):
    """What Gradio reads from a wired handler: the API's parameter names (the store is not one of
    them), the docstring, and ``request`` typed so that Gradio fills it in."""
    for fn, names in [(ui.classify, ["src", "smp", "idx", "up", "sk", "net_key", "lang", "request"]),
                      (ui.apply_preset, ["name", "lang", "request"]),
                      (ui.stop_maximize, ["request"])]:
        bound = bind(fn, store)
        assert list(inspect.signature(bound).parameters) == names
        assert bound.__doc__ == fn.__doc__ and bound.__name__ == fn.__name__
        assert gr_utils.get_type_hints(bound)["request"] is gr.Request
    assert inspect.isgeneratorfunction(bind(ui.maximize, store))


def test_stop_maximize_cancels_this_sessions_run(store, request_):
    stop = store.get("test-ui-filters").new_run("maximize")
    ui.stop_maximize(store, request_)
    assert stop.is_set()


def test_the_tab_builds_and_keeps_its_shared_link_keys(store):
    """A shared link names a control by its elem_id or its label's key: the keys stay those links
    have always used, whatever the translation keys are called."""
    from explorer.ui import share

    with gr.Blocks() as demo:
        lang = gr.Radio(["es", "en"], value="en")
        with gr.Tabs() as tabs:
            inp = ui.build(store, lang)
    assert inp.components[0].elem_id == "filters-source"
    keys = [s.field.key for s in share.registry(demo, tabs, ("filters",))]
    assert keys == ["filters-source", "filters-sample", "filters-ds-index", "filters-net", "filters-channel",
                    "mx_steps", "mx_lr", "mx_jitter", "mx_blur", "filters-mx-seed", "filters-kernel-preset",
                    "filters-ksize", "filters-stride", "filters-padding", "filters-row", "filters-col",
                    "pg_size_label", "pool_label"]
