"""The arithmetic of a convolution layer on one image, written out so it can be shown step by step.

Deep-learning "convolution" is cross-correlation: the kernel is not flipped. For an input I of size
n, a kernel K of size k, padding p and stride s, output pixel (i, j) is

    O[i, j] = Σ_u Σ_v  I[s·i + u − p, s·j + v − p] · K[u, v]        (zeros outside I)

and the output size is ⌊(n + 2p − k) / s⌋ + 1 (Dumoulin & Visin 2016, "A guide to convolution
arithmetic for deep learning", relationship 6). "same" padding is p = ⌊k / 2⌋, which keeps the
size at stride 1. Pooling slides a window the same way and keeps its maximum or its mean.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PADDINGS = ("valid", "same")
POOL_MODES = ("max", "avg")
MAX_STRIDE = 3

_G5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0

# The kernels of the course notes and of any image editor. 3x3 ones are centred in a 5x5 grid when
# a 5x5 kernel is asked for, except where a true 5x5 version exists (box blur, Gaussian).
KERNEL_PRESETS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "box_blur": np.full((3, 3), 1 / 9.0),
    "gaussian": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=float) / 16.0,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "laplacian": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),  # the notes' mask
    "sobel_x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "sobel_y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=float),
}
_NATIVE_5 = {"box_blur": np.full((5, 5), 1 / 25.0), "gaussian": _G5}


def preset_kernel(name: str, size: int = 3) -> np.ndarray:
    """The preset ``name`` as a ``size`` x ``size`` kernel (3 or 5)."""
    if name not in KERNEL_PRESETS:
        raise ValueError(f"unknown kernel preset {name!r}; choose one of {sorted(KERNEL_PRESETS)}")
    if size not in (3, 5):
        raise ValueError(f"kernel size must be 3 or 5, got {size}")
    if size == 3:
        return KERNEL_PRESETS[name].copy()
    if name in _NATIVE_5:
        return _NATIVE_5[name].copy()
    out = np.zeros((5, 5))
    out[1:4, 1:4] = KERNEL_PRESETS[name]
    return out


def pad_amount(kernel_size: int, padding: str) -> int:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    return kernel_size // 2 if padding == "same" else 0


def output_size(n: int, k: int, stride: int, pad: int) -> int:
    """⌊(n + 2p − k) / s⌋ + 1 (Dumoulin & Visin 2016, relationship 6)."""
    return (n + 2 * pad - k) // stride + 1


def _check(image: np.ndarray, kernel: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError("expected a 2-D image and a square 2-D kernel")
    if not np.isfinite(kernel).all() or not np.isfinite(image).all():
        raise ValueError("the image and the kernel must hold finite numbers")
    if not isinstance(stride, (int, np.integer)) or not 1 <= stride <= MAX_STRIDE:
        raise ValueError(f"stride must be an integer from 1 to {MAX_STRIDE}, got {stride!r}")
    if min(image.shape) < kernel.shape[0]:
        raise ValueError("the image is smaller than the kernel")
    return image, kernel


def convolve(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: str = "valid") -> np.ndarray:
    """Cross-correlate a 2-D ``image`` with a square ``kernel`` (zero padding), as ``nn.Conv2d``
    does with one input and one output channel and no bias. Returns the (H', W') output."""
    image, kernel = _check(image, kernel, stride)
    k = kernel.shape[0]
    p = pad_amount(k, padding)
    x = np.pad(image, p)
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k))[::stride, ::stride]  # (H', W', k, k)
    return np.einsum("ijuv,uv->ij", windows, kernel)


@dataclass
class PixelProducts:
    """How one output pixel is computed: the input patch under the kernel, the products, the sum."""
    row: int
    col: int
    patch: np.ndarray  # (k, k) input values (zeros where the window hangs over the padding)
    kernel: np.ndarray  # (k, k)
    products: np.ndarray  # patch * kernel
    value: float  # products.sum()
    top: int  # where the window starts in the unpadded input (may be negative: padding)
    left: int


def pixel_products(image: np.ndarray, kernel: np.ndarray, row: int, col: int, stride: int = 1,
                   padding: str = "valid") -> PixelProducts:
    """The I * K arithmetic behind output pixel (row, col) of :func:`convolve`."""
    image, kernel = _check(image, kernel, stride)
    k = kernel.shape[0]
    p = pad_amount(k, padding)
    h_out, w_out = (output_size(n, k, stride, p) for n in image.shape)
    if not (0 <= row < h_out and 0 <= col < w_out):
        raise ValueError(f"output pixel ({row}, {col}) is outside the {h_out} x {w_out} output")
    x = np.pad(image, p)
    patch = x[row * stride:row * stride + k, col * stride:col * stride + k]
    products = patch * kernel
    return PixelProducts(row, col, patch, kernel, products, float(products.sum()),
                         row * stride - p, col * stride - p)


def pool(image: np.ndarray, size: int = 2, mode: str = "max", stride: int | None = None) -> np.ndarray:
    """Max or average pooling with a ``size`` x ``size`` window (stride = size by default), no
    padding, as ``nn.MaxPool2d`` / ``nn.AvgPool2d``."""
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
    image = np.asarray(image, dtype=np.float64)
    stride = stride or size
    windows = np.lib.stride_tricks.sliding_window_view(image, (size, size))[::stride, ::stride]
    return windows.max(axis=(2, 3)) if mode == "max" else windows.mean(axis=(2, 3))
