"""A person's view of the Fundamentos tab (issue 19), in Spanish (all of it) and English (the first two
sections): one neuron and the
perceptron appear on opening; the network playground trains, its animation plays and rewinds in the
browser with no request to the server; points clicked on the plane train a network; a scenario runs
A and B; backpropagation takes a step and hands its new weights to the next; the optimizers draw
their paths and the loss landscape of the network just trained. On a phone too. Screenshots go to
test-artifacts/."""
import json

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.test_train_e2e import wait_text

pytestmark = pytest.mark.slow

TEXTS = {
    "es-ES": dict(tab="Fundamentos", neuron="Una neurona", net="Una red", bp="Retropropagación",
                  opt="Optimizadores", converged="Converge", done="en la prueba", scenario="L2 suaviza la frontera",
                  ab="**A**", loss_down="La pérdida baja", step="Paso"),
    "en-US": dict(tab="Fundamentals", neuron="One neuron", net="A network", bp="Backpropagation",
                  opt="Optimizers", converged="Converges", done="on the test", scenario="L2 smooths the boundary",
                  ab="**A**", loss_down="The loss goes down", step="Step"),
}


def plot_ready(page, sel: str, timeout: int = 120_000) -> None:
    page.locator(sel).scroll_into_view_if_needed()
    page.wait_for_selector(f"{sel} .js-plotly-plot .main-svg", timeout=timeout)


def shown_title(page, sel: str) -> str:
    """The animated figure's title as drawn now (each recorded step's frame sets its own)."""
    return page.evaluate("(s) => document.querySelector(s + ' .js-plotly-plot')?._fullLayout?.title?.text ?? ''", sel)


def drawn(page, sel: str) -> dict:
    """What the animated figure shows now: its title, its heatmap traces and the pictures drawn for
    them, the data points drawn, and the decision regions' picture (a short fingerprint)."""
    return page.evaluate("""(s) => { const gd = document.querySelector(s + ' .js-plotly-plot');
        const pics = gd.querySelectorAll('.heatmaplayer image');
        const region = gd.querySelector('.subplot.x2y2 .heatmaplayer image');
        const href = region ? region.getAttribute('href') || '' : '';
        return {title: gd._fullLayout.title.text, heatmaps: gd._fullData.filter(t => t.type === 'heatmap').length,
                pictures: pics.length, points: gd.querySelectorAll('.scatterlayer .point').length,
                regions: href.length + ':' + href.slice(-40)}; }""", sel)


