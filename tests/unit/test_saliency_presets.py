"""The Saliency tab's teaching scenarios (explorer.saliency.scenarios): every number a lesson quotes
is re-measured with the scenario's exact settings and must appear, written for its reader, in both
the Spanish and the English lesson (tolerance: half the last quoted digit)."""
import pytest
import torch

from explorer import nets
from explorer.i18n import TEXT, num
from explorer.saliency import compute as saliency
from explorer.saliency import scenarios as sp

torch.set_num_threads(2)


def quoted(name, text_of):
    for lang in ("es", "en"):
        text = text_of(lang)
        assert text in TEXT[lang][f"saliency_scn_{name}_lesson"], f"{lang} lesson of {name!r} should quote {text!r}"


def pct(lang, x):
    return f"**{num(lang, 100 * x)} %**"


def test_every_scenario_is_a_full_valid_setting_with_both_lessons():
    for name, p in sp.SCENARIOS.items():
        assert set(p.settings) == set(sp._BASE), name
        assert p["methods"] and all(m in saliency.METHODS for m in p["methods"])
        assert p["ig_base"] in saliency.IG_BASELINES and p["net"] != "session"
        if p["cam_layer"] is not None:
            assert p["cam_layer"] in [s.name for s in nets.get_net(p["net"]).stages()]
        if p["sanity"]:
            assert all(m in saliency.SANITY_METHODS for m in p["methods"])
        for lang in ("es", "en"):
            assert TEXT[lang][f"saliency_scn_{name}"] and TEXT[lang][f"saliency_scn_{name}_lesson"]


@pytest.mark.slow  # Grad-CAM on EfficientNet twice: a few seconds
def test_gradcam_tripod_and_early_layer():
    r = sp.measure("gradcam_tripod")
    assert r["top"][0] == "tripod" and r["top"][1] == pytest.approx(0.95, abs=0.005)
    assert r["gradcam_lower_half"] == pytest.approx(0.68, abs=0.005)
    assert r["gradcam_cells"] == (7, 7)
    quoted("gradcam_tripod", lambda lang: pct(lang, r["top"][1]))
    quoted("gradcam_tripod", lambda lang: pct(lang, r["gradcam_lower_half"]))
    e = sp.measure("gradcam_early")
    assert e["gradcam_cells"] == (56, 56) and e["top"][0] == "tripod"
    quoted("gradcam_early", lambda lang: "**56 × 56**")
    quoted("gradcam_early", lambda lang: "**7 × 7**")
    # "spreads over the photo": a smaller share in the lower half than the head's map
    assert e["gradcam_lower_half"] < r["gradcam_lower_half"]


@pytest.mark.slow
def test_wrong_astronaut():
    r = sp.measure("wrong_astronaut")
    assert r["top"][0] == "bobsled" and r["top"][1] == pytest.approx(0.19, abs=0.005)
    assert r["gradcam_lower_half"] == pytest.approx(0.65, abs=0.005)
    quoted("wrong_astronaut", lambda lang: pct(lang, r["top"][1]))
    quoted("wrong_astronaut", lambda lang: pct(lang, r["gradcam_lower_half"]))


def test_fashion_shirt_prediction_and_completeness():
    r = sp.measure("fashion_shirt")
    assert r["top"][0] == "Shirt" and r["top"][1] == pytest.approx(0.97, abs=0.005)
    c = r["completeness"]
    assert c["sum"] == pytest.approx(8.43, abs=0.005) and c["difference"] == pytest.approx(8.34, abs=0.005)
    assert set(r["maps"]) == set(sp.SCENARIOS["fashion_shirt"]["methods"]) and len(r["maps"]) == 5
    quoted("fashion_shirt", lambda lang: pct(lang, r["top"][1]))
    quoted("fashion_shirt", lambda lang: f"**{num(lang, c['sum'], 2)}**")
    quoted("fashion_shirt", lambda lang: f"**{num(lang, c['difference'], 2)}**")


def test_sanity_after_the_last_layer():
    r = sp.measure("sanity")
    layer, corr = r["sanity"][1]
    assert layer == "fc2"
    assert corr["saliency"] == pytest.approx(0.40, abs=0.005)
    assert corr["guided_backprop"] == pytest.approx(0.83, abs=0.005)
    quoted("sanity", lambda lang: f"**{num(lang, corr['saliency'], 2)}**")
    quoted("sanity", lambda lang: f"**{num(lang, corr['guided_backprop'], 2)}**")
