"""Gradio input components whose own preprocessing would otherwise fail, or do too much, on what an
API caller sends, before the handler can check it and answer in the session's language; and the
output image that every tab uses (:class:`OutputImage`), written whole before anyone can download it.

Subclasses, not patched instances: Gradio rebuilds a component from its class when a handler
updates its properties (``gr.update(maximum=...)``), and a patched instance would lose the patch.

Gradio writes a ``.pyi`` stub beside any module that defines a component class, when the module is
imported and the stub is missing or out of date. ``components.pyi`` is that stub, committed, so
importing the app writes nothing (tests/unit/test_components.py checks it is current; regenerate
it by deleting it and importing this module).
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import PIL.Image

# What reaches into Gradio's internals is in explorer.ui.gradio_internals, imported where used: this
# module's stub is made from it alone (tests/unit/test_components.py), where explorer is not importable.


def _finite_number(payload: Any) -> bool:
    return isinstance(payload, (int, float)) and (not isinstance(payload, float) or math.isfinite(payload))


class Slider(gr.Slider):
    """``gr.Slider`` that hands what is not a finite number (a string, a list, None, NaN — an API
    caller can send anything) to the handler unchanged, whose ``int_in``/``float_in`` refuses it in
    the session's language naming the field. ``gr.Slider`` itself fails on it inside its own
    preprocessing, and the caller only hears Gradio's "has not enabled verbose error reporting".
    Finite numbers keep Gradio's range check. The page shows it as a plain slider."""

    is_template = True  # the front end draws it as the class it derives from

    def preprocess(self, payload: Any) -> Any:
        return super().preprocess(payload) if _finite_number(payload) else payload


class RangeFreeSlider(Slider):
    """A :class:`Slider` whose range changes with another control (the Attention tab's layers: 12 in
    one model, 6 in the other) and whose handler checks the value against the range that applies,
    in the user's language. Gradio's own check uses the range the session last sent to the page,
    which another event can change while a call is on its way: a layer 9 sent just before the
    model changed to a 6-layer one would fail inside Gradio (seen in the browser tests)."""

    is_template = True

    def preprocess(self, payload: Any) -> Any:
        return payload


class Number(gr.Number):
    """``gr.Number`` with :class:`Slider`'s handling of what is not a finite number (``gr.Number``
    with ``precision=0`` cannot round NaN, a string or a list)."""

    is_template = True

    def preprocess(self, payload: Any) -> Any:
        return super().preprocess(payload) if _finite_number(payload) else payload


class Dataframe(gr.Dataframe):
    """``gr.Dataframe`` that hands the handler a missing table (None: an API caller's) instead of
    failing on it inside its own preprocessing; the handler answers in the session's language."""

    is_template = True

    def preprocess(self, payload: Any) -> Any:
        return None if payload is None else super().preprocess(payload)


class Sketchpad(gr.Sketchpad):
    """``gr.Sketchpad`` that hands the handler the drawing's files as they arrived (paths in
    Gradio's upload folder, or the bytes the page sent in pieces) instead of decoding them itself.
    ``gr.Sketchpad`` opens and converts every layer with Pillow in its own preprocessing, with
    Pillow's decompression-bomb warning silenced: an API caller's 60 kB PNG of 9000 × 9000 pixels
    was decoded whole (5 s here) before our check refused it, anything up to Pillow's own limit of
    179 megapixels would be, and an unreadable file failed inside Gradio with no message.
    ``explorer.images.load`` reads the dict's composite with its size and format checks first."""

    def get_block_name(self) -> str:  # the page draws it as gr.Sketchpad does
        return "imageeditor"

    def get_block_class(self) -> str:
        return "imageeditor"

    def preprocess(self, payload: Any) -> Any:
        from explorer.ui.gradio_internals import editor_files

        if payload is None:
            return None
        src = editor_files(self, payload)  # or the pieces sent through the component's accept_blobs
        if src is None:
            return None

        def raw(f):
            return None if f is None else (bytes(f) if isinstance(f, (bytes, bytearray, memoryview)) else f.path)

        return {"background": raw(src.background), "layers": [raw(x) for x in src.layers or [] if x is not None],
                "composite": raw(src.composite)}


