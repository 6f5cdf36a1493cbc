"""The page does not lie: loading it, opening each of the 8 tabs and switching the language, in
either language, writes no error to the browser's console and gets no failed response (before:
6 HTTP 500s on every load, from the hidden tabs' "not shown yet" gates, and one for each tab opened
a second time); nor does choosing an image source that holds nothing yet (an upload, a drawing:
one HTTP 500 each before). And once loaded, an idle page asks the browser for no animation frames
(before: 60 a second for as long as it stayed open, the loop of Gradio's loading screen;
explorer.ui.gradio_internals.FRONTEND_FIXES)."""
import time

import pytest

from explorer.tabs import TAB_IDS
from explorer.ui.gradio_internals import queue_busy
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.slow

TABS = TAB_IDS


def settle(page, demo, inflight: set, quiet_s: float = 1.5, timeout_s: float = 240) -> None:
    """Until nothing has been asked of the app for ``quiet_s``: no request open (the heartbeat and
    the event stream, which stay open as long as the page does, aside) and no event in its queue.
    The views a tab draws when shown have arrived, and any error they cause has been logged."""
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        if inflight or queue_busy(demo):
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
    raise AssertionError(f"still busy after {timeout_s} s: {sorted(r.url for r in inflight)}")


# Each tab draws its views once, when first opened, and again on a language switch if it has been
# opened: to keep the test lean, the tabs are drawn on one page only. In Spanish two tabs are opened
# (Train, Diffusion), the language switched to English (both redraw), then every tab opened in
# English (Diffusion a second time: nothing to draw). In English the language is switched to Spanish
# before any tab is open: the gates of the seven hidden tabs stay shut (those were the 6 HTTP 500s of
# every load).
WALKS = {"es-ES": ("en", "Train", ("train", "diffusion"), TABS), "en-US": ("es", "Entrenar", (), ())}


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_no_console_error_on_load_tabs_and_language_switch(browser, served, app_url, locale):
    lang, train_label, before_switch, after_switch = WALKS[locale]
    ctx = browser.new_context(locale=locale, viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    problems: list[str] = []
    inflight: set = set()

    def opened(req):
        if req.url.startswith(app_url) and not any(p in req.url for p in ("/heartbeat/", "/queue/data")):
            inflight.add(req)

    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.request.method} {r.url}")
            if r.status >= 400 else None)
    page.on("request", opened)
    page.on("requestfinished", lambda r: inflight.discard(r))
    page.on("requestfailed", lambda r: inflight.discard(r))  # an event stream the page closes itself

    def open_tab(tab, photo: bool = False):
        page.locator(f"#tab-{tab}-button").click()
        page.locator(f"#tab-{tab}").wait_for(state="visible")
        settle(page, served, inflight)
        if photo:  # every tab after the switch, as drawn (the flows run whole in one language only)
            page.screenshot(path=str(ARTIFACTS / f"walk-{lang}-{tab}.png"), full_page=True)

    # every animation frame the page asks for, counted (installed before Gradio's scripts load:
    # they keep their own reference to requestAnimationFrame)
    page.add_init_script("""(() => { const raf = window.requestAnimationFrame.bind(window); window.dleFrames = 0;
      window.requestAnimationFrame = (cb) => { window.dleFrames++; return raf(cb); }; })()""")
    try:
        page.goto(app_url)
        page.wait_for_selector("#train-start")
        settle(page, served, inflight)
        # the progress bars' springs settle within seconds; a loop that never ends does not
        per_second = []
        for _ in range(20):
            frames = page.evaluate("() => window.dleFrames")
            page.wait_for_timeout(1000)
            per_second.append(page.evaluate("() => window.dleFrames") - frames)
            if per_second[-1] < 3:
                break
        assert per_second[-1] < 3, f"{locale}: an idle page kept asking for frames, per second: {per_second}"
        for tab in before_switch:
            open_tab(tab)
        page.locator(f"#lang input[value='{lang}']").check()
        page.wait_for_function("(l) => document.querySelector('#tab-train-button')?.textContent.trim() === l",
                               arg=train_label)
        settle(page, served, inflight)
        for tab in after_switch:
            open_tab(tab, photo=True)
        if after_switch:  # an image tab's source switched to ones with nothing in them yet: quiet too
            open_tab("filters")
            for source in ("upload", "draw", "sample"):
                page.locator(f"#filters-source input[value='{source}']").check()
                settle(page, served, inflight)
        assert not problems, f"{locale}: " + "\n".join(problems)
    finally:
        ctx.close()
