"""The presenter's "next scenario" (the » button, the "]" key) in the Train and Attention tabs, which
had presets but no way to step through them from the keyboard."""
import pytest

from explorer.attention.scenarios import DEFAULTS, SCENARIOS
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.slow


def wait_value(page, selector: str, text: str, timeout: float = 60_000):
    page.wait_for_function(
        "([sel, txt]) => { const el = document.querySelector(sel); return el && el.value.includes(txt); }",
        arg=[selector, text], timeout=timeout)


def test_next_scenario_in_train_and_attention(open_app):
    page, external = open_app("en-US")
    page.wait_for_function("() => document.querySelector(\"#lang input[value='en']\")?.checked")
    # Train: "quick" -> "]" -> "best", whose settings (5 epochs) and lesson follow
    wait_value(page, "#train-preset input", "Quick demo")
    page.locator("body").click(position={"x": 5, "y": 5})  # no field focused: the key is a shortcut
    page.keyboard.press("]")
    wait_value(page, "#train-preset input", "The best one")
    page.wait_for_function("() => document.querySelector('#train-lesson')?.innerText.includes('five epochs')",
                           timeout=30_000)
    # Attention: the » button steps from the English page's example to the next one, text and views with it
    page.click("#tab-attention-button")
    page.wait_for_function("() => document.querySelector('#att-status')?.innerText.includes('animal')",
                           timeout=120_000)
    before = page.locator("#att-status").inner_text()
    nxt = SCENARIOS.following(DEFAULTS["en"])  # "it" when the street is wide
    page.click("#att-next-preset")
    wait_value(page, "#att-text textarea", SCENARIOS[nxt]["text"][:40])
    page.wait_for_function("(b) => { const s = document.querySelector('#att-status')?.innerText;"
                           " return s && s !== b && !s.includes('…'); }", arg=before, timeout=60_000)
    assert SCENARIOS[nxt]["text"] == page.locator("#att-text textarea").input_value()
    # the views are the new sentence's ("wide", where the first example says "tired")
    page.wait_for_function("() => document.querySelector('#att-head-view')?.textContent.includes('wide')",
                           timeout=60_000)
    assert "tired" not in page.locator("#att-head-view").text_content()
    page.screenshot(path=str(ARTIFACTS / "attention-en-next-scenario.png"), full_page=False)
    assert external == [], f"requests left this machine: {external[:5]}"
