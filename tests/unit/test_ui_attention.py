"""The Attention tab's handlers called directly, as the tab wires them but without launching the app:
the worked examples, the text views (and their cache), the similarity, the ViT views and the clicks
on its patches."""
from types import SimpleNamespace

import gradio as gr
import pytest

from explorer import memo
from explorer.attention import views as av
from explorer.attention import vit
from explorer.attention.scenarios import SCENARIOS
from explorer.ui import attention as tab


def test_a_scenario_sets_its_sentence_model_units_layer_head_word_and_lesson():
    sc = SCENARIOS["pronoun_es"]
    text, model, unit, layer, head, token, lesson = tab.apply_preset("pronoun_es", "words", "es-ES")
    assert (text, model, unit, head) == (sc["text"], "multilingual", "words", 8)  # the head's value is 0-based
    assert (layer["value"], layer["maximum"]) == (9, 12)
    labels = [label.split(" · ", 1)[1] for label, _ in token["choices"]]
    assert labels[token["value"]] == "ellos"
    assert "**0,62**" in lesson and lesson == tab.lesson_text("pronoun_es", "es")
    # MiniLM: 6 layers; in word pieces the word is its first piece ("policía" -> "pol", "##icia")
    _, model, unit, layer, _, pieces, lesson = tab.apply_preset("pronoun_es_minilm", "words", "en")
    assert (model, unit, layer["maximum"], layer["value"]) == ("minilm", "words", 6, 6) and "**0.27**" in lesson
    _, model, unit, _, _, pieces, _ = tab.apply_preset("tokens_es", "words", "en")
    assert (model, unit) == ("multilingual", "pieces")
    assert [label for label, i in pieces["choices"] if i == pieces["value"]] == [f"{pieces['value']} · ▁policía"]


def test_the_model_choice_sets_the_layers_and_a_page_opens_on_its_languages_example():
    assert tab.change_model("minilm", 9) == {"maximum": 6, "value": 6, "__type__": "update"}
    assert tab.change_model("multilingual", 4)["value"] == 4
    default = SCENARIOS[tab.DEFAULT]["text"]
    out = tab.language_default(default, "en")
    assert out[0] == "pronoun_en" and out[2] == "minilm" and out[4]["value"] == 4 and out[-1] is True
    skipped = lambda out: all(isinstance(o, type(gr.skip())) for o in out[:-1])  # noqa: E731
    assert skipped(tab.language_default(default, "es")) and tab.language_default(default, "es")[-1] is True
    assert skipped(tab.language_default("my own text", "en"))
    # the page has not decided its language yet: no choice made, the first language change makes it
    assert skipped(tab.language_default(default, None)) and tab.language_default(default, None)[-1] is False
    assert skipped(tab.language_default(default, "en", True))  # made already: a later switch keeps the text


@pytest.mark.parametrize("name", ["nope", ["pronoun_en", "pronoun_es"], None, 3])
def test_an_unknown_scenario_is_a_translated_error(name):
    choices = ", ".join(SCENARIOS)
    with pytest.raises(gr.Error) as err:
        tab.apply_preset(name, "words", "es")
    assert err.value.message == f"Ese ejemplo no existe; usa uno de: {choices}."
    with pytest.raises(gr.Error) as err:
        tab.apply_preset(name, "words", "en")
    assert choices in err.value.message and "Ese ejemplo" not in err.value.message


def test_text_views_summarise_the_chosen_head_and_are_cached():
    viewed = memo.Memo(4)
    text = SCENARIOS["pronoun_en"]["text"]
    out = tab.text_views(viewed, text, "words", 4, 1, None, "es", "minilm")
    status, tokens, *figures, summary, token = out
    assert len(figures) == 7 and all(f is not None for f in figures)
    assert tokens.index("all-MiniLM-L6-v2") < tokens.index("multilingual-e5-small") and summary["model"] == "minilm"
    assert summary["token_text"] == "it" and (summary["layer"], summary["head"]) == (4, 1)
    assert "«animal»" in status and "mira sobre todo" in status
    assert token["value"] == summary["token"] and len(token["choices"]) == len(summary["tokens"])
    again = tab.text_views(viewed, text, "words", 4, 1, None, "es", "minilm")
    assert viewed.hits == 1 and again[9] is summary  # the same views, computed once
    other = tab.text_views(viewed, text, "words", 4, 1, None, "es")  # the default model: multilingual
    assert other[9]["model"] == "multilingual" and viewed.hits == 1


