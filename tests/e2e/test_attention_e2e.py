"""A person's view of the Attention tab, in Spanish and English: the pronoun example opens with
"it" → "animal", the Spanish example picks "ellos", a word chosen in the dropdown redraws its row,
sentence similarity ranks the list. Screenshots go to test-artifacts/."""
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
    assert external == [], f"requests left this machine: {external[:5]}"
