"""explorer.attention.views: the figures keep repeated words apart, draw what they say, and the
ViT picture maps a click back to the right patch."""
import numpy as np
import pytest

from explorer.attention import views as av

LABELS = ["[CLS]", "the", "cat", "saw", "the", "dog", "[SEP]"]


def _rows(n, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.random((n, n))
    return m / m.sum(1, keepdims=True)


def test_matrix_keeps_repeated_words_apart_and_frames_the_row():
    m = _rows(len(LABELS))
    fig = av.matrix_figure(LABELS, m, "en", "t", selected=4)
    hm = fig.data[0]
    assert np.asarray(hm.z).shape == (7, 7)  # two "the" → still 7 columns
    assert list(fig.layout.xaxis.ticktext) == LABELS
    rect = fig.layout.shapes[0]
    assert (rect.y0, rect.y1) == (3.5, 4.5)
    assert "looks at" in hm.hovertemplate
    assert "mira a" in av.matrix_figure(LABELS, m, "es", "t").data[0].hovertemplate


def test_head_view_draws_the_selected_words_lines_by_weight():
    n = len(LABELS)
    m = np.zeros((n, n))
    m[:, 0] = 1.0
    m[2] = [0, 0.05, 0, 0, 0, 0.9, 0.05]  # "cat" looks at "dog"
    fig = av.head_view_figure(LABELS, m, "en", "t", selected=2)
    lines = [tr for tr in fig.data if tr.mode == "lines" and tr.line.color != "#9aa5b1"]
    drawn = {(tr.x[i], tr.y[i], tr.x[i + 1], tr.y[i + 1]) for tr in lines for i in range(0, len(tr.x), 3)}
    assert drawn == {(0, 2, 1, 1), (0, 2, 1, 5), (0, 2, 1, 6)}
    strongest = max(lines, key=lambda tr: tr.opacity)
    assert list(strongest.y[:2]) == [2, 5]
    context = [tr for tr in fig.data if tr.mode == "lines" and tr.line.color == "#9aa5b1"]
    assert len(context) == 1 and len(context[0].x) == 3 * (n - 1)  # every other word → [CLS], faint


def test_small_multiples_put_every_head_in_its_place():
    H, T = 12, 7
    att = np.stack([_rows(T, s) for s in range(H)])
    patterns = [{"kind": "broad", "score": {}, "entropy": 2.0}] * H
    fig = av.heads_figure(LABELS, att, patterns, "en", layer=0, selected_head=5)
    z = np.asarray(fig.data[0].z, dtype=float)
    size = T + max(1, T // 8)
    r, c = divmod(5, 4)
    np.testing.assert_allclose(z[r * size:r * size + T, c * size:c * size + T], att[5], rtol=1e-6)
    assert np.isnan(z[T, 0])  # the gap between rows of heads
    assert len(fig.layout.annotations) == H and len(fig.layout.shapes) == 1


def test_token_heads_and_json_summary():
    from explorer.attention import compute as attention

    v = attention.view(attention.EXAMPLES["en"][0], "minilm")
    ti = v.labels.index("it")
    fig = av.token_heads_figure(v.labels, v.matrices, ti, "en", 3, 1)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (72, len(v.labels))
    np.testing.assert_allclose(z[3 * 12 + 1], v.matrices[3, 1, ti])
    s = av.text_summary(v.attention, v.labels, v.matrices, 3, 1, ti, v.rollout, v.patterns, "words")
    assert s["tokens"][s["token"]] == "it" and len(s["matrix"]) == len(v.labels)
    assert np.array(s["token_rows"]).shape == (6, 12, len(v.labels))
    assert s["model"] == "minilm" and s["pieces"] == v.attention.tokens and "##" not in "".join(s["tokens"])
    # the multilingual model: 12 layers, its pieces as SentencePiece writes them, both models' pieces
    v = attention.view(attention.EXAMPLES["es"][1], "multilingual")
    cmp = attention.compare_tokens(v.attention.text)
    s = av.text_summary(v.attention, v.labels, v.matrices, 8, 8, 1, v.rollout, v.patterns, "words", cmp)
    assert s["model"] == "multilingual" and s["layers"] == 12 and np.array(s["token_rows"]).shape[:2] == (12, 12)
    assert "▁policía" in s["pieces"] and s["pieces_by_model"]["minilm"][:3] == ["[CLS]", "los", "ve"]
    md = av.tokens_markdown(cmp, "multilingual", "es")
    assert md.index("multilingual-e5-small") < md.index("all-MiniLM-L6-v2") and "`▁policía`" in md


@pytest.mark.parametrize("token", [1, 7, 25, 49])
def test_a_click_on_any_tile_finds_its_patch(token):
    r, c = divmod(token - 1, 7)
    cell = av.VIT_TILE / 7
    for tile in range(4):
        x = 8 + tile * (av.VIT_TILE + av.VIT_GAP) + (c + 0.5) * cell
        y = av.VIT_TOP + av.VIT_HEAD + (r + 0.5) * cell
        assert av.vit_panel_patch(x, y, 7) == token
    assert av.vit_panel_patch(2, 2, 7) is None  # the margin
    assert av.vit_panel_patch(8 + av.VIT_TILE + 3, av.VIT_TOP + av.VIT_HEAD + 5, 7) is None  # between tiles


def test_similarity_bars_are_sorted():
    fig = av.similarity_figure("q", ["a", "b", "c"], [0.1, 0.9, -0.2], "en")
    assert list(fig.data[0].x) == [-0.2, 0.1, 0.9]  # bottom to top: the best on top
    assert list(fig.layout.yaxis.ticktext) == ["c", "a", "b"]
