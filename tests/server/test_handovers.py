"""Handovers at the office, on SQLite and PostgreSQL: the inbox and its filters, reading (opened and
audited), acknowledging and replying (told to the author's feed), points for the next workers
(only those with the person in scope, never what only the office may read), agencies apart."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from server import agency, agency_settings, escrow, feed, handovers, rota, scope
from server.errors import Invalid, NotFound
from server.roles import Role
from server.schema import audit_log, handover_points, handover_replies, medicines
from server.services import handovers as office
from server.services.sign_in import Coordinator, sign_in
from server.sync_service import handle_sync
from sync.protocol import PushedRecord
from tests.factories import PASSWORD, SmallAgency, shared_person_agency, small_agency, visit
from tests.security.pushes import sealer_of, second_agency
from tests.server.handover_records import (
    device_for,
    handover_record,
    item,
    payload,
    push,
    record,
)

NOW = datetime.now(UTC).replace(microsecond=0)
RETENTION = 14


def key_of(a: SmallAgency) -> Any:
    return escrow.load_private_key(str(a.key_file))


def store(engine: Engine, worker_id: str, *recs: PushedRecord) -> None:
    answer = handle_sync(engine, device_for(engine, worker_id), push(*recs))
    assert answer.accepted == [r.id for r in recs], answer.rejected


def shift(a: SmallAgency) -> tuple[datetime, datetime]:
    """The morning worker's shift: from half an hour before their first visit, three hours."""
    start = datetime.fromisoformat(a.visits[0]["start"])
    return start - timedelta(minutes=30), start + timedelta(hours=3)


def hand_over(engine: Engine, a: SmallAgency, body: dict[str, Any] | None = None
              ) -> PushedRecord:
    """The morning worker's handover of their shift (`body`, else one with nothing in it),
    stored at the office."""
    start, end = shift(a)
    rec = handover_record(sealer_of(engine, a.tenant_id), body or payload(),
                          shift_start=start, shift_end=end)
    store(engine, a.worker_id, rec)
    return rec


def route(engine: Engine, a: SmallAgency, now: datetime = NOW) -> int:
    return handovers.route_pending(engine, lambda _agency: key_of(a), now, RETENTION)


def feed_of(engine: Engine, a: SmallAgency, worker_id: str, entity: str) -> list[dict[str, Any]]:
    with engine.begin() as conn:
        return [c for c in feed.pull(conn, a.tenant_id, worker_id, 0, 1000)
                if c["entity"] == entity]


def refused_dose(engine: Engine, a: SmallAgency) -> PushedRecord:
    with engine.begin() as conn:
        med = conn.execute(select(medicines.c.id).where(
            medicines.c.service_user_id == a.people[0]["id"])).scalars().first()
    at = datetime.fromisoformat(a.visits[0]["start"]).isoformat()
    return record(sealer_of(engine, a.tenant_id), "dose_outcome", a.visits[0]["id"],
                  a.people[0]["id"], {"medicine_id": med, "scheduled_at": at, "actual_at": at,
                                      "outcome": "refused", "prn": False, "controlled": False},
                  {"text": "Said she had taken it already"})


def escalation(engine: Engine, a: SmallAgency, type_: str) -> PushedRecord:
    return record(sealer_of(engine, a.tenant_id), "escalation", a.visits[0]["id"],
                  a.people[0]["id"], {"type": type_, "severity": "urgent"},
                  {"text": "Bruise on her arm she would not explain"})


def coordinator(engine: Engine, a: SmallAgency) -> Coordinator:
    return sign_in(engine, a.coordinator_email, PASSWORD)


