"""The office console in memory (a real Flet page over a fake client): each screen at its own
address, deep links kept across sign-in, back returning to the screen below without opening its
records again, amendments, and the MAR chart's unrecorded slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import flet as ft
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, func, select

from server import escrow
from server.clock import Clock, SystemClock
from server.console.app import make_console
from server.console.session import SessionRules
from server.schema import audit_log
from server.services.mar_chart import NOT_RECORDED
from server.services.sign_in_doors import SignInDoors
from server.sync_service import handle_sync
from tests.factories import PASSWORD, SmallAgency, small_agency
from tests.server.test_sync_contract import device_for, note, request, sealer_for
from tests.support.flet_memory import Harness, run_app

NOTE = "Settled in her chair with a cup of tea"


@dataclass
class Office:
    """The small agency's office; `open` runs the console in memory at `route`."""

    engine: Engine
    agency: SmallAgency

    @property
    def visit_id(self) -> str:
        return str(self.agency.visits[0]["id"])

    @property
    def person_id(self) -> str:
        return str(self.agency.people[0]["id"])

    def key(self) -> X25519PrivateKey:
        return escrow.load_private_key(str(self.agency.key_file))

    def open(self, route: str = "/") -> Harness:
        return self.run(route, SystemClock())

    def run(self, route: str, clock: Clock, rules: SessionRules | None = None,
            doors: SignInDoors | None = None, width: float = 1300.0) -> Harness:
        key = self.key()
        main = make_console(self.engine, lambda: key, clock, rules, doors)
        return run_app(main, page_props={"route": route, "web": True, "width": width})

    def audited(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def noted(engine: Engine, tmp_path: Path, text: str, now: datetime | None = None
          ) -> SmallAgency:
    """The small agency, its worker's phone having synced one note (`text`) on the first
    visit."""
    agency = small_agency(engine, tmp_path, now)
    sealer = sealer_for(engine, agency.tenant_id)
    handle_sync(engine, device_for(engine, agency.worker_id),
                request(note(sealer, agency.visits[0], text)))
    return agency


@pytest.fixture
def office(sqlite_engine: Engine, tmp_path: Path) -> Office:
    return Office(sqlite_engine, noted(sqlite_engine, tmp_path, NOTE))


def sign_in(app: Harness, email: str = "office@example.org") -> None:
    app.type("console-email", email)
    app.type("console-password", PASSWORD)
    app.tap("console-sign-in")


def routes(app: Harness) -> list[str | None]:
    return [v.route for v in app.page.views]


def on_top(app: Harness) -> str:
    return "\n".join(app.texts(app.page.views[-1]))


def from_home(app: Harness, link: str, says: str, route: str) -> str:
    """Sign in on the day board, whose `link` says `says`; follow it to `route`, opened
    above the day board; what that screen shows."""
    sign_in(app)
    assert says in app.text(link)
    app.tap(link)
    assert routes(app) == ["/", route]
    return on_top(app)


def test_a_deep_link_opens_after_sign_in_above_the_day_board(office: Office) -> None:
    with office.open(f"/visits/{office.visit_id}") as app:
        assert "Sign in with your office account." in on_top(app)
        app.type("console-email", "office@example.org")
        app.type("console-password", "not the password")
        app.tap("console-sign-in")
        assert "do not match an office account" in on_top(app)
        sign_in(app)
        assert routes(app) == ["/", f"/visits/{office.visit_id}"]
        assert NOTE in on_top(app)
        below = app.texts(app.page.views[0])
        assert below[0] == "Risk board" and any("Visits on" in t for t in below)


def test_back_returns_to_the_screen_below_without_opening_it_again(office: Office) -> None:
    with office.open() as app:
        sign_in(app)
        assert routes(app) == ["/"]
        app.tap(f"console-visit-{office.visit_id}")
        assert routes(app) == ["/", f"/visits/{office.visit_id}"]
        visit_view = app.page.views[-1]
        app.tap("console-mar-open")
        mar = f"/people/{office.person_id}/mar"
        assert routes(app) == ["/", f"/visits/{office.visit_id}", mar]
        assert "MAR chart: Margaret Ellison" in on_top(app)
        opened = office.audited()  # the chart's reads (person, medicines) are audited too
        app.tap("console-mar-back")
        assert routes(app) == ["/", f"/visits/{office.visit_id}"]
        assert app.page.views[-1] is visit_view and office.audited() == opened
        # The browser's back button (or the app bar's arrow) is a route change the same way.
        app.run(app.page.push_route("/"))
        assert routes(app) == ["/"]


def test_a_coordinator_amends_a_note_and_a_refused_amendment_keeps_what_was_typed(
        office: Office) -> None:
    with office.open(f"/visits/{office.visit_id}") as app:
        sign_in(app)
        app.tap("console-amend-0")
        app.type("console-amend-text", "Settled in her chair")
        app.tap("console-amend-save")
        assert "Say why the record is being amended" in on_top(app)
        assert app.find("console-amend-text").value == "Settled in her chair"  # type: ignore[attr-defined]
        app.type("console-amend-reason", "Tea was not mentioned by her")
        app.tap("console-amend-save")
        assert "Amendment saved. The original record stays as it was." in on_top(app)
        assert "Correction by Sam Office: Settled in her chair" in app.text("console-correction-0")
        assert NOTE in on_top(app)  # the original stays


def test_the_mar_chart_says_not_recorded_for_past_slots_and_the_grid_lines_meet(
        office: Office) -> None:
    with office.open(f"/people/{office.person_id}/mar") as app:
        sign_in(app)
        assert NOT_RECORDED in on_top(app)  # Amlodipine 08:00 on the week's earlier days
        row = app.find("console-mar-row-0")
        assert isinstance(row, ft.Row) and row.intrinsic_height
        assert row.vertical_alignment == ft.CrossAxisAlignment.STRETCH
        app.tap("console-mar-earlier")
        assert "MAR chart: Margaret Ellison" in on_top(app)


def test_an_unknown_page_or_visit_says_so_with_a_way_back(office: Office) -> None:
    with office.open("/visits/no-such-visit") as app:
        sign_in(app)
        assert "No visit with that id in your agency." in on_top(app)
        app.tap("console-back")
        assert routes(app) == ["/"]
