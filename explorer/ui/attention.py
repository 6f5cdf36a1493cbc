"""The Attention tab: what a transformer looks at. A sentence through a text model of
``explorer.text`` — multilingual-e5-small (12 layers × 12 heads, reads Spanish; the default) or
all-MiniLM-L6-v2 (6 × 12, English only) —, how each of the two cuts it into pieces, one head's
matrix, a head view in the style of bertviz, every head of a layer, one word's row in every head,
and attention rollout; sentence embeddings and their cosine similarity (a Spanish sentence beside
its English translation); and a small Vision Transformer's attention over the patches of a
Fashion-MNIST image, beside the CNN's Grad-CAM. The work is in ``explorer.attention.compute`` and
``explorer.attention.vit``; the worked examples in ``explorer.attention.scenarios``; the pictures in
``explorer.attention.views``.

Read top to bottom: the handlers (module-level, their dependencies as leading parameters), then one
builder per section (text, similarity, image), then ``build`` that lays them out and wires them.

API (gradio_client): ``/attention_text``, ``/attention_preset``, ``/similarity``,
``/attention_image``.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import gradio as gr
import numpy as np

from explorer import images, memo, nets
from explorer.attention import compute as attention
from explorer.attention import views as av
from explorer.attention import vit
from explorer.attention.scenarios import DEFAULT, DEFAULTS, SCENARIOS, word_of
from explorer.i18n import num, t
from explorer.saliency import compute as saliency
from explorer.session import SessionStore
from explorer.ui import inputs
from explorer.ui.common import NEXT_SCENARIO, L, draw_events, friendly, int_in, lang_of, shown_flag, user_error
from explorer.ui.components import Dropdown, Number, OutputImage, RangeFreeSlider, Slider
from explorer.ui.wiring import HIDDEN, bind, end_chain, json_panel, lesson_handler, next_scenario_event

HEADS = [(str(h + 1), h) for h in range(attention.HEADS)]
MAX_SENTENCES = 50  # lines compared at once
# What a multilingual space is: a Spanish sentence, its English translation, and a sentence unrelated
# to it in each language (measured in tests/unit/test_attention_scenarios.py: the translation comes
# first with the multilingual model, not with MiniLM)
SIM_QUERY = "El archivo guarda cartas antiguas que los investigadores consultan cada día."
DEFAULT_LIST = ["The archive keeps old letters that researchers consult every day.",
                "Los vecinos llamaron a la policía porque oyeron un ruido.",
                "The neighbours called the police because they heard a noise.",
                "En la biblioteca se conservan manuscritos del siglo XVI.",
                "The stock market fell sharply today."]


def _model(value, lang: str) -> str:
    """A text model's key, or a translated error naming the choices."""
    if value not in attention.MODELS:
        raise user_error(lang, "err_text_model", choices=", ".join(attention.MODELS), value=str(value)[:40])
    return value


# ---- text: one sentence's attention -------------------------------------------------------------

def _head(value, lang: str):
    return "mean" if value == "mean" else int_in(value, 0, attention.HEADS - 1, lang, "attention_head_label")


def _token_choices(labels: list[str]):
    return [(f"{i} · {lab}", i) for i, lab in enumerate(labels)]


def _default_token(v: attention.View, text: str | None = None) -> int:
    """The word a worked example is about (its first piece, in word pieces), else the first word
    after [CLS]."""
    word = word_of(text)
    i = attention.find_word(v.attention, v.unit, word) if word is not None else None
    if i is not None:
        return i
    return 1 if len(v.labels) > 2 else 0


