"""The office's phones: each enrolled device with its last contact, app version and what it
last said was still waiting to reach the office; enrolment codes issued from the console and
phones withdrawn (wiped at their next contact), every such action audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, and_, select

from server import enrolment
from server.clock import SYSTEM_CLOCK, Clock
from server.schema import devices, workers
from server.services.audit import audit
from server.services.rota_board import require_planner
from server.services.sign_in import Coordinator
from sync.codes import Code

CODE_MINUTES = 60 * 24  # as `fieldapp-server enrol` gives them


class DeviceState(Code):
    ACTIVE = "active", "In use"
    # revoked: it wipes itself at its next contact
    WITHDRAWN = "withdrawn", "Withdrawn: wipes at its next contact"
    WIPED = "wiped", "Wiped (confirmed by the phone)"  # the phone destroyed its data


@dataclass(frozen=True)
class Device:
    id: str
    worker_id: str
    worker_name: str
    enrolled_at: str
    last_seen_at: str | None
    app_version: str
    pending: int | None  # None: the app does not report it
    revoked_at: str | None
    wiped_at: str | None

    @property
    def state(self) -> DeviceState:
        return (DeviceState.WIPED if self.wiped_at else
                DeviceState.WITHDRAWN if self.revoked_at else DeviceState.ACTIVE)


def list_devices(engine: Engine, who: Coordinator) -> list[Device]:
    """The agency's phones: in use first, then withdrawn, then wiped; by worker's name."""
    require_planner(who)
    with engine.connect() as conn:
        rows = conn.execute(
            select(devices, workers.c.name.label("worker_name"))
            .join(workers, and_(workers.c.id == devices.c.worker_id,
                                workers.c.tenant_id == devices.c.tenant_id))
            .where(devices.c.tenant_id == who.tenant_id)).mappings().all()
    found = [Device(r["id"], r["worker_id"], r["worker_name"], r["enrolled_at"],
                    r["last_seen_at"], r["app_version"] or "", r["pending_count"],
                    r["revoked_at"], r["wiped_at"]) for r in rows]
    order = list(DeviceState)
    return sorted(found, key=lambda d: (order.index(d.state), d.worker_name, d.enrolled_at))


def issue_code(engine: Engine, who: Coordinator, worker_id: str,
               clock: Clock = SYSTEM_CLOCK) -> str:
    """A one-time enrolment code for an active worker of the agency (shown once: only its
    hash is kept)."""
    require_planner(who)
    now = clock.now()
    code = enrolment.issue_code(engine, worker_id, CODE_MINUTES, now, tenant_id=who.tenant_id)
    with engine.begin() as conn:
        audit(conn, who, "issue_enrolment_code", "worker", worker_id, now)
    return code


def withdraw(engine: Engine, who: Coordinator, device_id: str,
             clock: Clock = SYSTEM_CLOCK) -> None:
    """Revoke a phone of the agency: at its next contact it delivers what it holds (as the
    agency chose) and wipes itself, then confirms."""
    require_planner(who)
    enrolment.revoke(engine, device_id, who.id, clock=clock, tenant_id=who.tenant_id)
    with engine.begin() as conn:
        audit(conn, who, "revoke_device", "device", device_id, clock.now())


def active_workers(engine: Engine, who: Coordinator) -> list[tuple[str, str]]:
    """(id, name) of the agency's active workers, by name: who a code can be issued for."""
    require_planner(who)
    with engine.connect() as conn:
        return [(r.id, r.name) for r in conn.execute(
            select(workers.c.id, workers.c.name)
            .where(workers.c.tenant_id == who.tenant_id, workers.c.active)
            .order_by(workers.c.name, workers.c.id))]
