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
