"""The wiring every tab repeats, written once: handlers bound to their dependencies, the event
options of the app's kinds of event, the JSON panel under a view, the gate that ends an event chain
quietly, and a tab's scenario picker. A tab module lays out its components and calls these; its
handlers are module-level functions a unit test can call without launching the app.
"""
from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any

import gradio as gr

from explorer.scenario import Scenario, Scenarios
from explorer.ui import gradio_internals
from explorer.ui.common import NEXT_SCENARIO, L, friendly, lang_of

# Event options. Each is a fresh dict per use (``**HIDDEN``) so no event shares another's.
HIDDEN = dict(api_visibility="undocumented", show_progress="hidden")  # a redraw a script need not call
GATE = dict(api_visibility="private", queue=False, show_progress="hidden")  # a check that may end a chain


def bind(fn: Callable, *deps: Any) -> Callable:
    """``fn`` with its first parameters fixed to ``deps`` (the session store, a tab's settings...),
    as Gradio must see it: the remaining signature (its parameter names are the API's), the
    docstring (the API's description), and a generator stays a generator (Gradio streams it).

    Handlers are module-level ``def handler(store, a, b, lang, request)``; the tab wires
    ``bind(handler, store)``; a unit test calls ``handler(store, ...)`` directly."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def bound(*args, **kwargs):
            yield from fn(*deps, *args, **kwargs)
    else:
        @functools.wraps(fn)
        def bound(*args, **kwargs):
            return fn(*deps, *args, **kwargs)
    return gradio_internals.show_as_partial(bound, fn, len(deps))


def end_chain() -> None:
    """End an event chain quietly (a ``.success`` after this does not run; nothing is shown). For
    queue=False gates only: an unqueued request that fails is an HTTP 500 in the browser's console,
    so a gate the page runs often belongs in the browser (``common.FIRST_TIME_JS``)."""
    raise gr.Error("", visible=False, print_exception=False)


def only_for_scenarios_js(scenarios: Scenarios, wanted: Callable[[Scenario], bool]) -> str:
    """A gate run in the browser (``js=``, with the scenario dropdown as its input): a scenario's
    chain goes on only for the scenarios ``wanted`` picks (the one about the sanity check, the
    sweep, the maximisation). The names are fixed, so the browser can decide: a failing step there
    ends the chain and costs no request, where a server gate's quiet error is an HTTP 500 in the
    console for every other scenario."""
    names = json.dumps([name for name, sc in scenarios.items() if wanted(sc)])
    return "(name) => { if (!" + names + ".includes(name)) { throw new Error(\"not this scenario\"); } return []; }"


def json_panel(api_name: str, elem_id: str) -> gr.JSON:
    """The closed "JSON" accordion under a view, labelled with the endpoint that returns it."""
    with gr.Accordion(L("json_label"), open=False):
        return gr.JSON(label=api_name, elem_id=elem_id)


def scenario_picker(scenarios: Scenarios, elem_prefix: str, value: str | None = None,
                    info: bool = True) -> tuple[gr.Dropdown, gr.Button, gr.Markdown]:
    """A tab's scenario dropdown, its "next" button (class ``dle-next-preset``: the presenter's "]"
    key presses it) and the lesson below them. Unknown names reach the handler (and its
    translated error) rather than Gradio's English refusal."""
    tab = scenarios.tab
    with gr.Row(equal_height=True):
        dropdown = gr.Dropdown([(L(sc.title_key), name) for name, sc in scenarios.items()], value=value,
                               label=L(f"{tab}_scn_label"), info=L(f"{tab}_scn_info") if info else None,
                               elem_id=f"{elem_prefix}-preset", scale=4, allow_custom_value=True)
        following = gr.Button(NEXT_SCENARIO, size="sm", elem_id=f"{elem_prefix}-next-preset", scale=0, min_width=40,
                              elem_classes=["dle-next-preset"])
    lesson = gr.Markdown(elem_id=f"{elem_prefix}-lesson")
    return dropdown, following, lesson


def next_scenario_event(button: gr.Button, dropdown: gr.Dropdown, scenarios: Scenarios):
    """Pressing "next" picks the following scenario in the dropdown (in the browser's order); chain
    the scenario's own handler after it with ``.then``."""
    return button.click(scenarios.following, [dropdown], [dropdown], **GATE)


def lesson_handler(scenarios: Scenarios) -> Callable:
    """A handler (name, lang) -> the lesson's Markdown, "" for no scenario."""
    @friendly
    def lesson(name, lang):
        return scenarios.lesson(name, lang_of(lang))
    return lesson
