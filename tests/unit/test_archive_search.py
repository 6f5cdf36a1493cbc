"""explorer/archive/search.py, "Mi archivo"'s search by words over the photos' ImageNet tags: the
ranking on tags made by hand, in Spanish and English, with the real multilingual model (the class
names embedded once for the whole test process, as in the app); the score's formula and the
cache on a stand-in model; bad queries."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from explorer.archive import search as S
from explorer.archive.compute import ArchiveError
from explorer.errors import InputError
from explorer.text import embed


def photo(*tags: tuple[str, float]) -> list[dict]:
    """A photo's tags as embed_images gives them, by class name (the index looked up)."""
    names = S.CLASSES.get().names
    return [{"index": names.index(label), "label": label, "probability": p} for label, p in tags]


@pytest.fixture(scope="module")
def collection():
    files = ["gato.jpg", "iglesia.jpg", "mezquita.jpg", "tren.jpg"]
    tags = [photo(("tabby", 0.62), ("tiger cat", 0.21), ("Egyptian cat", 0.09)),
            photo(("church", 0.41), ("monastery", 0.2), ("bell cote", 0.1)),
            photo(("mosque", 0.9), ("dome", 0.05), ("palace", 0.01)),
            photo(("steam locomotive", 0.6), ("passenger car", 0.2), ("electric locomotive", 0.1))]
    return tags, files


@pytest.mark.parametrize("query, first", [
    ("una iglesia", "iglesia.jpg"), ("a church", "iglesia.jpg"),
    ("un gato", "gato.jpg"), ("a tabby cat", "gato.jpg"),
    ("una locomotora de vapor", "tren.jpg"), ("a steam locomotive", "tren.jpg"),
])
def test_the_photo_the_query_names_comes_first(collection, query, first):
    tags, files = collection
    res = S.search(query, tags, files, k=4)
    assert res.hits[0].file == first and res.hits[0].match
    assert res.hits[0].score > 5 * res.hits[1].score  # and well ahead of the next
    if first == "iglesia.jpg":  # the church (41 %) above the mosque (90 %) and the cat
        order = [h.file for h in res.hits]
        assert order.index("iglesia.jpg") < order.index("mezquita.jpg") < order.index("gato.jpg")
        assert res.hits[0].tag == "church" and res.hits[0].class_rank == 1


def test_the_evidence(collection):
    tags, files = collection
    res = S.search("  una   iglesia ", tags, files, k=2)
    assert res.query == "una iglesia"
    best = res.hits[0]
    assert (best.index, best.file, best.tag, best.probability) == (1, "iglesia.jpg", "church", 0.41)
    # the cosine is the query's with the best of the class's lemmas ("church", "church building")
    q = embed(["una iglesia"], "multilingual", kind="query")[0]
    lemmas = ["church", "church building"]
    cos = embed(lemmas, "multilingual", kind="passage") @ q
    assert best.lemma == lemmas[int(cos.argmax())] and best.cosine == pytest.approx(float(cos.max()), abs=1e-4)
    # the closest class of all: its weight is 1, so the score is the probability
    assert res.closest[0]["class"] == "church" and best.score == pytest.approx(0.41)
    d = res.summary()
    assert d["query"] == "una iglesia" and d["matches"] == 1 and len(d["hits"]) == 2
    assert set(d["hits"][0]) == {"index", "file", "tag", "lemma", "probability", "cosine", "class_rank", "score",
                                 "match"}
    assert d["hits"][0]["match"] is True and d["hits"][1]["match"] is False


def test_a_query_naming_no_class_matches_nothing(collection):
    tags, files = collection
    for query in ("1936", "Juan Pérez"):
        res = S.search(query, tags, files, k=4)
        assert res.matches == 0 and len(res.hits) == 4 and not any(h.match for h in res.hits), query


def test_bad_queries_and_k(collection):
    tags, files = collection
    for query in ("", "   ", "\x00\x07", None, ["una iglesia"]):
        with pytest.raises(InputError) as e:
            S.search(query, tags, files)
        assert e.value.kind == "archive_empty_query"
    with pytest.raises(InputError) as e:
        S.search("x" * 10_000, tags, files)
    assert e.value.kind == "archive_query_too_long" and e.value.details == {"length": 10_000, "limit": 200}
    for k in (0, 51, 2.5, True, "3"):
        with pytest.raises(ArchiveError):
            S.search("una iglesia", tags, files, k=k)
    assert len(S.search("una iglesia", tags, files, k=50).hits) == 4  # no more than there are


