"""Turning what a user gives us into images: the one place every tab reads uploads, drawings and samples.

:func:`load` accepts whatever a Gradio component or an API caller hands over (file path, bytes,
numpy array, PIL image, a Sketchpad/ImageEditor dict) and returns a small 8-bit RGB working copy:
EXIF orientation applied, transparency flattened onto white, 16-bit and float data scaled to
8 bits, longest side at most :data:`WORK_SIDE`. Anything it cannot use raises :class:`ImageError`
with a ``kind`` and the numbers for the message, so the UI can word it in the user's language.

Untrusted files are checked before their pixels are decoded. ``Image.open`` only reads the header,
so a PNG that declares 20000×20000 pixels is refused from its declared size without allocating the
1.6 GB it would need. JPEGs are the exception that can be bigger than :data:`MAX_PIXELS`: libjpeg
can decode them at 1/2, 1/4 or 1/8 scale directly from the DCT coefficients (``Image.draft``), so a
24-megapixel phone photo is decoded straight to 1500×1000 and accepted. ``PIL.Image.MAX_IMAGE_PIXELS``
is a process-wide setting other code shares; it is left alone: the checks here are stricter and do
not depend on it. Truncated files are refused (``ImageFile.LOAD_TRUNCATED_IMAGES`` is not set).

:func:`to_gray28` and :func:`to_rgb` are the two preprocessing pipelines (28×28 grayscale for the
Fashion-MNIST network, centre-cropped RGB for ImageNet models). Each returns the model's input and
every intermediate image, so a student sees exactly what the network receives.

torchvision cannot be used here (see the README), so everything is Pillow and numpy.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from PIL import Image, ImageFilter, UnidentifiedImageError, features

MAX_PIXELS = 20_000_000  # largest accepted image (width × height as decoded)
MAX_JPEG_PIXELS = 8 * MAX_PIXELS  # a JPEG up to 160 MP is accepted if draft decoding brings it ≤ MAX_PIXELS
MAX_BYTES = 50 * 1024 * 1024  # the app's upload limit (launch(max_file_size="50mb"); Gradio's MB is 2**20)
WORK_SIDE = 1024  # longest side of the working copy returned by load()
FASHION_SIDE = 28
DISPLAY_SCALE = 6  # 28×28 steps are shown enlarged to 168×168 (nearest neighbour: every pixel visible)
PLAIN_SPREAD = 40  # gray levels between the 10th and 90th percentile of a "plain" background
TRIM_TOLERANCE = 13  # 5 % of 255: Xiao et al. (2017) trim edges "within 5 % of the maximum intensity"

# Formats we decode (a JPEG with several pictures opens as "MPO" through "JPEG"): what phones,
# browsers, scanners and digital archives (TIFF, JPEG 2000) produce. Others Pillow knows are refused
# as "unsupported": fewer decoders exposed to untrusted uploads, none that shell out (EPS runs
# Ghostscript), and none whose declared size can differ from the decoded one (ICO embeds PNGs).
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "TIFF", "BMP", "JPEG2000", "PPM")
ERROR_KINDS = ("empty", "missing", "not_image", "corrupt", "too_large", "unsupported")


class ImageError(ValueError):
    """An input that cannot become an image. ``kind`` is one of :data:`ERROR_KINDS`; ``details``
    carries the values for the message:

    - ``empty``: nothing was given (None, 0 bytes, an empty array or drawing); no details.
    - ``missing``: a path that does not exist or cannot be read (e.g. an upload Gradio has already
      deleted from its cache); ``name``.
    - ``not_image``: not recognised as an image (a PDF renamed .png, SVG, text); ``detected`` is
      "PDF", "SVG", "ZIP", "text" or "".
    - ``corrupt``: recognised but truncated or undecodable; ``format``, ``reason`` (technical, English).
    - ``too_large``: ``measure`` is "pixels" (``width``, ``height`` — None when Pillow refused the
      header itself —, ``megapixels``, ``limit`` in megapixels) or "bytes" (``megabytes``, ``limit``
      in MB).
    - ``unsupported``: an image we do not decode (HEIC, PSD, ...) or a pixel layout we cannot
      convert; ``format``, ``mode``, ``shape`` ("" when not applicable).
    """

    def __init__(self, kind: str, **details: Any):
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown ImageError kind {kind!r}")
        self.kind, self.details = kind, details
        super().__init__(_english(kind, details))


def _english(kind: str, d: dict[str, Any]) -> str:
    if kind == "too_large":
        if d.get("measure") == "bytes":
            return f"The file is too large ({d['megabytes']} MB; maximum {d['limit']} MB)."
        return f"The image is too large ({d['megapixels']} megapixels; maximum {d['limit']})."
    return {
        "empty": "No image was received.",
        "missing": "The image file is no longer available; please upload it again.",
        "not_image": "The file is not an image (or not one we can recognise). Use JPEG, PNG, GIF or WebP.",
        "corrupt": f"The image file is damaged or incomplete ({d.get('format') or '?'}).",
        "unsupported": f"This kind of image cannot be used ({d.get('format') or '?'}). Use JPEG or PNG.",
    }[kind]


def _mega(n: float) -> float | int:
    """Millions, rounded to one decimal; an int when whole, so messages read "24", not "24.0"."""
    x = round(n / 1e6, 1)
    return int(x) if x == int(x) else x


def _too_many_pixels(width: int | None, height: int | None, pixels: int | None = None) -> ImageError:
    pixels = pixels if pixels is not None else width * height
    return ImageError("too_large", measure="pixels", width=width, height=height,
                      megapixels=_mega(pixels), limit=_mega(MAX_PIXELS))


def _too_many_bytes(n: int) -> ImageError:
    mb = round(n / 2**20, 1)
    return ImageError("too_large", measure="bytes", megabytes=int(mb) if mb == int(mb) else mb,
                      limit=MAX_BYTES // 2**20)


# ---------------------------------------------------------------------------------------------
# load()

def load(source: Any) -> Image.Image:
    """Any user-supplied image → a new 8-bit RGB ``PIL.Image``, upright, longest side ≤ WORK_SIDE.

    Args:
        source: a file path (``str``/``os.PathLike``; Gradio passes uploads as paths), ``bytes``, a
            binary file object, a numpy array (H,W), (H,W,1|2|3|4) of uint8/uint16/any int/bool/float
            (floats in [0, 1]; other ranges are stretched), a ``PIL.Image``, or the dict of
            ``gr.Sketchpad``/``gr.ImageEditor`` (its ``"composite"``, else its ``"background"``).

    Returns:
        A new RGB image (the input is never returned or modified, except that a lazily opened PIL
        image is loaded). Transparent areas become white: transparent PNGs are usually cut-out
        objects or drawings on an empty canvas, whose hidden colour is arbitrary (often black);
        white is how browsers and documents show them and how product photos (Fashion-MNIST's
        source) are shot. Images wider than 8 bits are scaled from their actual range.

    Raises:
        ImageError: see its docstring for the kinds.
    """
    if source is None:
        raise ImageError("empty")
    if isinstance(source, dict):
        for key in ("composite", "background"):
            if source.get(key) is not None:
                return load(source[key])
        raise ImageError("empty")
    if isinstance(source, Image.Image):
        return _from_pil(source, own=False)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_bytes(len(data))
        with io.BytesIO(data) as fp:
            return _from_stream(fp)
    if isinstance(source, (str, os.PathLike)):
        return _from_path(os.fspath(source))
    if hasattr(source, "read"):  # an open binary file
        data = source.read(MAX_BYTES + 1)
        if isinstance(data, str):
            raise TypeError("open the file in binary mode ('rb')")
        _check_bytes(len(data))
        with io.BytesIO(data) as fp:
            return _from_stream(fp)
    if hasattr(source, "__array__") or isinstance(source, (list, tuple)):
        return _from_array(np.asarray(source))
    raise TypeError(f"cannot read an image from {type(source).__name__}")


def _check_bytes(n: int) -> None:
    if n == 0:
        raise ImageError("empty")
    if n > MAX_BYTES:
        raise _too_many_bytes(n)


def _from_path(path: str) -> Image.Image:
    if not path:
        raise ImageError("empty")
    try:
        fp = open(path, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        raise ImageError("missing", name=os.path.basename(path)) from None
    with fp:
        _check_bytes(os.fstat(fp.fileno()).st_size)
        return _from_stream(fp)


_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


def _from_stream(fp) -> Image.Image:
    try:
        im = Image.open(fp, formats=_formats())  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Pillow's own check (> 2 × MAX_IMAGE_PIXELS ≈ 179 MP by default) fired inside open(),
        # before we could see the size; its message carries the pixel count.
        m = _BOMB_PIXELS.search(str(e))
        pixels = int(m.group(1)) if m else 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise _too_many_pixels(None, None, pixels) from None
    except UnidentifiedImageError:
        raise _unidentified(fp) from None
    except Exception as e:
        raise ImageError("corrupt", format=_signature(_head(fp)) or "?", reason=_reason(e)) from None
    with im:
        return _from_pil(im, own=True)


def _formats() -> list[str]:
    Image.init()  # registers every plugin (once); a format this Pillow lacks must not be asked for
    return [f for f in FORMATS if f in Image.OPEN]


def _from_pil(im: Image.Image, own: bool) -> Image.Image:
    """The common path. ``own``: ``im`` was opened here (lazily), so draft decoding may shrink it."""
    w, h = im.size
    if w == 0 or h == 0:
        raise ImageError("empty")
    fmt = im.format or ""
    if own and fmt in ("JPEG", "MPO") and max(w, h) > WORK_SIDE and w * h <= MAX_JPEG_PIXELS:
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale, the largest reduction that stays ≥ the target.
        im.draft(None, _fit(w, h, WORK_SIDE))
    if im.size[0] * im.size[1] > MAX_PIXELS:
        raise _too_many_pixels(w, h)
    try:
        im.load()  # the first frame of an animated GIF / APNG / WebP, the first image of an MPO
    except Exception as e:
        raise ImageError("corrupt", format=fmt or "?", reason=_reason(e)) from None
    orientation = _orientation(im)
    out = _working_mode(im, fmt)
    out = _downscale(out, WORK_SIDE)
    out = _flatten(out)
    out = _upright(out, orientation)
    return out.copy() if out is im else out


def _from_array(a: np.ndarray) -> Image.Image:
    if a.size == 0:
        raise ImageError("empty")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (2, 3, 4)) \
            or a.dtype.kind not in "biuf":
        raise ImageError("unsupported", format="array", mode=str(a.dtype), shape=str(tuple(a.shape)))
    h, w = a.shape[:2]
    if w * h > MAX_PIXELS:
        raise _too_many_pixels(w, h)
    if a.ndim == 2:
        im = Image.fromarray(to_uint8(a), "L")
    else:
        c = a.shape[2]  # 2: gray + alpha, 3: RGB, 4: RGBA
        color = to_uint8(a[..., : 1 if c == 2 else 3])
        if c == 3:
            im = Image.fromarray(color, "RGB")
        else:
            stack = np.concatenate([color, _alpha_uint8(a[..., c - 1:])], axis=2)
            im = Image.fromarray(stack, "LA" if c == 2 else "RGBA")
    return _from_pil(im, own=True)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Pixel values of any numeric type → uint8, keeping the picture's contrast.

    uint8 is kept; bool becomes 0/255; floats in [0, 1] are multiplied by 255; values already in
    0..255 (e.g. an int64 array typed by hand) are kept; anything else — 16-bit scans, 32-bit
    integers, floats outside [0, 1] — is mapped linearly from its actual [min, max] to [0, 255]
    rather than clipped, so a 12-bit scan stored in 16 bits is not almost black.
    NaN counts as the minimum, ±inf as the finite extremes.
    """
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x
    if x.dtype == np.bool_:
        return x.astype(np.uint8) * np.uint8(255)
    floating = x.dtype.kind == "f"
    x = x.astype(np.float32 if x.dtype.itemsize <= 2 else np.float64)
    finite = np.isfinite(x)
    if not finite.all():
        lo_f = float(x[finite].min()) if finite.any() else 0.0
        hi_f = float(x[finite].max()) if finite.any() else 0.0
        x = np.nan_to_num(x, nan=lo_f, posinf=hi_f, neginf=lo_f)
    lo, hi = float(x.min()), float(x.max())
    if lo >= 0 and hi <= 1 and floating:
        x = x * 255.0
    elif lo >= 0 and hi <= 255:
        pass
    elif hi > lo:
        x = (x - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _alpha_uint8(a: np.ndarray) -> np.ndarray:
    """Alpha is scaled by its type's full range (65535 is opaque in 16 bits), floats from [0, 1]."""
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * np.uint8(255)
    if a.dtype.kind == "f":
        return np.clip(np.rint(np.nan_to_num(a, nan=1.0) * 255.0), 0, 255).astype(np.uint8)
    top = float(np.iinfo(a.dtype).max)
    return np.clip(np.rint(a.astype(np.float64) * (255.0 / top)), 0, 255).astype(np.uint8)


def _reason(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"[:200]


def _fit(w: int, h: int, side: int) -> tuple[int, int]:
    """(w, h) scaled so the longest side is ``side`` (aspect ratio kept, each side ≥ 1)."""
    s = side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "I;32", "F")


def _working_mode(im: Image.Image, fmt: str) -> Image.Image:
    """→ one of RGB, L, RGBA, LA (the modes Pillow resamples well)."""
    mode = im.mode
    try:
        if mode in ("RGB", "L", "RGBA", "LA"):
            return im
        if mode in _WIDE_MODES:  # 16/32-bit integer or float: scale the actual range to 8 bits
            return Image.fromarray(to_uint8(np.asarray(im)), "L")
        if mode in _ALPHA_MODES or "transparency" in im.info:
            # P with a tRNS chunk or GIF transparency index, L/RGB with a transparent colour, PA, ...
            return im.convert("RGBA")
        if mode == "1":
            return im.convert("L")
        # P, CMYK (Pillow undoes Adobe's inverted CMYK JPEGs), YCbCr, LAB, HSV, RGBX, ...
        return im.convert("RGB")
    except (ValueError, OSError) as e:
        raise ImageError("unsupported", format=fmt or mode, mode=mode, shape="") from e


def _downscale(im: Image.Image, side: int) -> Image.Image:
    """Longest side → ``side`` with a Lanczos filter (never upscales). ``reducing_gap`` first
    box-reduces by an integer factor, then Lanczos finishes: fast and visually indistinguishable."""
    if max(im.size) <= side:
        return im
    return im.resize(_fit(*im.size, side), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _flatten(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA"):
        rgba = im.convert("RGBA") if im.mode == "LA" else im
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        return white.convert("RGB")
    return im.convert("RGB")


# EXIF 2.3 tag 0x0112 "Orientation": how to turn the stored pixels to show them upright
# (the same table as PIL.ImageOps.exif_transpose; applied after downscaling, where it is cheap).
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:
        return 1
    return value if value in _TRANSPOSE else 1


def _upright(im: Image.Image, orientation: int) -> Image.Image:
    return im.transpose(_TRANSPOSE[orientation]) if orientation in _TRANSPOSE else im


def _head(fp, n: int = 1024) -> bytes:
    try:
        fp.seek(0)
        return fp.read(n)
    except (OSError, ValueError):
        return b""


def _signature(head: bytes) -> str:
    """The image format a file's first bytes announce, or ""."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:2] == b"BM" and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":
        return "BMP"
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return "AVIF"
    return ""


_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


def _unidentified(fp) -> ImageError:
    head = _head(fp)
    sig = _signature(head)
    if sig == "AVIF" and not features.check("avif"):
        return ImageError("unsupported", format="AVIF", mode="", shape="")
    if sig:  # the right magic number, but its plugin could not parse the header
        return ImageError("corrupt", format=sig, reason="unreadable header")
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return ImageError("unsupported", format="HEIC", mode="", shape="")
    try:  # an image format Pillow knows but we do not decode (PSD, EPS, FITS, ...): header only
        fp.seek(0)
        with Image.open(fp) as other:
            return ImageError("unsupported", format=other.format or "?", mode=other.mode, shape="")
    except Exception:
        pass
    return ImageError("not_image", detected=_detect_non_image(head))


def _detect_non_image(head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(b"PK\x03\x04"):
        return "ZIP"  # also .docx, .xlsx, .odt, .epub
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<svg" in text.lower()[:1024]:
        return "SVG"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            pass
    return ""


# ---------------------------------------------------------------------------------------------
# Sample photographs that ship with scikit-image (no network needed).

@dataclass(frozen=True)
class Sample:
    loader: str  # function in skimage.data
    credit: str


# Only images bundled in the scikit-image wheel (0.26); others in skimage.data need pooch and a
# download. tests/unit/test_images.py loads every one offline. Display names: i18n keys sample_<id>.
SAMPLES: dict[str, Sample] = {
    "cat": Sample("chelsea", "Stefan van der Walt, CC0"),
    "coffee": Sample("coffee", "Rachel Michetti, CC0"),
    "astronaut": Sample("astronaut", "NASA, public domain"),
    "rocket": Sample("rocket", "SpaceX, public domain"),
    "camera": Sample("camera", "Lav Varshney, CC0"),
    "coins": Sample("coins", "Brooklyn Museum, no known copyright restrictions"),
    "page": Sample("page", "scikit-image sample data"),
    "horse": Sample("horse", "Andreas Preuss, CC0"),
    "hubble": Sample("hubble_deep_field", "NASA, public domain"),
    "retina": Sample("retina", "Mikael Häggström, CC0"),
    "cells": Sample("immunohistochemistry", "CMMI, no known copyright restrictions"),
}


def sample(sample_id: str) -> Image.Image:
    """The sample photograph ``sample_id`` (a key of :data:`SAMPLES`) as a working RGB image."""
    if sample_id not in SAMPLES:
        raise ValueError(f"unknown sample {sample_id!r}; choose one of {sorted(SAMPLES)}")
    return _sample(sample_id).copy()  # a copy: the caller may change it


@cache  # the few samples, decoded once per process (4.5 ms each time for the cat)
def _sample(sample_id: str) -> Image.Image:
    import skimage.data  # lazily: importing scikit-image costs time the app may never need

    return load(getattr(skimage.data, SAMPLES[sample_id].loader)())


def sample_names(lang: str) -> dict[str, str]:
    """Sample id → display name in ``lang`` (English when the language is unknown)."""
    from explorer.i18n import t

    return {k: t(lang, f"sample_{k}") for k in SAMPLES}


# ---------------------------------------------------------------------------------------------
# Preprocessing pipelines

GRAY28_STEPS = ("original", "trimmed", "grayscale", "inverted", "contrast", "resized")
RGB_STEPS = ("original", "resized", "cropped")


@dataclass
class Preprocessed:
    """A model input and how it was made.

    ``array``: float32 in [0, 1], (C, H, W), ready for the model (which normalises it itself).
    ``steps``: (step id, PIL image) in order, for display; ids are ASCII keys the UI translates.
    ``notes``: what was decided (e.g. ``inverted``) and the sizes involved.
    """

    array: np.ndarray
    steps: list[tuple[str, Image.Image]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)


def _border(a: np.ndarray) -> np.ndarray:
    """The outermost ring of pixels of an (H, W[, C]) array, as (N[, C])."""
    return np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]])


def to_gray28(img: Any, invert: bool | str = "auto", trim: bool = True,
              contrast: bool = True) -> Preprocessed:
    """An image → the 28×28 grayscale input of a Fashion-MNIST network, with every step shown.

    Follows the conversion that made Fashion-MNIST from Zalando's product photos (Xiao, Rasul &
    Vollgraf 2017, "Fashion-MNIST", §2): trim the edges close to the background colour, resize the
    longest edge to 28, extend the shorter edge to 28 keeping the item centred, negate the
    intensities, 8-bit grayscale. Items therefore fill the frame and are light on black.

    1. ``trimmed`` (if ``trim`` and anything was cut): crop to the pixels differing from the border
       colour (median of the outermost pixels) by more than 5 % of 255 in some channel.
    2. ``grayscale``: ITU-R BT.601 luma, L = 0.299 R + 0.587 G + 0.114 B (Pillow's ``convert("L")``).
    3. ``inverted``: if ``invert`` is True, or "auto" and the border is bright (median > 127) — a
       photo on a white background. Fashion-MNIST items are light on black.
    4. ``contrast`` (if ``contrast``, the background is plain and it changes anything): stretch so
       the background becomes 0 and the brightest pixels (99.5th percentile) 255, as in the
       dataset, whose background is exactly black. "Plain": 80 % of the border pixels lie within
       PLAIN_SPREAD gray levels; on a busy photo the stretch would blacken everything darker than
       the border's median, so it is skipped.
    5. ``resized``: longest side → 28 (Lanczos, antialiased; the paper subsampled), shorter side
       padded to 28 with the background, centred. Shown enlarged ×6 with nearest neighbour.

    Args:
        img: anything :func:`load` accepts.
        invert: "auto", True or False.
    Returns:
        :class:`Preprocessed` with ``array`` of shape (1, 28, 28). ``notes``: ``inverted``,
        ``background`` (border gray level before inversion, 0–255), ``original_size``,
        ``trim_box`` (left, top, right, bottom), ``scale`` (28 / longest trimmed side),
        ``levels`` ((low, high) mapped to (0, 255), or None), ``luma``.
    """
    if invert not in ("auto", True, False):
        raise ValueError(f"invert must be 'auto', True or False, not {invert!r}")
    rgb = load(img)
    steps: list[tuple[str, Image.Image]] = [("original", rgb)]
    a = np.asarray(rgb)

    gray_full = np.asarray(rgb.convert("L"))
    border = _border(gray_full)
    background = int(np.median(border))
    box = (0, 0, rgb.width, rgb.height)
    if trim:
        box = _object_box(a)
        if box != (0, 0, rgb.width, rgb.height):
            steps.append(("trimmed", rgb.crop(box)))
    gray = Image.fromarray(gray_full).crop(box)
    steps.append(("grayscale", gray))

    inverted = background > 127 if invert == "auto" else bool(invert)
    bg = background
    if inverted:
        gray = Image.fromarray(255 - np.asarray(gray))
        bg = 255 - background
        steps.append(("inverted", gray))

    levels = None
    plain = float(np.percentile(border, 90) - np.percentile(border, 10)) <= PLAIN_SPREAD
    if contrast and plain:
        g = np.asarray(gray).astype(np.float32)
        hi = float(np.percentile(g, 99.5))
        if hi - bg >= 8 and (bg > 0 or hi < 255):
            levels = (bg, round(hi))
            g = np.clip((g - bg) * (255.0 / (hi - bg)), 0, 255)
            gray = Image.fromarray(np.rint(g).astype(np.uint8))
            bg = 0
            steps.append(("contrast", gray))

    w, h = gray.size
    scale = FASHION_SIDE / max(w, h)
    small = gray.resize(_fit(w, h, FASHION_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    canvas = Image.new("L", (FASHION_SIDE, FASHION_SIDE), bg)
    canvas.paste(small, ((FASHION_SIDE - small.width) // 2, (FASHION_SIDE - small.height) // 2))
    steps.append(("resized", enlarge(canvas, DISPLAY_SCALE)))

    array = (np.asarray(canvas, dtype=np.float32) / 255.0)[None]  # (1, 28, 28)
    notes = dict(inverted=inverted, background=background, original_size=rgb.size, trim_box=box,
                 scale=scale, levels=levels, luma="ITU-R BT.601")
    return Preprocessed(array, steps, notes)


def _object_box(a: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (left, top, right, bottom) of the pixels that differ from the border colour by
    more than TRIM_TOLERANCE; rows/columns need a few such pixels so specks of noise do not count.
    The whole image when nothing differs."""
    h, w = a.shape[:2]
    bgc = np.median(_border(a).reshape(-1, a.shape[2] if a.ndim == 3 else 1), axis=0)

    def differs(x: np.ndarray) -> np.ndarray:
        d = np.abs(x.reshape(h, w, -1).astype(np.int16) - bgc.astype(np.int16)).max(axis=2)
        return d > TRIM_TOLERANCE

    # A pixel counts if it differs and so does the 5×5 mean around it: isolated camera noise would
    # otherwise stretch the box to the whole photo, and the blur alone would widen it by 2 pixels.
    mask = differs(a)
    if min(h, w) > 8:
        mask &= differs(np.asarray(Image.fromarray(a).filter(ImageFilter.BoxBlur(2))))
    rows = np.flatnonzero(mask.sum(axis=1) >= max(1, w // 200))
    cols = np.flatnonzero(mask.sum(axis=0) >= max(1, h // 200))
    if rows.size == 0 or cols.size == 0:
        return 0, 0, w, h
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def to_rgb(img: Any, size: int, resize: int | None = None) -> Preprocessed:
    """The usual ImageNet evaluation transform: shorter side → ``resize`` (default ``size``,
    bicubic), then the central ``size``×``size`` square. ``to_rgb(x, 224, 256)`` is the
    "center_crop" mode of ``models.efficientnet_lite.preprocess_steps`` (a test checks they agree).

    Returns :class:`Preprocessed` with ``array`` (3, size, size) float32 in [0, 1] (models apply
    their own normalisation), steps ``original``, ``resized``, ``cropped`` and notes
    ``original_size``, ``resized_size``, ``crop_box``.
    """
    resize = size if resize is None else resize
    if not (isinstance(size, int) and 1 <= size <= 4096 and isinstance(resize, int) and resize >= size):
        raise ValueError(f"need integers 1 <= size <= resize, got size={size!r}, resize={resize!r}")
    rgb = load(img)
    w, h = rgb.size
    s = resize / min(w, h)
    new = (resize, max(resize, round(h * s))) if w <= h else (max(resize, round(w * s)), resize)
    resized = rgb.resize(new, Image.Resampling.BICUBIC)  # as TF EfficientNet's eval transform
    left, top = (new[0] - size) // 2, (new[1] - size) // 2
    box = (left, top, left + size, top + size)
    cropped = resized.crop(box)
    array = np.asarray(cropped, dtype=np.float32).transpose(2, 0, 1) / 255.0  # (3, size, size)
    return Preprocessed(array, [("original", rgb), ("resized", resized), ("cropped", cropped)],
                        dict(original_size=(w, h), resized_size=new, crop_box=box))


# ---------------------------------------------------------------------------------------------
# Display helpers

def from_dataset_array(x: Any) -> Image.Image:
    """A dataset image — (H, W), (1, H, W), (H, W, 3) or (3, H, W); uint8, or float in [0, 1]
    (clipped) — as a PIL "L" or "RGB" image. Accepts numpy arrays and CPU torch tensors."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[2] not in (1, 3):
        a = a.transpose(1, 2, 0)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] != 3):
        raise ValueError(f"expected (H, W), (1, H, W), (H, W, 3) or (3, H, W), got {a.shape}")
    if a.dtype != np.uint8:
        a = a.astype(np.float64)
        if np.issubdtype(np.asarray(x).dtype, np.floating):
            a = a * 255.0
        a = np.clip(np.rint(np.nan_to_num(a)), 0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(a), "L" if a.ndim == 2 else "RGB")


def exact_gray28(img) -> np.ndarray | None:
    """The 28×28 grey image ``img`` shows, exactly, when it is one: a grey (R = G = B) picture of
    28·f × 28·f pixels made of f×f blocks of one value each — a Fashion-MNIST image, or one enlarged
    with visible pixels (the Adversarial tab's attacked image is a ×8 nearest-neighbour enlargement).
    Returns (1, 28, 28) float32 in [0, 1], or None when ``img`` is anything else (a photo, a
    drawing), which :func:`explorer.images.to_gray28` must convert. Resampling such a picture
    instead would smear the few grey levels an attack changed."""
    a = np.asarray(img)
    if a.ndim == 3:
        if a.shape[2] == 4:
            if not (a[..., 3] == 255).all():
                return None
            a = a[..., :3]
        if a.shape[2] != 3 or not ((a[..., 0] == a[..., 1]).all() and (a[..., 1] == a[..., 2]).all()):
            return None
        a = a[..., 0]
    if a.ndim != 2 or a.dtype != np.uint8:
        return None
    h, w = a.shape
    side = 28
    if h != w or h % side or h == 0:
        return None
    f = h // side
    blocks = a.reshape(side, f, side, f)
    small = blocks[:, 0, :, 0]
    if not (blocks == small[:, None, :, None]).all():
        return None
    return (small.astype(np.float32) / 255.0)[None]


def enlarge(img: Image.Image | np.ndarray, factor: int = DISPLAY_SCALE) -> Image.Image:
    """Nearest-neighbour enlargement by an integer ``factor``: every pixel becomes a visible square
    (a browser's smooth scaling would blur a 28×28 image into a smudge)."""
    if not (isinstance(factor, int) and 1 <= factor <= 64):
        raise ValueError(f"factor must be an integer in 1..64, got {factor!r}")
    if not isinstance(img, Image.Image):
        img = from_dataset_array(img)
    return img.resize((img.width * factor, img.height * factor), Image.Resampling.NEAREST)


__all__ = [
    "ERROR_KINDS",
    "FORMATS",
    "GRAY28_STEPS",
    "MAX_BYTES",
    "MAX_JPEG_PIXELS",
    "MAX_PIXELS",
    "RGB_STEPS",
    "SAMPLES",
    "WORK_SIDE",
    "ImageError",
    "Preprocessed",
    "Sample",
    "enlarge",
    "from_dataset_array",
    "load",
    "sample",
    "sample_names",
    "to_gray28",
    "to_rgb",
    "to_uint8",
]


# ----------------------------------------------------------------------- an image tab's input

SOURCES = ("sample", "dataset", "upload", "draw")


def load_input(source: str, sample_id: str | None = None, index: Any = None, upload: Any = None,
               sketch: Any = None) -> Image.Image:
    """The user's image as 8-bit RGB, from whichever source an image tab's input selects: a sample
    photo, a Fashion-MNIST test image, an upload or a drawing. Raises ``InputError``."""
    from explorer import data
    from explorer.errors import InputError

    if source == "sample":
        if not isinstance(sample_id, str) or sample_id not in SAMPLES:  # a list must not reach the dict
            raise InputError("bad_sample", name=str(sample_id)[:40], choices=", ".join(SAMPLES))
        return sample(sample_id)
    if source == "dataset":
        ds = data.load("fashion")
        n = len(ds.test)
        try:
            i = int(index)
            ok = float(index) == i
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok or not 0 <= i < n:
            raise InputError("bad_index", value=str(index)[:20], hi=n - 1)
        return from_dataset_array(ds.test.images[i, 0].numpy())
    if source == "upload":
        if upload is None or upload == "":
            raise InputError("no_upload")
        return load(upload)
    if source == "draw":
        if sketch is None:
            raise InputError("draw_empty")
        img = load(sketch)
        if np.asarray(img.convert("L")).std() < 1.0:
            raise InputError("draw_empty")
        return img
    raise InputError("bad_source", value=str(source)[:20], choices=", ".join(SOURCES))
