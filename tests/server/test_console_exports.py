"""Downloads from the console in memory: the visits and MAR CSVs from the exports screen (a
bad date said plainly) and a visit's record as a PDF, which holds a safeguarding concern only
for a safeguarding lead."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from server import agency, escrow
from server.clock import SystemClock
from server.console.app import make_console
from server.storage import make_engine, migrate
from tests.factories import PASSWORD, SmallAgency, small_agency
from tests.server.test_exports import CONCERN, records_for, today
from tests.support.flet_memory import Harness, run_app

LEAD = "lead@example.org"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[Engine, SmallAgency]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    migrate(engine)
    a = small_agency(engine, tmp_path)
    agency.add_coordinator(engine, a.tenant_id, "Lee Lead", LEAD, PASSWORD,
                           role="safeguarding_lead")
    records_for(engine, a)
    yield engine, a
    engine.dispose()


def opened(engine: Engine, a: SmallAgency, route: str, email: str,
           saved: list[tuple[str, bytes]]) -> Harness:
    key = escrow.load_private_key(str(a.key_file))
    app = run_app(make_console(engine, lambda: key, SystemClock()),
                  page_props={"route": route, "web": True, "width": 1280.0})

    def save(_c: Any, args: dict[str, Any]) -> str:
        saved.append((args["file_name"], bytes(args["src_bytes"])))
        return args["file_name"]

    app.client.on_invoke("FilePicker", "save_file", save)
    app.type("console-email", email)
    app.type("console-password", PASSWORD)
    app.tap("console-sign-in")
    return app


def test_the_visits_and_mar_csvs_download(office: tuple[Engine, SmallAgency]) -> None:
    engine, a = office
    saved: list[tuple[str, bytes]] = []
    with opened(engine, a, "/exports", a.coordinator_email, saved) as app:
        app.type("console-exports-first", "last week")
        app.tap("console-exports-visits")
        assert "YYYY-MM-DD" in app.text("console-exports-problem") and saved == []
        app.type("console-exports-first", "2026-01-01")
        app.tap("console-exports-visits")
        assert "at most 92 days" in app.text("console-exports-problem")
        app.type("console-exports-first", str(today(a).date() - timedelta(days=1)))
        app.tap("console-exports-visits")
        app.tap("console-exports-mar")
        assert "MAR CSV ready" in app.text("console-exports-status")
    [(visits_name, visits), (mar_name, mar)] = saved
    assert visits_name.startswith("visits-") and visits_name.endswith(".csv")
    assert "Margaret Ellison" in visits.decode() and CONCERN not in visits.decode()
    assert "[restricted]" in visits.decode()
    assert "Said it makes her dizzy" in mar.decode() and "Amlodipine" in mar.decode()


@pytest.mark.parametrize("lead", [False, True])
def test_a_visit_record_pdf_holds_a_concern_for_a_lead_only(
        office: tuple[Engine, SmallAgency], lead: bool) -> None:
    engine, a = office
    saved: list[tuple[str, bytes]] = []
    with opened(engine, a, f"/visits/{a.visits[0]['id']}",
                LEAD if lead else a.coordinator_email, saved) as app:
        app.tap("console-visit-pdf")
        assert "PDF ready" in app.screen()
    [(name, pdf)] = saved
    assert name.startswith("visit-record-") and "Margaret" not in name
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Visit record: Margaret Ellison" in text and "Amira Khan" in text
    assert "HYPERLINK" in text  # the note, as written
    assert ("nephew" in text) is lead
    assert ("Restricted record (safeguarding)" in text) is not lead
