"""The import rules of docs/architecture.md, enforced by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(__import__("sys").stdlib_module_names) | {"__future__"}

ALLOWED: dict[str, set[str]] = {
    "fieldapp": STDLIB | {"fieldapp", "sync", "sqlite_utils", "cryptography"},
    "sync.protocol": STDLIB,
    "sync.envelope": STDLIB | {"cryptography"},
    "sync": STDLIB | {"sync", "fieldapp", "httpx"},
    "screens": STDLIB | {"screens", "fieldapp", "sync", "flet", "flet_secure_storage", "httpx"},
    "server": STDLIB | {"server", "sync", "fastapi", "starlette", "uvicorn", "sqlalchemy",
                        "argon2", "reportlab", "flet", "flet_web", "cryptography", "pydantic",
                        "psycopg", "orjson"},
    "main": STDLIB | {"fieldapp", "sync", "screens", "flet", "httpx"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
            if node.module == "sync.protocol" or node.module.startswith("sync."):
                roots.add(node.module)
    return roots


def rule_for(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    dotted = ".".join(rel.parts)
    if dotted in ("sync.protocol", "sync.envelope"):
        return dotted
    return rel.parts[0]


def modules() -> list[Path]:
    files = [ROOT / "main.py"]
    for package in ("fieldapp", "sync", "screens", "server"):
        files += sorted((ROOT / package).rglob("*.py"))
    return files


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_what_its_layer_may(path: Path) -> None:
    allowed = ALLOWED[rule_for(path)]
    used = imported_roots(path)
    if rule_for(path) in ("server", "fieldapp"):
        # The server shares only the contract with the phone, never its sync client; the phone's
        # core uses the contract too, and the sync client sits above it.
        sync_mods = {m for m in used if m.startswith("sync.")}
        contract = {"sync.protocol", "sync.envelope"}
        assert sync_mods <= contract, f"may import only the contract of sync/: {sync_mods}"
    plain = {m for m in used if "." not in m}
    assert plain <= allowed, f"{path.name} imports {sorted(plain - allowed)}"


def test_the_rules_catch_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import flet\nfrom server.app import create_app\n")
    assert imported_roots(bad) - ALLOWED["fieldapp"] == {"flet", "server"}
