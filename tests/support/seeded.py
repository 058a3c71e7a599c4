"""The demo agency for the browser journeys: seeded once per test process, copied per journey.

Seeding (migrating a database, hashing the coordinators' passwords with Argon2, making escrow
keys) takes seconds, and every module using the `demo` fixture (tests/browser/conftest.py) wants
a demo of its own. :func:`seed` does what ``server.demo.seed`` does, but the first call seeds a
template with it and every call copies that template's folder: each module still gets its own
database, key file and phone folder (the copies share the template's escrow key). The demo's
rota is for one day in Europe/London, so a new day seeds a new template.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server import datakeys, demo, escrow
from server.demo import DemoLogins
from server.schema import tenants
from server.storage import make_engine

_lock = threading.Lock()
_templates: dict[str, tuple[Path, DemoLogins]] = {}  # London date -> (folder, its logins)


def _template() -> tuple[Path, DemoLogins]:
    day = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    with _lock:
        if day not in _templates:
            folder = Path(tempfile.mkdtemp(prefix="fieldapp-demo-template-"))
            atexit.register(shutil.rmtree, folder, True)
            _templates[day] = (folder / "demo", demo.seed(folder / "demo"))
        return _templates[day]


def seed(directory: Path) -> DemoLogins:
    """``server.demo.seed(directory)``: the demo agency, from scratch, in `directory`."""
    folder, logins = _template()
    if directory.exists():
        shutil.rmtree(directory)
    shutil.copytree(folder, directory)  # keeps the 0600 key and database files as they are
    server = directory / "server"
    copy = replace(logins, database_url=f"sqlite:///{server / 'fieldapp.sqlite'}",
                   key_file=server / "escrow.key")
    _hold_data_keys(copy)
    return copy


def _hold_data_keys(logins: DemoLogins) -> None:
    """Leave this process holding the copy's data keys, as seeding it here would have (the
    journeys that act as the office in the test process, e.g. acknowledging, rely on that)."""
    key = escrow.load_private_key(str(logins.key_file))
    engine = make_engine(logins.database_url)
    try:
        with engine.connect() as conn:
            for tenant_id in conn.execute(select(tenants.c.id)).scalars().all():
                datakeys.keys_for(conn, tenant_id, key)
    finally:
        engine.dispose()
