"""The Saliency tab's handlers called directly (explorer/ui/saliency.py), without launching the app:
a scenario sets its controls and gives its lesson, a bad value is a translated gr.Error, the maps'
JSON summary names what was computed."""
from types import SimpleNamespace

import gradio as gr
import pytest

from explorer.i18n import t
from explorer.saliency.scenarios import SCENARIOS
from explorer.session import SessionStore
from explorer.ui import saliency as ui
from explorer.ui import wiring


@pytest.fixture
def store():
    return SessionStore()


REQUEST = SimpleNamespace(session_hash="test-ui-saliency")
FASHION_BOOT = ["dataset", "cat", 0, None, None]  # Fashion-MNIST test image 0: an ankle boot
QUICK = dict(target_v=-1, methods_v=["saliency", "gradcam"], sg_n_v=4, sg_std_v=0.15, ig_base_v="black",
             ig_steps_v=8, layer_v=None, win_v=4, stride_v=2)


def val(update):
    return update["value"] if isinstance(update, dict) else update


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_scenario_sets_every_control_and_gives_its_lesson(store, lang):
    out = ui.apply_preset(store, "fashion_shirt", lang, REQUEST)
    p = SCENARIOS["fashion_shirt"]
    (src, smp, idx, net, target, methods, sg_n, sg_std, ig_base, ig_steps, layer, window, stride, lesson,
     sig) = out
    assert (src, smp, idx, net, val(target)) == (p["source"], p["sample"], p["index"], p["net"], p["target"])
    assert methods == p["methods"] and (sg_n, sg_std, ig_base, ig_steps) == (
        p["sg_n"], p["sg_std"], p["ig_base"], p["ig_steps"])
    assert val(layer) == "features.act2" and (val(window), val(stride)) == (4, 2)
    assert lesson == t(lang, "saliency_scn_fashion_shirt_lesson") and lesson
    assert sig == ["dataset", p["sample"], 4.0, "fashion"]  # what `not_the_preset` compares the redraw with


def test_an_unknown_scenario_is_refused_in_the_language_asked(store):
    with pytest.raises(gr.Error) as err:
        ui.apply_preset(store, "no_such", "es", REQUEST)
    assert "Escenario «no_such» desconocido" in err.value.message and "fashion_shirt" in err.value.message
    with pytest.raises(gr.Error, match="Unknown scenario"):
        ui.apply_preset(store, ["a", "list"], "en", REQUEST)


def test_the_lesson_and_the_next_scenario():
    lesson = wiring.lesson_handler(SCENARIOS)
    assert lesson("sanity", "es") == t("es", "saliency_scn_sanity_lesson") and lesson(None, "en") == ""
    names = list(SCENARIOS)
    assert SCENARIOS.following(names[-1]) == names[0] and SCENARIOS.following(None) == names[0]
    # only the sanity scenario goes on to the sanity check (decided in the browser)
    assert '["sanity"].includes(name)' in ui.SANITY_SCENARIO_JS


def test_options_give_the_networks_classes_and_layers(store):
    target, layer, window, stride = ui.options(store, "fashion", 3, None, "en", REQUEST)
    assert target["value"] == 3 and target["choices"][0] == (t("en", "saliency_target_top"), ui.TOP)
    assert len(target["choices"]) == 11 and layer["value"] == "features.act2"
    assert (window["maximum"], window["value"], stride["value"]) == (14, 4, 2)
    with pytest.raises(gr.Error, match="nope"):
        ui.options(store, "nope", None, None, "en", REQUEST)


def test_explain_returns_the_maps_and_their_json_summary(store):
    status, grid, completeness, summary = ui.explain(store, *FASHION_BOOT, "fashion", lang="en", request=REQUEST,
                                                     progress=lambda *a, **k: None, **QUICK)
    assert summary["target"]["label"] == "Ankle boot" and set(summary["methods"]) == {"saliency", "gradcam"}
    assert "Ankle boot" in status and grid.size[0] > 0 and completeness == ""


@pytest.mark.parametrize("bad, message", [
    (dict(methods_v=[]), "Elige al menos un método de: saliency, smoothgrad"),
    (dict(ig_base_v="grey"), "Referencia desconocida «grey»"),
    (dict(sg_n_v=float("nan")), "«nan» debe ser un entero"),
])
def test_a_bad_value_is_a_translated_error(store, bad, message):
    with pytest.raises(gr.Error) as err:
        ui.explain(store, *FASHION_BOOT, "fashion", lang="es", request=REQUEST, progress=lambda *a, **k: None,
                   **{**QUICK, **bad})
    assert message in err.value.message


def test_stop_cancels_this_sessions_sanity_check(store):
    ev = store.get(REQUEST.session_hash).new_run("saliency")
    ui.stop_saliency(store, REQUEST)
    assert ev.is_set()
