"""The Filters tab's teaching scenarios (explorer.filters.scenarios): every number a lesson quotes is
re-measured here with the scenario's exact settings, and must appear, written for its reader, in
both the Spanish and the English lesson. A tolerance of half the last quoted digit: if the model,
the image or the code moved the number, the lesson is wrong and this fails."""
import numpy as np
import pytest

from explorer import images, nets
from explorer.filters import compute as filters
from explorer.filters import convolution
from explorer.filters import scenarios as fp
from explorer.i18n import TEXT, num

NAMES = list(fp.SCENARIOS)


def lesson(lang, name):
    return TEXT[lang][f"filters_scn_{name}_lesson"]


def quoted(lang, name, text):
    assert text in lesson(lang, name), f"{lang} lesson of {name!r} should quote {text!r}"


@pytest.fixture(scope="module")
def measured():
    return {}


def m(measured, name):
    if name not in measured:
        measured[name] = fp.measure(name)
    return measured[name]


def test_every_scenario_is_a_full_valid_setting_with_both_lessons():
    keys = set(fp._BASE)
    for name, sc in fp.SCENARIOS.items():
        p = sc.settings
        assert set(p) == keys, name
        assert p["view"] in fp.VIEWS and p["net"] in nets.NETS and p["net"] != "session"
        assert p["kernel"] in convolution.KERNEL_PRESETS and p["padding"] in convolution.PADDINGS
        net = nets.get_net(p["net"])
        if p["layer"] is not None:
            assert 0 <= p["channel"] < net.stage(p["layer"]).shape[0]
        if p["conv"] is not None:
            assert p["conv"] in [c.name for c in net.convs()]
        for lang in ("es", "en"):
            assert TEXT[lang][f"filters_scn_{name}"] and lesson(lang, name)


def test_sobel_x_marked_pixel_and_flat_share(measured):
    r = m(measured, "sobel_x")
    row, col, value = r["pixel"]
    assert (row, col) == (47, 51) and r["output_shape"] == (94, 94)
    assert value == pytest.approx(1.90, abs=0.005)
    assert r["near_zero"] == pytest.approx(0.67, abs=0.005)
    for lang in ("es", "en"):
        quoted(lang, "sobel_x", f"**+{num(lang, value, 2)}**")
        quoted(lang, "sobel_x", f"**{num(lang, 100 * r['near_zero'])} %**")
        quoted(lang, "sobel_x", "47")


def test_stride_padding_sizes(measured):
    r = m(measured, "stride_padding")
    assert r["input_shape"] == (76, 96) and r["output_shape"] == (38, 48) and r["pooled_shape"] == (19, 24)
    valid = tuple(convolution.output_size(n, 3, 1, 0) for n in r["input_shape"])
    assert valid == (74, 94)
    for lang in ("es", "en"):
        for text in ("76 × 96", "**38 × 48**", "**19 × 24**", "74 × 94"):
            quoted(lang, "stride_padding", text)


@pytest.mark.parametrize("name, label, maps, side, rf", [
    ("cnn_first", "Ankle boot", 32, 28, 3), ("cnn_deep", "Ankle boot", 64, 7, 10),
    ("imagenet_head", "Egyptian cat", 1280, 7, 851)])
def test_layer_shapes_receptive_fields_and_prediction(measured, name, label, maps, side, rf):
    r = m(measured, name)
    assert r["top"][0] == label
    assert r["shape"] == (maps, side, side) and r["receptive_field"] == rf
    words = {"es": "mapas de", "en": "maps of"}
    for lang in ("es", "en"):
        quoted(lang, name, f"{maps} {words[lang]} {side} × {side}")
        quoted(lang, name, f"**{rf} px**" if rf > 28 else f"**{rf} × {rf}**")
    if name == "imagenet_head":
        assert r["top"][1] == pytest.approx(0.77, abs=0.005)
        for lang in ("es", "en"):
            quoted(lang, name, "**77 %**")
    if name == "cnn_first":
        assert r["top"][1] == pytest.approx(0.9999, abs=0.00005)
        for lang in ("es", "en"):
            quoted(lang, name, f"**{num(lang, 99.99, 2)} %**")


def test_maximize_raises_the_channel(measured):
    r = m(measured, "maximize")
    first, last = r["activation"]
    assert first == pytest.approx(0.08, abs=0.005) and last == pytest.approx(0.82, abs=0.005)
    net = nets.shipped_cnn()
    acts = filters.feature_maps(net, nets.to_tensor(net.prepare(images.load_input("dataset", None, 0),
                                                                   from_dataset=True)), "features.act2")
    assert fp.SCENARIOS["maximize"]["channel"] == int(np.argmax(acts.mean((1, 2))))  # "the boot excites most"
    for lang in ("es", "en"):
        quoted(lang, "maximize", f"**{num(lang, first, 2)}")
        quoted(lang, "maximize", f"{num(lang, last, 2)}**")
