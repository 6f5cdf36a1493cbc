"""The Adversarial tab driven as a script would: gradio_client against the launched app."""
import threading
import time

import pytest
from gradio_client.exceptions import AppError

from tests.conftest import api_client as client

pytestmark = pytest.mark.slow

ATTACK_DEFAULTS = dict(steps=10, step=0, random_start=True, seed=0, targeted=False, target=None)


def attack(c, source="sample", sample="cat", index=0, net="imagenet", method="pgd", eps=2, lang="en", **kw):
    p = dict(ATTACK_DEFAULTS, **kw)
    return c.predict(source, sample, index, None, None, net, method, eps, p["steps"], p["step"], p["random_start"],
                     p["seed"], p["targeted"], p["target"], lang, api_name="/attack")


def test_endpoints_are_named(app_url):
    names = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/attack", "/epsilon_sweep", "/stop_attack", "/attack_classes"} <= names


def test_two_grey_levels_fool_efficientnet(app_url):
    out = attack(client(app_url), eps=2)
    s = out[-1]
    assert s["before"][0]["label"] == "Egyptian cat" and s["flipped"]
    assert s["linf_255"] <= 2 + 1e-3 and s["eps_255"] == 2
    assert "changed its mind" in out[0] and "×" in out[4]


def test_targeted_pgd_on_fashion_reaches_the_target(app_url, fashion):
    c = client(app_url)
    idx = 0  # an ankle boot
    out = attack(c, source="dataset", index=idx, net="fashion", eps=32, steps=40, targeted=True, target=8, lang="es")
    s = out[-1]
    assert s["before"][0]["index"] == int(fashion.test.labels[idx])
    assert s["after"][0]["index"] == 8 and "Objetivo «Bolso» alcanzado" in out[0]
    assert s["linf_255"] <= 32 + 1e-3


def test_fgsm_zero_eps_changes_nothing(app_url):
    s = attack(client(app_url), source="dataset", index=3, net="fashion", method="fgsm", eps=0)[-1]
    assert s["linf"] == 0 and not s["flipped"] and s["before"] == s["after"]


def test_sweep_robust_network_holds_where_the_standard_one_falls(app_url):
    c = client(app_url)
    outs = list(c.submit(["fashion", "fashion_adv"], "fgsm", 300, 32, 10, "en", api_name="/epsilon_sweep"))
    acc = outs[-1][2]["accuracy"]
    std = {round(r["eps_255"]): r["accuracy"] for r in acc["fashion"]}
    rob = {round(r["eps_255"]): r["accuracy"] for r in acc["fashion_adv"]}
    assert std[0] > 0.85 and rob[0] > 0.75
    assert rob[16] > std[16] + 0.2 and rob[32] > std[32]
    assert [std[k] for k in sorted(std)] == sorted(std.values(), reverse=True)
    assert "Done" in outs[-1][0]


def test_stop_ends_a_sweep_early(app_url):
    c = client(app_url)
    job = c.submit(["fashion", "fashion_adv"], "pgd", 2000, 64, 40, "en", api_name="/epsilon_sweep")
    seen = []

    def consume():
        for o in job:
            seen.append(o)

    th = threading.Thread(target=consume)
    th.start()
    while not seen:
        time.sleep(0.1)
    t0 = time.monotonic()
    c.predict(api_name="/stop_attack")
    th.join(timeout=60)
    assert not th.is_alive() and time.monotonic() - t0 < 30
    assert "Stopped" in seen[-1][0]


def test_bad_values_get_clear_messages(app_url):
    c = client(app_url)
    with pytest.raises(AppError, match="Train tab"):
        attack(c, net="session")
    with pytest.raises(AppError, match="Target class"):
        attack(c, source="dataset", net="fashion", targeted=True, target=50)
    with pytest.raises(AppError, match="al menos una red"):
        c.predict([], "fgsm", 300, 32, 10, "es", api_name="/epsilon_sweep")
    with pytest.raises(AppError, match=r"not an image|No image|Upload"):
        c.predict("upload", "cat", 0, None, None, "fashion", "fgsm", 8, 10, 0, True, 0, False, None, "en",
                  api_name="/attack")
    with pytest.raises(AppError, match="64"):  # ε beyond the slider: refused (by Gradio's own check)
        attack(c, eps=1000)
    with pytest.raises(AppError, match="100"):
        attack(c, steps=10**6)
    assert attack(c, eps=1)[-1]["before"][0]["index"] == 285  # still serving


# ------------------------------------------------------------------------------ teaching scenarios

def preset(c, name, lang):
    return c.predict(name, lang, api_name="/adversarial_preset")


def test_scenario_returns_its_settings_and_lesson_in_the_requested_language(app_url):
    from explorer.adversarial import scenarios as scn
    from explorer.i18n import t

    c = client(app_url)
    for lang in ("es", "en"):
        out = preset(c, "photo_target", lang)
        p = scn.SCENARIOS["photo_target"]
        assert list(out[:11]) == [p["source"], p["sample"], p["index"], p["net"], p["method"], p["eps_255"],
                                  p["steps"], p["step_255"], p["random_start"], p["seed"], p["targeted"]]
        assert out[11] == 1  # the target class: goldfish
        assert list(out[12]) == ["fashion", "fashion_adv"] and list(out[13:17]) == ["fgsm", 500, 32, 10]
        assert out[-1] == t(lang, "adversarial_scn_photo_target_lesson") and "99" in out[-1]
    assert "pez de colores" in preset(c, "photo_target", "es")[-1]


def test_unknown_scenario_is_refused_in_the_users_language(app_url):
    c = client(app_url)
    with pytest.raises(AppError, match="Escenario «nope» desconocido"):
        preset(c, "nope", "es")
    with pytest.raises(AppError, match="Unknown scenario"):
        preset(c, "nope", "en")


@pytest.mark.parametrize("name, lang, first, answer, flipped", [
    ("photo_flip", "es", "espresso", "milk can", True),
    ("fgsm_holds", "en", "Sneaker", "Sneaker", False),
    ("pgd_flips", "es", "Zapatilla", "Botín", True),
    ("robust_holds", "en", "Sneaker", "Sneaker", False),
])
def test_attack_with_a_scenarios_settings_gives_what_its_lesson_says(app_url, name, lang, first, answer, flipped):
    """The scenario's settings, sent back to /attack as the tab does, give the classes its lesson
    names and the probability it quotes (to one decimal, as the status line prints it)."""
    from explorer.i18n import num

    c = client(app_url)
    s = preset(c, name, lang)
    src, smp, idx, net, method, eps, steps, step, rs, seed, targeted, target = s[:12]
    out = c.predict(src, smp, idx, None, None, net, method, eps, steps, step, rs, seed, targeted, target, lang,
                    api_name="/attack")
    summary = out[-1]
    assert summary["before"][0]["label"] == first and summary["after"][0]["label"] == answer
    assert summary["flipped"] is flipped and summary["network"] == net
    quoted = num(lang, 100 * summary["after"][0]["probability"], 1) + " %"
    assert quoted in s[-1] and quoted in out[0]  # the lesson's number is the one on the screen
