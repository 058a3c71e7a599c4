"""Alembic revisions: a database made by the last hand-rolled release upgrades keeping its data,
and every revision upgrades and downgrades on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Engine, column, func, inspect, make_url, select, table, text

from server import datakeys, enrolment, escrow, migrations, sealing
from server.cli import main as cli_main
from server.schema import metadata, records
from server.storage import make_engine, migrate
from server.sync_service import handle_sync
from sync.protocol import SyncRequest
from tests.support import pg

RELEASE = Path(__file__).resolve().parent / "release_db"
# The newest revision: a new feature's revision moves it on, the tests follow.
HEAD = ScriptDirectory.from_config(migrations.config()).get_current_head() or ""
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.sqlite'}"
        return
    yield pg.create_database(request.getfixturevalue("pg_url"), f"m_{uuid.uuid4().hex[:12]}")


def _load_release(url: str) -> None:
    """Put back the last release's database (tests/server/release_db, made by make_fixtures.py):
    its SQLite file as the release wrote it, or its pg_dump archive through pg_restore."""
    if url.startswith("sqlite"):
        shutil.copyfile(RELEASE / "release.sqlite", url.removeprefix("sqlite:///"))
        return
    bindir = pg.require_bindir()
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(  # noqa: S603 - the PostgreSQL tool, our own arguments
        [str(bindir / "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", "-d", libpq, str(RELEASE / "postgresql.dump")],
        check=True, capture_output=True, timeout=120)


def _counts(engine: Engine) -> dict[str, int]:
    """Rows per table of ours that the database has (later revisions add tables)."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in metadata.tables if name in present}


def _drift(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_a_database_made_by_the_last_release_upgrades_keeping_its_data(empty_url: str) -> None:
    backend = "sqlite" if empty_url.startswith("sqlite") else "postgresql"
    facts = json.loads((RELEASE / "release.json").read_text())[backend]
    _load_release(empty_url)
    engine = make_engine(empty_url)
    before = _counts(engine)
    assert before["records"] == 2 and before["visits"] == 2 and before["workers"] == 2

    assert migrate(engine) == int(HEAD)
    assert {name: n for name, n in _counts(engine).items() if name in before} == before
    assert not inspect(engine).has_table("schema_version")
    assert _drift(engine) == []
    # Office data is sealed now: people, plans, medicines and every feed body, under a data
    # key wrapped to the agency's escrow key; a fresh process unwraps it with that key only.
    with engine.connect() as conn:
        bodies = [b for t in ("service_users", "care_plans", "medicines", "feed")
                  for b in conn.execute(select(table(t, column("body", JSON)).c.body)).scalars()
                  if b is not None]
        assert len(bodies) > 4 and all(sealing.is_sealed(b) for b in bodies)
        assert "Margaret Ellison" not in str(bodies)
        assert all(conn.execute(text("SELECT name_index FROM service_users")).scalars())
    datakeys.forget()
    datakeys.use_escrow_key(f"release-{backend}", lambda: escrow.load_private_key(
        facts["escrow_key"]))
    # The upgraded database still serves the release's phone and opens its sealed notes.
    device = enrolment.authenticate(engine, facts["device_token"])
    assert device.worker_id == facts["worker_id"]
    answer = handle_sync(engine, device, SyncRequest(protocol=1, cursor=None, push=[]))
    assert answer.cursor  # (its March visits are past the phone's retention window now)
    since = handle_sync(engine, device, SyncRequest(protocol=1, cursor="c1.0", push=[]))
    person = next(c.body for c in since.changes if c.entity == "service_user")
    assert person is not None and person["name"] == "Margaret Ellison"
    key = escrow.load_private_key(facts["escrow_key"])
    with engine.connect() as conn:
        rows = conn.execute(select(records)).mappings().all()
    texts = {escrow.open_envelope(key, r["tenant_id"], "records", r["id"], r["version"],
                                  r["envelope"])["text"] for r in rows}
    assert texts == {"Settled and comfortable", "Ate half her breakfast"}
    assert migrate(engine) == int(HEAD)  # and again: nothing left to do
    engine.dispose()


def test_every_revision_upgrades_and_downgrades(empty_url: str) -> None:
    engine = make_engine(empty_url)
    chain = [s.revision for s in
             reversed(list(ScriptDirectory.from_config(migrations.config()).walk_revisions()))]
    assert chain[:5] == ["0001", "0002", "0003", "0004", "0005"]
    for revision in chain:
        with engine.begin() as conn:
            assert migrations.upgrade(conn, revision) == revision
    assert _drift(engine) == []
    for below in [*reversed(chain[:-1]), "base"]:
        with engine.begin() as conn:
            assert migrations.downgrade(conn, below) == (None if below == "base" else below)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrate(engine) == int(chain[-1])
    assert _drift(engine) == []
    engine.dispose()


def test_a_hand_rolled_database_from_before_a_step_gets_that_step(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    _load_release(url)
    with sqlite3.connect(tmp_path / "old.sqlite") as db:  # as if migration 4 never ran
        db.execute("ALTER TABLE tenants DROP COLUMN revoked_devices_may_push")
        db.execute("DELETE FROM schema_version WHERE version >= 4")
    engine = make_engine(url)
    assert migrate(engine) == int(HEAD)
    with engine.connect() as conn:
        allowed = conn.execute(text("SELECT revoked_devices_may_push FROM tenants")).scalars()
        assert list(allowed) == [1]
    assert _drift(engine) == []
    engine.dispose()


def test_the_migrate_command_brings_a_database_up_to_date(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert cli_main(["migrate", "--database-url", url]) == 0
    assert f"revision {HEAD}" in capsys.readouterr().out
    engine = make_engine(url)
    with engine.connect() as conn:
        assert migrations.current(conn) == HEAD
    engine.dispose()
