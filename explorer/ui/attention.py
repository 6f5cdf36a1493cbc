"""The Attention tab: what a transformer looks at. A sentence through all-MiniLM-L6-v2 (6 layers ×
12 heads): one head's matrix, a head view in the style of bertviz, every head of a layer, one
word's row in every head, and attention rollout; sentence embeddings and their cosine similarity;
and a small Vision Transformer's attention over the patches of a Fashion-MNIST image, beside the
CNN's Grad-CAM. The work is in ``explorer.attention.compute`` and ``explorer.attention.vit``; the pictures in
``explorer.attention.views``.

API (gradio_client): ``/attention_text``, ``/attention_preset``, ``/similarity``,
``/attention_image``.
"""
from __future__ import annotations

import gradio as gr
import numpy as np

from explorer import images, memo, nets
from explorer.attention import compute as attention
from explorer.attention import views as av
from explorer.attention import vit
from explorer.i18n import num, t
from explorer.saliency import compute as saliency
from explorer.session import SessionStore
from explorer.ui import inputs
from explorer.ui.common import (
    NEXT_SCENARIO,
    L,
    draw_events,
    friendly,
    int_in,
    lang_of,
    next_scenario,
    shown_flag,
    user_error,
)
from explorer.ui.components import Dropdown, Number, OutputImage, Slider

HEADS = [(str(h + 1), h) for h in range(12)]
MAX_SENTENCES = 50  # lines compared at once
DEFAULT_PRESET = "pronoun_en"
DEFAULT_LIST = ["The animal was too tired to cross the road.", "The street was too wide to cross.",
                "A dog lay down because it was exhausted.", "El animal estaba demasiado cansado.",
                "The stock market fell sharply today."]


def _head(value, lang: str):
    return "mean" if value == "mean" else int_in(value, 0, 11, lang, "att_head_label")


def _token_choices(labels: list[str]):
    return [(f"{i} · {lab}", i) for i, lab in enumerate(labels)]


def _default_token(v: attention.View, text: str | None = None) -> int:
    """The word a worked example is about (its first piece, in word pieces), else the first word
    after [CLS]."""
    for ptext, _, _, word in attention.PRESETS.values():
        if text is not None and text.strip() == ptext:
            i = attention.find_word(v.attention, v.unit, word)
            if i is not None:
                return i
    return 1 if len(v.labels) > 2 else 0


