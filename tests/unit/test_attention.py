"""explorer.attention.compute with all-MiniLM-L6-v2 (the multilingual model: tests/unit/test_e5.py and
the end of this file): its attention matrices recomputed by hand from the model's own weights, rows
that sum to 1, rollout, sentence similarity, and awkward text."""
import numpy as np
import pytest
import torch

from explorer import text as textmodels
from explorer.attention import compute as attention

ANIMAL = attention.EXAMPLES["en"][0]


@pytest.fixture(scope="module")
def att():
    return attention.attend(ANIMAL, "minilm")


def test_shapes_and_rows(att):
    L, H, T, _ = att.attentions.shape
    assert (L, H) == (6, 12) and len(att.tokens) == T and att.tokens[0] == "[CLS]" and att.tokens[-1] == "[SEP]"
    np.testing.assert_allclose(att.attentions.sum(-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(attention.rollout(att.attentions).sum(-1), 1.0, atol=1e-9)
    assert not att.truncated


@pytest.mark.parametrize("layer", [0, 3, 5])
def test_matrices_equal_softmax_qk_from_the_weights(att, layer):
    """softmax(Q Kᵀ / √d) computed by hand from the layer's input and its query/key weights."""
    tok, model = textmodels.minilm()
    enc = tok(ANIMAL, return_tensors="pt")
    with torch.inference_mode():
        hs = model(**enc, output_hidden_states=True).hidden_states[layer][0].double()
        sa = model.encoder.layer[layer].attention.self
        heads, d = sa.num_attention_heads, sa.attention_head_size
        q = (hs @ sa.query.weight.double().T + sa.query.bias.double()).view(-1, heads, d).transpose(0, 1)
        k = (hs @ sa.key.weight.double().T + sa.key.bias.double()).view(-1, heads, d).transpose(0, 1)
        ref = torch.softmax(q @ k.transpose(1, 2) / d ** 0.5, dim=-1).numpy()
    assert np.abs(att.attentions[layer] - ref).max() < 1e-5


def test_similar_sentences_are_closer():
    e = attention.embed(["A man is playing a guitar.", "Someone plays the guitar.", "The stock market fell today."],
                        "minilm")
    assert attention.cosine(e[0], e[1]) > attention.cosine(e[0], e[2]) + 0.3
    assert np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x07\x1b", None, 42])
def test_empty_text_is_refused(text):
    with pytest.raises(attention.TextError) as err:
        attention.attend(text, "minilm")
    assert err.value.kind == "text_empty"


def test_long_emoji_accented_and_control_text():
    long = attention.attend("palabra " * 2000, "minilm")
    assert long.truncated and long.total_tokens > attention.MAX_TOKENS and len(long.tokens) == attention.MAX_TOKENS
    odd = attention.attend("¿Qué tiene la IA para mi archivo? 📜✨ naïve café\x00\x1b[31m", "minilm")
    assert odd.tokens[0] == "[CLS]" and np.isfinite(odd.attentions).all()


def test_embeddings_equal_sentence_transformers():
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(textmodels.minilm_dir()), device="cpu", local_files_only=True)
    texts = ["The cat sat on the mat.", attention.EXAMPLES["es"][0]]
    ref = st.encode(texts, normalize_embeddings=True)
    assert np.abs(attention.embed(texts, "minilm") - ref).max() < 1e-5


def test_matrices_equal_a_separately_loaded_transformers_model():
    """The issue's check: transformers' own output_attentions from a model loaded afresh."""
    from transformers import AutoModel, AutoTokenizer

    path = str(textmodels.minilm_dir())
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager").eval()
    for text in (ANIMAL, attention.EXAMPLES["es"][0]):
        with torch.inference_mode():
            ref = torch.stack(model(**tok(text, return_tensors="pt"), output_attentions=True).attentions)[:, 0]
        assert np.abs(attention.attend(text, "minilm").attentions - ref.double().numpy()).max() < 1e-5


def test_words_as_written_and_word_attention():
    a = attention.attend("Los vecinos llamaron a la policía.", "minilm")
    assert "##icia" in a.tokens and "##icía" not in a.tokens  # the tokenizer strips accents
    assert "##icía" in a.labels  # shown as written
    words, merged = attention.merge_words(a)
    assert words == ["[CLS]", "Los", "vecinos", "llamaron", "a", "la", "policía", ".", "[SEP]"]
    np.testing.assert_allclose(merged.sum(-1), 1.0, atol=1e-6)  # float32 softmax
    # attention to a word is the sum over its pieces; from a word, the mean of its pieces' rows
    p = [i for i, tk in enumerate(a.tokens) if tk in ("pol", "##icia")]
    w = words.index("policía")
    np.testing.assert_allclose(merged[2, 3, 1, w], a.attentions[2, 3, 1, p].sum())
    np.testing.assert_allclose(merged[2, 3, w, 1], a.attentions[2, 3, p, 1].mean())


@pytest.mark.parametrize("unit", attention.UNITS)
def test_view_rows_and_rollout_sum_to_one(unit):
    v = attention.view(ANIMAL, "minilm", unit)
    assert v.matrices.shape[:2] == (6, 12) and v.matrices.shape[2] == len(v.labels) == v.rollout.shape[0]
    np.testing.assert_allclose(v.matrices.sum(-1), 1.0, atol=1e-6)  # float32 softmax
    np.testing.assert_allclose(v.rollout.sum(-1), 1.0, atol=1e-6)
    assert len(v.patterns) == 6 and all(len(r) == 12 for r in v.patterns)


def test_rollout_equals_the_product_written_out():
    rng = np.random.default_rng(0)
    a = rng.random((3, 2, 4, 4))
    a /= a.sum(-1, keepdims=True)
    mixed = [(0.5 * np.eye(4) + 0.5 * a[i].mean(0)) for i in range(3)]
    mixed = [m / m.sum(-1, keepdims=True) for m in mixed]
    np.testing.assert_allclose(attention.rollout(a), mixed[2] @ mixed[1] @ mixed[0])


def test_head_patterns_name_a_previous_word_head():
    T = 6
    prev = np.eye(T, k=-1)
    prev[0, 0] = 1.0
    uniform = np.full((T, T), 1 / T)
    att = np.stack([prev, uniform])[None]  # (1, 2, T, T)
    p = attention.head_patterns(att, ["[CLS]", "a", "b", "c", "d", "[SEP]"])
    assert p[0][0]["kind"] == "previous" and p[0][0]["score"]["previous"] == pytest.approx(1.0)
    assert p[0][1]["kind"] == "broad" and p[0][1]["entropy"] == pytest.approx(np.log2(T))


def test_a_word_and_its_first_piece_convert_both_ways():
    a = attention.attend("Los vecinos llamaron a la policía porque ellos oyeron un ruido.", "minilm")
    words = attention.word_groups(a)[0]
    w = words.index("ellos")
    p = attention.convert_index(a, w, "words", "pieces")
    assert a.tokens[p] == "el" and a.tokens[p + 1] == "##los"
    assert attention.convert_index(a, p + 1, "pieces", "words") == w  # the second piece → the same word
    assert attention.find_word(a, "pieces", "policía") == a.tokens.index("pol")


def test_tokenizer_is_safe_from_several_threads():
    """/similarity pads, /attention_text truncates, on one shared fast tokenizer: without the lock
    about 12 of these 4,000 calls came back with the other call's settings (tokenizers#537)."""
    from concurrent.futures import ThreadPoolExecutor

    long, pair = "word " * 50, ["a b c", "one two three four five six"]

    def one(i):
        if i % 2:
            return len(textmodels._minilm_tokenize(long, truncation=True, max_length=8)["input_ids"]) == 8
        ids = textmodels._minilm_tokenize(pair, padding=True, truncation=True, max_length=256)["input_ids"]
        return len(ids[0]) == len(ids[1]) == 8

    with ThreadPoolExecutor(4) as ex:
        assert all(ex.map(one, range(4000)))


def test_ten_thousand_characters_are_truncated_to_the_limit():
    v = attention.view("El archivo guarda cartas antiguas. " * 300, "minilm")  # 10,500 characters
    assert v.attention.truncated and len(v.attention.tokens) == attention.MAX_TOKENS
    assert v.attention.total_tokens > 1000 and np.isfinite(v.matrices).all()


def test_blank_lines():
    assert attention.is_blank("  \x00\t") and attention.is_blank("") and not attention.is_blank("ñ")


@pytest.mark.parametrize("unit", attention.UNITS)
def test_the_multilingual_model_reads_spanish_words_whole(unit):
    """12 layers, SentencePiece pieces shown with their "▁", merged into the same words MiniLM's
    pre-tokenizer makes (punctuation its own word), rows and rollout summing to 1."""
    text = "Los vecinos llamaron a la policía porque ellos oyeron un ruido."
    v = attention.view(text, "multilingual", unit)
    assert v.matrices.shape[:2] == (12, 12) and len(v.patterns) == 12
    np.testing.assert_allclose(v.matrices.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(v.rollout.sum(-1), 1.0, atol=1e-5)
    if unit == "pieces":
        assert v.labels[:3] == ["<s>", "▁Los", "▁vecinos"] and "▁policía" in v.labels and "eron" in v.labels
    else:
        assert v.labels == ["<s>"] + text[:-1].split() + [".", "</s>"]
        assert v.labels[1:-1] == attention.view(text, "minilm").labels[1:-1]  # the same words in both
    w = attention.find_word(v.attention, unit, "ellos")
    assert w is not None and attention.convert_index(v.attention, w, unit, unit) == w


def test_an_unknown_model_is_refused():
    with pytest.raises(attention.TextError) as err:
        attention.attend("hola", "gpt")
    assert err.value.kind == "text_model"
