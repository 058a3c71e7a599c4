"""Controlled drugs: a running stock balance per medicine, like the CD register a home keeps.

The office records stock received and stock counted; each administration the phones sync
takes its amount off (the dose's recorded `amount`, else the number its dose text starts with,
else 1), and a correction to "not given" puts it back. The balance is checked at every step:
an administration that takes it below zero, or a count that differs from it, is a discrepancy
raised as an urgent medication escalation (once per register entry). After a count the balance
is what was counted, so one discrepancy is raised once and later steps are checked from the
count. A medicine's register starts at its first "received" entry; administrations before that
are not counted (no register was kept yet). Entries are appended only; the agency's clock row
is taken first, so entries from the console and from phones' pushes are written one at a time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from server import escalations, feed
from server.errors import Invalid, NotFound
from server.office_checks import medicine_bodies
from server.schema import cd_stock, medicines
from sync import codes
from sync.protocol import PushedRecord

RECEIVED, GIVEN, COUNTED = "received", "given", "counted"
CORRECTED = "corrected"  # an administration corrected to "not given": its amount put back
LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)")
MAX_QUANTITY = 100_000.0


@dataclass(frozen=True)
class Entry:
    at: str
    kind: str  # received, given, counted, corrected
    quantity: float  # received, given or put back (positive), or what was counted
    balance: float  # after this entry
    expected: float | None  # a count: what the register said before it
    by_id: str


def receive(conn: Connection, tenant_id: str, coordinator_id: str, medicine_id: str,
            quantity: float, now: datetime) -> Entry:
    """Stock received into the person's home (a delivery from the pharmacy)."""
    _controlled(conn, tenant_id, medicine_id)
    amount = _quantity(quantity, "quantity")
    feed.lock_clock(conn, tenant_id)
    before = _last(conn, tenant_id, medicine_id)
    return _append(conn, tenant_id, medicine_id, now, RECEIVED, amount,
                   (before.balance if before else 0.0) + amount, None, coordinator_id)


def count(conn: Connection, tenant_id: str, coordinator_id: str, medicine_id: str,
          counted: float, now: datetime) -> Entry:
    """A stock check: what is really there. A difference is escalated."""
    su = _controlled(conn, tenant_id, medicine_id)
    amount = _quantity(counted, "counted", allow_zero=True)
    feed.lock_clock(conn, tenant_id)
    before = _last(conn, tenant_id, medicine_id)
    if before is None:
        raise Invalid("Record the stock received before counting it.", field="counted")
    entry = _append(conn, tenant_id, medicine_id, now, COUNTED, amount, amount,
                    before.balance, coordinator_id)
    if not math.isclose(amount, before.balance, abs_tol=1e-6):
        _escalate(conn, tenant_id, medicine_id, su, entry, None, None, now)
    return entry


def from_records(conn: Connection, tenant_id: str, worker_id: str,
                 stored: Iterable[PushedRecord], now: datetime) -> None:
    """Take each synced administration of a controlled drug off its balance (same transaction
    as storing the records); a balance below zero is escalated."""
    _undo_corrected(conn, tenant_id, worker_id, stored, now)
    given = [r for r in stored if r.kind == "dose_outcome" and r.facts.get("controlled")
             and _counts(r.facts.get("outcome"))]
    if not given:
        return
    bodies = medicine_bodies(conn, tenant_id, medicines.c.id.in_(
        sorted({str(r.facts.get("medicine_id")) for r in given})))
    for r in given:
        medicine_id = str(r.facts.get("medicine_id"))
        before = _last(conn, tenant_id, medicine_id)
        if before is None or medicine_id not in bodies or _done(conn, tenant_id, r.id):
            continue  # no register kept yet, not ours, or this dose is already entered
        amount = _amount(r.facts, bodies[medicine_id])
        entry = _append(conn, tenant_id, medicine_id, now, GIVEN, amount,
                        before.balance - amount, None, worker_id, record_id=r.id)
        if entry.balance < -1e-6:
            _escalate(conn, tenant_id, medicine_id, r.service_user_id, entry, worker_id,
                      r.visit_id, now)


def _undo_corrected(conn: Connection, tenant_id: str, worker_id: str,
                    stored: Iterable[PushedRecord], now: datetime) -> None:
    """A correction saying an administration was not given after all puts its amount back
    (a new entry: the register is never rewritten)."""
    for r in stored:
        if r.kind != "addendum" or not r.corrects or \
                r.facts.get("corrects_kind") != "dose_outcome" or \
                not r.facts.get("outcome") or _counts(r.facts.get("outcome")):
            continue
        taken = conn.execute(select(cd_stock).where(
            cd_stock.c.tenant_id == tenant_id, cd_stock.c.record_id == r.corrects,
            cd_stock.c.kind == GIVEN)).first()
        if taken is None or _done(conn, tenant_id, r.id):
            continue
        before = _last(conn, tenant_id, taken.medicine_id)
        balance = (before.balance if before else 0.0) + float(taken.quantity)
        _append(conn, tenant_id, taken.medicine_id, now, CORRECTED, float(taken.quantity),
                balance, None, worker_id, record_id=r.id)


