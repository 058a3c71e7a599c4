"""Medication across two phones and the office, over the real server in process.

Worker A (morning) and worker B (lunch) visit the same person. A dose A gives reaches B's phone
as clear dose facts at B's next sync, so B's phone enforces the PRN interval with no signal.
The office reads the visit record and the MAR chart (audited), prints the chart as PDF, and a
coordinator amends a dose with a reason (an addendum; the original stays).
"""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from fieldapp.domain.clock import FakeClock
from fieldapp.errors import DoseRefused, RuleViolation
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from server import escrow, record_hooks
from server.app import create_app
from server.errors import Invalid
from server.pdf import mar_chart_pdf
from server.schema import audit_log, records
from server.services.amendments import amend_record
from server.services.mar_chart import NOT_RECORDED, build_mar_chart
from server.services.sign_in import sign_in
from server.services.visit_record import visit_record
from server.settings import ServerSettings
from sync import kinds
from sync.client import SyncClient, enrol
from tests.factories import PASSWORD, code_for, shared_person_agency

# Today (the server keeps phones to a retention window measured on the real clock), at the
# morning visit's local 09:00; expectations are written in local time.
LONDON = ZoneInfo("Europe/London")
TODAY = datetime.now(LONDON).date()
T9 = datetime.combine(TODAY, time(9), LONDON).astimezone(UTC)
NOW = T9 + timedelta(minutes=5)
PIN = "258036"


