"""A tab's settings in a shareable link (URL query parameters): describe each setting once as a
:class:`Field` (its kind, default and limits), then encode the values that differ from the defaults
and read them back, checking each against its field.

A link is advice, not a command: ``decode`` returns :data:`INVALID` for anything a field would not
accept (an unknown choice, a number out of range or off the slider's steps, an over-long text), and
the page then keeps that control's default. Nothing here raises on a hostile link.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

RESERVED = frozenset({"tab", "lang", "presenter"})  # the link's own parameters
MAX_TEXT = 500  # characters of a text setting carried in a link
MAX_NUMBER = 1e12  # a number without limits of its own must still be a sane one
SEP = ","  # between the items of a multiple choice


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


INVALID: Any = _Invalid()


@dataclass(frozen=True)
class Field:
    """One setting: ``kind`` is "number", "choice" (one of ``choices``), "multi" (a subset of
    ``choices``), "bool" or "text". Numbers lie in [lo, hi]; with ``step`` they lie on the grid
    lo + k·step (a slider); ``integer`` ones are whole. Texts are at most ``max_len`` characters."""

    key: str
    kind: str
    default: Any = None
    choices: tuple = ()
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    integer: bool = False
    max_len: int = MAX_TEXT


def _number(x: Any) -> float | None:
    if isinstance(x, bool):
        return None
    try:
        f = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def validate(field: Field, value: Any) -> Any:
    """``value`` as the field holds it (a whole number as an int, a choice as the choice itself),
    or INVALID."""
    k = field.kind
    if k == "number":
        f = _number(value)
        if f is None or abs(f) > MAX_NUMBER:
            return INVALID
        lo = field.lo if field.lo is not None else -MAX_NUMBER
        hi = field.hi if field.hi is not None else MAX_NUMBER
        tol = 1e-9 * max(1.0, abs(f))
        if not lo - tol <= f <= hi + tol:
            return INVALID
        if field.step and field.step > 0:
            k_steps = (f - lo) / field.step
            if abs(k_steps - round(k_steps)) > 1e-6:
                return INVALID
        if field.integer:
            if f != int(f):
                return INVALID
            return int(f)
        return int(f) if isinstance(value, int) else f
    if k == "choice":
        for c in field.choices:
            if type(c) is type(value) and c == value:
                return c
        return INVALID
    if k == "multi":
        if not isinstance(value, (list, tuple)):
            return INVALID
        out = []
        for v in value:
            c = validate(Field(field.key, "choice", choices=field.choices), v)
            if c is INVALID or c in out:
                return INVALID
            out.append(c)
        return out
    if k == "bool":
        return value if isinstance(value, bool) else INVALID
    if k == "text":
        if not isinstance(value, str) or len(value) > min(field.max_len, MAX_TEXT) or "\x00" in value:
            return INVALID
        return value
    return INVALID


def _same(field: Field, a: Any, b: Any) -> bool:
    if field.kind == "number":
        fa, fb = _number(a), _number(b)
        return fa is not None and fb is not None and math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-12)
    if field.kind == "multi" and isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b


def _num_text(x: int | float) -> str:
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)


def encode(field: Field, value: Any) -> str | None:
    """``value`` as the text of a query parameter, or None when the field would not accept it."""
    v = validate(field, value)
    if v is INVALID:
        return None
    if field.kind == "number":
        return _num_text(v)
    if field.kind == "bool":
        return "1" if v else "0"
    if field.kind == "choice":
        return str(v)
    if field.kind == "multi":
        items = [str(c) for c in v]
        return None if any(SEP in s for s in items) else SEP.join(items)
    return v  # text


def decode(field: Field, text: Any) -> Any:
    """A query parameter's text back to the field's value, or INVALID."""
    if not isinstance(text, str) or len(text) > MAX_TEXT * 4:
        return INVALID
    k = field.kind
    if k == "number":
        if field.integer or (field.step and float(field.step).is_integer()
                             and (field.lo is None or float(field.lo).is_integer())):
            try:
                return validate(field, int(text.strip()))
            except ValueError:
                pass
        return validate(field, _number(text.strip()))
    if k == "bool":
        return {"1": True, "0": False}.get(text.strip(), INVALID)
    if k == "choice":
        matches = [c for c in field.choices if str(c) == text]
        return matches[0] if len(matches) == 1 else INVALID
    if k == "multi":
        if text == "":
            return []
        out = []
        for part in text.split(SEP):
            matches = [c for c in field.choices if str(c) == part]
            if len(matches) != 1 or matches[0] in out:
                return INVALID
            out.append(matches[0])
        return out
    if k == "text":
        return validate(field, text)
    return INVALID


def changed(fields: Iterable[Field], values: Iterable[Any]) -> dict[str, str]:
    """The query parameters for the settings whose values differ from their defaults (valid
    ones only: a value a field would not accept is left out, as is one equal to its default)."""
    out: dict[str, str] = {}
    for f, v in zip(fields, values):
        if f.key in RESERVED or _same(f, v, f.default):
            continue
        text = encode(f, v)
        if text is not None:
            out[f.key] = text
    return out


def read(fields: Iterable[Field], params: Mapping[str, str]) -> dict[str, Any]:
    """The settings a link carries, checked: {key: value} for the fields it names validly."""
    out: dict[str, Any] = {}
    for f in fields:
        if f.key in RESERVED or f.key not in params:
            continue
        v = decode(f, params[f.key])
        if v is not INVALID:
            out[f.key] = v
    return out


def fit(query: dict[str, str], room: int) -> dict[str, str]:
    """``query`` without its longest values until its encoded length is at most ``room``
    characters (a long text is the first to go; the short settings are kept)."""
    from urllib.parse import urlencode

    q = dict(query)
    while q and len(urlencode(q)) > room:
        del q[max(q, key=lambda k: len(q[k]))]
    return q
