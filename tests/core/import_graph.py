"""The import graph of the installed jobadapter packages, read from source.

One walker for the layering tests (:mod:`test_import_layers`: who may reach
whom, counting every import) and the circle test (:mod:`test_import_cycles`:
module-level imports only). Nothing is imported: the files are parsed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jobadapter

CORE = Path(jobadapter.__file__).parent
#: The core and every plugin package beside it in the checkout (plugins/*/jobadapter_*).
PLUGINS = sorted(
    path
    for path in (CORE.parent.parent / "plugins").glob("*/jobadapter_*")
    if (path / "__init__.py").is_file()
)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def package(self) -> str:
        """The package a relative import in this file starts from."""
        if self.path.name == "__init__.py":
            return self.name
        return self.name.rpartition(".")[0]


def modules(roots: Iterable[Path]) -> dict[str, Module]:
    found: dict[str, Module] = {}
    for root in roots:
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root.parent).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            found[name] = Module(name, path)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(
    body: list[ast.stmt], *, module_level_only: bool
) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of ``body``; with ``module_level_only``, those that
    run when the module is loaded: not in a function body (it runs at call time)
    and not under ``if TYPE_CHECKING:`` (it never runs)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if module_level_only:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                yield from _import_nodes(node.orelse, module_level_only=True)
                continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield from _import_nodes([child], module_level_only=module_level_only)
            elif isinstance(child, ast.excepthandler):
                yield from _import_nodes(child.body, module_level_only=module_level_only)


def _targets(node: ast.Import | ast.ImportFrom, module: Module, known: set[str]) -> set[str]:
    """The modules an import statement needs loaded.

    ``import a.b`` needs ``a.b``. ``from a import b`` reads ``a``'s namespace,
    which is half built while ``a/__init__.py`` runs, so it needs ``a`` (and
    ``a.b`` when ``b`` is a submodule). The implicit load of a parent package
    (``a`` before ``a.b``) is not counted: a package's ``__init__`` importing
    its own submodules is the ordinary shape, not a circle.
    """
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = module.package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    targets: set[str] = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module.name:
            targets.add(name)
    return targets


def import_graph(roots: Iterable[Path], *, module_level_only: bool) -> dict[str, set[str]]:
    """Module name -> the modules (under ``roots``) it imports."""
    found = modules(roots)
    known = set(found)
    graph: dict[str, set[str]] = {}
    for name, module in found.items():
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in _import_nodes(tree.body, module_level_only=module_level_only):
            edges |= _targets(node, module, known)
        graph[name] = edges
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for dep in graph.get(todo.pop(), ()):
            if dep in graph and dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle (a strongly connected set of two or more modules),
    sorted, as one shortest round trip from its first name."""
    found: list[list[str]] = []
    done: set[str] = set()
    for name in sorted(graph):
        if name in done:
            continue
        circle = {n for n in reachable(graph, name) if name in reachable(graph, n)}
        if not circle:
            continue
        circle.add(name)
        done |= circle
        found.append(_round_trip(graph, min(circle), circle))
    return found


def _round_trip(graph: dict[str, set[str]], start: str, circle: set[str]) -> list[str]:
    """The shortest path start -> ... -> start inside ``circle`` (breadth first)."""
    paths = [[start]]
    seen = {start}
    while paths:
        path = paths.pop(0)
        for dep in sorted(graph[path[-1]] & circle):
            if dep == start:
                return [*path, start]
            if dep not in seen:
                seen.add(dep)
                paths.append([*path, dep])
    raise AssertionError(f"{start} is in no circle")  # pragma: no cover


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between the layers: each module stands for its top-level
    sub-package (``jobadapter.store.sqlite`` -> ``jobadapter.store``); a top-level
    module stands for itself."""

    packages = {name for name in graph if any(other.startswith(f"{name}.") for other in graph)}

    def layer(name: str) -> str:
        parts = name.split(".")
        if len(parts) > 2 or (len(parts) == 2 and name in packages):
            return ".".join(parts[:2])
        return name

    collapsed: dict[str, set[str]] = {}
    for name, deps in graph.items():
        own = layer(name)
        collapsed.setdefault(own, set()).update(layer(dep) for dep in deps if layer(dep) != own)
    return collapsed
