"""The risk board as the console's first screen, in memory: rows with their age and an action
that opens where to act, a new escalation appearing without reloading, and a safeguarding
concern shown to others only as a count."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from server import agency
from server.console.screens import board
from server.schema import visits
from server.storage import make_engine, migrate
from tests.factories import PASSWORD, small_agency
from tests.server.test_console import Office, on_top, routes, sign_in
from tests.server.test_console_escalations import raise_one
from tests.support.flet_memory import Harness


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    monkeypatch.setattr(board, "REFRESH_SECONDS", 0.05)
    engine = make_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    migrate(engine)
    a = small_agency(engine, tmp_path)
    # Amira's visit ran from 40 to 10 minutes ago and nobody checked in: missed.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=40)
    with engine.begin() as conn:
        conn.execute(update(visits).where(visits.c.id == a.visits[0]["id"]).values(
            start=start.isoformat(), end=(start + timedelta(minutes=30)).isoformat()))
    yield Office(engine, a)
    engine.dispose()


def wait_for_refresh(app: Harness) -> None:
    app.run(asyncio.sleep(0.4))


def test_the_first_screen_is_the_risk_board_beside_the_days_visits(office: Office) -> None:
    fall = raise_one(office, "fall", "urgent", 12)
    with office.open() as app:
        sign_in(app)
        assert routes(app) == ["/"]
        shown = on_top(app)
        assert shown.index("Risk board") < shown.index("Visits on")
        row = app.text(f"risk-escalation-{fall.reference}")
        assert "12 min" in row and "Urgent escalation: Fall" in row and "Amira Khan" in row
        assert "Missed visit: ended with no check-in" in app.text(
            f"risk-visit-{office.visit_id}")
        assert "Nothing here now." in app.text("risk-section-handovers")
        app.tap(f"risk-open-escalation-{fall.reference}")
        assert routes(app) == ["/", f"/escalations/{fall.id}"]


def test_a_new_escalation_appears_on_the_board_without_reloading(office: Office) -> None:
    with office.open() as app:
        sign_in(app)
        assert "Escalations waiting for acknowledgement (0)" in on_top(app)
        fall = raise_one(office, "fall", "emergency", 1)
        wait_for_refresh(app)
        assert "Emergency escalation: Fall" in app.text(f"risk-escalation-{fall.reference}")
        assert "Escalations waiting for acknowledgement (1)" in on_top(app)
        app.tap(f"risk-open-visit-{office.visit_id}")
        assert routes(app) == ["/", f"/visits/{office.visit_id}"]


def test_a_safeguarding_concern_is_a_count_for_a_coordinator_and_a_row_for_a_lead(
        office: Office) -> None:
    concern = raise_one(office, "safeguarding", "urgent", 3)
    with office.open() as app:
        sign_in(app)
        assert "1 open safeguarding concern: only a safeguarding lead" in app.text(
            "risk-restricted")
        assert not app.exists(f"risk-escalation-{concern.reference}")
    agency.add_coordinator(office.engine, office.agency.tenant_id, "Lee Lead",
                           "lead@example.org", PASSWORD, role="safeguarding_lead")
    with office.open() as app:
        app.type("console-email", "lead@example.org")
        app.type("console-password", PASSWORD)
        app.tap("console-sign-in")
        assert "Safeguarding" in app.text(f"risk-escalation-{concern.reference}")
        assert not app.exists("risk-restricted")
