"""Visit notes review and the audit log on both backends: filters by person (blind index),
worker, days and flags; opening a record is audited; safeguarding concerns only for leads;
admins alone read and export the audit log."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from server import agency
from server.errors import Forbidden, Invalid, NotFound
from server.escrow import load_private_key
from server.schema import audit_log
from server.services import audit_trail
from server.services.notes_search import Flag, NotesQuery, open_note, search
from server.services.sign_in import Coordinator, sign_in
from server.sync_service import handle_sync
from sync.protocol import PushedRecord
from tests.factories import PASSWORD, SmallAgency, small_agency
from tests.server.test_sync_contract import device_for, request, sealer_for

LONDON = ZoneInfo("Europe/London")
NOTE = "Ate all her lunch and went for a short walk"
CONCERN = "Bruising on her upper arm"
LEAD, ADMIN = "lead@example.org", "admin@example.org"


@dataclass
class Notes:
    engine: Engine
    agency: SmallAgency
    ids: dict[str, str]
    now: datetime

    def who(self, email: str | None = None) -> Coordinator:
        return sign_in(self.engine, email or self.agency.coordinator_email, PASSWORD)

    def find(self, email: str | None = None, **query: Any) -> list[str]:
        found = search(self.engine, self.who(email), NotesQuery(**query), self.now, LONDON)
        names = {v: k for k, v in self.ids.items()}
        return sorted(names[h.id] for h in found.hits)

    def key(self):  # type: ignore[no-untyped-def]
        return load_private_key(str(self.agency.key_file))


def _push(engine: Engine, a: SmallAgency, worker_id: str, visit: dict[str, Any], kind: str,
          content: dict[str, Any], facts: dict[str, Any], at: datetime,
          corrects: str | None = None) -> str:
    rid = str(uuid.uuid4())
    env = sealer_for(engine, a.tenant_id).seal("records", rid, 1, content, escrow=True)
    pushed = PushedRecord(rid, kind, visit["id"], visit["service_user_id"], at.isoformat(), 1,
                          env, corrects, facts)
    assert handle_sync(engine, device_for(engine, worker_id), request(pushed)).accepted == [rid]
    return rid


@pytest.fixture
def notes(engine: Engine, tmp_path: Path) -> Notes:
    now = datetime.now(UTC).replace(microsecond=0)
    a = small_agency(engine, tmp_path, now=now - timedelta(hours=2))
    agency.add_coordinator(engine, a.tenant_id, "Lee Lead", LEAD, PASSWORD,
                           role="safeguarding_lead")
    agency.add_coordinator(engine, a.tenant_id, "Ada Admin", ADMIN, PASSWORD, role="admin")
    amira, tom = a.visits
    at = datetime.fromisoformat(amira["start"])
    ids = {
        "note": _push(engine, a, a.worker_id, amira, "note", {"text": NOTE}, {}, at),
        "refused": _push(engine, a, a.worker_id, amira, "task_outcome", {
            "title": "Breakfast", "outcome": "refused", "reason": "Not hungry"},
            {"outcome": "refused"}, at + timedelta(minutes=1)),
        "fall": _push(engine, a, a.other_worker_id, tom, "escalation", {
            "type": "fall", "severity": "routine", "summary": "Slipped, no injury"},
            {"type": "fall", "severity": "routine"}, datetime.fromisoformat(tom["start"])),
        "concern": _push(engine, a, a.worker_id, amira, "escalation", {
            "type": "safeguarding", "severity": "urgent", "summary": CONCERN},
            {"type": "safeguarding", "severity": "urgent"}, at + timedelta(minutes=2)),
    }
    ids["fix"] = _push(engine, a, a.worker_id, amira, "addendum", {
        "text": NOTE + " (with her daughter)", "reason": "Left out who came"},
        {"corrects_kind": "note", "actor": "worker"}, at + timedelta(minutes=3),
        corrects=ids["note"])
    return Notes(engine, a, ids, now)


def test_every_filter_narrows_the_search(notes: Notes) -> None:
    assert notes.find() == ["fall", "fix", "note", "refused"]  # no concern for a coordinator
    assert notes.find(person="  margaret   ELLISON ") == ["fix", "note", "refused"]
    assert notes.find(worker="tom") == ["fall"]
    assert notes.find(flags=frozenset({Flag.REFUSAL})) == ["refused"]
    assert notes.find(flags=frozenset({Flag.CONCERN})) == ["fall"]
    assert notes.find(flags=frozenset({Flag.CORRECTION, Flag.REFUSAL})) == ["fix", "refused"]
    today = notes.now.astimezone(LONDON).date()
    assert notes.find(start=today - timedelta(days=9), end=today - timedelta(days=3)) == []


def test_a_safeguarding_concern_is_found_by_a_lead_only(notes: Notes) -> None:
    assert notes.find(LEAD, flags=frozenset({Flag.CONCERN})) == ["concern", "fall"]
    assert notes.find(ADMIN, flags=frozenset({Flag.CONCERN})) == ["fall"]
    with pytest.raises(Forbidden, match="safeguarding lead"):
        open_note(notes.engine, notes.key(), notes.who(), notes.ids["concern"], notes.now)
    opened = open_note(notes.engine, notes.key(), notes.who(LEAD), notes.ids["concern"],
                       notes.now)
    assert opened.record.content["summary"] == CONCERN


def test_nobody_of_that_name_and_too_long_a_window_are_said_plainly(notes: Notes) -> None:
    found = search(notes.engine, notes.who(), NotesQuery(person="Nobody Atall"), notes.now,
                   LONDON)
    assert found.hits == [] and found.why_empty == "Nobody of that name in your agency."
    today = notes.now.astimezone(LONDON).date()
    with pytest.raises(Invalid, match="at most 31 days"):
        search(notes.engine, notes.who(), NotesQuery(start=today - timedelta(days=40)),
               notes.now, LONDON)


def test_searching_opens_no_record_and_opening_one_is_audited_with_its_corrections(
        notes: Notes) -> None:
    who = notes.who()
    found = search(notes.engine, who, NotesQuery(person="Margaret Ellison"), notes.now,
                   LONDON)
    assert {h.person_name for h in found.hits} == {"Margaret Ellison"}
    assert NOTE not in str(found)
    assert reads(notes, who) == set()
    opened = open_note(notes.engine, notes.key(), who, notes.ids["note"], notes.now)
    assert opened.record.content["text"] == NOTE and opened.worker_name == "Amira Khan"
    assert [c.id for c in opened.corrections] == [notes.ids["fix"]]
    assert reads(notes, who) == {notes.ids["note"], notes.ids["fix"]}


def test_another_agencys_record_does_not_open(notes: Notes, tmp_path: Path) -> None:
    other, _ = agency.create_agency(notes.engine, "Hilltop", tmp_path / "hilltop.key")
    agency.add_coordinator(notes.engine, other, "Hal", "hal@hilltop.example", PASSWORD)
    hal = notes.who("hal@hilltop.example")
    with pytest.raises(NotFound):
        open_note(notes.engine, notes.key(), hal, notes.ids["note"], notes.now)
    assert search(notes.engine, hal, NotesQuery(), notes.now, LONDON).hits == []


def test_admins_alone_read_and_export_the_audit_log(notes: Notes) -> None:
    reader = notes.who()
    open_note(notes.engine, notes.key(), reader, notes.ids["refused"], notes.now)
    today = notes.now.astimezone(LONDON).date()
    for email in (None, LEAD):
        with pytest.raises(Forbidden, match="Only an admin"):
            audit_trail.entries(notes.engine, notes.who(email), today, today, LONDON)
    admin = notes.who(ADMIN)
    found = audit_trail.entries(notes.engine, admin, today, today, LONDON,
                                target_id=notes.ids["refused"])
    assert [(e.actor, e.action_words, e.target_kind) for e in found] == [
        ("Sam Office", "Opened a record", "task_outcome")]
    data = audit_trail.export_csv(notes.engine, admin, today, today, LONDON, notes.now)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert any(r["target_id"] == notes.ids["refused"] and r["actor"] == "Sam Office"
               and r["action"] == "read_record" for r in rows)
    assert "Not hungry" not in data.decode()
    assert any(e.action == "export_audit_log" and e.actor == "Ada Admin" for e in
               audit_trail.entries(notes.engine, admin, today, today, LONDON))


def reads(notes: Notes, who: Coordinator) -> set[str]:
    with notes.engine.begin() as conn:
        return set(conn.execute(select(audit_log.c.target_id).where(
            audit_log.c.actor_id == who.id, audit_log.c.action == "read_record")).scalars())
