"""A person's care plan tasks for the office: read them (audited), and save an edited set of
tasks as a new version that, like a medicines change, waits for a second coordinator's check
(server/med_versions.py) before any phone's checklist changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, select

from server import datakeys, med_versions, sealing
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Invalid, NotFound
from server.med_versions import Action, State, Version
from server.schema import care_plans
from server.services.audit import audit
from server.services.people import open_people
from server.services.sign_in import Coordinator

# DOMAIN.md "Care plan and visit tasks"; `medication` is the task the eMAR answers.
CATEGORIES = {"personal_care": "Personal care", "nutrition": "Meals and drinks",
              "medication": "Medicines (see MAR)", "mobility": "Mobility",
              "domestic": "Domestic", "wellbeing": "Wellbeing"}
MAX_TEXT = 500


@dataclass(frozen=True)
class CarePlan:
    service_user_id: str
    person_name: str
    plan_id: str
    version: int
    body: dict[str, Any]
    waiting: Version | None  # an edit awaiting its check

    @property
    def tasks(self) -> list[dict[str, Any]]:
        return list(self.body.get("tasks") or [])

    @property
    def visit_types(self) -> list[str]:
        return sorted({str(t.get("visit_type")) for t in self.tasks if t.get("visit_type")})


def read_plan(engine: Engine, key: X25519PrivateKey, who: Coordinator, service_user_id: str,
              clock: Clock = SYSTEM_CLOCK) -> CarePlan:
    now = clock.now()
    with engine.begin() as conn:
        keys = datakeys.keys_for(conn, who.tenant_id, key)
        person = open_people(conn, who, [service_user_id], now, key).get(service_user_id)
        row = conn.execute(select(care_plans).where(
            care_plans.c.tenant_id == who.tenant_id,
            care_plans.c.service_user_id == service_user_id)
            .order_by(care_plans.c.version.desc()).limit(1)).first()
        if person is None or row is None:
            raise NotFound("No care plan for that person in your agency.")
        body = sealing.open_body(keys, who.tenant_id, "care_plans", row.id, row.version,
                                 row.body)
        audit(conn, who, "read_care_plan", "care_plan", row.id, now)
        waiting = next((v for v in med_versions.history(conn, who.tenant_id, service_user_id,
                                                        "care_plan")
                        if v.state is State.TO_CHECK), None)
    return CarePlan(service_user_id, person.get("name", ""), row.id, row.version, body,
                    waiting)


def task(raw: dict[str, Any]) -> dict[str, Any]:
    """A task as a coordinator typed it; errors name the box."""
    out: dict[str, Any] = {"id": str(raw.get("id") or uuid.uuid4())}
    for field, label in (("visit_type", "The visit"), ("title", "The task"),
                         ("instructions", "How she or he likes it done")):
        value = str(raw.get(field) or "").strip()
        if not value and field != "instructions":
            raise Invalid(f"{label} is needed.", field=field)
        if len(value) > MAX_TEXT:
            raise Invalid(f"{label} is too long (at most {MAX_TEXT} characters).", field=field)
        out[field] = value
    if raw.get("category") not in CATEGORIES:
        raise Invalid("Choose what kind of task it is.", field="category")
    out["category"] = raw["category"]
    out["fluid"] = bool(raw.get("fluid"))
    return out


def save_tasks(engine: Engine, key: X25519PrivateKey, who: Coordinator, service_user_id: str,
               tasks: list[dict[str, Any]], why: str, source: str,
               clock: Clock = SYSTEM_CLOCK) -> Version:
    """The edited tasks as a new version of the plan, waiting for a second check."""
    now = clock.now()
    plan = read_plan(engine, key, who, service_user_id, clock)
    checked = [task(t) for t in tasks]
    if [t["id"] for t in checked] == [t.get("id") for t in plan.tasks] and \
            checked == [task(t) for t in plan.tasks]:
        raise Invalid("Nothing has changed in the tasks.", field="tasks")
    with engine.begin() as conn:
        v = med_versions.propose(conn, who.tenant_id, who.id, "care_plan", plan.plan_id,
                                 service_user_id, Action.CHANGE,
                                 {**plan.body, "tasks": checked}, why, source, now)
        audit(conn, who, "change_care_plan", "care_plan", plan.plan_id, now)
    return v
