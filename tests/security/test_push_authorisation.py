"""Every pushed record kind × whose it is (own, a colleague's, another agency's; from a
revoked phone; from a wiped one), on SQLite and PostgreSQL, through the sync service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from server import enrolment
from server.errors import NotAuthenticated
from server.schema import feed, records
from server.sync_service import handle_sync
from sync.protocol import RECORD_KINDS, PushedRecord, SyncRequest
from tests.factories import SmallAgency, code_for, small_agency
from tests.security.pushes import facts_for, medicine_of, record, sealer_of, second_agency
from tests.server.conftest import engine  # noqa: F401  (the two-backend fixture)
from tests.server.test_sync_contract import enrolled


@dataclass
class World:
    engine: Engine
    a: SmallAgency
    other: SmallAgency  # another agency in the same database
    me: enrolment.DeviceIdentity
    colleague: enrolment.DeviceIdentity

    def my_visit(self) -> tuple[str, str]:
        return self.a.visits[0]["id"], self.a.visits[0]["service_user_id"]

    def their_visit(self) -> tuple[str, str]:
        return self.a.visits[1]["id"], self.a.visits[1]["service_user_id"]

    def push(self, rec: PushedRecord, device: enrolment.DeviceIdentity | None = None
             ) -> tuple[list[str], dict[str, str]]:
        answer = handle_sync(self.engine, device or self.me, SyncRequest(1, None, [rec]))
        return answer.accepted, {r.id: r.reason for r in answer.rejected}


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:  # noqa: F811
    a = small_agency(engine, tmp_path)
    other = second_agency(engine, tmp_path)
    return World(engine, a, other, enrolled(engine, a.worker_id)[0],
                 enrolled(engine, a.other_worker_id)[0])


def build(w: World, kind: str, whose: str) -> PushedRecord:
    """A `kind` record pointing at `whose` visit/person/record."""
    sealer = sealer_of(w.engine, w.a.tenant_id)
    mine, theirs = w.my_visit(), w.their_visit()
    visit, person = {
        "own": mine, "colleague": theirs, "own visit, colleague's person": (mine[0], theirs[1]),
        "no visit, colleague's person": (None, theirs[1]),
        "other agency": (w.other.visits[0]["id"], w.other.people[0]["id"]),
    }[whose]
    medicine = medicine_of(w.engine, person) if person else str(uuid.uuid4())
    if kind == "addendum":
        # The corrected note is stored by its author: me, my colleague, or another agency's
        # worker; the addendum takes its visit and person unless the case says otherwise.
        author, base, seal = w.me, mine, sealer
        if whose == "colleague":
            author, base = w.colleague, theirs
        elif whose == "other agency":
            author = enrolled(w.engine, w.other.worker_id)[0]
            base, seal = (visit, person), sealer_of(w.engine, w.other.tenant_id)
        original = record(seal, "note", *base)
        assert w.push(original, author)[0] == [original.id]
        if whose in ("own", "colleague", "other agency"):
            visit, person = original.visit_id, original.service_user_id
        return record(sealer, "addendum", visit, person,
                      {"corrects_kind": "note", "actor": "worker"}, corrects=original.id)
    if kind == "handover" and whose == "own":
        # A handover names no visit or person; its facts are its shift and counts.
        return record(sealer, kind, None, None, facts_for(kind, medicine))
    if kind == "lone_worker" and whose in ("own", "colleague", "other agency"):
        # A duress alert names no visit; where the worker probably is travels in its facts.
        return record(sealer, kind, None, None, facts_for(kind, medicine, visit))
    return record(sealer, kind, visit, person, facts_for(kind, medicine))


WHOSE = ["own", "colleague", "own visit, colleague's person", "no visit, colleague's person",
         "other agency"]


@pytest.mark.parametrize("whose", WHOSE)
@pytest.mark.parametrize("kind", sorted(RECORD_KINDS))
def test_a_record_is_stored_only_when_it_is_the_workers_own(world: World, kind: str,
                                                            whose: str) -> None:
    rec = build(world, kind, whose)
    feed_before = _feed_rows(world.engine)
    accepted, refused = world.push(rec)
    if whose == "own":
        assert accepted == [rec.id], refused
        return
    assert rec.id in refused and accepted == []
    assert refused[rec.id].endswith(".")
    assert _feed_rows(world.engine) == feed_before  # nothing reached anyone's phone
    with world.engine.begin() as conn:
        assert conn.execute(select(records.c.id).where(records.c.id == rec.id)).first() is None


def test_a_dose_only_for_a_medicine_on_that_persons_list(world: World) -> None:
    sealer = sealer_of(world.engine, world.a.tenant_id)
    visit, person = world.my_visit()
    someone_elses = medicine_of(world.engine, world.their_visit()[1])
    dose = record(sealer, "dose_outcome", visit, person, facts_for("dose_outcome",
                                                                   someone_elses))
    assert "not on this person's list" in world.push(dose)[1][dose.id]
    fine = record(sealer, "dose_outcome", visit, person,
                  facts_for("dose_outcome", medicine_of(world.engine, person)))
    assert world.push(fine)[0] == [fine.id]


def test_a_controlled_drugs_witness_is_a_colleague_of_the_same_agency(world: World) -> None:
    """DOMAIN.md: a controlled drug is witnessed by a named member of staff, not the worker;
    a phone cannot name itself, another agency's worker or someone who is not staff at all."""
    sealer = sealer_of(world.engine, world.a.tenant_id)
    visit, person = world.my_visit()
    medicine = medicine_of(world.engine, person)

    def witnessed_by(witness: str) -> PushedRecord:
        return record(sealer, "dose_outcome", visit, person, {
            **facts_for("dose_outcome", medicine), "controlled": True, "witness_id": witness})

    for witness in (world.a.worker_id, world.other.worker_id, str(uuid.uuid4())):
        dose = witnessed_by(witness)
        assert world.push(dose)[1][dose.id] == ("The witness must be another member of staff "
                                                "of this agency.")
    fine = witnessed_by(world.a.other_worker_id)
    assert world.push(fine)[0] == [fine.id]


