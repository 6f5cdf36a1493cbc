"""A small bounded cache, per process, of answers to identical inputs (issue 15: a class is usually
on the same example — "everyone, classify the cat" — and 30 identical calls need one computation).

Only for answers that depend on nothing but the key: a shipped network (never a session's trained
model: another student's model must never answer), a sample photo or a data-set image by number
(never an upload), and the language. The caller builds the key; :func:`key_of` refuses what is not
plainly hashable. Values are shared between callers and must not be changed by them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Memo:
    """Least-recently-used cache of at most ``size`` answers; thread-safe."""

    def __init__(self, size: int = 64):
        self.size = size
        self._d: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_make(self, key: Hashable | None, make: Callable[[], Any]) -> Any:
        """The cached answer for ``key``, or ``make()`` (cached); with ``key`` None, just ``make()``."""
        if key is None:
            return make()
        found, value = self._lookup(key)
        if found:
            return value
        value = make()  # outside the lock: other keys are not held up
        self.put(key, value)
        return value

    def get(self, key: Hashable | None) -> Any:
        """The cached answer for ``key``, or None (always None for no key). With :meth:`put`, for an
        answer that may turn out not to be one to keep (a run stopped half-way)."""
        return None if key is None else self._lookup(key)[1]

    def _lookup(self, key: Hashable) -> tuple[bool, Any]:
        """(found, value), counting the hit or miss; a found key becomes the most recently used."""
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                self.hits += 1
                return True, self._d[key]
            self.misses += 1
            return False, None

    def put(self, key: Hashable | None, value: Any) -> None:
        """Keep ``value`` as the answer for ``key`` (nothing for no key)."""
        if key is None:
            return
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def __len__(self) -> int:
        return len(self._d)


def key_of(*parts: Any) -> tuple | None:
    """``parts`` as a key when every one is a str, an int (not a bool) or None; else None (no caching)."""
    for p in parts:
        if p is not None and not isinstance(p, str) and (not isinstance(p, int) or isinstance(p, bool)):
            return None
    return parts
