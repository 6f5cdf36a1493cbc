"""Teaching scenarios for the Attention tab: a sentence, and the layer and head (both 1-based, as the
tab shows them and the titles name them) and the word that show the point. Their titles are
``attention_scn_<name>`` in ``explorer/locales``; these scenarios have no lessons (the title says
what to look at). ``tests/unit/test_attention.py`` re-measures what the titles promise.

Measured on this model (words): "it" → "animal" takes 0.68 in layer 4 head 2 when the animal is
tired, 0.28 when the street is wide; in layer 6 head 5 "ellos" → "niños" 0.58 (vs "manzanas" 0.09)
and "ellos" → "vecinos" 0.27, barely above "policía" 0.26 (the model learnt English); layer 1
head 3 gives 0.99 of every word's attention to the word before it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explorer.attention.compute import EXAMPLES, HEADS, LAYERS, is_blank
from explorer.scenario import Scenarios


def check(settings: Mapping[str, Any]) -> None:
    """A scenario fits the tab: a sentence, a layer 1-6 and a head 1-12 (as shown), and a word of the
    sentence."""
    text, layer, head, word = (settings[k] for k in ("text", "layer", "head", "word"))
    if not isinstance(text, str) or is_blank(text):
        raise ValueError(f"a scenario needs a sentence, not {text!r}")
    if not (isinstance(layer, int) and 1 <= layer <= LAYERS and isinstance(head, int) and 1 <= head <= HEADS):
        raise ValueError(f"layer {layer!r}, head {head!r}: outside 1-{LAYERS}, 1-{HEADS}")
    if not (isinstance(word, str) and word in text):
        raise ValueError(f"{word!r} is not in {text!r}")


SCENARIOS = Scenarios("attention", {
    "pronoun_en": dict(text=EXAMPLES["en"][0], layer=4, head=2, word="it"),
    "pronoun_en_wide": dict(text=EXAMPLES["en"][1], layer=4, head=2, word="it"),
    "pronoun_es": dict(text=EXAMPLES["es"][0], layer=6, head=5, word="ellos"),
    "pronoun_es_neighbours": dict(text=EXAMPLES["es"][1], layer=6, head=5, word="ellos"),
    "previous_word": dict(text=EXAMPLES["en"][2], layer=1, head=3, word="researchers"),
    "archive_es": dict(text=EXAMPLES["es"][2], layer=6, head=1, word="archivo"),
}, validate=check, lessons=False)  # the scenario sets a sentence, a layer and a head: no lesson text
DEFAULT = "pronoun_en"


def word_of(text: Any) -> str | None:
    """The word a scenario is about when ``text`` is its sentence (spaces around it ignored), else None."""
    if not isinstance(text, str):
        return None
    return next((sc["word"] for sc in SCENARIOS.values() if text.strip() == sc["text"]), None)
