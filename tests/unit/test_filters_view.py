"""The Filters tab's views: the kernel parser, the playground, and every figure in both languages."""
import json

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
import torch.nn.functional as F

from explorer import errors, images, nets
from explorer.filters import compute as filters
from explorer.filters import convolution
from explorer.filters import views as fv
from explorer.i18n import TEXT


@pytest.mark.parametrize("value, expected", [
    ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], np.eye(3)[1:2].T @ np.eye(3)[1:2]),
    ([["-1", "−1", "-1"], ["-1", "8", "-1"], ["-1", "-1", "-1"]], convolution.preset_kernel("laplacian")),
    ([["1/9"] * 3] * 3, np.full((3, 3), 1 / 9)),
    ([["0,5", "", "0"], ["0", "0", "0"], ["0", "0", "-0,25"]], np.array([[.5, 0, 0], [0, 0, 0], [0, 0, -.25]])),
    ({"headers": ["1", "2", "3"], "data": [[1, 2, 3], [4, 5, 6], [7, 8, 9]]}, np.arange(1, 10).reshape(3, 3)),
    ("1 2 3; 4 5 6; 7 8 9", np.arange(1, 10).reshape(3, 3)),
])
def test_parse_kernel_accepts_what_a_teacher_types(value, expected):
    np.testing.assert_allclose(fv.parse_kernel(value), expected)


@pytest.mark.parametrize("value, kind", [
    (None, "kernel_empty"),
    ([[1, 2], [3, 4]], "kernel_shape"),
    ([[1, 2, 3], [4, 5], [7, 8, 9]], "kernel_shape"),
    ([[1] * 7] * 7, "kernel_shape"),
    ([["a", 0, 0], [0, 0, 0], [0, 0, 0]], "kernel_number"),
    ([[float("nan"), 0, 0], [0, 0, 0], [0, 0, 0]], "kernel_range"),
    ([[1e9, 0, 0], [0, 0, 0], [0, 0, 0]], "kernel_range"),
    ([["1/0", 0, 0], [0, 0, 0], [0, 0, 0]], "kernel_number"),
    (42, "kernel_shape"),
])
def test_parse_kernel_rejects_with_a_reason(value, kind):
    with pytest.raises(errors.InputError) as err:
        fv.parse_kernel(value)
    assert err.value.kind == kind
    for lang in ("es", "en"):  # the message exists and takes the details
        TEXT[lang]["err_" + kind].format(**err.value.details)


