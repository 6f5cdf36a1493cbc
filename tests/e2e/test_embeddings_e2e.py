"""A person's view of the Embeddings tab, in Spanish and English: the shipped map opens at once,
hovering a point shows its image, clicking it finds its neighbours, the training animation plays;
and of the "Mi archivo" tab beside it, where a zip of photos becomes a tagged map searched by words.
Screenshots go to test-artifacts/."""
import io
import zipfile

import pytest
from PIL import Image

from tests.conftest import ARTIFACTS
from tests.e2e.test_train_e2e import wait_text

pytestmark = pytest.mark.slow

TEXTS = {
    "es-ES": dict(lang="es", tab="Embeddings", shipped="Mapa precalculado", nb="vecinas más parecidas",
                  moments="momentos", analysed="imágenes analizadas"),
    "en-US": dict(lang="en", tab="Embeddings", shipped="Precomputed map", nb="most similar neighbours",
                  moments="moments", analysed="images analysed"),
}

EMIT = """([kind, idx]) => {
  const gd = document.querySelector('#emb-map .js-plotly-plot');
  const pt = {customdata: [idx, 0, 0.9], data: gd.data[0]};
  const r = gd.getBoundingClientRect();
  gd.emit(kind, {points: [pt], event: {clientX: r.left + 100, clientY: r.top + 100}});
}"""


@pytest.mark.parametrize("locale", list(TEXTS))
def test_embedding_map(open_app, locale):
    x = TEXTS[locale]
    page, external = open_app(locale)
    tab = page.locator("#tab-embeddings-button")
    assert tab.inner_text().strip() == x["tab"]
    tab.click()
    wait_text(page, "#emb-status", x["shipped"], timeout=120_000)
    page.wait_for_selector("#emb-map .js-plotly-plot .scatterlayer, #emb-map .js-plotly-plot canvas")
    wait_text(page, "#emb-nb-status", x["nb"], timeout=60_000)
    # hovering: the page's script shows the image from the sprite
    page.wait_for_function("() => { const gd = document.querySelector('#emb-map .js-plotly-plot');"
                           " return gd && gd.__dleBound; }", timeout=30_000)
    page.evaluate(EMIT, ["plotly_hover", 4321])
    tip = page.locator("#dle-map-tip")
    assert tip.is_visible() and "4321" in tip.inner_text()
    assert "fashion_test_sprite.png" in tip.inner_html()
    sprite = page.evaluate("async () => (await fetch(document.querySelector('#dle-map-tip div')"
                           ".style.backgroundImage.slice(5, -2))).status")
    assert sprite == 200
    # clicking: the neighbours of that image
    page.evaluate(EMIT, ["plotly_click", 4321])
    wait_text(page, "#emb-nb-status", "4321", timeout=30_000)
    page.evaluate(EMIT, ["plotly_unhover", 0])
    page.wait_for_selector("#emb-strip img")
    wait_text(page, "#emb-prog-status", x["moments"], timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"embeddings-{x['lang']}.png"), full_page=True)
    assert external == [], f"requests left this machine: {external[:5]}"


def test_archive_upload_and_search(open_app, tmp_path):
    """The "Mi archivo" tab, in Spanish then English on one page (one analysis): its intro, a zip of
    five photos analysed into a map, searched by words («un gato»: the cat, ringed; the others
    faded), sentences mapped; the language switched (all of it drawn again in English) and the
    search run again in English."""
    from skimage import data

    path = tmp_path / "archivo.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, arr in {"gato.jpg": data.chelsea(), "cafe.jpg": data.coffee(), "cohete.jpg": data.rocket(),
                          "astronauta.jpg": data.astronaut(), "caballo.png": data.horse()}.items():
            buf = io.BytesIO()
            Image.fromarray(arr).save(buf, "PNG" if name.endswith("png") else "JPEG")
            z.writestr(f"fotos/{name}", buf.getvalue())
    page, external = open_app("es-ES")
    tab = page.locator("#tab-archive-button")
    assert tab.inner_text().strip() == "Mi archivo"
    tab.click()
    wait_text(page, "#arch-intro", "Qué se queda dónde")
    assert page.locator("#tab-embeddings #arch-files").count() == 0  # moved, not copied
    page.locator("#arch-files input[type=file]").set_input_files(str(path))
    page.wait_for_timeout(1500)
    page.click("#arch-run")
    wait_text(page, "#arch-status", "imágenes analizadas", timeout=120_000)
    page.wait_for_selector("#arch-map .js-plotly-plot")
    query = page.locator("#arch-search-query textarea, #arch-search-query input").first
    query.fill("un gato")
    page.click("#arch-search-run")
    wait_text(page, "#arch-search-status", "fotos con una etiqueta que lo nombra: 1", timeout=120_000)
    page.wait_for_selector("#arch-search-sheet img")
    wait_text(page, "#arch-search-hits", "fotos/gato.jpg")
    page.click("#arch-text-run")
    wait_text(page, "#arch-text-status", "frases", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "archive-es.png"), full_page=True)
    page.locator("#lang input[value='en']").check()
    page.wait_for_function("() => document.querySelector('#tab-archive-button')?.innerText.trim() === 'My archive'")
    wait_text(page, "#arch-status", "images analysed", timeout=60_000)  # what was made, drawn again in English
    wait_text(page, "#arch-search-status", "photos with a tag that names it: 1", timeout=60_000)
    wait_text(page, "#arch-text-status", "sentences", timeout=60_000)
    query.fill("a cat")
    query.press("Enter")
    wait_text(page, "#arch-search-status", "“a cat” — photos with a tag that names it: 1", timeout=60_000)
    wait_text(page, "#arch-search-hits", "Names it?")
    page.locator("#arch-search-status").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "archive-en-search.png"))
    page.screenshot(path=str(ARTIFACTS / "archive-en.png"), full_page=True)
    assert external == [], f"requests left this machine: {external[:5]}"


