"""CSV exports on SQLite and PostgreSQL: the visits and the MAR entries of a range, opened only
as far as the reader's role allows (a safeguarding concern for leads alone), every export and
every record opened audited, a spreadsheet formula written as text, ranges checked."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from server import escrow
from server.errors import Invalid
from server.roles import Role
from server.schema import audit_log, medicines
from server.services.exports import mar_csv, visits_csv
from server.services.sign_in import Coordinator
from tests.factories import SmallAgency, small_agency
from tests.server.sent_records import send
from tests.server.test_rota_board import office

LONDON = ZoneInfo("Europe/London")
CONCERN = "Bruising on her upper arm, says her nephew grabbed her"
NOTE = "=HYPERLINK(\"x\") Had soup and a cup of tea"


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def records_for(engine: Engine, a: SmallAgency) -> str:
    """A note, a safeguarding concern and a refused dose (with its reason) at the first
    visit; returns the dose's id."""
    v = a.visits[0]
    send(engine, a.tenant_id, a.worker_id, v, "check_in", {})
    send(engine, a.tenant_id, a.worker_id, v, "note", {"text": NOTE})
    send(engine, a.tenant_id, a.worker_id, v, "escalation",
         {"type": "safeguarding", "severity": "urgent", "summary": CONCERN},
         {"type": "safeguarding", "severity": "urgent"})
    start = datetime.fromisoformat(v["start"])
    return send(engine, a.tenant_id, a.worker_id, v, "dose_outcome",
                {"reason": "Said it makes her dizzy"},
                {"medicine_id": medicine_of(engine, a),
                 "scheduled_at": start.isoformat(), "actual_at": start.isoformat(),
                 "outcome": "refused", "prn": False, "controlled": False})


def medicine_of(engine: Engine, a: SmallAgency) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(medicines.c.id).where(
            medicines.c.service_user_id == a.people[0]["id"])).scalar_one())


def today(a: SmallAgency) -> datetime:
    return datetime.fromisoformat(a.visits[0]["start"]).astimezone(LONDON)


def export(engine: Engine, a: SmallAgency, who: Coordinator, what: str) -> list[dict[str, str]]:
    key = escrow.load_private_key(str(a.key_file))
    day = today(a).date()
    make = visits_csv if what == "visits" else mar_csv
    return table(make(engine, key, who, day - timedelta(days=1), day + timedelta(days=1)))


@pytest.mark.parametrize("role", list(Role))
def test_the_visits_csv_opens_a_concern_for_a_lead_only(engine: Engine, tmp_path: Path,
                                                       role: Role) -> None:
    a = small_agency(engine, tmp_path)
    records_for(engine, a)
    who = office(engine, a, role)
    rows = export(engine, a, who, "visits")
    first = next(r for r in rows if r["person"] == "Margaret Ellison")
    assert first["worker"] == "Amira Khan" and first["status"] == "in progress"
    assert first["start"] == f"{today(a):%H:%M}" and first["checked_in"]
    assert first["notes"] == "'" + NOTE  # a formula is text in a spreadsheet
    if role is Role.SAFEGUARDING_LEAD:
        assert first["escalations"] == f"URGENT: {CONCERN}"
    else:
        assert first["escalations"] == "[restricted]"
    assert {r["person"] for r in rows} == {"Margaret Ellison", "Arthur Pennington"}
    with engine.connect() as conn:
        did = [(r.action, r.target_kind) for r in conn.execute(
            select(audit_log.c.action, audit_log.c.target_kind)
            .where(audit_log.c.actor_id == who.id))]
    assert ("export_visits_csv", "export") in did
    assert did.count(("read_record", "escalation")) == (role is Role.SAFEGUARDING_LEAD)
    assert ("read_record", "note") in did


def test_the_mar_csv_lists_each_dose_with_its_reason(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    records_for(engine, a)
    who = office(engine, a)
    [dose] = export(engine, a, who, "mar")
    assert (dose["person"], dose["medicine"], dose["outcome"], dose["worker"]) == (
        "Margaret Ellison", "Amlodipine 5 mg", "refused", "Amira Khan")
    assert dose["reason"] == "Said it makes her dizzy" and dose["corrected_to"] == ""
    assert dose["scheduled"] == f"{today(a):%H:%M}"
    with engine.connect() as conn:
        assert "export_mar_csv" in conn.execute(select(audit_log.c.action)).scalars().all()


def test_ranges_are_checked(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    key = escrow.load_private_key(str(a.key_file))
    day = datetime.now(UTC).date()
    with pytest.raises(Invalid, match="end on or after"):
        visits_csv(engine, key, who, day, day - timedelta(days=1))
    with pytest.raises(Invalid, match="at most 92 days"):
        mar_csv(engine, key, who, day, day + timedelta(days=92))
    assert visits_csv(engine, key, who, day + timedelta(days=30),
                      day + timedelta(days=30)).startswith("date,start,end,")
