"""The shape of the code, measured: what ARCHITECTURE.md promises, checked by path and by parse.

    .venv/bin/python -m scripts.code_report            # a summary
    .venv/bin/python -m scripts.code_report --json     # every figure, for tests and notes

Figures: the biggest modules, the longest functions (any ``def``, nested ones counted on their
own), imports of another module's private names (``from explorer.x import _y``), import cycles
between ``explorer`` modules (imports inside functions included), and modules outside the UI
layer that import gradio. ``tests/unit/test_architecture.py`` holds the code to these rules.
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "explorer"
UI_LAYER = ("explorer/ui/",)  # the only place gradio may be imported (besides app.py)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """``explorer.x.y`` → its file, for every module of the package."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(mod: str, node: ast.ImportFrom, is_pkg: bool) -> str:
    if not node.level:
        return node.module or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(mod: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(imported module, imported name or '', line) for every import in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, "", node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(mod, node, path.name == "__init__.py")
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.append((sub, "", node.lineno) if sub in known else (target, a.name, node.lineno))
    return out


def functions(path: Path) -> list[tuple[str, int, int]]:
    """(qualified name, first line, length in lines) of every function in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                out.append((name, child.lineno, child.end_lineno - child.lineno + 1))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def report(root: Path = ROOT) -> dict:
    known = modules(root)
    graph: dict[str, set[str]] = {m: set() for m in known}
    private, gradio_outside = [], []
    funcs, sizes = [], []
    for mod, path in known.items():
        rel = str(path.relative_to(root))
        sizes.append((rel, len(path.read_text().splitlines())))
        funcs += [(f"{rel}:{line} {name}", n) for name, line, n in functions(path)]
        for target, name, line in imports(mod, path, known):
            if target.split(".")[0] == "gradio" and not rel.startswith(UI_LAYER):
                gradio_outside.append(f"{rel}:{line}")
            if target in known and target != mod:
                graph[mod].add(target)
                if name.startswith("_") and not name.startswith("__"):
                    private.append(f"{rel}:{line} {target}.{name}")
    sizes.sort(key=lambda x: -x[1])
    funcs.sort(key=lambda x: -x[1])
    return {
        "modules": len(known),
        "lines": sum(n for _, n in sizes),
        "biggest_modules": sizes[:10],
        "longest_functions": funcs[:15],
        "functions_over_150": [f for f in funcs if f[1] > 150],
        "private_imports": private,
        "cycles": cycles(graph),
        "gradio_outside_ui": gradio_outside,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    r = report()
    if args.json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"{r['modules']} modules, {r['lines']} lines in {PACKAGE}/")
    print("biggest modules:", ", ".join(f"{p} {n}" for p, n in r["biggest_modules"][:5]))
    print("longest functions:")
    for name, n in r["longest_functions"][:8]:
        print(f"  {n:4d}  {name}")
    print(f"functions over 150 lines: {len(r['functions_over_150'])}")
    print(f"imports of another module's private names: {len(r['private_imports'])}")
    for p in r["private_imports"]:
        print("  ", p)
    print(f"import cycles: {len(r['cycles'])}", *(" ↔ ".join(c) for c in r["cycles"]))
    print(f"gradio imported outside the UI layer: {len(r['gradio_outside_ui'])}", *r["gradio_outside_ui"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
