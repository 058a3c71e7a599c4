"""Coordinators signing in to the office console, and the agency's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from server import auth
from server.errors import NotAuthenticated
from server.schema import coordinators, tenants

WRONG = "That email and password do not match an office account."


@dataclass(frozen=True)
class Coordinator:
    id: str
    tenant_id: str
    name: str
    is_safeguarding_lead: bool


def sign_in(engine: Engine, email: str, password: str) -> Coordinator:
    with engine.begin() as conn:
        row = conn.execute(
            select(coordinators).where(
                coordinators.c.email == email.strip().lower(), coordinators.c.active
            )
        ).mappings().first()
    if row is None:
        auth.dummy_verify()  # as slow as a real check: the answer time says nothing
        raise NotAuthenticated(WRONG)
    if not auth.verify_password(row["password_hash"], password):
        raise NotAuthenticated(WRONG)
    return Coordinator(row["id"], row["tenant_id"], row["name"], row["is_safeguarding_lead"])


def tenant_zone(engine: Engine, tenant_id: str) -> ZoneInfo:
    with engine.begin() as conn:
        tz = conn.execute(select(tenants.c.timezone).where(tenants.c.id == tenant_id)).scalar_one()
    return ZoneInfo(tz)
