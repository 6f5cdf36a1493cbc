"""The Filters tab driven as a script would: gradio_client against the launched app."""
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from scipy.signal import correlate2d

from explorer.train.scenarios import SCENARIOS
from tests.conftest import api_client as client
from tests.unit.test_images import png_declaring

pytestmark = pytest.mark.slow

NO_FILE = None


def kernel_payload(k: np.ndarray) -> dict:
    return {"headers": [str(i + 1) for i in range(k.shape[1])], "data": k.tolist()}


def classify(c, source="sample", sample="cat", index=0, upload=NO_FILE, net="imagenet", lang="en"):
    return c.predict(source, sample, index, upload, None, net, lang, api_name="/classify")


def test_endpoints_are_named(app_url):
    names = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/classify", "/feature_maps", "/convolve", "/filters", "/maximize", "/stop_maximize",
            "/kernel_preset", "/layers"} <= names


def test_classify_photos_and_dataset_images(app_url, fashion):
    c = client(app_url)
    _strip, _fig, summary = classify(c, sample="cat")
    assert 281 <= summary["top5"][0]["index"] <= 285 and summary["top5"][0]["label"] == "Egyptian cat"
    assert summary["network_input"] == [3, 224, 224] and len(summary["top5"]) == 5
    probs = [r["probability"] for r in summary["top5"]]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
    assert classify(c, sample="coffee")[2]["top5"][0]["index"] == 967
    # a Fashion-MNIST test image through the shipped CNN, labels in the caller's language
    es = classify(c, source="dataset", index=0, net="fashion", lang="es")[2]
    en = classify(c, source="dataset", index=0, net="fashion", lang="en")[2]
    assert es["top5"][0]["index"] == en["top5"][0]["index"] == int(fashion.test.labels[0])
    assert es["top5"][0]["label"] == "Botín" and en["top5"][0]["label"] == "Ankle boot"
    assert es["preprocessing"] == ["dataset"]


@pytest.mark.parametrize("seed", range(4))
def test_convolve_equals_torch_conv2d(app_url, fashion, seed):
    """Random kernels, strides and paddings on a dataset image: the output shape and the pixel the
    API explains equal F.conv2d's (and scipy's correlate2d at stride 1)."""
    c = client(app_url)
    rng = np.random.default_rng(seed)
    idx = int(rng.integers(0, 10000))
    image = fashion.test.images[idx, 0].numpy().astype(np.float64) / 255.0
    for _ in range(3):
        k = int(rng.choice([3, 5]))
        stride = int(rng.integers(1, 4))
        padding = str(rng.choice(["valid", "same"]))
        kernel = np.round(rng.normal(size=(k, k)), 3)
        ref = F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None], stride=stride,
                       padding=k // 2 if padding == "same" else 0)[0, 0].numpy()
        row, col = int(rng.integers(0, ref.shape[0])), int(rng.integers(0, ref.shape[1]))
        out = c.predict("dataset", "cat", idx, None, None, kernel_payload(kernel), stride, padding, row, col,
                        "max", 96, "en", api_name="/convolve")
        summary = out[5]
        assert summary["output_shape"] == list(ref.shape)
        assert summary["pixel"]["row"] == row and summary["pixel"]["col"] == col
        assert summary["pixel"]["value"] == pytest.approx(ref[row, col], abs=1e-9)
        assert np.sum(summary["pixel"]["products"]) == pytest.approx(ref[row, col], abs=1e-9)
        np.testing.assert_allclose(summary["pixel"]["products"], np.array(summary["pixel"]["patch"]) * kernel)
        if stride == 1:
            sp = correlate2d(image, kernel, mode="valid" if padding == "valid" else "same")
            assert sp.shape == ref.shape and sp[row, col] == pytest.approx(ref[row, col])
        assert out[6] == row and out[7] == col