def test_an_addendum_must_match_the_record_it_corrects(world: World) -> None:
    sealer = sealer_of(world.engine, world.a.tenant_id)
    note = record(sealer, "note", *world.my_visit())
    fix = record(sealer, "addendum", *world.my_visit(),
                 {"corrects_kind": "dose_outcome", "actor": "worker"}, corrects=note.id)
    # Original and correction in one batch: the correction sees the original.
    answer = handle_sync(world.engine, world.me, SyncRequest(1, None, [note, fix]))
    assert answer.accepted == [note.id]
    assert "must match" in answer.rejected[0].reason
    again = record(sealer, "addendum", *world.my_visit(),
                   {"corrects_kind": "note", "actor": "worker"}, corrects=fix.id)
    assert "not at the office" in world.push(again)[1][again.id]


def test_a_revoked_phone_delivers_its_own_records_only(world: World) -> None:
    (dev, token) = enrolled(world.engine, world.a.worker_id)
    enrolment.revoke(world.engine, dev.id, by="test")
    revoked = enrolment.authenticate(world.engine, token)
    for whose, stored in (("own", True), ("colleague", False), ("other agency", False)):
        rec = build(world, "note", whose)
        accepted, _ = world.push(rec, revoked)
        assert (accepted == [rec.id]) is stored


def test_a_wiped_phones_token_is_dead(world: World) -> None:
    data = enrolment.enrol(world.engine, code_for(world.engine, world.a.worker_id))
    enrolment.revoke(world.engine, data["device_id"], by="test")
    device = enrolment.authenticate(world.engine, data["device_token"])
    enrolment.confirm_wipe(world.engine, device)
    with pytest.raises(NotAuthenticated):
        enrolment.authenticate(world.engine, data["device_token"])


def _feed_rows(db: Engine) -> Any:
    with db.begin() as conn:
        return conn.execute(select(func.count()).select_from(feed)).scalar_one()
