"""A handover written on an offline phone reaches the office, its point reaches the next worker's
phone, and the office's acknowledgement and reply reach the author's phone; on SQLite and
PostgreSQL, with the real server in process and the real sync client on both phones.

The phones here write the handover record themselves (the phone's own handover screen and its
replica of acks and points are tested on the phone's side); this test reads what each phone's
sync client is sent.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fieldapp.store.records import write_record
from server import escrow, handovers
from server.app import create_app
from server.schema import audit_log
from server.services import handovers as office
from server.services.sign_in import sign_in
from server.settings import ServerSettings
from sync import handover
from sync.client import SyncClient
from tests.factories import PASSWORD, SmallAgency, shared_person_agency
from tests.server.handover_records import item, payload
from tests.server.test_escalation_journey import offline
from tests.server.test_office_medication import NOW, T9, Phone, make_phone, morning_round


class Heard:
    """What the office sent one phone: every change of every sync answer, in order."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        if response.request.method == "POST" and response.status_code == 200:
            self.changes += response.json().get("changes", [])

    def of(self, entity: str) -> list[dict[str, Any]]:
        return [c for c in self.changes if c["entity"] == entity]


def online(app: Any, phone: Phone, heard: Heard) -> None:
    phone.sync = SyncClient(phone.store, phone.device, httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://office",
        event_hooks={"response": [heard]}), phone.clock)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, SmallAgency]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    else:
        from tests.support.pg import create_database

        url = create_database(request.getfixturevalue("pg_url"), f"h_{uuid.uuid4().hex[:12]}")
    app = create_app(ServerSettings(database_url=url, escrow_key_file=tmp_path / "escrow.key",
                                    run_monitors=False), with_console=False)
    yield app, shared_person_agency(app.state.engine, tmp_path, NOW)
    app.state.engine.dispose()


def refused_dose_id(phone: Phone) -> str:
    with phone.store.transaction() as db:
        rows = db.execute("SELECT id, facts FROM records WHERE kind = 'dose_outcome'").fetchall()
    (rid,) = [r[0] for r in rows if '"refused"' in r[1]]
    return str(rid)


def test_a_handover_submitted_offline_reaches_the_office_the_next_worker_and_back(
        world: tuple[Any, SmallAgency], tmp_path: Path) -> None:
    app, a = world
    engine = app.state.engine
    morning, person = a.visits[0]["id"], a.people[0]["id"]
    amira, tom = make_phone(app, tmp_path, a.worker_id), make_phone(app, tmp_path,
                                                                    a.other_worker_id)
    heard_amira, heard_tom = Heard(), Heard()
    online(app, amira, heard_amira)
    online(app, tom, heard_tom)
    asyncio.run(amira.sync.sync_once())
    asyncio.run(tom.sync.sync_once())
    morning_round(amira, morning)  # Lactulose refused, then checked out and synced

    # End of shift, no signal: the handover is sealed and queued like every record.
    amira.sync = SyncClient(amira.store, amira.device, httpx.AsyncClient(
        transport=httpx.MockTransport(offline), base_url="http://office"), amira.clock)
    point = item("dose_refused", "Lactulose refused: she says her tummy is fine; offer at lunch",
                 person_id=person, visit_id=morning, source_ids=(refused_dose_id(amira),))
    body = payload("Margaret was bright and chatty.", recommendation=[point])
    with amira.store.transaction() as db:
        rid = write_record(db, amira.device.sealer(), amira.device.author(), kind="handover",
                           recorded_at=amira.clock.now().isoformat(), payload=dict(body),
                           facts=handover.facts_for(body, T9.isoformat(),
                                                    amira.clock.now().isoformat()))
    asyncio.run(amira.sync.sync_once())
    who = sign_in(engine, a.coordinator_email, PASSWORD)
    assert office.inbox(engine, who) == []  # the office knows nothing yet

    online(app, amira, heard_amira)
    asyncio.run(amira.sync.sync_once())
    (waiting,) = office.inbox(engine, who, office.Filters(unacknowledged=True))
    assert (waiting.id, waiting.has_concerns, waiting.items) == (rid, True, 1)

    # The office passes the point on (its background step); the lunch worker's phone gets it.
    key = escrow.load_private_key(str(a.key_file))
    assert handovers.route_pending(engine, lambda _agency: key, NOW, 14) == 1
    asyncio.run(tom.sync.sync_once())
    (told_tom,) = heard_tom.of(handover.POINT_ENTITY)
    assert told_tom["id"] == point["id"] and told_tom["body"]["text"] == point["text"]
    assert handover.point_errors(told_tom["body"]) == []
    assert heard_amira.of(handover.POINT_ENTITY) == []

    # The coordinator reads it (audited), acknowledges and replies; Amira's phone hears both.
    report = office.read(engine, key, who, rid)
    assert report.sections[3].items[0].text == point["text"]
    office.acknowledge(engine, who, rid)
    office.reply(engine, who, rid, "Thanks Amira, lunch will offer it again.")
    asyncio.run(amira.sync.sync_once())
    acks = heard_amira.of(handover.ACK_ENTITY)
    assert [(c["id"], c["body"]["state"]) for c in acks] == [
        (rid, "acknowledged"), (rid, "replied")]
    assert acks[-1]["body"]["reply"] == "Thanks Amira, lunch will offer it again."
    assert all(handover.ack_errors(c["body"]) == [] for c in acks)
    assert heard_tom.of(handover.ACK_ENTITY) == []
    with engine.begin() as conn:
        trail = conn.execute(select(audit_log.c.action, audit_log.c.target_id)).all()
    assert ("read_record", rid) in trail and ("route_handover", rid) in trail
