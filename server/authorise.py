"""Who may push what: every pushed record checked against the device's worker and scope.

A worker's phone may write only about its worker's own visits and the people of those visits;
a dose outcome only for a medicine on that person's list, and a controlled drug's witness only
a colleague of the same agency (DOMAIN.md: a named member of staff, never the worker); an
addendum only to a record its worker wrote, with the same visit and person. The grants a batch
needs are read in a handful of queries inside the sync's write transaction (the tenant clock
row is locked by then, so no other push of the agency changes them under us). Refusals name
the rule, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Connection, select

from server.enrolment import DeviceIdentity
from server.schema import coordinators, medicines, records, visits, workers
from sync import kinds
from sync.protocol import PushedRecord

# Which links a kind must carry is the registry's (sync/kinds.py), checked with the record's
# fields (server/validation.py); here: whether what they point at is the worker's.
OPEN_VISIT_FACT = "open_visit_id"  # a lone-worker alert's "where the worker probably is"
WITNESS_FACT = "witness_id"  # a controlled drug's witness, picked from the staff list

NOT_YOUR_VISIT = "That visit is not on your rota."
NOT_THAT_PERSON = "That person is not the person of this visit."
NOT_YOUR_PERSON = "You have no visits with that person."
NOT_THEIR_MEDICINE = "That medicine is not on this person's list."
NO_ORIGINAL = "The record it corrects is not at the office."
NOT_YOUR_RECORD = "You may correct only your own records."
WRONG_ORIGINAL = "An addendum must match the kind, visit and person of the record it corrects."
NOT_A_WITNESS = "The witness must be another member of staff of this agency."


class Original(NamedTuple):
    worker_id: str
    kind: str
    visit_id: str | None
    service_user_id: str | None


@dataclass
class Grants:
    """What one batch may refer to, read once for the whole batch."""

    visits: dict[str, str] = field(default_factory=dict)  # own visit id -> its person
    people: set[str] = field(default_factory=set)  # people the worker has visits with
    medicines: dict[str, str] = field(default_factory=dict)  # medicine id -> its person
    originals: dict[str, Original] = field(default_factory=dict)  # corrected records
    staff: set[str] = field(default_factory=set)  # named witnesses who are the agency's staff

    def stored(self, device: DeviceIdentity, rec: PushedRecord) -> None:
        """`rec` is now at the office: a later addendum in the same batch may correct it."""
        self.originals[rec.id] = Original(device.worker_id, rec.kind, rec.visit_id,
                                          rec.service_user_id)


def load(conn: Connection, device: DeviceIdentity, batch: list[PushedRecord]) -> Grants:
    grants = Grants()
    tenant, worker = device.tenant_id, device.worker_id
    visit_ids = {r.visit_id for r in batch if r.visit_id}
    visit_ids |= {v for r in batch if isinstance(v := r.facts.get(OPEN_VISIT_FACT), str)}
    if visit_ids:
        grants.visits = {row.id: row.service_user_id for row in conn.execute(
            select(visits.c.id, visits.c.service_user_id)
            .where(visits.c.tenant_id == tenant, visits.c.worker_id == worker,
                   visits.c.id.in_(visit_ids)))}
    loose = {r.service_user_id for r in batch if r.service_user_id and not r.visit_id}
    if loose:
        grants.people = set(conn.execute(
            select(visits.c.service_user_id).distinct()
            .where(visits.c.tenant_id == tenant, visits.c.worker_id == worker,
                   visits.c.service_user_id.in_(loose))).scalars())
    meds = {m for r in batch if isinstance(m := r.facts.get(_medicine_fact(r.kind) or ""), str)}
    if meds:
        grants.medicines = {row.id: row.service_user_id for row in conn.execute(
            select(medicines.c.id, medicines.c.service_user_id)
            .where(medicines.c.tenant_id == tenant, medicines.c.id.in_(meds)))}
    named = {w for r in batch if isinstance(w := r.facts.get(WITNESS_FACT), str)}
    if named:
        # Staff who have since left still witnessed: any worker or coordinator of the agency.
        grants.staff = set(conn.execute(select(workers.c.id).where(
            workers.c.tenant_id == tenant, workers.c.id.in_(named))).scalars())
        grants.staff |= set(conn.execute(select(coordinators.c.id).where(
            coordinators.c.tenant_id == tenant, coordinators.c.id.in_(named))).scalars())
    corrected = {r.corrects for r in batch if r.corrects}
    if corrected:
        grants.originals = {row.id: Original(row.worker_id, row.kind, row.visit_id,
                                             row.service_user_id) for row in conn.execute(
            select(records.c.id, records.c.worker_id, records.c.kind, records.c.visit_id,
                   records.c.service_user_id)
            .where(records.c.tenant_id == tenant, records.c.id.in_(corrected)))}
    return grants


def refusal(grants: Grants, device: DeviceIdentity, rec: PushedRecord) -> str | None:
    """Why this device may not push `rec`, or None when it may."""
    if rec.corrects is not None:
        reason = _correction(grants, device, rec)
        if reason:
            return reason
    if rec.visit_id is not None:
        person = grants.visits.get(rec.visit_id)
        if person is None:
            return NOT_YOUR_VISIT
        if rec.service_user_id is not None and rec.service_user_id != person:
            return NOT_THAT_PERSON
    elif rec.service_user_id is not None and rec.service_user_id not in grants.people:
        return NOT_YOUR_PERSON
    return _facts(grants, device, rec)


def _correction(grants: Grants, device: DeviceIdentity, rec: PushedRecord) -> str | None:
    original = grants.originals.get(rec.corrects or "")
    if original is None:
        return NO_ORIGINAL
    if original.worker_id != device.worker_id:
        return NOT_YOUR_RECORD
    if (original.kind == "addendum" or rec.facts.get("corrects_kind") != original.kind
            or rec.visit_id != original.visit_id
            or rec.service_user_id != original.service_user_id):
        return WRONG_ORIGINAL
    return None


def _medicine_fact(kind: str) -> str | None:
    known = kinds.KINDS.get(kind)
    return known.medicine_fact if known else None


def _facts(grants: Grants, device: DeviceIdentity, rec: PushedRecord) -> str | None:
    person = rec.service_user_id
    name = _medicine_fact(rec.kind)
    medicine = rec.facts.get(name) if name else None
    if medicine is not None and (person is None or grants.medicines.get(medicine) != person):
        return NOT_THEIR_MEDICINE
    open_visit = rec.facts.get(OPEN_VISIT_FACT)
    if open_visit is not None and open_visit not in grants.visits:
        return NOT_YOUR_VISIT
    witness = rec.facts.get(WITNESS_FACT)
    if witness is not None and (witness == device.worker_id or witness not in grants.staff):
        return NOT_A_WITNESS
    return None
