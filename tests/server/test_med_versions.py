"""Versioned medicines lists and care plans on SQLite and PostgreSQL: a change waits for a
second coordinator's check before any phone receives it; allergies are checked against a new
medicine; a stopped medicine keeps its history; the "needs review" mark reaches the phones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, insert, select

from server import agency, escrow, feed, med_versions, office_checks, scope
from server.errors import Conflict, Forbidden, Invalid
from server.med_versions import Action, State
from server.schema import audit_log, care_plans, medicines, records
from server.services import med_checks
from server.services import medicines_list as meds
from server.services.sign_in import Coordinator
from sync.protocol import PushedRecord
from tests.factories import PASSWORD, SmallAgency, small_agency

AMLODIPINE = {"name": "Amlodipine", "strength": "5 mg", "form": "tablet", "dose": "2 tablets",
              "route": "oral", "times": "08:00", "support_level": "prompt",
              "start_date": "2026-01-01"}


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass
class Office:
    engine: Engine
    agency: SmallAgency
    key: X25519PrivateKey
    a: Coordinator
    b: Coordinator
    clock: Clock

    @property
    def person(self) -> str:
        return str(self.agency.people[0]["id"])

    def medicine_id(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(select(medicines.c.id).where(
                medicines.c.service_user_id == self.person)).scalar_one())

    def phone_changes(self, entity: str) -> list[dict[str, Any]]:
        a = self.agency
        with self.engine.connect() as conn:
            return [c for c in feed.pull(conn, a.tenant_id, a.worker_id, 0, 10_000)
                    if c["entity"] == entity]


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> Office:
    a = small_agency(engine, tmp_path)
    second = agency.add_coordinator(engine, a.tenant_id, "Bea Second", "bea@example.org",
                                    PASSWORD)
    with engine.connect() as conn:
        first = conn.execute(select(audit_log.c.id)).first()
    assert first is None
    from server.schema import coordinators
    with engine.connect() as conn:
        sam = conn.execute(select(coordinators.c.id).where(
            coordinators.c.email == a.coordinator_email)).scalar_one()
    return Office(engine, a, escrow.load_private_key(str(a.key_file)),
                  Coordinator(sam, a.tenant_id, "Sam Office"),
                  Coordinator(second, a.tenant_id, "Bea Second"),
                  Clock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC)))


def change_dose(o: Office, dose: str = "2 tablets") -> med_versions.Version:
    return meds.change_medicine(o.engine, o.key, o.a, o.person, o.medicine_id(),
                                {**AMLODIPINE, "dose": dose}, "Dose doubled",
                                "gp_letter", clock=o.clock)


def test_a_change_reaches_phones_only_after_a_second_coordinator_checks_it(
        office: Office) -> None:
    o = office
    before = len(o.phone_changes("medicine"))
    v = change_dose(o)
    assert (v.state, v.version, v.action) == (State.TO_CHECK, 2, Action.CHANGE)
    assert len(o.phone_changes("medicine")) == before  # nothing sent while unchecked
    listed = meds.read_list(o.engine, o.key, o.a, o.person, o.clock)
    assert listed.entries[0].body["dose"] == "1 tablet"
    assert listed.entries[0].waiting is not None
    with pytest.raises(Forbidden, match="second coordinator"):
        med_checks.check(o.engine, o.a, v.id, o.clock)
    queue = med_checks.to_check(o.engine, o.key, o.b, o.clock)
    assert [(q.person_name, q.author_name, q.title) for q in queue] == [
        ("Margaret Ellison", "Sam Office", "Amlodipine")]
    assert [(d.label, d.before, d.after) for d in queue[0].differences] == [
        ("Dose", "1 tablet", "2 tablets")]
    o.clock.at += timedelta(hours=1)
    checked = med_checks.check(o.engine, o.b, v.id, o.clock)
    assert checked.in_force_from == o.clock.at.isoformat()
    sent = o.phone_changes("medicine")[-1]
    assert (sent["version"], sent["body"]["dose"]) == (2, "2 tablets")
    with o.engine.connect() as conn:
        resync = [c for c in scope.current_scope(conn, o.agency.tenant_id, o.agency.worker_id,
                                                 30) if c["entity"] == "medicine"]
    assert [c["body"]["dose"] for c in resync] == ["2 tablets"]
    assert med_checks.to_check(o.engine, o.key, o.b, o.clock) == []
    with pytest.raises(Conflict):
        med_checks.check(o.engine, o.b, v.id, o.clock)


def test_history_keeps_every_version_and_says_which_was_in_force_when(office: Office) -> None:
    o = office
    v = change_dose(o)
    changed_at = o.clock.at + timedelta(hours=1)
    o.clock.at = changed_at
    med_checks.check(o.engine, o.b, v.id, o.clock)
    shown = med_checks.history(o.engine, o.key, o.a, o.person, clock=o.clock)
    assert [(h.version.version, h.version.action, h.author_name, h.checker_name,
             h.source_label) for h in shown] == [
        (2, Action.CHANGE, "Sam Office", "Bea Second", "GP letter"),
        (1, Action.SET_UP, "set-up", "", "Other")]
    with o.engine.connect() as conn:
        versions = med_versions.history(conn, o.agency.tenant_id, o.person)
    at_visit = med_versions.in_force(versions, o.medicine_id(), changed_at - timedelta(hours=3))
    assert at_visit is not None and at_visit.body["dose"] == "1 tablet"
    now = med_versions.in_force(versions, o.medicine_id(), changed_at)
    assert now is not None and now.body["dose"] == "2 tablets"


def test_a_rejected_change_never_reaches_a_phone(office: Office) -> None:
    o = office
    before = len(o.phone_changes("medicine"))
    v = change_dose(o, "20 tablets")
    with pytest.raises(Invalid, match="what is wrong"):
        med_checks.reject(o.engine, o.b, v.id, " ", o.clock)
    r = med_checks.reject(o.engine, o.b, v.id, "The letter says 2 tablets", o.clock)
    assert (r.state, r.rejected_because) == (State.REJECTED, "The letter says 2 tablets")
    assert len(o.phone_changes("medicine")) == before
    assert meds.read_list(o.engine, o.key, o.a, o.person, o.clock).entries[0].body[
        "dose"] == "1 tablet"
    again = change_dose(o, "2 tablets")  # the next try is a new version number
    assert again.version == 3


def test_one_change_at_a_time_waits_for_its_check(office: Office) -> None:
    change_dose(office)
    with pytest.raises(Conflict, match="already waiting"):
        change_dose(office, "3 tablets")


def test_a_new_medicine_matching_an_allergy_is_refused_unless_overridden(
        office: Office) -> None:
    o = office  # Margaret is allergic to penicillin
    amoxicillin = {**AMLODIPINE, "name": "Amoxicillin", "strength": "500 mg"}
    with pytest.raises(meds.AllergyWarning) as refused:
        meds.add_medicine(o.engine, o.key, o.a, o.person, amoxicillin, "Chest infection",
                          "prescription", clock=o.clock)
    assert refused.value.field == "override" and "Penicillin" in str(refused.value)
    v = meds.add_medicine(o.engine, o.key, o.a, o.person, amoxicillin, "Chest infection",
                          "prescription", override="GP confirmed: the rash was not allergy",
                          clock=o.clock)
    assert v.override.startswith("GP confirmed") and v.action is Action.ADD
    listed = meds.read_list(o.engine, o.key, o.a, o.person, o.clock)
    assert [a.body["name"] for a in listed.added] == ["Amoxicillin"]
    med_checks.check(o.engine, o.b, v.id, o.clock)
    assert o.phone_changes("medicine")[-1]["body"]["name"] == "Amoxicillin"


def test_a_stopped_medicine_keeps_its_entry_with_a_last_day(office: Office) -> None:
    o = office
    with pytest.raises(Invalid) as bad:
        meds.stop_medicine(o.engine, o.key, o.a, o.person, o.medicine_id(), "31/03/2026",
                           "Stopped by GP", "gp_letter", o.clock)
    assert bad.value.field == "stop_date"
    v = meds.stop_medicine(o.engine, o.key, o.a, o.person, o.medicine_id(), "2026-03-02",
                           "Stopped by GP", "gp_letter", o.clock)
    med_checks.check(o.engine, o.b, v.id, o.clock)
    sent = o.phone_changes("medicine")[-1]
    assert (sent["op"], sent["body"]["stop_date"]) == ("upsert", "2026-03-02")


def test_form_errors_name_the_field(office: Office) -> None:
    o = office
    cases = [({**AMLODIPINE, "name": " "}, "name"), ({**AMLODIPINE, "times": "8am"}, "times"),
             ({**AMLODIPINE, "support_level": "watch"}, "support_level"),
             ({**AMLODIPINE, "start_date": "tomorrow"}, "start_date"),
             ({**AMLODIPINE, "covert": True}, "best_interests"),
             ({**AMLODIPINE, "times": "", "prn": True, "prn_reason": "Pain",
               "prn_min_interval_hours": "x", "prn_max_doses_24h": "4"},
              "prn_min_interval_hours")]
    for raw, field in cases:
        with pytest.raises(Invalid) as bad:
            meds.add_medicine(o.engine, o.key, o.a, o.person, raw, "New", "gp_letter",
                              clock=o.clock)
        assert bad.value.field == field, raw
    with pytest.raises(Invalid) as bad:
        meds.add_medicine(o.engine, o.key, o.a, o.person, AMLODIPINE, "", "gp_letter",
                          clock=o.clock)
    assert bad.value.field == "why"
    with pytest.raises(Invalid) as bad:
        meds.add_medicine(o.engine, o.key, o.a, o.person, AMLODIPINE, "New", "a friend",
                          clock=o.clock)
    assert bad.value.field == "source"
    covert = meds.add_medicine(
        o.engine, o.key, o.a, o.person,
        {**AMLODIPINE, "covert": True, "best_interests": "Best-interests meeting 2026-02-20 "
         "(GP, daughter, pharmacist): crush into yoghurt"}, "Covert", "gp_letter",
        clock=o.clock)
    assert covert.body["covert"] is True


def test_the_needs_review_mark_rides_on_the_person_to_the_phones(office: Office) -> None:
    o = office
    meds.mark_needs_review(o.engine, o.a, o.person, o.clock)
    with pytest.raises(Conflict):
        meds.mark_needs_review(o.engine, o.a, o.person, o.clock)
    person = o.phone_changes("service_user")[-1]
    assert person["body"]["medicines_review"]["text"].startswith("Medicines list needs review")
    assert person["body"]["name"] == "Margaret Ellison"
    review = meds.read_list(o.engine, o.key, o.a, o.person, o.clock).review
    assert review is not None and review.open
    meds.reconcile(o.engine, o.b, o.person, o.clock)
    cleared = o.phone_changes("service_user")[-1]
    assert "medicines_review" not in cleared["body"]
    assert cleared["version"] == person["version"] + 1


def test_a_care_plan_change_is_versioned_and_checked_the_same_way(office: Office) -> None:
    o = office
    a = o.agency
    with o.engine.connect() as conn:
        plan_id = conn.execute(select(care_plans.c.id).where(
            care_plans.c.service_user_id == o.person)).scalar_one()
    plan = dict(a.people[0])  # any body: the plan's tasks
    body = {"goals": plan["goals"], "tasks": [
        {"id": "t1", "visit_type": "morning", "category": "nutrition", "title": "Breakfast",
         "instructions": "Porridge", "fluid": True}]}
    with o.engine.begin() as conn:
        v = med_versions.propose(conn, a.tenant_id, o.a.id, "care_plan", plan_id, o.person,
                                 Action.CHANGE, body, "Reviewed with her daughter", "other",
                                 o.clock.now())
    assert not any(c["body"]["tasks"] == body["tasks"] for c in o.phone_changes("care_plan"))
    med_checks.check(o.engine, o.b, v.id, o.clock)
    assert o.phone_changes("care_plan")[-1]["body"]["tasks"][0]["title"] == "Breakfast"
    shown = med_checks.history(o.engine, o.key, o.a, o.person, "care_plan", o.clock)
    assert [h.version.action for h in shown] == [Action.CHANGE, Action.SET_UP]


def test_the_mar_chart_says_which_version_was_in_force_and_when_it_changed(
        office: Office) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from server.pdf import mar_chart_pdf
    from server.services.mar_chart import build_mar_chart

    o = office
    o.clock.at = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 in London
    v = change_dose(o)
    med_checks.check(o.engine, o.b, v.id, o.clock)
    o.clock.at += timedelta(days=1)
    chart = build_mar_chart(o.engine, o.key, o.a, o.person, date(2026, 3, 2),
                            clock=o.clock)
    assert chart.rows[0].details.endswith("version 2")
    assert chart.versions == (
        "Amlodipine 5 mg: version 1 (as set up); then version 2 (changed: Dose doubled; "
        "GP letter; checked by Bea Second) in force from Tue 03 Mar 10:00",)
    later = build_mar_chart(o.engine, o.key, o.a, o.person, date(2026, 3, 9),
                            clock=o.clock)
    assert later.versions[0].startswith("Amlodipine 5 mg: version 2 (changed")
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(mar_chart_pdf(chart))).pages)
    assert "Versions of the medicines list in force" in text and "Bea Second" in text


def test_an_office_check_judges_a_late_synced_dose_by_the_version_in_force_when_it_was_due(
        office: Office) -> None:
    o = office
    a = o.agency
    # At 09:00 Amlodipine becomes time-critical; a dose due at 08:00 under the old (regular)
    # version, refused at 08:10, syncs afterwards: a refused regular dose raises nothing.
    day = o.clock.at.replace(hour=9, minute=0)
    o.clock.at = day
    v = meds.change_medicine(o.engine, o.key, o.a, o.person, o.medicine_id(),
                             {**AMLODIPINE, "time_critical": True}, "Now time-critical",
                             "gp_letter", clock=o.clock)
    med_checks.check(o.engine, o.b, v.id, o.clock)
    due, refused = day.replace(hour=8), day.replace(hour=8, minute=10)

    def dose(rid: str, scheduled: datetime, actual: datetime) -> PushedRecord:
        facts = {"medicine_id": o.medicine_id(), "scheduled_at": scheduled.isoformat(),
                 "actual_at": actual.isoformat(), "outcome": "refused", "prn": False,
                 "controlled": False}
        with o.engine.begin() as conn:
            conn.execute(insert(records).values(
                id=rid, tenant_id=a.tenant_id, device_id="dev", worker_id=a.worker_id,
                kind="dose_outcome", visit_id=a.visits[0]["id"], service_user_id=o.person,
                recorded_at=actual.isoformat(), version=1, envelope={}, facts=facts,
                content_hash=rid, received_at=o.clock.at.isoformat(), seq=1))
        return PushedRecord(rid, "dose_outcome", a.visits[0]["id"], o.person,
                            actual.isoformat(), 1, {}, facts=facts)

    early = dose("d1", due, refused)
    later = dose("d2", due + timedelta(days=1), refused + timedelta(days=1))
    with o.engine.begin() as conn:
        assert office_checks.from_records(conn, a.tenant_id, [early], o.clock.at) == []
        # The next day's dose is due under the new version: refusing it is raised.
        raised = office_checks.from_records(conn, a.tenant_id, [later], o.clock.at)
    assert [e.office_check for e in raised] == ["time_critical_not_given"]
