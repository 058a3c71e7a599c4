"""An agency's settings: safety timings (office acknowledgement, lone-worker grace periods) and
whether handover points reach the next worker."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import timedelta

from sqlalchemy import Connection, insert, select, update

from server.errors import Invalid
from server.schema import agency_settings

LIMIT_S = 24 * 3600  # no timing may be longer than a day


@dataclass(frozen=True)
class AgencyTimings:
    """DOMAIN.md's defaults: urgent 15 min, emergency 5 min; lone worker 10 + 10, tiers 2 min;
    a phone silent for an hour on shift shows on the risk board."""

    urgent_ack_s: int = 15 * 60
    emergency_ack_s: int = 5 * 60
    lone_grace_s: int = 10 * 60
    lone_amber_to_red_s: int = 10 * 60
    lone_tier_ack_s: int = 2 * 60
    # The risk board lists a worker on shift whose phone has not synced for longer than this.
    sync_stale_s: int = 60 * 60

    def ack_wait(self, severity: str, lone_working: bool = False) -> timedelta | None:
        """How long an escalation of `severity` waits for acknowledgement per ladder tier (a
        lone worker's red alert: each tier's own, shorter, time)."""
        if lone_working:
            return timedelta(seconds=self.lone_tier_ack_s)
        seconds = {"urgent": self.urgent_ack_s, "emergency": self.emergency_ack_s}.get(severity)
        return None if seconds is None else timedelta(seconds=seconds)


def timings(conn: Connection, tenant_id: str) -> AgencyTimings:
    row = conn.execute(select(agency_settings).where(
        agency_settings.c.tenant_id == tenant_id)).mappings().first()
    if row is None:
        return AgencyTimings()
    return AgencyTimings(**{f.name: int(row[f.name]) for f in fields(AgencyTimings)})


def set_timings(conn: Connection, tenant_id: str, **changes: int) -> AgencyTimings:
    """Change some timings (seconds); each must be a whole number from 1 s to a day."""
    known = {f.name for f in fields(AgencyTimings)}
    for name, value in changes.items():
        if name not in known:
            raise Invalid(f"unknown timing {name!r}; known: {', '.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LIMIT_S:
            raise Invalid(f"{name} must be a whole number of seconds from 1 to {LIMIT_S}")
    current = asdict(timings(conn, tenant_id)) | changes
    exists = conn.execute(select(agency_settings.c.tenant_id).where(
        agency_settings.c.tenant_id == tenant_id)).first()
    if exists is None:
        conn.execute(insert(agency_settings).values(tenant_id=tenant_id, **current))
    else:
        conn.execute(update(agency_settings).where(
            agency_settings.c.tenant_id == tenant_id).values(**current))
    return AgencyTimings(**current)


def handover_to_next_worker(conn: Connection, tenant_id: str) -> bool:
    """Whether a handover's points for the next worker reach the phones (default on)."""
    value = conn.execute(select(agency_settings.c.handover_to_next_worker).where(
        agency_settings.c.tenant_id == tenant_id)).scalar()
    return True if value is None else bool(value)


def set_handover_to_next_worker(conn: Connection, tenant_id: str, on: bool) -> None:
    exists = conn.execute(select(agency_settings.c.tenant_id).where(
        agency_settings.c.tenant_id == tenant_id)).first()
    if exists is None:
        conn.execute(insert(agency_settings).values(
            tenant_id=tenant_id, handover_to_next_worker=on, **asdict(AgencyTimings())))
    else:
        conn.execute(update(agency_settings).where(
            agency_settings.c.tenant_id == tenant_id).values(handover_to_next_worker=on))
