"""symlogic's modules import each other without cycles, counting imports inside functions too.

Every module under symlogic/ is parsed with ``ast``; each ``import`` / ``from … import`` anywhere in
it (module level, functions, classes) is an edge, except those under ``if TYPE_CHECKING:``, which
never run. ``from .pkg import name`` points at ``pkg.name`` when that is a module, else at ``pkg``.
Importing a submodule also runs its package's ``__init__``; that implicit edge is left out, as
import linters do, since every module would otherwise depend on ``symlogic/__init__.py``. Imports
made from strings (``importlib.import_module`` in the lazy tables of the package ``__init__`` files
and in :mod:`symlogic.backends`) are not seen: they are how a package exposes names without
importing them up front, and only ``__init__`` files name modules that way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1] / "symlogic"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement in ``tree`` outside ``if TYPE_CHECKING:`` bodies (their ``else`` runs)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(root: Path = ROOT) -> nx.DiGraph:
    """Module → module it imports, over the modules of the package at ``root``; edges carry the line."""
    files: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    g = nx.DiGraph()
    g.add_nodes_from(files)
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    where = ".".join(base + ([node.module] if node.module else []))
                else:
                    where = node.module or ""
                targets = [f"{where}.{a.name}" if f"{where}.{a.name}" in files else where for a in node.names]
            for target in targets:
                while target and target not in files:  # "import symlogic.x.y as z": the deepest module we have
                    target = target.rpartition(".")[0]
                if target and target != name:
                    g.add_edge(name, target, line=node.lineno)
    return g


def _cycles(g: nx.DiGraph) -> list[str]:
    """Each cycle as ``a:line → b:line → … → a``, ``line`` being where the module imports the next."""
    out = []
    for c in nx.simple_cycles(g):
        k = c.index(min(c))
        c = c[k:] + c[:k]  # start at the smallest name: the same cycle reads the same every run
        out.append(" → ".join(f"{u}:{g.edges[u, v]['line']}" for u, v in zip(c, c[1:] + c[:1])) + f" → {c[0]}")
    return sorted(out)


def test_the_checker_sees_function_level_imports_and_skips_type_checking(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import g\n"
                              "def f():\n    from .sub import c\n")
    (pkg / "b.py").write_text("import pkg.a\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("def h():\n    from .. import b\n")
    g = import_graph(pkg)
    assert set(g.edges) == {("pkg", "pkg.a"), ("pkg.a", "pkg.sub.c"), ("pkg.b", "pkg.a"), ("pkg.sub.c", "pkg.b")}
    assert _cycles(g) == ["pkg.a:5 → pkg.sub.c:2 → pkg.b:1 → pkg.a"]


def test_logic_imports_no_exporter() -> None:
    g = import_graph()
    assert g.has_edge("symlogic.logic", "symlogic.exact_error")  # a function-level import is seen
    reach = nx.descendants(g, "symlogic.logic")
    assert not {m for m in reach if m.startswith(("symlogic.export", "symlogic.figures"))}, sorted(reach)


def test_no_import_cycles() -> None:
    assert _cycles(import_graph()) == []