def test_a_stored_handover_waits_in_the_inbox_from_its_clear_facts_once(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, NOW)
    rec = hand_over(engine, a, payload(situation=[
        item("dose_refused", "Refused her evening tablets", person_id=a.people[0]["id"])]))
    store(engine, a.worker_id, rec)  # a retry after a lost answer
    who = coordinator(engine, a)
    (found,) = office.inbox(engine, who)
    assert (found.id, found.worker_name, found.has_concerns, found.items, found.state) == (
        rec.id, "Amira Khan", True, 1, "unacknowledged")
    assert datetime.fromisoformat(found.shift_end) == shift(a)[1]
    assert office.unacknowledged_count(engine, who) == 1
    assert office.authors(engine, who) == [(a.worker_id, "Amira Khan")]


def test_the_inbox_filters_by_worker_day_unacknowledged_and_concerns(
        engine: Engine, tmp_path: Path) -> None:
    a = shared_person_agency(engine, tmp_path, NOW)  # 09:00 visits: shifts within one day
    start, end = shift(a)
    sealer = sealer_of(engine, a.tenant_id)
    worry = payload(situation=[item("concern", "Seemed low in mood")])
    calm = payload()
    today = handover_record(sealer, worry, shift_start=start, shift_end=end)
    yesterday = handover_record(sealer, calm, shift_start=start - timedelta(days=1),
                                shift_end=end - timedelta(days=1))
    tom = handover_record(sealer, calm, shift_start=start, shift_end=end)
    store(engine, a.worker_id, today, yesterday)
    store(engine, a.other_worker_id, tom)
    who = coordinator(engine, a)
    office.acknowledge(engine, who, yesterday.id)

    def ids(**filters: Any) -> set[str]:
        return {h.id for h in office.inbox(engine, who, office.Filters(**filters))}

    assert ids() == {today.id, yesterday.id, tom.id}
    assert ids(worker_id=a.other_worker_id) == {tom.id}
    assert ids(unacknowledged=True) == {today.id, tom.id}
    assert ids(has_concerns=True) == {today.id}
    day = start.astimezone(agency_zone()).date()
    assert ids(day=day) == {today.id, tom.id}
    assert ids(day=day - timedelta(days=1), worker_id=a.worker_id) == {yesterday.id}
    # Unacknowledged ones come first, whatever their shift.
    assert office.inbox(engine, who)[-1].id == yesterday.id


def agency_zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


def test_reading_a_handover_opens_its_sections_with_links_to_their_records_and_is_audited(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, NOW)
    dose, esc = refused_dose(engine, a), escalation(engine, a, "fall")
    store(engine, a.worker_id, dose, esc)
    pid, vid = a.people[0]["id"], a.visits[0]["id"]
    body = payload(
        "Busy morning.",
        situation=[item("dose_refused", "Refused Amlodipine", person_id=pid, visit_id=vid,
                        source_ids=(dose.id,))],
        assessment=[item("escalation_open", "Fall escalation still open", person_id=pid,
                         source_ids=(esc.id, str(uuid.uuid4())))])
    rec = hand_over(engine, a, body)
    who = coordinator(engine, a)
    report = office.read(engine, key_of(a), who, rec.id)
    assert report.text == "Busy morning." and not report.damaged
    assert [s.title for s in report.sections] == ["Situation", "Background", "Assessment",
                                                   "Recommendation"]
    (refusal,) = report.sections[0].items
    assert (refusal.text, refusal.category_label, refusal.person_name) == (
        "Refused Amlodipine", "Medicine refused", "Margaret Ellison")
    assert [(link.target, link.target_id) for link in refusal.links] == [("visit", vid)]
    (open_esc,) = report.sections[2].items
    with engine.begin() as conn:
        from server.schema import escalations as escalations_t

        esc_id = conn.execute(select(escalations_t.c.id)).scalar_one()
        trail = conn.execute(select(audit_log.c.actor_id, audit_log.c.action,
                                    audit_log.c.target_id)).all()
    assert [(link.target, link.target_id) for link in open_esc.links] == [
        ("escalation", esc_id), (None, None)]
    assert (who.id, "read_record", rec.id) in trail


