"""Weekly chart figures on SQLite and PostgreSQL: visits on time, late and missed, tasks done,
MAR outcomes; for the agency, one worker or one person; and the charts screen drawing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flet_charts as fch
import pytest
from sqlalchemy import Engine

from server import agency, escrow
from server.console.app import make_console
from server.services.charts import weekly
from tests.factories import SmallAgency, small_agency, visit
from tests.server.sent_records import send
from tests.server.test_console import sign_in
from tests.server.test_exports import medicine_of
from tests.server.test_rota_board import office
from tests.support.flet_memory import Harness, run_app

WEDNESDAY = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday afternoon in London
MIN = timedelta(minutes=1)


@dataclass(frozen=True)
class Fixed:
    at: datetime

    def now(self) -> datetime:
        return self.at


def a_week(engine: Engine, tmp_path: Path) -> SmallAgency:
    """Amira: 09:00 on time, 10:00 late, 11:00 missed (this week) and one on time a week
    before; Tom: 12:00 on time. Two tasks (one done), three doses (taken, refused, asleep)."""
    a = small_agency(engine, tmp_path, WEDNESDAY - timedelta(days=30))
    amira, tom = a.worker_id, a.other_worker_id
    margaret, arthur = a.people[0]["id"], a.people[1]["id"]
    day = WEDNESDAY.replace(hour=9)
    vs = [visit(amira, margaret, "morning", day), visit(amira, margaret, "lunch", day + 60 * MIN),
          visit(amira, margaret, "tea", day + 120 * MIN),
          visit(amira, margaret, "morning", day - timedelta(days=7)),
          visit(tom, arthur, "lunch", day + 180 * MIN)]
    agency.add_visits(engine, a.tenant_id, vs)

    def arrive(v: dict[str, object], worker: str, after: int) -> None:
        start = datetime.fromisoformat(str(v["start"]))
        send(engine, a.tenant_id, worker, v, "check_in", {}, at=start + after * MIN)

    arrive(vs[0], amira, 5)
    arrive(vs[1], amira, 30)
    arrive(vs[3], amira, 0)
    arrive(vs[4], tom, 10)
    for outcome in ("done", "refused"):
        send(engine, a.tenant_id, amira, vs[0], "task_outcome", {}, {"outcome": outcome})
    med = medicine_of(engine, a)
    for outcome in ("taken", "refused", "asleep"):
        send(engine, a.tenant_id, amira, vs[0], "dose_outcome", {"reason": "x"}, {
            "medicine_id": med, "scheduled_at": day.isoformat(), "actual_at": day.isoformat(),
            "outcome": outcome, "prn": False, "controlled": False})
    return a


def test_visits_tasks_and_doses_by_week(engine: Engine, tmp_path: Path) -> None:
    a = a_week(engine, tmp_path)
    who = office(engine, a)
    weeks = weekly(engine, who, weeks=2, clock=Fixed(WEDNESDAY))
    last, this = weeks
    assert [w.start.isoformat() for w in weeks] == ["2026-11-16", "2026-11-23"]
    assert (this.due, this.on_time, this.late, this.missed) == (4, 2, 1, 1)
    assert (last.due, last.on_time, last.late, last.missed) == (1, 1, 0, 0)
    assert (this.tasks_done, this.tasks_recorded) == (1, 2)
    assert (this.doses_given, this.doses_refused, this.doses_other) == (1, 1, 1)
    tom = weekly(engine, who, weeks=2, worker_id=a.other_worker_id, clock=Fixed(WEDNESDAY))
    assert (tom[1].due, tom[1].on_time, tom[1].doses_given) == (1, 1, 0)
    margaret = weekly(engine, who, weeks=2, service_user_id=a.people[0]["id"],
                      clock=Fixed(WEDNESDAY))
    assert (margaret[1].due, margaret[1].missed) == (3, 1)


@pytest.fixture
def sqlite_office(sqlite_engine: Engine, tmp_path: Path) -> tuple[Engine, SmallAgency]:
    return sqlite_engine, a_week(sqlite_engine, tmp_path)


def show(app: Harness, worker: str, person: str = "") -> None:
    """Narrow the charts to one worker (or "all") or one person's full name."""
    app.choose("console-charts-worker", worker)
    app.type("console-charts-person", person)
    app.tap("console-charts-show")


def test_the_charts_screen_draws_a_bar_a_week(sqlite_office: tuple[Engine, SmallAgency]) -> None:
    engine, a = sqlite_office
    key = escrow.load_private_key(str(a.key_file))
    with run_app(make_console(engine, lambda: key, Fixed(WEDNESDAY)),
                 page_props={"route": "/charts", "web": True, "width": 1280.0}) as app:
        sign_in(app, a.coordinator_email)
        assert "Charts: the whole agency" in app.screen()
        charts = [c for c in app.controls() if isinstance(c, fch.BarChart)]
        assert len(charts) == 3 and all(len(c.groups) == 8 for c in charts)
        assert "23 Nov: on time 2, late (over 15 min) 1, missed 1" in app.text(
            "console-chart-visits")
        show(app, a.other_worker_id)
        assert "Charts: Tom Baxter" in app.screen()
        assert "23 Nov: on time 1, late (over 15 min) 0, missed 0" in app.text(
            "console-chart-visits")
        show(app, "all", "Nobody Known")
        assert "Nobody of that name" in app.text("console-charts-problem")
        show(app, "all", "Margaret Ellison")
        assert "Charts: Margaret Ellison" in app.screen()
        assert "given or taken 1, refused 1, other (not given) 1" in app.text(
            "console-chart-doses")