def local(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%H:%M")


class Phone:
    def __init__(self, store: DeviceStore, device: Device, http: httpx.AsyncClient,
                 clock: FakeClock):
        self.store, self.device, self.clock = store, device, clock
        self.sync = SyncClient(store, device, http, clock)
        self.visits = VisitService(store, device.sealer, device.author, clock)
        self.meds = self.visits.medication


def make_phone(app, tmp: Path, worker_id: str) -> Phone:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://office")
    data = asyncio.run(enrol(http, "http://office", code_for(app.state.engine, worker_id)))
    clock = FakeClock(NOW)
    store = DeviceStore(tmp / worker_id / "fieldapp.sqlite")
    device = Device(store, MemoryKeyStore(), clock, KDF_FLOOR)
    device.complete_enrolment(Enrolment.from_server("http://office", data), PIN)
    return Phone(store, device, http, clock)


@pytest.fixture
def world(tmp_path: Path):
    settings = ServerSettings(database_url=f"sqlite:///{tmp_path / 'server.sqlite'}",
                              escrow_key_file=tmp_path / "escrow.key")
    app = create_app(settings, with_console=False)
    agency = shared_person_agency(app.state.engine, tmp_path, NOW)
    a = make_phone(app, tmp_path, agency.worker_id)
    b = make_phone(app, tmp_path, agency.other_worker_id)
    asyncio.run(a.sync.sync_once())
    asyncio.run(b.sync.sync_once())
    return app, agency, a, b


def meds_by_name(phone: Phone, visit_id: str) -> dict[str, str]:
    return {m.name: m.id for m in phone.meds.round(visit_id).medicines}


def morning_round(a: Phone, visit_id: str) -> dict[str, str]:
    """Worker A's morning visit: every task and dose answered, one PRN dose, check-out."""
    ids = meds_by_name(a, visit_id)
    a.visits.check_in(visit_id)
    for task in a.visits.visit(visit_id).tasks:
        a.visits.record_task(visit_id, task["id"], "done")
    a.clock.set(T9 + timedelta(minutes=10))
    a.meds.record_dose(visit_id, ids["Paracetamol"], None, "taken", "Headache")
    a.meds.record_dose(visit_id, ids["Co-careldopa"], T9, "taken")
    a.meds.record_dose(visit_id, ids["Lactulose"], T9, "refused", "Said her tummy is fine")
    a.clock.set(T9 + timedelta(minutes=30))
    a.visits.check_out(visit_id)
    assert asyncio.run(a.sync.sync_once()).received == 7  # in, 2 tasks, 3 doses, out
    return ids


def office_after_morning_round(world):
    """Worker A records the morning round; a coordinator signs in: (engine, who, key, visit)."""
    app, agency, a, _b = world
    morning = agency.visits[0]["id"]
    morning_round(a, morning)
    who = sign_in(app.state.engine, agency.coordinator_email, PASSWORD)
    return app.state.engine, who, escrow.load_private_key(str(agency.key_file)), morning


def test_a_dose_given_by_worker_a_limits_worker_bs_prn_offline(world) -> None:
    app, agency, a, b = world
    morning, lunch = (v["id"] for v in agency.visits)
    ids = morning_round(a, morning)
    asyncio.run(b.sync.sync_once())  # B's phone picks up A's doses (clear facts only)
    facts = b.store.rows("SELECT medicine_id, outcome FROM dose_facts ORDER BY outcome")
    assert sorted(f["outcome"] for f in facts) == ["refused", "taken", "taken"]

    # Out at lunch with no signal: nothing below talks to the office.
    b.clock.set(T9 + timedelta(hours=3, minutes=35))  # 12:35
    b.visits.check_in(lunch)
    with pytest.raises(DoseRefused) as refused:
        b.meds.record_dose(lunch, ids["Paracetamol"], None, "taken", "Knee pain")
    assert f"The next dose can be given at {local(T9 + timedelta(hours=4, minutes=10))}." in str(
        refused.value)
    line = next(p for p in b.meds.round(lunch).prn if p.medicine.name == "Paracetamol")
    assert not line.decision.allowed
    b.clock.set(T9 + timedelta(hours=4, minutes=10))  # exactly 4 hours later: allowed
    b.meds.record_dose(lunch, ids["Paracetamol"], None, "taken", "Knee pain")
    # A's morning doses do not make B answer them again, and do not block B's check-out.
    assert [d.medicine.name for d in b.meds.round(lunch).unanswered] == ["Co-careldopa"]


def test_an_effect_worker_a_recorded_is_not_asked_for_again_on_bs_phone(world) -> None:
    app, agency, a, b = world
    morning, lunch = (v["id"] for v in agency.visits)
    person = agency.people[0]["id"]
    ids = meds_by_name(a, morning)
    a.visits.check_in(morning)
    a.clock.set(T9 + timedelta(minutes=10))
    dose = a.meds.record_dose(morning, ids["Paracetamol"], None, "taken", "Headache")
    asyncio.run(a.sync.sync_once())
    asyncio.run(b.sync.sync_once())
    # B's phone knows the dose, so it would ask for its effect at a visit...
    b.clock.set(T9 + timedelta(minutes=50))
    assert [e.dose_record_id for e in b.meds.effects_due(
        person, b.meds.medicines(person), b.clock.now())] == [dose.record_id]
    # ... until A records it and both phones sync (clear facts only reach B).
    a.clock.set(T9 + timedelta(minutes=45))
    a.meds.record_effect(morning, dose.record_id, "effective", "Headache gone")
    assert asyncio.run(a.sync.sync_once()).received >= 1
    asyncio.run(b.sync.sync_once())
    (shared,) = b.store.rows("SELECT dose_record_id, effect, worker_id FROM effect_facts")
    assert shared == {"dose_record_id": dose.record_id, "effect": "effective",
                      "worker_id": agency.worker_id}
    b.clock.set(T9 + timedelta(hours=3, minutes=35))
    b.visits.check_in(lunch)
    assert b.meds.round(lunch).effects_due == []
    with pytest.raises(RuleViolation, match="not waiting for its effect"):
        b.meds.record_effect(lunch, dose.record_id, "not_effective")
    # A worker newly given the person gets the effect with the day's doses.
    with app.state.engine.begin() as conn:
        newly = record_hooks.recent_doses(conn, agency.tenant_id, [person], "a-new-worker")
    assert [(c["entity"], c["body"].get("dose_record_id")) for c in newly
            if c["entity"] == "dose_effect"] == [("dose_effect", dose.record_id)]


def test_the_office_reads_the_visit_and_the_mar_chart_audited_and_prints_it(world) -> None:
    _app, agency, _a, _b = world
    engine, who, key, morning = office_after_morning_round(world)
    record = visit_record(engine, key, who, morning)
    doses = {r.content["medicine"]: r for r in record.records if r.kind == "dose_outcome"}
    assert doses["Lactulose 3.35g/5ml"].content["reason"] == "Said her tummy is fine"
    assert doses["Co-careldopa 25mg/100mg"].facts["outcome"] == "taken"

    with engine.begin() as conn:
        before = len(conn.execute(select(audit_log)).all())
    chart = build_mar_chart(engine, key, who, agency.people[0]["id"],
                            TODAY - timedelta(days=1))
    with engine.begin() as conn:
        reads = conn.execute(select(audit_log.c.action, audit_log.c.target_kind)).all()[before:]
    # Every sealed record opened: the person, each medicine on the chart, each dose record.
    assert reads == ([("read_person", "service_user")] + [("read_medicine", "medicine")] * 4
                     + [("read_record", "dose_outcome")] * 3)
    cells = {(r.medicine.split()[0], r.time): r.cells for r in chart.rows}
    day = TODAY.isoformat()
    assert [c.text for c in cells[("Co-careldopa", "09:00")][day]] == ["taken 09:10 AK"]
    assert [c.code for c in cells[("Lactulose", "09:00")][day]] == ["refused"]
    assert [c.code for c in cells[("Paracetamol", "PRN")][day]] == ["taken"]
    assert cells[("Co-careldopa", "13:00")] == {}
    assert any("Said her tummy is fine" in n for n in chart.notes)
    # Past slots with no outcome say so once their window has closed (not before).
    evening = FakeClock(datetime.combine(TODAY, time(18), LONDON).astimezone(UTC))
    late = build_mar_chart(engine, key, who, agency.people[0]["id"], TODAY, 1, clock=evening)
    missing = {(r.medicine.split()[0], r.time) for r in late.rows if r.missing(TODAY)}
    assert missing == {("Co-careldopa", "13:00")}
    early = build_mar_chart(engine, key, who, agency.people[0]["id"], TODAY, 1,
                            clock=FakeClock(NOW))
    assert not any(r.missing(TODAY) for r in early.rows)

    pdf = mar_chart_pdf(chart)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("MAR chart: Margaret Ellison", "Co-careldopa", "taken 09:10 AK",
                     "refused", "Key", "not_available", "Said her tummy is fine"):
        assert expected in text, expected
    assert NOT_RECORDED in " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(mar_chart_pdf(late))).pages)


def test_a_coordinator_amends_a_dose_with_a_reason_and_phones_follow(world) -> None:
    _app, agency, a, b = world
    engine, who, key, morning = office_after_morning_round(world)
    dose = next(r for r in visit_record(engine, key, who, morning).records
                if r.kind == "dose_outcome" and r.facts["outcome"] == "refused")
    with pytest.raises(Invalid, match="Say why"):
        amend_record(engine, who, dose.id, "no")
    with pytest.raises(Invalid, match="does not fit"):
        amend_record(engine, who, dose.id, "Wrong code used", outcome="done")
    amend_record(engine, who, dose.id, "Daughter saw her take it later",
                        outcome="taken")
    with engine.begin() as conn:
        last = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).mappings().first()
    assert (last["action"], last["actor_id"], last["target_id"]) == (
        "amend_record", who.id, dose.id)

    record = visit_record(engine, key, who, morning)
    fix = next(r for r in record.records if r.kind == "addendum")
    assert fix.corrects == dose.id and fix.by_office
    assert fix.content["coordinator_name"] == "Sam Office"
    assert any(r.id == dose.id for r in record.records)  # the original stays
    assert record.corrections_of(dose.id) == (fix,) and fix not in record.originals
    with engine.begin() as conn:
        stored = conn.execute(select(records.c.envelope).where(records.c.id == fix.id)).one()
    # The office seals with the contract's one function: today's version, a UUIDv7 id.
    assert stored.envelope["v"] == 2 and uuid.UUID(fix.id).version == 7
    with engine.begin() as conn:  # what phones and the office stored fits the kinds registry
        for r in conn.execute(select(records)).mappings():
            assert kinds.record_errors(r["kind"], r["facts"], visit_id=r["visit_id"],
                                       service_user_id=r["service_user_id"],
                                       corrects=r["corrects"]) == [], r["kind"]

    chart = build_mar_chart(engine, key, who, agency.people[0]["id"], TODAY, 1)
    lactulose = next(r for r in chart.rows if r.medicine.startswith("Lactulose"))
    [cell] = lactulose.cells[TODAY.isoformat()]
    assert (cell.code, cell.marks) == ("taken", "*")
    assert any("corrected from refused to taken by Sam Office" in n for n in chart.notes)

    asyncio.run(b.sync.sync_once())
    asyncio.run(a.sync.sync_once())
    assert {r["outcome"] for r in b.store.rows(
        "SELECT outcome FROM dose_facts WHERE record_id = ?", [dose.id])} == {"taken"}
    lactulose_id = meds_by_name(a, morning)["Lactulose"]
    a_view = [h.outcome.value for h in a.meds.history(agency.people[0]["id"])
              if h.medicine_id == lactulose_id]
    assert a_view == ["taken"]  # the author's phone follows the office's correction too


