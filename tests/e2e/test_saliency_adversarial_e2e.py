"""A person's view of the Saliency and Adversarial tabs, in Spanish and English: the cat photo
explained by every method, the sanity check on the Fashion CNN, two grey levels that turn the cat
into something else, and the accuracy-versus-ε curves. Screenshots go to test-artifacts/."""
import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.test_train_e2e import wait_text

pytestmark = pytest.mark.slow

TEXTS = {
    "es-ES": dict(lang="es", sal_tab="Saliencia", adv_tab="Ataques adversarios", explained="Se explica",
                  complete="Completitud", fashion="CNN Fashion-MNIST (incluida)", sanity="Hecho",
                  changed="cambiado de opinión", sweep_done="Hecho", robust="robusta", tripod="«tripod» (trípode) con un 95 %"),
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
    # the sanity check on the 28×28 CNN (fast): maps and the correlation curves stream in
    page.locator("#sal-net label", has_text=x["fashion"]).click()
    wait_text(page, "#sal-status", x["explained"], timeout=120_000)
    page.click("#sal-sanity-run")
    wait_text(page, "#sal-sanity-status", x["sanity"], timeout=180_000)
    page.wait_for_selector("#sal-corr .js-plotly-plot .scatterlayer .trace")
    page.wait_for_selector("#sal-sanity-grid img")
    page.screenshot(path=str(ARTIFACTS / f"saliency-{x['lang']}-sanity.png"), full_page=True)
    # a teaching scenario (the ⟩ button, the presenter's "]" key: the first one): Grad-CAM on the
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
    page.click("#sweep-run")
    wait_text(page, "#sweep-status", x["sweep_done"], timeout=180_000)
    page.wait_for_selector("#sweep-plot .js-plotly-plot .scatterlayer .trace")
    assert x["robust"] in page.locator("#sweep-plot").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"adversarial-{x['lang']}-sweep.png"), full_page=True)
    assert external == [], f"requests left this machine: {external[:5]}"
