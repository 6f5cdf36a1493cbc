"""A person's view of the Diffusion tab, in Spanish and English: the forward process and the schedule
appear on opening, ▶ generates 16 images from noise until the status says it is done, the recorded-step
slider goes back through the run and ⏭ takes single steps. Screenshots go to test-artifacts/."""
import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import first_views_only
from tests.e2e.test_train_e2e import wait_text

pytestmark = pytest.mark.slow

STEPS = 20  # DDIM steps for the run (the default 50 is just slower)
TEXTS = {
    "es-ES": dict(lang="es", tab="Difusión", noise="t = 300 de", pred="error RMS", press="Pulsa ▶", done="Hecho",
                  recognised="La CNN reconoce", step="Paso {i} de {n}", earlier="viendo un paso anterior",
                  play="Reproducir"),
    "en-US": dict(lang="en", tab="Diffusion", noise="t = 300 of", pred="RMS error", press="Press ▶", done="Done",
                  recognised="The CNN recognises", step="Step {i} of {n}", earlier="showing an earlier step",
                  play="Play"),
}


def image_shown(page, sel: str) -> None:
    """Wait until the picture of ``sel`` has loaded and is not empty (lazy images load once on screen)."""
    page.locator(sel).scroll_into_view_if_needed()
    page.wait_for_function(
        "(s) => { const i = document.querySelector(s + ' img');"
        " return i && i.complete && i.naturalWidth > 50 && i.naturalHeight > 50; }", arg=sel, timeout=60_000)


def set_slider(page, sel: str, value: int) -> None:
    box = page.locator(f"{sel} input[type=number]")
    box.fill(str(value))
    box.press("Enter")
    page.wait_for_function("([s, v]) => document.querySelector(s + ' input[type=range]').value === v",
                           arg=[sel, str(value)])


@pytest.mark.parametrize("locale", list(TEXTS))
def test_diffusion_tab(open_app, locale):
    x = TEXTS[locale]
    page, external = open_app(locale)
    tab = page.locator("#tab-diffusion-button")
    assert tab.inner_text().strip() == x["tab"]
    tab.click()
    # the forward process: status, the x_t panel, the strip and the schedule plot
    wait_text(page, "#dif-noise-status", x["noise"], timeout=120_000)
    assert x["pred"] in page.locator("#dif-noise-status").inner_text()
    image_shown(page, "#dif-forward")
    image_shown(page, "#dif-strip")
    page.wait_for_selector("#dif-schedule-plot .js-plotly-plot .scatterlayer .trace")
    wait_text(page, "#dif-status", x["press"])
    assert x["play"] in page.locator("#dif-play").inner_text()

    # ▶ until done
    set_slider(page, "#dif-steps", STEPS)
    page.locator("#dif-play").click()
    wait_text(page, "#dif-status", x["done"], timeout=180_000)
    status = page.locator("#dif-status").inner_text()
    assert x["recognised"] in status and "16" in status
    for sel in ("#dif-trio", "#dif-grid-xt", "#dif-grid-x0"):
        image_shown(page, sel)
    page.wait_for_function("(n) => document.querySelector('#dif-frame input[type=range]').max === n",
                           arg=str(STEPS))
    page.wait_for_timeout(500)  # the last pictures settle
    page.locator("#tab-diffusion-button").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"diffusion-{x['lang']}.png"), full_page=True)
    if first_views_only(locale, "en-US", external):
        return

    # drag the recorded-step slider back towards the start: an earlier step of the same run
    rng = page.locator("#dif-frame input[type=range]")
    rng.scroll_into_view_if_needed()
    b = rng.bounding_box()
    y = b["y"] + b["height"] / 2
    page.mouse.move(b["x"] + b["width"] - 3, y)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] * 0.3, y, steps=8)
    page.mouse.up()
    page.wait_for_function("(n) => +document.querySelector('#dif-frame input[type=range]').value < n",
                           arg=STEPS)
    frame = int(rng.input_value())
    wait_text(page, "#dif-status", x["step"].format(i=frame + 1, n=STEPS), timeout=30_000)
    assert x["earlier"] in page.locator("#dif-status").inner_text()
    image_shown(page, "#dif-grid-x0")
    page.wait_for_timeout(500)
    page.locator("#dif-status").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"diffusion-{x['lang']}-scrub.png"), full_page=False)

    # ⏭ on a finished run starts a new one, one step at a time
    page.locator("#dif-step").click()
    wait_text(page, "#dif-status", x["step"].format(i=1, n=STEPS), timeout=60_000)
    page.locator("#dif-step").click()
    wait_text(page, "#dif-status", x["step"].format(i=2, n=STEPS), timeout=60_000)
    assert page.locator("#dif-frame input[type=range]").input_value() == "1"
    assert external == [], f"requests left this machine: {external[:5]}"