def test_a_worker_newly_rostered_for_the_person_gets_the_recent_doses(world, tmp_path) -> None:
    from server import agency as agency_service

    app, agency, a, _b = world
    morning = agency.visits[0]["id"]
    morning_round(a, morning)
    engine = app.state.engine
    cover = agency_service.add_worker(engine, agency.tenant_id, {"name": "Priya Cover"})
    evening = T9 + timedelta(hours=9)
    agency_service.add_visits(engine, agency.tenant_id, [{
        "id": "e0e0e0e0-0000-4000-8000-000000000001", "worker_id": cover,
        "service_user_id": agency.people[0]["id"], "visit_type": "tea",
        "start": evening.isoformat(), "end": (evening + timedelta(minutes=30)).isoformat()}])
    c = make_phone(app, tmp_path, cover)
    asyncio.run(c.sync.sync_once())
    facts = c.store.rows("SELECT outcome FROM dose_facts ORDER BY outcome")
    assert [f["outcome"] for f in facts] == ["refused", "taken", "taken"]


@pytest.fixture
def world_with_new_medicines(tmp_path: Path):
    """The world above plus a range PRN, a 72 h patch due at 09:00 today and a weekly medicine
    due on yesterday's weekday, added before the phones first sync."""
    from server import agency as agency_admin
    from sync.codes import Weekday

    settings = ServerSettings(database_url=f"sqlite:///{tmp_path / 'server.sqlite'}",
                              escrow_key_file=tmp_path / "escrow.key")
    app = create_app(settings, with_console=False)
    agency = shared_person_agency(app.state.engine, tmp_path, NOW)
    person = agency.people[0]["id"]
    base = {"service_user_id": person, "form": "tablet", "route": "oral", "window_minutes": 30,
            "controlled": False, "time_critical": False, "instructions": "", "prn": None,
            "start_date": "2026-01-01", "stop_date": None, "support_level": "assist",
            "times": []}
    yesterday = list(Weekday)[(TODAY - timedelta(days=1)).weekday()].value
    agency_admin.add_people(app.state.engine, agency.tenant_id, [], [], [
        {**base, "id": str(uuid.uuid4()), "name": "Ibuprofen", "strength": "200mg",
         "dose": "1 or 2 tablets",
         "prn": {"reason_hint": "Pain", "min_interval_hours": 6, "max_doses_24h": 3},
         "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"}},
        {**base, "id": str(uuid.uuid4()), "name": "Hyoscine", "strength": "1.5mg",
         "form": "patch", "dose": "1 patch", "route": "transdermal", "patch": {},
         "frequency": {"kind": "every_hours", "every_hours": 72,
                       "first_at": (T9 - timedelta(hours=72)).isoformat()}},
        {**base, "id": str(uuid.uuid4()), "name": "Methotrexate", "strength": "2.5mg",
         "dose": "4 tablets", "times": ["09:00"],
         "frequency": {"kind": "weekly", "days": [yesterday]}},
    ])
    a = make_phone(app, tmp_path, agency.worker_id)
    asyncio.run(a.sync.sync_once())
    return app, agency, a


