"""The rooms table of DESIGN.md, enforced on every import written in the app and the server.

Imports are read by `tests/support/imports.py` as full module names (absolute, relative,
`from a import b` resolved to the module `a.b`, inside functions and `if TYPE_CHECKING:`).
Each module belongs to the room with the longest matching prefix below; a room may import the
standard library, the rooms and exact modules it lists, and the third-party packages it lists.
Every rule has a self-test that plants a violation in a temporary copy of the tree.
"""

from __future__ import annotations

import fnmatch
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.imports import Import, all_imports, circles, internal, module_files

ROOT = Path(__file__).resolve().parents[1]
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}

# Module prefix -> room. The longest prefix that matches a module names its room.
ROOMS: dict[str, str] = {
    "sync": "contract",  # protocol, envelope, kinds, codes: what phone and office agree on
    "sync.client": "sync.client",
    "fieldapp": "fieldapp",  # package-level leaves: fieldapp.errors, fieldapp.settings
    "fieldapp.domain": "domain",
    "fieldapp.vault": "vault",
    "fieldapp.store": "store",
    "fieldapp.services": "services",
    "screens": "screens",
    "server": "server",
    "main": "main",
}


@dataclass(frozen=True)
class May:
    """What one room may import besides the standard library."""

    rooms: frozenset[str] = frozenset()
    modules: frozenset[str] = frozenset()  # exact module names, not their submodules
    external: frozenset[str] = frozenset()  # top-level third-party names (fnmatch patterns)
    why: str = field(default="", compare=False)


def may(rooms: str = "", modules: str = "", external: str = "") -> May:
    return May(frozenset(rooms.split()), frozenset(modules.split()), frozenset(external.split()))


PHONE_LOW = "contract fieldapp domain"  # the contract, the pure rules and the leaves
SERVER_PACKAGES = (
    "fastapi starlette uvicorn pydantic sqlalchemy alembic psycopg orjson argon2 cryptography "
    "reportlab flet flet_web flet_charts httpx"
)
RULES: dict[str, May] = {
    "contract": may("contract", external="cryptography"),
    "sync.client": may("sync.client contract fieldapp store", external="httpx"),
    "fieldapp": may("fieldapp contract"),
    "domain": may(PHONE_LOW),
    "vault": may(f"vault {PHONE_LOW}", external="cryptography"),
    "store": may(f"store vault {PHONE_LOW}", external="sqlite_utils"),
    "services": may(f"services store vault {PHONE_LOW}"),
    # Screens see the app through one curated surface, plus the contract's labels.
    "screens": may("screens", modules="fieldapp.services sync.codes sync.kinds",
                   external="flet flet_*"),
    "server": may("server contract", external=SERVER_PACKAGES),
    "main": may("main contract sync.client fieldapp domain vault store services screens",
                external="flet flet_* httpx"),
}

# Imports that break the table on main today, being mended by the helpers who own those rooms.
# The test fails when one of them no longer occurs, so this list can only shrink: delete a pair
# as soon as its import is gone. Never add to it.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()  # none left: keep it that way

# Import edges that close a circle on main today (same rule: the list only shrinks).
KNOWN_CIRCLE_EDGES: set[tuple[str, str]] = set()


def room_of(module: str) -> str | None:
    matches = [p for p in ROOMS if module == p or module.startswith(p + ".")]
    return ROOMS[max(matches, key=len)] if matches else None


def allowed(imp: Import) -> bool:
    rule = RULES[room_of(imp.module) or ""]
    top = imp.target.split(".")[0]
    if not internal(imp.target):
        return top in STDLIB or any(fnmatch.fnmatchcase(top, p) for p in rule.external)
    return imp.target in rule.modules or room_of(imp.target) in rule.rooms


def violations(root: Path) -> dict[tuple[str, str], Import]:
    return {(i.module, i.target): i for i in all_imports(root) if not allowed(i)}


def internal_edges(root: Path) -> set[tuple[str, str]]:
    known = set(module_files(root))
    return {(i.module, i.target) for i in all_imports(root) if i.target in known}


