"""explorer/memo.py: identical inputs answered once per process, keyed on everything that decides
the answer; and an answer's image encoded once (explorer.ui.components.frozen)."""
import threading

import PIL.Image

from explorer.memo import Memo, key_of
from explorer.ui.components import OutputImage, frozen


def test_keys_only_from_plain_values():
    assert key_of("classify", "sample", "cat", "imagenet", "en") == ("classify", "sample", "cat", "imagenet", "en")
    assert key_of("classify", 3, None) is not None
    assert key_of("classify", [3]) is None and key_of({"a": 1}) is None and key_of(True) is None
    assert key_of(1.0) is None  # 1.0 == 1 would share 1's answer: no


def test_answers_once_per_key_bounded_and_never_for_no_key():
    m, made = Memo(2), []

    def make(x):
        made.append(x)
        return [x]

    a = m.get_or_make(("a",), lambda: make("a"))
    assert m.get_or_make(("a",), lambda: make("again")) is a and made == ["a"]
    m.get_or_make(("b",), lambda: make("b"))
    m.get_or_make(("c",), lambda: make("c"))  # "a" is the oldest: dropped
    assert len(m) == 2
    m.get_or_make(("a",), lambda: make("a"))
    assert made == ["a", "b", "c", "a"]
    m.get_or_make(None, lambda: make("x"))
    m.get_or_make(None, lambda: make("x"))
    assert made[-2:] == ["x", "x"] and len(m) == 2


def test_a_failure_is_not_kept():
    m = Memo(4)
    for _ in range(2):
        try:
            m.get_or_make(("k",), lambda: 1 / 0)
        except ZeroDivisionError:
            pass
    assert len(m) == 0 and m.misses == 2


def test_a_frozen_image_is_encoded_once_an_ordinary_one_every_time(tmp_path, monkeypatch):
    from gradio import processing_utils

    calls = []
    real = processing_utils.encode_pil_to_bytes
    monkeypatch.setattr(processing_utils, "encode_pil_to_bytes", lambda im, fmt: calls.append(fmt) or real(im, fmt))
    comp = OutputImage(render=False)
    comp.GRADIO_CACHE = str(tmp_path)
    img = PIL.Image.new("RGB", (40, 30), "red")
    p1, p2 = comp.postprocess(img).path, comp.postprocess(img).path
    assert p1 == p2 and len(calls) == 2
    f = frozen(PIL.Image.new("RGB", (40, 30), "blue"))
    outs = {comp.postprocess(f).path for _ in range(3)}
    assert len(outs) == 1 and len(calls) == 3
    # deleted meanwhile by Gradio's clean-up: written again
    import os
    os.remove(outs.pop())
    assert os.path.exists(comp.postprocess(f).path) and len(calls) == 4


def test_concurrent_identical_calls_get_one_shared_answer():
    m = Memo(4)
    got, start = [], threading.Barrier(8)

    def call():
        start.wait()
        got.append(m.get_or_make(("same",), lambda: object()))

    ths = [threading.Thread(target=call) for _ in range(8)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    assert len(got) == 8 and m.get_or_make(("same",), object) in got


def test_get_and_put_for_answers_kept_only_when_complete():
    m = Memo(2)
    assert m.get(("k",)) is None and m.get(None) is None
    m.put(None, "never kept")
    assert len(m) == 0
    m.put(("k",), [1])
    assert m.get(("k",)) == [1] and m.get_or_make(("k",), lambda: [2]) == [1]
    m.put(("j",), [3])
    assert m.get(("k",)) == [1]  # "k" used again: "j" is now the least recently used
    m.put(("i",), [4])  # bounded: "j" goes
    assert m.get(("j",)) is None and m.get(("k",)) == [1] and m.get(("i",)) == [4]
