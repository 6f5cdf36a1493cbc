import shutil

import pytest

from tests.conftest import ARTIFACTS, require

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run", "--enable-unsafe-swiftshader"]


@pytest.fixture(scope="session")
def browser():
    import os

    require(os.path.exists(CHROMIUM), "Debian chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def open_app(browser, app_url):
    """open_app(locale) -> (page, external_requests): a fresh browser context in that locale."""
    contexts = []

    def _open(locale: str):
        ctx = browser.new_context(locale=locale, viewport={"width": 1440, "height": 1000})
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        external: list[str] = []
        page.on("request", lambda r: external.append(r.url)
                if not r.url.startswith((app_url, "data:", "blob:")) else None)
        # what the page said went wrong, for a failing test's message (see why_not_shown)
        page.dle_console = []
        page.on("console", lambda m: page.dle_console.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: page.dle_console.append(f"page error: {e}"))
        page.goto(app_url)
        page.wait_for_selector("#train-start")
        return page, external

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture(autouse=True)
def no_server_errors(server_log):
    """Every browser test fails if the server printed a traceback or logged an error meanwhile
    (a handler's crash, a value Gradio refused: nothing a user should be able to cause)."""
    mark = server_log.mark()
    yield
    errors = server_log.errors(mark)
    if errors:
        pytest.fail(f"the server reported {len(errors)} error(s) during this test:\n\n" + server_log.report(errors),
                    pytrace=False)


# Each tab's flow runs whole in one language; in the other it stops once the tab's first views are
# drawn and photographed (checked: that language's labels, numbers and first computed text). The
# second language's whole flows repeated the same computations and clicks for some 5 minutes of
# the suite's 20 on 2 cores. The language that runs whole alternates between the tabs, and the
# language switch tests (test_classroom_e2e, test_train_e2e, test_console_e2e) redraw every tab.
def first_views_only(locale: str, whole_in: str, external: list[str]) -> bool:
    """True (after checking that no request left the machine) when ``locale``'s run of a flow
    stops here: the flow runs whole in ``whole_in`` only."""
    if locale == whole_in:
        return False
    assert external == [], f"requests left this machine: {external[:5]}"
    return True


def why_not_shown(page, selector: str, name: str) -> str:
    """For a test that waited in vain for ``selector``: a screenshot (test-artifacts/<name>.png) and
    what the page holds there and said meanwhile."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    held = page.evaluate("""(sel) => { const parts = sel.split(' '); let out = [];
        for (let i = 1; i <= parts.length; i++) { const q = parts.slice(0, i).join(' ');
            const els = document.querySelectorAll(q); const r = els[0] && els[0].getBoundingClientRect();
            out.push(`${q}: ${els.length}` + (r ? ` (first ${Math.round(r.width)}x${Math.round(r.height)})` : '')); }
        return out.join('\\n'); }""", selector)
    said = "\n".join(getattr(page, "dle_console", [])[-20:]) or "(nothing)"
    return f"{selector} not shown; screenshot test-artifacts/{name}.png\n{held}\nthe console said:\n{said}"
