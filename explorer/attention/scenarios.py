"""Teaching scenarios for the Attention tab: a sentence, the model that reads it, the units, and the
layer and head (both 1-based, as the tab shows them and the titles name them) and the word that show
the point. Titles are ``attention_scn_<name>``, lessons ``attention_scn_<name>_lesson`` in
``explorer/locales``; ``tests/unit/test_attention_scenarios.py`` re-measures every figure they quote.

The Spanish examples are read by the multilingual model (it reads Spanish: «policía» is one piece);
the English ones keep all-MiniLM-L6-v2, the model bertviz and most tutorials show, and one Spanish
sentence is given to MiniLM as well, to compare. Measured figures: see the lessons (words view).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explorer.attention.compute import EXAMPLES, HEADS, UNITS, is_blank, layers_of
from explorer.scenario import Scenarios
from explorer.text import MODELS


def check(settings: Mapping[str, Any]) -> None:
    """A scenario fits the tab: a sentence, a model, units, a layer the model has and a head 1-12
    (as shown), and a word of the sentence."""
    text, model, unit, layer, head, word = (settings[k] for k in ("text", "model", "unit", "layer", "head", "word"))
    if not isinstance(text, str) or is_blank(text):
        raise ValueError(f"a scenario needs a sentence, not {text!r}")
    if model not in MODELS or unit not in UNITS:
        raise ValueError(f"model {model!r}, units {unit!r}: not one of {MODELS}, {UNITS}")
    if not (isinstance(layer, int) and 1 <= layer <= layers_of(model) and isinstance(head, int) and 1 <= head <= HEADS):
        raise ValueError(f"layer {layer!r}, head {head!r}: outside 1-{layers_of(model)}, 1-{HEADS}")
    if not (isinstance(word, str) and word in text):
        raise ValueError(f"{word!r} is not in {text!r}")


def _sc(text: str, model: str, layer: int, head: int, word: str, unit: str = "words") -> dict:
    return dict(text=text, model=model, unit=unit, layer=layer, head=head, word=word)


NEIGHBOURS, CHILDREN, ARCHIVE = EXAMPLES["es"][1], EXAMPLES["es"][0], EXAMPLES["es"][2]
SCENARIOS = Scenarios("attention", {
    "pronoun_es_neighbours": _sc(NEIGHBOURS, "multilingual", 9, 9, "ellos"),
    "pronoun_es": _sc(CHILDREN, "multilingual", 9, 9, "ellos"),
    "article_es": _sc(NEIGHBOURS, "multilingual", 4, 4, "la"),
    "tokens_es": _sc(NEIGHBOURS, "multilingual", 9, 9, "policía", "pieces"),
    "pronoun_es_minilm": _sc(NEIGHBOURS, "minilm", 6, 5, "ellos"),
    "next_word_es": _sc(ARCHIVE, "multilingual", 3, 7, "los"),
    "archive_es": _sc(ARCHIVE, "multilingual", 5, 6, "investigadores"),
    "pronoun_en": _sc(EXAMPLES["en"][0], "minilm", 4, 2, "it"),
    "pronoun_en_wide": _sc(EXAMPLES["en"][1], "minilm", 4, 2, "it"),
    "previous_word": _sc(EXAMPLES["en"][2], "minilm", 1, 3, "researchers"),
}, validate=check)
# the example a page opens on, by its language: a Spanish page reads Spanish with the multilingual model
DEFAULTS = {"es": "pronoun_es_neighbours", "en": "pronoun_en"}
DEFAULT = DEFAULTS["es"]


def word_of(text: Any) -> str | None:
    """The word a scenario is about when ``text`` is its sentence (spaces around it ignored), else None.
    Several scenarios share a sentence: the first one's word."""
    if not isinstance(text, str):
        return None
    return next((sc["word"] for sc in SCENARIOS.values() if text.strip() == sc["text"]), None)