@friendly
def text_views(viewed: memo.Memo, text_v, unit_v, layer_v, head_v, token_v, lang, model_v="multilingual"):
    """A text model's attention for a sentence (``model``: "multilingual", multilingual-e5-small with
    12 layers, or "minilm", all-MiniLM-L6-v2 with 6): how both models cut it into pieces, the head
    view and the matrix of one layer and head (1-12 or 1-6, 0-11 or "mean"), the chosen token's row
    (0-based, in words or pieces), every head of the layer, the token's row in every head, and
    attention rollout. JSON: the model, the tokens as it reads them, the matrices as nested lists."""
    # the same sentence and settings give everyone the same views (explorer.memo): a class on
    # one example computes them once; the token dropdown's update is made fresh for each caller
    key = memo.key_of("attention_text", text_v, unit_v, layer_v, head_v, token_v, lang, model_v)
    views, choices, ti = viewed.get_or_make(
        key, lambda: _text_views(text_v, unit_v, layer_v, head_v, token_v, lang, model_v))
    return (*views, gr.update(choices=choices, value=ti))


def _text_views(text_v, unit_v, layer_v, head_v, token_v, lang, model_v):
    """The views of ``text_views`` (status, tokens, 7 figures, JSON), the token choices and the token."""
    model = _model(model_v, lang)
    if unit_v not in attention.UNITS:
        raise user_error(lang, "err_attention_unit", choices=", ".join(attention.UNITS))
    n_layers = attention.layers_of(model)
    li = int_in(layer_v, 1, n_layers, lang, "attention_layer_label") - 1
    hi = _head(head_v, lang)
    v = attention.view(text_v, model, unit_v)
    n = len(v.labels)
    tok = _default_token(v, text_v) if token_v in (None, "") else token_v
    ti = int_in(tok, 0, n - 1, lang, "attention_token_label")
    m = av.select(v.matrices, li, hi)
    name = t(lang, "attention_layer_head", layer=li + 1, head=av.head_name(hi, lang))
    word = av.escape(v.labels[ti])
    shown = [av.escape(w) for w in v.labels]  # Plotly reads "<s>" as a tag
    compared = attention.compare_tokens(v.attention.text, attention.MAX_TOKENS)
    return (
        _text_status(v, m[ti], ti, li, hi, lang),
        av.tokens_markdown(compared, model, lang),
        av.head_view_figure(shown, m, lang, t(lang, "attention_head_view_title", name=name), ti),
        av.matrix_figure(shown, m, lang, name, ti),
        av.row_figure(shown, m[ti], lang, t(lang, "attention_row_title", token=word, name=name)),
        av.heads_figure(shown, v.matrices[li], v.patterns[li], lang, li, hi),
        av.token_heads_figure(shown, v.matrices, ti, lang, li, hi),
        av.matrix_figure(shown, v.rollout, lang, t(lang, "attention_rollout_title", n=n_layers), ti,
                         colorbar=t(lang, "attention_share")),
        av.row_figure(shown, v.rollout[ti], lang, t(lang, "attention_rollout_row_title", token=word)),
        av.text_summary(v.attention, v.labels, v.matrices, li, hi, ti, v.rollout, v.patterns, v.unit, compared),
    ), _token_choices(v.labels), ti


def _text_status(v: attention.View, row: np.ndarray, ti: int, li: int, hi, lang: str) -> str:
    """How many tokens, whether the text was cut, and whom the chosen token looks at most."""
    n = len(v.labels)
    info = attention.INFO[v.attention.model]
    msg = t(lang, "attention_status", model=info.name.split(" ")[0].split("/")[-1], n=n,
            unit=t(lang, f"attention_unit_{v.unit}").lower(), pieces=len(v.attention.tokens),
            first=av.escape(info.first), last=av.escape(info.last))
    if v.attention.truncated:
        msg += " " + t(lang, "attention_truncated", limit=attention.MAX_TOKENS,
                       total=num(lang, v.attention.total_tokens))
    best = max((j for j in range(n) if j != ti), key=lambda j: row[j], default=ti)
    return msg + " " + t(lang, "attention_status_row", token=av.escape(v.labels[ti]), layer=li + 1,
                         head=av.head_name(hi, lang), best=av.escape(v.labels[best]), w=num(lang, row[best], 2))


