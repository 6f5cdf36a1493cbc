"""A person's view of the Filters tab, in Spanish and English: the cat photo through EfficientNet,
its feature maps and filters, activation maximisation, and the convolution playground where a
click on an output pixel shows its arithmetic. Screenshots go to test-artifacts/."""
import json

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import first_views_only
from tests.e2e.test_train_e2e import wait_text

pytestmark = pytest.mark.slow

TEXTS = {
    "es-ES": dict(lang="es", tab="Filtros", top="Egyptian cat", maps="alto × ancho × canales", rf="Campo receptivo",
                  sum="Σ productos", bad="no una imagen", mx="paso 16/16", sobel="+1,90"),
    "en-US": dict(lang="en", tab="Filters", top="Egyptian cat", maps="height × width × channels", rf="Receptive field",
                  sum="Σ products", bad="not an image", mx="step 16/16", sobel="+1.90"),
}


def json_of(page, selector: str) -> dict:
    """The value shown by a gr.JSON component (its accordion must be open)."""
    return json.loads(page.locator(f"{selector} .json-holder, {selector}").first.inner_text() or "{}")


@pytest.mark.parametrize("locale", list(TEXTS))
def test_filters_tab_in_both_languages(open_app, locale, tmp_path):
    x = TEXTS[locale]
    page, external = open_app(locale)
    tab = page.locator("#tab-filters-button")
    assert tab.inner_text().strip() == x["tab"]
    tab.click()
    # prediction of the default photo, preprocessing steps, feature maps and the stage table
    wait_text(page, "#filters-top5", x["top"], timeout=60_000)
    page.wait_for_selector("#filters-prep img")
    wait_text(page, "#filters-maps-plot", x["maps"])
    wait_text(page, "#filters-stages", x["rf"])
    page.wait_for_selector("#filters-overlay img")
    page.screenshot(path=str(ARTIFACTS / f"filters-{x['lang']}.png"), full_page=True)
    if first_views_only(locale, "es-ES", external):
        return

    # the learned filters: the first layer of EfficientNet, in colour
    page.locator("#tab-filters-weights-button").click()
    page.wait_for_selector("#filters-weights-plot .js-plotly-plot")
    page.screenshot(path=str(ARTIFACTS / f"filters-{x['lang']}-weights.png"), full_page=True)

    # activation maximisation streams an image and reports progress
    page.locator("#tab-filters-maximize-button").click()
    steps = page.locator("#tab-filters-maximize input[type='number']").first
    steps.fill("16")
    steps.press("Enter")
    page.wait_for_function("() => document.querySelector(\"#tab-filters-maximize input[type='number']\")"
                           "?.value === '16'", timeout=10_000)
    page.click("#filters-mx-start")
    wait_text(page, "#filters-mx-status", x["mx"], timeout=60_000)
    page.wait_for_selector("#filters-mx-image img")
    page.screenshot(path=str(ARTIFACTS / f"filters-{x['lang']}-maximize.png"), full_page=True)

    # the playground: click an output pixel, see its products and their sum
    page.locator("#tab-filters-playground-button").click()
    wait_text(page, "#filters-products", x["sum"])
    out = page.locator("#filters-pg-output img")
    out.wait_for()
    before = page.locator("#filters-row input").input_value(), page.locator("#filters-col input").input_value()
    box = out.bounding_box()
    out.click(position={"x": box["width"] * 0.2, "y": box["height"] * 0.3})
    page.wait_for_function(
        "([r, c]) => { const a = document.querySelector('#filters-row input')?.value;"
        " const b = document.querySelector('#filters-col input')?.value; return a !== r || b !== c; }",
        arg=list(before), timeout=30_000)
    row = int(page.locator("#filters-row input").input_value())
    col = int(page.locator("#filters-col input").input_value())
    wait_text(page, "#filters-products", f"[{row}, {col}]")
    page.screenshot(path=str(ARTIFACTS / f"filters-{x['lang']}-playground.png"), full_page=True)

    # a teaching scenario (the » button, the presenter's "]" key: the first one, Sobel x): the lesson,
    # the playground opened on the cameraman with the marked pixel the lesson quotes
    page.click("#filters-next-preset")
    wait_text(page, "#filters-lesson", x["sobel"], timeout=60_000)
    wait_text(page, "#filters-products", "[47, 51]", timeout=60_000)
    wait_text(page, "#filters-pg-info", "96", timeout=30_000)
    assert page.locator("#filters-kernel-preset input").input_value() == "Sobel x"
    page.wait_for_timeout(1500)  # the network views behind it
    page.screenshot(path=str(ARTIFACTS / f"filters-{x['lang']}-scenario.png"), full_page=True)

    # a PDF renamed .png: a translated message, and the tab keeps working
    bad = tmp_path / "scan.png"
    bad.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    page.locator("#filters-source label", has_text="Subir" if x["lang"] == "es" else "Upload").click()
    page.locator("#filters-upload input[type='file']").set_input_files(str(bad))
    page.wait_for_selector(f".toast-body:has-text('{x['bad']}')", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / f"filters-{x['lang']}-bad-upload.png"), full_page=True)
    assert external == [], f"requests left this machine: {external[:5]}"
