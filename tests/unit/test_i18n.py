import string

import pytest

from explorer.i18n import LANGS, TEXT, lang_from_accept, norm_lang, t


def fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_both_languages_have_every_key_and_no_empty_text():
    assert set(TEXT["es"]) == set(TEXT["en"])
    for lang in LANGS:
        assert all(isinstance(v, str) and v.strip() for v in TEXT[lang].values())


def test_placeholders_agree_between_languages():
    for key in TEXT["en"]:
        assert fields(TEXT["es"][key]) == fields(TEXT["en"][key]), key


def test_keys_have_no_dots():  # the front end's i18n library reads dots as nesting
    assert not [k for k in TEXT["en"] if "." in k]


def test_spanish_is_spanish():
    assert t("es", "train_start_button") == "▶ Entrenar" and t("en", "train_start_button") == "▶ Train"
    assert t("es", "axis_epoch") == "Época"


@pytest.mark.parametrize("value,expected", [("es-ES", "es"), ("ES", "es"), ("en-US", "en"), ("fr", "en"),
                                            ("", "en"), (None, "en")])
def test_norm_lang(value, expected):
    assert norm_lang(value) == expected


@pytest.mark.parametrize("header,expected", [("es-ES,es;q=0.9,en;q=0.8", "es"), ("en-GB,en;q=0.9", "en"),
                                             ("fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4", "es"), (None, "en"),
                                             ("garbage;q=x", "en")])
def test_accept_language(header, expected):
    assert lang_from_accept(header) == expected


def test_numbers_are_written_the_readers_way():
    from explorer.i18n import num

    assert num("en", 12345.678, 1) == "12,345.7" and num("es", 12345.678, 1) == "12\u202f345,7"
    assert num("es", 0.2134, 2) == "0,21" and num("en", 7) == "7"


def test_spanish_status_and_plots_use_decimal_commas():
    import numpy as np

    from explorer import plots

    fig = plots.confusion_figure(np.eye(10, dtype=int) * 1000, [str(i) for i in range(10)], "es")
    assert "10\u202f000 imágenes" in fig.layout.title.text and "100,0 %" in fig.layout.title.text
    assert fig.layout.separators == ",\u202f"


def test_no_key_is_written_twice_in_a_language(tmp_path):
    """A repeated key silently replaces the first text (it happened: the playground's kernel label
    replaced the Train tab's). The loader refuses one, in a file or across two."""
    from explorer.i18n import LOCALES, load_tables

    assert load_tables(LOCALES) == TEXT
    for lang in LANGS:
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "a.json").write_text('{"x": "1", "x": "2"}')
    with pytest.raises(ValueError, match="written twice"):
        load_tables(tmp_path)
    for lang in LANGS:
        (tmp_path / lang / "a.json").write_text('{"x": "1"}')
        (tmp_path / lang / "b.json").write_text('{"x": "2"}')
    with pytest.raises(ValueError, match="another file"):
        load_tables(tmp_path)


def test_every_language_has_the_same_files():
    from explorer.i18n import LOCALES

    names = {lang: sorted(p.name for p in (LOCALES / lang).glob("*.json")) for lang in LANGS}
    assert names["es"] == names["en"] and "common.json" in names["en"]
    for name in names["en"]:
        import json

        es, en = (json.loads((LOCALES / lang / name).read_text()) for lang in ("es", "en"))
        assert list(es) == list(en), f"{name}: the same keys in the same order in both languages"
