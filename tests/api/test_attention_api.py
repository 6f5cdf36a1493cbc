"""The Attention tab driven as a script would: gradio_client against the launched app."""
import numpy as np
import pytest
import torch
from gradio_client.exceptions import AppError

from explorer import text as textmodels
from explorer.attention import compute as attention
from tests.conftest import api_client as client

pytestmark = pytest.mark.slow

ANIMAL = attention.EXAMPLES["en"][0]


def text_views(c, text=ANIMAL, unit="words", layer=4, head=1, token=None, lang="en", model="minilm"):
    return c.predict(text, unit, layer, head, token, lang, model, api_name="/attention_text")


def test_endpoints_are_named(app_url):
    names = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/attention_text", "/attention_preset", "/similarity", "/attention_image"} <= names


def test_json_matrices_equal_transformers_output_attentions(app_url):
    c = client(app_url)
    out = text_views(c, unit="pieces", layer=2, head=7, token=3)
    s = out[9]
    tok, model = textmodels.minilm()
    enc = tok(ANIMAL, return_tensors="pt")
    with torch.inference_mode():
        ref = torch.stack(model(**enc, output_attentions=True).attentions)[:, 0].numpy()  # (L, H, T, T)
    assert s["word_pieces"] == tok.convert_ids_to_tokens(enc["input_ids"][0])
    m = np.array(s["matrix"])
    assert m.shape == ref.shape[2:] and np.abs(m - ref[1, 7]).max() < 1e-5
    np.testing.assert_allclose(m.sum(1), 1.0, atol=1e-5)
    rows = np.array(s["token_rows"])  # (L, H, T): token 3 in every head
    assert np.abs(rows - ref[:, :, 3, :]).max() < 1e-5
    np.testing.assert_allclose(np.array(s["rollout"]).sum(1), 1.0, atol=1e-5)
    assert (s["layer"], s["head"], s["token"], s["token_text"]) == (2, 7, 3, "didn")  # layer 1-based, head 0-based
    assert out[10]["value"] == 3 and len(out[10]["choices"]) == len(s["tokens"])
    assert s["model"] == "minilm" and s["pieces"] == s["word_pieces"] and "pol" not in s["pieces"]


def test_the_multilingual_model_over_the_api(app_url):
    """The default model: its JSON names it, gives its pieces, and its matrices are the torch
    module's own (12 layers); a call written before the model parameter existed still works."""
    from models import e5_small

    c = client(app_url)
    text = attention.EXAMPLES["es"][1]
    status, tokens, *_, s, _tok = c.predict(text, "pieces", 9, 8, None, "es", "multilingual",
                                            api_name="/attention_text")
    assert s["model"] == "multilingual" and "e5" in s["model_name"] and s["layers"] == 12
    assert "▁policía" in s["pieces"] and s["pieces_by_model"]["minilm"][10:12] == ["pol", "##icia"]
    assert "multilingual-e5-small" in status and "`▁policía`" in tokens and "`##icia`" in tokens
    enc, out = e5_small.load().attend(text)
    assert s["pieces"] == enc.pieces
    ref = out.attentions[8][0, 8].numpy()
    assert np.abs(np.array(s["matrix"]) - ref).max() < 1e-5
    old = c.predict(text, "words", 9, 8, None, "es", api_name="/attention_text")  # no model: multilingual
    assert old[9]["model"] == "multilingual" and old[9]["token_text"] == "ellos"
    with pytest.raises(AppError, match="1 a 6"):
        c.predict(text, "words", 9, 8, None, "es", "minilm", api_name="/attention_text")
    # (a model outside the schema's choices meets Gradio's own check; the handler's: test_ui_attention)


def test_the_pronoun_in_both_languages(app_url):
    c = client(app_url)
    status, *_, s, _tok = text_views(c, token=None, lang="es")  # the example's word: "it"
    assert s["token_text"] == "it" and "«animal»" in status and "mira sobre todo" in status
    assert len(s["head_patterns"]) == 6 and len(s["head_patterns"][0]) == 12
    text, model, unit, layer, head, tok, lesson = c.predict("pronoun_es", "words", "es", api_name="/attention_preset")
    assert (model, unit, layer["value"], layer["maximum"], head) == ("multilingual", "words", 9, 12, 8)
    assert "niños" in text and "0,62" in lesson
    status, *_, s, _tok = text_views(c, text=text, layer=layer["value"], head=head, token=tok["value"], lang="es",
                                     model=model)
    assert s["token_text"] == "ellos" and "«niños»" in status
    real = [j for j, w in enumerate(s["tokens"]) if w not in ("<s>", "</s>")]
    assert max(real, key=lambda j: s["row"][j]) == s["tokens"].index("niños")
    mean = text_views(c, head="mean")[9]
    assert mean["head"] == "mean" and np.allclose(np.array(mean["matrix"]).sum(1), 1, atol=1e-5)


