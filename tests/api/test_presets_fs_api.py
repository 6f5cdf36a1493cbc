"""The Filters and Saliency tabs' teaching scenarios over the API (``/filters_preset``,
``/saliency_preset``): every setting of the scenario comes back, with its lesson in the language
asked for; an unknown scenario is refused in that language."""
import pytest
from gradio_client.exceptions import AppError

from explorer.filters import convolution
from explorer.filters import scenarios as fp
from explorer.i18n import TEXT
from explorer.saliency import scenarios as sp
from tests.conftest import api_client as client

pytestmark = pytest.mark.slow


def val(x):
    """A component's new value (an update also carries its choices or range)."""
    return x["value"] if isinstance(x, dict) and x.get("__type__") == "update" else x


@pytest.mark.parametrize("lang", ["es", "en"])
def test_filters_preset_returns_every_setting_and_the_lesson(app_url, lang):
    c = client(app_url)
    for name in ("sobel_x", "cnn_deep"):
        p = fp.SCENARIOS[name]
        out = [val(v) for v in c.predict(name, lang, api_name="/filters_preset")]
        (src, smp, idx, net, layer, channel, conv, k_preset, k_size, kernel, stride, padding, row, col, pg_size,
         pool, mx_steps, mx_lr, mx_jitter, mx_blur, mx_seed, lesson) = out
        assert (src, smp, idx, net) == (p["source"], p["sample"], p["index"], p["net"])
        if p["layer"]:
            assert layer == p["layer"] and channel == p["channel"] and conv == p["conv"]
        assert (k_preset, k_size, stride, padding, row, col, pg_size, pool) == (
            p["kernel"], p["ksize"], p["stride"], p["padding"], p["row"], p["col"], p["pg_size"], p["pool"])
        k = kernel["data"]  # the kernel's rows
        assert k == convolution.preset_kernel(p["kernel"], p["ksize"]).tolist()
        assert (mx_steps, mx_lr, mx_jitter, mx_blur, mx_seed) == (
            p["mx_steps"], p["mx_lr"], p["mx_jitter"], p["mx_blur"], p["mx_seed"])
        assert lesson == TEXT[lang][f"filters_scn_{name}_lesson"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_saliency_preset_returns_every_setting_and_the_lesson(app_url, lang):
    c = client(app_url)
    for name in ("gradcam_early", "fashion_shirt"):
        p = sp.SCENARIOS[name]
        out = [val(v) for v in c.predict(name, lang, api_name="/saliency_preset")]
        src, smp, idx, net, target, methods, sg_n, sg_std, ig_base, ig_steps, layer, win, stride, lesson = out
        assert (src, smp, idx, net, target) == (p["source"], p["sample"], p["index"], p["net"], p["target"])
        assert methods == p["methods"] and (sg_n, sg_std, ig_base, ig_steps) == (
            p["sg_n"], p["sg_std"], p["ig_base"], p["ig_steps"])
        assert layer == (p["cam_layer"] or {"fashion": "features.act2"}[p["net"]])
        assert (win, stride) == ((32, 16) if p["net"] == "imagenet" else (4, 2))
        assert lesson == TEXT[lang][f"saliency_scn_{name}_lesson"]


@pytest.mark.parametrize("api, lang, word", [
    ("/filters_preset", "es", "Escenario"), ("/filters_preset", "en", "scenario"),
    ("/saliency_preset", "es", "Escenario"), ("/saliency_preset", "en", "scenario")])
def test_unknown_scenario_is_refused_in_the_language_asked(app_url, api, lang, word):
    with pytest.raises(AppError) as e:
        client(app_url).predict("no_such_scenario", lang, api_name=api)
    assert word in str(e.value) and "no_such_scenario" in str(e.value)
