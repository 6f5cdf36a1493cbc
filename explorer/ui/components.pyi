"""Gradio input components whose own preprocessing would otherwise fail on what an API caller
sends, before the handler can check it and answer in the session's language.

Subclasses, not patched instances: Gradio rebuilds a component from its class when a handler
updates its properties (``gr.update(maximum=...)``), and a patched instance would lose the patch.

Gradio writes a ``.pyi`` stub beside any module that defines a component class, when the module is
imported and the stub is missing or out of date. ``components.pyi`` is that stub, committed, so
importing the app writes nothing (tests/unit/test_components.py checks it is current; regenerate
it by deleting it and importing this module).
"""
from __future__ import annotations

import math
from typing import Any

import gradio as gr


def _finite_number(payload: Any) -> bool:
    return isinstance(payload, (int, float)) and (not isinstance(payload, float) or math.isfinite(payload))

from gradio.events import Dependency

class Slider(gr.Slider):
    """``gr.Slider`` that hands what is not a finite number (a string, a list, None, NaN — an API
    caller can send anything) to the handler unchanged, whose ``int_in``/``float_in`` refuses it in
    the session's language naming the field. ``gr.Slider`` itself fails on it inside its own
    preprocessing, and the caller only hears Gradio's "has not enabled verbose error reporting".
    Finite numbers keep Gradio's range check. The page shows it as a plain slider."""

    is_template = True  # the front end draws it as the class it derives from

    def preprocess(self, payload: Any) -> Any:
        return super().preprocess(payload) if _finite_number(payload) else payload
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component


class Number(gr.Number):
    """``gr.Number`` with :class:`Slider`'s handling of what is not a finite number (``gr.Number``
    with ``precision=0`` cannot round NaN, a string or a list)."""

    is_template = True

    def preprocess(self, payload: Any) -> Any:
        return super().preprocess(payload) if _finite_number(payload) else payload
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component