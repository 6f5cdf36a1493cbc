"""The classroom around the tabs, as a teacher would use it: a shared link reopens a tab in a language
and in presenter mode; switching language relabels every tab (and sub-tab) at once; an image is sent
from one tab to another; the QR code and the shortcuts help open. Screenshots go to test-artifacts/."""
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import ARTIFACTS
from tests.e2e.test_diffusion_e2e import image_shown

pytestmark = pytest.mark.slow

TABS_EN = ["Train", "Fundamentals", "Filters", "Saliency", "Adversarial attacks", "Attention", "Embeddings",
           "My archive", "Diffusion"]
TABS_ES = ["Entrenar", "Fundamentos", "Filtros", "Saliencia", "Ataques adversarios", "Atención", "Embeddings",
           "Mi archivo", "Difusión"]


def tab_labels(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('[role=tab]')].map(e => e.textContent.trim())")


def selected_tab(page) -> str:
    return page.evaluate("() => document.querySelector('[role=tab][aria-selected=true]').id")


def test_shared_link_restores_tab_language_and_presenter_mode(browser, app_url):
    # a projector's 1280 × 720 in presenter mode: the tabs do not fit on one row. They wrap to a
    # second one (every tab on screen, in the page's language), not into Gradio's "⋯" menu, whose
    # items kept the browser's language; and the open tab's button is labelled as its own tab
    ctx = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url + "?tab=diffusion&lang=en&presenter=1")
    page.wait_for_function(DIFFUSION_SELECTED_JS)
    page.wait_for_function("() => document.body.classList.contains('dle-presenter')")
    page.wait_for_function("(want) => [...document.querySelectorAll('[role=tab]')].slice(0, 9)"
                           ".map(e => e.textContent.trim()).join('|') === want", arg="|".join(TABS_EN))
    assert page.locator("[role=tab][aria-selected=true]").first.text_content().strip() == "Diffusion"
    assert page.locator("button[aria-label='More tabs']:visible").count() == 0
    off = page.evaluate("() => [...document.querySelectorAll('[role=tab]')].slice(0, 9).filter((e) => {"
                        " const r = e.getBoundingClientRect(); return !r.width || r.right > innerWidth; })"
                        ".map((e) => e.textContent.trim())")
    assert not off, off  # every tab on screen
    page.locator("#dif-status").get_by_text("Press ▶").wait_for()
    # the link it gives back reopens the same view
    page.locator("#dle-share").click()
    link = page.locator("#dle-link textarea, #dle-link input").first
    page.wait_for_function("() => /tab=diffusion/.test((document.querySelector('#dle-link textarea') || "
                           "document.querySelector('#dle-link input'))?.value ?? '')")  # drawn once the panel opens
    assert re.search(r"\?tab=diffusion&lang=en&presenter=1$", link.input_value())
    page.screenshot(path=str(ARTIFACTS / "classroom-presenter-en.png"))
    page.goto(app_url + "?tab=archive")  # "Mi archivo", a tab of its own (issue 18)
    page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')?.id === "
                           "'tab-archive-button'")
    ctx.close()


