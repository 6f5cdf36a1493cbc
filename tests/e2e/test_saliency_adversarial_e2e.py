"""A person's view of the Saliency and Adversarial tabs, in Spanish and English: the cat photo
explained by every method, the sanity check on the Fashion CNN, two grey levels that turn the cat
into something else, and the accuracy-versus-ε curves. Screenshots go to test-artifacts/."""
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import first_views_only, why_not_shown
from tests.e2e.test_train_e2e import wait_text

pytestmark = pytest.mark.slow

TEXTS = {
    "es-ES": dict(lang="es", sal_tab="Saliencia", adv_tab="Ataques adversarios", explained="Se explica",
                  complete="Completitud", fashion="CNN Fashion-MNIST (incluida)", sanity="Hecho",
                  changed="cambiado de opinión", sweep_done="Hecho", robust="robusta",
                  tripod="«tripod» (trípode) con un 95 %"),
    "en-US": dict(lang="en", sal_tab="Saliency", adv_tab="Adversarial attacks", explained="Explaining",
                  complete="Completeness", fashion="Fashion-MNIST CNN (shipped)", sanity="Done",
                  changed="changed its mind", sweep_done="Done", robust="Robust", tripod="“tripod” with 95 %"),
}


@pytest.mark.parametrize("locale", list(TEXTS))
def test_saliency_tab(open_app, locale):
    x = TEXTS[locale]
    page, external = open_app(locale)
    tab = page.locator("#tab-saliency-button")
    assert tab.inner_text().strip() == x["sal_tab"]
    tab.click()
    wait_text(page, "#sal-status", x["explained"], timeout=180_000)
    page.wait_for_selector("#sal-grid img")
    wait_text(page, "#sal-completeness", x["complete"])
    page.screenshot(path=str(ARTIFACTS / f"saliency-{x['lang']}.png"), full_page=True)
    if first_views_only(locale, "en-US", external):
        return
    # the sanity check on the 28×28 CNN (fast): maps and the correlation curves stream in
    page.locator("#sal-net label", has_text=x["fashion"]).click()
    wait_text(page, "#sal-status", x["explained"], timeout=120_000)
    page.click("#sal-sanity-run")
    wait_text(page, "#sal-sanity-status", x["sanity"], timeout=180_000)
    corr = "#sal-corr .js-plotly-plot .scatterlayer .trace"
    try:  # drawn after the status
        page.wait_for_selector(corr, timeout=90_000)
    except PlaywrightTimeout:  # seen once in a whole run (not again in 5 tries alone): say what was there
        pytest.fail(why_not_shown(page, corr, f"saliency-corr-missing-{x['lang']}"), pytrace=False)
    page.wait_for_selector("#sal-sanity-grid img")
    page.screenshot(path=str(ARTIFACTS / f"saliency-{x['lang']}-sanity.png"), full_page=True)
    # a teaching scenario (the » button, the presenter's "]" key: the first one): Grad-CAM on the
    # cameraman, "tripod" 95 %, and the lesson
    page.click("#sal-next-preset")
    wait_text(page, "#sal-lesson", x["tripod"], timeout=60_000)
    wait_text(page, "#sal-status", "tripod", timeout=180_000)
    page.wait_for_selector("#sal-grid img")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / f"saliency-{x['lang']}-scenario.png"), full_page=True)
    assert external == [], f"requests left this machine: {external[:5]}"


@pytest.mark.parametrize("locale", list(TEXTS))
def test_adversarial_tab(open_app, locale):
    x = TEXTS[locale]
    page, external = open_app(locale)
    tab = page.locator("#tab-adversarial-button")
    assert tab.inner_text().strip() == x["adv_tab"]
    tab.click()
    wait_text(page, "#adv-status", x["changed"], timeout=120_000)
    for sel in ("#adv-original img", "#adv-delta img", "#adv-image img"):
        page.wait_for_selector(sel)
    page.wait_for_selector("#adv-predictions .js-plotly-plot")
    page.screenshot(path=str(ARTIFACTS / f"adversarial-{x['lang']}.png"), full_page=True)
    if first_views_only(locale, "es-ES", external):
        return
    page.click("#sweep-run")
    wait_text(page, "#sweep-status", x["sweep_done"], timeout=180_000)
    page.wait_for_selector("#sweep-plot .js-plotly-plot .scatterlayer .trace")
    assert x["robust"] in page.locator("#sweep-plot").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"adversarial-{x['lang']}-sweep.png"), full_page=True)
    assert external == [], f"requests left this machine: {external[:5]}"


SCENARIOS = {
    "es-ES": dict(lang="es", tab="Ataques adversarios", pgd="PGD, el mismo ε: la zapatilla cae", flipped="«Botín»",
                  pct="68,2 %", held="resiste", robust_pct="83,9 %", sweep_pct="78,6 %", sweep_done="Hecho"),
    "en-US": dict(lang="en", tab="Adversarial attacks", pgd="PGD, same ε: the sneaker falls", flipped="“Ankle boot”",
                  pct="68.2 %", held="holds", robust_pct="83.9 %", sweep_pct="78.6 %", sweep_done="Done"),
}


@pytest.mark.parametrize("locale", list(SCENARIOS))
def test_adversarial_scenarios(open_app, locale):
    """A teacher picks "PGD flips the sneaker" (the image changes: the attack runs once, from the
    image's change), then » (the robust CNN, same image: the scenario runs the attack itself), then
    the ] key (the sweep scenario: the accuracy curves)."""
    x = SCENARIOS[locale]
    page, external = open_app(locale)
    page.locator("#tab-adversarial-button").click()
    page.wait_for_selector("#adv-status p")  # the cat photo's attack, on opening
    page.locator("#adv-preset input").click()
    page.get_by_role("option", name=x["pgd"]).click()
    wait_text(page, "#adv-status", x["flipped"], timeout=120_000)
    assert x["pct"] in page.locator("#adv-status").inner_text()
    assert x["pct"] in page.locator("#adv-lesson").inner_text()
    page.wait_for_selector("#adv-image img")
    page.screenshot(path=str(ARTIFACTS / f"adversarial-{x['lang']}-scenario.png"), full_page=False)
    if first_views_only(locale, "en-US", external):
        return
    page.click("#adv-next-preset")
    wait_text(page, "#adv-status", x["held"], timeout=120_000)
    assert x["robust_pct"] in page.locator("#adv-status").inner_text()
    assert x["robust_pct"] in page.locator("#adv-lesson").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"adversarial-{x['lang']}-scenario-robust.png"), full_page=False)
    page.locator("body").click(position={"x": 5, "y": 5})  # out of any field: the shortcut is live
    page.keyboard.press("]")
    wait_text(page, "#adv-lesson", x["sweep_pct"], timeout=30_000)
    wait_text(page, "#sweep-status", x["sweep_done"], timeout=180_000)
    page.wait_for_selector("#sweep-plot .js-plotly-plot .scatterlayer .trace")
    page.locator("#sweep-plot").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"adversarial-{x['lang']}-scenario-sweep.png"), full_page=True)
    assert external == [], f"requests left this machine: {external[:5]}"