@friendly
def apply_preset(key, unit_v, lang):
    """A worked example: its sentence, the model that reads it, the units, the layer, head and word
    that show the point, and its lesson (``unit`` is not used: each example sets its own; kept so
    calls written before still work)."""
    sc = SCENARIOS.get_checked(key)  # a dropdown passes a list of choices on
    v = attention.view(sc["text"], sc["model"], sc["unit"])
    ti = attention.find_word(v.attention, sc["unit"], sc["word"])
    return (sc["text"], sc["model"], sc["unit"], _layer_update(sc["model"], sc["layer"]), sc["head"] - 1,
            gr.update(choices=_token_choices(v.labels), value=ti), SCENARIOS.lesson(key, lang_of(lang)))


lesson_text = lesson_handler(SCENARIOS)


def _layer_update(model: str, value=None):
    """The layer slider for ``model``: up to its number of layers, the value kept when it fits."""
    n = attention.layers_of(model)
    if value is None:
        return gr.update(maximum=n)
    try:
        value = min(max(int(value), 1), n)
    except (TypeError, ValueError):
        value = n
    return gr.update(maximum=n, value=value)


def change_model(model_v, layer_v):
    """Another model: the layer slider gets its number of layers (the chosen layer kept if it has it)."""
    if model_v not in attention.MODELS:
        end_chain()
    return _layer_update(model_v, layer_v)


def language_default(text_v, lang, decided=False):
    """The tab's first drawing: an untouched page opens on its language's example (a Spanish page on
    a Spanish sentence read by the multilingual model, an English one on MiniLM's "it" → "animal").
    A text the user or a shared link has set is left as it is. The last output says whether the
    choice is made: not while the page has not decided its language yet (the radio is still empty
    when the tab is opened at once; its first change then makes the choice)."""
    if decided or lang not in ("es", "en"):
        return (gr.skip(),) * 8 + (bool(decided),)
    want = DEFAULTS.get(lang_of(lang), DEFAULT)
    untouched = isinstance(text_v, str) and text_v.strip() == SCENARIOS[DEFAULT]["text"]
    if not untouched or want == DEFAULT:
        return (gr.skip(),) * 8 + (True,)
    return (want, *apply_preset(want, "words", lang), True)


def forget_token():
    """A new text: its own default word, not the old one's index."""
    return None


def convert_token(text_v, unit_v, token_v, model_v):
    """The other unit: the same place in the text (a word ↔ its first piece)."""
    if unit_v not in attention.UNITS or not isinstance(token_v, int) or attention.is_blank(text_v) \
            or model_v not in attention.MODELS:
        return None
    a = attention.attend(text_v, model_v)
    other = "pieces" if unit_v == "words" else "words"
    n = len(a.tokens) if other == "pieces" else len(attention.word_groups(a)[0])
    return attention.convert_index(a, token_v, other, unit_v) if 0 <= token_v < n else None


# ---- similarity: sentence embeddings ------------------------------------------------------------

@friendly
def similarity(query_v, sentences_v, lang, model_v="multilingual"):
    """Sentence embeddings (mean of the token vectors, L2-normalised) of a text model (``model``:
    "multilingual" or "minilm") and the cosine similarity of each line of ``sentences`` to
    ``query``, highest first. JSON: the model and the query's tokens as it reads them."""
    model = _model(model_v, lang)
    if not isinstance(sentences_v, str):
        raise user_error(lang, "err_attention_no_sentences")
    lines = [s.strip() for s in sentences_v.splitlines()]
    lines = [s for s in lines if not attention.is_blank(s)]
    if not lines:
        raise user_error(lang, "err_attention_no_sentences")
    if len(lines) > MAX_SENTENCES:
        raise user_error(lang, "err_attention_too_many", n=len(lines), limit=MAX_SENTENCES)
    vecs = attention.embed([query_v, *lines], model)
    sims = [attention.cosine(vecs[0], v) for v in vecs[1:]]
    best = max(range(len(lines)), key=lambda i: sims[i])
    q = attention.clean(query_v)
    msg = t(lang, "attention_sim_status", best=av.escape(lines[best][:120]), cos=num(lang, sims[best], 3),
            n=len(lines))
    order = sorted(range(len(lines)), key=lambda i: -sims[i])
    info = attention.INFO[model]
    summary = {"model": model, "model_name": info.name, "query": q[:1000],
               "query_tokens": attention.tokenize(q, model, attention.MAX_TOKENS).pieces,
               "sentences": [lines[i][:1000] for i in order],
               "cosine": [round(sims[i], 6) for i in order], "dimensions": int(vecs.shape[1]),
               "prefix": "query: " if model == "multilingual" else None,
               "pooling": "mean of the last layer's token vectors (attention-masked), L2-normalised"}
    return (msg, av.similarity_figure(q, lines, sims, lang),
            av.vectors_figure([q] + [lines[order[0]]], vecs[[0, 1 + order[0]]], lang), summary)


