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


def test_a_scenario_sets_its_sentence_layer_head_and_word():
    sc = SCENARIOS["pronoun_es"]
    text, layer, head, token = tab.apply_preset("pronoun_es", "words", "es-ES")
    assert (text, layer, head) == (sc["text"], 6, 4)  # the head dropdown's value is 0-based
    labels = [label.split(" · ", 1)[1] for label, _ in token["choices"]]
    assert labels[token["value"]] == "ellos"
    # in word pieces the word is its first piece
    _, _, _, pieces = tab.apply_preset("pronoun_es", "pieces", "en")
    assert [label for label, i in pieces["choices"] if i == pieces["value"]] == [f"{pieces['value']} · el"]


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
    out = tab.text_views(viewed, text, "words", 4, 1, None, "es")
    status, *figures, summary, token = out
    assert len(figures) == 7 and all(f is not None for f in figures)
    assert summary["token_text"] == "it" and (summary["layer"], summary["head"]) == (4, 1)
    assert "«animal»" in status and "mira sobre todo" in status
    assert token["value"] == summary["token"] and len(token["choices"]) == len(summary["tokens"])
    again = tab.text_views(viewed, text, "words", 4, 1, None, "es")
    assert viewed.hits == 1 and again[8] is summary  # the same views, computed once


@pytest.mark.parametrize("args,message", [
    (("pixels", 4, 1, None), "Unidades no válidas; usa una de: words, pieces."),
    (("words", 9, 1, None), "Capa"),
    (("words", 4, 12, None), "Cabeza"),
])
def test_text_views_refuse_bad_settings_in_the_users_language(args, message):
    with pytest.raises(gr.Error) as err:
        tab.text_views(memo.Memo(4), "The cat sat on the mat.", *args, "es")
    assert message in err.value.message


def test_similarity_ranks_the_lines_and_refuses_too_many():
    lines = "The stock market fell.\nA kitten lay on a rug.\n\n"
    status, _, _, summary = tab.similarity("A cat sat on the mat.", lines, "en")
    assert summary["sentences"] == ["A kitten lay on a rug.", "The stock market fell."]
    assert summary["cosine"][0] > summary["cosine"][1] and summary["dimensions"] == 384
    assert "A kitten lay on a rug." in status
    with pytest.raises(gr.Error) as err:
        tab.similarity("q", "\n".join(["x"] * (tab.MAX_SENTENCES + 1)), "es")
    assert err.value.message == f"Hay {tab.MAX_SENTENCES + 1} frases; se comparan como mucho 50 a la vez."


def test_a_token_keeps_its_place_when_the_unit_changes():
    text = SCENARIOS["pronoun_es_neighbours"]["text"]  # "ellos" is two pieces: "el", "##los"
    _, _, _, words = tab.apply_preset("pronoun_es_neighbours", "words", "en")
    piece = tab.convert_token(text, "pieces", words["value"])
    assert tab.convert_token(text, "words", piece) == words["value"]
    assert tab.convert_token("", "pieces", 1) is None and tab.forget_token() is None


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