@pytest.mark.parametrize("stride, padding, k", [(1, "valid", 3), (2, "same", 3), (3, "valid", 5), (1, "same", 5)])
def test_playground_matches_torch_and_explains_every_pixel(stride, padding, k):
    rng = np.random.default_rng(stride * 10 + k)
    image, kernel = rng.random((23, 31)), rng.normal(size=(k, k))
    pg = fv.run_playground(image, kernel, stride, padding, None, None, "avg")
    ref = F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None], stride=stride,
                   padding=convolution.pad_amount(k, padding))[0, 0].numpy()
    np.testing.assert_allclose(pg.output, ref, atol=1e-10)
    for r, c in [(0, 0), (ref.shape[0] - 1, ref.shape[1] - 1), (ref.shape[0] // 2, 1)]:
        pg = fv.run_playground(image, kernel, stride, padding, r, c, "max")
        assert pg.pixel.value == pytest.approx(ref[r, c])
        assert pg.pixel.products.sum() == pytest.approx(ref[r, c])
    summary = fv.playground_summary(pg)
    json.dumps(summary)  # JSON, as the API returns it
    assert summary["output_shape"] == list(ref.shape)
    assert summary["pooling"]["output_shape"] == [ref.shape[0] // 2, ref.shape[1] // 2]
    # out-of-range pixels are clamped, not an error
    assert fv.run_playground(image, kernel, stride, padding, 10**6, -5, "max").pixel.row == ref.shape[0] - 1


def test_playground_images_mark_window_and_pixel():
    image = np.zeros((20, 20))
    image[5:10, 5:10] = 1
    pg = fv.run_playground(image, convolution.preset_kernel("laplacian"), 1, "same", 7, 3, "max")
    _in_img, out_img, pool_img, meta = fv.playground_images(pg, "en")
    s = meta["out_scale"]
    assert out_img.size == (20 * s, 20 * s) and meta["gray"] == "signed"
    red = np.asarray(out_img)[..., 0].astype(int) - np.asarray(out_img)[..., 1]
    ys, xs = np.nonzero(red > 100)  # the red square around output pixel (7, 3)
    assert ys.min() // s in (6, 7) and xs.min() // s in (2, 3)
    assert pool_img.size[0] == 10 * meta["out_scale"] * 2 // 2 or pool_img.size[0] >= 10


def test_gray_mapping():
    img, how = fv.to_gray_image(np.array([[0.0, 0.5], [1.0, 0.25]]))
    assert how == "as_is" and np.asarray(img)[1, 0] == 255
    img, how = fv.to_gray_image(np.array([[-2.0, 0.0], [2.0, 1.0]]))
    assert how == "signed" and np.asarray(img)[0, 1] in (127, 128)
    img, how = fv.to_gray_image(np.array([[3.0, 5.0], [4.0, 5.0]]))
    assert how == "range" and np.asarray(img).min() == 0 and np.asarray(img).max() == 255


@pytest.mark.parametrize("lang", ["es", "en"])
def test_filter_figures_for_every_kind_of_conv(lang):
    cases = [
        (np.random.default_rng(0).normal(size=(32, 3, 3, 3)), nets.ConvInfo("stem", 32, 3, 3, 2, 1), go.Image),
        (np.random.default_rng(1).normal(size=(32, 1, 3, 3)), nets.ConvInfo("dw", 32, 32, 3, 1, 32), go.Heatmap),
        (np.random.default_rng(2).normal(size=(16, 32, 1, 1)), nets.ConvInfo("pw", 16, 32, 1, 1, 1), go.Heatmap),
        (np.random.default_rng(3).normal(size=(64, 32, 3, 3)), nets.ConvInfo("conv2", 64, 32, 3, 1, 1), go.Heatmap),
        (np.random.default_rng(4).normal(size=(32, 1, 3, 3)), nets.ConvInfo("conv1", 32, 1, 3, 1, 1), go.Heatmap),
    ]
    for w, info, trace in cases:
        fig = fv.filters_figure(w, info, lang)
        assert isinstance(fig.data[0], trace)
        assert fig.layout.title.text and "{" not in fig.layout.title.text
        assert fv.conv_label(info, lang).startswith(info.name)


def test_feature_map_mosaic_keeps_every_channel_and_marks_the_selected():
    acts = np.random.default_rng(0).random((10, 8, 8)).astype(np.float32)
    stage = nets.Stage("x", "conv1", "conv", (10, 8, 8), 3, 1)
    fig = fv.feature_map_figure(acts, np.arange(10), stage, 4, "es")
    z = np.array(fig.data[0].z, dtype=float)
    assert np.isfinite(z).sum() == 10 * 64  # ten 8x8 tiles, NaN gaps between
    custom = np.array(fig.data[0].customdata, dtype=float)
    assert set(np.unique(custom[..., 0][np.isfinite(custom[..., 0])])) == set(range(10))
    assert len(fig.layout.shapes) == 1
    assert "8 × 8 × 10" in fig.layout.title.text
    strongest = filters.strongest_channels(np.random.default_rng(1).random((100, 4, 4)), limit=64)
    assert len(strongest) == 64 and list(strongest) == sorted(strongest)


def test_stages_table_and_top5(lang="en"):
    stages = [nets.Stage("features.conv1", "conv1", "conv", (32, 28, 28), 3, 1),
              nets.Stage("features.pool1", "pool1", "pool", (32, 14, 14), 4, 2)]
    md = fv.stages_markdown(stages, "features.pool1", lang)
    assert "| conv1 | convolution | 28 × 28 × 32 | 3 × 3 px | 1 px |" in md
    assert "▶ **pool1**" in md
    fig = fv.top5_figure([{"label": "a", "probability": 0.75}, {"label": "b", "probability": 0.25}], "es", "t")
    assert list(fig.data[0].y) == ["b", "a"] and fig.data[0].text[1] == "75,0 %"


def test_load_input_errors():
    with pytest.raises(errors.InputError) as e:
        images.load_input("upload", upload=None)
    assert e.value.kind == "no_upload"
    with pytest.raises(errors.InputError) as e:
        images.load_input("sample", sample_id="../../etc/passwd")
    assert e.value.kind == "bad_sample"
    with pytest.raises(errors.InputError) as e:
        images.load_input("telepathy")
    assert e.value.kind == "bad_source"
    blank = {"background": None, "layers": [], "composite": np.full((50, 50, 4), 255, np.uint8)}
    with pytest.raises(errors.InputError) as e:
        images.load_input("draw", sketch=blank)
    assert e.value.kind == "draw_empty"


def test_load_input_dataset(fashion):
    img = images.load_input("dataset", index=7)
    assert np.array_equal(np.asarray(img.convert("L")), fashion.test.images[7, 0].numpy())
    for bad in (-1, 10000, 2.5, "x", float("nan"), None):
        with pytest.raises(errors.InputError):
            images.load_input("dataset", index=bad)


def test_same_padding_is_drawn_and_the_pooled_block_marked():
    x = np.random.default_rng(0).random((12, 12))
    same = fv.run_playground(x, convolution.preset_kernel("sobel_x"), 1, "same", 5, 7, "max")
    a, _, pool_img, meta = fv.playground_images(same, "en")
    assert meta["padding_px"] == 1 and tuple(np.asarray(a)[meta["in_scale"] // 2, -2]) == fv.PADDING_COLOR
    valid = fv.run_playground(x, convolution.preset_kernel("sobel_x"), 1, "valid", 5, 7, "max")
    a, _, _, meta = fv.playground_images(valid, "en")
    assert meta["padding_px"] == 0 and tuple(np.asarray(a)[meta["in_scale"] // 2, -2]) != fv.PADDING_COLOR
    s = fv.display_scale(same.pooled.shape)
    red = np.asarray(pool_img)[..., 0].astype(int) - np.asarray(pool_img)[..., 1]
    ys, xs = np.nonzero(red > 100)  # output pixel (5, 7) lies in pooled cell (2, 3)
    assert ys.min() // s in (1, 2) and xs.min() // s in (2, 3)
