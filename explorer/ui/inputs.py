"""The image input every image tab shares (Filters, Saliency, Adversarial): a sample photo, a
Fashion-MNIST test image, an upload or a drawing, and the wiring that turns a change of any of them
into one event. ``explorer.images.load_input`` reads what these components hold."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import numpy as np

from explorer import errors, images, nets
from explorer.session import SessionStore
from explorer.ui.common import L, friendly, session_key, user_error
from explorer.ui.components import Number, Sketchpad


@dataclass
class ImageInputs:
    source: gr.Radio
    sample: gr.Dropdown
    ds_row: gr.Row
    ds_index: gr.Number
    ds_random: gr.Button
    upload: gr.File
    sketch: Sketchpad
    # a second image slot the send-to bar fills with the original when it sends an attacked image
    # (the Embeddings tab's "compared with"); None in the other tabs
    companion: gr.Image | None = None
    # an output image the send-to bar can send on instead of the input (the Adversarial tab's
    # attacked image); None in the other tabs
    sends: gr.Image | None = None

    @property
    def components(self) -> list:
        """The handler inputs, in the order ``load_input`` takes them."""
        return [self.source, self.sample, self.ds_index, self.upload, self.sketch]


def build(prefix: str, sample: str = "cat", source: str = "sample") -> ImageInputs:
    """Lay out the input panel (inside the caller's column); elem_ids start with ``prefix``."""
    src = gr.Radio([(L(f"src_{s}"), s) for s in images.SOURCES], value=source, label=L("source_label"),
                   elem_id=f"{prefix}-source")
    smp = gr.Dropdown([(L(f"sample_{s}"), s) for s in images.SAMPLES], value=sample, label=L("sample_label"),
                      elem_id=f"{prefix}-sample", visible=source == "sample")
    with gr.Row(visible=source == "dataset") as ds_row:
        # no minimum/maximum: Gradio would refuse out-of-range numbers in English, load_input translates
        ds_index = Number(0, precision=0, label=L("ds_index_label"), elem_id=f"{prefix}-ds-index", scale=3)
        ds_random = gr.Button(L("ds_random"), scale=1, size="sm")
    # A file, not gr.Image: gr.Image decodes uploads itself before our checks run, so a corrupt
    # file or a decompression bomb would fail inside Gradio, untranslated.
    upload = gr.File(file_types=["image"], type="filepath", visible=source == "upload", label=L("upload_label"),
                     elem_id=f"{prefix}-upload", height=120)
    # the drawing as files (see Sketchpad): explorer.images.load checks them before decoding
    sketch = Sketchpad(type="filepath", visible=source == "draw", label=L("draw_label"), elem_id=f"{prefix}-sketch",
                          canvas_size=(280, 280), height=320,
                          brush=gr.Brush(default_size=18, colors=["#000000", "#ffffff"], color_mode="fixed"))
    return ImageInputs(src, smp, ds_row, ds_index, ds_random, upload, sketch)


def _show_source(src: str):
    return (gr.update(visible=src == "sample"), gr.update(visible=src == "dataset"),
            gr.update(visible=src == "upload"), gr.update(visible=src == "draw"))


def _random_index():
    return int(np.random.default_rng().integers(0, 10000))


# An image tab's views wait until the selected source has something to analyse. The common case, no
# upload or no drawing yet (a user who has just switched the source), is decided in the browser: a
# step that fails there ends the chain and costs no request, where a server gate's quiet error is an
# HTTP 500 in the browser's console (see common.FIRST_TIME_JS).
HAS_IMAGE_JS = """
(src, smp, idx, up, sk) => {
  const blank = sk == null || (typeof sk === "object" && sk.composite == null && sk.background == null);
  if ((src === "upload" && !up) || (src === "draw" && blank)) { throw new Error("nothing to analyse yet"); }
  return [];
}
"""


def ready(src, smp, idx, up, sk):
    """Quietly end a UI chain when the drawing is blank (a cleared canvas, white on white): only the
    server can tell. (No upload or no drawing at all ends it in the browser: HAS_IMAGE_JS.) The API
    endpoints still say so."""
    blank = sk is None or (isinstance(sk, dict) and sk.get("composite") is None and sk.get("background") is None)
    if (src == "upload" and not up) or (src == "draw" and blank):
        raise gr.Error("", visible=False, print_exception=False)
    if src == "draw":
        try:
            images.load_input(src, smp, idx, up, sk)
        except (errors.InputError, images.ImageError):
            raise gr.Error("", visible=False, print_exception=False) from None


def wire(inp: ImageInputs) -> gr.events.Dependency:
    """Show the selected source's input; return an event that fires (once, for the last change)
    whenever the image changes and there is something to analyse. Chain views with ``.success``."""
    inp.source.change(friendly(_show_source), [inp.source], [inp.sample, inp.ds_row, inp.upload, inp.sketch],
                      api_visibility="private", show_progress="hidden", queue=False)
    inp.ds_random.click(_random_index, None, [inp.ds_index], api_visibility="private", show_progress="hidden",
                        queue=False)
    triggers = [inp.source.change, inp.sample.change, inp.ds_index.change, inp.upload.change, inp.sketch.input]
    return gr.on(triggers, None, inp.components, None, js=HAS_IMAGE_JS, api_visibility="private", queue=False,
                 show_progress="hidden", trigger_mode="always_last").success(
        ready, inp.components, None, api_visibility="private", queue=False, show_progress="hidden")


def network(key: str, allowed: tuple[str, ...], lang: str, request: gr.Request | None,
            store: SessionStore) -> nets.Net:
    """The network a tab's radio names: a shipped one (shared), the robust CNN, a frozen copy of
    this session's trained model (labelled with its data set), or the classifier this session
    taught in "Mi archivo"; a translated error otherwise."""
    if key not in allowed:
        raise user_error(lang, "err_bad_net", value=str(key)[:30])
    if key == "fashion_adv":
        return nets.robust_cnn()
    sess = store.get(session_key(request))
    if key == "archive":  # the classifier this session taught in "Mi archivo" (a frozen copy)
        if sess.archive_net is None:
            raise user_error(lang, "err_no_archive_classifier")
        if not isinstance(sess.archive_net, nets.Net):  # made on first use (Session.archive_net)
            sess.archive_net = sess.archive_net()
        return sess.archive_net
    if key == "session" and sess.model is None:
        raise user_error(lang, "err_no_session_model")
    return nets.get_net(key, sess.model, sess.params.get("dataset", "fashion"))
