"""The classroom around the tabs, as a teacher would use it: a shared link reopens a tab in a language
and in presenter mode; switching language relabels every tab (and sub-tab) at once; an image is sent
from one tab to another; the QR code and the shortcuts help open. Screenshots go to test-artifacts/."""
import re

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.test_diffusion_e2e import image_shown

pytestmark = pytest.mark.slow

TABS_EN = ["Train", "Filters", "Saliency", "Adversarial attacks", "Attention", "Embeddings", "Diffusion"]
TABS_ES = ["Entrenar", "Filtros", "Saliencia", "Ataques adversarios", "Atención", "Embeddings", "Difusión"]


def tab_labels(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('[role=tab]')].map(e => e.textContent.trim())")


def selected_tab(page) -> str:
    return page.evaluate("() => document.querySelector('[role=tab][aria-selected=true]').id")


def test_shared_link_restores_tab_language_and_presenter_mode(browser, app_url):
    ctx = browser.new_context(locale="es-ES", viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url + "?tab=diffusion&lang=en&presenter=1")
    page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')?.id === 'tab-diffusion-button'")
    page.wait_for_function("() => document.body.classList.contains('dle-presenter')")
    page.wait_for_function("(want) => [...document.querySelectorAll('[role=tab]')].slice(0, 7)"
                           ".map(e => e.textContent.trim()).join('|') === want", arg="|".join(TABS_EN))
    page.locator("#dif-status").get_by_text("Press ▶").wait_for()
    # the link it gives back reopens the same view
    page.locator("#dle-share").click()
    link = page.locator("#dle-link textarea, #dle-link input").first
    page.wait_for_function("() => /tab=diffusion/.test((document.querySelector('#dle-link textarea') || "
                           "document.querySelector('#dle-link input'))?.value ?? '')")  # drawn once the panel opens
    assert re.search(r"\?tab=diffusion&lang=en&presenter=1$", link.input_value())
    page.screenshot(path=str(ARTIFACTS / "classroom-presenter-en.png"))
    ctx.close()


def test_language_switch_relabels_every_tab_and_sub_tab(open_app):
    page, _ = open_app("en-US")
    assert tab_labels(page)[:7] == TABS_EN
    page.locator("#lang").get_by_text("Español").click()
    page.wait_for_function("(want) => [...document.querySelectorAll('[role=tab]')].slice(0, 7)"
                           ".map(e => e.textContent.trim()).join('|') === want", arg="|".join(TABS_ES))
    page.locator("#tab-filters-button").click()  # its sub-tabs are drawn now, after the switch
    page.wait_for_function("() => [...document.querySelectorAll('[role=tab]')].some(e => e.textContent.trim() === "
                           "'Laboratorio de convolución')")
    assert not {"Learned filters", "Convolution playground"} & set(tab_labels(page))


def test_send_a_dataset_image_from_filters_to_diffusion(open_app):
    page, _ = open_app("en-US")
    page.locator("#tab-filters-button").click()
    page.locator("#filters-source").get_by_text("Fashion-MNIST").click()
    box = page.locator("#filters-ds-index input")
    box.fill("42")
    box.press("Enter")
    page.locator("#dle-send").wait_for(state="visible")
    page.locator("#dle-send-target input").click()
    page.get_by_role("option", name="Diffusion").click()
    page.locator("#dle-send-go").click()
    page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')?.id === 'tab-diffusion-button'")
    page.wait_for_function("() => document.querySelector('#dif-ds-index input')?.value === '42'")
    image_shown(page, "#dif-forward")
    page.screenshot(path=str(ARTIFACTS / "classroom-sent-to-diffusion-en.png"))


def test_qr_code_and_shortcuts_help(open_app):
    page, _ = open_app("es-ES")
    page.locator("#dle-qr").click()
    image_shown(page, "#dle-qr-image")
    assert page.locator("#dle-link textarea, #dle-link input").first.input_value().startswith("http")
    page.locator("body").press("?")
    page.locator("#dle-keys-help").get_by_text("Atajos de teclado").wait_for()
    page.screenshot(path=str(ARTIFACTS / "classroom-qr-es.png"))
