"""Controlled drugs' stock registers on SQLite and PostgreSQL: stock received and counted at the
office, each synced administration taken off, and every discrepancy escalated once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server import cd_stock
from server.errors import Invalid
from server.office_checks import medicine_bodies
from server.schema import medicines
from tests.server.test_office_checks import Office

NOW = datetime.now(UTC)


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> Office:
    return Office(engine, tmp_path)


def oramorph(o: Office) -> str:  # controlled, PRN, dose "2.5ml"
    with o.engine.begin() as conn:
        bodies = medicine_bodies(conn, o.agency.tenant_id,
                                 medicines.c.tenant_id == o.agency.tenant_id)
    return next(mid for mid, b in bodies.items() if b["name"] == "Oramorph")


def given(o: Office, medicine: str, at: datetime, outcome: str = "given") -> str:
    rec = o.dose(medicine, at, outcome, prn=True)
    rec.facts["controlled"] = True
    o.push(rec)
    return rec.id


def register(o: Office, medicine: str) -> list[tuple[str, float, float]]:
    with o.engine.begin() as conn:
        return [(e.kind, e.quantity, e.balance)
                for e in cd_stock.register(conn, o.agency.tenant_id, medicine)]


def test_each_administration_comes_off_the_balance_received(office: Office) -> None:
    o, med = office, oramorph(office)
    given(o, med, o.t9)  # before any register: not counted
    with o.engine.begin() as conn:
        cd_stock.receive(conn, o.agency.tenant_id, "coordinator", med, 100, NOW)
    given(o, med, o.t9 + timedelta(hours=2))  # 2.5 (the dose text)
    given(o, med, o.t9 + timedelta(hours=4))
    given(o, med, o.t9 + timedelta(hours=6), outcome="refused")  # nothing given
    assert register(o, med) == [("received", 100.0, 100.0), ("given", 2.5, 97.5),
                                ("given", 2.5, 95.0)]
    assert o.checks() == []


def test_a_count_that_differs_and_a_balance_below_zero_are_escalated_once(
        office: Office) -> None:
    o, med = office, oramorph(office)
    tid = o.agency.tenant_id
    with o.engine.begin() as conn:
        cd_stock.receive(conn, tid, "coordinator", med, 5, NOW)
        assert cd_stock.count(conn, tid, "coordinator", med, 5, NOW).expected == 5
    assert o.checks() == []
    given(o, med, o.t9)
    with o.engine.begin() as conn:
        counted = cd_stock.count(conn, tid, "coordinator", med, 1.5, NOW)
    assert (counted.expected, counted.balance) == (2.5, 1.5)
    assert o.checks() == [("cd_stock", "urgent")]
    given(o, med, o.t9 + timedelta(hours=3))  # 1.5 - 2.5 < 0: more given than there was
    assert o.checks() == [("cd_stock", "urgent"), ("cd_stock", "urgent")]
    raised = o.raised()[-1]
    assert raised.worker_id == o.agency.worker_id and raised.service_user_id == o.person


def test_only_controlled_drugs_keep_a_register_and_quantities_are_checked(
        office: Office) -> None:
    o, med = office, oramorph(office)
    with o.engine.begin() as conn:
        with pytest.raises(Invalid) as not_cd:
            cd_stock.receive(conn, o.agency.tenant_id, "c", o.paracetamol, 10, NOW)
        assert not_cd.value.field == "medicine"
        for bad in (0, -1, float("nan")):
            with pytest.raises(Invalid):
                cd_stock.receive(conn, o.agency.tenant_id, "c", med, bad, NOW)
        with pytest.raises(Invalid, match="before counting"):
            cd_stock.count(conn, o.agency.tenant_id, "c", med, 3, NOW)


def test_a_correction_to_not_given_puts_the_amount_back_once(office: Office) -> None:
    o, med = office, oramorph(office)
    with o.engine.begin() as conn:
        cd_stock.receive(conn, o.agency.tenant_id, "coordinator", med, 10, NOW)
    dose = given(o, med, o.t9)
    fix = o.record("addendum", o.morning, o.t9 + timedelta(minutes=20), {
        "corrects_kind": "dose_outcome", "actor": "worker", "outcome": "refused",
        "medicine_id": med}, corrects=dose)
    o.push(fix)
    o.push(fix)  # a retried push
    assert register(o, med) == [("received", 10.0, 10.0), ("given", 2.5, 7.5),
                                ("corrected", 2.5, 10.0)]
