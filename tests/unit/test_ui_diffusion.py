"""The Diffusion tab's handlers called directly, without launching the app (issue 16): a scenario's
settings and lesson, the forward process's JSON, one reverse step and the recorded frames of this
session's run, and the translated errors (the UI's own checks and the sampler's DiffusionError)."""
import inspect
import typing

import gradio as gr
import pytest

from explorer.diffusion import compute as dif
from explorer.diffusion.scenarios import SCENARIOS
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.ui import diffusion as ui
from explorer.ui import wiring
from explorer.ui.common import detail_message, friendly


class Request:
    """What a handler reads of Gradio's request: the session's key."""

    def __init__(self, session_hash: str = "unit-diffusion"):
        self.session_hash = session_hash


def test_scenario_sets_the_sampler_and_its_lesson():
    assert ui.apply_preset("ddpm", "en") == ("7", 3.0, 0, "ddpm", 1000, 0.0, t("en", "diffusion_scn_ddpm_lesson"))
    out = ui.apply_preset("five_steps", "es-ES")
    assert out[:6] == ("each", 3.0, 0, "ddim", 5, 0.0) and out[6] == t("es", "diffusion_scn_five_steps_lesson")
    assert "12 de 16**" in out[6]  # "al menos 12 de 16": the bound that holds on every processor


@pytest.mark.parametrize("name", ["nonsense", ["guided"], None])
def test_an_unknown_scenario_is_a_translated_error_naming_the_choices(name):
    with pytest.raises(gr.Error) as err:
        ui.apply_preset(name, "es")
    assert err.value.message == t("es", "err_diffusion_scenario", value=str(name)[:40], choices=", ".join(SCENARIOS))


def test_noise_returns_the_forward_process_and_its_json():
    status, panel, strip, plot, summary = ui.noise("sample", "cat", 0, None, None, 300, "cosine", 0, "en")
    assert summary["t"] == 300 and summary["T"] == 1000 and summary["schedule"] == "cosine"
    assert 0 < summary["alpha_bar"] < 1 and summary["eps_hat_rms_error"] is not None
    assert [r["t"] for r in summary["strip"]] == list(ui.STRIP_TS)
    assert "300" in status and panel is not None and strip is not None and plot is not None
    # another schedule: no prediction (the model was trained with its own), and the status says so
    *_, linear = ui.noise("sample", "cat", 0, None, None, 300, "linear", 0, "es")
    assert linear["eps_hat_rms_error"] is None


@pytest.mark.parametrize("args, message", [
    ((5000, "cosine", 0), lambda: t("es", "err_int_range", field=t("es", "diffusion_t_label"), value="5000",
                                    lo=0, hi=1000)),
    ((10, "zigzag", 0), lambda: t("es", "err_diffusion_schedule", value="zigzag")),
])
def test_noise_refuses_what_the_page_cannot_send(args, message):
    with pytest.raises(gr.Error) as err:
        ui.noise("sample", "cat", 0, None, None, *args, "es")
    assert err.value.message == message()


def test_one_step_then_its_frame_of_this_sessions_run():
    store, req = SessionStore(), Request()
    with pytest.raises(gr.Error) as err:
        ui.show_frame(store, 0, 1, "en", req)
    assert err.value.message == t("en", "err_diffusion_no_run")
    status, trio, grid_xt, grid_x0, slider, summary = ui.step_once(store, "each", 3, 0, "ddim", 5, 0, 1, "en", req)
    assert summary["steps_done"] == 1 and summary["steps_total"] == 5 and not summary["finished"]
    assert trio is not None and grid_xt is not None and grid_x0 is not None
    assert status.startswith(t("en", "diffusion_step_status").split("{")[0]) and slider["value"] == 0
    again = ui.show_frame(store, 0, 2, "es", req)
    assert again[-1]["shown"]["step"] == 0
    assert ui.first_view(store, "en", req)[-1]["steps_done"] == 1  # the tab reopened: the run as it is
    assert ui.first_view(SessionStore(), "en", req)[0] == t("en", "diffusion_press_play")
    ui.pause_run(store, req)
    assert store.get(req.session_hash).diffusion.pause.is_set()


@pytest.mark.parametrize("kw, field", [(dict(scale_v=11), "diffusion_scale_label"),
                                       (dict(steps_v=0), "diffusion_steps_label"),
                                       (dict(pick_v=17), "diffusion_pick_label"),
                                       (dict(cls_v="12"), "diffusion_class_label")])
def test_reverse_settings_are_checked_before_any_work(kw, field):
    args = dict(cls_v="each", scale_v=3, seed_v=0, sampler_v="ddim", steps_v=5, eta_v=0, pick_v=1)
    args.update(kw)
    store = SessionStore()
    with pytest.raises(gr.Error) as err:
        list(ui.denoise(store, **args, lang="en", request=Request()))
    assert t("en", field) in err.value.message
    assert store.get(Request().session_hash).diffusion is None


def test_a_sampler_error_is_translated_with_the_tabs_key():
    @friendly
    def raises(lang):
        raise dif.DiffusionError("eta", value=2.0, min=0.0, max=1.0)

    with pytest.raises(gr.Error) as err:
        raises("es")
    assert err.value.message == detail_message("es", "err_diffusion_eta", dict(value=2.0, min=0.0, max=1.0))
    assert "2.0" in err.value.message


def test_bound_handlers_keep_the_api_names_and_gradio_finds_the_request():
    bound = wiring.bind(ui.denoise, SessionStore())
    assert list(inspect.signature(bound).parameters) == ["cls_v", "scale_v", "seed_v", "sampler_v", "steps_v",
                                                         "eta_v", "pick_v", "lang", "request"]
    assert inspect.isgeneratorfunction(bound) and bound.__doc__ == ui.denoise.__doc__
    assert typing.get_type_hints(bound)["request"] is gr.Request


def test_class_choices_follow_the_language():
    update = ui.class_choices("3", "es")
    assert update["value"] == "3" and update["choices"][0] == (t("es", "diffusion_class_none"), "none")