def test_acknowledge_and_reply_reach_the_authors_feed_and_the_reply_is_sealed(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, NOW)
    rec = hand_over(engine, a)
    who = coordinator(engine, a)
    office.acknowledge(engine, who, rec.id)
    with pytest.raises(Invalid):
        office.acknowledge(engine, who, rec.id)
    office.reply(engine, who, rec.id, "Thanks Amira, I will ring her GP in the morning.")
    with pytest.raises(Invalid):
        office.reply(engine, who, rec.id, "   ")
    told = feed_of(engine, a, a.worker_id, "handover_ack")
    assert [(c["entity_id"], c["version"], c["body"]["state"]) for c in told] == [
        (rec.id, 1, "acknowledged"), (rec.id, 2, "replied")]
    assert told[1]["body"]["reply"] == "Thanks Amira, I will ring her GP in the morning."
    assert told[1]["body"]["acknowledged_by"] == "Sam Office"
    assert feed_of(engine, a, a.other_worker_id, "handover_ack") == []
    with engine.begin() as conn:
        sealed = conn.execute(select(handover_replies.c.sealed)).scalar_one()
    assert "ring her GP" not in str(sealed)  # (a short word may turn up in base64 by chance)
    report = office.read(engine, key_of(a), who, rec.id)
    assert [r.text for r in report.replies] == ["Thanks Amira, I will ring her GP in the morning."]
    assert report.summary.acknowledged and report.summary.replies == 1
    with engine.begin() as conn:
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert "read_handover_reply" in actions


def test_a_reply_acknowledges_a_handover_nobody_had(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, NOW)
    rec = hand_over(engine, a)
    who = coordinator(engine, a)
    office.reply(engine, who, rec.id, "Noted, thank you.")
    (found,) = office.inbox(engine, who)
    assert found.acknowledged and found.acknowledged_by_name == "Sam Office"
    assert office.unacknowledged_count(engine, who) == 0


def shared(engine: Engine, tmp_path: Path) -> tuple[SmallAgency, str]:
    """One person visited by the morning worker and the lunch worker, and a third worker
    with a person of their own; returns the agency and that third worker's id."""
    a = shared_person_agency(engine, tmp_path, NOW)
    third = agency.add_worker(engine, a.tenant_id, {"name": "Priya Shah"})
    p = {"id": str(uuid.uuid4()), "name": "Arthur Pennington"}
    agency.add_people(engine, a.tenant_id, [p], [], [])
    agency.add_visits(engine, a.tenant_id, [visit(third, p["id"], "morning",
                                                  datetime.fromisoformat(a.visits[0]["start"]))])
    return replace(a, people=[*a.people, p]), third


def test_points_reach_only_the_other_workers_who_visit_that_person(
        engine: Engine, tmp_path: Path) -> None:
    a, third = shared(engine, tmp_path)
    start, end = shift(a)
    margaret, arthur = a.people[0]["id"], a.people[1]["id"]
    safeguarding = escalation(engine, a, "safeguarding")
    store(engine, a.worker_id, safeguarding)
    passed = item("dose_refused", "Refused Lactulose twice: offer it with breakfast",
                  person_id=margaret)
    body = payload(recommendation=[
        passed,
        item("flagged_note", "Only for the office", person_id=margaret, for_next_worker=False),
        item("concern", "Not my person", person_id=arthur),
        item("escalation_open", "Safeguarding raised", person_id=margaret,
             source_ids=(safeguarding.id,)),
    ])
    rec = handover_record(sealer_of(engine, a.tenant_id), body, shift_start=start,
                          shift_end=end)
    store(engine, a.worker_id, rec)
    assert feed_of(engine, a, a.other_worker_id, "handover_point") == []  # not yet passed on
    assert route(engine, a) == 1
    assert route(engine, a) == 0  # once only
    (point,) = feed_of(engine, a, a.other_worker_id, "handover_point")
    assert point["entity_id"] == passed["id"]
    assert point["body"] == {"item_id": passed["id"], "person_id": margaret,
                             "category": "dose_refused", "text": passed["text"],
                             "handover_id": rec.id, "written_at": rec.recorded_at}
    assert feed_of(engine, a, a.worker_id, "handover_point") == []
    assert feed_of(engine, a, third, "handover_point") == []
    with engine.begin() as conn:
        trail = conn.execute(select(audit_log.c.actor_kind, audit_log.c.action,
                                    audit_log.c.target_id)).all()
        # A phone that resyncs, and a worker given the person later, still get it.
        rescoped = scope.current_scope(conn, a.tenant_id, a.other_worker_id, RETENTION, NOW)
        rota.add_visits(conn, a.tenant_id, [visit(third, margaret, "tea", NOW)])
    assert ("office", "route_handover", rec.id) in trail
    with engine.begin() as conn:
        kept = conn.execute(select(handover_points.c.body)).scalars().all()
    assert len(kept) == 1 and "offer it with breakfast" not in str(kept)  # sealed at rest
    assert [c["entity_id"] for c in rescoped if c["entity"] == "handover_point"] == [passed["id"]]
    assert [c["entity_id"] for c in feed_of(engine, a, third, "handover_point")] == [passed["id"]]


