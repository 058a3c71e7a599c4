"""Every import of every module as a full module name, for the architecture test.

Reads source with `ast` (nothing is imported), so a file that would fail to import is still
checked. Seen: `import a.b`, `from a import b` (b resolved to the module `a.b` when it is one),
relative imports, imports inside functions, classes and `if TYPE_CHECKING:` blocks (a type-only
import is still a dependency between rooms), and `importlib.import_module("a.b")` with a
literal name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PACKAGES = ("fieldapp", "sync", "screens", "server")
SCRIPTS = ("main",)


@dataclass(frozen=True)
class Import:
    """One import statement's target in one module, with where it is written."""

    module: str  # the importing module, e.g. "fieldapp.store.db"
    target: str  # the imported module, e.g. "fieldapp.vault.dek"
    line: int


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the app and the server under `root`."""
    found: dict[str, Path] = {}
    for name in SCRIPTS:
        if (root / f"{name}.py").exists():
            found[name] = root / f"{name}.py"
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _base_for_relative(module: str, package: bool, level: int) -> str:
    """The package a relative import with `level` dots starts from."""
    parts = module.split(".") if package else module.split(".")[:-1]
    if level - 1 > len(parts) - 1 or not parts:
        raise ValueError(f"{module}: relative import beyond the top-level package")
    return ".".join(parts[: len(parts) - (level - 1)])


def _literal_import_call(node: ast.Call) -> str | None:
    """`importlib.import_module("a.b")` / `import_module("a.b")` / `__import__("a.b")`."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


@lru_cache(maxsize=1024)
def _parse(source: str) -> ast.Module:
    # The self-tests parse many copies of the same files; trees are only read, never changed.
    return ast.parse(source)


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """Every module `module` imports; `known` (all module names) resolves `from a import b`."""
    tree = _parse(path.read_text(encoding="utf-8"))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                start = _base_for_relative(module, is_package(path), node.level)
                base = f"{start}.{base}" if base else start
            for alias in node.names:
                # `from a import b` is the module a.b when there is one, else a name in a.
                candidate = f"{base}.{alias.name}"
                target = candidate if candidate in known else base
                found.append(Import(module, target, node.lineno))
        elif isinstance(node, ast.Call):
            name = _literal_import_call(node)
            if name:
                found.append(Import(module, name, node.lineno))
    return found


def all_imports(root: Path) -> list[Import]:
    files = module_files(root)
    known = set(files)
    return [imp for name, path in files.items() for imp in imports_of(name, path, known)]


def internal(target: str) -> bool:
    """True for modules of this repository's app and server (not stdlib or third party)."""
    top = target.split(".")[0]
    return top in PACKAGES or top in SCRIPTS


def circles(edges: set[tuple[str, str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (or a module importing itself)."""
    graph: dict[str, set[str]] = {}
    for src, dst in edges:
        graph.setdefault(src, set()).add(dst)
        graph.setdefault(dst, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0

    def visit(node: str) -> None:  # Tarjan; the graph is a few hundred modules, recursion is fine
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: set[str] = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1 or (node, node) in edges:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