# ---- image: the Vision Transformer --------------------------------------------------------------

def _token_name(ti: int, lang: str) -> str:
    if ti == 0:
        return "[CLS]"
    r, c = divmod(ti - 1, vit.GRID)
    return t(lang, "attention_vit_patch_name", n=ti, row=r + 1, col=c + 1)


@friendly
def image_views(src, smp, idx, up, sk, layer_v, head_v, token_v, lang):
    """The Fashion-MNIST Vision Transformer (4×4-pixel patches, 7×7 grid, [CLS] token; 4
    layers × 4 heads) on one image: the patch grid, where the chosen token ([CLS] = 0, or patch
    1-49) looks in the chosen layer (1-4) and head (0-3 or "mean"), attention rollout, the shipped
    CNN's Grad-CAM beside it, and every layer and head. JSON: both predictions, the chosen
    (50, 50) matrix and the maps as nested lists."""
    li = int_in(layer_v, 1, vit.LAYERS, lang, "attention_layer_label") - 1
    hi = "mean" if head_v == "mean" else int_in(head_v, 0, vit.HEADS - 1, lang, "attention_head_label")
    ti = int_in(token_v, 0, vit.NUM_PATCHES, lang, "attention_vit_token_label")
    cnn = nets.shipped_cnn()
    pre = cnn.prepare(images.load_input(src, smp, idx, up, sk), from_dataset=src == "dataset")
    x = pre.array  # (1, 28, 28) in [0, 1]
    an = vit.analyse(x)
    g = vit.GRID
    names = vit.class_names(lang)
    m = vit.head_attention(an.attentions, li, hi)
    amap = m[ti, 1:].reshape(g, g)
    rmap = vit.rollout(an.attentions).matrix[ti, 1:].reshape(g, g)
    cnn_probs = nets.probabilities(cnn, x[None])[0]
    cnn_pred = int(np.argmax(cnn_probs))
    cam = saliency.attribute(cnn, x[None], cnn_pred, "gradcam")
    tok = _token_name(ti, lang)
    head_txt = av.head_name(hi, lang)
    tiles = _vit_tiles(x, m, amap, rmap, ti, tok, t(lang, "attention_vit_where", layer=li + 1, head=head_txt),
                       (names[cnn_pred], cnn.stage(cam.params["layer"]).label, cam.map), lang)
    vit_acc = vit.shipped().metrics.get("test_acc")
    status = t(lang, "attention_vit_status", vit_label=names[an.pred], vit_p=num(lang, 100 * an.probs[an.pred], 1),
               cnn_label=names[cnn_pred], cnn_p=num(lang, 100 * cnn_probs[cnn_pred], 1),
               vit_acc=num(lang, 100 * (vit_acc or 0), 1), token=tok, layer=li + 1, head=head_txt)
    summary = _vit_summary(an, cnn_probs, cam, vit_acc, m, amap, rmap, li, hi, ti)
    probs = [(t(lang, "attention_vit_model_vit"), an.probs), (t(lang, "attention_vit_model_cnn"), cnn_probs)]
    return (status, av.vit_panels(tiles, lang), av.vit_heads_mosaic(an.image, an.attentions, ti, lang, li, hi),
            av.probs_figure(probs, names, lang), summary)


