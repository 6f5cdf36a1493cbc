"""What every tab shares in the UI: translations, the language switch, session keys and the way
errors reach the user (a translated ``gr.Error``, never a stack trace)."""
from __future__ import annotations

import functools
import inspect
import logging
import math
from collections.abc import Callable
from typing import Any

import gradio as gr

from explorer import data, errors, images, params
from explorer.i18n import TEXT, config_error_message, image_error_message, lang_from_accept, norm_lang, num, t
from explorer.plots import ADD_FRAMES_JS

log = logging.getLogger("explorer")

I18N = gr.I18n(**TEXT)


def L(key: str):
    """A label translated in the browser (``gr.I18n``)."""
    return I18N(key)


# On page load: the browser's language decides (as it does for Gradio's own labels).
DETECT_LANG_JS = """
(current) => {
  const asked = new URLSearchParams(window.location.search).get("lang");  // a shared link's choice
  const code = (asked || navigator.language || current || "en").slice(0, 2).toLowerCase();
  return ["es", "en"].includes(code) ? code : "en";
}
"""


# Gradio's gr.Plot hands plotly.js a figure's data and layout, not its frames: an animation's ▶
# did nothing. Figures keep their frames in layout.meta.frames (explorer.plots.frames_in_meta); this
# script, run once when the page loads, gives them back to every plot drawn since (once per figure),
# so the browser plays, pauses and rewinds without asking the server.
PLOTLY_FRAMES_JS = r"""
() => {
  const sync = """ + ADD_FRAMES_JS.strip() + r""";
  let queued = false;  // one look per animation frame, however many changes the page makes
  const scan = () => { queued = false; document.querySelectorAll(".js-plotly-plot").forEach(sync); };
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(scan); } })
    .observe(document.body, { childList: true, subtree: true });
  scan();
}
"""


def lang_of(value: Any) -> str:
    return norm_lang(value if isinstance(value, str) else None)


def detect_lang(browser_lang: Any, request: gr.Request | None = None) -> str:
    if isinstance(browser_lang, str) and browser_lang.strip():
        return norm_lang(browser_lang)
    header = request.headers.get("accept-language") if request is not None else None
    return lang_from_accept(header)


def ping() -> str:
    """``/ping``: nothing computed, through Gradio's queue as every call of the app. A proxy's or a
    monitor's health check, and the floor the load benchmark compares the app's calls with
    (bench/bench_load.py --hammer)."""
    return "ok"


