"""The audit log for an agency's admins: who read or changed what, when; and its CSV export.

Only admins read it (server/roles.py). Entries name the office account (or, for a sign-in, the
address it came from), the action and the record's kind and id, never what the record holds.
The window is bounded (at most MAX_DAYS), newest first; exporting it is itself audited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, select

from server.errors import Forbidden, Invalid
from server.schema import audit_log, coordinators, workers
from server.services.audit import audit
from server.services.sign_in import Coordinator

MAX_DAYS = 366
SHOWN = 200  # entries on the screen; the export has every entry of the window
ADMINS_ONLY = "Only an admin can read the audit log."
ACTIONS = {"read_record": "Opened a record", "read_person": "Opened a person's record",
           "open_escalation_notes": "Opened an escalation's notes",
           "export_audit_log": "Exported the audit log", "signed_in": "Signed in",
           "signed_out": "Signed out", "session_expired": "Session expired",
           "sign_in_failed": "Sign-in failed"}
COLUMNS = ("at", "actor_kind", "actor_id", "actor", "action", "target_kind", "target_id")


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor_kind: str  # coordinator, worker, address, office
    actor_id: str
    actor: str  # the account's name, or the address a sign-in came from
    action: str
    target_kind: str
    target_id: str

    @property
    def action_words(self) -> str:
        return ACTIONS.get(self.action, self.action.replace("_", " ").capitalize())


def entries(engine: Engine, who: Coordinator, start: date, end: date, tz: ZoneInfo, *,
            target_id: str = "", limit: int | None = SHOWN) -> list[AuditEntry]:
    """The agency's entries on these local days, newest first (`target_id`: about one record)."""
    if not who.is_admin:
        raise Forbidden(ADMINS_ONLY)
    if start > end or (end - start).days + 1 > MAX_DAYS:
        raise Invalid(f"Choose a first day before the last, at most {MAX_DAYS} days apart.",
                      field="start")
    lo = datetime.combine(start, time.min, tz).astimezone(UTC).isoformat()
    hi = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC).isoformat()
    where = [audit_log.c.tenant_id == who.tenant_id, audit_log.c.at >= lo, audit_log.c.at < hi]
    if target_id.strip():
        where.append(audit_log.c.target_id == target_id.strip())
    query = select(audit_log).where(and_(*where)).order_by(audit_log.c.at.desc(),
                                                          audit_log.c.id.desc())
    with engine.begin() as conn:
        rows = conn.execute(query.limit(limit) if limit else query).mappings().all()
        ids = {r["actor_id"] for r in rows}
        names = dict(conn.execute(select(coordinators.c.id, coordinators.c.name).where(
            coordinators.c.tenant_id == who.tenant_id, coordinators.c.id.in_(ids))).all())
        names |= dict(conn.execute(select(workers.c.id, workers.c.name).where(
            workers.c.tenant_id == who.tenant_id, workers.c.id.in_(ids))).all())
    return [AuditEntry(r["at"], r["actor_kind"], r["actor_id"],
                       names.get(r["actor_id"], r["actor_id"]), r["action"], r["target_kind"],
                       r["target_id"]) for r in rows]


def export_csv(engine: Engine, who: Coordinator, start: date, end: date, tz: ZoneInfo,
               now: datetime) -> bytes:
    """Every entry of the window as CSV (UTF-8, a header row); the export is audited."""
    found = entries(engine, who, start, end, tz, limit=None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in found:
        writer.writerow([_cell(v) for v in (e.at, e.actor_kind, e.actor_id, e.actor, e.action,
                                             e.target_kind, e.target_id)])
    with engine.begin() as conn:
        audit(conn, who, "export_audit_log", "audit_log", f"{start}..{end}", now)
    return out.getvalue().encode()


def _cell(value: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
