"""explorer.ui.wiring.bind: what Gradio sees of a module-level handler bound to its dependencies."""
from __future__ import annotations

import inspect

import gradio as gr
from gradio import utils

from explorer.session import SessionStore
from explorer.ui.wiring import bind


def handler(store: SessionStore, x: int, lang: str, request: gr.Request):
    """Its docstring is the API's description."""
    return store, x, lang, request


def streaming(store: SessionStore, n: int):
    yield from range(n)


def test_bind_keeps_the_api_signature_and_docstring():
    store = SessionStore()
    b = bind(handler, store)
    assert list(inspect.signature(b).parameters) == ["x", "lang", "request"]
    assert b.__doc__ == handler.__doc__ and b.__name__ == "handler"
    assert b(1, "es", None) == (store, 1, "es", None)


def test_gradio_still_finds_the_request_parameter():
    """Annotations resolve in the handler's module, not wiring's: an unresolvable one made Gradio see
    ``request`` as one more input (the build warned "Expected N arguments")."""
    b = bind(handler, SessionStore())
    hints = utils.get_type_hints(b)
    assert hints["request"] is gr.Request and "store" not in hints
    assert utils.is_special_typed_parameter("request", hints)


def test_a_bound_generator_still_streams():
    b = bind(streaming, SessionStore())
    assert inspect.isgeneratorfunction(b) and list(b(3)) == [0, 1, 2]
