"""What a transformer looks at in a sentence: the attention matrices of a text model
(``explorer.text``: multilingual-e5-small, 12 layers × 12 heads, or all-MiniLM-L6-v2, 6 × 12),
attention rollout across layers, and sentence embeddings with their cosine similarity. Pure logic
(torch), no UI.

Attention of layer l, head h is softmax(Q Kᵀ / √d) (Vaswani et al. 2017): row i is how much token
i takes from every token j, so every row sums to 1.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from explorer import text as textmodels
from explorer.text import (  # noqa: F401 (the tab's API)
    DEFAULT_MODEL,
    INFO,
    MODELS,
    Comparison,
    TextError,
    check_model,
    clean,
    compare_tokens,
    is_blank,
    tokenize,
)

MAX_TOKENS = 128  # tokens shown (with the first and last special tokens); longer text is cut, and the caller told
HEADS = 12  # both models
LAYERS = max(i.layers for i in INFO.values())  # the most any model has (12); per model: layers_of


def layers_of(model: str) -> int:
    return INFO[check_model(model)].layers


EXAMPLES = {
    "en": ["The animal didn't cross the street because it was too tired.",
           "The animal didn't cross the street because it was too wide.",
           "The archive keeps old letters that researchers read every day.",
           "The cat sat on the mat."],
    "es": ["Los niños no comieron las manzanas porque ellos no tenían hambre.",
           "Los vecinos llamaron a la policía porque ellos oyeron un ruido.",
           "El archivo guarda cartas antiguas que los investigadores consultan cada día."],
}


@dataclass
class Attention:
    tokens: list[str]  # the pieces as the model's vocabulary writes them, with its special tokens
    attentions: np.ndarray  # (layers, heads, T, T), rows sum to 1
    hidden: np.ndarray  # (T, 384) last layer's token vectors
    truncated: bool  # the text had more than MAX_TOKENS tokens
    total_tokens: int  # how many it had
    # Where each token came from, so it can be shown as written (MiniLM lower-cases and strips
    # accents: "policía" is read as "pol", "##icia"); (0, 0) for the special tokens.
    text: str = ""
    offsets: list[tuple[int, int]] = field(default_factory=list)
    word_ids: list[int | None] = field(default_factory=list)  # the word each token belongs to
    model: str = "minilm"
    shown: list[str] = field(default_factory=list)  # each piece as written, marked as its model marks pieces

    @property
    def labels(self) -> list[str]:
        """Each piece as written in the text: "##" before a WordPiece piece that continues a word,
        "▁" before a SentencePiece piece that starts one."""
        return list(self.shown) or list(self.tokens)


def attend(text: str, model: str = DEFAULT_MODEL, max_tokens: int = MAX_TOKENS) -> Attention:
    """Every layer's and head's attention matrix for ``text`` in ``model``."""
    return _attend(clean(text), check_model(model), max_tokens)


@lru_cache(maxsize=16)
def _attend(text: str, model: str, max_tokens: int) -> Attention:
    # Cached: changing the layer, head or token in the tab redraws without running the model again.
    # The arrays are shared between callers and marked read-only; float32 as the model computes them
    # (a 128-token text in the 12-layer model: 12 × 12 × 128² × 4 bytes = 9.4 MB; most are ~30 tokens, 0.5 MB).
    tokens, att, hidden = textmodels.attend(text, model, max_tokens)
    att.flags.writeable = hidden.flags.writeable = False
    return Attention(tokens.pieces, att, hidden, tokens.truncated, tokens.total, text, tokens.offsets,
                     tokens.word_ids, model, tokens.labels())


def word_groups(a: Attention) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The words of the text as written, and the matrices that turn token attention into word
    attention (Clark et al. 2019, §3): ``from_word`` (W, T) averages the rows of a word's pieces,
    ``to_word`` (T, W) sums its columns, so ``from_word @ A @ to_word`` still has rows summing to 1.
    [CLS] and [SEP] stay as they are."""
    ids = a.word_ids or [None] * len(a.tokens)
    groups: list[list[int]] = []
    for i, w in enumerate(ids):
        if w is not None and groups and ids[groups[-1][0]] == w:
            groups[-1].append(i)
        else:
            groups.append([i])
    offsets = a.offsets or [(0, 0)] * len(a.tokens)
    words = []
    for g in groups:
        start, end = offsets[g[0]][0], offsets[g[-1]][1]
        words.append(a.text[start:end] if end > start else a.tokens[g[0]])
    to_word = np.zeros((len(a.tokens), len(groups)))
    for k, g in enumerate(groups):
        to_word[g, k] = 1.0
    return words, (to_word / to_word.sum(axis=0)).T, to_word


def merge_words(a: Attention) -> tuple[list[str], np.ndarray]:
    """(words as written, (L, H, W, W)): attention between words instead of word pieces."""
    words, from_word, to_word = word_groups(a)
    return words, from_word @ a.attentions @ to_word


UNITS = ("words", "pieces")


def find_word(a: Attention, unit: str, word: str) -> int | None:
    """The index of ``word`` (as written) among the ``unit`` labels: the word itself, or in word
    pieces its first piece. None when the text does not contain it."""
    words, _, to_word = word_groups(a)
    if word not in words:
        return None
    w = words.index(word)
    return w if unit == "words" else int(np.nonzero(to_word[:, w])[0][0])


