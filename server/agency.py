"""Setting up agencies (several may share one server): each tenant and its escrow key,
workers, coordinators, people, plans; and picking the agency a command is about."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, insert, select

from server import auth, datakeys, escrow, rota, sealing
from server.errors import Conflict, Invalid
from server.keyring import agency_key_file
from server.roles import Role, role_of
from server.schema import care_plans, coordinators, medicines, service_users, tenants, workers


def init_tenant(
    engine: Engine, name: str, key_file: Path, *, tenant_id: str | None = None,
    office_phone: str = "", on_call_phone: str = "", timezone: str = "Europe/London",
) -> str:
    """Create the first agency and its escrow key pair; the private half goes to `key_file`
    only. (More agencies: `create_agency`.)"""
    with engine.begin() as conn:
        existing = conn.execute(select(tenants.c.id)).first()
        if existing is not None:
            raise Conflict("This database already has an agency; add another with "
                           "`fieldapp-server create-agency`.")
    return _new_tenant(engine, name, key_file, tenant_id=tenant_id, office_phone=office_phone,
                       on_call_phone=on_call_phone, timezone=timezone)


def create_agency(
    engine: Engine, name: str, server_key_file: Path, *, tenant_id: str | None = None,
    office_phone: str = "", timezone: str = "Europe/London",
) -> tuple[str, Path]:
    """Another agency on this server, with its own escrow key pair (its private half in a
    0600 file beside the server's key file); returns its id and that file."""
    clean = name.strip()
    if not clean:
        raise Invalid("An agency needs a name.", field="name")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("Unknown time zone; use a name such as Europe/London.",
                      field="timezone") from None
    if any(a.name.lower() == clean.lower() for a in agencies(engine)):
        raise Conflict("An agency with that name already exists on this server.")
    tid = tenant_id or str(uuid.uuid4())
    key_file = agency_key_file(server_key_file, tid)
    _new_tenant(engine, clean, key_file, tenant_id=tid, office_phone=office_phone,
                timezone=timezone)
    return tid, key_file


def _new_tenant(
    engine: Engine, name: str, key_file: Path, *, tenant_id: str | None,
    office_phone: str, on_call_phone: str = "", timezone: str,
) -> str:
    public = escrow.generate_keypair_files(key_file)
    tid = tenant_id or str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(tenants).values(
            id=tid, name=name, office_phone=office_phone, on_call_phone=on_call_phone,
            timezone=timezone, escrow_public_key=base64.b64encode(public).decode(), clock=0,
        ))
        datakeys.create(conn, tid)
    return tid


@dataclass(frozen=True)
class Agency:
    id: str
    name: str


def agencies(engine: Engine) -> list[Agency]:
    with engine.begin() as conn:
        return [Agency(r.id, r.name) for r in conn.execute(
            select(tenants.c.id, tenants.c.name).order_by(tenants.c.name, tenants.c.id))]


def pick_agency(engine: Engine, chosen: str | None = None) -> str:
    """The agency a command is about: `chosen` (its name or id), or the only one there is.
    With several agencies and none chosen, the error names the choices."""
    found = agencies(engine)
    if not found:
        raise Invalid("No agency yet: run `fieldapp-server init` first.")
    if chosen is None:
        if len(found) == 1:
            return found[0].id
        raise Invalid(f"This server has {len(found)} agencies; say which with --agency: "
                      f"{_choices(found)}.", field="agency")
    want = chosen.strip().lower()
    match = [a for a in found if a.id == chosen.strip() or a.name.lower() == want]
    if len(match) != 1:
        raise Invalid(f"No agency called {chosen!r}; the agencies are: {_choices(found)}.",
                      field="agency")
    return match[0].id


def _choices(found: list[Agency]) -> str:
    return ", ".join(f"{a.name!r} ({a.id})" for a in found)


def the_tenant(engine: Engine) -> str:
    """The server's only agency (an error naming the choices when there are several)."""
    return pick_agency(engine)


def add_worker(engine: Engine, tenant_id: str, worker: dict[str, Any]) -> str:
    wid = worker.get("id") or str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(workers).values(
            id=wid, tenant_id=tenant_id, name=worker["name"], phone=worker.get("phone", ""),
            area=worker.get("area", ""), role=worker.get("role", "care_worker"), active=True,
            news2_trained=bool(worker.get("news2_trained", False)),
        ))
    return str(wid)


def add_coordinator(
    engine: Engine, tenant_id: str, name: str, email: str, password: str,
    *, is_safeguarding_lead: bool = False, coordinator_id: str | None = None,
    role: str | None = None,
) -> str:
    """An office account; `role` (server/roles.py) defaults to coordinator, or safeguarding
    lead with `is_safeguarding_lead`."""
    chosen = role_of(role or (Role.SAFEGUARDING_LEAD if is_safeguarding_lead
                              else Role.COORDINATOR))
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
            password_hash=password_hash, role=chosen.value, active=True,
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
