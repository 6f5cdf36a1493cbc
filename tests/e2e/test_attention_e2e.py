"""A person's view of the Attention tab, in Spanish and English: the pronoun example opens with
"it" → "animal", the Spanish example picks "ellos", a word chosen in the dropdown redraws its row,
sentence similarity ranks the list; the ViT's pictures, where a click picks a patch. Screenshots go
to test-artifacts/."""
import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.test_train_e2e import wait_text

pytestmark = pytest.mark.slow

TEXTS = {
    "es-ES": dict(lang="es", tab="Atención", looks="mira sobre todo a", preset="«ellos» → «niños» (capa 6, cabeza 5)",
                  closest="La más parecida"),
    "en-US": dict(lang="en", tab="Attention", looks="looks mostly at", preset="“ellos” → “niños” (layer 6, head 5)",
                  closest="The closest"),
}


@pytest.mark.parametrize("locale", list(TEXTS))
def test_attention_text(open_app, locale):
    x = TEXTS[locale]
    page, external = open_app(locale)
    tab = page.locator("#tab-attention-button")
    assert tab.inner_text().strip() == x["tab"]
    tab.click()
    wait_text(page, "#att-status", x["looks"], timeout=120_000)
    assert "animal" in page.locator("#att-status").inner_text()
    for sel in ("#att-head-view", "#att-matrix", "#att-row", "#att-heads", "#att-token-heads", "#att-rollout"):
        page.wait_for_selector(f"{sel} .js-plotly-plot")
    wait_text(page, "#att-sim-status", x["closest"], timeout=60_000)
    page.wait_for_selector("#att-sim .js-plotly-plot")
    page.screenshot(path=str(ARTIFACTS / f"attention-{x['lang']}.png"), full_page=True)
    # the Spanish pronoun example: text, layer, head and word change together
    page.locator("#att-preset input").click()
    page.get_by_role("option", name=x["preset"]).click()
    wait_text(page, "#att-status", "ellos", timeout=60_000)
    assert "niños" in page.locator("#att-status").inner_text()
    assert "niños" in page.locator("#att-text textarea").input_value()
    page.locator("#att-head-view").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"attention-{x['lang']}-preset.png"), full_page=False)
    # another word from the dropdown redraws its row
    page.locator("#att-token input").click()
    page.get_by_role("option", name="6 · manzanas").click()
    wait_text(page, "#att-status", "«manzanas»" if x["lang"] == "es" else "“manzanas”", timeout=30_000)
    assert external == [], f"requests left this machine: {external[:5]}"


@pytest.mark.parametrize("locale", list(TEXTS))
def test_attention_image(open_app, locale):
    x = TEXTS[locale]
    page, external = open_app(locale)
    page.locator("#tab-attention-button").click()
    wait_text(page, "#vit-status", "ViT", timeout=120_000)
    page.locator("#vit-panels").scroll_into_view_if_needed()
    page.wait_for_selector("#vit-panels img")  # lazy images load once on screen
    page.locator("#vit-mosaic").scroll_into_view_if_needed()
    page.wait_for_selector("#vit-mosaic img")
    page.wait_for_selector("#vit-probs .js-plotly-plot")
    assert page.locator("#vit-token input").input_value() == "0"
    # a click on the second patch tile selects the patch under the pointer
    img = page.locator("#vit-panels img")
    img.scroll_into_view_if_needed()
    box = img.bounding_box()
    natural = page.evaluate("() => [document.querySelector('#vit-panels img').naturalWidth,"
                            " document.querySelector('#vit-panels img').naturalHeight]")
    f = box["width"] / natural[0]
    # patch 25 (row 4, column 4): the centre of the first tile's grid
    from explorer.attention.views import VIT_HEAD, VIT_TOP
    px, py = 8 + 3.5 * 40, VIT_TOP + VIT_HEAD + 3.5 * 40
    page.mouse.click(box["x"] + px * f, box["y"] + py * f)
    page.wait_for_function("() => document.querySelector('#vit-token input').value === '25'", timeout=30_000)
    wait_text(page, "#vit-status", "25 (", timeout=30_000)  # the status names the patch looking
    page.wait_for_timeout(1000)  # the redrawn pictures load
    page.locator("#vit-status").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"attention-{x['lang']}-vit.png"), full_page=False)
    assert external == [], f"requests left this machine: {external[:5]}"
