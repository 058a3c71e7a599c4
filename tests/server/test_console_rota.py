"""The rota screen in memory: the day's timeline and the week's grid by worker, reassigning
and moving a visit from the detail pane (with plain errors), adding one, and the screen kept
from safeguarding leads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from server import agency, escrow
from server.clock import SystemClock
from server.console.app import make_console
from server.console.screens import rota_filter
from server.schema import visits
from server.services import rota_board
from server.storage import make_engine, migrate
from tests.factories import PASSWORD, SmallAgency, small_agency
from tests.support.flet_memory import Harness, run_app

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[Engine, SmallAgency]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    migrate(engine)
    # Visits at fixed local times today, whatever the hour the test runs.
    today = datetime.now(LONDON).date()
    at = datetime.combine(today, time(9, 5), LONDON).astimezone(UTC)
    yield engine, small_agency(engine, tmp_path, at)  # visits at 09:00 and 10:00
    engine.dispose()


def opened(engine: Engine, a: SmallAgency, email: str | None = None) -> Harness:
    key = escrow.load_private_key(str(a.key_file))
    app = run_app(make_console(engine, lambda: key, SystemClock()),
                  page_props={"route": "/rota", "web": True, "width": 1280.0})
    app.type("console-email", email or a.coordinator_email)
    app.type("console-password", PASSWORD)
    app.tap("console-sign-in")
    return app


def worker_of(engine: Engine, visit_id: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(visits.c.worker_id)
                                .where(visits.c.id == visit_id)).scalar_one())


def test_reassigning_a_visit_from_the_days_timeline(
        office: tuple[Engine, SmallAgency]) -> None:
    engine, a = office
    vid = a.visits[0]["id"]
    with opened(engine, a) as app:
        start = datetime.fromisoformat(a.visits[0]["start"]).astimezone(LONDON)
        assert f"Rota: {start:%A %d %B %Y}" in app.screen()
        assert "Amira Khan" in app.screen() and "Tom Baxter" in app.screen()
        app.tap(f"console-rota-visit-{vid}")
        assert "Margaret Ellison" in app.text(f"console-rota-visit-{vid}")
        app.tap("console-rota-reassign")
        assert "Choose the worker" in app.text("console-rota-problem")
        app.choose("console-rota-reassign-worker", a.other_worker_id)
        app.tap("console-rota-reassign")
        assert "Visit given to Tom Baxter" in app.text("console-rota-status")
        assert worker_of(engine, vid) == a.other_worker_id


def test_moving_a_visit_says_plainly_what_to_fix(office: tuple[Engine, SmallAgency]) -> None:
    engine, a = office
    vid = a.visits[1]["id"]
    with opened(engine, a) as app:
        app.tap("console-rota-week")
        assert "Rota: week of" in app.screen()
        app.tap(f"console-rota-visit-{vid}")
        app.type("console-rota-move-start", "25:99")
        app.tap("console-rota-move")
        assert "HH:MM" in app.text("console-rota-problem")
        app.type("console-rota-move-start", "07:05")
        app.type("console-rota-move-minutes", "40")
        app.tap("console-rota-move")
        assert "Visit moved" in app.text("console-rota-status")
        assert "07:05–07:45 Arthur Pennington (morning)" in app.text(f"console-rota-visit-{vid}")


def test_adding_a_visit_for_a_person_found_by_name(office: tuple[Engine, SmallAgency]) -> None:
    engine, a = office
    with opened(engine, a) as app:
        app.type("console-rota-new-person", "arthur pennington")
        app.tap("console-rota-find")
        assert "Person: Arthur Pennington (Kirkstall)" in app.screen()
        app.choose("console-rota-new-worker", a.worker_id)
        app.choose("console-rota-new-type", "tea")
        app.type("console-rota-new-start", "17:30")
        app.tap("console-rota-create")
        assert "Visit added" in app.text("console-rota-status")
        assert "17:30" in app.screen() and "Arthur Pennington" in app.screen()


def test_a_safeguarding_lead_is_told_the_rota_is_not_theirs(
        office: tuple[Engine, SmallAgency]) -> None:
    engine, a = office
    agency.add_coordinator(engine, a.tenant_id, "Lee Lead", "lead@example.org", PASSWORD,
                           role="safeguarding_lead")
    with opened(engine, a, "lead@example.org") as app:
        assert "Only coordinators and admins plan the rota" in app.screen()
        assert not app.exists("console-rota-reassign")


def test_the_rota_is_narrowed_by_area_and_name_and_read_a_page_at_a_time(
        office: tuple[Engine, SmallAgency], monkeypatch: pytest.MonkeyPatch) -> None:
    engine, a = office
    monkeypatch.setattr(rota_board, "ROWS_SHOWN", 1)  # two workers with visits: two pages
    monkeypatch.setattr(rota_filter, "ROWS_SHOWN", 1)
    amira, tom = (f"console-rota-visit-{v['id']}" for v in a.visits)
    with opened(engine, a) as app:
        assert "Workers 1–1 of 2 with visits" in app.text("console-rota-shown")
        assert app.exists(amira) and not app.exists(tom)
        assert not app.exists("console-rota-previous-workers")
        app.tap("console-rota-next-workers")
        assert "Workers 2–2 of 2" in app.text("console-rota-shown")
        assert app.exists(tom) and not app.exists(amira)
        app.tap("console-rota-previous-workers")
        assert app.exists(amira)

        app.choose("console-rota-area", "Armley")  # Tom's area
        assert "Workers 1–1 of 1 with visits (filtered)" in app.text("console-rota-shown")
        assert app.exists(tom) and not app.exists(amira)
        assert not app.exists("console-rota-next-workers")
        app.choose("console-rota-area", "*")
        app.type("console-rota-name", "AMIRA", submit=True)  # Enter applies it
        assert app.exists(amira) and not app.exists(tom)
        app.type("console-rota-name", "nobody")
        app.tap("console-rota-filter")
        assert "No worker with visits matches" in app.text("console-rota-shown")
        assert not app.exists(amira) and not app.exists(tom)
        assert app.semantics("console-rota-area").label == "Show the workers of one area"
        assert app.semantics("console-rota-name").label == "Show workers whose name contains"
