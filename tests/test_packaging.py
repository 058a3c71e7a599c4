"""What `pip install .` ships: every package of the app and the server, and the server's data."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_directory_is_listed_for_the_wheel() -> None:
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for top in ("fieldapp", "sync", "screens", "server")
             for p in (ROOT / top).rglob("__init__.py")}
    assert found == set(CONFIG["packages"])


def test_the_migration_scripts_data_is_shipped() -> None:
    shipped = CONFIG["package-data"]["server.migrations"]
    assert all((ROOT / "server" / "migrations" / name).is_file() for name in shipped)
    assert {"alembic.ini", "script.py.mako"} <= set(shipped)
