"""One image through the app: the bar under the tabs that sends the image of the open tab (or, from
the Adversarial tab, the adversarial image it made) to another tab's image input, and opens that
tab. A dataset image or a sample photo is sent as itself (the same index or name); an upload, a
drawing or an adversarial image is sent as a PNG in the session's private folder, which the target
tab reads as an upload. Sent to the Embeddings tab, the attacked image goes with its original (into
the tab's "compared with" slot), so the map shows where each lands.
"""
from __future__ import annotations

import uuid

import gradio as gr
from PIL import Image

from explorer import images
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.tabs import IMAGE_TABS
from explorer.ui.common import L, friendly, lang_of, session_key, user_error
from explorer.ui.components import OpenDropdown
from explorer.ui.gradio_internals import children, with_request
from explorer.ui.inputs import ImageInputs

# the tabs with an image input, in page order
WHICH = ("input", "adversarial")

OPEN_TAB_JS = """
(target) => { setTimeout(() => { const b = document.getElementById("tab-" + target + "-button");
  if (b) b.click(); }, 200); return []; }
"""


def _choices(lang: str, current: str | None) -> list[tuple[str, str]]:
    return [(t(lang, f"tab_{k}"), k) for k in IMAGE_TABS if k != current]


def build_bar() -> dict:
    """The bar's components (laid out where the caller is: under the tabs)."""
    with gr.Row(visible=False, elem_id="dle-send", equal_height=True) as row:
        target = OpenDropdown(_choices("es", None), value="saliency", label=L("send_label"), elem_id="dle-send-target",
                             scale=3)
        which = gr.Radio([(L(f"send_which_{w}"), w) for w in WHICH], value="input", label=L("send_which_label"),
                         visible=False, elem_id="dle-send-which", scale=3)
        go = gr.Button(L("send_button"), elem_id="dle-send-go", scale=1, min_width=120)
    return dict(row=row, target=target, which=which, go=go)


def wire(bar: dict, tabs: gr.Tabs, current_tab: gr.State, lang: gr.Radio, tabs_inputs: dict[str, ImageInputs],
         store: SessionStore) -> None:
    """Show the bar on tabs with an image; on "send", fill the target tab's input and open it."""
    adv_image = tabs_inputs["adversarial"].sends
    order = [k for k in IMAGE_TABS if k in tabs_inputs]

    def show(tab_id, target_v, lang_v):
        lang_v = lang_of(lang_v)
        has_image = tab_id in tabs_inputs
        choices = _choices(lang_v, tab_id)
        value = target_v if target_v in {v: k for k, v in choices} else choices[0][1]
        return (gr.Row(visible=has_image), gr.Dropdown(choices=choices, value=value),
                gr.Radio(visible=tab_id == "adversarial"))

    bar_out = [bar["row"], bar["target"], bar["which"]]
    for tab_block in children(tabs):  # each tab's own select event (a State's change does not fire here)
        tid = getattr(tab_block, "id", None)
        tab_block.select(lambda target_v, lang_v, tid=tid: show(tid, target_v, lang_v), [bar["target"], lang],
                         bar_out, api_visibility="private", queue=False, show_progress="hidden")
    lang.change(show, [current_tab, bar["target"], lang], [bar["row"], bar["target"], bar["which"]],
                api_visibility="private", queue=False, show_progress="hidden")

    def send_image(from_tab, target, which, *args):
        """Send the image shown in tab ``from_tab`` (``which`` = "adversarial": the Adversarial tab's
        attacked image) to the image input of tab ``target``; returns the target's new input values.
        To "embeddings", an attacked image goes with its original (drawn beside it on the map)."""
        *values, adv_v, lang_v, request = args
        lang_v = lang_of(lang_v)
        if from_tab not in tabs_inputs:
            raise user_error(lang_v, "err_send_from", value=str(from_tab)[:20], choices=", ".join(order))
        if target not in tabs_inputs or target == from_tab:
            raise user_error(lang_v, "err_send_target", value=str(target)[:20],
                             choices=", ".join(k for k in order if k != from_tab))
        per_tab = {k: values[5 * i:5 * i + 5] for i, k in enumerate(order)}
        src, smp, idx, up, sk = per_tab[from_tab]
        out: dict[str, tuple] = {}
        companion: dict[str, str] = {}
        if from_tab == "adversarial" and which == "adversarial":
            if adv_v is None:
                raise user_error(lang_v, "err_send_no_adversarial")
            img = images.load(adv_v)  # a path (explorer.ui.components.ImagePath): checked before decoding
            out[target] = ("upload", gr.skip(), gr.skip(), _save(img, store, request))
            if tabs_inputs[target].companion is not None:  # the original, to compare with
                original = images.load_input(src, smp, idx, up, sk)
                if max(original.size) <= 64:  # a 28×28 image: shown with visible pixels, still exact
                    original = images.enlarge(original, 8)
                companion[target] = _save(original, store, request)
        elif src == "dataset":
            images.load_input(src, smp, idx, up, sk)  # the same checks as the tab's own (index in range)
            out[target] = ("dataset", gr.skip(), idx, gr.skip())
        elif src == "sample":
            images.load_input(src, smp, idx, up, sk)
            out[target] = ("sample", smp, gr.skip(), gr.skip())
        else:
            img = images.load_input(src, smp, idx, up, sk)
            out[target] = ("upload", gr.skip(), gr.skip(), _save(img, store, request))
        flat = []
        for k in order:
            flat.extend(out.get(k, (gr.skip(),) * 4))
            if tabs_inputs[k].companion is not None:
                flat.append(companion.get(k, gr.skip()))
        return flat

    inputs = [current_tab, bar["target"], bar["which"]]
    for k in order:
        inputs += tabs_inputs[k].components
    inputs += [adv_image, lang]
    outputs = []
    for k in order:
        i = tabs_inputs[k]
        outputs += [i.source, i.sample, i.ds_index, i.upload]
        if i.companion is not None:
            outputs.append(i.companion)
    fn = friendly(with_request(send_image, len(inputs)))
    bar["go"].click(fn, inputs, outputs, api_name="send_image", show_progress="hidden").success(
        None, [bar["target"]], None, js=OPEN_TAB_JS)


def _save(img: Image.Image, store: SessionStore, request: gr.Request | None) -> str:
    """The image as a PNG in the session's private folder (removed when the session ends)."""
    path = store.get(session_key(request)).workdir() / f"sent-{uuid.uuid4().hex[:12]}.png"
    img.save(path, format="PNG")
    return str(path)
