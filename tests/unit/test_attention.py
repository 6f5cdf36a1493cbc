"""explorer.attention: MiniLM's attention matrices recomputed by hand from the model's own weights,
rows that sum to 1, rollout, sentence similarity, and awkward text."""
import numpy as np
import pytest
import torch

from explorer import attention

ANIMAL = attention.EXAMPLES["en"][0]


@pytest.fixture(scope="module")
def att():
    return attention.attend(ANIMAL)


def test_shapes_and_rows(att):
    L, H, T, _ = att.attentions.shape
    assert (L, H) == (6, 12) and T == len(att.tokens) and att.tokens[0] == "[CLS]" and att.tokens[-1] == "[SEP]"
    np.testing.assert_allclose(att.attentions.sum(-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(attention.rollout(att.attentions).sum(-1), 1.0, atol=1e-9)
    assert not att.truncated


@pytest.mark.parametrize("layer", [0, 3, 5])
def test_matrices_equal_softmax_qk_from_the_weights(att, layer):
    """softmax(Q Kᵀ / √d) computed by hand from the layer's input and its query/key weights."""
    tok, model = attention.load()
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
    e = attention.embed(["A man is playing a guitar.", "Someone plays the guitar.", "The stock market fell today."])
    assert attention.cosine(e[0], e[1]) > attention.cosine(e[0], e[2]) + 0.3
    assert np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x07\x1b", None, 42])
def test_empty_text_is_refused(text):
    with pytest.raises(attention.TextError) as err:
        attention.attend(text)
    assert err.value.kind == "text_empty"


def test_long_emoji_accented_and_control_text():
    long = attention.attend("palabra " * 2000)
    assert long.truncated and long.total_tokens > attention.MAX_TOKENS and len(long.tokens) == attention.MAX_TOKENS
    odd = attention.attend("¿Qué tiene la IA para mi archivo? 📜✨ naïve café\x00\x1b[31m")
    assert odd.tokens[0] == "[CLS]" and np.isfinite(odd.attentions).all()


def test_embeddings_equal_sentence_transformers():
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(attention.model_dir()), device="cpu", local_files_only=True)
    texts = ["The cat sat on the mat.", attention.EXAMPLES["es"][0]]
    ref = st.encode(texts, normalize_embeddings=True)
    assert np.abs(attention.embed(texts) - ref).max() < 1e-5


def test_matrices_equal_a_separately_loaded_transformers_model():
    """The issue's check: transformers' own output_attentions from a model loaded afresh."""
    from transformers import AutoModel, AutoTokenizer

    path = str(attention.model_dir())
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager").eval()
    for text in (ANIMAL, attention.EXAMPLES["es"][0]):
        with torch.inference_mode():
            ref = torch.stack(model(**tok(text, return_tensors="pt"), output_attentions=True).attentions)[:, 0]
        assert np.abs(attention.attend(text).attentions - ref.double().numpy()).max() < 1e-5


def test_words_as_written_and_word_attention():
    a = attention.attend("Los vecinos llamaron a la policía.")
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
    v = attention.view(ANIMAL, unit)
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


def test_presets_show_what_their_labels_say():
    for key, (text, layer, head, word) in attention.PRESETS.items():
        v = attention.view(text)
        assert word in v.labels, key
    v = attention.view(attention.PRESETS["pronoun_en"][0])
    row = v.matrices[3, 1, v.labels.index("it")]
    assert v.labels[int(np.argmax(row))] == "animal" and row.max() > 0.6
    wide = attention.view(attention.PRESETS["pronoun_en_wide"][0]).matrices[3, 1]
    assert wide[10, 2] < row.max() - 0.3  # less sure when the street is wide
    v = attention.view(attention.PRESETS["pronoun_es"][0])
    row = v.matrices[5, 4, v.labels.index("ellos")]
    assert v.labels[int(np.argmax(row))] == "niños"
    v = attention.view(attention.PRESETS["previous_word"][0])
    assert v.patterns[0][2]["kind"] == "previous" and v.patterns[0][2]["score"]["previous"] > 0.95


def test_ten_thousand_characters_are_truncated_to_the_limit():
    v = attention.view("El archivo guarda cartas antiguas. " * 300)  # 10,500 characters
    assert v.attention.truncated and len(v.attention.tokens) == attention.MAX_TOKENS
    assert v.attention.total_tokens > 1000 and np.isfinite(v.matrices).all()


def test_blank_lines():
    assert attention.is_blank("  \x00\t") and attention.is_blank("") and not attention.is_blank("ñ")
