"""The console's handover inbox and page, in memory: the count on the home screen, filters,
acknowledge and reply (told to the worker's feed), links to the source records, the PDF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from server import feed
from server.schema import feed as feed_t
from sync.protocol import PushedRecord
from tests.factories import small_agency
from tests.screens.test_escalation_screens import tick
from tests.security.pushes import sealer_of
from tests.server.handover_records import handover_record, item, payload
from tests.server.test_console import Office, from_home, on_top, routes, sign_in
from tests.server.test_handovers import refused_dose, store


@pytest.fixture
def office(sqlite_engine: Engine, tmp_path: Path) -> Office:
    return Office(sqlite_engine, small_agency(sqlite_engine, tmp_path))


def handed_over(office: Office, *, concerns: bool = True) -> tuple[PushedRecord, PushedRecord]:
    """The morning worker's handover with a refused dose; (handover, dose) records."""
    a, engine = office.agency, office.engine
    dose = refused_dose(engine, a)
    store(engine, a.worker_id, dose)
    items = [item("dose_refused" if concerns else "flagged_note", "Refused Amlodipine at 09:00",
                  person_id=office.person_id, visit_id=office.visit_id,
                  source_ids=(dose.id,))]
    end = datetime.now(UTC).replace(microsecond=0)
    rec = handover_record(sealer_of(engine, a.tenant_id),
                          payload("Quiet apart from the refusal.", situation=items),
                          shift_start=end - timedelta(hours=3), shift_end=end)
    store(engine, a.worker_id, rec)
    return rec, dose


def test_the_home_count_leads_to_the_inbox_and_acknowledging_clears_it(office: Office) -> None:
    rec, _dose = handed_over(office)
    with office.open() as app:
        listed = from_home(app, "console-handovers", "Handovers (1 unacknowledged)",
                           "/handovers")
        assert "Amira Khan" in listed and "CONCERNS" in listed
        assert "Waiting for acknowledgement" in listed
        assert "Refused" not in listed  # the list opens nothing sealed
        app.tap(f"console-handover-{rec.id}")
        assert routes(app) == ["/", "/handovers", f"/handovers/{rec.id}"]
        shown = on_top(app)
        assert "Quiet apart from the refusal." in shown and "Situation" in shown
        assert "Refused Amlodipine at 09:00" in shown and "Margaret Ellison" in shown
        app.tap("console-handover-ack")
        assert "Acknowledged by Sam Office" in on_top(app)
        assert not app.exists("console-handover-ack")
        app.type("console-handover-reply-text", "Thank you, I have told her GP.")
        app.tap("console-handover-reply-send")
        assert "Sam Office: Thank you, I have told her GP." in on_top(app)
        name, pdf = app.page.views[-1].data.pdf()
        assert pdf.startswith(b"%PDF") and name.startswith("handover-")
        assert "Amira" not in name and "Margaret" not in name
    a = office.agency
    with office.engine.connect() as conn:
        told = [c["body"] for c in feed.pull(conn, a.tenant_id, a.worker_id, 0, 1000)
                if c["entity"] == "handover_ack"]
        stored = conn.execute(select(feed_t.c.body).where(
            feed_t.c.entity == "handover_ack")).scalars().all()
    assert [(b["state"], b["reply"]) for b in told] == [
        ("acknowledged", None), ("replied", "Thank you, I have told her GP.")]
    assert "told her GP" not in str(stored)  # the feed's copy is sealed at rest
    with office.open() as app:
        sign_in(app)
        assert "Handovers (0 unacknowledged)" in app.text("console-handovers")


def test_an_items_source_record_opens_its_visit_record(office: Office) -> None:
    rec, dose = handed_over(office)
    with office.open(f"/handovers/{rec.id}") as app:
        sign_in(app)
        app.tap(f"console-handover-link-{dose.id}")
        assert routes(app)[-1] == f"/visits/{office.visit_id}"


def test_the_filters_narrow_the_inbox_and_a_wrong_day_is_said_so(office: Office) -> None:
    rec, _ = handed_over(office, concerns=False)
    with office.open("/handovers") as app:
        sign_in(app)
        assert f"console-handover-{rec.id}" in app.identifiers()
        tick(app, "console-handovers-concerns")
        app.tap("console-handovers-apply")
        assert "No handovers match these filters." in on_top(app)
        tick(app, "console-handovers-concerns", False)
        app.type("console-handovers-day", "yesterday")
        app.tap("console-handovers-apply")
        assert "Write the day as YYYY-MM-DD" in on_top(app)
        app.type("console-handovers-day", rec.facts["shift_end"][:10])
        app.tap("console-handovers-apply")
        assert f"console-handover-{rec.id}" in app.identifiers()