def test_the_class_names_are_embedded_once_per_process(collection):
    tags, files = collection
    S.search("a church", tags, files)
    S.search("una iglesia", tags, files)
    assert S.CLASSES.ready and S.CLASSES.builds == 1


# ---- the formula and the cache, on a stand-in model: a word's vector is its own axis ---------------

WORDS = ["church", "building", "mosque", "cat", "tabby"]


def bag_of_words(texts: list[str], kind: str) -> np.ndarray:
    """Each text → the normalised count of each of WORDS in it (unit rows; an unknown text → axis 0)."""
    out = np.zeros((len(texts), len(WORDS)), np.float32)
    for r, text in enumerate(texts):
        for w in text.lower().split():
            if w in WORDS:
                out[r, WORDS.index(w)] += 1
        if not out[r].any():
            out[r, 0] = 1e-3
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def toy_classes():
    return [{"name": "church", "lemmas": ["church", "church building"]}, {"name": "mosque", "lemmas": ["mosque"]},
            {"name": "tabby", "lemmas": ["tabby", "tabby cat"]}]


def test_the_score_is_the_probability_discounted_by_the_distance_from_the_closest_name():
    index = S.ClassIndex(bag_of_words, toy_classes)
    tags = [[{"index": 0, "label": "church", "probability": 0.3}],
            [{"index": 1, "label": "mosque", "probability": 0.9}],
            [{"label": "tabby", "probability": 0.8}, {"label": "not a class", "probability": 0.9}], []]
    res = S.search("church building", tags, ["a", "b", "c", "d"], classes=index, embed=bag_of_words)
    a = res.hits[0]
    assert (a.file, a.tag, a.lemma, a.class_rank) == ("a", "church", "church building", 1)
    assert a.cosine == pytest.approx(1.0) and a.score == pytest.approx(0.3)
    cat = next(h for h in res.hits if h.file == "c")  # found by its label; cos("church building", "tabby") = 0
    assert cat.tag == "tabby" and cat.score == pytest.approx(0.8 * np.exp(-1 / S.TEMPERATURE))
    empty = next(h for h in res.hits if h.file == "d")
    assert empty.tag is None and empty.score == 0 and not empty.match
    assert [h.file for h in res.hits] == ["a", "b", "c", "d"] and res.matches == 1


def test_the_class_index_is_built_once_whatever_the_threads():
    calls = []

    def counting(texts, kind):
        calls.append((len(texts), kind))
        return bag_of_words(texts, kind)

    index = S.ClassIndex(counting, toy_classes)
    assert not index.ready
    got = []
    threads = [threading.Thread(target=lambda: got.append(index.get())) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert index.builds == 1 and calls == [(5, "passage")] and all(g is got[0] for g in got)
    S.search("tabby cat", [[{"index": 2, "label": "tabby", "probability": 0.5}]], ["x"], classes=index,
             embed=counting)
    assert calls == [(5, "passage"), (1, "query")]  # a search embeds its query only


def test_the_embedded_class_names_are_kept_on_disk_for_the_next_process(tmp_path, monkeypatch):
    """A second process (here: a second index) with the same lemmas reads the vectors the first
    embedded (explorer.diskcache) instead of running the text model over 1,860 passages again."""
    monkeypatch.setenv("DLE_CACHE_DIR", str(tmp_path))
    calls = []

    def counting(texts, kind):
        calls.append(len(texts))
        return 3 * bag_of_words(texts, kind)  # not unit rows: the index normalises them

    first = S.ClassIndex(counting, toy_classes, kept_as="lemmas").get()
    second = S.ClassIndex(counting, toy_classes, kept_as="lemmas").get()
    assert calls == [5] and len(list(tmp_path.glob("lemmas-*.npy"))) == 1
    np.testing.assert_array_equal(first.vectors, second.vectors)
    np.testing.assert_allclose(np.linalg.norm(second.vectors, axis=1), 1, atol=1e-6)
    assert second.lemmas == first.lemmas and list(second.owner) == [0, 0, 1, 2, 2]

    def more_classes():
        return toy_classes() + [{"name": "cat", "lemmas": ["cat"]}]

    S.ClassIndex(counting, more_classes, kept_as="lemmas").get()  # other lemmas: embedded, kept apart
    assert calls == [5, 6] and len(list(tmp_path.glob("lemmas-*.npy"))) == 2
