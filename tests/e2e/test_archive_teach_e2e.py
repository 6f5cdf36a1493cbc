""""Mi archivo" → teach it your categories, in the browser: the demo shop's scenario analysed and
taught the three ways (its lesson's cross-validated and unlabelled accuracies re-measured on the
page), the results of another way shown, the suggested images labelled in one click and trained
again, a picked image given a new category, the classifier offered in the Saliency tab, and all of it
in English after a language switch. Screenshots: archive-teach-es.png, archive-teach-en.png, archive-teach-phone.png."""
from __future__ import annotations

import re

from tests.conftest import ARTIFACTS
from tests.e2e.test_train_e2e import wait_text

LESSON_CV = {"Lineal (red congelada)": "100", "Ajuste fino": "100", "Desde cero": "27"}
LESSON_UNLABELLED = {"Lineal (red congelada)": "87", "Ajuste fino": "87", "Desde cero": "47"}


def figures(text: str, names) -> dict[str, str]:
    return {n: m.group(1) for n in names if (m := re.search(re.escape(n) + r"\s+(\d+)\s*%", text))}


def test_teach_the_demo_shop_then_use_the_classifier(open_app):
    page, external = open_app("es-ES")
    page.locator("#tab-archive-button").click()
    wait_text(page, "#arch-teach-note", "tres maneras")
    page.locator("#arch-preset input").click()
    page.get_by_role("option", name="La tienda: 5 etiquetas por categoría").click()
    wait_text(page, "#arch-lesson", "calzado")
    wait_text(page, "#arch-status", "imágenes analizadas", timeout=180_000)
    wait_text(page, "#arch-teach-counts", "3 categorías", timeout=60_000)
    wait_text(page, "#arch-teach-status", "Validación cruzada de 5 pliegues", timeout=300_000)
    status = page.locator("#arch-teach-status").inner_text()
    lesson = page.locator("#arch-lesson").inner_text()
    cv_part, truth_part = status.split("En las 75 imágenes sin etiqueta")
    assert figures(cv_part, LESSON_CV) == LESSON_CV, status
    assert figures(truth_part, LESSON_UNLABELLED) == LESSON_UNLABELLED, status
    for fig in ("100 %", "27 %", "87 %", "47 %"):  # the lesson quotes what the page measured
        assert fig in lesson, lesson
    page.wait_for_selector("#arch-teach-curves .js-plotly-plot")
    page.wait_for_selector("#arch-teach-confusion .js-plotly-plot")
    wait_text(page, "#arch-teach-preds", "predicción")
    page.locator("#arch-teach-next-sheet").scroll_into_view_if_needed()  # its picture loads when seen
    page.wait_for_selector("#arch-teach-next-sheet img")
    page.locator("#arch-teach-status").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "archive-teach-es.png"), full_page=True)
    # the from-scratch CNN's results: its confusions, with their pictures
    page.locator("#arch-teach-use").get_by_text("Desde cero").click()
    wait_text(page, "#arch-teach-confusion", "Desde cero")
    page.locator("#arch-teach-confused").scroll_into_view_if_needed()
    page.wait_for_selector("#arch-teach-confused img")
    # the suggested images labelled as guessed, in one click, and trained again (the linear way alone)
    for way in ("Ajuste fino", "Desde cero"):
        page.locator("#arch-teach-methods").get_by_text(way).click()
    page.click("#arch-teach-relabel")
    page.wait_for_function("() => /23 imágenes etiquetadas/.test(document.querySelector('#arch-teach-status')"
                           "?.innerText ?? '')", timeout=120_000)
    # a thumbnail clicked in the grid is picked, and given a new category
    page.locator("#arch-teach-grid button.thumbnail-item").nth(89).click()
    page.wait_for_function("() => document.querySelector('#arch-teach-picked textarea, #arch-teach-picked input')"
                           "?.value === '89'")
    page.locator("#arch-teach-label textarea, #arch-teach-label input").first.fill("sombreros")
    page.click("#arch-teach-assign")
    wait_text(page, "#arch-teach-counts", "4 categorías")
    wait_text(page, "#arch-teach-counts", "sombreros 1")
    # where does my classifier look? It is one of the Saliency tab's networks (its maps are
    # computed by tests/unit/test_ui_archive_teach.py: six methods on EfficientNet are a minute here)
    page.locator("#tab-saliency-button").click()
    assert page.locator("#sal-net").get_by_text("Mi clasificador (Mi archivo)").is_visible()
    # English: what was made, drawn again
    page.locator("#lang input[value='en']").check()
    page.locator("#tab-archive-button").click()
    wait_text(page, "#arch-teach-status", "5-fold cross-validation on 23 labelled images", timeout=60_000)
    wait_text(page, "#arch-teach-counts", "categories")
    wait_text(page, "#arch-lesson", "A clothing shop's catalogue")  # the lesson too
    page.locator("#arch-teach-status").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "archive-teach-en.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#arch-teach-run").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "archive-teach-phone.png"))
    assert external == [], f"requests left this machine: {external[:5]}"
