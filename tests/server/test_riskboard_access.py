"""Who may see what on the risk board, in the notes review and the audit log: every office role
of the agency and another agency's admin (who sees every role's rights of its own agency).

Safeguarding concerns show (board row, search hit, opened record) to safeguarding leads only;
the audit log to admins only; another agency sees nothing at all, not even counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from server import agency
from server.errors import Forbidden, NotFound
from server.escrow import load_private_key
from server.roles import Role
from server.schema import escalations as escalations_t
from server.services import audit_trail
from server.services.notes_search import Flag, NotesQuery, open_note, search
from server.services.risk_board import Section, risk_board
from server.services.sign_in import Coordinator, sign_in
from server.storage import make_engine, migrate
from tests.factories import PASSWORD, SmallAgency, small_agency
from tests.server.test_notes_search import _push

LONDON = ZoneInfo("Europe/London")
EMAILS = {Role.COORDINATOR: "office@example.org", Role.SAFEGUARDING_LEAD: "lead@example.org",
          Role.ADMIN: "admin@example.org"}
OTHER = "admin@hilltop.example"


@dataclass
class Two:
    engine: Engine
    a: SmallAgency
    concern: str  # the record
    concern_escalation: str
    fall: str  # an ordinary escalation's record
    now: datetime

    def who(self, email: str) -> Coordinator:
        return sign_in(self.engine, email, PASSWORD)


@pytest.fixture
def two(tmp_path: Path) -> Two:
    engine = make_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    migrate(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    a = small_agency(engine, tmp_path, now=now - timedelta(hours=1))
    for role in (Role.SAFEGUARDING_LEAD, Role.ADMIN):
        agency.add_coordinator(engine, a.tenant_id, role.value, EMAILS[role], PASSWORD,
                               role=role.value)
    at = datetime.fromisoformat(a.visits[0]["start"])
    concern = _push(engine, a, a.worker_id, a.visits[0], "escalation", {
        "type": "safeguarding", "severity": "urgent", "summary": "Bruising"},
        {"type": "safeguarding", "severity": "urgent"}, at)
    fall = _push(engine, a, a.worker_id, a.visits[0], "escalation", {
        "type": "fall", "severity": "urgent", "summary": "Slipped"},
        {"type": "fall", "severity": "urgent"}, at + timedelta(minutes=1))
    other, _ = agency.create_agency(engine, "Hilltop", tmp_path / "hilltop.key")
    agency.add_coordinator(engine, other, "Hal", OTHER, PASSWORD, role="admin")
    with engine.begin() as conn:
        concern_esc = str(conn.execute(select(escalations_t.c.id).where(
            escalations_t.c.tenant_id == a.tenant_id,
            escalations_t.c.source_record_id == concern)).scalar_one())
    return Two(engine, a, concern, concern_esc, fall, now)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_of_the_agency(two: Two, role: Role) -> None:
    who = two.who(EMAILS[role])
    lead = role is Role.SAFEGUARDING_LEAD
    board = risk_board(two.engine, who, two.now, LONDON)
    shown = {r.target_id for r in board.part(Section.ESCALATIONS).rows}
    assert (two.concern_escalation in shown) is lead
    assert board.restricted == (0 if lead else 1)
    hits = {h.id for h in search(two.engine, who, NotesQuery(flags=frozenset({Flag.CONCERN})),
                                 two.now, LONDON).hits}
    assert two.fall in hits and (two.concern in hits) is lead
    key = load_private_key(str(two.a.key_file))
    if lead:
        assert open_note(two.engine, key, who, two.concern, two.now).record.content[
            "summary"] == "Bruising"
    else:
        with pytest.raises(Forbidden):
            open_note(two.engine, key, who, two.concern, two.now)
    today = two.now.astimezone(LONDON).date()
    if role is Role.ADMIN:
        assert audit_trail.entries(two.engine, who, today, today, LONDON)
    else:
        with pytest.raises(Forbidden):
            audit_trail.entries(two.engine, who, today, today, LONDON)
        with pytest.raises(Forbidden):
            audit_trail.export_csv(two.engine, who, today, today, LONDON, two.now)


def test_another_agency_sees_nothing_of_this_one(two: Two) -> None:
    hal = two.who(OTHER)
    board = risk_board(two.engine, hal, two.now, LONDON)
    assert board.total == 0 and board.restricted == 0
    assert search(two.engine, hal, NotesQuery(), two.now, LONDON).hits == []
    key = load_private_key(str(two.a.key_file))
    for rid in (two.fall, two.concern, str(uuid.uuid4())):
        with pytest.raises(NotFound):
            open_note(two.engine, key, hal, rid, two.now)
    # This agency's reads are not in the other's audit log.
    open_note(two.engine, key, two.who(EMAILS[Role.COORDINATOR]), two.fall, two.now)
    today = two.now.astimezone(LONDON).date()
    assert all(e.target_id != two.fall for e in audit_trail.entries(
        two.engine, hal, today, today, LONDON))
    assert two.fall not in audit_trail.export_csv(two.engine, hal, today, today, LONDON,
                                                  two.now).decode()
