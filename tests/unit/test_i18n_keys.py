"""Every translation key the code asks for exists, and every key in the locale files is asked for.

Keys come from three places, all read here:
- a literal where a text is looked up: ``t(lang, "key")``, ``L("key")``, ``user_error(lang, "key")``,
  ``int_in(..., lang, "key")``... (parsed from the source, not matched by a regex);
- a family built at run time, ``t(lang, f"saliency_m_{m}")``: each family found in the source must
  be expanded below, from the registry its values come from (the methods, networks, sources...);
  a new family without an expansion fails the test, so it cannot hide unused or missing keys;
- the errors the logic raises: ``InputError("kind")``, ``ConfigError(field, "kind")``, an
  ``ImageError`` or a tab's own error are worded by ``err_<kind>`` keys (``ui.common._translate``);
  and the scenarios, whose keys ``Scenarios`` derives.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from explorer.i18n import TEXT

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "explorer").rglob("*.py")) + [ROOT / "app.py"]
# the functions whose argument at this position is a translation key
KEY_ARG = {"t": 1, "L": 0, "I18N": 0, "user_error": 1, "detail_message": 1, "int_in": 4, "float_in": 4,
           }


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def key_arguments() -> tuple[set[str], set[str]]:
    """(literal keys, family patterns like "saliency_m_{}") at every key argument in the source."""
    literal, families = set(), set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _name(node.func) in KEY_ARG:
                i = KEY_ARG[_name(node.func)]
                arg = node.args[i] if len(node.args) > i else next(
                    (k.value for k in node.keywords if k.arg in ("key", "field")), None)
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    (families if "{}" in arg.value else literal).add(arg.value)  # "x_{}_lesson".format
                elif isinstance(arg, ast.JoinedStr):
                    families.add(_pattern(arg))
    return literal, families


def raised_kinds() -> set[tuple[str, str]]:
    """(error class, kind) for every ``SomethingError("kind", ...)`` raised with a literal kind."""
    out = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _name(node.func).endswith("Error") and node.args:
                pos = 1 if _name(node.func) == "ConfigError" else 0
                if len(node.args) > pos and isinstance(node.args[pos], ast.Constant) and isinstance(
                        node.args[pos].value, str):
                    out.add((_name(node.func), node.args[pos].value))
    return out


def scenario_keys() -> set[str]:
    from explorer.scenario import Scenarios
    from explorer.tabs import TAB_IDS

    keys = set()
    for tab in TAB_IDS:
        try:
            mod = importlib.import_module(f"explorer.{tab}.scenarios")
        except ModuleNotFoundError:
            continue
        keys |= {k for v in vars(mod).values() if isinstance(v, Scenarios) for k in v.keys_used()}
    return keys


def test_every_key_the_code_asks_for_exists():
    literal, _ = key_arguments()
    missing = sorted(k for k in literal if k not in TEXT["en"])
    assert not missing, missing


def test_scenario_keys_exist():
    missing = sorted(k for k in scenario_keys() if k not in TEXT["en"])
    assert not missing, missing


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_placeholder_key_in_a_family_pattern(lang):
    _, families = key_arguments()
    assert all(re.fullmatch(r"[a-z0-9_{}]+", f) for f in families), families
