"""The console's lone-working board in memory: linked from the day, updating by itself, and
acknowledging and closing an alert with an outcome whose notes are sealed and audited."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from server import welfare
from server.console.screens import lone_working
from server.console.session import SessionRules
from server.schema import audit_log
from server.schema import escalations as escalations_t
from tests.server.test_console import Office, from_home, on_top, sign_in
from tests.server.test_lone_board import both_checked_in
from tests.support.flet_memory import Harness

MIN = timedelta(minutes=1)
NOTES = "Rang her: phone had died, she was with a neighbour"


@dataclass
class HeldClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass
class Desk(Office):
    clock: HeldClock

    @property
    def end(self) -> datetime:
        return datetime.fromisoformat(self.agency.visits[0]["end"])

    def open(self, route: str = "/") -> Harness:
        # The board is watched without a touch for longer than the default idle timeout.
        return self.run(route, self.clock, SessionRules(idle=timedelta(hours=2)), width=1280.0)

    def at(self, when: datetime) -> None:
        """Time moves on, and the leader's monitor ticks."""
        self.clock.at = when
        welfare.tick(self.engine, when)


@pytest.fixture
def desk(sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    monkeypatch.setattr(lone_working, "REFRESH_SECONDS", 0.05)
    agency = both_checked_in(sqlite_engine, tmp_path)
    start = datetime.fromisoformat(agency.visits[0]["start"])
    return Desk(sqlite_engine, agency, HeldClock(start + 5 * MIN))


def wait_for_refresh(app: Harness) -> None:
    app.run(asyncio.sleep(0.4))


def alert_reference(desk: Desk) -> str:
    with desk.engine.begin() as conn:
        return str(conn.execute(select(escalations_t.c.reference)).scalar_one())


def test_the_day_links_to_the_board_of_workers_on_visits(desk: Desk) -> None:
    with desk.open() as app:
        shown = from_home(app, "console-lone-working", "Lone working (0 alerts)",
                          "/lone-working")
        assert "2 on visits, 0 overdue, 0 open alerts (0 red)" in shown
        assert "No open lone-working alerts." in shown and "Nobody is overdue." in shown
        assert "Amira Khan with Margaret Ellison" in app.text(
            f"lone-on-visit-{desk.agency.visits[0]['id']}")
        assert "25 min left" in app.text(f"lone-on-visit-{desk.agency.visits[0]['id']}")


def test_amber_then_red_appear_without_reloading_and_close_with_an_outcome(desk: Desk) -> None:
    visit_id = desk.agency.visits[0]["id"]
    with desk.open("/lone-working") as app:
        sign_in(app)
        desk.at(desk.end + 10 * MIN)  # grace over: amber
        wait_for_refresh(app)
        ref = alert_reference(desk)
        row = app.text(f"lone-alert-{ref}")
        assert "AMBER" in row and "no check-out by the end of the visit" in row
        assert "Amira Khan" in row and "Worker last synced" in row and "checked in" in row
        assert "10 min overdue" in app.text(f"lone-overdue-{visit_id}")
        assert "AMBER alert open" in app.text(f"lone-overdue-{visit_id}")

        desk.at(desk.end + 20 * MIN)  # unanswered: red
        wait_for_refresh(app)
        assert "RED" in app.text(f"lone-alert-{ref}")
        assert "1 open alerts (1 red)" in on_top(app)
        app.tap(f"lone-alert-ack-{ref}")
        assert "Acknowledged by Sam Office" in app.text(f"lone-alert-{ref}")
        assert not app.exists(f"lone-alert-ack-{ref}")

        app.type(f"lone-alert-notes-{ref}", NOTES)
        wait_for_refresh(app)  # the board refreshes under the half-written notes
        app.tap(f"lone-alert-close-safe-{ref}")
        assert "No open lone-working alerts." in on_top(app)
    with desk.engine.begin() as conn:
        closed = conn.execute(select(escalations_t)).mappings().one()
        assert (closed["state"], closed["outcome"]) == ("resolved", "safe")
        assert NOTES not in json.dumps(closed["notes"])  # sealed to the agency
        assert closed["notes"]
    with desk.open(f"/escalations/{closed['id']}") as app:
        sign_in(app)
        assert NOTES in on_top(app) and "Safe (false alarm)" in on_top(app)
    with desk.engine.begin() as conn:
        assert conn.execute(select(audit_log.c.action).where(
            audit_log.c.action == "open_escalation_notes")).all()
