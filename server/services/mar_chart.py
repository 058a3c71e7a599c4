"""A person's MAR chart for the office: medicines × days × times with the stable outcome codes.

Built from the records' clear facts (codes and times) and the medicines list. Reasons, witnesses
and corrections are sealed, so building a chart opens those records — and, like every coordinator
read of a sealed record, each opening is written to the audit log in the same transaction.
A scheduled slot whose window has closed with no outcome recorded is listed as unrecorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, RowMapping, select

from server import datakeys, med_versions, sealing
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import NotFound
from server.escrow import EnvelopeDamaged, open_envelope
from server.schema import coordinators, medicines, records, service_users, workers
from server.services.audit import audit
from server.services.mar_versions import version_lines
from server.services.people import open_people
from server.services.sign_in import Coordinator, tenant_zone
from sync.codes import DoseEffect, DoseOutcome, Frequency, PatchSite, Weekday
from sync.schedule import due_between

# The stable code set printed on every chart (sync.codes: never renamed, old charts stay readable).
CODE_KEY: dict[str, str] = {o.value: o.label for o in DoseOutcome}
MARK_KEY = {"*": "corrected by an addendum (see notes)",
            "!": "time-critical dose outside its window (see notes)"}
DEFAULT_DAYS = 7
NOT_RECORDED = "not recorded"
REGULAR_WINDOW_MINUTES = 60  # a regular dose is recordable up to an hour after its time


@dataclass(frozen=True)
class Cell:
    code: str
    at: str  # local HH:MM of the actual time
    initials: str
    marks: str = ""
    note: int | None = None  # number in the chart's notes
    amount: str = ""  # the amount given ("2 tablet"), when recorded

    @property
    def text(self) -> str:
        given = f" {self.amount}" if self.amount else ""
        return f"{self.code}{self.marks}{given} {self.at} {self.initials}".strip()


@dataclass(frozen=True)
class Row:
    medicine_id: str
    medicine: str  # name and strength
    details: str  # dose, route, support level, special flags
    time: str  # "HH:MM", or "PRN"
    cells: Mapping[str, tuple[Cell, ...]] = field(default_factory=dict)  # ISO day -> cells
    unrecorded: frozenset[str] = frozenset()  # ISO days whose slot closed with no outcome

    def entries(self, day: date) -> tuple[Cell, ...]:
        return self.cells.get(day.isoformat(), ())

    def missing(self, day: date) -> bool:
        return day.isoformat() in self.unrecorded


@dataclass(frozen=True)
class MarChart:
    person_name: str
    date_of_birth: str
    allergies: str
    start: date
    days: tuple[date, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...]
    printed_by: str
    printed_at: str
    # Which version of each medicine was in force over the chart's days (mar_versions.py).
    versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Read:
    """What one audited transaction read for a chart."""

    person: Mapping[str, Any]
    meds: list[dict[str, Any]]
    names: dict[str, str]  # worker and coordinator ids -> names
    doses: Sequence[RowMapping]
    fixes: Sequence[RowMapping]
    opened: dict[str, Mapping[str, Any]]  # record id -> sealed content


def build_mar_chart(
    engine: Engine, key: X25519PrivateKey, who: Coordinator, service_user_id: str,
    start: date, days: int = DEFAULT_DAYS, clock: Clock = SYSTEM_CLOCK,
) -> MarChart:
    """The chart for `days` local days from `start` (audited, one row per record opened)."""
    tz = tenant_zone(engine, who.tenant_id)
    now = clock.now()
    span = tuple(start + timedelta(days=i) for i in range(days))
    lo = datetime.combine(start, time.min, tz).astimezone(UTC)
    hi = datetime.combine(start + timedelta(days=days), time.min, tz).astimezone(UTC)
    with engine.begin() as conn:
        read = _read(conn, key, who, service_user_id, (lo.isoformat(), hi.isoformat()), now)
        history = med_versions.history(conn, who.tenant_id, service_user_id)
        live = {r.id: r.version for r in conn.execute(
            select(medicines.c.id, medicines.c.version).where(
                medicines.c.tenant_id == who.tenant_id,
                medicines.c.service_user_id == service_user_id))}
    rows, notes = _fill(_rows(read.meds), read, tz)
    rows = [replace(r, details=f"{r.details} · version {live[r.medicine_id]}")
            if r.medicine_id in live else r for r in rows]
    rows = [_mark_unrecorded(row, read.meds, span, tz, now) for row in rows]
    person = read.person
    return MarChart(
        person_name=person["name"], date_of_birth=person.get("date_of_birth", ""),
        allergies=", ".join(person.get("allergies") or []) or "None recorded",
        start=start, days=span, rows=tuple(rows), notes=tuple(notes), printed_by=who.name,
        printed_at=now.astimezone(tz).strftime("%d %b %Y %H:%M"),
        versions=version_lines(history, read.meds, live, lo, hi, tz, read.names),
    )


def _read(conn: Connection, key: X25519PrivateKey, who: Coordinator, service_user_id: str,
          between: tuple[str, str], now: datetime) -> _Read:
    found = conn.execute(select(service_users.c.id).where(
        service_users.c.id == service_user_id,
        service_users.c.tenant_id == who.tenant_id)).scalar()
    if found is None:
        raise NotFound("No person with that id in your agency.")
    person = open_people(conn, who, [service_user_id], now, key).get(service_user_id)
    if person is None:
        raise NotFound("This person's record is damaged and cannot be shown.")
    # The medicines list is sealed like the person: opening it is a read, audited.
    keys = datakeys.keys_for(conn, who.tenant_id, key)
    meds = []
    for med in conn.execute(
        select(medicines.c.id, medicines.c.version, medicines.c.body)
        .where(medicines.c.service_user_id == service_user_id,
               medicines.c.tenant_id == who.tenant_id).order_by(medicines.c.id)):
        try:
            body = sealing.open_body(keys, who.tenant_id, "medicines", med.id, med.version,
                                     med.body)
        except sealing.EnvelopeDamaged:
            body = {"name": "(medicine record damaged)"}
        meds.append({**body, "id": med.id})
        audit(conn, who, "read_medicine", "medicine", med.id, now)
    names = {r.id: r.name for r in conn.execute(select(workers.c.id, workers.c.name).where(
        workers.c.tenant_id == who.tenant_id))}
    names |= {r.id: r.name for r in conn.execute(select(coordinators.c.id, coordinators.c.name)
                                                 .where(coordinators.c.tenant_id == who.tenant_id))}
    recs = conn.execute(
        select(records).where(records.c.tenant_id == who.tenant_id,
                              records.c.service_user_id == service_user_id,
                              records.c.kind.in_(["dose_outcome", "addendum", "dose_effect"]))
        .order_by(records.c.recorded_at, records.c.id)).mappings().all()
    doses = [r for r in recs if r["kind"] == "dose_outcome"
             and between[0] <= _dose_time(r["facts"]) < between[1]]
    dose_ids = {r["id"] for r in doses}
    fixes = [r for r in recs if r["kind"] == "addendum" and r["corrects"] in dose_ids
             or r["kind"] == "dose_effect"
             and (r["facts"] or {}).get("dose_record_id") in dose_ids]
    opened: dict[str, Mapping[str, Any]] = {}
    for r in [*doses, *fixes]:
        try:
            opened[r["id"]] = open_envelope(key, r["tenant_id"], "records", r["id"],
                                            r["version"], r["envelope"])
        except EnvelopeDamaged:
            opened[r["id"]] = {}
        audit(conn, who, "read_record", r["kind"], r["id"], now)
    return _Read(person, meds, names, doses, fixes, opened)


def _fill(rows: list[Row], read: _Read, tz: ZoneInfo) -> tuple[list[Row], list[str]]:
    """Each dose into its row's day, with its marks and numbered notes."""
    by_key = {(r.medicine_id, r.time): r for r in rows}
    # A patch every N hours has one row for its changing times.
    every = {m["id"]: _every_label(m) for m in read.meds if _every_label(m)}
    cells: dict[tuple[str, str], dict[str, list[Cell]]] = {}
    notes: list[str] = []
    for d in read.doses:
        facts = d["facts"]
        at = datetime.fromisoformat(facts["actual_at"]).astimezone(tz)
        scheduled = facts.get("scheduled_at")
        slot = datetime.fromisoformat(scheduled).astimezone(tz) if scheduled else at
        label = every.get(facts["medicine_id"]) or slot.strftime("%H:%M")
        row = by_key.get((facts["medicine_id"], label if scheduled else "PRN"))
        if row is None:
            continue  # a medicine taken off the list since: its doses stay in the records
        amount = read.opened[d["id"]].get("amount")
        cell = Cell(facts["outcome"], at.strftime("%H:%M"),
                    _initials(read.names.get(d["worker_id"])),
                    amount=f"{amount:g} {read.opened[d['id']].get('unit') or ''}".strip()
                    if isinstance(amount, int | float) else "")
        cell, said = _explain(cell, d, read, tz)
        if said:
            notes.append(f"{slot:%a %d %b} {row.time} {row.medicine}: {cell.code} — "
                         + "; ".join(said) + f" ({read.names.get(d['worker_id'], 'unknown')})")
            cell = replace(cell, note=len(notes))
        key = (row.medicine_id, row.time)
        cells.setdefault(key, {}).setdefault(slot.date().isoformat(), []).append(cell)
    filled = [replace(r, cells={day: tuple(cs) for day, cs in
                                cells.get((r.medicine_id, r.time), {}).items()})
              for r in rows]
    return filled, notes


