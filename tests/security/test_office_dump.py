"""A dump of the office database after a full journey on the demo agency holds none of the
people's personal data (names, addresses, phones, key-safe codes, medicines, allergies):
everything personal is sealed under the agency's key. Only staff details may appear."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, table, text

from server import agency as agency_setup
from server import demo, escrow
from server.app import create_app
from server.demo_data import DEMO_COORDINATOR_PASSWORD, DemoAgency
from server.services.day_board import day_visits
from server.services.mar_chart import build_mar_chart
from server.services.people import find_people
from server.services.sign_in import sign_in
from server.services.visit_record import visit_record
from server.settings import ServerSettings
from server.storage import make_engine, migrate
from sync.client import SyncState
from tests.security.conftest import Office, Phone
from tests.security.test_at_rest import personal, strings

NOTE = "Quokka trellis; the kettle is in the pantry now"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'office' / 'fieldapp.sqlite'}"
        return
    from tests.support.pg import create_database

    yield create_database(request.getfixturevalue("pg_url"), f"d_{uuid.uuid4().hex[:12]}")


def _journey(url: str, tmp: Path) -> tuple[Engine, DemoAgency]:
    """The demo agency; a worker's phone enrols, syncs, does a visit and syncs it; the office
    reads the day, the visit, a MAR chart, finds a person by name and moves a visit."""
    key_file = tmp / "escrow.key"
    seeding = make_engine(url)
    migrate(seeding)
    data, codes = demo.seed_into(seeding, key_file)
    seeding.dispose()
    app = create_app(ServerSettings(database_url=url, escrow_key_file=key_file,
                                    run_monitors=False), with_console=False)
    engine: Engine = app.state.engine
    phone = Phone(tmp, Office(app, agency=None))  # type: ignore[arg-type]
    first = data.workers[0]
    try:
        s = phone.session()
        phone.enrol(s, code=codes[first["name"]])
        assert phone.sync(s).state is SyncState.OK
        visit = s.visits.day()[0]
        detail = s.visits.visit(visit.id)
        assert detail.person["name"]
        s.visits.check_in(visit.id, "Bus was late")
        for task in detail.tasks[:2]:
            s.visits.record_task(visit.id, task["id"], "done")
        s.visits.add_note(visit.id, NOTE, ["In good spirits"])
        assert phone.sync(s).state is SyncState.OK
    finally:
        phone.close()

    coordinator = next(c for c in data.coordinators if not c["is_safeguarding_lead"])
    who = sign_in(engine, coordinator["email"], DEMO_COORDINATOR_PASSWORD)
    key = escrow.load_private_key(str(key_file))
    board = day_visits(engine, who, datetime.fromisoformat(data.today).date())
    assert board and all(v.person_name for v in board)
    opened = visit_record(engine, key, who, visit.id)
    assert opened.person_name == detail.person["name"]
    person_id = next(v["service_user_id"] for v in data.visits if v["id"] == visit.id)
    chart = build_mar_chart(engine, key, who, person_id,
                            datetime.fromisoformat(data.today).date() - timedelta(days=1))
    assert chart.person_name == detail.person["name"]
    assert [m.id for m in find_people(engine, who, detail.person["name"].upper())] == [
        person_id]
    # A visit of another worker moved to this one: the person's record is copied into the feed.
    theirs = next(v for v in data.visits if v["worker_id"] != first["id"])
    agency_setup.reassign_visit(engine, who.tenant_id, theirs["id"], first["id"])
    return engine, data


def _dump(engine: Engine, url: str) -> str:
    """Everything the database holds, as text: SQLite's .dump (iterdump) plus the raw file and
    its WAL; on PostgreSQL, every column of every row of every table."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        with sqlite3.connect(path) as db:
            dumped = "\n".join(db.iterdump())
        raw = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
        return dumped + "\n" + raw.decode("utf-8", errors="replace")
    out = []
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            for row in conn.execute(select(text("*")).select_from(table(name))):
                out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(out)


def _staff(data: DemoAgency) -> set[str]:
    """What may be in the clear: staff details and logins, the agency's own."""
    return (strings(data.workers) | strings(data.coordinators) | strings(data.agency)
            | {data.today})


def test_a_dump_of_the_demo_database_after_a_journey_holds_no_personal_data(
        url: str, tmp_path: Path) -> None:
    engine, data = _journey(url, tmp_path)
    try:
        dumped = _dump(engine, url)
    finally:
        engine.dispose()
    secrets_: set[str] = personal(
        strings(data.service_users) | strings(data.care_plans) | strings(data.medicines)
        | {NOTE, "Bus was late", "In good spirits"}) - _staff(data)
    # The hunt is for the real thing: names, addresses, phones, key-safe codes, medicines.
    person = data.service_users[0]
    for field in ("name", "address_line", "postcode"):
        assert person[field] in secrets_, field
    assert any("key safe" in s.lower() for s in secrets_)
    assert len(secrets_) > 100
    lowered = dumped.casefold()
    found = sorted(s for s in secrets_ if s.casefold() in lowered)
    assert not found, found[:10]
    # Control: staff logins are there, in the clear (the hunt does see clear text).
    assert data.coordinators[0]["email"] in dumped
    assert str(datetime.now(UTC).year) in dumped
