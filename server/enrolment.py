"""Enrolling a phone for a worker with a one-time code, revoking it, and its wipe confirmation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, insert, literal, select, update

from server import auth
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Conflict, Forbidden, NotAuthenticated, NotFound
from server.schema import devices, enrolment_codes, tenants, workers
from server.storage import read_only


@dataclass(frozen=True)
class DeviceIdentity:
    id: str
    tenant_id: str
    worker_id: str
    revoked: bool
    last_seen_at: str | None = None  # as the office last wrote it (sync decides when to again)
    app_version: str = ""
    pending: int | None = None  # what the phone last reported still waiting (after that sync)


def issue_code(engine: Engine, worker_id: str, minutes: int, now: datetime | None = None,
               *, tenant_id: str | None = None) -> str:
    """A one-time code for `worker_id` (of agency `tenant_id`, when given)."""
    now = now or SYSTEM_CLOCK.now()
    code = auth.new_enrolment_code()
    with engine.begin() as conn:
        worker = conn.execute(
            select(workers.c.tenant_id).where(
                workers.c.id == worker_id, workers.c.active,
                *([workers.c.tenant_id == tenant_id] if tenant_id else []))
        ).first()
        if worker is None:
            raise NotFound("No active worker has that id.")
        conn.execute(
            insert(enrolment_codes).values(
                code_hash=auth.token_hash(auth.normalise_code(code)),
                tenant_id=worker.tenant_id,
                worker_id=worker_id,
                created_at=now.isoformat(),
                expires_at=(now + timedelta(minutes=minutes)).isoformat(),
            )
        )
    return code


def enrol(engine: Engine, code: str, app_version: str = "", *,
          clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Swap a valid, unused code for a device token. The token is shown once, stored hashed."""
    now = clock.now()
    code_hash = auth.token_hash(auth.normalise_code(code))
    token = auth.new_token()
    device_id = str(uuid.uuid4())
    with engine.begin() as conn:
        # Claimed in one statement: of any number of enrolments with one code at once, the
        # first to update the row wins; the others wait for its lock (PostgreSQL) or the
        # write lock (SQLite), then find it used and change nothing.
        row = conn.execute(
            update(enrolment_codes)
            .where(enrolment_codes.c.code_hash == code_hash, enrolment_codes.c.used_at.is_(None),
                   enrolment_codes.c.expires_at >= now.isoformat())
            .values(used_at=now.isoformat(), device_id=device_id)
            .returning(enrolment_codes.c.tenant_id, enrolment_codes.c.worker_id)
        ).first()
        worker = None if row is None else conn.execute(
            select(workers).where(workers.c.id == row.worker_id, workers.c.active)
        ).mappings().first()
        if row is None or worker is None:
            raise Forbidden(
                "That enrolment code is not valid. Codes work once and expire: "
                "ask the office for a new one."
            )
        tenant = conn.execute(
            select(tenants).where(tenants.c.id == row.tenant_id)).mappings().one()
        conn.execute(
            insert(devices).values(
                id=device_id, tenant_id=tenant["id"], worker_id=worker["id"],
                token_hash=auth.token_hash(token), enrolled_at=now.isoformat(),
                app_version=app_version,
            )
        )
    return {
        "device_id": device_id,
        "device_token": token,
        "tenant_id": tenant["id"],
        "worker_id": worker["id"],
        "worker_name": worker["name"],
        "agency_name": tenant["name"],
        "office_phone": tenant["office_phone"],
        "escrow_public_key": tenant["escrow_public_key"],
        "timezone": tenant["timezone"],
    }


def authenticate(engine: Engine | Connection, token: str | None) -> DeviceIdentity:
    """The device a token belongs to (NotAuthenticated if none), in its own read."""
    if not token:
        raise NotAuthenticated("This phone is not signed in. Enrol it again.")
    with read_only(engine) as conn:
        row = conn.execute(select(*_DEVICE).where(_holds_token(auth.token_hash(token)))).first()
    return _identity(row)


NOT_RECOGNISED = "This phone is not recognised by the office. Enrol it again."
# What a sync needs to know of the phone calling.
_DEVICE = (devices.c.id, devices.c.tenant_id, devices.c.worker_id, devices.c.revoked_at,
           devices.c.last_seen_at, devices.c.app_version, devices.c.pending_count)


