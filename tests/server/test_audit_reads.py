"""A screen that refreshes itself does not write an audit row per person on every refresh: a
person shown in a listing is recorded once per sign-in and version of their record; opening a
record is recorded every time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update

from server import datakeys, sealing
from server.schema import audit_log, service_users
from server.services import audit as audit_service
from server.services.day_board import day_visits
from server.services.people import open_people
from server.services.sign_in import Coordinator, sign_in
from tests.factories import PASSWORD, SmallAgency, small_agency

LONDON = ZoneInfo("Europe/London")  # the factories' agency's zone


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> SmallAgency:
    return small_agency(engine, tmp_path, datetime.now(UTC))


def _reads(engine: Engine, person_id: str) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(audit_log.c.id).where(
            audit_log.c.action == "read_person", audit_log.c.target_id == person_id)).all())


def _today(office: SmallAgency) -> datetime:
    return datetime.fromisoformat(office.visits[0]["start"])


def test_refreshing_the_day_pane_records_each_person_once_per_sign_in(
        engine: Engine, office: SmallAgency) -> None:
    who = sign_in(engine, office.coordinator_email, PASSWORD)
    margaret = office.people[0]["id"]
    day = _today(office).astimezone(LONDON).date()
    shown = day_visits(engine, who, day)
    assert {v.person_name for v in shown} >= {"Margaret Ellison"}
    assert _reads(engine, margaret) == 1
    for _ in range(5):  # the pane shown again and again
        day_visits(engine, who, day)
    assert _reads(engine, margaret) == 1

    again = sign_in(engine, office.coordinator_email, PASSWORD)  # a new sign-in reads anew
    day_visits(engine, again, day)
    assert _reads(engine, margaret) == 2

    _new_version(engine, office, margaret)  # the record changed: shown changed, recorded
    day_visits(engine, again, day)
    assert _reads(engine, margaret) == 3
    day_visits(engine, again, day)
    assert _reads(engine, margaret) == 3

    audit_service.forget_session(again.session)  # signed out: forgotten
    day_visits(engine, again, day)
    assert _reads(engine, margaret) == 4


def test_opening_a_record_is_recorded_every_time(engine: Engine,
                                                  office: SmallAgency) -> None:
    who = sign_in(engine, office.coordinator_email, PASSWORD)
    margaret = office.people[0]["id"]
    for n in range(1, 4):
        with engine.begin() as conn:
            assert open_people(conn, who, [margaret], datetime.now(UTC))[margaret]["name"]
        assert _reads(engine, margaret) == n


def test_a_read_whose_row_was_rolled_back_is_recorded_at_the_next_refresh(
        engine: Engine, office: SmallAgency) -> None:
    who = sign_in(engine, office.coordinator_email, PASSWORD)
    margaret = office.people[0]["id"]
    with engine.connect() as conn, conn.begin() as tx:
        open_people(conn, who, [margaret], datetime.now(UTC), listing=True)
        tx.rollback()
    assert _reads(engine, margaret) == 0
    with engine.begin() as conn:
        open_people(conn, who, [margaret], datetime.now(UTC), listing=True)
    assert _reads(engine, margaret) == 1


def test_a_caller_without_a_sign_in_is_recorded_on_every_read(
        engine: Engine, office: SmallAgency) -> None:
    signed = sign_in(engine, office.coordinator_email, PASSWORD)
    token_caller = Coordinator(signed.id, signed.tenant_id, signed.name, signed.role)
    assert token_caller.session == "" and token_caller == signed
    margaret = office.people[0]["id"]
    for n in range(1, 3):
        with engine.begin() as conn:
            open_people(conn, token_caller, [margaret], datetime.now(UTC), listing=True)
        assert _reads(engine, margaret) == n


def _new_version(engine: Engine, office: SmallAgency, person_id: str) -> None:
    with engine.begin() as conn:
        keys = datakeys.keys_for(conn, office.tenant_id)
        row = conn.execute(select(service_users.c.version, service_users.c.body).where(
            service_users.c.id == person_id)).one()
        body = sealing.open_body(keys, office.tenant_id, "service_users", person_id,
                                 row.version, row.body)
        body["access_notes"] = "Key safe moved to the front door"
        conn.execute(update(service_users).where(service_users.c.id == person_id).values(
            version=row.version + 1, body=sealing.seal_body(
                keys, office.tenant_id, "service_users", person_id, row.version + 1, body)))
