"""Visit notes review and the audit log in the console, in memory: search, open a record in the
pane beside the list (audited), the admin finding that read in the audit log and exporting it;
the audit log refused to other roles and its button shown to admins only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from server import agency
from server.console.screens.audit import AuditState
from server.schema import records
from server.storage import make_engine, migrate
from tests.factories import PASSWORD, small_agency
from tests.server.test_console import NOTE, Office, on_top, routes
from tests.server.test_notes_search import _push
from tests.support.flet_memory import Harness

ADMIN, LEAD = "admin@example.org", "lead@example.org"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    engine = make_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    migrate(engine)
    a = small_agency(engine, tmp_path)
    agency.add_coordinator(engine, a.tenant_id, "Ada Admin", ADMIN, PASSWORD, role="admin")
    agency.add_coordinator(engine, a.tenant_id, "Lee Lead", LEAD, PASSWORD,
                           role="safeguarding_lead")
    _push(engine, a, a.worker_id, a.visits[0], "note", {"text": NOTE}, {},
          datetime.fromisoformat(a.visits[0]["start"]))
    yield Office(engine, a)
    engine.dispose()


def sign_in_as(app: Harness, email: str) -> None:
    app.type("console-email", email)
    app.type("console-password", PASSWORD)
    app.tap("console-sign-in")


def note_id(office: Office) -> str:
    with office.engine.connect() as conn:
        return str(conn.execute(select(records.c.id).where(records.c.kind == "note"))
                   .scalar_one())


def test_search_open_a_note_beside_the_list_and_find_the_read_in_the_audit_log(
        office: Office) -> None:
    rid = note_id(office)
    with office.open() as app:
        sign_in_as(app, "office@example.org")
        assert not app.exists("console-audit")  # the audit log is an admin's
        app.tap("console-notes")
        assert routes(app) == ["/", "/notes"]
        app.type("notes-person", "MARGARET ellison")
        app.tap("notes-search")
        assert "Margaret Ellison · by Amira Khan" in app.text(f"notes-hit-{rid}")
        assert NOTE not in on_top(app)  # the list opens nothing
        app.tap(f"notes-hit-{rid}")
        assert NOTE in app.text("notes-detail")
        assert "logged in the audit trail" in on_top(app)
    with office.open("/audit") as app:
        sign_in_as(app, ADMIN)
        assert routes(app) == ["/", "/audit"]
        app.type("audit-target", rid)
        app.tap("audit-show")
        assert "Sam Office Opened a record note " + rid in app.semantics("audit-entry-0").label


@pytest.mark.parametrize("email", ["office@example.org", LEAD])
def test_the_audit_log_is_refused_to_anyone_but_an_admin(office: Office, email: str) -> None:
    with office.open("/audit") as app:
        sign_in_as(app, email)
        assert "Only an admin can read the audit log." in on_top(app)
        assert not app.exists("audit-csv")


def test_the_admin_exports_the_audit_log_as_csv(office: Office) -> None:
    rid = note_id(office)
    with office.open(f"/visits/{office.visit_id}") as app:
        sign_in_as(app, "office@example.org")
    with office.open() as app:
        sign_in_as(app, ADMIN)
        assert app.exists("console-audit")
        app.tap("console-audit")
        state = app.page.views[-1].data
        assert isinstance(state, AuditState)
        name, data = state.csv()
        assert name.startswith("audit-log-") and name.endswith(".csv")
        text = data.decode()
        assert text.splitlines()[0] == "at,actor_kind,actor_id,actor,action,target_kind," \
                                       "target_id"
        assert f"Sam Office,read_record,note,{rid}" in text and NOTE not in text
