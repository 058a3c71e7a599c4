"""The fictional demo agency (server/demo_data.py): shape, realism and determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tomllib
import uuid
from collections import Counter, defaultdict
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from server.demo_data import (
    DEMO_COORDINATOR_PASSWORD,
    DEMO_WORKER_NAME,
    DemoAgency,
    build_demo_agency,
    build_rota,
    local_to_utc,
)

TZ = ZoneInfo("Europe/London")
SUMMER = dt.date(2026, 7, 1)
WINTER = dt.date(2026, 1, 15)
# Clock changes in 2026: spring forward 29 March, fall back 25 October.
DAYS = [WINTER, dt.date(2026, 3, 29), SUMMER, dt.date(2026, 10, 25), dt.date(2026, 12, 31)]
SEEDS = [0, 1, 7, 42, 2026]
DURATIONS = {15, 30, 45, 60}
CATEGORIES = {"personal_care", "nutrition", "medication", "mobility", "domestic", "wellbeing"}
VISIT_TYPES = {"morning", "lunch", "tea", "bed", "welfare"}
# Ofcom drama ranges: 07700 900000-900999, 0113 496 0000-0999, 020 7946 0000-0999.
DRAMA_PHONE = re.compile(r"^\+44 (7700 900\d{3}|113 496 0\d{3}|20 7946 0\d{3})$")


@pytest.fixture(scope="module")
def demo() -> DemoAgency:
    return build_demo_agency(SUMMER)


def _local(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).astimezone(TZ)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _by_worker(visits: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in visits:
        out[v["worker_id"]].append(v)
    return out


def _rotas() -> list[tuple[dt.date, int, DemoAgency]]:
    return [(day, seed, build_demo_agency(day, seed=seed)) for day in DAYS for seed in SEEDS]


# ---------------------------------------------------------------------------------- counts


def test_counts_and_roles(demo: DemoAgency) -> None:
    assert demo.agency["name"] == "Riverside Home Care (demo)"
    assert demo.agency["timezone"] == "Europe/London"
    assert len(demo.workers) == 5
    assert len(demo.coordinators) == 2
    assert sum(c["is_safeguarding_lead"] for c in demo.coordinators) == 1
    assert len(demo.service_users) == 20
    assert len(demo.care_plans) == 20
    assert {p["service_user_id"] for p in demo.care_plans} == {s["id"] for s in demo.service_users}
    assert {w["role"] for w in demo.workers} <= {"care_worker", "senior_care_worker"}
    assert demo.worker(1)["name"] == DEMO_WORKER_NAME == "Amira Khan"
    assert DEMO_COORDINATOR_PASSWORD == "demo-office-2026"  # noqa: S105  (published demo value)
    assert set(demo.areas) == {s["area"] for s in demo.service_users}
    assert {w["area"] for w in demo.workers} <= set(demo.areas)


def test_ids_are_unique_uuids(demo: DemoAgency) -> None:
    ids = [demo.agency["id"]]
    for rows in (demo.workers, demo.coordinators, demo.service_users, demo.care_plans,
                 demo.medicines, demo.visits):
        ids += [r["id"] for r in rows]
    ids += [t["id"] for p in demo.care_plans for t in p["tasks"]]
    assert len(ids) == len(set(ids))
    for i in ids:
        assert str(uuid.UUID(i)) == i


def test_contact_details_are_fictional(demo: DemoAgency) -> None:
    phones = [demo.agency["office_phone"], demo.agency["on_call_phone"]]
    phones += [w["phone"] for w in demo.workers]
    for s in demo.service_users:
        phones += [s["phone"], s["next_of_kin"]["phone"], s["gp"]["phone"]]
    for p in phones:
        assert DRAMA_PHONE.match(p), p
    for c in demo.coordinators:
        assert c["email"].endswith("@example.org")
    for s in demo.service_users:
        assert re.fullmatch(r"LS\d{1,2} \d[A-Z]{2}", s["postcode"]), s["postcode"]
        assert re.search(r"code \d{4}", s["access_notes"]), s["access_notes"]


# ----------------------------------------------------------------------------- service users


def test_service_user_key_facts(demo: DemoAgency) -> None:
    dnacpr_forms = ("DNACPR in place", "For full resuscitation", "ReSPECT form:")
    for s in demo.service_users:
        assert s["allergies"] and all(isinstance(a, str) and a for a in s["allergies"])
        assert s["dnacpr"].startswith(dnacpr_forms), s["dnacpr"]
        assert set(s["next_of_kin"]) == {"name", "relationship", "phone"}
        assert set(s["gp"]) == {"name", "practice", "phone"}
        assert len(s["goals"]) == 3
        assert len(s["risks"]) >= 2
        assert s["normal_baseline"] and s["communication_needs"] and s["preferred_name"]
        dt.date.fromisoformat(s["date_of_birth"])
    allergies = Counter(a for s in demo.service_users for a in s["allergies"])
    assert allergies["No known allergies"] >= 3
    assert any(s["dnacpr"].startswith("DNACPR in place") for s in demo.service_users)
    assert any(s["dnacpr"].startswith("For full") for s in demo.service_users)


# ------------------------------------------------------------------------------- care plans


def test_care_plans_have_person_centred_tasks(demo: DemoAgency) -> None:
    for plan in demo.care_plans:
        assert plan["version"] == 1
        assert dt.date.fromisoformat(plan["effective_from"]) <= SUMMER
        scheduled = {s["visit_type"] for s in plan["visit_schedule"]}
        by_type = Counter(t["visit_type"] for t in plan["tasks"])
        assert set(by_type) == scheduled <= VISIT_TYPES
        assert all(3 <= n <= 6 for n in by_type.values()), by_type
        assert any(t["fluid"] for t in plan["tasks"])
        for t in plan["tasks"]:
            assert t["category"] in CATEGORIES
            assert t["title"] and t["instructions"]
            assert isinstance(t["fluid"], bool)
        for s in plan["visit_schedule"]:
            assert s["duration_minutes"] in DURATIONS
    schedules = Counter(
        tuple(sorted(s["visit_type"] for s in p["visit_schedule"])) for p in demo.care_plans
    )
    assert schedules[("bed", "lunch", "morning", "tea")] >= 2
    assert any("welfare" in k for k in schedules)


# -------------------------------------------------------------------------------- medicines


def test_medicines_shape(demo: DemoAgency) -> None:
    people = {s["id"] for s in demo.service_users}
    per_person = Counter(m["service_user_id"] for m in demo.medicines)
    assert len(people - set(per_person)) >= 1  # some manage their own medicines
    assert sum(2 <= n <= 6 for n in per_person.values()) >= len(per_person) * 0.8
    for m in demo.medicines:
        assert m["service_user_id"] in people
        assert m["support_level"] in {"prompt", "assist", "administer"}
        assert m["window_minutes"] == 30
        assert m["stop_date"] is None or m["stop_date"] > m["start_date"]
        assert dt.date.fromisoformat(m["start_date"]) <= SUMMER
        if m.get("patch") is not None:  # a patch runs on real hours, not clock times
            assert m["times"] == [] and m["frequency"]["kind"] == "every_hours"
        elif m["prn"] is None:
            assert m["times"] and all(re.fullmatch(r"\d\d:\d\d", t) for t in m["times"])
        else:
            assert m["times"] == []
            assert set(m["prn"]) == {"reason_hint", "min_interval_hours", "max_doses_24h"}
            assert m["prn"]["min_interval_hours"] > 0 and m["prn"]["max_doses_24h"] >= 1
        for key in ("name", "form", "strength", "dose", "route"):
            assert m[key]
    assert any(m["time_critical"] for m in demo.medicines)
    assert any(m["controlled"] for m in demo.medicines)


def test_the_demo_shows_frequencies_doses_patches_and_shared_ingredients(
        demo: DemoAgency) -> None:
    """A weekly methotrexate due today, warfarin with today's INR dose, a 72 h patch due today
    and paracetamol on two lines (docs/medication.md), each a valid body."""
    from sync.medicine_body import body_errors
    from sync.schedule import due_between

    london = ZoneInfo("Europe/London")
    today = dt.date.fromisoformat(demo.today)
    lo = dt.datetime.combine(today, dt.time(0), london)
    hi = lo + dt.timedelta(hours=23, minutes=59)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in demo.medicines:
        assert body_errors(m) == [], m["name"]
        by_name[m["name"]].append(m)
    (mtx,) = by_name["Methotrexate"]
    assert mtx["frequency"]["kind"] == "weekly" and len(due_between(mtx, lo, hi, london)) == 1
    assert len(due_between(mtx, lo + dt.timedelta(days=1), hi + dt.timedelta(days=6),
                           london)) == 0
    (warfarin,) = by_name["Warfarin"]
    assert warfarin["amount"]["by_date"][demo.today] == 3.5
    (patch,) = by_name["Fentanyl (Matrifen)"]
    assert patch["frequency"]["every_hours"] == 72 and patch["controlled"]
    assert [t.astimezone(london).strftime("%H:%M") for t in due_between(patch, lo, hi, london)
            ] == ["18:15"]
    shared = [m for m in demo.medicines if (m.get("ingredient") or {}).get("name")
              == "paracetamol"]
    assert len({m["service_user_id"] for m in shared}) == 1 and len(shared) == 2
    assert {m["prn"] is None for m in shared} == {True, False}


def test_worker_one_rota_shows_time_critical_prn_and_controlled(demo: DemoAgency) -> None:
    w1 = demo.worker(1)["id"]
    visited = {v["service_user_id"] for v in demo.visits if v["worker_id"] == w1}
    meds = [m for m in demo.medicines if m["service_user_id"] in visited]
    assert any(m["time_critical"] for m in meds)
    assert any(m["prn"] is not None for m in meds)
    assert any(m["controlled"] for m in meds)


@pytest.mark.parametrize("day", DAYS)
def test_scheduled_doses_fall_within_a_visit(day: dt.date) -> None:
    """Time-critical doses within their window of a visit; other doses within an hour."""
    for seed in SEEDS:
        demo = build_demo_agency(day, seed=seed)
        visits = defaultdict(list)
        for v in demo.visits:
            visits[v["service_user_id"]].append((_local(v["start"]), _local(v["end"])))
        for m in demo.medicines:
            slack = m["window_minutes"] if m["time_critical"] else 60
            for t in m["times"]:
                dose = _minutes(t)
                assert any(
                    s.hour * 60 + s.minute - slack <= dose <= e.hour * 60 + e.minute + slack
                    for s, e in visits[m["service_user_id"]]
                ), (m["name"], t, day, seed)


# ------------------------------------------------------------------------------------ rota


def test_rota_for_every_day_and_seed() -> None:
    for day, seed, demo in _rotas():
        plans = {p["service_user_id"]: p for p in demo.care_plans}
        by_worker = _by_worker(demo.visits)
        assert set(by_worker) == {w["id"] for w in demo.workers}
        for worker_id, visits in by_worker.items():
            assert 6 <= len(visits) <= 10, (day, seed, worker_id, len(visits))
            visits = sorted(visits, key=lambda v: v["start"])
            for before, after in zip(visits, visits[1:], strict=False):
                gap = _local(after["start"]) - _local(before["end"])
                assert gap >= dt.timedelta(minutes=10), (day, seed, before, after)
        for v in demo.visits:
            start, end = _local(v["start"]), _local(v["end"])
            assert v["start"].endswith("+00:00") and v["end"].endswith("+00:00")
            assert start.date() == end.date() == day
            assert dt.time(7, 0) <= start.time() and end.time() <= dt.time(22, 0)
            assert int((end - start).total_seconds() // 60) in DURATIONS
            assert v["visit_type"] in {s["visit_type"] for s in
                                       plans[v["service_user_id"]]["visit_schedule"]}
        # Every commissioned visit happens exactly once.
        got = Counter((v["service_user_id"], v["visit_type"]) for v in demo.visits)
        want = Counter((p["service_user_id"], s["visit_type"])
                       for p in demo.care_plans for s in p["visit_schedule"])
        assert got == want
        # Everyone sees one worker all day (continuity of care).
        carers = defaultdict(set)
        for v in demo.visits:
            carers[v["service_user_id"]].add(v["worker_id"])
        assert all(len(c) == 1 for c in carers.values())


def test_visits_for_today_only_and_rota_for_other_days(demo: DemoAgency) -> None:
    assert demo.today == SUMMER.isoformat()
    assert {_local(v["start"]).date() for v in demo.visits} == {SUMMER}
    tomorrow = SUMMER + dt.timedelta(days=1)
    other = demo.rota_for(tomorrow)
    assert other == build_rota(demo.workers, demo.service_users, demo.care_plans, tomorrow,
                               "Europe/London", seed=7)
    assert {_local(v["start"]).date() for v in other} == {tomorrow}
    assert not {v["id"] for v in other} & {v["id"] for v in demo.visits}
    assert [(v["worker_id"], v["service_user_id"], v["visit_type"]) for v in other] == [
        (v["worker_id"], v["service_user_id"], v["visit_type"]) for v in demo.visits]


def test_build_rota_spreads_an_area_across_its_workers(demo: DemoAgency) -> None:
    extra = {**demo.workers[0], "id": str(uuid.uuid4()), "name": "Extra Worker"}
    rota = build_rota([*demo.workers, extra], demo.service_users, demo.care_plans, SUMMER)
    by_worker = _by_worker(rota)
    assert by_worker[extra["id"]] and by_worker[demo.workers[0]["id"]]
    assert len(rota) == len(demo.visits)
    assert build_rota([], demo.service_users, demo.care_plans, SUMMER) == []


# ------------------------------------------------------------------------------------ time


def test_bst_conversion() -> None:
    assert local_to_utc(SUMMER, "08:00").isoformat() == "2026-07-01T07:00:00+00:00"
    assert local_to_utc(WINTER, "08:00").isoformat() == "2026-01-15T08:00:00+00:00"
    # Call times are fixed, so the same visit is at the same local time in summer and winter,
    # an hour apart in UTC.
    summer, winter = build_demo_agency(SUMMER), build_demo_agency(WINTER)
    for s, w in zip(summer.visits, winter.visits, strict=True):
        assert _local(s["start"]).time() == _local(w["start"]).time()
        s_utc, w_utc = dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(w["start"])
        assert (w_utc.hour * 60 + w_utc.minute) - (s_utc.hour * 60 + s_utc.minute) == 60
        assert _local(s["start"]).utcoffset() == dt.timedelta(hours=1)
        assert _local(w["start"]).utcoffset() == dt.timedelta(0)
    # A visit booked for 08:00 local in July starts at 07:00 UTC.
    at_eight = [
        v
        for seed in range(30)
        for v in build_demo_agency(SUMMER, seed=seed).visits
        if _local(v["start"]).time() == dt.time(8, 0)
    ]
    assert at_eight
    assert all(v["start"] == "2026-07-01T07:00:00+00:00" for v in at_eight)


def test_other_timezone() -> None:
    demo = build_demo_agency(SUMMER, tz="Europe/Dublin")
    assert demo.agency["timezone"] == "Europe/Dublin"
    assert demo.visits[0]["start"] == build_demo_agency(SUMMER).visits[0]["start"]
    with pytest.raises(ZoneInfoNotFoundError):
        build_demo_agency(SUMMER, tz="Mars/Olympus_Mons")


# ---------------------------------------------------------------------------- determinism


def test_deterministic(demo: DemoAgency) -> None:
    again = build_demo_agency(SUMMER)
    assert again == demo
    assert again.as_dict() == demo.as_dict()


def _ids(demo: DemoAgency, *, visits: bool) -> list[str]:
    out = [demo.agency["id"]]
    for rows in (demo.workers, demo.coordinators, demo.service_users, demo.care_plans,
                 demo.medicines):
        out += [r["id"] for r in rows]
    out += [t["id"] for p in demo.care_plans for t in p["tasks"]]
    if visits:
        out += sorted(v["id"] for v in demo.visits)
    return out


def test_ids_stable_across_seed_and_day(demo: DemoAgency) -> None:
    reseeded = build_demo_agency(SUMMER, seed=8)
    assert _ids(reseeded, visits=True) == _ids(demo, visits=True)
    assert [v["start"] for v in reseeded.visits] != [v["start"] for v in demo.visits]
    other_day = build_demo_agency(WINTER)
    assert _ids(other_day, visits=False) == _ids(demo, visits=False)
    assert not {v["id"] for v in other_day.visits} & {v["id"] for v in demo.visits}


def test_frozen_and_fresh_copies(demo: DemoAgency) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo.seed = 8  # type: ignore[misc]
    fresh = build_demo_agency(SUMMER)
    fresh.service_users[0]["allergies"].append("Peanuts")
    fresh.medicines[0]["times"].append("23:00")
    assert build_demo_agency(SUMMER) == demo


def test_everything_is_plain_json(demo: DemoAgency) -> None:
    data = demo.as_dict()
    assert json.loads(json.dumps(data)) == data  # no tuples, dates or other non-JSON types
    for name in ("workers", "coordinators", "service_users", "care_plans", "medicines",
                 "visits"):
        assert all(isinstance(row, dict) for row in data[name])


def test_the_demo_agency_data_ships_with_the_package() -> None:
    """The JSON files that hold the agency are package data, so an installed server has them."""
    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["server"]
    files = sorted((root / "server" / "demo-agency").glob("*.json"))
    assert [f.name for f in files] == ["agency.json", "people.json"]
    for f in files:
        rel = f.relative_to(root / "server").as_posix()
        assert any(fnmatch(rel, pattern) for pattern in patterns), rel
