"""A person's medicines list for the office: read it (audited), add, change or stop a
medicine as a new version awaiting a second coordinator's check, and the "needs review" mark.

Each use case is one transaction; every opening of sealed data writes an audit row, and every
change too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, select

from server import allergies, cd_stock, datakeys, med_form, med_review, med_versions, sealing
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Invalid, NotFound
from server.med_versions import Action, State, Version
from server.schema import medicines
from server.services.audit import audit
from server.services.people import open_people
from server.services.sign_in import Coordinator


@dataclass(frozen=True)
class Entry:
    id: str
    version: int
    body: dict[str, Any]
    waiting: Version | None  # a change to it awaiting its check

    def stopped(self, today: date) -> bool:
        return bool(self.body.get("stop_date")) and str(self.body["stop_date"]) < \
            today.isoformat()


@dataclass(frozen=True)
class MedicinesList:
    service_user_id: str
    person_name: str
    allergies: tuple[str, ...]
    review: med_review.Review | None
    entries: tuple[Entry, ...]  # checked medicines, by name
    added: tuple[Version, ...]  # new medicines awaiting their check
    stock: dict[str, float]  # controlled drugs' running balances, by medicine id


class AllergyWarning(Invalid):
    """The new medicine may set off a recorded allergy: refused unless overridden with a
    reason (the message names the allergy, which the coordinator is allowed to see)."""

    code = "allergy_warning"

    def __init__(self, found: list[allergies.AllergyMatch]) -> None:
        said = "; ".join(f"{m.allergy} ({m.because})" for m in found)
        super().__init__(f"Allergy warning: {said}. Give a reason to add it anyway.",
                         field="override")
        self.found = found


def read_list(engine: Engine, key: X25519PrivateKey, who: Coordinator, service_user_id: str,
              clock: Clock = SYSTEM_CLOCK) -> MedicinesList:
    now = clock.now()
    with engine.begin() as conn:
        person = _person(conn, key, who, service_user_id, now)
        live = _live_bodies(conn, who, service_user_id, now)
        versions = med_versions.history(conn, who.tenant_id, service_user_id)
        review = med_review.current(conn, who.tenant_id, service_user_id)
        stock = cd_stock.balances(conn, who.tenant_id, [
            mid for mid, (_v, body) in live.items() if body.get("controlled")])
    waiting = {v.entity_id: v for v in versions if v.state is State.TO_CHECK}
    entries = tuple(sorted(
        (Entry(mid, version, body, waiting.get(mid)) for mid, (version, body) in live.items()),
        key=lambda e: (str(e.body.get("name", "")).casefold(), e.id)))
    added = tuple(v for v in waiting.values() if v.entity_id not in live)
    return MedicinesList(service_user_id, person.get("name", ""),
                         tuple(person.get("allergies") or ()), review, entries, added, stock)


def add_medicine(engine: Engine, key: X25519PrivateKey, who: Coordinator, service_user_id: str,
                 raw: dict[str, Any], why: str, source: str, override: str = "",
                 clock: Clock = SYSTEM_CLOCK) -> Version:
    """A new medicine, waiting for its check; refused on an allergy match unless `override`
    says why it is right to add it."""
    now = clock.now()
    body = med_form.medicine_body(raw)
    with engine.begin() as conn:
        person = _person(conn, key, who, service_user_id, now)
        _allergy_check(person, body, override)
        v = med_versions.propose(conn, who.tenant_id, who.id, "medicine", str(uuid.uuid4()),
                                 service_user_id, Action.ADD, body, why, source, now, override)
        audit(conn, who, "add_medicine", "medicine", v.entity_id, now)
    return v


def change_medicine(engine: Engine, key: X25519PrivateKey, who: Coordinator,
                    service_user_id: str, medicine_id: str, raw: dict[str, Any], why: str,
                    source: str, override: str = "", clock: Clock = SYSTEM_CLOCK) -> Version:
    now = clock.now()
    with engine.begin() as conn:
        person = _person(conn, key, who, service_user_id, now)
        before = _live_bodies(conn, who, service_user_id, now, medicine_id).get(medicine_id)
        if before is None:
            raise NotFound("No such medicine on this person's list.")
        body = med_form.medicine_body(raw, before[1])
        if (body["name"], med_form.ingredient_name(body)) != (
                before[1].get("name"), med_form.ingredient_name(before[1])):
            _allergy_check(person, body, override)
        v = med_versions.propose(conn, who.tenant_id, who.id, "medicine", medicine_id,
                                 service_user_id, Action.CHANGE, body, why, source, now,
                                 override)
        audit(conn, who, "change_medicine", "medicine", medicine_id, now)
    return v


def stop_medicine(engine: Engine, key: X25519PrivateKey, who: Coordinator,
                  service_user_id: str, medicine_id: str, stop_on: str, why: str, source: str,
                  clock: Clock = SYSTEM_CLOCK) -> Version:
    """Stop a medicine from a date (its last day); the entry and its history stay."""
    now = clock.now()
    try:
        last = date.fromisoformat(stop_on.strip()).isoformat()
    except ValueError:
        raise Invalid("The stop date must be a date like 2026-03-31.",
                      field="stop_date") from None
    with engine.begin() as conn:
        _person(conn, key, who, service_user_id, now)
        before = _live_bodies(conn, who, service_user_id, now, medicine_id).get(medicine_id)
        if before is None:
            raise NotFound("No such medicine on this person's list.")
        if last < str(before[1].get("start_date") or ""):
            raise Invalid("The stop date is before the medicine started.", field="stop_date")
        body = {**before[1], "stop_date": last}
        v = med_versions.propose(conn, who.tenant_id, who.id, "medicine", medicine_id,
                                 service_user_id, Action.STOP, body, why, source, now)
        audit(conn, who, "stop_medicine", "medicine", medicine_id, now)
    return v


def set_dose_for_date(engine: Engine, key: X25519PrivateKey, who: Coordinator,
                      service_user_id: str, medicine_id: str, day: str, amount: str, why: str,
                      source: str, clock: Clock = SYSTEM_CLOCK) -> Version:
    """A clinician's dose for one date (warfarin by INR, insulin units), entered by the office
    into a per-date medicine: a new version, checked like any transcription."""
    now = clock.now()
    try:
        on = date.fromisoformat(day.strip()).isoformat()
    except ValueError:
        raise Invalid("The date must be like 2026-03-31.", field="dose_date") from None
    try:
        value = float(amount.strip())
    except ValueError:
        raise Invalid("Give the dose as a number.", field="dose_amount") from None
    if not 0 <= value <= 100_000:
        raise Invalid("Give a dose from 0 upwards.", field="dose_amount")
    with engine.begin() as conn:
        _person(conn, key, who, service_user_id, now)
        before = _live_bodies(conn, who, service_user_id, now, medicine_id).get(medicine_id)
        if before is None:
            raise NotFound("No such medicine on this person's list.")
        current = before[1].get("amount")
        if not isinstance(current, dict) or current.get("kind") != "per_date":
            raise Invalid("This medicine's dose is not set per date.", field="dose_amount")
        by_date = {**(current.get("by_date") or {}), on: int(value) if value.is_integer()
                   else value}
        body = {**before[1], "amount": {**current, "by_date": dict(sorted(by_date.items()))}}
        v = med_versions.propose(conn, who.tenant_id, who.id, "medicine", medicine_id,
                                 service_user_id, Action.CHANGE, body, why, source, now)
        audit(conn, who, "set_dose_for_date", "medicine", medicine_id, now)
    return v


def record_stock(engine: Engine, who: Coordinator, service_user_id: str, medicine_id: str,
                 kind: str, quantity: str, clock: Clock = SYSTEM_CLOCK) -> cd_stock.Entry:
    """A controlled drug's stock received, or counted (a difference is escalated)."""
    now = clock.now()
    try:
        amount = float(quantity.strip())
    except ValueError:
        raise Invalid("Give the quantity as a number.", field="quantity") from None
    with engine.begin() as conn:
        owner = conn.execute(select(medicines.c.service_user_id).where(
            medicines.c.tenant_id == who.tenant_id, medicines.c.id == medicine_id)).scalar()
        if owner != service_user_id:
            raise NotFound("No such medicine on this person's list.")
        act = cd_stock.receive if kind == cd_stock.RECEIVED else cd_stock.count
        entry = act(conn, who.tenant_id, who.id, medicine_id, amount, now)
        audit(conn, who, f"cd_stock_{entry.kind}", "medicine", medicine_id, now)
    return entry


