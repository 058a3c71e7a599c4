"""Roles in the console and its exports, for every role: a safeguarding concern (and its
corrections) is opened only for a safeguarding lead; a coordinator or an admin sees that a
restricted record exists and nothing of what it holds, in the visit record, on the visit's
page, in amendments, in the escalation queue and page, and in the MAR chart PDF."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from server import agency
from server.clock import SystemClock
from server.console.app import make_console
from server.errors import Forbidden
from server.pdf import mar_chart_pdf
from server.roles import Role
from server.schema import audit_log
from server.services.amendments import amend_record
from server.services.mar_chart import build_mar_chart
from server.services.sign_in import sign_in
from server.services.visit_record import visit_record
from server.sync_service import handle_sync
from sync.protocol import PushedRecord
from tests.factories import PASSWORD, small_agency
from tests.security.pushes import sealer_of
from tests.server.test_console import Office as ConsoleOffice
from tests.server.test_sync_contract import device_for, note, request
from tests.support.flet_memory import run_app

CONCERN = "Bruising on her upper arm, says her nephew grabbed her"
NOTE = "Had soup and a cup of tea"
EMAILS = {Role.COORDINATOR: "office@example.org", Role.SAFEGUARDING_LEAD: "lead@example.org",
          Role.ADMIN: "admin@example.org"}


@dataclass
class Office(ConsoleOffice):
    concern_id: str
    note_id: str

    def who(self, role: Role):  # type: ignore[no-untyped-def]
        return sign_in(self.engine, EMAILS[role], PASSWORD)


@pytest.fixture
def office(sqlite_engine: Engine, tmp_path: Path) -> Office:
    engine = sqlite_engine
    a = small_agency(engine, tmp_path)
    agency.add_coordinator(engine, a.tenant_id, "Lee Lead", EMAILS[Role.SAFEGUARDING_LEAD],
                           PASSWORD, role="safeguarding_lead")
    agency.add_coordinator(engine, a.tenant_id, "Ada Admin", EMAILS[Role.ADMIN], PASSWORD,
                           role="admin")
    sealer = sealer_of(engine, a.tenant_id)
    visit, person = a.visits[0]["id"], a.people[0]["id"]
    rid = str(uuid.uuid4())
    concern = PushedRecord(
        rid, "escalation", visit, person, datetime.now(UTC).isoformat(), 1,
        sealer.seal("records", rid, 1, {"type": "safeguarding", "severity": "urgent",
                                        "summary": CONCERN}, escrow=True),
        None, {"type": "safeguarding", "severity": "urgent"})
    told = note(sealer, a.visits[0], NOTE)
    answer = handle_sync(engine, device_for(engine, a.worker_id), request(concern, told))
    assert sorted(answer.accepted) == sorted([rid, told.id])
    return Office(engine, a, rid, told.id)


@pytest.mark.parametrize("role", list(Role))
def test_the_visit_record_opens_a_concern_for_a_lead_only(office: Office, role: Role) -> None:
    lead = office.who(Role.SAFEGUARDING_LEAD)
    amend_record(office.engine, lead, office.concern_id, "Lead's follow-up call",
                 text="Referred to the local authority today")
    who = office.who(role)
    assert who.role is role
    opened = visit_record(office.engine, office.key(), who, office.visit_id)
    by_id = {r.id: r for r in opened.records}
    concern = by_id[office.concern_id]
    fix = opened.corrections_of(office.concern_id)[0]
    assert by_id[office.note_id].content["text"] == NOTE  # everyone reads the note
    if role is Role.SAFEGUARDING_LEAD:
        assert concern.content["summary"] == CONCERN and not concern.restricted
        assert fix.content["text"] == "Referred to the local authority today"
    else:
        assert concern.restricted and concern.content == {} and concern.facts == {}
        assert fix.restricted and fix.content == {}
        assert CONCERN not in str(opened) and "local authority" not in str(opened)
    with office.engine.connect() as conn:
        read = {r.target_id for r in conn.execute(select(audit_log.c.target_id).where(
            audit_log.c.actor_id == who.id, audit_log.c.action == "read_record"))}
    # Only what was opened is audited as read.
    assert (office.concern_id in read) is (role is Role.SAFEGUARDING_LEAD)


@pytest.mark.parametrize("role", list(Role))
def test_only_a_lead_may_amend_a_concern(office: Office, role: Role) -> None:
    who = office.who(role)
    if role is Role.SAFEGUARDING_LEAD:
        amend_record(office.engine, who, office.concern_id, "Spelling of the name",
                     text="Bruising on her upper arm")
    else:
        with pytest.raises(Forbidden, match="Only a safeguarding lead"):
            amend_record(office.engine, who, office.concern_id, "Spelling of the name",
                         text="Bruising on her upper arm")


@pytest.mark.parametrize("role", list(Role))
def test_the_visit_page_shows_a_restricted_record_without_its_content(
        office: Office, role: Role) -> None:
    key = office.key()
    main = make_console(office.engine, lambda: key, SystemClock())
    with run_app(main, page_props={"route": f"/visits/{office.visit_id}", "web": True,
                                   "width": 1300.0}) as app:
        app.type("console-email", EMAILS[role])
        app.type("console-password", PASSWORD)
        app.tap("console-sign-in")
        shown = app.screen()
        assert NOTE in shown
        if role is Role.SAFEGUARDING_LEAD:
            assert CONCERN in shown and "Restricted record" not in shown
        else:
            assert CONCERN not in shown
            assert "Restricted record (safeguarding): only a safeguarding lead" in shown
            # Only the note can be amended: nothing to amend on the restricted record.
            assert [i for i in app.identifiers() if i.startswith("console-amend-")] == [
                "console-amend-" + str(next(i for i, r in enumerate(visit_record(
                    office.engine, key, office.who(role), office.visit_id).originals)
                    if r.id == office.note_id))]


@pytest.mark.parametrize("role", list(Role))
def test_the_mar_chart_pdf_holds_no_concern_for_any_role(office: Office, role: Role) -> None:
    who = office.who(role)
    chart = build_mar_chart(office.engine, office.key(), who,
                            str(office.agency.people[0]["id"]), datetime.now(UTC).date())
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        mar_chart_pdf(chart))).pages)
    assert "MAR chart:" in text and "Bruising" not in text and "nephew" not in text