@pytest.mark.parametrize("text", ["😀🎉 ¿Qué tiene la IA para mi archivo? café naïve", "tab\there\x00\x1b[31m ok"])
def test_emoji_accents_and_control_characters(app_url, text):
    for model, first in (("minilm", "[CLS]"), ("multilingual", "<s>")):
        s = text_views(client(app_url), text=text, token=1, model=model)[9]
        assert s["tokens"][0] == first and np.isfinite(np.array(s["matrix"])).all()
    assert all("\x00" not in tk and "\x1b" not in tk for tk in s["tokens"])


def test_ten_thousand_characters_are_cut_with_a_message(app_url):
    status, *_, s, _tok = text_views(client(app_url), text="El archivo guarda cartas antiguas. " * 286, token=1,
                                     lang="es")
    assert s["truncated"] and len(s["word_pieces"]) == s["token_limit"] == 128
    assert "128" in status and "solo se muestran" in status


@pytest.mark.parametrize("args, message", [
    (dict(text=""), "the text is empty"),
    (dict(text=" \x00\x07 "), "the text is empty"),
    (dict(text="Vacío", lang="es", token=""), None),  # empty token: the default word
    (dict(token=99), "from 0 to 15"),
    (dict(token=-1), "from 0 to 15"),
])
def test_bad_input_gets_a_message(app_url, args, message):
    c = client(app_url)
    if message is None:
        assert text_views(c, **args)[9]["token"] == 1
        return
    with pytest.raises(AppError, match=message):
        text_views(c, **args)


def test_similarity_ranks_and_refuses_empty_lists(app_url):
    c = client(app_url)
    _status, _plot, _vec, s = c.predict("A man is playing a guitar.",
                                       "The stock market fell.\n\n  \nSomeone plays the guitar.\n\x00",
                                       "en", "minilm", api_name="/similarity")
    assert s["sentences"] == ["Someone plays the guitar.", "The stock market fell."]
    assert s["cosine"][0] > 0.6 > s["cosine"][1] and s["dimensions"] == 384 and s["model"] == "minilm"
    e = attention.embed(["A man is playing a guitar.", "Someone plays the guitar."], "minilm")
    assert s["cosine"][0] == pytest.approx(attention.cosine(e[0], e[1]), abs=1e-5)
    # across languages: the multilingual model (the default) finds the translation, MiniLM does not
    lines = "The police arrested the thief.\nThe neighbours heard a noise in the night.\nEl mercado de valores cayó."
    multi = c.predict("Los vecinos oyeron un ruido por la noche.", lines, "es", api_name="/similarity")[3]
    assert multi["model"] == "multilingual" and multi["sentences"][0] == "The neighbours heard a noise in the night."
    assert multi["query_tokens"][:3] == ["<s>", "▁Los", "▁vecinos"]
    with pytest.raises(AppError, match="al menos una frase"):
        c.predict("Hola", " \n\n", "es", api_name="/similarity")
    with pytest.raises(AppError, match="at most 50"):
        c.predict("Hi", "\n".join(f"line {i}" for i in range(51)), "en", api_name="/similarity")
    with pytest.raises(AppError, match="empty"):
        c.predict("", "one", "en", api_name="/similarity")


def image_views(c, source="dataset", index=0, layer=4, head="mean", token=0, lang="en", sample="cat"):
    return c.predict(source, sample, index, None, None, layer, head, token, lang, api_name="/attention_image")


def test_vit_attention_image_matches_torch(app_url, fashion):
    from explorer.attention import vit

    c = client(app_url)
    status, panels, mosaic, _probs, s = image_views(c, index=7, layer=2, head=3, token=17)
    assert (s["layer"], s["head"], s["token"]) == (2, 3, 17) and "17" in status
    x = fashion.test.floats()[7].numpy()
    ref = vit.analyse(x, backend="torch")
    m = np.array(s["matrix"])
    assert m.shape == (vit.TOKENS, vit.TOKENS) and np.abs(m - ref.attentions[1, 3]).max() < 1e-4
    np.testing.assert_allclose(m.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.array(s["token_map"]).ravel(), m[17, 1:], atol=1e-6)
    cls = np.array(s["cls_attention"])  # (L, H, g, g)
    assert cls.shape == (vit.LAYERS, vit.HEADS, vit.GRID, vit.GRID)
    np.testing.assert_allclose(cls[1, 3].ravel(), m[0, 1:], atol=1e-6)
    roll = vit.rollout(ref.attentions)
    np.testing.assert_allclose(np.array(s["rollout_map"]).ravel(), roll.matrix[17, 1:], atol=1e-4)
    assert s["vit"]["prediction"][0]["index"] == ref.pred
    assert s["cnn"]["prediction"][0]["label"] in status and np.array(s["gradcam"]).shape == (28, 28)
    assert panels.endswith(".png") and mosaic.endswith(".png")


def test_vit_on_a_photo_and_bad_values(app_url):
    c = client(app_url)
    s = image_views(c, source="sample", sample="coffee", lang="es", head=0)[4]
    assert s["head"] == 0 and s["token"] == 0 and len(s["vit"]["prediction"]) == 3
    with pytest.raises(AppError, match="de 0 a 49"):
        image_views(c, token=50, lang="es")
    with pytest.raises(AppError, match="from 0 to 49"):
        image_views(c, token=-3)
    with pytest.raises(AppError, match="from 0 to 9999"):
        image_views(c, index=10_000)