def test_feature_maps_and_filters(app_url):
    c = client(app_url)
    out = c.predict("sample", "coffee", 0, None, None, "imagenet", "_blocks.5", 7, "es", api_name="/feature_maps")
    s = out[-1]
    assert s["layer"]["shape_hwc"] == [14, 14, 80] and s["channel"] == 7
    assert len(s["stages"]) == 18 and s["stages"][-1]["shape_hwc"] == [7, 7, 1280]
    rfs = [st["receptive_field_px"] for st in s["stages"]]
    assert rfs == sorted(rfs) and s["stages"][0]["receptive_field_px"] == 3
    assert "Campo receptivo" in out[3]
    out = c.predict("dataset", "cat", 5, None, None, "fashion", "features.pool2", 63, "en", api_name="/feature_maps")
    assert out[-1]["layer"]["shape_hwc"] == [7, 7, 64] and out[-1]["layer"]["receptive_field_px"] == 10
    _fig, summary = c.predict("fashion", "features.conv1", "en", api_name="/filters")
    assert summary["weight_shape"] == [32, 1, 3, 3]
    _fig, summary = c.predict("imagenet", "_conv_stem", "en", api_name="/filters")
    assert summary["weight_shape"] == [32, 3, 3, 3] and summary["stride"] == 2


def test_maximize_streams_and_stops(app_url):
    c = client(app_url)
    outs = list(c.submit("fashion", "features.act2", 3, 32, 0.1, 1, 0.3, 0, "en", api_name="/maximize"))
    steps = [o[2]["step"] for o in outs if isinstance(o[2], dict) and "step" in o[2]]
    assert steps == [8, 16, 24, 32]
    hist = outs[-1][2]["activation_history"]
    assert hist[-1] > hist[0]
    # a long run on ImageNet is stopped by /stop_maximize from the same session
    job = c.submit("imagenet", "_blocks.10", 5, 256, 0.05, 4, 0.5, 0, "en", api_name="/maximize")
    seen = []
    for o in job:
        seen.append(o)
        if len(seen) == 1:
            c.predict(api_name="/stop_maximize")
    assert "Stopped" in seen[-1][0]
    done = [o[2]["step"] for o in seen if isinstance(o[2], dict) and "step" in o[2]]
    assert max(done) < 256