def _holds_token(token_hash: Any) -> Any:
    # A phone that confirmed its wipe has no data left to deliver: its token is dead.
    return and_(devices.c.token_hash == token_hash, devices.c.wiped_at.is_(None))


def _identity(row: Any) -> DeviceIdentity:
    """A row of `_DEVICE` as the device (NotAuthenticated for no row, or an empty one)."""
    if row is None or row.id is None:
        raise NotAuthenticated(NOT_RECOGNISED)
    return DeviceIdentity(row.id, row.tenant_id, row.worker_id, row.revoked_at is not None,
                          row.last_seen_at, row.app_version or "", row.pending_count)


@dataclass(frozen=True)
class Arrival:
    """What one statement tells the sync API of its caller (see `arrival`)."""

    device: DeviceIdentity
    door_closed_until: int | None  # the caller's address's door, ms (server/doors.py)
    clock: int  # the agency's clock as this sync began (a full resync's cursor)
    profile: tuple[bool, str]  # the worker's (NEWS2-trained, area), sent with a full resync


def arrival(door_closed_until: Any) -> Any:
    """One statement, built once: the phone holding a token (bound as "token_hash"), its
    worker's profile and agency clock, and `door_closed_until` (a scalar subquery on the
    caller's address). A morning sync made four round trips of these. Always one row: with
    no such phone, its columns are NULL and the door is still read."""
    here = select(literal(1).label("one")).subquery("here")
    found = here.outerjoin(devices, _holds_token(bindparam("token_hash")))
    return select(
        *_DEVICE, tenants.c.clock, workers.c.news2_trained, workers.c.area,
        door_closed_until.label("door_closed_until"),
    ).select_from(
        found.outerjoin(tenants, tenants.c.id == devices.c.tenant_id)
        .outerjoin(workers, and_(workers.c.tenant_id == devices.c.tenant_id,
                                 workers.c.id == devices.c.worker_id)))


def token_param(token: str) -> dict[str, str]:
    return {"token_hash": auth.token_hash(token)}


def arrived(row: Any) -> Arrival:
    """`arrival`'s row as the caller: NotAuthenticated when no phone holds the token."""
    return Arrival(
        _identity(row), row.door_closed_until, int(row.clock or 0),
        (bool(row.news2_trained), row.area or ""))


def revoke(engine: Engine, device_id: str, by: str, *, clock: Clock = SYSTEM_CLOCK,
           tenant_id: str | None = None) -> None:
    """Revoke a device (of agency `tenant_id`, when given): it wipes at next contact."""
    with engine.begin() as conn:
        done = conn.execute(
            update(devices)
            .where(devices.c.id == device_id, devices.c.revoked_at.is_(None),
                   *([devices.c.tenant_id == tenant_id] if tenant_id else []))
            .values(revoked_at=clock.now().isoformat(), revoked_by=by)
        ).rowcount
    if not done:
        raise NotFound("No active device has that id.")


def revoked_devices_may_push(engine: Engine, tenant_id: str) -> bool:
    """The agency's choice: does a revoked phone still deliver its queued records?"""
    with engine.begin() as conn:
        allowed = conn.execute(
            select(tenants.c.revoked_devices_may_push).where(tenants.c.id == tenant_id)
        ).scalar_one_or_none()
    return bool(allowed) if allowed is not None else True


def set_revoked_push_policy(engine: Engine, tenant_id: str, allow: bool) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            update(tenants).where(tenants.c.id == tenant_id)
            .values(revoked_devices_may_push=allow)
        ).rowcount
    if not done:
        raise NotFound("No agency has that id.")


def confirm_wipe(engine: Engine, device: DeviceIdentity, now: datetime | None = None) -> str:
    """A revoked phone says it destroyed its data: record when (the first confirmation wins)."""
    if not device.revoked:
        raise Conflict("This phone has not been withdrawn, so there is nothing to confirm.")
    at = (now or SYSTEM_CLOCK.now()).isoformat()
    with engine.begin() as conn:
        conn.execute(
            update(devices).where(devices.c.id == device.id, devices.c.wiped_at.is_(None))
            .values(wiped_at=at)
        )
        stored = conn.execute(
            select(devices.c.wiped_at).where(devices.c.id == device.id)
        ).scalar_one()
    return str(stored)