def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    with gr.Tab(L("tab_attention"), id="attention", elem_id="tab-attention") as tab:
        shown = shown_flag()
        gr.Markdown(L("att_intro"))
        gr.Markdown(L("att_text_heading"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                with gr.Row(equal_height=True):
                    preset = gr.Dropdown([(L(f"att_preset_{k}"), k) for k in attention.PRESETS], value=DEFAULT_PRESET,
                                         label=L("att_preset_label"), info=L("att_preset_info"), elem_id="att-preset",
                                         scale=4)
                    next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="att-next-preset", scale=0, min_width=40,
                                            elem_classes=["dle-next-preset"])
                text = gr.Textbox(attention.PRESETS[DEFAULT_PRESET][0], lines=3, max_lines=8, label=L("att_text_label"),
                                  elem_id="att-text")
                unit = gr.Radio([(L(f"att_unit_{u}"), u) for u in attention.UNITS], value="words",
                                label=L("att_unit_label"), info=L("att_unit_info"), elem_id="att-unit")
                layer = Slider(1, 6, value=4, step=1, label=L("att_layer_label"), elem_id="att-layer")
                head = Dropdown(HEADS + [(L("att_head_mean"), "mean")], value=1, label=L("att_head_label"), elem_id="att-head")
                token = gr.Dropdown([], value=None, label=L("att_token_label"), info=L("att_token_info"),
                                    allow_custom_value=True, elem_id="att-token")
                run = gr.Button(L("att_run"), variant="primary", elem_id="att-run")
                status = gr.Markdown(elem_id="att-status")
            with gr.Column(scale=3):
                with gr.Row(equal_height=False):
                    head_view = gr.Plot(label=L("att_head_view_label"), elem_id="att-head-view")
                    matrix = gr.Plot(label=L("att_matrix_label"), elem_id="att-matrix")
                row = gr.Plot(label=L("att_row_label"), elem_id="att-row")
        with gr.Row(equal_height=False):
            heads = gr.Plot(label=L("att_heads_label"), elem_id="att-heads")
            token_heads = gr.Plot(label=L("att_token_heads_label"), elem_id="att-token-heads")
        gr.Markdown(L("att_rollout_heading"))
        gr.Markdown(L("att_rollout_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                rollout = gr.Plot(label=L("att_rollout_label"), elem_id="att-rollout")
            with gr.Column(scale=2):
                rollout_row = gr.Plot(label=L("att_rollout_row_label"), elem_id="att-rollout-row")
        with gr.Accordion(L("json_label"), open=False):
            text_json = gr.JSON(label="/attention_text", elem_id="att-json")

        gr.Markdown(L("att_sim_heading"))
        gr.Markdown(L("att_sim_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                query = gr.Textbox(attention.EXAMPLES["en"][0], lines=2, label=L("att_query_label"), elem_id="att-query")
                sentences = gr.Textbox("\n".join(DEFAULT_LIST), lines=7, max_lines=20,
                                       label=L("att_sentences_label"), info=L("att_sentences_info"),
                                       elem_id="att-sentences")
                compare = gr.Button(L("att_compare"), variant="primary", elem_id="att-compare")
            with gr.Column(scale=2):
                sim_status = gr.Markdown(elem_id="att-sim-status")
                sim_plot = gr.Plot(label=L("att_sim_label"), elem_id="att-sim")
                vectors = gr.Plot(label=L("att_vectors_label"), elem_id="att-vectors")
                with gr.Accordion(L("json_label"), open=False):
                    sim_json = gr.JSON(label="/similarity", elem_id="att-sim-json")

        gr.Markdown(L("vit_heading"))
        gr.Markdown(L("vit_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                vinp = inputs.build("vit", "coffee", "dataset")
                vlayer = Slider(1, vit.LAYERS, value=vit.LAYERS, step=1, label=L("att_layer_label"),
                                   elem_id="vit-layer")
                vhead = Dropdown([(str(h + 1), h) for h in range(vit.HEADS)] + [(L("att_head_mean"), "mean")],
                                    value="mean", label=L("att_head_label"), elem_id="vit-head")
                # no minimum/maximum: out-of-range numbers get our translated message
                vtoken = Number(0, precision=0, label=L("vit_token_label"), info=L("vit_token_info"),
                                   elem_id="vit-token")
                vrun = gr.Button(L("vit_run"), variant="primary", elem_id="vit-run")
            with gr.Column(scale=3):
                vstatus = gr.Markdown(elem_id="vit-status")
                vpanels = OutputImage(label=L("vit_panels_label"), interactive=False, elem_id="vit-panels",
                                      buttons=["download"], format="png")
                with gr.Row(equal_height=False):
                    vmosaic = OutputImage(label=L("vit_mosaic_label"), interactive=False, elem_id="vit-mosaic",
                                          buttons=["download"], format="png")
                    vprobs = gr.Plot(label=L("vit_probs_label"), elem_id="vit-probs")
                with gr.Accordion(L("json_label"), open=False):
                    vjson = gr.JSON(label="/attention_image", elem_id="vit-json")

    # ---- handlers -------------------------------------------------------------------------------

    _viewed = memo.Memo(64)

    @friendly
    def text_views(text_v, unit_v, layer_v, head_v, token_v, lang):
        """All-MiniLM-L6-v2's attention for a sentence: the head view and the matrix of one layer and
        head (1-6, 0-11 or "mean"), the chosen token's row (0-based, in words or word pieces), every
        head of the layer, the token's row in every head, and attention rollout. JSON: the tokens
        and the matrices as nested lists."""
        lang = lang_of(lang)
        # the same sentence and settings give everyone the same views (explorer.memo): a class on
        # one example computes them once; the token dropdown's update is made fresh for each caller
        key = memo.key_of("attention_text", text_v, unit_v, layer_v, head_v, token_v, lang)
        views, choices, ti = _viewed.get_or_make(key, lambda: _text_views(text_v, unit_v, layer_v, head_v, token_v,
                                                                          lang))
        return (*views, gr.update(choices=choices, value=ti))

    def _text_views(text_v, unit_v, layer_v, head_v, token_v, lang):
        if unit_v not in attention.UNITS:
            raise user_error(lang, "err_att_unit", choices=", ".join(attention.UNITS))
        li = int_in(layer_v, 1, 6, lang, "att_layer_label") - 1
        hi = _head(head_v, lang)
        v = attention.view(text_v, unit_v)
        n = len(v.labels)
        tok = _default_token(v, text_v) if token_v in (None, "") else token_v
        ti = int_in(tok, 0, n - 1, lang, "att_token_label")
        m = av.select(v.matrices, li, hi)
        name = t(lang, "att_layer_head", layer=li + 1, head=av.head_name(hi, lang))
        word = av._escape(v.labels[ti])
        msg = t(lang, "att_status", n=n, unit=t(lang, f"att_unit_{unit_v}").lower(), pieces=len(v.attention.tokens))
        if v.attention.truncated:
            msg += " " + t(lang, "att_truncated", limit=attention.MAX_TOKENS, total=num(lang, v.attention.total_tokens))
        row = m[ti]
        best = max((j for j in range(n) if j != ti), key=lambda j: row[j], default=ti)
        msg += " " + t(lang, "att_status_row", token=word, layer=li + 1, head=av.head_name(hi, lang), best=av._escape(v.labels[best]),
                       w=num(lang, row[best], 2))
        return (
            msg,
            av.head_view_figure(v.labels, m, lang, t(lang, "att_head_view_title", name=name), ti),
            av.matrix_figure(v.labels, m, lang, name, ti),
            av.row_figure(v.labels, row, lang, t(lang, "att_row_title", token=word, name=name)),
            av.heads_figure(v.labels, v.matrices[li], v.patterns[li], lang, li, hi),
            av.token_heads_figure(v.labels, v.matrices, ti, lang, li, hi),
            av.matrix_figure(v.labels, v.rollout, lang, t(lang, "att_rollout_title"), ti,
                             colorbar=t(lang, "att_share")),
            av.row_figure(v.labels, v.rollout[ti], lang, t(lang, "att_rollout_row_title", token=word)),
            av.text_summary(v.attention, v.labels, v.matrices, li, hi, ti, v.rollout, v.patterns, unit_v),
        ), _token_choices(v.labels), ti

    @friendly
    def apply_preset(key, unit_v, lang):
        """A worked example: its sentence, and the layer, head and word that show the point."""
        lang = lang_of(lang)
        if not isinstance(key, str) or key not in attention.PRESETS:  # a dropdown passes a list of choices on
            raise user_error(lang, "err_att_preset", choices=", ".join(attention.PRESETS))
        text_v, layer_v, head_v, _word = attention.PRESETS[key]
        v = attention.view(text_v, unit_v if unit_v in attention.UNITS else "words")
        ti = _default_token(v, text_v)
        return text_v, layer_v, head_v - 1, gr.update(choices=_token_choices(v.labels), value=ti)

    @friendly
    def similarity(query_v, sentences_v, lang):
        """Sentence embeddings (mean of the token vectors, L2-normalised) and the cosine
        similarity of each line of ``sentences`` to ``query``, highest first."""
        lang = lang_of(lang)
        if not isinstance(sentences_v, str):
            raise user_error(lang, "err_att_no_sentences")
        lines = [s.strip() for s in sentences_v.splitlines()]
        lines = [s for s in lines if not attention.is_blank(s)]
        if not lines:
            raise user_error(lang, "err_att_no_sentences")
        if len(lines) > MAX_SENTENCES:
            raise user_error(lang, "err_att_too_many", n=len(lines), limit=MAX_SENTENCES)
        vecs = attention.embed([query_v] + lines)
        sims = [attention.cosine(vecs[0], v) for v in vecs[1:]]
        best = max(range(len(lines)), key=lambda i: sims[i])
        q = attention.clean(query_v)
        msg = t(lang, "att_sim_status", best=av._escape(lines[best][:120]), cos=num(lang, sims[best], 3), n=len(lines))
        order = sorted(range(len(lines)), key=lambda i: -sims[i])
        summary = {"query": q[:1000], "sentences": [lines[i][:1000] for i in order],
                   "cosine": [round(sims[i], 6) for i in order], "dimensions": int(vecs.shape[1]),
                   "pooling": "mean of the last layer's token vectors (attention-masked), L2-normalised"}
        return (msg, av.similarity_figure(q, lines, sims, lang),
                av.vectors_figure([q] + [lines[order[0]]], vecs[[0, 1 + order[0]]], lang), summary)

    def _token_name(ti: int, lang: str) -> str:
        if ti == 0:
            return "[CLS]"
        r, c = divmod(ti - 1, vit.GRID)
        return t(lang, "vit_patch_name", n=ti, row=r + 1, col=c + 1)

    @friendly
    def image_views(src, smp, idx, up, sk, layer_v, head_v, token_v, lang):
        """The Fashion-MNIST Vision Transformer (4×4-pixel patches, 7×7 grid, [CLS] token; 4
        layers × 4 heads) on one image: the patch grid, where the chosen token ([CLS] = 0, or patch
        1-49) looks in the chosen layer (1-4) and head (0-3 or "mean"), attention rollout, the shipped
        CNN's Grad-CAM beside it, and every layer and head. JSON: both predictions, the chosen
        (50, 50) matrix and the maps as nested lists."""
        lang = lang_of(lang)
        li = int_in(layer_v, 1, vit.LAYERS, lang, "att_layer_label") - 1
        hi = "mean" if head_v == "mean" else int_in(head_v, 0, vit.HEADS - 1, lang, "att_head_label")
        ti = int_in(token_v, 0, vit.NUM_PATCHES, lang, "vit_token_label")
        cnn = nets.shipped_cnn()
        pre = cnn.prepare(images.load_input(src, smp, idx, up, sk), from_dataset=src == "dataset")
        x = pre.array  # (1, 28, 28) in [0, 1]
        an = vit.analyse(x)
        g = vit.GRID
        names = vit.class_names(lang)
        m = vit.head_attention(an.attentions, li, hi)
        amap = m[ti, 1:].reshape(g, g)
        roll = vit.rollout(an.attentions)
        rmap = roll.matrix[ti, 1:].reshape(g, g)
        cnn_probs = nets.probabilities(cnn, x[None])[0]
        cnn_pred = int(np.argmax(cnn_probs))
        cam = saliency.attribute(cnn, x[None], cnn_pred, "gradcam")
        tok = _token_name(ti, lang)
        head_txt = av.head_name(hi, lang)
        scale = lambda v: t(lang, "vit_scale", vmax=num(lang, float(v), 3))  # noqa: E731
        where = t(lang, "vit_where", layer=li + 1, head=head_txt)
        tiles = [
            (t(lang, "vit_tile_input"), t(lang, "vit_tile_input_sub", p=vit.PATCH_SIZE, n=vit.NUM_PATCHES),
             av._mark_patch(vit.grid_image(x, av.VIT_TILE, numbers=True), ti, g),
             t(lang, "vit_tile_input_note", token=tok)),
            (t(lang, "vit_tile_attention", token=tok), where, av._mark_patch(vit.heat_overlay(x, amap, av.VIT_TILE), ti, g),
             scale(amap.max()) + "\n" + t(lang, "vit_self_share", w=num(lang, 100 * m[ti, ti], 1))),
            (t(lang, "vit_tile_rollout", token=tok), t(lang, "vit_rollout_note"),
             av._mark_patch(vit.heat_overlay(x, rmap, av.VIT_TILE), ti, g), scale(rmap.max())),
            (t(lang, "vit_tile_gradcam", label=names[cnn_pred]),
             t(lang, "vit_gradcam_note", layer=cnn.stage(cam.params["layer"]).label),
             vit.heat_overlay(x, cam.map, av.VIT_TILE, mode="bilinear", grid_lines=False), t(lang, "vit_gradcam_scale")),
        ]
        vit_acc = vit.shipped().metrics.get("test_acc")
        status = t(lang, "vit_status", vit_label=names[an.pred], vit_p=num(lang, 100 * an.probs[an.pred], 1),
                   cnn_label=names[cnn_pred], cnn_p=num(lang, 100 * cnn_probs[cnn_pred], 1),
                   vit_acc=num(lang, 100 * (vit_acc or 0), 1), token=tok, layer=li + 1, head=head_txt)
        top = lambda p: [{"index": int(i), "label": vit.class_names("en")[i], "probability": round(float(p[i]), 6)}  # noqa: E731
                         for i in np.argsort(-p)[:3]]
        summary = {
            "vit": {"prediction": top(an.probs), "test_acc": vit_acc},
            "cnn": {"prediction": top(cnn_probs), "gradcam_layer": cam.params["layer"]},
            "patch_size": vit.PATCH_SIZE, "grid": g, "tokens": vit.TOKENS, "layers": vit.LAYERS, "heads": vit.HEADS,
            "layer": li + 1, "head": hi, "token": ti,  # as the call takes them: layer 1-based, head 0-based
            "matrix": np.round(m, 6).tolist(),
            "token_map": np.round(amap, 6).tolist(),
            "rollout_map": np.round(rmap, 6).tolist(),
            "cls_attention": [[np.round(vit.cls_attention(an.attentions, la, h), 6).tolist()
                               for h in range(vit.HEADS)] for la in range(vit.LAYERS)],
            "gradcam": np.round(cam.map, 5).tolist(),
        }
        return (status, av.vit_panels(tiles, lang), av.vit_heads_mosaic(an.image, an.attentions, ti, lang, li, hi),
                av.probs_figure([(t(lang, "vit_model_vit"), an.probs), (t(lang, "vit_model_cnn"), cnn_probs)],
                                names, lang), summary)

    def pick_patch(evt: gr.SelectData):
        """A click on the pictures selects the patch under it."""
        x, y = evt.index if isinstance(evt.index, (list, tuple)) else (None, None)
        token_ = av.vit_panel_patch(x, y, vit.GRID) if x is not None else None
        if token_ is None:
            raise gr.Error("", visible=False, print_exception=False)
        return token_

    # ---- wiring ---------------------------------------------------------------------------------
    img_in = vinp.components + [vlayer, vhead, vtoken, lang]
    img_out = [vstatus, vpanels, vmosaic, vprobs, vjson]
    vrun.click(image_views, img_in, img_out, api_name="attention_image", show_progress="minimal",
               show_progress_on=[vstatus])
    text_in = [text, unit, layer, head, token, lang]
    text_out = [status, head_view, matrix, row, heads, token_heads, rollout, rollout_row, text_json, token]
    run.click(text_views, text_in, text_out, api_name="attention_text", show_progress="minimal",
              show_progress_on=[status])
    hidden = dict(api_visibility="undocumented", show_progress="hidden")
    preset.input(apply_preset, [preset, unit, lang], [text, layer, head, token], api_name="attention_preset",
                 show_progress="hidden").success(text_views, text_in, text_out, **hidden)
    next_preset.click(lambda name: next_scenario(attention.PRESETS, name), [preset], [preset],
                      api_visibility="private", queue=False, show_progress="hidden").then(
        apply_preset, [preset, unit, lang], [text, layer, head, token], **hidden).success(text_views, text_in, text_out,
                                                                                        **hidden)
    def forget_token():
        """A new text: its own default word, not the old one's index."""
        return None

    def convert_token(text_v, unit_v, token_v):
        """The other unit: the same place in the text (a word ↔ its first piece)."""
        if unit_v not in attention.UNITS or not isinstance(token_v, int) or attention.is_blank(text_v):
            return None
        a = attention.attend(text_v)
        other = "pieces" if unit_v == "words" else "words"
        n = len(a.tokens) if other == "pieces" else len(attention.word_groups(a)[0])
        return attention.convert_index(a, token_v, other, unit_v) if 0 <= token_v < n else None

    text.submit(forget_token, None, [token], **hidden, queue=False).then(text_views, text_in, text_out, **hidden)
    unit.input(convert_token, [text, unit, token], [token], **hidden).then(text_views, text_in, text_out, **hidden)
    gr.on([layer.release, head.input, token.input], text_views, text_in, text_out, trigger_mode="always_last",
          **hidden)
    sim_in, sim_out = [query, sentences, lang], [sim_status, sim_plot, vectors, sim_json]
    compare.click(similarity, sim_in, sim_out, api_name="similarity", show_progress="minimal",
                  show_progress_on=[sim_status])
    query.submit(similarity, sim_in, sim_out, **hidden)
    inputs.wire(vinp).success(image_views, img_in, img_out, **hidden)
    gr.on([vlayer.release, vhead.input, vtoken.submit], image_views, img_in, img_out, trigger_mode="always_last",
          **hidden)
    vpanels.select(pick_patch, None, [vtoken], **hidden).success(image_views, img_in, img_out, **hidden)
    for ev in draw_events(tab, shown, lang):
        ev.success(text_views, text_in, text_out, **hidden).success(similarity, sim_in, sim_out, **hidden).success(
            image_views, img_in, img_out, **hidden)
    return vinp  # for the send-to bar (explorer.ui.send)