def test_the_mar_chart_shows_amounts_patch_sites_prn_effects_and_due_days(
        world_with_new_medicines) -> None:
    app, agency, a = world_with_new_medicines
    morning = agency.visits[0]["id"]
    ids = meds_by_name(a, morning)
    a.visits.check_in(morning)
    a.clock.set(T9 + timedelta(minutes=10))
    a.meds.record_dose(morning, ids["Hyoscine"], T9, "taken", patch_site="left_upper_arm")
    ibuprofen = a.meds.record_dose(morning, ids["Ibuprofen"], None, "taken", "Back ache",
                                   amount=2)
    a.clock.set(T9 + timedelta(minutes=50))
    a.meds.record_effect(morning, ibuprofen.record_id, "partly_effective", "Easier to sit")
    asyncio.run(a.sync.sync_once())

    engine = app.state.engine
    who = sign_in(engine, agency.coordinator_email, PASSWORD)
    key = escrow.load_private_key(str(agency.key_file))
    evening = FakeClock(datetime.combine(TODAY, time(18), LONDON).astimezone(UTC))
    chart = build_mar_chart(engine, key, who, agency.people[0]["id"],
                            TODAY - timedelta(days=1), 2, clock=evening)
    rows = {(r.medicine.split()[0], r.time): r for r in chart.rows}
    day = TODAY.isoformat()
    assert [c.text for c in rows[("Ibuprofen", "PRN")].cells[day]] == [
        "taken 2 tablet 09:10 AK"]
    assert [c.code for c in rows[("Hyoscine", "every 72 h")].cells[day]] == ["taken"]
    weekly = rows[("Methotrexate", "09:00")]
    assert "ONCE A WEEK on" in weekly.details
    # Due yesterday and not recorded; not due today, so not "not recorded" today.
    assert weekly.missing(TODAY - timedelta(days=1)) and not weekly.missing(TODAY)
    notes = " ".join(chart.notes)
    assert "patch applied: Left upper arm" in notes
    assert "effect: Partly worked (recorded 09:50 by" in notes and "Easier to sit" in notes
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(mar_chart_pdf(chart))).pages)
    for expected in ("taken 2 tablet 09:10 AK", "every 72 h", "Partly worked",
                     "Left upper arm"):
        assert expected in text, expected
