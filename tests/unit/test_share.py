"""explorer.share: a tab's settings in a link — encoded when they differ from the defaults, read
back only when each value is one its control would accept."""
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from explorer import share
from explorer.share import INVALID, Field

EPOCHS = Field("epochs", "number", 1, lo=1, hi=100, step=1)
DROPOUT = Field("dropout", "number", 0.0, lo=0.0, hi=0.9, step=0.05)
EPS = Field("eps", "number", 2, lo=0, hi=64, step=0.5)
LR = Field("lr", "number", 0.004, lo=1e-5, hi=10.0)
SEED = Field("seed", "number", 0, integer=True)
KERNEL = Field("kernel", "choice", 3, choices=(3, 5))
HEAD = Field("head", "choice", 1, choices=tuple(range(12)) + ("mean",))
OPT = Field("opt", "choice", "adam", choices=("sgd", "adam"))
AUG = Field("aug", "multi", [], choices=("shift", "flip", "noise"))
BN = Field("bn", "bool", True)
TEXT = Field("text", "text", "The animal", max_len=200)
FIELDS = [EPOCHS, DROPOUT, EPS, LR, SEED, KERNEL, HEAD, OPT, AUG, BN, TEXT]


def test_only_changed_valid_values_are_encoded():
    values = [1, 0.3, 2.0, 0.004, 7, 5, "mean", "adam", ["flip", "shift"], False, "El gato, ¿dónde está? & co"]
    q = share.changed(FIELDS, values)
    assert q == {"dropout": "0.3", "seed": "7", "kernel": "5", "head": "mean", "aug": "flip,shift", "bn": "0",
                 "text": "El gato, ¿dónde está? & co"}
    # invalid values never make it into a link
    assert share.changed(FIELDS, [0, 0.33, 64.25, -1, 1.5, 4, 12, "rmsprop", ["zip"], "yes", "x" * 201]) == {}
    assert share.changed([EPOCHS, KERNEL, HEAD], [float("nan"), [3], None]) == {}


def test_round_trip_through_a_url():
    values = [42, 0.85, 63.5, 0.0125, 2147483647, 5, 0, "sgd", ["noise"], False, "a & b = c?\nline 2 #frag"]
    q = share.changed(FIELDS, values)
    url = "http://h:7860/?" + urlencode(q)
    back = share.read(FIELDS, dict(parse_qsl(urlsplit(url).query)))
    assert back == {f.key: v for f, v in zip(FIELDS, values)}
    assert isinstance(back["epochs"], int) and isinstance(back["seed"], int) and back["head"] == 0
    assert back["kernel"] == 5 and isinstance(back["kernel"], int)  # the choice itself, not "5"


@pytest.mark.parametrize("field, text", [
    (EPOCHS, "0"), (EPOCHS, "101"), (EPOCHS, "2.5"), (EPOCHS, "nan"), (EPOCHS, "1e999"), (EPOCHS, ""),
    (EPOCHS, "abc"), (DROPOUT, "0.33"), (DROPOUT, "-0.05"), (DROPOUT, "inf"), (EPS, "0.25"), (LR, "0"),
    (LR, "11"), (SEED, "1.5"), (SEED, "1e13"), (KERNEL, "4"), (KERNEL, "3.0"), (HEAD, "12"), (HEAD, "MEAN"),
    (OPT, "Adam"), (AUG, "shift,shift"), (AUG, "shift,zip"), (AUG, "shift,"), (BN, "true"), (BN, "2"),
    (TEXT, "x" * 201), (TEXT, "a\x00b"), (EPOCHS, None), (EPOCHS, ["3"]),
])
def test_bad_values_are_invalid(field, text):
    assert share.decode(field, text) is INVALID


def test_read_keeps_the_valid_ignores_the_rest():
    params = {"tab": "train", "lang": "es", "epochs": "3", "dropout": "9", "kernel": "7", "opt": "sgd",
              "aug": "", "unknown": "1", "bn": "1"}
    assert share.read(FIELDS, params) == {"epochs": 3, "opt": "sgd", "aug": [], "bn": True}
    # a field named like the link's own parameters is never read or written
    tab = Field("tab", "text", "")
    assert share.read([tab], {"tab": "x"}) == {} and share.changed([tab], ["x"]) == {}


def test_values_on_a_slider_grid_and_floats_without_noise():
    assert share.decode(DROPOUT, "0.15") == pytest.approx(0.15)
    assert share.encode(DROPOUT, 0.1 + 0.05) == "0.15000000000000002"  # exact: reads back the same float
    assert share.decode(DROPOUT, share.encode(DROPOUT, 0.1 + 0.05)) == 0.1 + 0.05
    assert share.encode(EPS, 3.0) == "3" and share.decode(EPS, "3") == 3


def test_fit_drops_the_longest_values_first():
    q = {"a": "1", "text": "x" * 3000, "b": "2"}
    assert share.fit(q, 100) == {"a": "1", "b": "2"}
    assert share.fit(q, 10_000) == q