def session_key(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or "anonymous"


def user_error(lang: str, key: str, **kw) -> gr.Error:
    return gr.Error(t(lang, key, **kw), print_exception=False)


# Errors of the pure modules that carry a ``kind`` and ``details``: their messages are err_<prefix><kind>.
ERROR_KEYS = {"EmbeddingError": "err_embeddings_", "ArchiveError": "err_archive_", "DiffusionError": "err_diffusion_"}


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def detail_message(lang: str, key: str, details: dict) -> str:
    """The translated message ``key`` filled with an error's ``details``: lists joined with commas,
    a detail the text does not name ignored, one it names but the error lacks shown as "?"."""
    table = TEXT[norm_lang(lang)]
    text = table.get(key) or TEXT["en"].get(key)
    if text is None:
        return t(lang, "err_unexpected", detail=key)
    vals = {k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in details.items()}
    return text.format_map(_Missing(vals))


def _translate(err: Exception, lang: str) -> gr.Error:
    if isinstance(err, gr.Error):
        return err
    if isinstance(err, params.ConfigError):
        return gr.Error(config_error_message(lang, err), print_exception=False)
    if isinstance(err, data.DatasetMissing):
        return user_error(lang, "err_dataset_missing", name=err.name, how=err.how)
    if isinstance(err, images.ImageError):
        return gr.Error(image_error_message(lang, err), print_exception=False)
    if isinstance(err, errors.TextError):
        return gr.Error(detail_message(lang, f"err_{err.kind}", err.details), print_exception=False)
    kind_prefix = ERROR_KEYS.get(type(err).__name__)
    if kind_prefix and hasattr(err, "kind"):
        return gr.Error(detail_message(lang, f"{kind_prefix}{err.kind}", err.details), print_exception=False)
    if isinstance(err, errors.InputError):
        return user_error(lang, f"err_{err.kind}", **err.details)
    if isinstance(err, FileNotFoundError) and "efficientnet" in str(err).lower():
        return user_error(lang, "err_imagenet_missing")
    log.exception("unexpected error in a handler")
    return gr.Error(t(lang, "err_unexpected", detail=type(err).__name__), print_exception=False)


def friendly(fn: Callable) -> Callable:
    """Wrap a handler (function or generator) whose ``lang`` argument names the language: the
    handler receives it normalised ("es" or "en", whatever a browser or an API call sent), and any
    exception reaches the user as a translated ``gr.Error``, never as a traceback."""
    sig = inspect.signature(fn)
    has_lang = "lang" in sig.parameters

    def with_lang(args, kwargs) -> tuple[tuple, dict, str]:
        try:
            bound = sig.bind_partial(*args, **kwargs)
        except TypeError:
            return args, kwargs, "en"
        lang = lang_of(bound.arguments.get("lang"))
        if has_lang and "lang" in bound.arguments:
            bound.arguments["lang"] = lang
            return bound.args, bound.kwargs, lang
        return args, kwargs, lang

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            args, kwargs, lang = with_lang(args, kwargs)
            try:
                yield from fn(*args, **kwargs)
            except Exception as err:
                raise _translate(err, lang) from None
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args, kwargs, lang = with_lang(args, kwargs)
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            raise _translate(err, lang) from None
    return wrapper


# A tab draws its views the first time it is opened, and again on every language switch once it
# has been. The gates that decide this run in the browser, on a hidden checkbox (``shown_flag``):
# a step that fails ends its ``.success`` chain, and a failing step in the browser costs no request
# and logs nothing, where a failing unqueued request to the server (``raise gr.Error``) is an HTTP
# 500 the browser's console reports as an error (6 on every page load, one per tab, before this).
FIRST_TIME_JS = """
(shown) => { if (shown === true) { throw new Error("already drawn"); } return true; }
"""
IF_SHOWN_JS = """
(shown) => { if (shown !== true) { throw new Error("not shown yet"); } return []; }
"""


def shown_flag() -> gr.Checkbox:
    """A tab's "opened already" flag, for ``draw_events``: create it inside the tab. Hidden and not
    interactive (no shared link or API call carries it); its value lives in the page."""
    return gr.Checkbox(False, visible=False, interactive=False, container=False)


def draw_events(tab: gr.Tab, shown: gr.Checkbox, lang: gr.Radio) -> list:
    """The events after which a tab draws its views: the first time it is opened (not on every page
    load: a class loading the page at once would pay for tabs nobody opened) and, once shown, every
    language switch. ``shown`` is the tab's own ``shown_flag()``. Chain with ``.success``."""
    return [tab.select(None, [shown], [shown], js=FIRST_TIME_JS, show_progress="hidden"),
            lang.change(None, [shown], None, js=IF_SHOWN_JS, show_progress="hidden")]


def int_in(value: Any, lo: int, hi: int, lang: str, field: str) -> int:
    """``value`` as an int in [lo, hi], or a translated error naming ``field`` (an i18n key): the
    check Gradio's own components skip for raw API calls (NaN, wrong types, fractions)."""
    try:
        f = float(value)
        ok = math.isfinite(f) and f == int(f) and lo <= int(f) <= hi
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise user_error(lang, "err_int_range", field=t(lang, field), value=str(value)[:20], lo=lo, hi=hi)
    return int(f)


def _limit(lang: str, x: float) -> str:
    """A range limit as written: 10 rather than 10.000 (which a Spanish reader takes for ten thousand)."""
    return num(lang, x) if float(x) == int(x) else num(lang, x, 3).rstrip("0")


def float_in(value: Any, lo: float, hi: float, lang: str, field: str) -> float:
    """``value`` as a finite float in [lo, hi], or a translated error naming ``field``."""
    try:
        f = float(value)
        ok = math.isfinite(f) and lo <= f <= hi
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise user_error(lang, "err_float_range", field=t(lang, field), value=str(value)[:20],
                         lo=_limit(lang, lo), hi=_limit(lang, hi))
    return f


# ------------------------------------------------------------------------------ teaching scenarios
# Each tab's scenarios are one explorer.scenario.Scenarios; the UI side is in explorer.ui.wiring
# (scenario_picker, next_scenario_event, lesson_handler). The "next" button has the class
# dle-next-preset: the presenter's "]" key presses it.

NEXT_SCENARIO = "»"  # the "next scenario" button's label (⟩ fell back to a font that drew ")")


def unless_scenario_set(sig: Any, *current: Any) -> None:
    """End an event chain quietly when ``current`` (the image, the network...) is what a scenario
    has just set, recorded as ``sig`` (the scenario's own chain computes the views once, with its
    own settings); anything else goes on."""
    try:
        same = sig is not None and list(sig) == [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                                                 else v for v in current]
    except (TypeError, ValueError):
        same = False
    if same:
        raise gr.Error("", visible=False, print_exception=False)
