"""A realistic but entirely fictional demo agency, as plain JSON-able data (stdlib only).

``build_demo_agency(today)`` returns "Riverside Home Care (demo)": 5 care workers, 2 coordinators
(one is the safeguarding lead), 20 service users in five Leeds neighbourhoods, a care plan and a
medicines list (MAR) per person, and today's rota. The people, plans and medicines are data,
read from ``server/demo-agency/*.json`` (see its README); this module adds ids, dates and the
rota. Nothing here touches a database; the seeding code maps these dicts onto its own tables.

* Deterministic: the same ``(today, seed)`` gives the same output. Ids are ``uuid5`` of a fixed
  namespace and a stable key, so they do not depend on ``seed`` or ``today`` (visit ids include
  the visit's date, so each day's rota has its own ids).
* ``seed`` only nudges visit start times by -5, 0 or +5 minutes, per person and visit type.
  Commissioned call times are the same every day, as in a real home-care package.
* Times: visit ``start`` / ``end`` are ISO 8601 UTC strings (``+00:00``), converted from local
  times in ``tz`` with zoneinfo. Medicine ``times`` are local "HH:MM" ([] for PRN).
* ``build_rota(workers, service_users, care_plans, day, tz)`` makes the rota for any day.
  People are given to the workers of their own area (least loaded first); each worker's visits
  run in time order with at least 10 minutes' travel between them.

Worker 1, **Amira Khan**, is the README's demo identity: her rota includes time-critical doses
(Co-careldopa, insulin), PRN medicines (Paracetamol, Oramorph) and a controlled drug (Oramorph).
Coordinators sign in with ``DEMO_COORDINATOR_PASSWORD`` (demo only; never use it for real data).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sync.codes import Weekday

JSONDict = dict[str, Any]

__all__ = [
    "DEMO_COORDINATOR_PASSWORD",
    "DEMO_NAMESPACE",
    "DEMO_WORKER_NAME",
    "DemoAgency",
    "build_demo_agency",
    "build_rota",
    "demo_id",
    "local_to_utc",
]

DEMO_COORDINATOR_PASSWORD = "demo-office-2026"  # noqa: S105  (published demo credential)
DEMO_WORKER_NAME = "Amira Khan"  # worker 1 in demo-agency/agency.json (a test checks)
DEMO_NAMESPACE = uuid.UUID("6f1c2a9e-4b7d-5e38-9a0c-d2e4f6a8b1c3")

VISIT_TYPES = ("morning", "lunch", "tea", "bed", "welfare")
TASK_CATEGORIES = ("personal_care", "nutrition", "medication", "mobility", "domestic", "wellbeing")
WINDOW_MINUTES = 30
TRAVEL_MINUTES = 10
DAY_START = dt.time(7, 0)
DAY_END = dt.time(22, 0)
# Used by build_rota when a plan has no visit_schedule: (local start, minutes).
DEFAULT_SLOTS: dict[str, tuple[str, int]] = {
    "morning": ("08:00", 45),
    "lunch": ("12:30", 30),
    "welfare": ("14:30", 15),
    "tea": ("17:00", 30),
    "bed": ("20:30", 30),
}


@functools.cache
def _text(name: str) -> str:
    return resources.files("server").joinpath("demo-agency", name).read_text(encoding="utf-8")


def _agency_data() -> JSONDict:
    """agency.json, parsed afresh: callers own (and may change) what they are given."""
    data: JSONDict = json.loads(_text("agency.json"))
    return data


def _people_data() -> list[JSONDict]:
    data: list[JSONDict] = json.loads(_text("people.json"))
    return data


def demo_id(key: str) -> str:
    """Deterministic UUID string for a stable key, e.g. ``demo_id("worker:w1")``."""
    return str(uuid.uuid5(DEMO_NAMESPACE, key))


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def local_to_utc(day: dt.date, hhmm: str | int, tz: str = "Europe/London") -> dt.datetime:
    """Wall-clock ``hhmm`` (or minutes after local midnight) on ``day`` in ``tz``, as UTC."""
    minutes = _minutes(hhmm) if isinstance(hhmm, str) else hhmm
    local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(tz))
    local += dt.timedelta(minutes=minutes)  # wall-clock arithmetic: stays "HH:MM local"
    return local.astimezone(dt.UTC)


@dataclass(frozen=True)
class DemoAgency:
    """The demo agency: plain JSON-able dicts, ready to seed a database or a test."""

    agency: JSONDict
    workers: list[JSONDict]
    coordinators: list[JSONDict]
    service_users: list[JSONDict]
    care_plans: list[JSONDict]
    medicines: list[JSONDict]
    visits: list[JSONDict]
    areas: list[str]
    today: str  # ISO date the rota in ``visits`` is for
    seed: int = 7

    def rota_for(self, day: dt.date) -> list[JSONDict]:
        """The rota for another ``day`` (same people, plans and call times; new visit ids)."""
        return build_rota(self.workers, self.service_users, self.care_plans, day,
                          self.agency["timezone"], seed=self.seed)

    def as_dict(self) -> JSONDict:
        return asdict(self)

    def worker(self, n: int) -> JSONDict:
        """Worker ``n`` counting from 1 (worker 1 is the README's demo identity)."""
        return self.workers[n - 1]


# ---------------------------------------------------------------------------------- people


def _agency(data: JSONDict, tz: str) -> JSONDict:
    return {
        "id": demo_id("agency:riverside"),
        "name": data["name"],
        "office_phone": data["office_phone"],
        "on_call_phone": data["on_call_phone"],
        "timezone": tz,
    }


def _identified(kind: str, row: JSONDict) -> JSONDict:
    """A staff row from the data file with its stable id in place of its key."""
    return {"id": demo_id(f"{kind}:{row['key']}"), **{k: v for k, v in row.items() if k != "key"}}


PERSON_FIELDS = (
    "name", "preferred_name", "date_of_birth", "address_line", "postcode", "area", "phone",
    "access_notes", "allergies", "dnacpr", "communication_needs", "next_of_kin", "risks",
    "goals", "normal_baseline",
)


def _service_user(row: JSONDict, agency: JSONDict) -> JSONDict:
    practice = agency["gp_practices"][row["area"]]
    person: JSONDict = {"id": demo_id(f"service_user:{row['key']}")}
    person.update({name: row[name] for name in PERSON_FIELDS})
    person["town"] = agency["town"]
    person["gp"] = {"name": row["gp_name"], "practice": practice["practice"],
                    "phone": practice["phone"]}
    return person


# ------------------------------------------------------------------------ plans and medicines


# Medicine fields passed through as they are (sync/medicine_body.py).
BODY_FIELDS = ("frequency", "course", "review_date", "amount", "ingredient", "min_gap_hours",
               "patch")


def _relative_fields(med: JSONDict, today: dt.date, tz: str) -> JSONDict:
    """Frequencies and per-date doses the data gives relative to "today" (docs/medication.md):
    `weekly_on_today` (a weekly medicine due today), `dose_mg_by_day` ({days from today: mg},
    a per-date dose), `patch_every_hours_due_today_at` (["HH:MM", hours]: a patch due today)."""
    out: JSONDict = {}
    if med.get("weekly_on_today"):
        out["frequency"] = {"kind": "weekly", "days": [list(Weekday)[today.weekday()].value]}
    if "dose_mg_by_day" in med:
        out["amount"] = {"kind": "per_date", "unit": "mg", "by_date": {
            (today + dt.timedelta(days=int(d))).isoformat(): mg
            for d, mg in med["dose_mg_by_day"].items()}}
    if "patch_every_hours_due_today_at" in med:
        at, hours = med["patch_every_hours_due_today_at"]
        first = local_to_utc(today, at, tz) - dt.timedelta(hours=hours)
        out["frequency"] = {"kind": "every_hours", "every_hours": hours,
                            "first_at": first.isoformat()}
        out["patch"] = {}
    return out


def _medicines(row: JSONDict, today: dt.date, tz: str = "Europe/London") -> list[JSONDict]:
    out: list[JSONDict] = []
    for n, med in enumerate(row["medicines"], start=1):
        start = today - dt.timedelta(days=med["started_days_ago"])
        course = med.get("course_days")
        stop = None if course is None else (start + dt.timedelta(days=course)).isoformat()
        out.append({
            "id": demo_id(f"medicine:{row['key']}:{n}"),
            "service_user_id": demo_id(f"service_user:{row['key']}"),
            "name": med["name"],
            "form": med["form"],
            "strength": med["strength"],
            "dose": med["dose"],
            "route": med["route"],
            "times": list(med["times"]),
            "support_level": med["support_level"],
            "time_critical": bool(med.get("time_critical", False)),
            "window_minutes": WINDOW_MINUTES,
            "prn": med.get("prn"),
            "controlled": bool(med.get("controlled", False)),
            "instructions": med["instructions"],
            "start_date": start.isoformat(),
            "stop_date": stop,
            **{k: med[k] for k in BODY_FIELDS if k in med},
            **_relative_fields(med, today, tz),
        })
    return out


def _doses_due(meds: list[JSONDict], start: str, minutes: int) -> list[str]:
    """Scheduled doses that fall within a visit (give or take the medicine's window)."""
    lo, hi = _minutes(start) - WINDOW_MINUTES, _minutes(start) + minutes + WINDOW_MINUTES
    due: list[str] = []
    for med in meds:
        # A weekly medicine's task says its day: the plan's tasks are the same every day.
        freq = med.get("frequency") or {}
        when = f" ({Weekday(freq['days'][0]).label}s only)" \
            if freq.get("kind") == "weekly" else ""
        for t in med["times"]:
            if lo <= _minutes(t) <= hi:
                due.append(f"{med['name']} {t}{when}" + (" (time-critical)"
                                                          if med["time_critical"] else ""))
    return due


def _care_plan(row: JSONDict, meds: list[JSONDict], today: dt.date) -> JSONDict:
    key = row["key"]
    they = row["pronoun"]
    tasks: list[JSONDict] = []
    for slot in row["visit_schedule"]:
        visit_type, start, minutes = slot["visit_type"], slot["start"], slot["duration_minutes"]
        items = [(t["category"], t["title"], t["instructions"], False)
                 for t in row["tasks"][visit_type]]
        due = _doses_due(meds, start, minutes)
        if due:
            critical = any("time-critical" in d for d in due)
            items.append(("medication", "Medicines due (see MAR)",
                          "Support with: " + "; ".join(due) + ". Record an outcome for every "
                          "dose." + (" Time-critical: within 30 minutes of the time."
                                     if critical else ""), False))
        items.append(("nutrition", "Drink offered and taken (ml)",
                      f"Offer a drink: {row['drinks']}. Record how much {they} drank in ml "
                      "and leave a drink within reach.", True))
        items.append(("domestic", "Leave home safe and secure",
                      "Hob and heaters off, doors locked, key back in the key safe with the "
                      "code scrambled; pendant alarm and phone within reach.", False))
        for n, (category, title, instructions, fluid) in enumerate(items, start=1):
            tasks.append({
                "id": demo_id(f"task:{key}:{visit_type}:{n}"),
                "visit_type": visit_type,
                "category": category,
                "title": title,
                "instructions": instructions,
                "fluid": fluid,
            })
    return {
        "id": demo_id(f"care_plan:{key}:v1"),
        "service_user_id": demo_id(f"service_user:{key}"),
        "version": 1,
        "effective_from": (today - dt.timedelta(days=14)).isoformat(),
        "summary": row["plan_summary"],
        "visit_schedule": [dict(slot) for slot in row["visit_schedule"]],
        "tasks": tasks,
    }


# ------------------------------------------------------------------------------------- rota


def _jitter(seed: int, service_user_id: str, visit_type: str) -> int:
    digest = hashlib.sha256(f"{seed}|{service_user_id}|{visit_type}".encode()).digest()
    return (digest[0] % 3 - 1) * 5


def _plan_slots(plan: JSONDict) -> list[tuple[str, int, int]]:
    """(visit_type, local start minutes, duration) for each commissioned visit in a plan."""
    schedule = plan.get("visit_schedule")
    if schedule:
        return [(s["visit_type"], _minutes(s["start"]), int(s["duration_minutes"]))
                for s in schedule]
    types = sorted({t["visit_type"] for t in plan.get("tasks", [])},
                   key=lambda vt: _minutes(DEFAULT_SLOTS.get(vt, ("12:00", 30))[0]))
    return [(vt, _minutes(DEFAULT_SLOTS.get(vt, ("12:00", 30))[0]),
             DEFAULT_SLOTS.get(vt, ("12:00", 30))[1]) for vt in types]


def build_rota(
    workers: Sequence[JSONDict],
    service_users: Sequence[JSONDict],
    care_plans: Sequence[JSONDict],
    day: dt.date,
    tz: str = "Europe/London",
    *,
    seed: int = 7,
) -> list[JSONDict]:
    """One day's visits: every commissioned visit in every plan, given to a worker.

    Each person goes to the least-loaded worker in their ``area`` (any worker if none works
    there). A worker's visits run in time order, pushed later where needed so there are
    ``TRAVEL_MINUTES`` between them. Visit ids are ``uuid5`` of person, visit type and date.
    Sorted by worker (input order) then start.
    """
    if not workers:
        return []
    plans = {p["service_user_id"]: p for p in care_plans}
    load = {w["id"]: 0 for w in workers}
    entries: dict[str, list[tuple[int, int, int, str, str]]] = {w["id"]: [] for w in workers}
    for order, su in enumerate(service_users):
        plan = plans.get(su["id"])
        if plan is None:
            continue
        slots = _plan_slots(plan)
        candidates = [w for w in workers if w.get("area") == su.get("area")] or list(workers)
        worker_id = min(candidates, key=lambda w: load[w["id"]])["id"]
        load[worker_id] += len(slots)
        for visit_type, start, minutes in slots:
            start += _jitter(seed, su["id"], visit_type)
            entries[worker_id].append((start, order, minutes, su["id"], visit_type))

    visits: list[JSONDict] = []
    for w in workers:
        free_from: int | None = None
        for start, _order, minutes, su_id, visit_type in sorted(entries[w["id"]]):
            if free_from is not None:
                start = max(start, free_from + TRAVEL_MINUTES)
            free_from = start + minutes
            visits.append({
                "id": demo_id(f"visit:{su_id}:{visit_type}:{day.isoformat()}"),
                "worker_id": w["id"],
                "service_user_id": su_id,
                "visit_type": visit_type,
                "start": local_to_utc(day, start, tz).isoformat(),
                "end": local_to_utc(day, start + minutes, tz).isoformat(),
            })
    return visits


# ------------------------------------------------------------------------------------ build


def build_demo_agency(today: dt.date, tz: str = "Europe/London", seed: int = 7) -> DemoAgency:
    """The whole fictional agency, with the rota for ``today`` (local day in ``tz``)."""
    ZoneInfo(tz)  # fail fast on an unknown zone
    data = _agency_data()
    workers = [_identified("worker", w) for w in data["workers"]]
    service_users: list[JSONDict] = []
    care_plans: list[JSONDict] = []
    medicines: list[JSONDict] = []
    for row in _people_data():
        service_users.append(_service_user(row, data))
        meds = _medicines(row, today, tz)
        medicines.extend(meds)
        care_plans.append(_care_plan(row, meds, today))
    return DemoAgency(
        agency=_agency(data, tz),
        workers=workers,
        coordinators=[_identified("coordinator", c) for c in data["coordinators"]],
        service_users=service_users,
        care_plans=care_plans,
        medicines=medicines,
        visits=build_rota(workers, service_users, care_plans, today, tz, seed=seed),
        areas=[a["area"] for a in data["areas"]],
        today=today.isoformat(),
        seed=seed,
    )
