"""Parameters as data: each field's type and range in one table (the UI takes its sliders from
it, the API is checked against it), and the check itself. A value that does not fit raises
:class:`ConfigError` (field, kind, details); the UI words it in the user's language."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Param:
    kind: str  # int | float | bool | choice | multi
    default: Any
    lo: float | None = None
    hi: float | None = None
    choices: tuple = ()


class ConfigError(ValueError):
    """A parameter is missing, of the wrong type or out of range. ``kind`` names the problem
    (type, range, choice, nan, steps); ``details`` carries the numbers for the message."""

    def __init__(self, field: str, kind: str, **details: Any):
        self.field, self.kind, self.details = field, kind, details
        super().__init__(f"{field}: {kind} {details}")


def coerce(name: str, p: Param, value: Any) -> Any:
    if p.kind == "bool":
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise ConfigError(name, "type", expected="bool", value=repr(value)[:40])
    if p.kind == "multi":
        if value is None:
            return ()
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(name, "type", expected="list", value=repr(value)[:40])
        out = tuple(str(v).strip() for v in value)
        bad = [v for v in out if v not in p.choices]
        if bad:
            raise ConfigError(name, "choice", value=bad[0][:40], choices=list(p.choices))
        return tuple(dict.fromkeys(out))
    if p.kind == "choice":
        for c in p.choices:  # accept "3" for 3 and 3.0 for 3
            if value == c or (isinstance(c, int) and isinstance(value, (int, float, str))
                              and str(value).strip() in (str(c), f"{c}.0")):
                return c
        raise ConfigError(name, "choice", value=repr(value)[:40], choices=list(p.choices))
    # numbers
    if isinstance(value, bool) or value is None:
        raise ConfigError(name, "type", expected=p.kind, value=repr(value)[:40])
    try:
        num = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(name, "type", expected=p.kind, value=repr(value)[:40]) from None
    if math.isnan(num):
        raise ConfigError(name, "nan", value="NaN")
    if not p.lo <= num <= p.hi:
        raise ConfigError(name, "range", value=_fmt(num), lo=_fmt(p.lo), hi=_fmt(p.hi))
    if p.kind == "int":
        if num != int(num):
            raise ConfigError(name, "type", expected="int", value=_fmt(num))
        return int(num)
    return num


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{x:g}"