def mark_needs_review(engine: Engine, who: Coordinator, service_user_id: str,
                      clock: Clock = SYSTEM_CLOCK) -> med_review.Review:
    return _review_step(engine, who, service_user_id, clock, med_review.mark,
                        "mark_medicines_review")


def reconcile(engine: Engine, who: Coordinator, service_user_id: str,
              clock: Clock = SYSTEM_CLOCK) -> med_review.Review:
    return _review_step(engine, who, service_user_id, clock, med_review.reconcile,
                        "reconcile_medicines")


def _review_step(engine: Engine, who: Coordinator, service_user_id: str, clock: Clock,
                 step: Callable[[Connection, str, str, str, datetime], med_review.Review],
                 action: str) -> med_review.Review:
    """Mark or reconcile a person's "needs review", audited in the same transaction."""
    now = clock.now()
    with engine.begin() as conn:
        review = step(conn, who.tenant_id, who.id, service_user_id, now)
        audit(conn, who, action, "service_user", service_user_id, now)
    return review


def _allergy_check(person: dict[str, Any], body: dict[str, Any], override: str) -> None:
    found = allergies.matches(person.get("allergies") or [], str(body["name"]),
                              [med_form.ingredient_name(body)])
    if found and not override.strip():
        raise AllergyWarning(found)


def _person(conn: Connection, key: X25519PrivateKey, who: Coordinator, service_user_id: str,
            now: datetime) -> dict[str, Any]:
    datakeys.keys_for(conn, who.tenant_id, key)  # unwrap once; the versions reuse it
    person = open_people(conn, who, [service_user_id], now, key).get(service_user_id)
    if person is None:
        raise NotFound("No person with that id in your agency.")
    return person


def _live_bodies(conn: Connection, who: Coordinator, service_user_id: str, now: datetime,
                 only: str | None = None) -> dict[str, tuple[int, dict[str, Any]]]:
    """The person's checked medicines (version, body) by id; each opening audited."""
    where = [medicines.c.tenant_id == who.tenant_id,
             medicines.c.service_user_id == service_user_id]
    if only is not None:
        where.append(medicines.c.id == only)
    keys = datakeys.keys_for(conn, who.tenant_id)
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for r in conn.execute(select(medicines.c.id, medicines.c.version, medicines.c.body)
                          .where(*where)):
        try:
            body = sealing.open_body(keys, who.tenant_id, "medicines", r.id, r.version, r.body)
        except sealing.EnvelopeDamaged:
            continue
        out[r.id] = (r.version, body)
        audit(conn, who, "read_medicine", "medicine", r.id, now)
    return out
