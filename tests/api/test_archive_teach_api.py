""""Mi archivo" → teach it your categories, driven as a script would (issue 18's API): a zip whose
folders name the categories taught through /archive_teach alone (it analyses the files itself),
streamed, with the JSON the issue asks for; then labels sent as a table, and every kind of user text
a label can be — one category, a category of one image, too many categories, a path, emoji,
10,000 characters — answered with a clear message in the session's language, and nothing written
anywhere by a label's name."""
import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from explorer.i18n import t
from tests.conftest import api_client as client

pytestmark = pytest.mark.slow


def _photo(rng, colour) -> bytes:
    a = np.clip(np.array(colour) + rng.normal(0, 25, (48, 64, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Reddish photos in rojos/, bluish ones in azules/ (three each), two of each kind at the top."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("teach") / "colores.zip"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(3):
            z.writestr(f"rojos/r{i}.png", _photo(rng, (200, 40, 40)))
            z.writestr(f"azules/a{i}.png", _photo(rng, (40, 40, 200)))
        for i in range(2):
            z.writestr(f"sin_r{i}.png", _photo(rng, (200, 40, 40)))
            z.writestr(f"sin_a{i}.png", _photo(rng, (40, 40, 200)))
    return path


def test_a_zips_folders_taught_through_the_api(app_url, shop):
    c = client(app_url)
    job = c.submit([handle_file(str(shop))], None, ["linear", "scratch"], 0, "es", api_name="/archive_teach")
    frames = list(job)
    status, *_, summary = job.outputs()[-1]
    assert len(job.outputs()) >= 3  # streamed: the analysis, the training, the results
    assert summary["classes"] == ["azules", "rojos"] and summary["counts"] == [3, 3] and summary["folds"] == 3
    assert set(summary["methods"]) == {"linear", "scratch"}
    assert summary["methods"]["linear"]["cv_accuracy"] == 1.0 and summary["methods"]["linear"]["folds"] == 3
    assert np.array(summary["methods"]["linear"]["confusion"]).sum() == 6
    by_file = {f["file"]: f["predictions"] for f in summary["files"]}
    assert set(by_file) == {"sin_r0.png", "sin_r1.png", "sin_a0.png", "sin_a1.png"}
    for name, pred in by_file.items():
        assert pred["linear"]["class"] == ("rojos" if "_r" in name else "azules")
        assert 0.5 < pred["linear"]["confidence"] <= 1 and set(pred) == {"linear", "scratch"}
    assert status.startswith("Validación cruzada de 3 pliegues con 6 imágenes etiquetadas") and frames
    # the same files again: the collection is not analysed a second time, the table's labels are used
    table = {"headers": ["#", "file", "label"], "metadata": None,
             "data": [[i, "", lab] for i, lab in enumerate(["rojos 🔴"] * 3 + ["azules 🔵"] * 3 + [""] * 4)]}
    _, *_, summary = c.predict([handle_file(str(shop))], table, ["linear"], 1, "en", api_name="/archive_teach")
    assert summary["classes"] == ["azules 🔵", "rojos 🔴"] and summary["seed"] == 1
    # which way's results are shown; labelling by numbers
    out = c.predict("linear", "en", api_name="/archive_teach_use")
    assert len(out) == 7 and out[5].endswith(".csv") and out[6].endswith(".onnx")
    new_table, counts, picked, _ = c.predict("6-7", "verdes", table, "en", api_name="/archive_label")
    assert [r[2] for r in new_table["data"][6:8]] == ["verdes", "verdes"] and picked == ""
    assert "**verdes** 2" in counts


BAD_TABLES = [
    ("one class", ["solo"] * 3 + [""] * 7, "err_archive_teach_one_class", dict(label="solo", min=2)),
    ("a class of one", ["a", "a", "b"] + [""] * 7, "err_archive_teach_few_images", dict(label="b", count=1, min=2)),
    ("10,000 characters", ["x" * 10_000, "x" * 10_000, "b", "b"] + [""] * 6, "err_archive_teach_label_too_long",
     dict(label="x" * 24 + "…", limit=60)),
]


@pytest.mark.parametrize("what, labels, key, details", BAD_TABLES, ids=[b[0] for b in BAD_TABLES])
def test_labels_that_cannot_be_taught_get_a_clear_message(app_url, shop, what, labels, key, details):
    c = client(app_url)
    table = {"headers": ["#", "file", "label"], "metadata": None, "data": [[i, "", x] for i, x in enumerate(labels)]}
    with pytest.raises(AppError) as e:
        c.predict([handle_file(str(shop))], table, ["linear"], 0, "es", api_name="/archive_teach")
    assert str(e.value) == t("es", key, **details), what


def test_too_many_categories_and_a_path_as_a_name(app_url, tmp_path):
    """21 folders of two images: more categories than the 20 allowed. Then a category named like a
    path, which is only ever text: it is taught, and nothing named after it appears on disk."""
    rng = np.random.default_rng(1)
    path = tmp_path / "muchas.zip"
    with zipfile.ZipFile(path, "w") as z:
        for k in range(21):
            for i in range(2):
                z.writestr(f"clase{k:02d}/{i}.png", _photo(rng, (10 * k, 100, 200 - 5 * k)))
    c = client(app_url)
    with pytest.raises(AppError) as e:
        c.predict([handle_file(str(path))], None, ["linear"], 0, "en", api_name="/archive_teach")
    assert str(e.value) == t("en", "err_archive_teach_too_many_classes", count=21, limit=20)
    evil = "../../../../tmp/dle_evil_category"
    labels = [evil] * 2 + ["b"] * 2 + [""] * 38
    table = {"headers": ["#", "file", "label"], "metadata": None, "data": [[i, "", x] for i, x in enumerate(labels)]}
    _, *_, summary = c.predict([handle_file(str(path))], table, ["linear"], 0, "en", api_name="/archive_teach")
    assert summary["classes"] == [evil, "b"] and summary["counts"] == [2, 2]
    found = [os.path.join(d, n) for d, dirs, files in os.walk(tempfile.gettempdir(), onerror=lambda e: None)
             for n in dirs + files if "dle_evil_category" in n]
    assert not found and not Path("/tmp/dle_evil_category").exists(), found