def test_language_switch_relabels_every_tab_and_sub_tab(open_app):
    page, _ = open_app("en-US")
    assert tab_labels(page)[:9] == TABS_EN
    page.locator("#lang").get_by_text("Español").click()
    page.wait_for_function("(want) => [...document.querySelectorAll('[role=tab]')].slice(0, 9)"
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
    page.wait_for_function(DIFFUSION_SELECTED_JS)
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


LINK_JS = ("() => (document.querySelector('#dle-link textarea') || document.querySelector('#dle-link input'))"
           "?.value ?? ''")
DIFFUSION_SELECTED_JS = "() => document.querySelector('[role=tab][aria-selected=true]')?.id === 'tab-diffusion-button'"


def shared_link(page, must: str) -> str:
    """Press the share button and return the link once it names ``must`` (a regex). Pressed again
    (three times at most) when the link came without it: once, in a full run, a link made right
    after a typed value missed it (the cause is not known yet); the links seen are in the message."""
    seen = []
    for _ in range(3):
        page.locator("#dle-share").click()
        try:
            page.wait_for_function(f"(re) => new RegExp(re).test(({LINK_JS})())", arg=must, timeout=15_000)
            return page.evaluate(LINK_JS)
        except PlaywrightTimeout:
            seen.append(page.evaluate(LINK_JS))
    page.screenshot(path=str(ARTIFACTS / "classroom-share-link-failed.png"))
    raise AssertionError(f"no link with {must!r} after three presses; links seen: {seen}")


def range_value(page, label: str) -> str:
    return page.evaluate("(l) => document.querySelector(`input[aria-label='range slider for ${l}']`)?.value", label)


CAT = "The cat sat on the mat because it was warm."


def test_shared_link_restores_each_tabs_settings(browser, app_url):
    """Two tabs' settings changed, each tab's link opened in a new page: the controls hold the
    values (Train: a preset, then one of its parameters changed — the preset is restored first, the
    parameter after it; Attention: a sentence, a layer and a head, which its views are drawn with)."""
    ctx = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url)
    page.wait_for_selector("#train-start")
    # Train: "The best one" (5 epochs, 16 filters), then 3 epochs
    page.locator("#train-preset input").click()
    page.get_by_role("option", name="The best one (≈30 s)").click()
    page.wait_for_function("() => document.querySelector(\"input[aria-label='range slider for Filters in the first "
                           "block']\")?.value === '16'")
    page.get_by_text("Optimisation and regularisation").click()
    # the accordion's sliders show the preset's 5 epochs before one is typed over: a value typed
    # while the opened accordion was still mounting its sliders was once lost (a link with
    # epochs_label=5, seen twice under a full, parallel run)
    page.wait_for_function("() => document.querySelector(\"input[aria-label='range slider for Epochs']\")"
                           "?.value === '5'")
    # typed until it holds: under a loaded machine the 3 typed once came back as the preset's 5 (twice
    # in ~8 full runs, after the slider had shown 5): a late second application of the preset is
    # the suspect (app race, not fixed yet: see the stop's note)
    box = page.locator("input[aria-label='number input for Epochs']")
    for attempt in range(3):
        box.fill("3")
        box.press("Enter")
        try:
            page.wait_for_function("() => document.querySelector(\"input[aria-label='range slider for Epochs']\")"
                                   "?.value === '3'", timeout=10_000)
            page.wait_for_timeout(1000)
            if range_value(page, "Epochs") == "3":
                break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    train_link = shared_link(page, "epochs_label=3")
    assert "tab=train" in train_link and "train-preset=best" in train_link and "lang=en" in train_link
    assert "dataset_label" not in train_link  # unchanged settings stay out of the link
    # Attention, in Spanish: a sentence of our own, layer 2, head 3
    page.locator("#lang").get_by_text("Español").click()
    page.locator("#tab-attention-button").click()
    page.locator("#att-status").wait_for()
    text = page.locator("#att-text textarea")
    text.fill(CAT)
    box = page.locator("#att-layer input[type=number]")
    box.fill("2")
    box.press("Enter")
    page.locator("#att-head input").click()
    page.get_by_role("option", name="3", exact=True).click()
    att_link = shared_link(page, "tab=attention")
    assert "lang=es" in att_link and "att-layer=2" in att_link and "att-head=2" in att_link
    assert "att-text=The+cat+sat+on+the+mat+because+it+was+warm.&" in att_link, att_link
    assert "epochs_label" not in att_link
    ctx.close()

    for link, locale, shot in ((train_link, "es-ES", "classroom-shared-train-en.png"),
                               (att_link, "en-US", "classroom-shared-attention-es.png")):
        ctx = browser.new_context(locale=locale, viewport={"width": 1440, "height": 1000})
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        page.goto(link)
        if "tab=train" in link:
            page.wait_for_function(
                "() => document.querySelector('#train-preset input')?.value === 'The best one (≈30 s)'")
            page.get_by_text("Optimisation and regularisation").click()
            page.wait_for_function("() => document.querySelector(\"input[aria-label='range slider for Epochs']\")"
                                   "?.value === '3'")
            # the preset's other parameters stay as it set them
            assert range_value(page, "Filters in the first block") == "16"
            assert range_value(page, "Dense layer units") == "128"
        else:
            page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')?.id === "
                                   "'tab-attention-button'")
            page.wait_for_function("(t) => document.querySelector('#att-text textarea')?.value === t", arg=CAT)
            assert page.locator("#att-layer input[type=range]").input_value() == "2"
            assert page.locator("#att-head input").input_value() == "3"
            # the views are drawn from the restored sentence, in Spanish
            page.wait_for_function("() => /mira sobre todo a/.test(document.querySelector('#att-status')?.innerText"
                                   " ?? '')", timeout=120_000)
            page.wait_for_selector("#att-matrix .js-plotly-plot")
            assert "mat" in page.locator("#att-matrix").inner_text()
        page.screenshot(path=str(ARTIFACTS / shot))
        ctx.close()


