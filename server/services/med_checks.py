"""The second check of a transcribed change, and a list's history of versions, for the office.

A change waits in the agency's "to check" queue until a coordinator other than its author
checks it against its source (then it comes into force and goes to the phones) or rejects it.
Each version shown opens sealed data, so each is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, func, select

from server import datakeys, med_versions
from server.clock import SYSTEM_CLOCK, Clock
from server.med_versions import Action, Source, State, Version
from server.schema import coordinators, list_versions
from server.services.audit import audit
from server.services.people import open_people
from server.services.sign_in import Coordinator

# What a change shows side by side, in this order.
SHOWN = (("name", "Medicine"), ("ingredient", "Active ingredient"), ("strength", "Strength"),
         ("form", "Form"), ("dose", "Dose"), ("route", "Route"), ("times", "Times"),
         ("support_level", "Support"), ("time_critical", "Time-critical"), ("prn", "As needed"),
         ("controlled", "Controlled drug"), ("covert", "Covert"),
         ("best_interests", "Best-interests decision"), ("start_date", "Start"),
         ("stop_date", "Stop"), ("instructions", "Instructions"), ("tasks", "Tasks"),
         ("frequency", "Frequency"), ("amount", "Amount"), ("course", "Course"),
         ("review_date", "Review date"), ("patch", "Patch"))


@dataclass(frozen=True)
class Difference:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionView:
    version: Version
    person_name: str
    author_name: str
    checker_name: str
    source_label: str
    differences: tuple[Difference, ...]  # against the version before it

    @property
    def title(self) -> str:
        return str(self.version.body.get("name") or "Care plan")


def to_check(engine: Engine, key: X25519PrivateKey, who: Coordinator,
             clock: Clock = SYSTEM_CLOCK) -> list[VersionView]:
    """The agency's changes waiting for a second check, oldest first."""
    now = clock.now()
    with engine.begin() as conn:
        datakeys.keys_for(conn, who.tenant_id, key)
        waiting = med_versions.waiting(conn, who.tenant_id)
        people = open_people(conn, who, {v.service_user_id for v in waiting}, now, key)
        earlier = {(v.entity, v.service_user_id): med_versions.history(
            conn, who.tenant_id, v.service_user_id, v.entity) for v in waiting}
        for v in waiting:
            audit(conn, who, "read_list_version", v.entity, v.entity_id, now)
        names = _names(conn, who)
    return [_view(v, people.get(v.service_user_id, {}).get("name", "(unknown)"), names,
                  earlier[(v.entity, v.service_user_id)]) for v in waiting]


def history(engine: Engine, key: X25519PrivateKey, who: Coordinator, service_user_id: str,
            entity: str = "medicine", clock: Clock = SYSTEM_CLOCK) -> list[VersionView]:
    """Every version of the person's list, newest first."""
    now = clock.now()
    with engine.begin() as conn:
        datakeys.keys_for(conn, who.tenant_id, key)
        person = open_people(conn, who, [service_user_id], now, key).get(service_user_id, {})
        versions = med_versions.history(conn, who.tenant_id, service_user_id, entity)
        for entity_id in sorted({v.entity_id for v in versions}):
            audit(conn, who, "read_list_version", entity, entity_id, now)
        names = _names(conn, who)
    views = [_view(v, person.get("name", "(unknown)"), names, versions) for v in versions]
    return sorted(views, key=lambda x: (x.version.authored_at, x.version.version),
                  reverse=True)


def to_check_count(engine: Engine, who: Coordinator) -> int:
    """How many changes wait for a second check (opens nothing sealed)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(list_versions).where(
            list_versions.c.tenant_id == who.tenant_id,
            list_versions.c.state == State.TO_CHECK.value)).scalar_one())


def check(engine: Engine, who: Coordinator, version_id: str,
          clock: Clock = SYSTEM_CLOCK) -> Version:
    now = clock.now()
    with engine.begin() as conn:
        v = med_versions.check(conn, who.tenant_id, who.id, version_id, now)
        audit(conn, who, "check_list_version", v.entity, v.entity_id, now)
    return v


def reject(engine: Engine, who: Coordinator, version_id: str, because: str,
           clock: Clock = SYSTEM_CLOCK) -> Version:
    now = clock.now()
    with engine.begin() as conn:
        v = med_versions.reject(conn, who.tenant_id, who.id, version_id, because, now)
        audit(conn, who, "reject_list_version", v.entity, v.entity_id, now)
    return v


def words(value: Any) -> str:
    """A body field as the office reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(x.get("title", x)) if isinstance(x, dict) else str(x)
                         for x in value)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {words(v)}" for k, v in value.items())
    return str(value)


def _view(v: Version, person_name: str, names: dict[str, str],
          versions: list[Version]) -> VersionView:
    before = _previous(v, versions)
    diffs = tuple(Difference(label, words(before.get(field)) if before else "—",
                             words(v.body.get(field)))
                  for field, label in SHOWN
                  if field in v.body or (before and field in before)
                  if before is None or _differs(before.get(field), v.body.get(field)))
    try:
        source = Source(v.source).label
    except ValueError:
        source = v.source
    return VersionView(v, person_name, names.get(v.author_id or "", "set-up"),
                       names.get(v.checked_by or "", ""), source, diffs)


def _differs(before: Any, after: Any) -> bool:
    # An absent flag and an unticked one say the same thing.
    return bool(before or after) and words(before) != words(after)


def _previous(v: Version, versions: list[Version]) -> dict[str, Any] | None:
    """The body of the checked version before `v` (None for a new entry)."""
    if v.action is Action.ADD:
        return None
    earlier = [x for x in versions if x.entity_id == v.entity_id and x.version < v.version
               and x.state is State.CHECKED]
    return max(earlier, key=lambda x: x.version).body if earlier else None


def _names(conn: Connection, who: Coordinator) -> dict[str, str]:
    return {r.id: r.name for r in conn.execute(select(coordinators.c.id, coordinators.c.name)
                                               .where(coordinators.c.tenant_id == who.tenant_id))}