def _vit_tiles(x, m, amap, rmap, ti: int, tok: str, where: str, gradcam: tuple[str, str, np.ndarray], lang: str):
    """The four panels (title, subtitle, picture, note): the patch grid, the token's attention, its
    rollout, and the CNN's Grad-CAM (``gradcam``: its predicted label, its layer's name, its map)."""
    g, tile = vit.GRID, av.VIT_TILE
    cnn_label, cam_layer, cam_map = gradcam
    scale = lambda v: t(lang, "attention_vit_scale", vmax=num(lang, float(v), 3))  # noqa: E731
    return [
        (t(lang, "attention_vit_tile_input"),
         t(lang, "attention_vit_tile_input_sub", p=vit.PATCH_SIZE, n=vit.NUM_PATCHES),
         av.mark_patch(vit.grid_image(x, tile, numbers=True), ti, g),
         t(lang, "attention_vit_tile_input_note", token=tok)),
        (t(lang, "attention_vit_tile_attention", token=tok), where,
         av.mark_patch(vit.heat_overlay(x, amap, tile), ti, g),
         scale(amap.max()) + "\n" + t(lang, "attention_vit_self_share", w=num(lang, 100 * m[ti, ti], 1))),
        (t(lang, "attention_vit_tile_rollout", token=tok), t(lang, "attention_vit_rollout_note"),
         av.mark_patch(vit.heat_overlay(x, rmap, tile), ti, g), scale(rmap.max())),
        (t(lang, "attention_vit_tile_gradcam", label=cnn_label), t(lang, "attention_vit_gradcam_note", layer=cam_layer),
         vit.heat_overlay(x, cam_map, tile, mode="bilinear", grid_lines=False), t(lang, "attention_vit_gradcam_scale")),
    ]


def _vit_summary(an: vit.Analysis, cnn_probs, cam, vit_acc, m, amap, rmap, li: int, hi, ti: int) -> dict[str, Any]:
    """The JSON of ``/attention_image``."""
    def top(p):
        return [{"index": int(i), "label": vit.class_names("en")[i], "probability": round(float(p[i]), 6)}
                for i in np.argsort(-p)[:3]]

    return {
        "vit": {"prediction": top(an.probs), "test_acc": vit_acc},
        "cnn": {"prediction": top(cnn_probs), "gradcam_layer": cam.params["layer"]},
        "patch_size": vit.PATCH_SIZE, "grid": vit.GRID, "tokens": vit.TOKENS, "layers": vit.LAYERS,
        "heads": vit.HEADS,
        "layer": li + 1, "head": hi, "token": ti,  # as the call takes them: layer 1-based, head 0-based
        "matrix": np.round(m, 6).tolist(),
        "token_map": np.round(amap, 6).tolist(),
        "rollout_map": np.round(rmap, 6).tolist(),
        "cls_attention": [[np.round(vit.cls_attention(an.attentions, la, h), 6).tolist()
                           for h in range(vit.HEADS)] for la in range(vit.LAYERS)],
        "gradcam": np.round(cam.map, 5).tolist(),
    }


def pick_patch(evt: gr.SelectData):
    """A click on the pictures selects the patch under it."""
    x, y = evt.index if isinstance(evt.index, (list, tuple)) else (None, None)
    token_ = av.vit_panel_patch(x, y, vit.GRID) if x is not None else None
    if token_ is None:
        end_chain()
    return token_


# ---- layout -------------------------------------------------------------------------------------

class TextSection(NamedTuple):
    preset: gr.Dropdown
    next_preset: gr.Button
    lesson: gr.Markdown
    text: gr.Textbox
    model: gr.Radio
    unit: gr.Radio
    layer: gr.Slider
    head: gr.Dropdown
    token: gr.Dropdown
    run: gr.Button
    status: gr.Markdown
    views: list  # the tokens, the figures, the JSON, and the token (its choices) that /attention_text returns

    @property
    def preset_out(self) -> list:
        """What an example sets: the sentence, the model, the units, the layer, head and word, the lesson."""
        return [self.text, self.model, self.unit, self.layer, self.head, self.token, self.lesson]

    def inputs(self, lang: gr.Radio) -> list:
        # the model last: calls written before it existed still work (it defaults to multilingual)
        return [self.text, self.unit, self.layer, self.head, self.token, lang, self.model]

    @property
    def outputs(self) -> list:
        return [self.status, *self.views]