def describe(found: dict[tuple[str, str], Import], root: Path) -> str:
    files = module_files(root)
    return "\n".join(
        f"{files[imp.module].relative_to(root)}:{imp.line}: {imp.module} "
        f"({room_of(imp.module)}) imports {imp.target} ({room_of(imp.target) or 'external'})"
        for _, imp in sorted(found.items())
    )


# ---- the rules on the real tree -------------------------------------------------------------


def test_every_module_belongs_to_a_room() -> None:
    assert [m for m in module_files(ROOT) if room_of(m) is None] == []


def test_every_import_follows_the_rooms_table() -> None:
    found = violations(ROOT)
    new = {pair: imp for pair, imp in found.items() if pair not in KNOWN_VIOLATIONS}
    assert not new, "imports that break DESIGN.md's rooms table:\n" + describe(new, ROOT)


def test_known_violations_are_still_needed() -> None:
    gone = KNOWN_VIOLATIONS - set(violations(ROOT))
    assert not gone, f"fixed - remove from KNOWN_VIOLATIONS: {sorted(gone)}"


def test_no_import_circles() -> None:
    left = circles(internal_edges(ROOT) - KNOWN_CIRCLE_EDGES)
    assert left == [], f"modules importing each other in a circle: {[sorted(c) for c in left]}"


def test_known_circle_edges_still_close_a_circle() -> None:
    in_circle = {m for c in circles(internal_edges(ROOT)) for m in c}
    edges = internal_edges(ROOT)
    gone = {(a, b) for a, b in KNOWN_CIRCLE_EDGES
            if (a, b) not in edges or a not in in_circle or b not in in_circle}
    assert not gone, f"no longer in a circle - remove from KNOWN_CIRCLE_EDGES: {sorted(gone)}"


# ---- self-tests: each rule fails on a violation planted in a temporary copy ------------------