@pytest.mark.parametrize("args,message", [
    (("pixels", 4, 1, None), "Unidades no válidas; usa una de: words, pieces."),
    (("words", 13, 1, None), "Capa"),
    (("words", 4, 12, None), "Cabeza"),
    (("words", 9, 1, None, "minilm"), "Capa: «9» debe ser un entero de 1 a 6."),
    (("words", 4, 1, None, "bert"), "El modelo de texto debe ser uno de: multilingual, minilm; no «bert»."),
])
def test_text_views_refuse_bad_settings_in_the_users_language(args, message):
    *args, model = args if len(args) == 5 else (*args, "multilingual")
    with pytest.raises(gr.Error) as err:
        tab.text_views(memo.Memo(4), "The cat sat on the mat.", *args, "es", model)
    assert message in err.value.message


def test_similarity_ranks_the_lines_and_refuses_too_many():
    lines = "The stock market fell.\nA kitten lay on a rug.\n\n"
    status, _, _, summary = tab.similarity("A cat sat on the mat.", lines, "en", "minilm")
    assert summary["sentences"] == ["A kitten lay on a rug.", "The stock market fell."]
    assert summary["model"] == "minilm" and summary["query_tokens"][:3] == ["[CLS]", "a", "cat"]
    assert summary["cosine"][0] > summary["cosine"][1] and summary["dimensions"] == 384
    assert "A kitten lay on a rug." in status
    with pytest.raises(gr.Error) as err:
        tab.similarity("q", "\n".join(["x"] * (tab.MAX_SENTENCES + 1)), "es")
    assert err.value.message == f"Hay {tab.MAX_SENTENCES + 1} frases; se comparan como mucho 50 a la vez."


def test_the_default_similarity_puts_the_translation_first_only_in_the_multilingual_model():
    """What the section opens on: a Spanish sentence, its English translation, and unrelated
    sentences in each language."""
    lines = "\n".join(tab.DEFAULT_LIST)
    translation = tab.DEFAULT_LIST[0]
    _, _, _, multi = tab.similarity(tab.SIM_QUERY, lines, "es")
    assert multi["model"] == "multilingual" and multi["prefix"] == "query: "
    assert multi["sentences"][0] == translation and multi["cosine"][0] - multi["cosine"][1] > 0.03
    _, _, _, mini = tab.similarity(tab.SIM_QUERY, lines, "es", "minilm")
    assert mini["sentences"][0] != translation and mini["sentences"].index(translation) >= 2


def test_a_token_keeps_its_place_when_the_unit_changes():
    text = SCENARIOS["pronoun_es_neighbours"]["text"]  # "ellos" is two pieces: "el", "##los"
    words = tab.apply_preset("pronoun_es_minilm", "words", "en")[5]
    piece = tab.convert_token(text, "pieces", words["value"], "minilm")
    assert tab.convert_token(text, "words", piece, "minilm") == words["value"]
    assert tab.convert_token(text, "words", piece + 1, "minilm") == words["value"]  # "##los" is "ellos" too
    assert tab.convert_token("", "pieces", 1, "minilm") is None and tab.forget_token() is None
    assert tab.convert_token(text, "pieces", 1, "gpt") is None


def test_image_views_and_a_click_on_a_patch():
    status, panels, mosaic, _probs, summary = tab.image_views("sample", "coffee", 0, None, None, 2, "mean", 9, "en")
    assert (summary["layer"], summary["head"], summary["token"]) == (2, "mean", 9)
    assert len(summary["matrix"]) == vit.TOKENS and "patch 9 (row 2, col. 2)" in status
    assert panels.width > mosaic.width / 2
    # a click in the first tile's top-left patch selects patch 1; between tiles nothing (the chain ends)
    y0 = av.VIT_TOP + av.VIT_HEAD
    assert tab.pick_patch(SimpleNamespace(index=[10, y0 + 2])) == 1
    with pytest.raises(gr.Error):
        tab.pick_patch(SimpleNamespace(index=[2, 2]))
    with pytest.raises(gr.Error) as err:
        tab.image_views("sample", "coffee", 0, None, None, 2, "mean", 50, "es")
    assert "Token que mira" in err.value.message
