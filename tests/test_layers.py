"""The package's layers: no import circle, and no module imports from a layer above its own.

Every module under ``src/saleskpi`` is parsed (``ast``, nothing is imported); every import counts,
at module level or inside a function, under ``if TYPE_CHECKING:`` too. A layer may import from
its own layer and the layers below it; within a layer, modules must not import each other in a
circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "saleskpi"

#: The layers, bottom-up. A module belongs to the layer of the longest prefix that names it
#: (``saleskpi.data.schema`` before ``saleskpi.data``); the root package's ``__init__`` to the first.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("errors", ("saleskpi", "saleskpi.errors")),
    ("engines", ("saleskpi.engines",)),
    ("definitions loader", ("saleskpi.definitions",)),
    ("data contract and settings", ("saleskpi.data.schema", "saleskpi.config")),
    ("data readers, mappings and importer; derived tables", ("saleskpi.data", "saleskpi.derived")),
    ("workspace", ("saleskpi.workspace", "saleskpi.lock")),
    ("results", ("saleskpi.results",)),
    ("models", ("saleskpi.models",)),
    ("analyses", ("saleskpi.analyses",)),
    ("access (scoping layer)", ("saleskpi.access", "saleskpi.users")),
    ("compute", ("saleskpi.compute",)),
    ("browse (what front ends show)", ("saleskpi.browse", "saleskpi.texts")),
    ("report", ("saleskpi.report",)),
    ("web", ("saleskpi.web",)),
    ("demo", ("saleskpi.demo",)),
    ("cli", ("saleskpi.cli", "saleskpi.__main__")),
]


def module_files() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    found = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``from ... import`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, modules: set[str]) -> dict[str, int]:
    """The package's modules that ``module`` imports, with the line of the first import."""
    found: dict[str, int] = {}

    def add(name: str, line: int) -> None:
        if name in modules and name != module:
            found.setdefault(name, line)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path, node)
            for alias in node.names:
                # ``from saleskpi.data import readers`` imports the module saleskpi.data.readers
                sub = f"{target}.{alias.name}"
                add(sub if sub in modules else target, node.lineno)
    return found


def layer_of(module: str) -> int | None:
    """The index in :data:`LAYERS` of the module's layer (None: in no layer)."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # the root package names only its own __init__, not every module under it
            matches = module == prefix or (prefix != ROOT and module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def import_graph() -> dict[str, dict[str, int]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The import circles: strongly connected groups of modules (Tarjan), each as one circle
    through them, starting at its smallest name."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_circle(graph, group) for group in groups]


def _circle(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """A shortest circle from the group's first module back to it (breadth-first)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node]):
            if nxt == start:
                return paths[node] + [start]
            if nxt in members and nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return group


def test_every_module_is_in_a_layer():
    missing = sorted(m for m in module_files() if layer_of(m) is None)
    assert not missing, (f"{len(missing)} module(s) in no layer: {', '.join(missing)}. Add each to the "
                         "layer it belongs to in LAYERS (tests/test_layers.py).")


def test_no_import_circle():
    graph = import_graph()
    found = cycles(graph)
    lines = []
    for circle in found:
        steps = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in zip(circle, circle[1:])]
        lines.append("  " + "; ".join(steps))
    assert not found, (f"{len(found)} import circle(s); break each by moving what both sides need "
                       "to a module below them:\n" + "\n".join(lines))


def test_no_import_from_a_higher_layer():
    graph = import_graph()
    wrong = []
    for module, targets in sorted(graph.items()):
        own = layer_of(module)
        for target, line in sorted(targets.items()):
            other = layer_of(target)
            if own is not None and other is not None and other > own:
                wrong.append(f"  {module} (layer '{LAYERS[own][0]}', line {line}) imports {target} "
                             f"(layer '{LAYERS[other][0]}')")
    assert not wrong, (f"{len(wrong)} import(s) from a higher layer; a layer may import only from "
                       "its own and lower layers (LAYERS in tests/test_layers.py, bottom-up: "
                       + " -> ".join(name for name, _ in LAYERS) + "):\n" + "\n".join(wrong))


# --- the checker itself, on hand-made graphs --------------------------------------------------


def test_cycles_finds_a_circle_and_names_it_from_its_smallest_module():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []


@pytest.mark.parametrize(("module", "layer"), [
    ("saleskpi", "errors"),
    ("saleskpi.data.schema", "data contract and settings"),
    ("saleskpi.data.importer.loading", "data readers, mappings and importer; derived tables"),
    ("saleskpi.engines.spark", "engines"),
    ("saleskpi.analyses.clv", "analyses"),
])
def test_layer_of_takes_the_longest_prefix(module, layer):
    assert LAYERS[layer_of(module)][0] == layer


def test_relative_and_submodule_imports_are_resolved(tmp_path):
    pkg = tmp_path / "saleskpi" / "data"
    pkg.mkdir(parents=True)
    path = pkg / "importer.py"
    path.write_text("from . import readers\nfrom .schema import TABLES\n\ndef f():\n"
                    "    from saleskpi.workspace import Workspace\n", encoding="utf-8")
    modules = {"saleskpi.data", "saleskpi.data.readers", "saleskpi.data.schema", "saleskpi.workspace"}
    assert imports_of("saleskpi.data.importer", path, modules) == {
        "saleskpi.data.readers": 1, "saleskpi.data.schema": 2, "saleskpi.workspace": 5}
