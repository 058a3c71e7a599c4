"""The office's rota on SQLite and PostgreSQL: a day or a week by worker; creating, moving and
reassigning visits reaches the workers' phones at their next sync, each change audited, and
only coordinators and admins plan."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from server import agency
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.roles import Role
from server.schema import audit_log, visits
from server.services.rota_board import (
    ROWS_SHOWN,
    RotaFilter,
    create_visit,
    move_visit,
    read_rota,
    reassign_visit,
)
from server.services.sign_in import Coordinator, sign_in
from server.sync_service import handle_sync
from tests.factories import (
    PASSWORD,
    SmallAgency,
    medicine_for,
    person,
    plan_for,
    small_agency,
    visit,
)
from tests.server.sent_records import send
from tests.server.test_sync_contract import device_for, request

LONDON = ZoneInfo("Europe/London")
TODAY = datetime.now(LONDON).date()


def office(engine: Engine, a: SmallAgency, role: Role = Role.COORDINATOR) -> Coordinator:
    if role is Role.COORDINATOR:
        return sign_in(engine, a.coordinator_email, PASSWORD)
    email = f"{role.value}@example.org"
    agency.add_coordinator(engine, a.tenant_id, "Other Office", email, PASSWORD,
                           role=role.value)
    return sign_in(engine, email, PASSWORD)


def visits_on(engine: Engine, worker_id: str, cursor: str | None = None
              ) -> tuple[dict[str, dict[str, object]], set[str], str | None]:
    """What a phone of `worker_id` receives: visit bodies by id, deleted ids, the cursor."""
    answer = handle_sync(engine, device_for(engine, worker_id), request(cursor=cursor))
    got = {c.id: c.body or {} for c in answer.changes if c.entity == "visit" and c.op == "upsert"}
    gone = {c.id for c in answer.changes if c.entity == "visit" and c.op == "delete"}
    return got, gone, answer.cursor


def actions(engine: Engine, who: Coordinator) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.action, r.target_id) for r in conn.execute(
            select(audit_log.c.action, audit_log.c.target_id).where(
                audit_log.c.actor_id == who.id, audit_log.c.action.like("%visit"))
            .order_by(audit_log.c.id))]


def test_a_day_and_a_week_of_visits_by_worker(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    today = datetime.fromisoformat(a.visits[0]["start"]).astimezone(LONDON).date()
    day = read_rota(engine, who, today)
    assert {v.id for v in day.visits} >= {a.visits[0]["id"]}
    assert [w.name for w in day.workers] == ["Amira Khan", "Tom Baxter"]
    assert day.on(a.worker_id, today)[0].person_name == "Margaret Ellison"
    week = read_rota(engine, who, today - timedelta(days=3), 7)
    assert {v.id for v in week.visits} == {v["id"] for v in a.visits}
    assert read_rota(engine, who, today + timedelta(days=2)).visits == ()
    with pytest.raises(Invalid):
        read_rota(engine, who, today, 8)


def test_a_large_agencys_rota_by_area_name_and_page(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    today = datetime.fromisoformat(a.visits[0]["start"]).astimezone(LONDON).date()
    at = datetime.fromisoformat(a.visits[0]["start"]) + timedelta(hours=2)
    extra = [agency.add_worker(engine, a.tenant_id, {"name": f"Worker {n:02d}",
                                                     "area": "Armley" if n % 2 else "Otley"})
             for n in range(ROWS_SHOWN + 5)]
    agency.add_visits(engine, a.tenant_id, [visit(w, a.people[0]["id"], "lunch", at)
                                            for w in extra])
    agency.add_worker(engine, a.tenant_id, {"name": "Idle Ivy", "area": "Leeds"})  # no visits

    everyone = read_rota(engine, who, today)
    assert everyone.matching == ROWS_SHOWN + 7 and len(everyone.rows()) == ROWS_SHOWN
    assert everyone.pages == 2 and everyone.areas == ("Armley", "Headingley", "Leeds", "Otley")
    # Only the shown rows' visits are read (and their people opened).
    assert {v.worker_id for v in everyone.visits} == {w.id for w in everyone.rows()}
    rest = read_rota(engine, who, today, shown=RotaFilter(page=1))
    assert len(rest.rows()) == 7 and not {w.id for w in rest.rows()} & \
        {w.id for w in everyone.rows()}
    assert read_rota(engine, who, today, shown=RotaFilter(page=9)).filter.page == 1

    armley = read_rota(engine, who, today, shown=RotaFilter(area="Armley"))
    assert {w.area for w in armley.rows()} == {"Armley"} and armley.matching == 23
    assert a.other_worker_id in {w.id for w in armley.rows()}  # Tom Baxter
    named = read_rota(engine, who, today, shown=RotaFilter(name="  amira  "))
    assert [w.name for w in named.rows()] == ["Amira Khan"]
    assert [v.id for v in named.visits] == [a.visits[0]["id"]]
    both = read_rota(engine, who, today, shown=RotaFilter(area="Otley", name="worker 1"))
    assert [w.name for w in both.rows()] == [f"Worker {n}" for n in (10, 12, 14, 16, 18)]
    nobody = read_rota(engine, who, today, shown=RotaFilter(area="Leeds"))
    assert nobody.matching == 0 and nobody.rows() == [] and nobody.visits == ()
    # The visit chosen in the detail pane is kept, wherever it is.
    kept = read_rota(engine, who, today, shown=RotaFilter(name="Tom"), keep=a.visits[0]["id"])
    assert kept.visit(a.visits[0]["id"]) is not None
    assert [w.name for w in kept.rows()] == ["Tom Baxter"]


def test_reassigning_moves_the_visit_between_the_two_workers_phones(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    vid = a.visits[0]["id"]
    mine, _, my_cursor = visits_on(engine, a.worker_id)
    theirs, _, their_cursor = visits_on(engine, a.other_worker_id)
    assert vid in mine and vid not in theirs
    reassign_visit(engine, who, vid, a.other_worker_id)
    _, gone, _ = visits_on(engine, a.worker_id, my_cursor)
    got, _, _ = visits_on(engine, a.other_worker_id, their_cursor)
    assert vid in gone
    assert got[vid]["worker_id"] == a.other_worker_id
    assert actions(engine, who) == [("reassign_visit", vid)]
    with pytest.raises(Invalid, match="already this worker's"):
        reassign_visit(engine, who, vid, a.other_worker_id)


def test_a_new_visit_and_a_moved_one_reach_the_phone(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    _, _, cursor = visits_on(engine, a.other_worker_id)
    tomorrow = datetime.now(UTC).astimezone(LONDON).date() + timedelta(days=1)
    vid = create_visit(engine, who, worker_id=a.other_worker_id,
                       service_user_id=a.people[0]["id"], visit_type="tea", day=tomorrow,
                       start=time(17, 15), minutes=30)
    got, _, cursor = visits_on(engine, a.other_worker_id, cursor)
    start = datetime.combine(tomorrow, time(17, 15), LONDON)
    assert datetime.fromisoformat(str(got[vid]["start"])) == start
    assert datetime.fromisoformat(str(got[vid]["end"])) == start + timedelta(minutes=30)
    move_visit(engine, who, vid, day=tomorrow, start=time(18, 0), minutes=45)
    got, _, _ = visits_on(engine, a.other_worker_id, cursor)
    assert datetime.fromisoformat(str(got[vid]["start"])) == datetime.combine(
        tomorrow, time(18), LONDON)
    with engine.connect() as conn:
        assert conn.execute(select(visits.c.version).where(visits.c.id == vid)).scalar() == 2
    assert actions(engine, who) == [("create_visit", vid), ("move_visit", vid)]


def test_changes_are_refused_with_a_plain_reason(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    today = TODAY
    base = {"worker_id": a.worker_id, "service_user_id": a.people[0]["id"],
            "visit_type": "lunch", "day": today, "start": time(12), "minutes": 30}
    with pytest.raises(Invalid, match="visit type"):
        create_visit(engine, who, **{**base, "visit_type": "party"})  # type: ignore[arg-type]
    with pytest.raises(Invalid, match="minutes"):
        create_visit(engine, who, **{**base, "minutes": 2})  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="worker"):
        create_visit(engine, who, **{**base, "worker_id": "nobody"})  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="person"):
        create_visit(engine, who, **{**base, "service_user_id": "x"})  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="visit"):
        move_visit(engine, who, "no-such-visit", day=today, start=time(9), minutes=30)
    assert actions(engine, who) == []


def test_a_started_visit_stays_as_it_is(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    vid = a.visits[0]["id"]
    send(engine, a.tenant_id, a.worker_id, a.visits[0], "check_in", {})
    with pytest.raises(Conflict, match="started"):
        reassign_visit(engine, who, vid, a.other_worker_id)
    with pytest.raises(Conflict, match="started"):
        move_visit(engine, who, vid, day=TODAY, start=time(9), minutes=30)
    today = datetime.fromisoformat(a.visits[0]["start"]).astimezone(LONDON).date()
    assert next(v for v in read_rota(engine, who, today).visits if v.id == vid).started


@pytest.mark.parametrize("role", [Role.SAFEGUARDING_LEAD])
def test_only_coordinators_and_admins_plan(engine: Engine, tmp_path: Path, role: Role) -> None:
    a = small_agency(engine, tmp_path)
    admin = office(engine, a, Role.ADMIN)
    reassign_visit(engine, admin, a.visits[0]["id"], a.other_worker_id)
    lead = office(engine, a, role)
    with pytest.raises(Forbidden, match="coordinators and admins"):
        read_rota(engine, lead, TODAY)
    with pytest.raises(Forbidden):
        reassign_visit(engine, lead, a.visits[0]["id"], a.worker_id)


def test_another_agencys_visits_and_workers_are_out_of_reach(engine: Engine,
                                                             tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    b_worker, b_person, b_visit = other_agency(engine, tmp_path, a.visits[0]["start"])
    who = office(engine, a)
    with pytest.raises(NotFound):
        reassign_visit(engine, who, b_visit, a.worker_id)
    with pytest.raises(NotFound):
        reassign_visit(engine, who, a.visits[0]["id"], b_worker)
    with pytest.raises(NotFound):
        create_visit(engine, who, worker_id=a.worker_id, service_user_id=b_person,
                     visit_type="tea", day=TODAY, start=time(17), minutes=30)
    today = datetime.fromisoformat(a.visits[0]["start"]).astimezone(LONDON).date()
    shown = read_rota(engine, who, today, 2)
    assert b_visit not in {v.id for v in shown.visits}
    assert b_worker not in {w.id for w in shown.workers}


def other_agency(engine: Engine, tmp_path: Path, start: str) -> tuple[str, str, str]:
    """A second agency on the server with one worker, person and visit (at `start`)."""
    tid, _key = agency.create_agency(engine, "Other Care", tmp_path / "escrow.key")
    wid = agency.add_worker(engine, tid, {"name": "Olly Other", "area": "York"})
    p = person("Olive Other")
    agency.add_people(engine, tid, [p], [plan_for(p)], [medicine_for(p)])
    v = visit(wid, p["id"], "morning", datetime.fromisoformat(start))
    agency.add_visits(engine, tid, [v])
    return wid, p["id"], v["id"]
