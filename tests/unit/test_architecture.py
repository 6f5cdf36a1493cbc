"""The rules of ARCHITECTURE.md that can be checked by path and by parse (scripts/code_report.py
measures them): layers, one folder per capability, shared code outside the tabs, short functions."""
from __future__ import annotations

import subprocess
import sys

import pytest

from explorer.tabs import TAB_IDS
from scripts.code_report import ROOT, imports, modules, report

TAB_PACKAGES = set(TAB_IDS)
MAX_FUNCTION_LINES = 150


@pytest.fixture(scope="module")
def shape() -> dict:
    return report()


def _tab_of(module: str) -> str | None:
    """The tab a module belongs to: explorer.<tab>.*, explorer.ui.<tab> or a section of its UI split
    off as explorer.ui.<tab>_<section> (ARCHITECTURE.md); None for shared code."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in TAB_PACKAGES:
        return parts[1]
    if len(parts) >= 3 and parts[1] == "ui":
        for tab in TAB_PACKAGES:
            if parts[2] == tab or parts[2].startswith(tab + "_"):
                return tab
    return None


def _edges():
    known = modules()
    for mod, path in known.items():
        for target, _name, line in imports(mod, path, known):
            yield mod, target, f"{path.relative_to(ROOT)}:{line}"


def test_gradio_only_in_the_ui_layer(shape):
    assert shape["gradio_outside_ui"] == []


def test_the_logic_imports_without_gradio():
    """Every logic module imports in a fresh interpreter without pulling gradio in."""
    logic = sorted(m for m in modules() if not m.startswith("explorer.ui"))
    code = ("import sys\n" + "".join(f"import {m}\n" for m in logic)
            + "print(sorted(m for m in sys.modules if m == 'gradio' or m.startswith('gradio.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", out.stdout


def test_arrows_point_one_way():
    """The logic never imports the UI layer or app.py."""
    bad = [(where, target) for mod, target, where in _edges()
           if not mod.startswith("explorer.ui") and (target.startswith("explorer.ui") or target == "app")]
    assert not bad, bad


def test_no_import_cycles(shape):
    assert shape["cycles"] == []


def test_no_module_imports_another_modules_private_names(shape):
    assert shape["private_imports"] == []


def test_shared_code_never_imports_a_tab():
    """Shared modules (explorer/*.py, explorer/ui/*.py that are not a tab's) stand below the tabs."""
    bad = [(where, target) for mod, target, where in _edges()
           if _tab_of(mod) is None and _tab_of(target) is not None]
    assert not bad, bad


def test_every_tab_has_its_package_and_ui_module():
    for tab in TAB_IDS:
        assert (ROOT / "explorer" / tab / "compute.py").is_file(), tab
        assert (ROOT / "explorer" / "ui" / f"{tab}.py").is_file(), tab
        for lang in ("es", "en"):
            assert (ROOT / "explorer" / "locales" / lang / f"{tab}.json").is_file(), (tab, lang)


def test_no_function_is_longer_than_150_lines(shape):
    assert shape["functions_over_150"] == [], shape["functions_over_150"]