def _explain(cell: Cell, dose: RowMapping, read: _Read, tz: ZoneInfo
             ) -> tuple[Cell, list[str]]:
    """The cell's marks and what its note says: window, reason, witness, patch site, the
    effect of an as-needed dose, corrections."""
    facts, content = dose["facts"], read.opened[dose["id"]]
    said: list[str] = []
    if facts.get("window"):
        cell = replace(cell, marks=cell.marks + "!")
        said.append(f"outside its time-critical window ({facts['window']})")
    if content.get("reason"):
        gave = facts["outcome"] in CODE_KEY and DoseOutcome(facts["outcome"]).counts_as_dose
        said.append(("reason for giving: " if gave else "") + str(content["reason"]))
    if content.get("witness"):
        said.append(f"witness: {content['witness']}")
    site = facts.get("patch_site")
    if site in PatchSite.__members__.values():
        said.append(f"patch applied: {PatchSite(site).label}"
                    + ("; old patch removed" if facts.get("old_patch_removed") else ""))
    for effect in (f for f in read.fixes if f["kind"] == "dose_effect"
                   and (f["facts"] or {}).get("dose_record_id") == dose["id"]):
        code = (effect["facts"] or {}).get("effect", "")
        words = DoseEffect(code).label if code in DoseEffect.__members__.values() else code
        text = read.opened[effect["id"]].get("text")
        when = datetime.fromisoformat(effect["recorded_at"]).astimezone(tz)
        said.append(f"effect: {words} (recorded {when:%H:%M} by "
                    f"{read.names.get(effect['worker_id'], 'unknown')})"
                    + (f": {text}" if text else ""))
    for fix in (f for f in read.fixes if f["corrects"] == dose["id"]):
        fc = read.opened[fix["id"]]
        new = (fix["facts"] or {}).get("outcome")
        said.append(f"corrected{' from ' + cell.code + ' to ' + new if new else ''} by "
                    f"{read.names.get(fix['worker_id'], 'the office')}: {fc.get('reason', '')}"
                    + (f" ({fc['text']})" if fc.get("text") else ""))
        cell = replace(cell, code=new or cell.code, marks="*" + cell.marks)
    return cell, said