def _png_bytes(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", **kw)
    return buf.getvalue()


def test_uploads_of_every_kind(app_url, tmp_path):
    c = client(app_url)
    good = {
        "rgba.png": _png_bytes(Image.new("RGBA", (300, 200), (200, 30, 30, 0))),
        "palette.gif": None,
        "gray16.png": _png_bytes(Image.fromarray(np.tile(np.arange(0, 65535, 256, dtype=np.uint16), (64, 1)))),
        "cmyk.jpg": None,
        "huge.jpg": None,
    }
    frames = [Image.new("P", (64, 64), i) for i in (10, 200)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    good["palette.gif"] = buf.getvalue()
    buf = io.BytesIO()
    Image.new("CMYK", (120, 80), (0, 255, 255, 0)).save(buf, "JPEG")
    good["cmyk.jpg"] = buf.getvalue()
    buf = io.BytesIO()
    Image.new("RGB", (5000, 4000), (90, 120, 200)).save(buf, "JPEG", quality=50)  # 20 megapixels
    good["huge.jpg"] = buf.getvalue()
    for name, data in good.items():
        path = tmp_path / name
        path.write_bytes(data)
        summary = classify(c, source="upload", upload=handle_file(str(path)), net="fashion")[2]
        assert len(summary["top5"]) == 5, name
        assert max(summary["input_size"]) <= 1024, name
    bad = {
        "empty.png": (b"", "No image"),
        "doc.png": (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "PDF"),
        "vector.png": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
        "bomb.png": (png_declaring(20000, 20000), "too large"),
        "cut.png": (_png_bytes(Image.new("RGB", (400, 300), "red"))[:300], "damaged"),
    }
    for name, (data, message) in bad.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(AppError, match=message):
            classify(c, source="upload", upload=handle_file(str(path)))
    with pytest.raises(AppError, match="demasiado grande"):
        path = tmp_path / "bomba.png"
        path.write_bytes(png_declaring(20000, 20000))
        classify(c, source="upload", upload=handle_file(str(path)), lang="es")
    assert classify(c)[2]["top5"][0]["label"] == "Egyptian cat"  # still serving


def test_bad_values_get_clear_messages(app_url):
    c = client(app_url)
    ident = kernel_payload(np.eye(3))
    cases = [
        (lambda: c.predict("sample", "cat", 0, None, None,
                           {"headers": ["1", "2", "3"], "data": [["x", 0, 0], [0, 1, 0], [0, 0, 0]]},
                           1, "valid", None, None, "max", 96, "es", api_name="/convolve"), "no es un número"),
        (lambda: c.predict("sample", "cat", 0, None, None, {"headers": ["1", "2"], "data": [[1, 0], [0, 1]]},
                           1, "valid", None, None, "max", 96, "en", api_name="/convolve"), "3 × 3 or 5 × 5"),
        (lambda: c.predict("sample", "cat", 0, None, None, ident, 1, "valid", 10**6, 0, "max", 96, "en",
                           api_name="/convolve"), "Output pixel row"),
        (lambda: c.predict("sample", "cat", 0, None, None, ident, 1, "valid", None, None, "max", 4096, "en",
                           api_name="/convolve"), "4096"),
        (lambda: classify(c, source="dataset", index=10**6, net="fashion"), "0 to 9999"),
        (lambda: classify(c, source="upload", upload=None), "Upload an image first"),
        (lambda: classify(c, net="session"), "Train tab"),
        (lambda: c.predict("sample", "cat", 0, None, None, "imagenet", "_blocks.0", 999, "en",
                           api_name="/feature_maps"), "Channel"),
        (lambda: c.predict("fashion", "features.act1", 0, 10**6, 0.1, 1, 0.3, 0, "en", api_name="/maximize"),
         "256"),  # a slider's bounds are checked by Gradio itself, before our handler
        (lambda: c.predict("fashion", "features.nope", 0, 8, 0.1, 1, 0.3, 0, "es", api_name="/maximize"),
         "Capa desconocida"),
    ]
    for call, message in cases:
        with pytest.raises(AppError, match=message):
            call()
    assert classify(c)[2]["top5"][0]["index"] == 285


def test_session_model_after_training(app_url):
    c = client(app_url)
    quick = {k: (list(v) if isinstance(v, tuple) else v) for k, v in SCENARIOS["quick"].settings.items()}
    list(c.submit(**dict(quick, epochs=1, train_size=3000, filters=8), lang="en", api_name="/train"))
    layers = c.predict("session", None, 0, None, "en", api_name="/layers")
    assert layers[0]["value"] == "features.act1"
    summary = classify(c, source="dataset", index=3, net="session")[2]
    assert summary["network"] == "session" and len(summary["top5"]) == 5
    out = c.predict("dataset", "cat", 3, None, None, "session", "features.conv1", 2, "en", api_name="/feature_maps")
    assert out[-1]["layer"]["shape_hwc"] == [28, 28, 8]


def test_a_drawing_is_seen_as_fashion_mnist_sees_it(app_url, tmp_path):
    """Black strokes on a transparent canvas (what gr.Sketchpad sends): trimmed, inverted, resized
    to 28×28 — and two legs drawn are trousers."""
    from PIL import ImageDraw

    im = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rectangle([90, 40, 190, 250], fill=(0, 0, 0, 255))
    d.rectangle([130, 120, 150, 250], fill=(0, 0, 0, 0))
    path = tmp_path / "drawing.png"
    im.save(path)
    sketch = {"background": None, "layers": [], "composite": handle_file(str(path)), "id": None}
    summary = client(app_url).predict("draw", "cat", 0, None, sketch, "fashion", "en", api_name="/classify")[2]
    assert summary["preprocessing"] == ["original", "trimmed", "grayscale", "inverted", "resized"]
    assert summary["top5"][0]["label"] == "Trouser" and summary["top5"][0]["probability"] > 0.9
