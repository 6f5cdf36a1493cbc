import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.signal import correlate2d

from explorer import nets
from explorer.filters import convolution as C


def torch_conv(image, kernel, stride, padding):
    p = C.pad_amount(kernel.shape[0], padding)
    x = torch.from_numpy(image)[None, None]
    w = torch.from_numpy(kernel)[None, None]
    return F.conv2d(x, w, stride=stride, padding=p)[0, 0].numpy()


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("shape", [(28, 28), (17, 23)])
def test_matches_torch_conv2d(k, stride, padding, shape):
    rng = np.random.default_rng(k * 100 + stride * 10 + len(padding))
    image, kernel = rng.normal(size=shape), rng.normal(size=(k, k))
    out = C.convolve(image, kernel, stride, padding)
    ref = torch_conv(image, kernel, stride, padding)
    assert out.shape == ref.shape
    assert np.abs(out - ref).max() < 1e-10
    p = C.pad_amount(k, padding)
    assert out.shape == tuple(C.output_size(n, k, stride, p) for n in shape)


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_matches_scipy_correlate2d_at_stride_1(k, padding):
    rng = np.random.default_rng(7)
    image, kernel = rng.normal(size=(20, 20)), rng.normal(size=(k, k))
    mode = "valid" if padding == "valid" else "same"
    ref = correlate2d(image, kernel, mode=mode, boundary="fill", fillvalue=0)
    assert np.abs(C.convolve(image, kernel, 1, padding) - ref).max() < 1e-10


def test_laplacian_of_the_notes_finds_edges_and_ignores_flat_regions():
    image = np.zeros((10, 10))
    image[:, 5:] = 1.0  # a vertical edge
    out = C.convolve(image, C.preset_kernel("laplacian"), 1, "valid")
    assert np.allclose(out[:, :3], 0) and np.allclose(out[:, 5:], 0)  # flat: 8·1 − 8·1 = 0
    assert (np.abs(out[:, 3:5]) == 3).all()  # the edge lights up


@pytest.mark.parametrize("stride,padding,row,col", [(1, "valid", 0, 0), (2, "same", 0, 0), (1, "same", 5, 9),
                                                    (3, "valid", 2, 1)])
def test_pixel_products_sum_to_the_output(stride, padding, row, col):
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(12, 12)), rng.normal(size=(3, 3))
    pp = C.pixel_products(image, kernel, row, col, stride, padding)
    assert pp.value == pytest.approx(C.convolve(image, kernel, stride, padding)[row, col])
    assert np.allclose(pp.products, pp.patch * kernel) and pp.products.sum() == pytest.approx(pp.value)
    if padding == "same" and row == 0:
        assert pp.top == -1 and (pp.patch[0] == 0).all()  # the window hangs over the zero padding
    with pytest.raises(ValueError):
        C.pixel_products(image, kernel, 99, 0, stride, padding)


@pytest.mark.parametrize("mode,ref", [("max", F.max_pool2d), ("avg", F.avg_pool2d)])
def test_pooling_matches_torch(mode, ref):
    image = np.random.default_rng(3).normal(size=(9, 14))
    expected = ref(torch.from_numpy(image)[None, None], 2)[0, 0].numpy()
    assert np.allclose(C.pool(image, 2, mode), expected)


def test_presets_and_validation():
    for name in C.KERNEL_PRESETS:
        for size in (3, 5):
            k = C.preset_kernel(name, size)
            assert k.shape == (size, size)
    assert C.preset_kernel("gaussian", 5).sum() == pytest.approx(1.0)
    assert C.preset_kernel("sobel_x", 5)[2, 1] == -2  # 3x3 kernels sit in the middle of 5x5
    with pytest.raises(ValueError):
        C.preset_kernel("blur", 3)
    with pytest.raises(ValueError):
        C.convolve(np.zeros((5, 5)), np.zeros((3, 3)), stride=4)
    with pytest.raises(ValueError):
        C.convolve(np.zeros((5, 5)), np.full((3, 3), np.nan))
    with pytest.raises(ValueError):
        C.convolve(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError):
        C.convolve(np.zeros((5, 5)), np.zeros((3, 3)), padding="full")


def test_receptive_fields():
    assert nets.receptive_fields([(3, 1), (3, 1)]) == [3, 5]  # two 3x3 see 5x5 (VGG slide)
    # the shipped CNN: conv3 -> pool2 -> conv3 -> pool2
    assert nets.receptive_fields([(3, 1), (2, 2), (3, 1), (2, 2)]) == [3, 4, 8, 10]
