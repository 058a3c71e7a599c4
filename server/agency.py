"""Setting up an agency: the tenant and its escrow key, workers, coordinators, people, plans."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from server import auth, datakeys, escrow, rota, sealing
from server.errors import Conflict, Invalid
from server.schema import care_plans, coordinators, medicines, service_users, tenants, workers


def init_tenant(
    engine: Engine, name: str, key_file: Path, *, tenant_id: str | None = None,
    office_phone: str = "", on_call_phone: str = "", timezone: str = "Europe/London",
) -> str:
    """Create the agency and its escrow key pair; the private half goes to `key_file` only."""
    with engine.begin() as conn:
        existing = conn.execute(select(tenants.c.id)).first()
        if existing is not None:
            raise Conflict("This database already has an agency; use it or start a new database.")
    public = escrow.generate_keypair_files(key_file)
    tid = tenant_id or str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(tenants).values(
            id=tid, name=name, office_phone=office_phone, on_call_phone=on_call_phone,
            timezone=timezone, escrow_public_key=base64.b64encode(public).decode(), clock=0,
        ))
        datakeys.create(conn, tid)
    return tid


def the_tenant(engine: Engine) -> str:
    with engine.begin() as conn:
        row = conn.execute(select(tenants.c.id)).first()
    if row is None:
        raise Invalid("No agency yet: run `fieldapp-server init` first.")
    return str(row[0])


def add_worker(engine: Engine, tenant_id: str, worker: dict[str, Any]) -> str:
    wid = worker.get("id") or str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(workers).values(
            id=wid, tenant_id=tenant_id, name=worker["name"], phone=worker.get("phone", ""),
            area=worker.get("area", ""), role=worker.get("role", "care_worker"), active=True,
        ))
    return str(wid)


def add_coordinator(
    engine: Engine, tenant_id: str, name: str, email: str, password: str,
    *, is_safeguarding_lead: bool = False, coordinator_id: str | None = None,
) -> str:
    cid = coordinator_id or str(uuid.uuid4())
    try:
        password_hash = auth.hash_password(password)
    except ValueError as exc:
        raise Invalid(str(exc).capitalize() + ".") from None
    with engine.begin() as conn:
        taken = conn.execute(
            select(coordinators.c.id).where(coordinators.c.email == email.strip().lower())
        ).first()
        if taken is not None:
            raise Conflict("An office account with that email already exists.")
        conn.execute(insert(coordinators).values(
            id=cid, tenant_id=tenant_id, name=name, email=email.strip().lower(),
            password_hash=password_hash, is_safeguarding_lead=is_safeguarding_lead, active=True,
        ))
    return cid


def add_people(
    engine: Engine, tenant_id: str, people: list[dict[str, Any]],
    plans: list[dict[str, Any]], meds: list[dict[str, Any]],
) -> None:
    """People with their care plans and medicines, each body sealed under the agency's data
    key, each person's name also kept as its blind index."""
    with engine.begin() as conn:
        keys = datakeys.keys_for(conn, tenant_id)

        def sealed(table: str, row: dict[str, Any], version: int) -> dict[str, Any]:
            return sealing.seal_body(keys, tenant_id, table, row["id"], version, _body(row))

        if people:
            conn.execute(insert(service_users), [
                {"id": p["id"], "tenant_id": tenant_id, "version": 1,
                 "body": sealed("service_users", p, 1),
                 "name_index": sealing.name_index(keys, p.get("name", ""))} for p in people])
        if plans:
            conn.execute(insert(care_plans), [
                {"id": c["id"], "tenant_id": tenant_id, "service_user_id": c["service_user_id"],
                 "version": c.get("version", 1), "body": sealed("care_plans", c,
                                                                 c.get("version", 1))}
                for c in plans])
        if meds:
            conn.execute(insert(medicines), [
                {"id": m["id"], "tenant_id": tenant_id, "service_user_id": m["service_user_id"],
                 "version": 1, "body": sealed("medicines", m, 1)} for m in meds])


def add_visits(engine: Engine, tenant_id: str, visits: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        rota.add_visits(conn, tenant_id, visits)


def _body(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("id", "service_user_id")}


def reassign_visit(engine: Engine, tenant_id: str, visit_id: str, worker_id: str) -> None:
    with engine.begin() as conn:
        rota.reassign_visit(conn, tenant_id, visit_id, worker_id)