def test_a_bad_link_opens_the_defaults(browser, app_url):
    ctx = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url + "?tab=attention&att-layer=99&att-head=zz&att-text=" + "x" * 900 + "&att-unit=%00&dif-t=5")
    page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')?.id === "
                           "'tab-attention-button'")
    page.wait_for_function("() => /looks mostly at/.test(document.querySelector('#att-status')?.innerText ?? '')",
                           timeout=120_000)
    assert page.locator("#att-layer input[type=range]").input_value() == "4"
    assert page.locator("#att-text textarea").input_value().startswith("The animal didn't cross")
    assert not page.locator(".toast-body").count() and not errors
    ctx.close()


@pytest.mark.parametrize("locale, lang, title", [("es-ES", "es", "Atención · Deep Learning Explorer"),
                                                 ("en-US", "en", "Attention · Deep Learning Explorer")])
def test_export_the_open_tabs_figures_as_html(open_app, locale, lang, title):
    page, _ = open_app(locale)
    # the Train tab before any training: its curves' axes are drawn once the page has its language,
    # but they hold no trace — a message, no file (whether or not the click comes before they are)
    page.wait_for_selector("#train-curves .js-plotly-plot")
    page.locator("#dle-export").click()
    page.locator(".toast-body").first.wait_for()
    assert not page.locator("#dle-export-file a").count()
    page.locator("#tab-attention-button").click()
    for sel in ("#att-head-view", "#att-matrix", "#att-rollout", "#att-sim"):
        page.wait_for_selector(f"{sel} .js-plotly-plot", timeout=120_000)
    page.locator("#dle-export").click()
    link = page.locator("#dle-export-file a").first
    link.wait_for(timeout=60_000)
    exported = page.locator("#dle-export-file").inner_text()
    assert re.search(r"deep-learning-explorer-attention-[-0-9]+\s*\.html", exported)
    html = page.request.get(link.get_attribute("href")).text()
    assert f"<title>{title}" in html and f'<html lang="{lang}">' in html
    assert html.count("Plotly.newPlot(") >= 8 and not re.search(r"<script[^>]+src=", html)
    page.locator("#dle-classroom-panel").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"classroom-export-html-{lang}.png"))
    # the page itself, opened with no network: every figure drawn by the embedded plotly.js
    offline = page.context.new_page()
    offline.route("**/*", lambda route: route.abort())
    offline.set_content(html)
    offline.wait_for_function("(n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                              arg=8, timeout=60_000)
    offline.screenshot(path=str(ARTIFACTS / f"classroom-exported-page-{lang}.png"))
    offline.close()
