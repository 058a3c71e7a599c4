"""Test factories: a small fictional agency with realistic defaults, built through the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import Engine

from server import agency, enrolment
from server.app import create_app
from server.settings import ServerSettings

PASSWORD = "correct-horse-battery"


@dataclass
class SmallAgency:
    tenant_id: str
    worker_id: str
    other_worker_id: str
    coordinator_email: str
    people: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    key_file: Path


def person(name: str = "Margaret Ellison", **overrides: Any) -> dict[str, Any]:
    pid = str(uuid.uuid4())
    data = {
        "id": pid, "name": name, "preferred_name": name.split()[0], "area": "Headingley",
        "address_line": "14 Cardigan Road", "town": "Leeds", "postcode": "LS6 3AG",
        "access_notes": "Key safe by the back door, code 4821",
        "allergies": ["Penicillin"], "dnacpr": "DNACPR in place (purple form in kitchen drawer)",
        "communication_needs": "Hard of hearing: face her and speak clearly",
        "goals": ["Stay living at home", "Walk to the corner shop"],
    }
    data.update(overrides)
    return data


def plan_for(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "service_user_id": p["id"], "version": 1,
        "goals": p["goals"],
        "tasks": [
            {"id": str(uuid.uuid4()), "visit_type": "morning", "category": "personal_care",
             "title": "Help with a wash and dressing", "instructions": "She likes a strip wash.",
             "fluid": False},
            {"id": str(uuid.uuid4()), "visit_type": "morning", "category": "nutrition",
             "title": "Breakfast and a drink", "instructions": "Porridge with honey.",
             "fluid": False},
        ],
    }


def medicine_for(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "service_user_id": p["id"], "name": "Amlodipine",
        "form": "tablet", "strength": "5 mg", "dose": "1 tablet", "route": "oral",
        "times": ["08:00"], "support_level": "prompt", "time_critical": False,
        "window_minutes": 30, "prn": None, "controlled": False, "instructions": "",
        "start_date": "2026-01-01", "stop_date": None,
    }


def visit(worker_id: str, person_id: str, visit_type: str, start: datetime,
          minutes: int = 30) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "worker_id": worker_id, "service_user_id": person_id,
            "visit_type": visit_type, "start": start.isoformat(),
            "end": (start + timedelta(minutes=minutes)).isoformat()}


def _agency_with_staff(engine: Engine, tmp: Path, other_area: str) -> SmallAgency:
    """The tenant, Amira (Headingley), a second worker in `other_area` and one coordinator."""
    key_file = tmp / "escrow.key"
    tid = agency.init_tenant(engine, "Test Home Care", key_file, office_phone="0113 496 0000")
    wid = agency.add_worker(engine, tid, {"name": "Amira Khan", "area": "Headingley"})
    other = agency.add_worker(engine, tid, {"name": "Tom Baxter", "area": other_area})
    email = "office@example.org"
    agency.add_coordinator(engine, tid, "Sam Office", email, PASSWORD)
    return SmallAgency(tid, wid, other, email, [], [], key_file)


def small_agency(engine: Engine, tmp: Path, now: datetime | None = None) -> SmallAgency:
    now = now or datetime.now(UTC)
    staff = _agency_with_staff(engine, tmp, "Armley")
    tid, wid, other = staff.tenant_id, staff.worker_id, staff.other_worker_id
    people = [person(), person("Arthur Pennington", area="Kirkstall")]
    agency.add_people(engine, tid, people, [plan_for(p) for p in people],
                      [medicine_for(p) for p in people])
    # Started five minutes ago, but never before the agency's local midnight: a test run just
    # after midnight still finds the visit on the phone's "today".
    midnight = datetime.combine(now.astimezone(ZoneInfo("Europe/London")).date(), time.min,
                                ZoneInfo("Europe/London"))
    start = max(now.replace(microsecond=0) - timedelta(minutes=5), midnight.astimezone(UTC))
    visits = [
        visit(wid, people[0]["id"], "morning", start),
        visit(other, people[1]["id"], "morning", start + timedelta(hours=1)),
    ]
    agency.add_visits(engine, tid, visits)
    return replace(staff, people=people, visits=visits)


def code_for(engine: Engine, worker_id: str) -> str:
    return enrolment.issue_code(engine, worker_id, 60)


def medicines_for(p: dict[str, Any]) -> list[dict[str, Any]]:
    """A realistic medicines list: time-critical, prompted, PRN and a controlled PRN drug."""
    base = {"service_user_id": p["id"], "form": "tablet", "route": "oral", "window_minutes": 30,
            "prn": None, "controlled": False, "time_critical": False, "instructions": "",
            "start_date": "2026-01-01", "stop_date": None, "times": []}
    return [
        {**base, "id": str(uuid.uuid4()), "name": "Co-careldopa", "strength": "25mg/100mg",
         "dose": "1 tablet", "times": ["09:00", "13:00"], "support_level": "assist",
         "time_critical": True},
        {**base, "id": str(uuid.uuid4()), "name": "Lactulose", "strength": "3.35g/5ml",
         "form": "oral solution", "dose": "15ml", "times": ["09:00"],
         "support_level": "prompt"},
        {**base, "id": str(uuid.uuid4()), "name": "Paracetamol", "strength": "500mg",
         "dose": "2 tablets", "support_level": "assist",
         "prn": {"reason_hint": "Pain", "min_interval_hours": 4, "max_doses_24h": 4}},
        {**base, "id": str(uuid.uuid4()), "name": "Oramorph", "strength": "10mg/5ml",
         "form": "oral solution", "dose": "2.5ml", "support_level": "administer",
         "controlled": True,
         "prn": {"reason_hint": "Breakthrough pain", "min_interval_hours": 2,
                 "max_doses_24h": 6}},
    ]


def shared_person_agency(engine: Engine, tmp: Path, now: datetime) -> SmallAgency:
    """One person visited by two workers: a morning visit (worker) and lunch (other worker).

    The morning visit runs 09:00-09:30 local time on `now`'s local date, lunch 12:30-13:00
    (server retention is measured from the real clock, so use a recent date).
    Doses: Co-careldopa 09:00 and 13:00 (time-critical), Lactulose 09:00 (prompt),
    Paracetamol PRN (4 h apart, 4 a day), Oramorph PRN (controlled, 2 h apart, 6 a day).
    """
    staff = _agency_with_staff(engine, tmp, "Headingley")
    tid, wid, other = staff.tenant_id, staff.worker_id, staff.other_worker_id
    p = person()
    plan = plan_for(p)
    plan["tasks"].append({"id": str(uuid.uuid4()), "visit_type": "lunch",
                          "category": "nutrition", "title": "Lunch", "instructions": "",
                          "fluid": False})
    agency.add_people(engine, tid, [p], [plan], medicines_for(p))
    london = ZoneInfo("Europe/London")
    start = datetime.combine(now.astimezone(london).date(), time(9), london).astimezone(UTC)
    visits = [
        visit(wid, p["id"], "morning", start),
        visit(other, p["id"], "lunch", start + timedelta(hours=3, minutes=30)),
    ]
    agency.add_visits(engine, tid, visits)
    return replace(staff, people=[p], visits=visits)


def office_app(tmp: Path, database_url: str = "") -> FastAPI:
    """The office's HTTP app alone (no console, no monitors) over `database_url`, by default a
    fresh SQLite file under `tmp`; its escrow key is made under `tmp`."""
    return create_app(ServerSettings(
        database_url=database_url or f"sqlite:///{tmp / 's.sqlite'}",
        escrow_key_file=tmp / "k.key", run_monitors=False), with_console=False)