def _mark_unrecorded(row: Row, meds: Sequence[Mapping[str, Any]], span: Sequence[date],
                     tz: ZoneInfo, now: datetime) -> Row:
    """Scheduled slots whose window has closed with nothing recorded, on days the medicine
    was on the list."""
    if row.time == "PRN":
        return row
    med = next(m for m in meds if m["id"] == row.medicine_id)
    window = timedelta(minutes=(med.get("window_minutes") or REGULAR_WINDOW_MINUTES)
                       if med.get("time_critical") else REGULAR_WINDOW_MINUTES)
    every = _every_label(med)
    missing = set()
    for day in span:
        lo = datetime.combine(day, time.min, tz)
        try:
            # Only days its frequency is due (a weekly medicine's other days are blank).
            due = due_between(med, lo, datetime.combine(day, time.max, tz), tz)
        except ValueError:
            continue
        slots = [at for at in due if every or at.astimezone(tz).strftime("%H:%M") == row.time]
        if slots and not row.entries(day) and slots[0] + window < now:
            missing.add(day.isoformat())
    return replace(row, unrecorded=frozenset(missing))


def _every_label(med: Mapping[str, Any]) -> str:
    """The time column of a medicine due every N hours ("every 72 h"), else ""."""
    freq = med.get("frequency") or {}
    return f"every {freq.get('every_hours')} h" if freq.get("kind") == Frequency.EVERY_HOURS \
        else ""


def _frequency_words(med: Mapping[str, Any]) -> str:
    """Weekly, given weekdays or every N days, as the chart's details say it ("" daily)."""
    freq = med.get("frequency") or {}
    days = ", ".join(Weekday(d).label for d in freq.get("days") or []
                     if d in Weekday.__members__.values())
    words = {Frequency.WEEKLY.value: f"ONCE A WEEK on {days}",
             Frequency.WEEKDAYS.value: f"on {days}",
             Frequency.EVERY_N_DAYS.value: f"every {freq.get('every_days')} days"}
    return words.get(str(freq.get("kind")), "")



def _rows(meds: list[dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    for m in sorted(meds, key=lambda m: (bool(m.get("prn")), m.get("name", ""))):
        flags = [m.get("dose", ""), m.get("route", ""), m.get("support_level", ""),
                 _frequency_words(m)]
        if m.get("time_critical"):
            flags.append(f"TIME-CRITICAL ±{m.get('window_minutes', 30)} min")
        if m.get("controlled"):
            flags.append("CONTROLLED DRUG: witness")
        if m.get("prn"):
            p = m["prn"]
            flags.append(f"PRN: min {p['min_interval_hours']:g} h apart, "
                         f"max {p['max_doses_24h']} in 24 h")
        details = " · ".join(f for f in flags if f)
        name = f"{m.get('name', '')} {m.get('strength', '')}".strip()
        for t in (m.get("times") or [_every_label(m) or "PRN"]):
            rows.append(Row(m["id"], name, details, t))
    return rows


def _dose_time(facts: dict[str, Any]) -> str:
    when = facts.get("scheduled_at") or facts.get("actual_at") or ""
    return datetime.fromisoformat(when).astimezone(UTC).isoformat() if when else ""


def _initials(name: str | None) -> str:
    return "".join(part[0] for part in (name or "?").split()[:3]).upper()
