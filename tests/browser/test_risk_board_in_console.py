"""The office's first screen and the notes review in Chromium at a 1280x800 desk.

The demo agency on the real server (a subprocess). Before it starts, the demo worker's phone
has synced a fall and a visit note through the real sync service. The coordinator signs in,
sees the fall on the risk board, searches the notes by the person's name and opens the note;
the admin then finds that read in the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from server import agency, datakeys, enrolment, escrow, sealing
from server.demo import DemoLogins, seed
from server.schema import service_users, visits, workers
from server.storage import make_engine
from server.sync_service import handle_sync
from sync.protocol import PushedRecord
from tests.browser.conftest import office_server
from tests.server.test_sync_contract import request, sealer_for
from tests.support.browser import console_sign_in, fill, open_flet, screenshot, tap, wait_text

pytestmark = pytest.mark.browser
NOTE = "Sat in the garden for an hour and enjoyed the sun"
ADMIN = "admin@riverside.example"


@dataclass
class Office:
    url: str
    logins: DemoLogins
    person: str
    note_id: str


def synced_from_the_phone(logins: DemoLogins) -> tuple[str, str]:
    """The demo worker's phone syncs a fall and a note about today's first visit; returns the
    person's name and the note's id."""
    engine = make_engine(logins.database_url)
    try:
        with engine.begin() as conn:
            wid = conn.execute(select(workers.c.id, workers.c.tenant_id).where(
                workers.c.name == logins.worker_name)).one()
            visit = conn.execute(select(visits.c.id, visits.c.service_user_id).where(
                visits.c.worker_id == wid.id).order_by(visits.c.start)).first()
            assert visit is not None
            keys = datakeys.keys_for(conn, wid.tenant_id,
                                     escrow.load_private_key(str(logins.key_file)))
            row = conn.execute(select(service_users.c.version, service_users.c.body).where(
                service_users.c.id == visit.service_user_id)).one()
            person = str(sealing.open_body(keys, wid.tenant_id, "service_users",
                                           visit.service_user_id, row.version, row.body)["name"])
        device = enrolment.authenticate(engine, enrolment.enrol(
            engine, logins.enrolment_code)["device_token"])
        sealer = sealer_for(engine, wid.tenant_id)
        nid, fid = str(uuid.uuid4()), str(uuid.uuid4())
        told = PushedRecord(nid, "note", visit.id, visit.service_user_id,
                            datetime.now(UTC).isoformat(), 1,
                            sealer.seal("records", nid, 1, {"text": NOTE}, escrow=True))
        fall = PushedRecord(fid, "escalation", visit.id, visit.service_user_id,
                            datetime.now(UTC).isoformat(), 1, sealer.seal(
                                "records", fid, 1, {"type": "fall", "severity": "urgent",
                                                    "summary": "Found on the floor"},
                                escrow=True), None, {"type": "fall", "severity": "urgent"})
        answer = handle_sync(engine, device, request(told, fall))
        assert sorted(answer.accepted) == sorted([told.id, fid]), answer.rejected
        agency.add_coordinator(engine, wid.tenant_id, "Ada Admin", ADMIN, logins.password,
                               role="admin")
        return person, told.id
    finally:
        engine.dispose()


@pytest.fixture  # per test: a rerun starts afresh
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    logins = seed(tmp_path_factory.mktemp("riskboard") / "demo")
    person, note_id = synced_from_the_phone(logins)
    with office_server(logins) as url:
        yield Office(url, logins, person, note_id)


def test_the_board_then_a_note_read_and_its_audit_entry(
        office: Office, chromium: Browser, artifacts_dir: Path) -> None:
    page = chromium.new_context(viewport={"width": 1280, "height": 800},
                                accept_downloads=True).new_page()
    open_flet(page, f"{office.url}/console/")
    console_sign_in(page, office.logins.coordinator_email, office.logins.password)
    wait_text(page, "Risk board")
    wait_text(page, "Urgent escalation: Fall")
    screenshot(page, artifacts_dir / "console-risk-board.png")

    tap(page, "console-notes")
    wait_text(page, "Visit notes review")
    fill(page, "notes-person", office.person)
    tap(page, "notes-search")
    wait_text(page, f"{office.person} · by {office.logins.worker_name}")
    tap(page, f"notes-hit-{office.note_id}")
    wait_text(page, NOTE)
    screenshot(page, artifacts_dir / "console-notes-review.png")
    tap(page, "console-sign-out")
    wait_text(page, "You have signed out.")

    console_sign_in(page, ADMIN, office.logins.password)
    tap(page, "console-audit")
    wait_text(page, "Audit log")
    fill(page, "audit-target", office.note_id)
    tap(page, "audit-show")
    wait_text(page, f"Opened a record note {office.note_id}")
    screenshot(page, artifacts_dir / "console-audit-log.png")
    page.context.close()
