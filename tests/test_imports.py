"""The house's import rules, read from the source with ast (nothing is imported):

- no import cycle among our modules, counting imports inside functions too (an import moved into
  a function to dodge a cycle is still a cycle);
- layers point one way: extract → classify → models/corpus → cli/web. A lower layer never
  imports a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("extract", "classify", "models", "corpus", "web", "cli")
LAYER = {"extract": 0, "classify": 1, "models": 2, "corpus": 2, "cli": 3, "web": 3}
# models/ is the tables and the engine: corpus/ builds on it, it never needs corpus/.
MAY_NOT = {("models", "corpus")}


def _module_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for package in PACKAGES:
        single = ROOT / f"{package}.py"
        if single.is_file():
            files[package] = single
        for path in sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else []:
            if "migrations" in path.parts:  # Alembic loads these by path, not by import
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files[name] = path
    return files


def _is_package(name: str, files: dict[str, Path]) -> bool:
    return files[name].name == "__init__.py"


def _target(name: str, files: dict[str, Path]) -> str | None:
    """The module of ours an imported name lives in: the longest existing prefix."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in files:
            return ".".join(parts)
        parts.pop()
    return None


def _imports(name: str, files: dict[str, Path]) -> set[str]:
    tree = ast.parse(files[name].read_text(encoding="utf-8"))
    package = name if _is_package(name, files) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for imported in names:
            target = _target(imported, files)
            if target is not None and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    files = _module_files()
    return {name: _imports(name, files) for name in files}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_our_imports():
    graph = _graph()
    assert len(graph) > 100
    assert "extract.vocabulary" in graph["corpus.figures"]
    assert "corpus.errors" in graph["web.errors"]


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def test_cycle_detection_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_lower_layers_never_import_higher_ones():
    wrong = []
    for module, targets in _graph().items():
        top = module.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if LAYER[other] > LAYER[top] or (top, other) in MAY_NOT:
                wrong.append(f"{module} → {target}")
    assert wrong == []