def convert_index(a: Attention, index: int, from_unit: str, to_unit: str) -> int:
    """The same place in the text in the other unit: a word → its first piece; a piece → its word."""
    if from_unit == to_unit:
        return index
    _, _, to_word = word_groups(a)  # (pieces, words)
    if from_unit == "words":
        return int(np.nonzero(to_word[:, index])[0][0])
    return int(np.nonzero(to_word[index])[0][0])


@dataclass
class View:
    """What the tab draws for one text, in words or in word pieces."""
    attention: Attention
    unit: str
    labels: list[str]  # the tokens on the axes
    matrices: np.ndarray  # (L, H, N, N)
    rollout: np.ndarray  # (N, N): computed on word pieces, then merged like the matrices
    patterns: list[list[dict]]


def view(text: str, model: str = DEFAULT_MODEL, unit: str = "words") -> View:
    """Everything the text views need: the attention of every head and the rollout, merged into
    words (``unit="words"``) or left as the tokenizer's word pieces."""
    a = attend(text, model)
    roll = rollout(a.attentions)
    if unit == "words":
        labels, from_word, to_word = word_groups(a)
        matrices, roll = from_word @ a.attentions @ to_word, from_word @ roll @ to_word
    else:
        labels, matrices = a.labels, a.attentions
    return View(a, unit, labels, matrices, roll, head_patterns(matrices, labels))


# What a head mostly does, measured on this sentence (Clark et al. 2019 found such heads in BERT;
# the course notes show heads that follow the previous word, the end of the sentence...).
PATTERNS = ("previous", "next", "self", "cls", "sep", "punct")
PATTERN_THRESHOLD = 0.5  # a head is named after a pattern taking at least half its attention


def head_patterns(attentions: np.ndarray, tokens: list[str]) -> list[list[dict]]:
    """For each layer and head, the mean attention (over the sentence's real tokens) given to the
    previous token, the next, itself, the first special token ([CLS], <s>), the last ([SEP], </s>)
    and punctuation; ``kind`` is the largest when it
    reaches :data:`PATTERN_THRESHOLD`, else "broad". ``entropy`` is the mean row entropy in bits."""
    L, H, T, _ = attentions.shape
    firsts = {i.first for i in INFO.values()}
    lasts = {i.last for i in INFO.values()}
    cls = [0] if T and tokens[0] in firsts else []  # each model's first and last special token
    sep = [T - 1] if T and tokens[-1] in lasts else []
    special = set(cls + sep)
    real = [i for i in range(T) if i not in special] or list(range(T))
    rows = np.array(real)
    punct = [j for j in real if len(tokens[j].removeprefix("\u2581")) == 1
             and unicodedata.category(tokens[j].removeprefix("\u2581"))[0] == "P"]
    out = []
    for layer in range(L):
        row = []
        for head in range(H):
            a = attentions[layer, head]
            score = {
                "previous": float(np.mean([a[i, i - 1] for i in rows if i > 0])) if len(rows) else 0.0,
                "next": float(np.mean([a[i, i + 1] for i in rows if i + 1 < T])) if len(rows) else 0.0,
                "self": float(a[rows, rows].mean()),
                "cls": float(a[rows][:, cls].sum(1).mean()) if cls else 0.0,
                "sep": float(a[rows][:, sep].sum(1).mean()) if sep else 0.0,
                "punct": float(a[rows][:, punct].sum(1).mean()) if punct else 0.0,
            }
            best = max(PATTERNS, key=score.get)
            p = np.clip(a[rows], 1e-12, 1.0)
            row.append({"kind": best if score[best] >= PATTERN_THRESHOLD else "broad", "score": score,
                        "entropy": float(-(p * np.log2(p)).sum(1).mean())})
        out.append(row)
    return out


def rollout(attentions: np.ndarray, residual: float = 0.5) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020, eq. 1): each layer's head-averaged attention mixed
    with the identity for the residual connection, Ã = residual·I + (1 − residual)·A, rows
    renormalised, multiplied from the first layer up. Row i: how much of token i's final vector
    comes from each input token. Rows sum to 1. ``attentions``: (L, H, T, T)."""
    a = attentions.mean(axis=1)  # (L, T, T)
    eye = np.eye(a.shape[-1])
    out = eye
    for layer in a:
        mixed = residual * eye + (1 - residual) * layer
        mixed = mixed / mixed.sum(axis=-1, keepdims=True)
        out = mixed @ out
    return out


def embed(texts: list[str], model: str = DEFAULT_MODEL) -> np.ndarray:
    """Sentence embeddings (N, 384), L2-normalised, for comparing texts with each other (the
    multilingual model's "query: " prefix on each: ``explorer.text``)."""
    return textmodels.embed(texts, model, "query")


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """cos θ = a·b / (‖a‖ ‖b‖)."""
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def warm_up() -> None:
    """Load both models and run one sentence through each (a few seconds, once per process)."""
    for m in MODELS:
        view(EXAMPLES["es"][1], m)
