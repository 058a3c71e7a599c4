"""Console sessions on the console's own code, with the server's clock held by the test:
sign-out from every screen, the idle timeout and the absolute lifetime, and sign-in failures
slowed then locked per account and per address (the same words for an unknown email), audited."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flet.messaging.protocol import MessageAction
from sqlalchemy import Engine, select

from fieldapp.domain.clock import FakeClock
from server.console.session import SessionRules
from server.errors import NotAuthenticated, TooManyAttempts
from server.schema import audit_log
from server.services.sign_in import WRONG, sign_in
from server.services.sign_in_doors import SignInDoors
from tests.factories import PASSWORD
from tests.server.test_console import Office as ConsoleOffice
from tests.server.test_console import noted
from tests.support.flet_memory import AppCrashed, Harness

NOTE = "Watered the geraniums on the sill"
EMAIL = "office@example.org"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Office(ConsoleOffice):
    clock: FakeClock
    doors: SignInDoors

    def open(self, route: str = "/", rules: SessionRules | None = None) -> Harness:
        return self.run(route, self.clock, rules, self.doors)

    def audit(self) -> list[tuple[str, str, str]]:
        with self.engine.connect() as conn:
            return [(r.action, r.actor_kind, r.target_id) for r in conn.execute(
                select(audit_log).where(audit_log.c.target_kind == "account")
                .order_by(audit_log.c.id))]


@pytest.fixture
def office(sqlite_engine: Engine, tmp_path: Path) -> Office:
    clock = FakeClock(START)
    return Office(sqlite_engine, noted(sqlite_engine, tmp_path, NOTE, START), clock,
                  SignInDoors(sqlite_engine, clock))


def try_sign_in(app: Harness, password: str = PASSWORD, email: str = EMAIL) -> None:
    app.type("console-email", email)
    app.type("console-password", password)
    app.tap("console-sign-in")


def everything(app: Harness) -> str:
    return "\n".join(t for v in app.page.views for t in app.texts(v))


def on_sign_in_page(app: Harness) -> bool:
    return app.exists("console-sign-in") and not app.exists("console-sign-out")


def test_sign_out_from_any_screen_forgets_what_was_shown(office: Office) -> None:
    with office.open(f"/visits/{office.visit_id}") as app:
        try_sign_in(app)
        assert NOTE in everything(app)
        assert app.semantics("console-sign-out").label == "Sign out"
        app.tap("console-sign-out")
        assert on_sign_in_page(app)
        assert [v.route for v in app.page.views] == ["/"]
        assert "You have signed out." in everything(app)
        assert NOTE not in everything(app)
        # Signing in again starts at the day board, not at the last person's screen.
        try_sign_in(app)
        assert [v.route for v in app.page.views] == ["/"]
        app.tap("console-escalations")
        assert app.exists("console-sign-out")  # on every screen, not only the day board
    coordinator = [a[2] for a in office.audit() if a[0] == "signed_in"][0]
    assert ("signed_out", "address", coordinator) in office.audit()


def test_the_first_action_after_the_idle_timeout_lands_on_sign_in_undone(
        office: Office) -> None:
    with office.open() as app:
        try_sign_in(app)
        office.clock.advance(minutes=14)
        app.tap(f"console-visit-{office.visit_id}")  # an action: the idle time starts again
        assert NOTE in everything(app)
        app.tap("console-back")
        office.clock.advance(minutes=14, seconds=59)
        app.tap(f"console-visit-{office.visit_id}")
        assert NOTE in everything(app)
        office.clock.advance(minutes=15)
        app.tap("console-back")
        assert on_sign_in_page(app)
        assert "signed out after 15 minutes without activity" in everything(app)
        assert NOTE not in everything(app)
        try_sign_in(app)  # back to the screen that was showing
        assert NOTE in everything(app)
    assert [a[0] for a in office.audit()].count("session_expired") == 1


def test_a_short_idle_setting_is_obeyed_and_said(office: Office) -> None:
    with office.open(rules=SessionRules(idle=timedelta(seconds=30))) as app:
        try_sign_in(app)
        office.clock.advance(seconds=31)
        app.tap("console-escalations")
        assert on_sign_in_page(app)
        assert "signed out after 30 seconds without activity" in everything(app)


def test_a_sign_in_lasts_at_most_its_lifetime_however_busy(office: Office) -> None:
    with office.open() as app:
        try_sign_in(app)
        for _ in range(71):  # an action every ten minutes for 11 h 50 min
            office.clock.advance(minutes=10)
            app.tap("console-refresh")
            assert app.exists("console-sign-out")
        office.clock.advance(minutes=10)
        app.tap("console-refresh")
        assert on_sign_in_page(app)
        assert "a sign-in lasts at most 12 hours" in everything(app)


def test_wrong_passwords_slow_then_lock_the_account_even_for_the_right_one(
        office: Office) -> None:
    said = []
    with office.open() as app:
        for _ in range(5):
            wait = office.doors.accounts.wait("email:" + EMAIL)
            office.clock.advance(seconds=wait.total_seconds())
            try_sign_in(app, "not-the-password")
            said.append(app.text("console-sign-in-problem"))
        assert said[:4] == [WRONG] * 4
        # Slowed: straight after the third failure, even the right password waits.
        assert said[4] == WRONG
        try_sign_in(app)
        assert on_sign_in_page(app)
        assert "Too many failed sign-ins. Try again in 15 minutes." in everything(app)
        office.clock.advance(minutes=14, seconds=50)
        try_sign_in(app)
        assert "Try again in 10 seconds." in everything(app)
        office.clock.advance(seconds=10)
        try_sign_in(app)
        assert app.exists("console-sign-out")
    actions = [a[0] for a in office.audit()]
    assert actions.count("sign_in_failed") == 5
    assert actions.count("sign_in_account_locked") == 1
    assert actions[-1] == "signed_in"


def test_the_third_failure_makes_the_next_try_wait(office: Office) -> None:
    doors = office.doors
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            sign_in(office.engine, EMAIL, "wrong-password!", doors=doors, clock=office.clock)
    with pytest.raises(TooManyAttempts, match="Try again in 5 seconds"):
        sign_in(office.engine, EMAIL, PASSWORD, doors=doors, clock=office.clock)
    office.clock.advance(seconds=5)
    with pytest.raises(NotAuthenticated):
        sign_in(office.engine, EMAIL, "wrong-password!", doors=doors, clock=office.clock)
    with pytest.raises(TooManyAttempts, match="Try again in 10 seconds"):
        sign_in(office.engine, EMAIL, PASSWORD, doors=doors, clock=office.clock)


def answers(office: Office, email: str, address: str) -> list[str]:
    said = []
    for password in ["wrong-password!"] * 5 + [PASSWORD]:
        if password != PASSWORD:  # the delays are waited out; the lock is not
            office.clock.advance(seconds=office.doors.accounts.wait(
                "email:" + email).total_seconds())
        try:
            sign_in(office.engine, email, password, doors=office.doors,
                    address=address, clock=office.clock)
        except (NotAuthenticated, TooManyAttempts) as exc:
            said.append(f"{type(exc).__name__}: {exc}")
    return said


def test_an_unknown_email_is_answered_exactly_as_a_wrong_password(office: Office) -> None:
    known = answers(office, EMAIL, "10.0.0.1")
    unknown = answers(office, "nobody@example.org", "10.0.0.2")
    assert known == unknown
    assert known[-1] == "TooManyAttempts: Too many failed sign-ins. Try again in 15 minutes."
    rows = office.audit()
    assert ("sign_in_account_locked", "address", "-") in rows  # no email written anywhere
    with office.engine.connect() as conn:
        assert "nobody" not in str(conn.execute(select(audit_log)).all())


def test_guessing_across_many_accounts_locks_the_address(office: Office) -> None:
    for i in range(20):
        office.clock.advance(seconds=office.doors.addresses.wait("10.1.2.3").total_seconds())
        with pytest.raises(NotAuthenticated):
            sign_in(office.engine, f"guess{i}@example.org", "wrong-password!",
                    doors=office.doors, address="10.1.2.3", clock=office.clock)
    with pytest.raises(TooManyAttempts, match="15 minutes"):
        sign_in(office.engine, EMAIL, PASSWORD, doors=office.doors, address="10.1.2.3",
                clock=office.clock)
    # Another address (the rest of the office) is not held up.
    assert sign_in(office.engine, EMAIL, PASSWORD, doors=office.doors, address="10.9.9.9",
                   clock=office.clock).name == "Sam Office"
    assert ("sign_in_address_locked", "address", "-") in office.audit()
    office.clock.advance(minutes=15)
    sign_in(office.engine, EMAIL, PASSWORD, doors=office.doors, address="10.1.2.3",
            clock=office.clock)


def test_a_failing_page_shows_a_reference_never_a_traceback(
        office: Office, caplog: pytest.LogCaptureFixture) -> None:
    """The office's database fails under a coordinator signing in: the browser is told a
    reference, in plain words, and the server log line carries the same reference."""
    with office.open() as app:
        with office.engine.begin() as conn:  # the database loses a table under the console
            conn.exec_driver_sql("DROP TABLE coordinators")
        with caplog.at_level(logging.ERROR, logger="fieldapp.console"), \
                pytest.raises(AppCrashed):
            try_sign_in(app)
        shown = [s.body["message"] for s in app.client.sent
                 if s.action is MessageAction.SESSION_CRASHED]
    assert len(shown) == 1
    assert "Traceback" not in shown[0] and "coordinators" not in shown[0]
    assert "nothing already saved has been lost" in shown[0]
    ref = re.search(r"Reference ([0-9A-F]{8})", shown[0])
    assert ref is not None
    logged = [r.getMessage() for r in caplog.records if r.name == "fieldapp.console"]
    assert logged == [f"console page failed: reference {ref.group(1)} (OperationalError)"]