def register(conn: Connection, tenant_id: str, medicine_id: str) -> list[Entry]:
    """The medicine's register, oldest first."""
    return [_entry(r) for r in conn.execute(select(cd_stock).where(
        cd_stock.c.tenant_id == tenant_id, cd_stock.c.medicine_id == medicine_id)
        .order_by(cd_stock.c.n))]


def balances(conn: Connection, tenant_id: str, medicine_ids: Iterable[str]) -> dict[str, float]:
    out = {}
    for mid in medicine_ids:
        last = _last(conn, tenant_id, mid)
        if last is not None:
            out[mid] = last.balance
    return out


def _amount(facts: dict[str, Any], body: dict[str, Any]) -> float:
    given = facts.get("amount")
    if isinstance(given, int | float) and not isinstance(given, bool) and given > 0:
        return float(given)
    found = LEADING_NUMBER.match(str(body.get("dose") or ""))
    return float(found.group(1)) if found else 1.0


def _counts(outcome: object) -> bool:
    try:
        return codes.DoseOutcome(str(outcome)).counts_as_dose
    except ValueError:
        return False


def _quantity(value: float, field: str, allow_zero: bool = False) -> float:
    try:
        n = float(value)
    except (TypeError, ValueError):
        raise Invalid("Give the quantity as a number.", field=field) from None
    if not math.isfinite(n) or n < 0 or (n == 0 and not allow_zero) or n > MAX_QUANTITY:
        raise Invalid("Give a quantity above zero (tablets, ml, patches ...).", field=field)
    return n


def _controlled(conn: Connection, tenant_id: str, medicine_id: str) -> str:
    """The person the controlled medicine belongs to (only controlled drugs keep a register)."""
    bodies = medicine_bodies(conn, tenant_id, medicines.c.id == medicine_id)
    if medicine_id not in bodies:
        raise NotFound("No such medicine in this agency.")
    if not bodies[medicine_id].get("controlled"):
        raise Invalid("Only controlled drugs keep a stock register.", field="medicine")
    return str(conn.execute(select(medicines.c.service_user_id).where(
        medicines.c.tenant_id == tenant_id, medicines.c.id == medicine_id)).scalar_one())


def _last(conn: Connection, tenant_id: str, medicine_id: str) -> Entry | None:
    row = conn.execute(select(cd_stock).where(
        cd_stock.c.tenant_id == tenant_id, cd_stock.c.medicine_id == medicine_id)
        .order_by(cd_stock.c.n.desc()).limit(1)).first()
    return None if row is None else _entry(row)


def _done(conn: Connection, tenant_id: str, record_id: str) -> bool:
    return conn.execute(select(cd_stock.c.n).where(
        cd_stock.c.tenant_id == tenant_id, cd_stock.c.record_id == record_id)).first() \
        is not None


def _append(conn: Connection, tenant_id: str, medicine_id: str, now: datetime, kind: str,
            quantity: float, balance: float, expected: float | None, by_id: str,
            record_id: str | None = None) -> Entry:
    conn.execute(insert(cd_stock).values(
        tenant_id=tenant_id, medicine_id=medicine_id, at=now.isoformat(), kind=kind,
        quantity=quantity, balance=balance, expected=expected, by_id=by_id,
        record_id=record_id))
    return Entry(now.isoformat(), kind, quantity, balance, expected, by_id)


def _entry(r: Any) -> Entry:
    return Entry(r.at, r.kind, float(r.quantity), float(r.balance),
                 None if r.expected is None else float(r.expected), r.by_id)


def _escalate(conn: Connection, tenant_id: str, medicine_id: str, service_user_id: str | None,
              entry: Entry, worker_id: str | None, visit_id: str | None,
              now: datetime) -> None:
    n = conn.execute(select(cd_stock.c.n).where(
        cd_stock.c.tenant_id == tenant_id, cd_stock.c.medicine_id == medicine_id)
        .order_by(cd_stock.c.n.desc()).limit(1)).scalar_one()
    escalations.raise_escalation(
        conn, tenant_id, dedupe_key=f"cd_stock:{medicine_id}:{n}",
        type_=codes.EscalationType.MEDICATION.value, severity=codes.Severity.URGENT.value,
        raised_at=now, received_at=now, actor_kind="office", actor_id="office_check",
        worker_id=worker_id, service_user_id=service_user_id, visit_id=visit_id,
        office_check=codes.OfficeCheck.CD_STOCK.value,
        detail={"check": codes.OfficeCheck.CD_STOCK.value, "medicine_id": medicine_id,
                "kind": entry.kind, "balance": entry.balance, "expected": entry.expected,
                # An administration names its dose (the board shows medicine and time).
                **({"dose_at": entry.at} if entry.kind == GIVEN else {})})
