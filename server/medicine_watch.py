"""The medicines the office watches, opened once per version and shared by everything that
watches them: the missed-dose monitor and its "no dose set" check (server/missed_doses.py,
server/dose_limits.py) and the risk board's doses due now (server/services/due_doses.py).

A medicines list's body is sealed at rest, and a day's visits touch tens of thousands of lists:
opening them on every tick of the monitor and every refresh of a board was most of their work.
So each (agency, medicine, version) is opened once and remembered: its body when the medicine
is watched (time-critical at set times, or dosed per date), else only that it is not. An
edited list has a new version, so it is opened again; the oldest entries are dropped first
once there are too many. A list that does not open is left out (the medicines screen shows it
as damaged), never a crash, and is tried again next time.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from server import datakeys, sealing
from server.office_checks import DEFAULT_WINDOW_MINUTES
from server.schema import medicines
from server.storage import in_chunks
from sync import codes
from sync.schedule import due_between

MAX_KEPT = 1_000_000  # (agency, medicine, version) entries; most are "not watched" (None)
DAYS_KEPT = 14  # days of doses worked out per medicine version


@dataclass(frozen=True)
class Watched:
    """A watched medicine at one version: its clear body and what the watchers read of it."""

    medicine_id: str
    body: dict[str, Any]
    time_critical: bool  # at set times (a PRN medicine has no set times to miss)
    half: timedelta  # the window either side of a prescribed time
    label: str  # the medicine and strength, for the office only
    # Its scheduled doses (UTC) by local day and zone, worked out once: a board refreshed
    # every few seconds asks for the same days again and again.
    _days: dict[tuple[date, str], tuple[datetime, ...]] = field(
        default_factory=dict, compare=False, repr=False)

    def doses_between(self, lo: datetime, hi: datetime, tz: ZoneInfo) -> list[datetime]:
        """Its scheduled doses (UTC) in [lo, hi] (sync/schedule.py, the phone's own rule); none
        for a body the console would refuse."""
        out: list[datetime] = []
        day, last = lo.astimezone(tz).date(), hi.astimezone(tz).date()
        while day <= last:
            key = (day, tz.key)
            found = self._days.get(key)
            if found is None:
                if len(self._days) >= DAYS_KEPT:
                    self._days.clear()  # a server that runs for months: start again
                begin = datetime.combine(day, time.min, tz)
                end = datetime.combine(day + timedelta(days=1), time.min, tz)
                try:
                    found = tuple(due_between(self.body, begin, end - timedelta.resolution,
                                              tz))
                except ValueError:
                    found = ()
                self._days[key] = found
            out += [at for at in found if lo <= at <= hi]
            day += timedelta(days=1)
        return out

    @classmethod
    def of(cls, medicine_id: str, body: dict[str, Any]) -> Watched:
        return cls(
            medicine_id, body,
            time_critical=bool(body.get("time_critical") and body.get("times"))
            and not body.get("prn"),
            half=timedelta(minutes=int(body.get("window_minutes") or DEFAULT_WINDOW_MINUTES)),
            label=f"{body.get('name', '')} {body.get('strength', '')}".strip() or "a medicine")


def is_watched(body: dict[str, Any]) -> bool:
    return bool(body.get("time_critical") and body.get("times")) or \
        (body.get("amount") or {}).get("kind") == codes.DoseKind.PER_DATE


_UNSEEN = Watched("", {}, False, timedelta(0), "")  # not opened yet at that version
_kept: OrderedDict[tuple[str, str, int], Watched | None] = OrderedDict()
_lock = Lock()  # the monitor's thread and the console's refreshes share it


def watched(conn: Connection, tenant_id: str,
            versions: Mapping[str, int]) -> dict[str, Watched]:
    """The watched medicines among these (id -> current version), by id; opens only the
    lists not yet seen at that version."""
    out: dict[str, Watched] = {}
    unknown: list[str] = []
    for mid, version in versions.items():  # a dict read is atomic: no lock needed
        found = _kept.get((tenant_id, mid, version), _UNSEEN)
        if found is _UNSEEN:
            unknown.append(mid)
        elif found is not None:
            out[mid] = found
    if unknown:
        _open(conn, tenant_id, sorted(unknown))
        for mid in unknown:
            if (found := _kept.get((tenant_id, mid, versions[mid]))) is not None:
                out[mid] = found
    return out


def watched_bodies(conn: Connection, tenant_id: str, where: Any) -> dict[str, dict[str, Any]]:
    """The clear bodies, by id, of the medicines matching `where` that are watched (the
    shape server/dose_limits.py asks for)."""
    versions = {r.id: int(r.version) for r in conn.execute(
        select(medicines.c.id, medicines.c.version).where(medicines.c.tenant_id == tenant_id,
                                                          where))}
    return {mid: w.body for mid, w in watched(conn, tenant_id, versions).items()}


def forget() -> None:
    """Drop everything remembered (a test that reuses ids in a fresh database)."""
    with _lock:
        _kept.clear()


def _open(conn: Connection, tenant_id: str, ids: list[str]) -> None:
    keys = datakeys.keys_for(conn, tenant_id)
    for chunk in in_chunks(ids):
        opened: dict[tuple[str, str, int], Watched | None] = {}
        for m in conn.execute(select(medicines.c.id, medicines.c.version, medicines.c.body)
                              .where(medicines.c.tenant_id == tenant_id,
                                     medicines.c.id.in_(chunk))):
            try:
                body = sealing.open_body(keys, tenant_id, "medicines", m.id, m.version, m.body)
            except sealing.EnvelopeDamaged:
                continue
            opened[(tenant_id, m.id, int(m.version))] = \
                Watched.of(m.id, body) if is_watched(body) else None
        with _lock:
            _kept.update(opened)
            while len(_kept) > MAX_KEPT:
                _kept.popitem(last=False)