def test_no_points_when_the_agency_keeps_them_or_they_are_over_a_week_old(
        engine: Engine, tmp_path: Path) -> None:
    a = shared_person_agency(engine, tmp_path, NOW)
    start, end = shift(a)
    sealer = sealer_of(engine, a.tenant_id)

    def handed_over() -> None:
        store(engine, a.worker_id, handover_record(sealer, payload(situation=[
            item("concern", "Cough is worse", person_id=a.people[0]["id"])]),
            shift_start=start, shift_end=end))

    with engine.begin() as conn:
        agency_settings.set_handover_to_next_worker(conn, a.tenant_id, False)
        assert not agency_settings.handover_to_next_worker(conn, a.tenant_id)
    handed_over()
    assert route(engine, a) == 0
    with engine.begin() as conn:
        agency_settings.set_handover_to_next_worker(conn, a.tenant_id, True)
    handed_over()
    assert route(engine, a, NOW + timedelta(days=8)) == 0
    assert feed_of(engine, a, a.other_worker_id, "handover_point") == []


def test_another_agency_sees_and_touches_nothing(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, NOW)
    rec = hand_over(engine, a)
    b = second_agency(engine, tmp_path)
    cid = agency.add_coordinator(engine, b.tenant_id, "Bea Other", "bea@other.example",
                                 PASSWORD)
    stranger = Coordinator(cid, b.tenant_id, "Bea Other", Role.SAFEGUARDING_LEAD)
    assert office.inbox(engine, stranger) == []
    assert office.unacknowledged_count(engine, stranger) == 0
    with pytest.raises(NotFound):
        office.read(engine, key_of(a), stranger, rec.id)
    with pytest.raises(NotFound):
        office.acknowledge(engine, stranger, rec.id)
    with pytest.raises(NotFound):
        office.reply(engine, stranger, rec.id, "Hello")
    assert office.unacknowledged_count(engine, coordinator(engine, a)) == 1


def test_a_safeguarding_item_shows_only_to_a_safeguarding_lead(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path, NOW)
    concern = escalation(engine, a, "safeguarding")
    store(engine, a.worker_id, concern)
    rec = hand_over(engine, a, payload(situation=[
        item("escalation_open", "Bruise she would not explain", person_id=a.people[0]["id"],
             source_ids=(concern.id,))]))
    who = coordinator(engine, a)
    (hidden,) = office.read(engine, key_of(a), who, rec.id).sections[0].items
    assert hidden.restricted and hidden.text == office.RESTRICTED
    assert hidden.links == () and hidden.person_name is None
    lead = replace(who, role=Role.SAFEGUARDING_LEAD)
    (shown,) = office.read(engine, key_of(a), lead, rec.id).sections[0].items
    assert not shown.restricted and shown.text == "Bruise she would not explain"
