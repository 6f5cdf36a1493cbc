"""Every user-facing string, in Spanish and English.

The texts are data: ``explorer/locales/<lang>/<part>.json``, one file per tab (``train.json``,
``filters.json``...) and ``common.json`` for what several tabs share; every language has the same
files with the same keys (``tests/unit/test_i18n.py``). They are merged into one table per
language, which serves two mechanisms: ``explorer.ui.common`` hands it to ``gr.I18n`` for static
labels (translated in the browser), and Python code calls :func:`t` for text it computes (plot
titles, axis labels, status lines, error messages), keyed by the session's language. Keys use
underscores, not dots: the front end's i18n library reads dots as nesting.
"""
from __future__ import annotations

import json
from pathlib import Path

LANGS = ("es", "en")
DEFAULT_LANG = "en"
LOCALES = Path(__file__).resolve().parent / "locales"


def _no_repeats(pairs: list[tuple[str, str]]) -> dict[str, str]:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:  # json.loads would keep the last silently (it happened: one label replaced another's)
        raise ValueError(f"keys written twice: {twice[:5]}")
    return dict(pairs)


def load_tables(root: Path = LOCALES) -> dict[str, dict[str, str]]:
    """``{lang: {key: text}}`` from ``root/<lang>/*.json``. A key written twice, in one file or in
    two, is an error."""
    tables: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        table: dict[str, str] = {}
        for path in sorted((root / lang).glob("*.json")):
            part = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_repeats)
            twice = sorted(set(part) & set(table))
            if twice:
                raise ValueError(f"{path}: keys defined in another file too: {twice[:5]}")
            table.update(part)
        tables[lang] = table
    return tables


TEXT: dict[str, dict[str, str]] = load_tables()


def norm_lang(lang: str | None) -> str:
    """'es-ES', 'es', 'ES' -> 'es'; anything unknown -> the default language."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGS else DEFAULT_LANG


def lang_from_accept(header: str | None) -> str:
    """Pick es/en from an Accept-Language header ('es-ES,es;q=0.9,en;q=0.8')."""
    best, best_q = DEFAULT_LANG, -1.0
    for part in (header or "").split(","):
        bits = part.strip().split(";q=")
        code = bits[0].strip().lower()[:2]
        try:
            q = float(bits[1]) if len(bits) > 1 else 1.0
        except ValueError:
            q = 0.0
        if code in LANGS and q > best_q:
            best, best_q = code, q
    return best


def t(lang: str | None, key: str, **kw) -> str:
    """The text for ``key`` in ``lang`` (falling back to English), formatted with ``kw``."""
    table = TEXT[norm_lang(lang)]
    text = table.get(key, TEXT[DEFAULT_LANG].get(key, key))
    return text.format(**kw) if kw else text


def num(lang: str | None, x: float, digits: int = 0) -> str:
    """``x`` written as a reader of ``lang`` expects: 12,345.6 in English; 12 345,6 in Spanish
    (comma decimals, a thin no-break space between thousands)."""
    return nums(lang, (x,), digits)[0]


def nums(lang: str | None, xs, digits: int = 0) -> list[str]:
    """:func:`num` of each of ``xs`` (the language looked up once: for thousands of numbers)."""
    texts = [f"{x:,.{digits}f}" for x in xs]
    if norm_lang(lang) == "es":
        texts = [s.replace(",", "\u202f").replace(".", ",") for s in texts]
    return texts


def config_error_message(lang: str | None, err) -> str:
    """Word an ``explorer.params.ConfigError`` for the user."""
    field = t(lang, f"field_{err.field}") if f"field_{err.field}" in TEXT["en"] else err.field
    details = dict(err.details)
    if "choices" in details:
        details["choices"] = ", ".join(str(c) for c in details["choices"])
    for key in ("steps", "max"):
        if isinstance(details.get(key), int):
            details[key] = num(lang, details[key])
    return t(lang, f"err_{err.kind}", field=field, **details)


def image_error_message(lang: str | None, err) -> str:
    """Word an ``explorer.images.ImageError`` for the user (numbers with the reader's decimal mark)."""
    d = dict(err.details)
    for key in ("megapixels", "megabytes", "limit"):
        if isinstance(d.get(key), (int, float)):
            d[key] = num(lang, d[key], 0 if float(d[key]).is_integer() else 1)
    if err.kind == "too_large":
        return t(lang, "err_img_too_large_bytes" if d.get("measure") == "bytes" else "err_img_too_large", **d)
    if err.kind == "not_image" and d.get("detected"):
        detected = t(lang, "detected_text") if d["detected"] == "text" else d["detected"]
        return t(lang, "err_img_not_image_detected", detected=detected)
    if err.kind == "corrupt" or err.kind == "unsupported":
        d["format"] = d.get("format") or "?"
    return t(lang, f"err_img_{err.kind}", **d)
