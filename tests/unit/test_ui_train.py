"""The Train tab's handlers called directly, without launching the app (issue 16): the scenario
handler, the architecture table, the language redraw, the export guards, the stop button, and how
the tab binds its handlers to the session store and names its settings in a shared link."""
import inspect
import typing

import gradio as gr
import pytest

from explorer.i18n import TEXT, t
from explorer.session import SessionStore
from explorer.train.scenarios import SCENARIOS
from explorer.ui import train as ui
from explorer.ui import wiring


class Request:
    """What a handler reads of Gradio's request: the session's key."""

    def __init__(self, session_hash: str = "unit-train"):
        self.session_hash = session_hash


def test_scenario_fills_every_parameter_and_its_lesson():
    out = ui.apply_preset("overfit", "es")
    assert len(out) == len(ui.PARAM_ORDER) + 1
    values = dict(zip(ui.PARAM_ORDER, out))
    assert values["train_size"] == 500 and values["epochs"] == 80 and values["dense"] == 256
    assert values["augment"] == [] and isinstance(values["augment"], list)  # a list, as the checkbox group wants
    assert out[-1] == t("es", "train_scn_overfit_lesson") == TEXT["es"]["train_scn_overfit_lesson"]
    regularized = dict(zip(ui.PARAM_ORDER, ui.apply_preset("regularized", "en")))
    assert regularized["augment"] == ["shift"]


@pytest.mark.parametrize("name", ["nonsense", ["quick"], None, 3])
def test_an_unknown_scenario_is_a_translated_error(name):
    with pytest.raises(gr.Error) as err:
        ui.apply_preset(name, "es")
    assert err.value.message == t("es", "err_train_scenario", value=str(name)[:40])
    with pytest.raises(gr.Error) as err:
        ui.apply_preset(name, "fr")  # any other language: English
    assert err.value.message.startswith("Unknown scenario")


def test_architecture_table_in_both_languages():
    q = SCENARIOS["quick"]
    args = [q[k] for k in ui.ARCH_ORDER]
    en, es = ui.architecture(*args, "en"), ui.architecture(*args, "es-ES")
    assert t("en", "train_col_layer") in en and t("es", "train_col_layer") in es
    with pytest.raises(gr.Error):  # a raw API call's nonsense, translated
        ui.architecture("many", *args[1:], "en")


def test_redraw_before_training_shows_the_lesson_and_the_idle_status():
    store = SessionStore()
    out = ui.redraw(store, "en", "quick", Request())
    assert len(out) == 8  # the lesson, then the tab's seven views
    assert out[0] == t("en", "train_scn_quick_lesson")
    assert out[1] == t("en", "train_status_idle") or out[1].startswith("⚠")  # without the dataset: how to get it
    assert ui.redraw(store, "es", "no such", Request())[0] == ""


def test_exports_need_a_trained_model():
    store = SessionStore()
    for handler in (ui.download_checkpoint, ui.export_onnx):
        with pytest.raises(gr.Error) as err:
            handler(store, "es", Request())
        assert err.value.message == t("es", "err_train_no_model")


def test_stop_sets_this_sessions_flag_only():
    store = SessionStore()
    ui.stop_training(store, Request("a"))
    assert store.get("a").stop.is_set() and not store.get("b").stop.is_set()


def test_bound_handlers_keep_the_api_names_and_gradio_finds_the_request():
    store = SessionStore()
    bound = wiring.bind(ui.train, store)
    params = list(inspect.signature(bound).parameters)
    assert params == [*ui.PARAM_ORDER, "lang", "request"]
    assert inspect.isgeneratorfunction(bound) and bound.__doc__ == ui.train.__doc__
    # Gradio tells the request from an input by its type hint, read with typing.get_type_hints
    assert typing.get_type_hints(bound)["request"] is gr.Request
    redraw = wiring.bind(ui.redraw, store)
    assert list(inspect.signature(redraw).parameters) == ["lang", "preset_name", "request"]
    assert redraw("en", "best", Request())[0] == t("en", "train_scn_best_lesson")


def test_settings_keep_their_shared_link_keys():
    from explorer.ui.share import label_key

    with gr.Blocks():
        settings = ui.settings_section()
    keys = {name: comp.elem_id or label_key(comp) for name, comp in settings.params.items()}
    assert keys == {"dataset": "dataset_label", "train_size": "train_size_label", "augment": "augment_label",
                    "blocks": "blocks_label", "filters": "filters_label", "kernel_size": "kernel_label",
                    "activation": "activation_label", "batch_norm": "batch_norm_label",
                    "dropout": "dropout_label", "dense": "dense_label", "optimizer": "optimizer_label",
                    "lr": "lr_label", "batch_size": "batch_size_label", "epochs": "epochs_label",
                    "weight_decay": "weight_decay_label", "l1": "l1_label", "schedule": "schedule_label",
                    "seed": "seed_label"}
    assert settings.params["epochs"].value == SCENARIOS["quick"]["epochs"]
