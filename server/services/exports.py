"""CSV exports for the office: the visits and the MAR entries of a date range.

Every sealed record an export opens is a read, audited like the visit screen's, and only
records the reader may read are opened (server/roles.py, sync/kinds.py): anything else is
written as restricted. Each export is one audit row too. Cells that a spreadsheet would run as
a formula are written as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, RowMapping, select

from server import datakeys, sealing
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Invalid
from server.escrow import EnvelopeDamaged, open_envelope
from server.schema import medicines, records, visits, workers
from server.services.audit import audit
from server.services.day_board import visits_with_names
from server.services.people import open_people
from server.services.sign_in import Coordinator, tenant_zone
from server.services.visit_record import readable_ids
from sync.codes import DoseOutcome

MAX_DAYS = 92
RESTRICTED = "[restricted]"
VISIT_COLUMNS = ("date", "start", "end", "visit_type", "worker", "person", "status",
                 "checked_in", "checked_out", "tasks_recorded", "notes", "escalations")
MAR_COLUMNS = ("date", "scheduled", "given_at", "person", "medicine", "outcome",
               "outcome_label", "worker", "reason", "witness", "corrected_to")
_LABELS = {o.value: o.label for o in DoseOutcome}


def _span(first: date, last: date, tz: ZoneInfo) -> tuple[str, str]:
    if last < first:
        raise Invalid("The range must end on or after its first day.", field="last")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"Export at most {MAX_DAYS} days at a time.", field="last")
    lo = datetime.combine(first, time.min, tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time.min, tz).astimezone(UTC)
    return lo.isoformat(), hi.isoformat()


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(columns: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(columns)
    w.writerows([_safe(v) for v in row] for row in rows)
    return out.getvalue()


def _local(iso: str | None, tz: ZoneInfo, fmt: str = "%H:%M") -> str:
    return datetime.fromisoformat(iso).astimezone(tz).strftime(fmt) if iso else ""


def _open(conn: Connection, key: X25519PrivateKey, who: Coordinator,
          rows: list[RowMapping], now: datetime) -> dict[str, Mapping[str, Any] | None]:
    """Each record's content (None: not for this reader), every opening audited."""
    readable = readable_ids(conn, who, rows)
    out: dict[str, Mapping[str, Any] | None] = {}
    for r in rows:
        if r["id"] not in readable:
            out[r["id"]] = None
            continue
        try:
            out[r["id"]] = open_envelope(key, r["tenant_id"], "records", r["id"], r["version"],
                                         r["envelope"])
        except EnvelopeDamaged:
            out[r["id"]] = {}
        audit(conn, who, "read_record", r["kind"], r["id"], now)
    return out


def visits_csv(engine: Engine, key: X25519PrivateKey, who: Coordinator, first: date,
               last: date, clock: Clock = SYSTEM_CLOCK) -> str:
    """One line per visit starting in the range: times, worker, person, how far it got, the
    number of tasks recorded, and its notes and escalations ([restricted] where the reader
    may not read them)."""
    tz = tenant_zone(engine, who.tenant_id)
    lo, hi = _span(first, last, tz)
    now = clock.now()
    with engine.begin() as conn:
        vs = conn.execute(visits_with_names().where(
            visits.c.tenant_id == who.tenant_id, visits.c.start >= lo, visits.c.start < hi)
            .order_by(visits.c.start, workers.c.name)).mappings().all()
        recs = conn.execute(select(records).where(
            records.c.tenant_id == who.tenant_id,
            records.c.visit_id.in_([v["id"] for v in vs]),
            records.c.kind.in_(["check_in", "check_out", "task_outcome", "note",
                                "escalation"]))
            .order_by(records.c.recorded_at, records.c.id)).mappings().all()
        opened = _open(conn, key, who, [r for r in recs if r["kind"] in ("note", "escalation")],
                       now)
        people = open_people(conn, who, [v["service_user_id"] for v in vs], now, key)
        audit(conn, who, "export_visits_csv", "export", f"{first}/{last}", now)
    by_visit: dict[str, list[RowMapping]] = {}
    for r in recs:
        by_visit.setdefault(r["visit_id"], []).append(r)
    rows = []
    for v in vs:
        mine = by_visit.get(v["id"], [])
        marks = {r["kind"]: r["recorded_at"] for r in mine if r["kind"] in ("check_in",
                                                                            "check_out")}
        said = [_said(opened[r["id"]], "text") for r in mine if r["kind"] == "note"]
        raised = [_said(opened[r["id"]], "summary", (r["facts"] or {}).get("severity"))
                  for r in mine if r["kind"] == "escalation"]
        status = ("done" if "check_out" in marks else "in progress" if "check_in" in marks
                  else "not started")
        rows.append([_local(v["start"], tz, "%Y-%m-%d"), _local(v["start"], tz),
                     _local(v["end"], tz), v["visit_type"], v["worker_name"],
                     people.get(v["service_user_id"], {}).get("name", "(record damaged)"),
                     status, _local(marks.get("check_in"), tz),
                     _local(marks.get("check_out"), tz),
                     sum(1 for r in mine if r["kind"] == "task_outcome"), " | ".join(said),
                     " | ".join(raised)])
    return _csv(VISIT_COLUMNS, rows)