def copy_tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    shutil.copy(ROOT / "main.py", root / "main.py")
    for package in ("fieldapp", "sync", "screens", "server"):
        shutil.copytree(ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


PLANTED = [
    # (file written in the copy, its source, the (module, import) pair the rules must reject)
    ("server/planted.py", "import sync.client\n", ("server.planted", "sync.client")),
    ("server/planted.py", "from sync import client\n", ("server.planted", "sync.client")),
    ("server/planted.py", "from fieldapp.errors import FieldAppError\n",
     ("server.planted", "fieldapp.errors")),
    ("server/planted.py", "import screens.widgets\n", ("server.planted", "screens.widgets")),
    ("fieldapp/domain/planted.py", "from ..store import db\n",
     ("fieldapp.domain.planted", "fieldapp.store.db")),
    ("fieldapp/domain/planted.py", "from .. import vault\n",
     ("fieldapp.domain.planted", "fieldapp.vault")),
    # In a package's __init__, "." is the package itself.
    ("fieldapp/domain/__init__.py", "from ..store import db\n",
     ("fieldapp.domain", "fieldapp.store.db")),
    ("fieldapp/domain/planted.py",
     "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fieldapp.vault import dek\n",
     ("fieldapp.domain.planted", "fieldapp.vault.dek")),
    ("fieldapp/domain/planted.py", "import sqlite_utils\n",
     ("fieldapp.domain.planted", "sqlite_utils")),
    ("fieldapp/vault/planted.py", "def later() -> None:\n    from fieldapp.store import db\n",
     ("fieldapp.vault.planted", "fieldapp.store.db")),
    ("fieldapp/store/planted.py", "class Later:\n    def f(self) -> None:\n"
     "        import fieldapp.services.visits\n",
     ("fieldapp.store.planted", "fieldapp.services.visits")),
    ("fieldapp/services/planted.py", "import importlib\nimportlib.import_module('screens.app')\n",
     ("fieldapp.services.planted", "screens.app")),
    ("fieldapp/services/planted.py", "import flet\n", ("fieldapp.services.planted", "flet")),
    ("fieldapp/planted_leaf.py", "from fieldapp.domain import clock\n",
     ("fieldapp.planted_leaf", "fieldapp.domain.clock")),
    ("screens/planted.py", "from fieldapp.store.db import DeviceStore\n",
     ("screens.planted", "fieldapp.store.db")),
    ("screens/planted.py", "from fieldapp.vault import dek\n",
     ("screens.planted", "fieldapp.vault.dek")),
    ("screens/planted.py", "from sync import client\n", ("screens.planted", "sync.client")),
    ("screens/planted.py", "from sync import protocol\n", ("screens.planted", "sync.protocol")),
    ("screens/planted.py", "from fieldapp.services import visits\n",
     ("screens.planted", "fieldapp.services.visits")),
    ("screens/planted.py", "import httpx\n", ("screens.planted", "httpx")),
    ("sync/planted.py", "import httpx\n", ("sync.planted", "httpx")),
    ("sync/planted.py", "from fieldapp.store import db\n", ("sync.planted", "fieldapp.store.db")),
    ("sync/planted.py", "from . import client\n", ("sync.planted", "sync.client")),
]
PLANTED_IN_CLIENT = [
    ("from fieldapp.services import device\n", "fieldapp.services.device"),
    ("from fieldapp.vault import dek\n", "fieldapp.vault.dek"),
    ("import screens.app\n", "screens.app"),
]


@pytest.mark.parametrize(("where", "source", "pair"), PLANTED,
                         ids=[f"{p[2][0]}->{p[2][1]}:{p[1].split()[0]}" for p in PLANTED])
def test_a_planted_violation_fails_the_rooms_rule(
    tmp_path: Path, where: str, source: str, pair: tuple[str, str]
) -> None:
    root = copy_tree(tmp_path)
    assert pair not in violations(root)
    (root / where).write_text(source)
    assert pair in violations(root)


@pytest.mark.parametrize(("source", "target"), PLANTED_IN_CLIENT)
def test_a_planted_violation_in_the_sync_client_fails(
    tmp_path: Path, source: str, target: str
) -> None:
    root = copy_tree(tmp_path)
    client = root / "sync" / "client.py"
    client.write_text(client.read_text() + "\n\ndef later() -> None:\n    " + source)
    assert ("sync.client", target) in violations(root)


def test_a_planted_server_import_in_main_fails(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    (root / "main.py").write_text((root / "main.py").read_text() + "\nimport server.app\n")
    assert ("main", "server.app") in violations(root)


def test_a_planted_circle_fails(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    domain = root / "fieldapp" / "domain"
    (domain / "planted_a.py").write_text("from fieldapp.domain import planted_b\n")
    (domain / "planted_b.py").write_text("def f() -> None:\n    from . import planted_a\n")
    found = circles(internal_edges(root) - KNOWN_CIRCLE_EDGES)
    assert {"fieldapp.domain.planted_a", "fieldapp.domain.planted_b"} in found


def test_a_module_importing_itself_is_a_circle(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    (root / "server" / "planted.py").write_text("from server import planted\n")
    assert {"server.planted"} in circles(internal_edges(root))


def test_allowed_imports_pass_in_a_copy(tmp_path: Path) -> None:
    """The rules are not simply rejecting everything: each room's own allowances pass."""
    root = copy_tree(tmp_path)
    planted = {
        "server/planted.py": "from sync import protocol\nimport sqlalchemy\nfrom . import errors\n",
        "screens/planted.py": "import flet as ft\nfrom fieldapp import services\n"
                              "from sync import codes, kinds\nfrom . import app\n",
        "fieldapp/store/planted.py": "from ..vault import dek\nfrom ..domain import clock\n"
                                     "from fieldapp.errors import FieldAppError\n",
        "sync/planted.py": "from . import protocol\nfrom cryptography import x509\n",
    }
    for label in ("codes", "kinds"):  # the contract's label modules, if not yet written
        (root / "sync" / f"{label}.py").touch()
    for where, source in planted.items():
        (root / where).write_text(source)
    assert [p for p in violations(root) if p[0].endswith("planted")] == []


def test_a_relative_import_past_the_top_package_is_an_error(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    (root / "server" / "planted.py").write_text("from ... import x\n")
    with pytest.raises(ValueError, match="beyond the top-level package"):
        violations(root)