@pytest.mark.parametrize("locale", list(TEXTS))
def test_basics_tab(open_app, locale):
    x = TEXTS[locale]
    page, external = open_app(locale)
    tab = page.locator("#tab-basics-button")
    assert tab.inner_text().strip() == x["tab"]
    tab.click()
    # one neuron, the perceptron (converges on separable points), XOR with a hidden layer
    plot_ready(page, "#basics-neuron-plot")
    plot_ready(page, "#basics-activation-plot")
    wait_text(page, "#basics-perc-status", x["converged"], timeout=120_000)
    plot_ready(page, "#basics-perc-plot")
    plot_ready(page, "#basics-xor-plot")
    page.screenshot(path=str(ARTIFACTS / f"basics-neuron-{locale}.png"), full_page=True)

    # the playground: the default run (drawn on opening), then the animation in the browser
    page.locator("#tab-basics-playground-button").click()
    wait_text(page, "#basics-status", x["done"], timeout=120_000)
    plot_ready(page, "#basics-pg-plot")
    last = shown_title(page, "#basics-pg-plot")
    assert last.startswith(f"{x['step']} 500")  # it opens on the run's last step
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/queue/join" in r.url else None)
    still = drawn(page, "#basics-pg-plot")
    assert still["pictures"] == still["heatmaps"] == 7 and still["points"] > 300  # 2 inputs, 4 neurons, regions
    page.locator("#basics-pg-plot .updatemenu-button").first.click()  # ▶: the browser plays the recorded steps
    page.wait_for_function("([s, t]) => (document.querySelector(s + ' .js-plotly-plot')?._fullLayout?.title?.text"
                           " ?? t) !== t", arg=["#basics-pg-plot", last], timeout=30_000)
    # while it plays, every look finds the whole figure drawn (plotly.js's transition left the
    # pictures and the points out of all but the end of each frame: blank in 25 of 30 looks), and
    # the drawing follows the steps
    looks = []
    for _ in range(12):
        looks.append(drawn(page, "#basics-pg-plot"))
        page.wait_for_timeout(100)
    playing = [k for k in looks if not k["title"].startswith(f"{x['step']} 500")]
    assert len(playing) >= 3, looks
    assert all(k["pictures"] == 7 and k["points"] == still["points"] for k in playing), looks
    assert len({k["regions"] for k in playing} | {still["regions"]}) >= 3, "the regions' picture did not change"
    assert shown_title(page, "#basics-pg-plot").startswith(x["step"])
    assert requests == []  # played and rewound without asking the server
    page.screenshot(path=str(ARTIFACTS / f"basics-playground-{locale}.png"), full_page=True)
    if locale != "es-ES":
        return  # the rest once, in Spanish (the suite's time: each section's texts are unit-tested in both)

    # points clicked on the plane: 3 of class 0 on the left, 3 of class 1 on the right, then train
    page.locator("#basics-source").get_by_role("radio").nth(1).click()
    plot_ready(page, "#basics-draw")
    box = page.locator("#basics-draw .js-plotly-plot .nsewdrag").first.bounding_box()
    for cls, xs in ((0, (0.2, 0.25, 0.3)), (1, (0.7, 0.75, 0.8))):
        page.locator("#basics-draw-class").get_by_role("radio").nth(cls).click()
        for i, fx in enumerate(xs):
            page.mouse.click(box["x"] + fx * box["width"], box["y"] + (0.3 + 0.2 * i) * box["height"])
            page.wait_for_timeout(150)
    rows = json.loads(page.locator("#basics-points textarea").input_value())
    assert len(rows) == 6 and sorted({r[2] for r in rows}) == [0, 1]
    assert all(r[0] < 0 for r in rows if r[2] == 0) and all(r[0] > 0 for r in rows if r[2] == 1)
    page.locator("#basics-train").click()
    wait_text(page, "#basics-status", "100", timeout=120_000)  # six points a line separates: 100 % of them
    page.screenshot(path=str(ARTIFACTS / f"basics-points-{locale}.png"), full_page=True)
    page.locator("#basics-source").get_by_role("radio").nth(0).click()

    # a scenario that compares: A and B drawn, the comparison's curves
    page.locator("#basics-preset input").click()
    page.get_by_role("option", name=x["scenario"]).click()
    wait_text(page, "#basics-lesson", "L2", timeout=60_000)
    wait_text(page, "#basics-status", "A", timeout=180_000)
    plot_ready(page, "#basics-pg-plot-b", timeout=180_000)
    plot_ready(page, "#basics-compare-plot")
    page.screenshot(path=str(ARTIFACTS / f"basics-compare-{locale}.png"), full_page=True)

    # backpropagation: one step, the new weights replace the old ones
    page.locator("#tab-basics-backprop-button").click()
    plot_ready(page, "#basics-bp-plot")
    before = page.locator("#basics-bp-weights textarea, #basics-bp-weights input").first.input_value()
    page.locator("#basics-bp-step").click()
    page.wait_for_function("(b) => (document.querySelector('#basics-bp-weights textarea, #basics-bp-weights input')"
                           "?.value ?? b) !== b", arg=before, timeout=60_000)
    wait_text(page, "#basics-bp-summary", x["loss_down"])
    page.screenshot(path=str(ARTIFACTS / f"basics-backprop-{locale}.png"), full_page=True)

    # the optimizers, and the loss landscape of the network trained above
    page.locator("#tab-basics-optimizers-button").click()
    plot_ready(page, "#basics-opt-paths")
    plot_ready(page, "#basics-opt-surface")
    page.locator("#basics-land-run").click()
    plot_ready(page, "#basics-land-plane")
    plot_ready(page, "#basics-land-line")
    page.screenshot(path=str(ARTIFACTS / f"basics-optimizers-{locale}.png"), full_page=True)
    assert not [u for u in external if not u.startswith("data:")], external


def test_basics_on_a_phone(browser, app_url):
    """A student on a phone: the playground's run and its controls fit the screen's width."""
    ctx = browser.new_context(locale="es-ES", viewport={"width": 390, "height": 844}, is_mobile=True,
                              has_touch=True)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    page.wait_for_selector("#train-start")
    page.locator("#tab-basics-button").click()
    page.locator("#tab-basics-playground-button").click()
    wait_text(page, "#basics-status", "en la prueba", timeout=120_000)
    plot_ready(page, "#basics-pg-plot")
    width = page.evaluate("() => document.querySelector('#basics-pg-plot .js-plotly-plot').getBoundingClientRect()"
                          ".width")
    assert width <= 390
    page.screenshot(path=str(ARTIFACTS / "basics-phone-es-ES.png"), full_page=True)
    ctx.close()