class OutputImage(gr.Image):
    """``gr.Image`` whose output images are written whole before they can be downloaded (every
    tab's images; tests/api/test_identical_calls.py checks that no other image component is left).

    ``gr.Image`` names a PIL image or array it is given after the hash of its encoded bytes and
    writes it there in place (``processing_utils.save_pil_to_cache``: ``write_bytes``), so 30
    students making the same call at once emptied a file another response was still sending: 37 of
    150 identical /classify calls failed ("peer closed connection ... received 0 bytes"). This one
    encodes the image as Gradio would and hands Gradio the path of a file
    :func:`explorer.files.write_by_content` wrote atomically in Gradio's cache folder, which Gradio
    then serves as it is (and deletes with its other cached files). Paths are passed on unchanged:
    Gradio copies a file from elsewhere into its cache atomically (``save_file_to_cache``)."""

    def get_block_name(self) -> str:  # the page draws it as gr.Image (so do its subclasses)
        return "image"

    def get_block_class(self) -> str:
        return "image"

    def postprocess(self, value: Any) -> Any:
        from explorer.ui.gradio_internals import cache_dir, watermark_image

        if isinstance(value, (np.ndarray, PIL.Image.Image)) and watermark_image(self) is None:
            value = str(write_image(value, cache_dir(self), self.format))
        return super().postprocess(value)


class Gallery(gr.Gallery):
    """``gr.Gallery`` whose images are written whole before they can be downloaded, as
    :class:`OutputImage`'s are (``gr.Gallery`` writes a PIL image in place, like ``gr.Image``).
    Items as ``gr.Gallery`` takes them: images or (image, caption) pairs; paths are passed on."""

    is_template = True

    def postprocess(self, value: Any) -> Any:
        from explorer.ui.gradio_internals import cache_dir

        def whole(x):
            if isinstance(x, (np.ndarray, PIL.Image.Image)):
                return str(write_image(x, cache_dir(self), self.format or "webp"))
            return x

        if isinstance(value, (list, tuple)):
            value = [(whole(v[0]), v[1]) if isinstance(v, (tuple, list)) else whole(v) for v in value]
        return super().postprocess(value)


def write_image(value: np.ndarray | PIL.Image.Image, root: str, fmt: str = "webp") -> Path:
    """The image encoded as ``gr.Image`` encodes it (an array converted to 8 bits as it does; a
    format Pillow cannot write falls back to PNG), written atomically under ``root``."""
    from explorer.files import write_by_content  # (here: this module's stub is made from it alone)
    from explorer.ui.gradio_internals import encode_image, image_to_uint8

    done = getattr(value, "_dle_file", None)  # a frozen image written before: its file as it is
    if done is not None and done[0] == (root, fmt):
        try:
            os.utime(done[1])
            return done[1]
        except OSError:  # deleted by Gradio's cache clean-up meanwhile: written again
            pass
    img = value if isinstance(value, PIL.Image.Image) else PIL.Image.fromarray(image_to_uint8(value))
    try:
        data = encode_image(img, fmt)
    except (KeyError, ValueError):
        fmt, data = "png", encode_image(img, "png")
    path = write_by_content(data, root, f"image.{fmt}")
    if getattr(value, "dle_frozen", False):
        value._dle_file = ((root, fmt), path)
    return path


def frozen(img: PIL.Image.Image) -> PIL.Image.Image:
    """Mark ``img`` as never changed again (an answer kept in ``explorer.memo``): :class:`OutputImage`
    then encodes and writes it once, and hands the same file out again."""
    img.dle_frozen = True
    return img