class SimilaritySection(NamedTuple):
    query: gr.Textbox
    sentences: gr.Textbox
    model: gr.Radio
    compare: gr.Button
    outputs: list  # status, the two figures, the JSON


class ImageSection(NamedTuple):
    image: inputs.ImageInputs
    layer: gr.Slider
    head: gr.Dropdown
    token: gr.Number
    run: gr.Button
    status: gr.Markdown
    panels: gr.Image
    views: list  # the mosaic, the predictions, the JSON

    def inputs(self, lang: gr.Radio) -> list:
        return [*self.image.components, self.layer, self.head, self.token, lang]

    @property
    def outputs(self) -> list:
        return [self.status, self.panels, *self.views]


def _text_controls() -> tuple:
    """The left column of the text section: the example, the sentence and what to show of it."""
    with gr.Row(equal_height=True):
        preset = gr.Dropdown([(L(sc.title_key), name) for name, sc in SCENARIOS.items()], value=DEFAULT,
                             label=L("attention_scn_label"), info=L("attention_scn_info"), elem_id="att-preset",
                             scale=4)
        next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="att-next-preset", scale=0, min_width=40,
                                elem_classes=["dle-next-preset"])
    sc = SCENARIOS[DEFAULT]
    lesson = gr.Markdown(L(sc.lesson_key), elem_id="att-lesson")
    text = gr.Textbox(sc["text"], lines=3, max_lines=8, label=L("attention_text_label"), elem_id="att-text")
    model = _model_radio("att-model")
    unit = gr.Radio([(L(f"attention_unit_{u}"), u) for u in attention.UNITS], value=sc["unit"],
                    label=L("attention_unit_label"), info=L("attention_unit_info"), elem_id="att-unit")
    # its range follows the model; text_views checks the layer against the model's own
    layer = RangeFreeSlider(1, attention.layers_of(sc["model"]), value=sc["layer"], step=1,
                            label=L("attention_layer_label"), elem_id="att-layer")
    head = Dropdown([*HEADS, (L("attention_head_mean"), "mean")], value=sc["head"] - 1,
                    label=L("attention_head_label"), elem_id="att-head")
    token = gr.Dropdown([], value=None, label=L("attention_token_label"), info=L("attention_token_info"),
                        allow_custom_value=True, elem_id="att-token")
    return preset, next_preset, lesson, text, model, unit, layer, head, token


def _model_radio(elem_id: str) -> gr.Radio:
    """The text model: the multilingual one first (the default), MiniLM to compare."""
    return gr.Radio([(L(f"attention_model_{m}"), m) for m in attention.MODELS], value=attention.DEFAULT_MODEL,
                    label=L("attention_model_label"), info=L("attention_model_info"), elem_id=elem_id)