PLACE = {
    "es-ES": dict(lang="es", fashion="CNN Fashion-MNIST (incluida)", changed="cambiado de opinión",
                  which="la adversaria", target="Embeddings", moved="no son de la clase Zapatilla sino de Sandalia",
                  attacked="Atacada", original="Original", sandal="Sandalia"),
}


@pytest.mark.parametrize("locale", list(PLACE))  # one language (see conftest.first_views_only)
def test_an_attacked_sneaker_sent_to_the_map(open_app, locale):
    """Adversarial tab: test image 12 (a sneaker) attacked at ε = 8/255 on the Fashion CNN; sent to
    Embeddings with the send-to bar, it lands on the map as a star among the sandals, its original
    (a white star) among the sneakers, an arrow between them."""
    x = PLACE[locale]
    page, external = open_app(locale)
    page.locator("#tab-adversarial-button").click()
    page.locator("#adv-source").get_by_text("Fashion-MNIST").click()
    box = page.locator("#adv-ds-index input")
    box.fill("12")
    box.press("Enter")
    page.locator("#adv-net label", has_text=x["fashion"]).click()
    eps = page.locator("#adv-eps input[type=number]")
    eps.fill("8")
    eps.press("Enter")
    page.wait_for_timeout(1000)
    page.click("#adv-run")
    wait_text(page, "#adv-status", x["sandal"], timeout=120_000)
    page.locator("#dle-send").wait_for(state="visible")
    page.locator("#dle-send-which label", has_text=x["which"]).click()
    page.locator("#dle-send-target input").click()
    page.get_by_role("option", name=x["target"]).click()
    page.locator("#dle-send-go").click()
    page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')?.id === "
                           "'tab-embeddings-button'")
    wait_text(page, "#emb-place-status", x["moved"], timeout=120_000)
    # the strip keeps the attacked image's neighbours: the example query the tab opens with is skipped
    page.wait_for_timeout(3000)
    # (while the skipped query is queued, Gradio shows its timer there)
    page.wait_for_function("() => !/processing|[0-9]s$/.test(document.querySelector('#emb-nb-status')"
                           ".innerText.trim())", timeout=60_000)
    assert page.locator("#emb-nb-status").inner_text().strip() == ""
    page.wait_for_selector("#emb-strip img")
    page.wait_for_selector("#emb-compare img")
    names = page.evaluate("() => document.querySelector('#emb-map .js-plotly-plot').data.map(d => d.name)")
    assert x["attacked"] in names and x["original"] in names, names
    page.locator("#emb-map").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"embeddings-placed-{x['lang']}.png"), full_page=True)
    assert external == [], f"requests left this machine: {external[:5]}"


SCENARIO = {
    "es-ES": dict(lang="es", lesson="Píxeles en bruto.", title="Píxeles en bruto (784)", next="La CNN entrenada."),
    "en-US": dict(lang="en", lesson="Raw pixels.", title="Raw pixels (784)", next="The trained CNN."),
}


@pytest.mark.parametrize("locale", list(SCENARIO))
def test_scenarios(open_app, locale):
    """The first scenario (raw pixels) from the » button — the presenter's ] key presses it — sets
    the controls and draws its map with its lesson; » again: the trained CNN."""
    x = SCENARIO[locale]
    page, external = open_app(locale)
    page.locator("#tab-embeddings-button").click()
    page.wait_for_selector("#emb-map .js-plotly-plot")
    page.click("#emb-next-preset")
    wait_text(page, "#emb-lesson", x["lesson"], timeout=60_000)
    page.wait_for_function("(t) => document.querySelector('#emb-map .js-plotly-plot')?.layout?.title?.text"
                           "?.startsWith(t)", arg=x["title"], timeout=60_000)
    assert page.locator("#emb-source input[value=pixels]").is_checked()
    page.locator("#emb-lesson").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"embeddings-scenario-{x['lang']}.png"))
    page.click("#emb-next-preset")
    wait_text(page, "#emb-lesson", x["next"], timeout=60_000)
    assert page.locator("#emb-source input[value=cnn]").is_checked()
    assert external == [], f"requests left this machine: {external[:5]}"
