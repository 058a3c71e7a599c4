"""The end-of-shift handover in Chromium at 412×860: the demo worker finishes their shift (its
one visit, a task not done and a note flagged for handover), loses signal, edits and submits
the handover, gets signal back and sees it received by the office.

The demo worker's rota is cut to its first visit in this module's own demo (the rest go to a
colleague) so "the last visit is checked out" comes after one visit. "No signal" is the office
server stopped and started again on the same port: the phone's sync meets a refused connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, update

from server.demo import seed
from server.demo_data import build_demo_agency
from server.schema import records as office_records
from server.schema import visits as office_visits
from tests.browser.conftest import RunningDemo
from tests.browser.phone_steps import (
    bring_into_view,
    check_in_first_visit,
    check_out,
    enrol,
    fill,
    record_doses_due,
    tap,
    tick,
)
from tests.browser.test_walking_skeleton import first_visit_tasks
from tests.support.browser import screenshot, wait_id, wait_text
from tests.support.browser import tap as raw_tap
from tests.support.procs import free_port, start_python, stop, wait_http

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 412, "height": 860}
NOTE = "Bath seat is loose"


class Office:
    """The office server process, which the test stops (no signal) and starts again."""

    def __init__(self, env: dict[str, str], port: int):
        self.env, self.port = env, port
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = start_python(["-m", "server.cli", "serve", "--port", str(self.port)],
                                 env=self.env)
        wait_http(f"http://127.0.0.1:{self.port}/health", proc=self.proc, timeout=60)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


@pytest.fixture  # per test: a rerun starts afresh
def one_visit_demo(tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[RunningDemo, Office]]:
    directory = tmp_path_factory.mktemp("handover-demo")
    logins = seed(directory)
    me, colleague, first = demo_rota()
    engine = create_engine(logins.database_url)
    with engine.begin() as conn:
        conn.execute(update(office_visits).where(office_visits.c.worker_id == me,
                                                 office_visits.c.id != first)
                     .values(worker_id=colleague))
    engine.dispose()
    server_port, app_port = free_port(), free_port()
    env = {"FIELDAPP_DATABASE_URL": logins.database_url,
           "FIELDAPP_ESCROW_KEY_FILE": str(logins.key_file),
           "FIELDAPP_SERVER_URL": f"http://127.0.0.1:{server_port}",
           "FIELDAPP_DATA_DIR": str(directory / "phone"), "FIELDAPP_WEB_PORT": str(app_port)}
    office = Office(env, server_port)
    app = start_python(["main.py"], env=env)
    try:
        wait_http(f"http://127.0.0.1:{app_port}/", proc=app, timeout=60)
        yield (RunningDemo(logins, env["FIELDAPP_SERVER_URL"], f"http://127.0.0.1:{app_port}/",
                           directory), office)
    finally:
        stop(app)
        office.stop()


def demo_rota() -> tuple[str, str, str]:
    """The demo worker, a colleague, and the demo worker's first visit today."""
    data = build_demo_agency(datetime.now(ZoneInfo("Europe/London")).date())
    me, colleague = data.workers[0]["id"], data.workers[1]["id"]
    first = min((v for v in data.visits if v["worker_id"] == me), key=lambda v: v["start"])
    return me, colleague, first["id"]


def finish_the_shift(page, demo: RunningDemo) -> None:
    """The one visit: check in, every dose and task (the second not done), a flagged note."""
    _person, tasks, doses = first_visit_tasks(demo)
    check_in_first_visit(page)
    record_doses_due(page, doses)
    for i, task in enumerate(tasks):
        if task.get("fluid"):
            fill(page, f"task-{i}-offered", "250")
            fill(page, f"task-{i}-taken", "200")
        if i == 1:
            tap(page, f"task-{i}-not-done")
            fill(page, f"task-{i}-reason", "Said she was too tired")
            tap(page, f"task-{i}-save-reason")
        else:
            tap(page, f"task-{i}-done")
        wait_id(page, f"task-{i}-answer")
    fill(page, "note-text", NOTE)
    tick(page, "note-for-handover")
    tap(page, "note-save")
    wait_text(page, NOTE)
    check_out(page)
    tap(page, "back")


def offline_tap(page, identifier: str) -> None:
    bring_into_view(page, identifier)
    raw_tap(page, identifier)


def office_handover(demo: RunningDemo) -> dict | None:
    engine = create_engine(demo.logins.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(office_records).where(
                office_records.c.kind == "handover")).mappings().first()
    finally:
        engine.dispose()
    return dict(row) if row else None


def test_the_shift_is_handed_over_offline_and_received_after_reconnecting(
        one_visit_demo, chromium) -> None:
    demo, office = one_visit_demo
    page = chromium.new_context(viewport=PHONE).new_page()
    enrol(page, demo.app_url, demo.logins.enrolment_code)
    wait_id(page, "hand-over-now")

    finish_the_shift(page, demo)
    tap(page, "sync-now")
    wait_text(page, "All records received by the office", timeout=60)

    office.stop()  # out of signal from here
    tap(page, "end-shift")
    wait_text(page, "End of shift handover")
    wait_text(page, NOTE)
    wait_text(page, "too tired")
    tick(page, "handover-background-0-next")
    fill(page, "handover-recommendation-text", "Ask the office about a new bath seat")
    screenshot(page, SHOTS / "30-handover-draft.png")
    tap(page, "handover-submit")
    wait_text(page, "Handover submitted")
    wait_text(page, "still only on this phone")
    wait_text(page, "saved on phone, not sent yet")
    assert office_handover(demo) is None
    # From here a record waits on the phone: taps do not wait for the office to answer.
    offline_tap(page, "handover-done")
    wait_id(page, "handover-status-0")

    office.start()  # signal again
    offline_tap(page, "sync-now")
    wait_text(page, "received by the office", timeout=60)
    bring_into_view(page, "handover-status-0")
    screenshot(page, SHOTS / "31-handover-received.png")
    row = office_handover(demo)
    assert row is not None
    facts = row["facts"] if isinstance(row["facts"], dict) else json.loads(row["facts"])
    assert facts["items"] >= 2 and (row["visit_id"], row["service_user_id"]) == (None, None)