def _text_section() -> TextSection:
    """A sentence's attention: one head (head view, matrix, the word's row), every head of the
    layer, the word in every head, and rollout across the layers."""
    gr.Markdown(L("attention_text_heading"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            controls = _text_controls()
            run = gr.Button(L("attention_run"), variant="primary", elem_id="att-run")
            status = gr.Markdown(elem_id="att-status")
        with gr.Column(scale=3):
            with gr.Row(equal_height=False):
                head_view = gr.Plot(label=L("attention_head_view_label"), elem_id="att-head-view")
                matrix = gr.Plot(label=L("attention_matrix_label"), elem_id="att-matrix")
            row = gr.Plot(label=L("attention_row_label"), elem_id="att-row")
            tokens = gr.Markdown(elem_id="att-tokens")
    with gr.Row(equal_height=False):
        heads = gr.Plot(label=L("attention_heads_label"), elem_id="att-heads")
        token_heads = gr.Plot(label=L("attention_token_heads_label"), elem_id="att-token-heads")
    gr.Markdown(L("attention_rollout_heading"))
    gr.Markdown(L("attention_rollout_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            rollout = gr.Plot(label=L("attention_rollout_label"), elem_id="att-rollout")
        with gr.Column(scale=2):
            rollout_row = gr.Plot(label=L("attention_rollout_row_label"), elem_id="att-rollout-row")
    text_json = json_panel("/attention_text", "att-json")
    token = controls[-1]
    return TextSection(*controls, run, status,
                       [tokens, head_view, matrix, row, heads, token_heads, rollout, rollout_row, text_json, token])


def _similarity_section() -> SimilaritySection:
    """Sentence embeddings: a query, the lines to compare with it, their cosine similarity."""
    gr.Markdown(L("attention_sim_heading"))
    gr.Markdown(L("attention_sim_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            query = gr.Textbox(SIM_QUERY, lines=2, label=L("attention_query_label"), elem_id="att-query")
            sentences = gr.Textbox("\n".join(DEFAULT_LIST), lines=7, max_lines=20,
                                   label=L("attention_sentences_label"), info=L("attention_sentences_info"),
                                   elem_id="att-sentences")
            model = _model_radio("att-sim-model")
            compare = gr.Button(L("attention_compare"), variant="primary", elem_id="att-compare")
        with gr.Column(scale=2):
            status = gr.Markdown(elem_id="att-sim-status")
            plot = gr.Plot(label=L("attention_sim_label"), elem_id="att-sim")
            vectors = gr.Plot(label=L("attention_vectors_label"), elem_id="att-vectors")
            sim_json = json_panel("/similarity", "att-sim-json")
    return SimilaritySection(query, sentences, model, compare, [status, plot, vectors, sim_json])


def _image_section() -> ImageSection:
    """The Vision Transformer on one image: where a token looks, beside the CNN's Grad-CAM."""
    gr.Markdown(L("attention_vit_heading"))
    gr.Markdown(L("attention_vit_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            image = inputs.build("vit", "coffee", "dataset")
            layer = Slider(1, vit.LAYERS, value=vit.LAYERS, step=1, label=L("attention_layer_label"),
                           elem_id="vit-layer")
            head = Dropdown([(str(h + 1), h) for h in range(vit.HEADS)] + [(L("attention_head_mean"), "mean")],
                            value="mean", label=L("attention_head_label"), elem_id="vit-head")
            # no minimum/maximum: out-of-range numbers get our translated message
            token = Number(0, precision=0, label=L("attention_vit_token_label"), info=L("attention_vit_token_info"),
                           elem_id="vit-token")
            run = gr.Button(L("attention_vit_run"), variant="primary", elem_id="vit-run")
        with gr.Column(scale=3):
            status = gr.Markdown(elem_id="vit-status")
            panels = OutputImage(label=L("attention_vit_panels_label"), interactive=False, elem_id="vit-panels",
                                 buttons=["download"], format="png")
            with gr.Row(equal_height=False):
                mosaic = OutputImage(label=L("attention_vit_mosaic_label"), interactive=False, elem_id="vit-mosaic",
                                     buttons=["download"], format="png")
                probs = gr.Plot(label=L("attention_vit_probs_label"), elem_id="vit-probs")
            vit_json = json_panel("/attention_image", "vit-json")
    return ImageSection(image, layer, head, token, run, status, panels, [mosaic, probs, vit_json])


# ---- wiring -------------------------------------------------------------------------------------

def _wire_text(s: TextSection, lang: gr.Radio, show_text) -> None:
    """The button (``/attention_text``), the examples (``/attention_preset`` and "next"), and a
    redraw on every change of the sentence, the unit, the layer, the head or the word."""
    s.run.click(show_text, s.inputs(lang), s.outputs, api_name="attention_text", show_progress="minimal",
                show_progress_on=[s.status])
    s.preset.input(apply_preset, [s.preset, s.unit, lang], s.preset_out, api_name="attention_preset",
                   show_progress="hidden").success(show_text, s.inputs(lang), s.outputs, **HIDDEN)
    next_scenario_event(s.next_preset, s.preset, SCENARIOS).then(
        apply_preset, [s.preset, s.unit, lang], s.preset_out, **HIDDEN).success(show_text, s.inputs(lang), s.outputs,
                                                                                **HIDDEN)
    s.text.submit(forget_token, None, [s.token], **HIDDEN, queue=False).then(show_text, s.inputs(lang), s.outputs,
                                                                             **HIDDEN)
    s.unit.input(convert_token, [s.text, s.unit, s.token, s.model], [s.token], **HIDDEN).then(
        show_text, s.inputs(lang), s.outputs, **HIDDEN)
    # another model: its own pieces, so the word is found again (forget_token), and its own layers
    s.model.input(change_model, [s.model, s.layer], [s.layer], **HIDDEN).success(
        forget_token, None, [s.token], **HIDDEN, queue=False).then(show_text, s.inputs(lang), s.outputs, **HIDDEN)
    gr.on([s.layer.release, s.head.input, s.token.input], show_text, s.inputs(lang), s.outputs,
          trigger_mode="always_last", **HIDDEN)


def _wire_similarity(s: SimilaritySection, lang: gr.Radio) -> None:
    """The button (``/similarity``) and Enter in the query."""
    args = [s.query, s.sentences, lang, s.model]  # the model last: calls written before it still work
    s.compare.click(similarity, args, s.outputs, api_name="similarity", show_progress="minimal",
                    show_progress_on=[s.outputs[0]])
    gr.on([s.query.submit, s.model.input], similarity, args, s.outputs, **HIDDEN)


def _wire_image(s: ImageSection, lang: gr.Radio) -> None:
    """The button (``/attention_image``), and a redraw on a new image, layer, head or token, or a
    click on a patch."""
    s.run.click(image_views, s.inputs(lang), s.outputs, api_name="attention_image", show_progress="minimal",
                show_progress_on=[s.status])
    inputs.wire(s.image).success(image_views, s.inputs(lang), s.outputs, **HIDDEN)
    gr.on([s.layer.release, s.head.input, s.token.submit], image_views, s.inputs(lang), s.outputs,
          trigger_mode="always_last", **HIDDEN)
    s.panels.select(pick_patch, None, [s.token], **HIDDEN).success(image_views, s.inputs(lang), s.outputs, **HIDDEN)


def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    """The tab (no handler here keeps anything per session: ``store`` is not needed)."""
    with gr.Tab(L("tab_attention"), id="attention", elem_id="tab-attention") as tab:
        shown = shown_flag()
        decided = gr.State(False)  # whether the language's example has been chosen (language_default)
        gr.Markdown(L("attention_intro"))
        text = _text_section()
        sim = _similarity_section()
        img = _image_section()
    show_text = bind(text_views, memo.Memo(64))  # one cache of views per app
    _wire_image(img, lang)
    _wire_text(text, lang, show_text)
    _wire_similarity(sim, lang)
    first, switched = draw_events(tab, shown, lang)
    # the first drawing opens an untouched page on its language's example; a language switch
    # later keeps the sentence on screen (a teacher may show a Spanish sentence in English) and
    # translates its lesson
    defaults = [text.text, lang, decided], [text.preset, *text.preset_out, decided]
    first = first.success(language_default, *defaults, **HIDDEN)
    switched = switched.success(language_default, *defaults, **HIDDEN).success(
        lesson_text, [text.preset, lang], [text.lesson], **HIDDEN)
    for ev in (first, switched):
        ev.success(show_text, text.inputs(lang), text.outputs, **HIDDEN).success(
            similarity, [sim.query, sim.sentences, lang, sim.model], sim.outputs, **HIDDEN).success(
            image_views, img.inputs(lang), img.outputs, **HIDDEN)
    return img.image  # for the send-to bar (explorer.ui.send)
