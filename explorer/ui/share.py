"""Which controls of each tab a shared link carries, found by walking the built page — no tab file
lists them, so a control added to a tab later (a scenario preset, say) is shared without further
work.

A setting is an input component inside a ``gr.Tab`` (a slider, number, dropdown or radio with
fixed choices, checkbox, checkbox group or text box) that some handler reads and the user can
change. Its key in the link is its ``elem_id`` or, without one, the translation key of its label
(``epochs_label``), if that is unique within the tab. Uploads, drawings, files, states and outputs
are not settings; neither is a dropdown whose choices the server fills in later (a network's
layers): its value could not be checked against the page as built.

The values are checked and encoded by ``explorer.share`` (pure).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import gradio as gr

from explorer import share
from explorer.ui.gradio_internals import children, component_id, descendants, event_functions, event_triggers

KINDS = (gr.Slider, gr.Number, gr.Dropdown, gr.Radio, gr.Checkbox, gr.CheckboxGroup, gr.Textbox)


@dataclass(frozen=True)
class Setting:
    tab: str
    comp: Any
    field: share.Field

    @property
    def param(self) -> str:
        """Its parameter name in the /share_link API: tab and key as a Python identifier."""
        return re.sub(r"\W", "_", f"{self.tab}_{self.field.key}")


def _choice_values(comp) -> tuple:
    return tuple(c[1] if isinstance(c, (tuple, list)) else c for c in (getattr(comp, "choices", None) or []))


def label_key(comp) -> str | None:
    key = getattr(getattr(comp, "label", None), "key", None)
    return key if isinstance(key, str) else None


def field_of(comp, key: str) -> share.Field | None:
    """The share.Field describing ``comp``, or None when it is no setting a link can carry."""
    if getattr(comp, "interactive", None) is False:
        return None
    value = comp.value
    if isinstance(comp, gr.Slider):
        return share.Field(key, "number", value, lo=comp.minimum, hi=comp.maximum, step=comp.step)
    if isinstance(comp, gr.Number):
        return share.Field(key, "number", value, lo=comp.minimum, hi=comp.maximum, integer=comp.precision == 0)
    if isinstance(comp, gr.Checkbox):
        return share.Field(key, "bool", bool(value))
    if isinstance(comp, (gr.Dropdown, gr.Radio, gr.CheckboxGroup)):
        choices = _choice_values(comp)
        if not choices or getattr(comp, "allow_custom_value", False):
            return None  # filled in by the server later, or free text: nothing to check against
        multi = isinstance(comp, gr.CheckboxGroup) or getattr(comp, "multiselect", False)
        return share.Field(key, "multi" if multi else "choice", list(value or []) if multi else value,
                           choices=choices)
    if isinstance(comp, gr.Textbox):
        if getattr(comp, "type", "text") != "text":
            return None
        limit = getattr(comp, "max_length", None) or share.MAX_TEXT
        return share.Field(key, "text", value or "", max_len=min(int(limit), share.MAX_TEXT))
    return None


def registry(demo: gr.Blocks, tabs: gr.Tabs, tab_ids: tuple[str, ...]) -> list[Setting]:
    """Every tab's settings, in page order. Call after every tab is built and wired (only the
    components some handler reads count)."""
    read = {component_id(c) for fn in event_functions(demo) for c in fn.inputs}
    out: list[Setting] = []
    for tab in children(tabs):
        tid = getattr(tab, "id", None)
        if tid not in tab_ids:
            continue
        found: list[tuple[str, Any]] = []
        for comp in descendants(tab):
            if not isinstance(comp, KINDS) or component_id(comp) not in read:
                continue
            key = comp.elem_id or label_key(comp)
            if key:
                found.append((key, comp))
        counts: dict[str, int] = {}
        for key, _ in found:
            counts[key] = counts.get(key, 0) + 1
        for key, comp in found:
            if counts[key] > 1 or key in share.RESERVED:
                continue  # an ambiguous key would set the wrong control
            field = field_of(comp, key)
            if field is not None:
                out.append(Setting(tid, comp, field))
    return out


def drivers(demo: gr.Blocks, settings: list[Setting]) -> set[int]:
    """The settings whose change event sets other controls (a preset fills in the parameters, a
    source radio shows its input, a network radio its classes): a link restores them first, and
    the rest once their handlers have run, so what the link says is what the page ends up with."""
    ids = {component_id(s.comp) for s in settings}
    controls = tuple(KINDS)
    out = set()
    for fn in event_functions(demo):
        writes_controls = any(isinstance(o, controls) for o in fn.outputs)
        if not writes_controls:
            continue
        for block_id, event in event_triggers(fn):
            if event == "change" and block_id in ids and any(component_id(o) != block_id for o in fn.outputs):
                out.add(block_id)
    return out


def values_for(settings: list[Setting], tab: str | None, values: dict[str, Any], *, defaults: bool) -> list:
    """The outputs that set ``tab``'s settings: the given values (by key), the defaults for the
    others if ``defaults``, and gr.skip() for every other tab's."""
    out = []
    for s in settings:
        if s.tab != tab:
            out.append(gr.skip())
        elif s.field.key in values:
            out.append(values[s.field.key])
        elif defaults:
            out.append(s.field.default)
        else:
            out.append(gr.skip())
    return out


def plots(tabs: gr.Tabs, tab_ids: tuple[str, ...]) -> list[tuple[str, gr.Plot]]:
    """Every tab's figures (gr.Plot), in page order, with the tab they are in."""
    return [(tab.id, comp) for tab in children(tabs) if getattr(tab, "id", None) in tab_ids
            for comp in descendants(tab) if isinstance(comp, gr.Plot)]
