"""Builders for attack tests on the sync API: records of every kind, and an office on a backend.

`office_app(url, tmp)` is the real server app (create_app) on SQLite or PostgreSQL with the small
test agency; `records_for(...)` builds a well-formed, sealed record of each pushed kind, so a
test changes one field and sees exactly that field refused.
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, insert, select

from fieldapp.vault.dek import Sealer
from server import agency, enrolment
from server.app import create_app
from server.schema import records, tenants
from server.settings import ServerSettings
from sync.protocol import SYNC_PATH, PushedRecord
from tests.factories import SmallAgency, code_for, medicine_for, person, plan_for, small_agency
from tests.support import migrated

BASE = "http://office"


@dataclass
class Office:
    app: Any
    agency: SmallAgency
    tmp: Path

    @property
    def engine(self) -> Engine:
        return self.app.state.engine  # type: ignore[no-any-return]

    def token(self, worker_id: str | None = None) -> str:
        data = enrolment.enrol(self.engine, code_for(self.engine, worker_id or
                                                      self.agency.worker_id))
        return str(data["device_token"])

    def sealer(self, tenant_id: str | None = None) -> Sealer:
        return sealer_of(self.engine, tenant_id or self.agency.tenant_id)

    def stored(self) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def office_app(url: str, tmp: Path) -> Office:
    settings = ServerSettings(database_url=migrated.ready(url), escrow_key_file=tmp / "escrow.key",
                              run_monitors=False)
    app = create_app(settings, with_console=False)
    return Office(app, small_agency(app.state.engine, tmp), tmp)


def second_agency(engine: Engine, tmp: Path) -> SmallAgency:
    """Another agency in the same database (inserted directly: the CLI makes one per file), its
    private key beside the server's (`tmp/escrow.key`) where the server looks for it."""
    from server import datakeys, escrow
    from server.keyring import agency_key_file

    tid = str(uuid.uuid4())
    key_file = agency_key_file(tmp / "escrow.key", tid)
    public = escrow.generate_keypair_files(key_file)
    with engine.begin() as conn:
        conn.execute(insert(tenants).values(
            id=tid, name="Other Care", office_phone="", on_call_phone="",
            timezone="Europe/London", escrow_public_key=base64.b64encode(public).decode(),
            clock=0))
        datakeys.create(conn, tid)  # as init_tenant gives every agency its data key
    wid = agency.add_worker(engine, tid, {"name": "Zed Other"})
    p = person("Olive Other")
    agency.add_people(engine, tid, [p], [plan_for(p)], [medicine_for(p)])
    now = datetime.now(UTC).replace(microsecond=0)
    visits = [{"id": str(uuid.uuid4()), "worker_id": wid, "service_user_id": p["id"],
               "visit_type": "morning", "start": now.isoformat(), "end": now.isoformat()}]
    agency.add_visits(engine, tid, visits)
    return SmallAgency(tid, wid, wid, "", [p], visits, key_file)


def sealer_of(engine: Engine, tenant_id: str) -> Sealer:
    with engine.begin() as conn:
        pub = conn.execute(select(tenants.c.escrow_public_key)
                           .where(tenants.c.id == tenant_id)).scalar_one()
    return Sealer(b"k" * 32, tenant_id, base64.b64decode(pub))


def medicine_of(engine: Engine, person_id: str) -> str:
    from server.schema import medicines

    with engine.begin() as conn:
        return str(conn.execute(select(medicines.c.id)
                                .where(medicines.c.service_user_id == person_id)).scalar())


def record(sealer: Sealer, kind: str, visit_id: str | None, person_id: str | None,
           facts: dict[str, Any] | None = None, corrects: str | None = None,
           rid: str | None = None) -> PushedRecord:
    rid = rid or str(uuid.uuid4())
    env = sealer.seal("records", rid, 1, {"kind": kind, "text": "Settled"}, escrow=True)
    return PushedRecord(rid, kind, visit_id, person_id, datetime.now(UTC).isoformat(), 1, env,
                        corrects, facts or {})


def facts_for(kind: str, medicine_id: str, visit_id: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "dose_outcome": {"medicine_id": medicine_id, "scheduled_at": now, "actual_at": now,
                         "outcome": "taken", "prn": False, "controlled": False},
        "escalation": {"type": "medication", "severity": "urgent", "event": "refused_twice",
                       "medicine_id": medicine_id, "dose_at": now, "dose_record_id": None},
        "lone_worker": {"event": "duress", "level": "red", "at": now,
                        **({"open_visit_id": visit_id} if visit_id else {})},
        "dose_effect": {"dose_record_id": str(uuid.uuid4()), "medicine_id": medicine_id,
                        "dose_at": now, "effect": "effective"},
        "handover": {"shift_start": now, "shift_end": now, "has_concerns": False, "items": 0},
    }.get(kind, {})


def gz(obj: Any) -> bytes:
    return gzip.compress(json.dumps(obj).encode(), mtime=0)


def headers(token: str | None) -> dict[str, str]:
    out = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    if token:
        out["Authorization"] = f"Bearer {token}"
    return out


def post_sync(client: httpx.Client, token: str | None, body: bytes,
              extra: dict[str, str] | None = None) -> httpx.Response:
    return client.post(SYNC_PATH, content=body, headers={**headers(token), **(extra or {})})


@pytest.fixture(name="office",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def office_on_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Office]:
    """The `office` fixture of a test module that imports this: the office on each backend
    (SQLite, then PostgreSQL), disposed afterwards."""
    # A copy of the migrated template (tests/support/migrated.py): the app's own migration at
    # start then has nothing to do.
    if request.param == "sqlite":
        url = migrated.sqlite_copy(tmp_path / "server.sqlite")
    else:
        url = migrated.pg_copy(request.getfixturevalue("pg_url"))
    o = office_app(url, tmp_path)
    try:
        yield o
    finally:
        o.engine.dispose()
