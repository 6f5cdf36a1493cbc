"""The "Mi archivo" tab driven as a script would: a zip of photos analysed (tags, near-duplicates,
similar, CSV) and searched by words in Spanish and English, a hostile zip, sentences mapped and
searched."""
import io
import zipfile

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from tests.conftest import api_client as client
from tests.unit.test_archive import CATALOGUE_ES

pytestmark = pytest.mark.slow


def test_endpoints_are_named(app_url):
    names = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/archive", "/archive_similar", "/archive_search", "/archive_text", "/stop_archive"} <= names


def _zip_of_photos(tmp_path):
    from skimage import data

    path = tmp_path / "fotos.zip"
    photos = {"gato.jpg": data.chelsea(), "cafe.jpg": data.coffee(), "astronauta.jpg": data.astronaut()}
    with zipfile.ZipFile(path, "w") as z:
        for name, arr in photos.items():
            buf = io.BytesIO()
            Image.fromarray(arr).save(buf, "JPEG", quality=90)
            z.writestr(f"carpeta/{name}", buf.getvalue())
        buf = io.BytesIO()  # a near-duplicate: the cat again, smaller
        Image.fromarray(photos["gato.jpg"]).resize((300, 200)).save(buf, "JPEG", quality=85)
        z.writestr("copia/gato_pequeño.jpg", buf.getvalue())
        z.writestr("notas.txt", b"not an image")
    return path


def test_archive_photos_tags_duplicates_similar_and_csv(app_url, tmp_path):
    c = client(app_url)
    status, _fig, _dups, _table, csv_path, s = c.predict([handle_file(str(_zip_of_photos(tmp_path)))], 0.95, "en",
                                                       api_name="/archive")
    files = [f["file"] for f in s["files"]]
    assert len(files) == 4 and "4 images" in status
    cat = files.index(next(f for f in files if f.endswith("carpeta/gato.jpg")))
    assert "cat" in s["files"][cat]["tags"][0]["label"].lower()
    assert any(len(g) == 2 and all("gato" in f for f in g) for g in s["duplicate_groups"])
    assert s["skipped"] and s["skipped"][0]["reason"] == "not_image"
    text = open(csv_path, encoding="utf-8-sig").read()
    assert text.splitlines()[0].startswith("file,") and "gato" in text
    _strip, _fig2, sim = c.predict(cat, 3, "en", api_name="/archive_similar")
    assert "gato" in sim["similar"][0]["file"] and sim["similar"][0]["cosine"] > 0.9
    # searched by words, in either language: the two cats first, with their evidence
    for query, lang, said in [("un gato", "es", "fotos con una etiqueta que lo nombra: 2"),
                              ("a cat", "en", "photos with a tag that names it: 2")]:
        status, sheet, table, found = c.predict(query, 12, lang, api_name="/archive_search")
        hits = found["hits"]
        assert found["query"] == query and found["matches"] == 2 and said in status, status
        assert {h["file"] for h in hits[:2]} == {"carpeta/gato.jpg", "copia/gato_pequeño.jpg"}
        assert all(h["match"] and "cat" in h["tag"] and h["probability"] > 0.3 and h["cosine"] > 0.84
                   and 0 < h["score"] <= h["probability"] for h in hits[:2])
        assert not any(h["match"] for h in hits[2:]) and len(hits) == 4
        assert sheet.endswith(".png") and len(table["data"]) == 4
    _status, _sheet, _table, found = c.predict("una taza de café", 1, "es", api_name="/archive_search")
    assert [h["file"] for h in found["hits"]] == ["carpeta/cafe.jpg"] and found["hits"][0]["tag"] == "espresso"
    with pytest.raises(AppError, match="Escribe qué buscar"):
        c.predict("   ", 12, "es", api_name="/archive_search")
    with pytest.raises(AppError, match="10000 characters; the limit is 200"):
        c.predict("x" * 10_000, 12, "en", api_name="/archive_search")


def test_archive_hostile_zip_and_empty_upload(app_url, tmp_path):
    c = client(app_url)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../escape.png", b"x")
    with pytest.raises(AppError, match="leaves its folder"):
        c.predict([handle_file(str(evil))], 0.95, "en", api_name="/archive")
    with pytest.raises(AppError, match="Sube un zip"):
        c.predict([], 0.95, "es", api_name="/archive")
    with pytest.raises(AppError, match="Analyse a collection first"):
        client(app_url).predict(0, 3, "en", api_name="/archive_similar")  # a new session has none
    with pytest.raises(AppError, match="Primero analiza una colección"):
        client(app_url).predict("una iglesia", 12, "es", api_name="/archive_search")


def test_archive_text_map_and_search(app_url):
    c = client(app_url)
    lines = "\n".join(["Carta de un emigrante a su familia.", "A letter from an emigrant to his family.",
                       "Plano de la ciudad.", "Map of the town.", "", "Cartel de fiestas."])
    _status, _fig, _hits, s = c.predict(lines, "letters from emigrants", "en", api_name="/archive_text")
    assert len(s["sentences"]) == 5 and len(s["coords"]) == 5
    assert s["sentences"][s["hits"][0]] == "A letter from an emigrant to his family."
    # a Spanish catalogue searched in English (all-MiniLM-L6-v2 put the procession photo first)
    _status, _fig, _hits, s = c.predict("\n".join(CATALOGUE_ES), "flood letter from the mayor", "es",
                                        api_name="/archive_text")
    assert s["sentences"][s["hits"][0]] == CATALOGUE_ES[0] and s["cosine"][0] > s["cosine"][1]
    with pytest.raises(AppError, match="at least one sentence"):
        c.predict("\n \n", "x", "en", api_name="/archive_text")


