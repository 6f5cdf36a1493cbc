"""The Adversarial tab's handlers called directly (explorer/ui/adversarial.py), without launching the
app: a scenario gives its settings and lesson, a bad value is a translated gr.Error, an attack's JSON
summary says what happened, stop cancels this session's runs."""
from types import SimpleNamespace

import gradio as gr
import pytest

from explorer.adversarial.scenarios import SCENARIOS
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.ui import adversarial as ui
from explorer.ui import wiring


@pytest.fixture
def store():
    return SessionStore()


REQUEST = SimpleNamespace(session_hash="test-ui-adversarial")
SNEAKER = ["dataset", "coffee", 61, None, None]  # Fashion-MNIST test image 61: a sneaker
FGSM = dict(net_key="fashion", method_v="fgsm", eps_v=8, steps_v=10, step_v=0, random_v=True, seed_v=0,
            targeted_v=False, target_v=None)


def no_progress(*args, **kwargs):
    pass


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_scenario_gives_every_setting_and_its_lesson(lang):
    out = ui.apply_preset("photo_target", lang)
    p = SCENARIOS["photo_target"]
    assert list(out[:12]) == [p["source"], p["sample"], p["index"], p["net"], p["method"], p["eps_255"], p["steps"],
                              p["step_255"], p["random_start"], p["seed"], p["targeted"], 1]
    assert list(out[12:17]) == [["fashion", "fashion_adv"], "fgsm", 500, 32.0, 10]
    assert out[-1] == t(lang, "adversarial_scn_photo_target_lesson") and out[-1]


def test_an_unknown_scenario_is_refused_in_the_language_asked():
    with pytest.raises(gr.Error) as err:
        ui.apply_preset("nope", "es")
    assert "Escenario «nope» desconocido" in err.value.message and "photo_flip" in err.value.message
    with pytest.raises(gr.Error, match="Unknown scenario"):
        ui.apply_preset(3, "en")


def test_the_lesson_and_the_gates():
    lesson = wiring.lesson_handler(SCENARIOS)
    assert lesson("sweep", "en") == t("en", "adversarial_scn_sweep_lesson") and lesson("nope", "es") == ""
    assert '["sweep"].includes(name)' in ui.SWEEP_SCENARIO_JS
    snap = ["dataset", "coffee", 61.0]
    ui.attack_gate("pgd_flips", snap, "dataset", "coffee", 61)  # the image unchanged: attack now
    for name, image in [("sweep", ("dataset", "coffee", 61)), ("pgd_flips", ("sample", "coffee", 61)),
                        ("nope", ("dataset", "coffee", 61))]:
        with pytest.raises(gr.Error):
            ui.attack_gate(name, snap, *image)


def test_an_attack_returns_its_pictures_and_json_summary(store):
    status, orig, delta, adv_img, note, _figure, summary = ui.attack(store, *SNEAKER, **FGSM, lang="en",
                                                                     request=REQUEST, progress=no_progress)
    assert summary["network"] == "fashion" and summary["method"] == "fgsm" and summary["eps_255"] == pytest.approx(8)
    assert summary["before"][0]["label"] == "Sneaker" and summary["linf_255"] <= 8 + 1e-3
    assert orig.size == adv_img.size == delta.size and "×" in note and "FGSM" in status


@pytest.mark.parametrize("bad, message", [
    (dict(method_v="cw"), "cw"),
    (dict(eps_v=99), "99"),
    (dict(targeted_v=True, target_v=10), "10"),
])
def test_a_bad_value_is_a_translated_error(store, bad, message):
    with pytest.raises(gr.Error) as err:
        ui.attack(store, *SNEAKER, **{**FGSM, **bad}, lang="es", request=REQUEST, progress=no_progress)
    assert f"«{message}»" in err.value.message


def test_the_sweep_refuses_an_unknown_network_in_the_users_language(store):
    with pytest.raises(gr.Error) as err:
        list(ui.epsilon_sweep(store, ["imagenet"], "fgsm", 100, 8, 1, "es", REQUEST))
    assert "fashion, fashion_adv, session" in err.value.message
    assert err.value.message == t("es", "err_adversarial_sweep_nets", choices="fashion, fashion_adv, session")


def test_attack_classes_and_stop(store):
    update = ui.attack_classes(store, "fashion", True, None, "en", REQUEST)
    assert update["visible"] is True and update["value"] == 8 and len(update["choices"]) == 10
    sess = store.get(REQUEST.session_hash)
    attack, sweep = sess.new_run("attack"), sess.new_run("sweep")
    ui.stop_attack(store, REQUEST)
    assert attack.is_set() and sweep.is_set()
