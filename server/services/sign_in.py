"""Coordinators signing in to the office console (slowed and locked after failures, audited),
signing out, and the agency's time zone."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select

from server import auth
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import NotAuthenticated, TooManyAttempts
from server.roles import Role, role_of
from server.schema import audit_log, coordinators, tenants
from server.services.sign_in_doors import SignInDoors, wait_words

WRONG = "That email and password do not match an office account."
# An audit row about a caller the office cannot place in any agency (an unknown email).
NO_TENANT = "-"


@dataclass(frozen=True)
class Coordinator:
    id: str
    tenant_id: str
    name: str
    role: Role = Role.COORDINATOR
    # One sign-in's own id (server/services/audit.py: a screen that refreshes itself records a
    # person's read once per sign-in and version); "" for a caller with none (the API's token).
    session: str = field(default="", compare=False)

    @property
    def is_safeguarding_lead(self) -> bool:
        """Only safeguarding leads read records marked safeguarding."""
        return self.role is Role.SAFEGUARDING_LEAD

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def sign_in(engine: Engine, email: str, password: str, *, doors: SignInDoors | None = None,
            address: str = "unknown", clock: Clock = SYSTEM_CLOCK) -> Coordinator:
    """The office account with this email and password, or NotAuthenticated (the same words
    for an unknown email and a wrong password). With `doors`, repeated failures from one
    account or one address make it wait, then lock it (TooManyAttempts, before any check)."""
    account = "email:" + email.strip().lower()
    address = (address or "unknown")[:36]
    if doors is not None:
        wait = max(doors.accounts.wait(account), doors.addresses.wait(address))
        if wait:
            raise TooManyAttempts(
                f"Too many failed sign-ins. Try again in {wait_words(wait)}.",
                retry_after=int(-(-wait.total_seconds() // 1)))
    with engine.begin() as conn:
        row = conn.execute(
            select(coordinators).where(
                coordinators.c.email == email.strip().lower(), coordinators.c.active
            )
        ).mappings().first()
    if row is None:
        auth.dummy_verify()  # as slow as a real check: the answer time says nothing
    if row is None or not auth.verify_password(row["password_hash"], password):
        _failed(engine, doors, clock, account, address, row)
        raise NotAuthenticated(WRONG)
    who = Coordinator(row["id"], row["tenant_id"], row["name"], role_of(row["role"]),
                      session=secrets.token_urlsafe(12))
    if doors is not None:
        doors.accounts.succeeded(account)
    record(engine, clock, who.tenant_id, address, "signed_in", who.id)
    return who


def _failed(engine: Engine, doors: SignInDoors | None, clock: Clock, account: str,
            address: str, row: object) -> None:
    tenant = row["tenant_id"] if row is not None else NO_TENANT  # type: ignore[index]
    target = row["id"] if row is not None else NO_TENANT  # type: ignore[index]
    events = ["sign_in_failed"]
    if doors is not None:
        if doors.accounts.failed(account):
            events.append("sign_in_account_locked")
        if doors.addresses.failed(address):
            events.append("sign_in_address_locked")
    for event in events:
        record(engine, clock, tenant, address, event, target)


def record(engine: Engine, clock: Clock, tenant_id: str, address: str, action: str,
           account_id: str) -> None:
    """One audit row about a sign-in: who tried from where, never the email or password."""
    with engine.begin() as conn:
        conn.execute(insert(audit_log).values(
            tenant_id=tenant_id, at=clock.now().isoformat(), actor_kind="address",
            actor_id=address[:36], action=action, target_kind="account",
            target_id=account_id))


def tenant_zone(engine: Engine, tenant_id: str) -> ZoneInfo:
    with engine.begin() as conn:
        tz = conn.execute(select(tenants.c.timezone).where(tenants.c.id == tenant_id)).scalar_one()
    return ZoneInfo(tz)