class ImagePath(OutputImage):
    """``gr.Image`` that, as an input, hands the handler the file's path (in Gradio's upload
    folder) instead of decoding it: ``gr.Image`` opens, converts and copies every image it is sent
    with Pillow's decompression-bomb warning silenced, before the handler runs — whether or not the
    handler will look at it (a 60 kB PNG of 9000 × 9000 pixels cost 5 s). The handler reads it with
    ``explorer.images.load``. As an output it is :class:`OutputImage`."""

    def preprocess(self, payload: Any) -> Any:
        return None if payload is None or not payload.path else payload.path


def _as_choice(payload: Any, choices: list) -> Any:
    """``payload``, or the choice value whose string form it is ("1" for 1: the form an API
    description promises for every choice)."""
    values = [c[1] if isinstance(c, (tuple, list)) else c for c in choices]
    if isinstance(payload, str) and payload not in values:
        for v in values:
            if not isinstance(v, str) and str(v) == payload:
                return v
    return payload


def _string_enum(choices: list) -> list[str]:
    return [str(c[1] if isinstance(c, (tuple, list)) else c) for c in choices]


class Dropdown(gr.Dropdown):
    """``gr.Dropdown`` whose choices may be numbers (a head 0-11, or "mean") and that takes each
    choice in the string form its API description gives it: Gradio describes every choice as a
    string (``Literal['0', ..., '11', 'mean']``) and then refused "1" for the choice 1. Both "1" and
    1 reach the handler as 1; anything else meets Gradio's own check. The page shows it as a plain
    dropdown."""

    is_template = True

    def api_info(self) -> dict[str, Any]:
        info = super().api_info()
        target = info["items"] if self.multiselect else info
        target["enum"] = _string_enum(self.choices)
        return info

    def example_payload(self) -> Any:
        value = super().example_payload()
        return [str(v) for v in value] if isinstance(value, list) else None if value is None else str(value)

    def example_value(self) -> Any:
        return self.example_payload()

    def preprocess(self, payload: Any) -> Any:
        if isinstance(payload, list):
            payload = [_as_choice(p, self.choices) for p in payload]
        else:
            payload = _as_choice(payload, self.choices)
        return super().preprocess(payload)


class Radio(gr.Radio):
    """``gr.Radio`` with :class:`Dropdown`'s string forms of number choices (a kernel size 3 or 5,
    2-D or 3-D)."""

    is_template = True

    def api_info(self) -> dict[str, Any]:
        return {**super().api_info(), "enum": _string_enum(self.choices)}

    def example_payload(self) -> Any:
        value = super().example_payload()
        return None if value is None else str(value)

    def example_value(self) -> Any:
        return self.example_payload()

    def preprocess(self, payload: Any) -> Any:
        return super().preprocess(_as_choice(payload, self.choices))


class CheckboxGroup(gr.CheckboxGroup):
    """``gr.CheckboxGroup`` that reads a missing value (None: an API caller's, or a shared link's
    settings left out) as nothing checked, which every handler already answers, instead of failing
    inside its own preprocessing with Gradio's "has not enabled verbose error reporting"."""

    is_template = True

    def preprocess(self, payload: Any) -> Any:
        return super().preprocess([] if payload is None else payload)


class OpenDropdown(gr.Dropdown):
    """``gr.Dropdown`` that hands a value outside its current choices to the handler, which checks
    it and answers in the session's language. For a dropdown whose choices the server changes
    while the page still shows the old ones: the send bar's target leaves out the open tab, and a
    target sent under the previous tab's choices (a link opening ?tab=saliency with "saliency"
    still selected) failed in Gradio's own check ("Value: saliency is not in the list of choices")
    before the handler could keep or replace it."""

    is_template = True

    def preprocess(self, payload: Any) -> Any:
        from explorer.ui.gradio_internals import choice_values

        values = choice_values(self)
        if payload is None or isinstance(payload, list) or payload in values:
            return super().preprocess(payload)
        return payload
