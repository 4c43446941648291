"""The package's shape: no import cycle, data flowing one way between layers, short modules.

The imports are read from the source (``ast``), not by importing, so a cycle hidden behind
a function-level import counts too. Imports under ``if TYPE_CHECKING:`` are annotations
only and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

# Lower layers never import higher ones: a scenario file becomes a validated Scenario, the
# model runs it, experiments run the model many times and store tables, analysis reads
# tables, charts draw them, and the command line (and the ODD generator) sit on top.
LAYERS = (
    ("sim", "sim.data", "sim.outcomes"),
    ("sim.scenario",),
    ("sim.model",),
    ("sim.experiments",),
    ("sim.analysis",),
    ("sim.plots",),
    ("sim.cli", "sim.app", "sim.odd", "sim.__main__", "sim.api"),
)
MAX_LINES = 400
LONG_REASON = "over 400 lines"  # a longer module says why in its docstring, with these words


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, known: set[str]) -> set[str]:
    """The modules of this package that ``path`` imports, outside ``TYPE_CHECKING``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] != "sim":
                continue
            while name not in known and "." in name:
                name = name.rsplit(".", 1)[0]  # `from sim.x import Name`: the module sim.x
            found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {m: imports(p, known) - {m} for m, p in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
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

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def layer(module: str) -> int:
    best, level = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, level = len(name), i
    assert level >= 0, f"{module} is in no layer: add it to LAYERS"
    return level


def test_the_import_reader_sees_function_level_imports_and_skips_type_checking(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(
        "from typing import TYPE_CHECKING\n"
        "import sim.data\n"
        "if TYPE_CHECKING:\n    from sim.model.model import BRIModel\n"
        "def f():\n    from sim.model import mechanisms\n"
    )
    known = {"sim", "sim.data", "sim.model", "sim.model.model", "sim.model.mechanisms"}
    assert imports(src, known) == {"sim.data", "sim.model", "sim.model.mechanisms"}


def test_cycles_are_found_in_a_hand_made_graph():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycle():
    assert cycles(graph()) == []


def test_no_layer_imports_a_higher_one():
    wrong = [
        f"{m} imports {d}"
        for m, deps in graph().items()
        for d in sorted(deps)
        if layer(d) > layer(m)
    ]
    assert wrong == []


@pytest.mark.parametrize("module", sorted(modules()))
def test_a_module_over_400_lines_says_why(module):
    path = modules()[module]
    lines = path.read_text().count("\n")
    if lines > MAX_LINES:
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        assert LONG_REASON in doc.lower(), (
            f"{path} has {lines} lines and no reason in its docstring"
        )
