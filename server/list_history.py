"""Reading the versions of medicines lists and care plans (server/med_versions.py writes them):
a list's history, the agency's "to check" queue, and the version in force at a given time.

Kept apart from the writing side so the office-side checks can ask which version applied to a
dose without depending on the feed and the rota.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from server import datakeys, sealing
from server.errors import Invalid, NotFound
from server.schema import list_versions
from sync.codes import Code

SEALED_AS = "list_versions"
ENTITIES = ("medicine", "care_plan")


class Action(Code):
    SET_UP = "set_up", "Set up"  # the version that was there before versioning began
    ADD = "add", "Added"
    CHANGE = "change", "Changed"
    STOP = "stop", "Stopped"


class State(Code):
    TO_CHECK = "to_check", "Waiting for a second check"
    CHECKED = "checked"
    REJECTED = "rejected", "Rejected at the check"


class Source(Code):
    """Where a transcribed change came from (shown on the history and the MAR chart)."""

    GP_LETTER = "gp_letter", "GP letter"
    DISCHARGE_SUMMARY = "discharge_summary", "Hospital discharge summary"
    PRESCRIPTION = "prescription"
    PHARMACY = "pharmacy", "Pharmacy (dispensing label)"
    CLINICIAN = "clinician_instruction", "Clinician's instruction"
    OTHER = "other"


@dataclass(frozen=True)
class Version:
    id: str
    entity: str
    entity_id: str
    service_user_id: str
    version: int
    action: Action
    state: State
    author_id: str | None
    authored_at: str
    checked_by: str | None
    checked_at: str | None
    in_force_from: str | None
    body: dict[str, Any]
    why: str
    source: str
    override: str  # why an allergy warning was overridden ("" when there was none)
    rejected_because: str


def get(conn: Connection, tenant_id: str, version_id: str) -> Version:
    found = _versions(conn, tenant_id, list_versions.c.id == version_id)
    if not found:
        raise NotFound("No such change.")
    return found[0]


def history(conn: Connection, tenant_id: str, service_user_id: str,
            entity: str = "medicine") -> list[Version]:
    """Every version of the person's list, oldest first (each entity's in version order)."""
    if entity not in ENTITIES:
        raise Invalid("Only medicines and care plans are versioned.", field="entity")
    return _versions(conn, tenant_id, list_versions.c.service_user_id == service_user_id,
                     list_versions.c.entity == entity)


def waiting(conn: Connection, tenant_id: str) -> list[Version]:
    """The agency's "to check" queue, oldest first."""
    return _versions(conn, tenant_id, list_versions.c.state == State.TO_CHECK.value)


def in_force(versions: list[Version], entity_id: str, at: datetime) -> Version | None:
    """The checked version of an entity in force at `at`; None when it has no version history
    (set up before versioning: the live row is its only version) or none was in force yet."""
    chosen: Version | None = None
    for v in versions:
        if v.entity_id != entity_id or v.state is not State.CHECKED or v.in_force_from is None:
            continue
        # A set-up version ("" in force from) was there from the start.
        if (v.in_force_from == "" or datetime.fromisoformat(v.in_force_from) <= at) and (
                chosen is None or v.version > chosen.version):
            chosen = v
    return chosen


def _versions(conn: Connection, tenant_id: str, *where: Any) -> list[Version]:
    rows = conn.execute(select(list_versions).where(list_versions.c.tenant_id == tenant_id,
                                                    *where)
                        .order_by(list_versions.c.entity_id, list_versions.c.version)).all()
    if not rows:
        return []
    keys = datakeys.keys_for(conn, tenant_id)
    out = []
    for r in rows:
        p = sealing.open_body(keys, tenant_id, SEALED_AS, r.id, r.version, r.sealed)
        out.append(Version(
            id=r.id, entity=r.entity, entity_id=r.entity_id, service_user_id=r.service_user_id,
            version=r.version, action=Action(r.action), state=State(r.state),
            author_id=r.author_id, authored_at=r.authored_at, checked_by=r.checked_by,
            checked_at=r.checked_at, in_force_from=r.in_force_from, body=p["body"],
            why=p.get("why", ""), source=p.get("source", ""), override=p.get("override", ""),
            rejected_because=p.get("rejected_because", "")))
    return sorted(out, key=lambda v: (v.authored_at, v.entity_id, v.version))
