"""A person's view of the Attention tab, in Spanish and English: a Spanish page opens on «ellos» →
«vecinos» with the multilingual model, an English one on MiniLM's "it" → "animal"; a Spanish example
picks "ellos" and its lesson, MiniLM reads the same sentence in its own pieces, a word chosen in the
dropdown redraws its row, the similarity puts a Spanish sentence's translation first; the ViT's
pictures, where a click picks a patch. Screenshots go to test-artifacts/."""
import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import first_views_only
from tests.e2e.test_train_e2e import wait_text

pytestmark = pytest.mark.slow

TEXTS = {
    "es-ES": dict(lang="es", tab="Atención", looks="mira sobre todo a", opens="«vecinos»",
                  model="multilingual-e5-small",
                  lesson="0,38", preset="«ellos» → «niños», no «manzanas» (multilingüe, capa 9, cabeza 9)",
                  minilm="all-MiniLM-L6-v2 · 6 capas · inglés", closest="La más parecida",
                  translation="The archive keeps old letters"),
    "en-US": dict(lang="en", tab="Attention", looks="looks mostly at", opens="“animal”", model="all-MiniLM-L6-v2",
                  lesson="0.68", preset="“ellos” → “niños”, not “manzanas” (multilingual, layer 9, head 9)",
                  minilm="all-MiniLM-L6-v2 · 6 layers · English", closest="The closest",
                  translation="The archive keeps old letters"),
}


@pytest.mark.parametrize("locale", list(TEXTS))
def test_attention_text(open_app, locale):
    x = TEXTS[locale]
    page, external = open_app(locale)
    tab = page.locator("#tab-attention-button")
    assert tab.inner_text().strip() == x["tab"]
    tab.click()
    # a Spanish page opens on «ellos» → «vecinos» read by the multilingual model, an English one on
    # MiniLM's "it" → "animal"; each with its lesson and both models' pieces
    wait_text(page, "#att-status", x["looks"], timeout=120_000)
    wait_text(page, "#att-status", x["opens"], timeout=30_000)
    assert x["model"] in page.locator("#att-status").inner_text()
    wait_text(page, "#att-lesson", x["lesson"], timeout=30_000)
    wait_text(page, "#att-tokens", "all-MiniLM-L6-v2")
    assert "multilingual-e5-small" in page.locator("#att-tokens").inner_text()
    for sel in ("#att-head-view", "#att-matrix", "#att-row", "#att-heads", "#att-token-heads", "#att-rollout"):
        page.wait_for_selector(f"{sel} .js-plotly-plot")
    # the similarity opens on a Spanish sentence: its English translation comes first
    wait_text(page, "#att-sim-status", x["closest"], timeout=60_000)
    assert x["translation"] in page.locator("#att-sim-status").inner_text()
    page.wait_for_selector("#att-sim .js-plotly-plot")
    page.screenshot(path=str(ARTIFACTS / f"attention-{x['lang']}.png"), full_page=True)
    if first_views_only(locale, "es-ES", external):
        return
    # the second Spanish pronoun example: text, model, layer, head, word and lesson change together
    page.locator("#att-preset input").click()
    page.get_by_role("option", name=x["preset"]).click()
    wait_text(page, "#att-status", "ellos", timeout=60_000)
    wait_text(page, "#att-status", "niños", timeout=30_000)
    assert "multilingual-e5-small" in page.locator("#att-status").inner_text()
    assert "niños" in page.locator("#att-text textarea").input_value()
    wait_text(page, "#att-lesson", "0,62" if x["lang"] == "es" else "0.62")
    page.locator("#att-head-view").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"attention-{x['lang']}-preset.png"), full_page=False)
    # another word from the dropdown redraws its row
    page.locator("#att-token input").click()
    page.get_by_role("option", name="6 · manzanas").click()
    wait_text(page, "#att-status", "«manzanas»" if x["lang"] == "es" else "“manzanas”", timeout=30_000)
    # the English-only model on the same sentence: its own pieces, 6 layers
    page.locator("#att-model").get_by_text(x["minilm"]).click()
    wait_text(page, "#att-status", "all-MiniLM-L6-v2", timeout=60_000)
    assert page.locator("#att-layer input[type='number']").first.get_attribute("max") == "6"
    page.locator("#att-tokens").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"attention-{x['lang']}-minilm.png"), full_page=False)
    # a student's phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#att-text").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"attention-{x['lang']}-phone.png"), full_page=False)
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
    if first_views_only(locale, "en-US", external):
        page.screenshot(path=str(ARTIFACTS / f"attention-{x['lang']}-vit.png"), full_page=False)
        return
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
