"""The risk board service on both backends: each section fills from the real paths (sync,
monitors, escalations, handovers), shows its age, links to where to act, and empties once the
risk is dealt with; safeguarding concerns and other agencies stay off it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, update

from server import agency, agency_settings, datakeys, escalations, missed_doses, sealing, welfare
from server.cli import main as cli
from server.office_checks import medicine_bodies
from server.schema import audit_log, devices, medicines, tenants
from server.services.escalation_board import acknowledge
from server.services.risk_board import RiskBoard, Section, Target, risk_board
from server.services.sign_in import sign_in
from server.storage import make_engine
from server.sync_service import handle_sync
from sync.protocol import PushedRecord
from tests.factories import PASSWORD, SmallAgency, shared_person_agency, small_agency
from tests.server.handover_records import handover_record, payload
from tests.server.test_lone_board import push
from tests.server.test_sync_contract import device_for, request, sealer_for

LONDON = ZoneInfo("Europe/London")
MIN = timedelta(minutes=1)
T = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def board_at(engine: Engine, a: SmallAgency, now: datetime,
             email: str | None = None) -> RiskBoard:
    who = sign_in(engine, email or a.coordinator_email, PASSWORD)
    return risk_board(engine, who, now, LONDON)


def keys(b: RiskBoard, section: Section) -> list[str]:
    return [r.key for r in b.part(section).rows]


def raise_(engine: Engine, a: SmallAgency, type_: str, severity: str, at: datetime,
           **extra: str) -> escalations.Escalation:
    with engine.begin() as conn:
        found = escalations.raise_escalation(
            conn, a.tenant_id, dedupe_key=str(uuid.uuid4()), type_=type_, severity=severity,
            raised_at=at, actor_kind="worker", actor_id=a.worker_id, worker_id=a.worker_id,
            visit_id=a.visits[0]["id"], **extra)
    assert found is not None
    return found


def test_a_visit_not_checked_in_to_is_late_then_missed_and_leaves_once_checked_in(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, now=T)  # Amira's visit 09:55-10:25 UTC
    visit = a.visits[0]
    assert keys(board_at(engine, a, T + 5 * MIN), Section.VISITS) == []  # not yet late
    late = board_at(engine, a, T + 15 * MIN).part(Section.VISITS).rows
    assert [(r.what, r.worker, r.target, r.target_id) for r in late] == [
        ("Late visit: not checked in yet", "Amira Khan", Target.VISIT, visit["id"])]
    assert late[0].age_minutes(T + 15 * MIN) == 20
    (missed,) = board_at(engine, a, T + 30 * MIN).part(Section.VISITS).rows
    assert missed.what == "Missed visit: ended with no check-in"
    push(engine, a, a.worker_id, visit, "check_in", T + 31 * MIN)
    assert keys(board_at(engine, a, T + 32 * MIN), Section.VISITS) == []


def test_escalations_wait_on_the_board_until_acknowledged_most_severe_first(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, now=T)
    routine = raise_(engine, a, "equipment_failure", "routine", T - 30 * MIN)
    urgent = raise_(engine, a, "fall", "urgent", T - 5 * MIN)
    b = board_at(engine, a, T)
    rows = b.part(Section.ESCALATIONS).rows
    assert [r.target_id for r in rows] == [urgent.id, routine.id]
    assert rows[0].what == "Urgent escalation: Fall" and rows[0].target is Target.ESCALATION
    assert rows[1].age_minutes(T) == 30 and routine.reference in rows[1].detail
    acknowledge(engine, sign_in(engine, a.coordinator_email, PASSWORD), urgent.id, T)
    assert [r.target_id for r in board_at(engine, a, T).part(Section.ESCALATIONS).rows] == [
        routine.id]


def test_a_safeguarding_concern_shows_to_a_lead_and_only_as_a_count_to_others(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, now=T)
    agency.add_coordinator(engine, a.tenant_id, "Lee Lead", "lead@example.org", PASSWORD,
                           role="safeguarding_lead")
    concern = raise_(engine, a, "safeguarding", "urgent", T - MIN)
    office = board_at(engine, a, T)
    assert office.restricted == 1 and concern.id not in str(office)
    lead = board_at(engine, a, T, "lead@example.org")
    assert lead.restricted == 0
    assert [r.target_id for r in lead.part(Section.ESCALATIONS).rows] == [concern.id]


def test_another_agencys_risks_never_show(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, now=T)
    other, _ = agency.create_agency(engine, "Hilltop", tmp_path / "hilltop.key")
    wid = agency.add_worker(engine, other, {"name": "Hilltop Worker"})
    with engine.begin() as conn:
        escalations.raise_escalation(
            conn, other, dedupe_key="x", type_="fall", severity="emergency", raised_at=T,
            actor_kind="worker", actor_id=wid, worker_id=wid)
    b = board_at(engine, a, T + 30 * MIN)
    assert keys(b, Section.ESCALATIONS) == [] and "Hilltop" not in str(b)


def test_an_overdue_check_out_shows_until_its_alert_takes_its_place(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, now=T)
    visit = a.visits[0]
    push(engine, a, a.worker_id, visit, "check_in", T - 4 * MIN)
    end = datetime.fromisoformat(visit["end"])
    assert keys(board_at(engine, a, end - MIN), Section.LONE_WORKING) == []
    (overdue,) = board_at(engine, a, end + 2 * MIN).part(Section.LONE_WORKING).rows
    assert (overdue.what, overdue.target, overdue.age_minutes(end + 2 * MIN)) == (
        "Overdue check-out", Target.LONE_WORKING, 2)
    welfare.tick(engine, end + 10 * MIN)
    (alert,) = board_at(engine, a, end + 11 * MIN).part(Section.LONE_WORKING).rows
    assert alert.what.startswith("Amber lone-working alert") and alert.target is \
        Target.ESCALATION and alert.worker == "Amira Khan"


def test_a_phone_silent_on_shift_longer_than_the_setting_is_listed(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, now=T)
    push(engine, a, a.worker_id, a.visits[0], "check_in", T - 4 * MIN)  # enrols and syncs
    with engine.begin() as conn:
        conn.execute(update(devices).where(devices.c.worker_id == a.worker_id)
                     .values(last_seen_at=(T - 4 * MIN).isoformat()))
    assert keys(board_at(engine, a, T + 30 * MIN), Section.SYNC) == []  # within the hour
    (silent,) = board_at(engine, a, T + 70 * MIN).part(Section.SYNC).rows
    assert (silent.what, silent.worker, silent.target_id) == (
        "Not synced", "Amira Khan", a.visits[0]["id"])
    assert silent.age_minutes(T + 70 * MIN) == 74
    with engine.begin() as conn:
        agency_settings.set_timings(conn, a.tenant_id, sync_stale_s=2 * 3600)
    assert keys(board_at(engine, a, T + 70 * MIN), Section.SYNC) == []


def test_an_unacknowledged_handover_waits_with_its_age(engine: Engine,
                                                       tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, now=T)
    device = device_for(engine, a.worker_id)
    sealer = sealer_for(engine, a.tenant_id)
    shift_end = datetime.now(UTC).replace(microsecond=0)
    h = handover_record(sealer, payload(), shift_start=shift_end - timedelta(hours=8),
                        shift_end=shift_end)
    assert handle_sync(engine, device, request(h)).accepted == [h.id]
    now = datetime.now(UTC) + 45 * MIN
    (row,) = board_at(engine, a, now).part(Section.HANDOVERS).rows
    assert (row.target, row.target_id, row.worker) == (Target.HANDOVER, h.id, "Amira Khan")
    assert 44 <= row.age_minutes(now) <= 46


def test_a_time_critical_dose_is_due_now_until_recorded_and_missed_when_nobody_came(
        engine: Engine, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    a = shared_person_agency(engine, tmp_path, now)  # Co-careldopa 09:00, visit 09:00-09:30
    start = datetime.fromisoformat(a.visits[0]["start"])
    assert keys(board_at(engine, a, start - 45 * MIN), Section.DOSES) == []
    (due,) = board_at(engine, a, start + 10 * MIN).part(Section.DOSES).rows
    assert due.what == "Time-critical dose due now" and due.target_id == a.visits[0]["id"]
    assert "Co-careldopa" in due.detail and due.age_minutes(start + 10 * MIN) == 40
    missed_doses.tick(engine, start - 2 * 60 * MIN)  # the office starts watching
    missed_doses.tick(engine, start + 31 * MIN)
    (missed,) = board_at(engine, a, start + 32 * MIN).part(Section.DOSES).rows
    assert missed.what == "Time-critical dose missed: nobody visited"
    assert missed.target is Target.ESCALATION
    # A missed dose is listed once, in its own section, not again among escalations.
    assert keys(board_at(engine, a, start + 32 * MIN), Section.ESCALATIONS) == []


def test_a_dose_recorded_leaves_the_due_list(engine: Engine, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    a = shared_person_agency(engine, tmp_path, now)
    visit, start = a.visits[0], datetime.fromisoformat(a.visits[0]["start"])
    push(engine, a, a.worker_id, visit, "check_in", start + MIN)
    dose_id = _time_critical_medicine(engine, a)
    rid = str(uuid.uuid4())
    env = sealer_for(engine, a.tenant_id).seal("records", rid, 1, {"text": ""}, escrow=True)
    given = PushedRecord(rid, "dose_outcome", visit["id"], visit["service_user_id"],
                         (start + 5 * MIN).isoformat(), 1, env, facts={
                             "medicine_id": dose_id, "scheduled_at": start.isoformat(),
                             "actual_at": (start + 5 * MIN).isoformat(), "outcome": "given",
                             "prn": False, "controlled": False})
    assert handle_sync(engine, device_for(engine, a.worker_id),
                       request(given)).accepted == [rid]
    assert keys(board_at(engine, a, start + 10 * MIN), Section.DOSES) == []


def test_reading_the_board_opens_and_audits_no_ones_record(engine: Engine,
                                                           tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, now=T)
    raise_(engine, a, "fall", "urgent", T - 5 * MIN)
    who = sign_in(engine, a.coordinator_email, PASSWORD)
    with engine.begin() as conn:
        before = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    b = risk_board(engine, who, T + 30 * MIN, LONDON)
    assert b.total >= 2
    with engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == before
    assert "Margaret" not in str(b) and "Ellison" not in str(b)


def _time_critical_medicine(engine: Engine, a: SmallAgency) -> str:
    with engine.begin() as conn:
        bodies = medicine_bodies(conn, a.tenant_id, medicines.c.service_user_id.in_(
            [a.people[0]["id"]]))
    return next(mid for mid, b in bodies.items() if b.get("time_critical"))


def test_the_command_line_sets_how_long_a_phone_may_stay_silent(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, key = f"sqlite:///{tmp_path / 'office.sqlite'}", str(tmp_path / "escrow.key")
    where = ("--database-url", url, "--key-file", key)
    assert cli(["init", "--name", "Riverside", *where]) == 0
    assert cli(["stale-sync", "90", *where]) == 0
    assert "more than 90 minutes" in capsys.readouterr().out
    engine = make_engine(url)
    with engine.begin() as conn:
        tenant = conn.execute(select(tenants.c.id)).scalar_one()
        assert agency_settings.timings(conn, tenant).sync_stale_s == 90 * 60
    engine.dispose()


def test_a_weekly_dose_is_due_only_on_its_day_and_an_edited_list_is_read_again(
        engine: Engine, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    a = shared_person_agency(engine, tmp_path, now)  # Co-careldopa 09:00, visit 09:00-09:30
    start = datetime.fromisoformat(a.visits[0]["start"])
    at = start + 10 * MIN
    assert len(board_at(engine, a, at).part(Section.DOSES).rows) == 1  # daily: due
    other_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[
        (start.astimezone(LONDON).weekday() + 1) % 7]
    _edit_medicine(engine, a, _time_critical_medicine(engine, a),
                   frequency={"kind": "weekly", "days": [other_day]})
    assert board_at(engine, a, at).part(Section.DOSES).rows == []  # not its day
    _edit_medicine(engine, a, _time_critical_medicine(engine, a), frequency=None)
    assert len(board_at(engine, a, at).part(Section.DOSES).rows) == 1  # daily again


def _edit_medicine(engine: Engine, a: SmallAgency, medicine_id: str, **changes: object) -> None:
    """A new version of a medicine (as the office's edit makes one)."""
    with engine.begin() as conn:
        keys = datakeys.keys_for(conn, a.tenant_id)
        row = conn.execute(select(medicines.c.version, medicines.c.body).where(
            medicines.c.tenant_id == a.tenant_id, medicines.c.id == medicine_id)).one()
        body = sealing.open_body(keys, a.tenant_id, "medicines", medicine_id, row.version,
                                 row.body)
        body |= changes
        conn.execute(update(medicines).where(
            medicines.c.tenant_id == a.tenant_id, medicines.c.id == medicine_id).values(
            version=row.version + 1, body=sealing.seal_body(
                keys, a.tenant_id, "medicines", medicine_id, row.version + 1, body)))