def _said(content: Mapping[str, Any] | None, field: str, severity: object = None) -> str:
    """What a record says in one cell; [restricted] when the reader may not read it."""
    if content is None:
        return RESTRICTED
    text = str(content.get(field, ""))
    return f"{str(severity).upper()}: {text}" if severity else text


def _medicine_names(conn: Connection, who: Coordinator, ids: set[str], now: datetime,
                    key: X25519PrivateKey) -> dict[str, str]:
    keys = datakeys.keys_for(conn, who.tenant_id, key)
    names: dict[str, str] = {}
    for m in conn.execute(select(medicines.c.id, medicines.c.version, medicines.c.body).where(
            medicines.c.tenant_id == who.tenant_id, medicines.c.id.in_(sorted(ids)))):
        try:
            body = sealing.open_body(keys, who.tenant_id, "medicines", m.id, m.version, m.body)
            names[m.id] = f"{body.get('name', '')} {body.get('strength', '')}".strip()
        except sealing.EnvelopeDamaged:
            names[m.id] = "(medicine record damaged)"
        audit(conn, who, "read_medicine", "medicine", m.id, now)
    return names


def mar_csv(engine: Engine, key: X25519PrivateKey, who: Coordinator, first: date,
            last: date, clock: Clock = SYSTEM_CLOCK) -> str:
    """One line per dose outcome due (or, for PRN, given) in the range, with its reason and
    witness when the reader may read them, and the outcome a correction changed it to."""
    tz = tenant_zone(engine, who.tenant_id)
    lo, hi = _span(first, last, tz)
    now = clock.now()
    # A dose is recorded near its time: a day either side finds every dose of the range.
    near = ((datetime.fromisoformat(lo) - timedelta(days=1)).isoformat(),
            (datetime.fromisoformat(hi) + timedelta(days=1)).isoformat())
    with engine.begin() as conn:
        doses = [r for r in conn.execute(select(records).where(
            records.c.tenant_id == who.tenant_id, records.c.kind == "dose_outcome",
            records.c.recorded_at >= near[0], records.c.recorded_at < near[1])).mappings()
            if lo <= _when(r["facts"]) < hi]
        fixes = conn.execute(select(records).where(
            records.c.tenant_id == who.tenant_id, records.c.kind == "addendum",
            records.c.corrects.in_([d["id"] for d in doses]))
            .order_by(records.c.recorded_at, records.c.id)).mappings().all()
        opened = _open(conn, key, who, doses, now)
        names = {r.id: r.name for r in conn.execute(select(workers.c.id, workers.c.name)
                                                    .where(workers.c.tenant_id == who.tenant_id))}
        meds = _medicine_names(conn, who, {str((d["facts"] or {}).get("medicine_id"))
                                           for d in doses}, now, key)
        people = open_people(conn, who, [d["service_user_id"] for d in doses], now, key)
        audit(conn, who, "export_mar_csv", "export", f"{first}/{last}", now)
    corrected = {f["corrects"]: (f["facts"] or {}).get("outcome") for f in fixes}
    rows = []
    for d in sorted(doses, key=lambda d: (_when(d["facts"]), d["id"])):
        f, content = d["facts"] or {}, opened[d["id"]]
        hidden = content is None
        rows.append([
            _local(_when(f), tz, "%Y-%m-%d"), _local(f.get("scheduled_at"), tz) or "PRN",
            _local(f.get("actual_at"), tz),
            people.get(d["service_user_id"], {}).get("name", "(record damaged)"),
            meds.get(str(f.get("medicine_id")), "(not on the list)"), f.get("outcome", ""),
            _LABELS.get(str(f.get("outcome")), ""), names.get(d["worker_id"], "unknown"),
            RESTRICTED if hidden else (content or {}).get("reason", ""),
            RESTRICTED if hidden else (content or {}).get("witness", ""),
            corrected.get(d["id"]) or ""])
    return _csv(MAR_COLUMNS, rows)


def _when(facts: Mapping[str, Any] | None) -> str:
    f = facts or {}
    when = f.get("scheduled_at") or f.get("actual_at") or ""
    return datetime.fromisoformat(when).astimezone(UTC).isoformat() if when else ""
