"""The phone's sync client: push the outbox, pull the worker's changes, one round trip at a time.

Steps (docs/sync.md has the full protocol):
1. Take the oldest queued records, capped by count and bytes; mark them "sent".
2. POST them with the last applied cursor (gzip JSON, device token).
3. No answer → stay queued; the next attempt sends them again (same ids: no duplicates).
4. An answer → in ONE transaction: mark acknowledged records "received", refused ones
   "rejected" with the office's reason, apply the changes and save the new cursor.
5. Repeat while the server has more or the outbox is not empty (bounded per call).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Protocol

import httpx

from fieldapp.errors import EnrolmentFailed
from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.sync_state import MESSAGES, SyncResult, SyncState
from sync.protocol import (
    ENROL_PATH,
    MAX_PUSH_BYTES,
    MAX_PUSH_RECORDS,
    PROTOCOL_VERSION,
    SYNC_PATH,
    WIPED_PATH,
    ProtocolError,
    SyncRequest,
    SyncResponse,
    decode_body,
    encode_body,
)

APP_VERSION = "0.1.0"
MAX_ROUNDS_PER_SYNC = 50
BACKOFF_BASE_S = 5.0
BACKOFF_MAX_S = 300.0
PERIODIC_SYNC_S = 60.0


__all__ = ["MESSAGES", "DeviceLink", "EnrolmentFailed", "SyncClient", "SyncResult", "SyncState",
           "backoff_delay", "enrol"]


class Clock(Protocol):
    def now(self) -> datetime: ...


class Credentials(Protocol):
    """Where this phone syncs and the token it shows (the enrolment has both)."""

    @property
    def server_url(self) -> str: ...

    @property
    def device_token(self) -> str: ...


class DeviceLink(Protocol):
    """What sync needs of the phone's keys and identity; the device service provides it at
    composition (main.py), so this module never imports the services."""

    @property
    def unlocked(self) -> bool: ...

    def identity(self) -> Credentials: ...

    def outbox_sealer(self) -> replica.Opener | None: ...

    def note_server_contact(self, at: datetime) -> None: ...

    def erase(self) -> None: ...


def backoff_delay(failures: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter, capped: retries spread out, never stop."""
    cap = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, failures - 1))
    return (rng or random).uniform(cap / 2, cap)


async def enrol(http: httpx.AsyncClient, server_url: str, code: str) -> dict[str, object]:
    try:
        resp = await http.post(server_url.rstrip("/") + ENROL_PATH,
                               json={"code": code.strip(), "app_version": APP_VERSION})
    except httpx.HTTPError as exc:
        raise EnrolmentFailed(
            "Could not reach the office server. Check the address and your signal."
        ) from exc
    if resp.status_code != 200:
        try:
            message = resp.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"The office server answered with an error ({resp.status_code})."
        raise EnrolmentFailed(message)
    data = resp.json()
    if not isinstance(data, dict):
        raise EnrolmentFailed("The office server sent an unexpected answer.")
    return data


class SyncClient:
    def __init__(self, store: DeviceStore, device: DeviceLink, http: httpx.AsyncClient,
                 clock: Clock):
        self.store = store
        self.device = device
        self.http = http
        self.clock = clock

    async def enrol(self, server_url: str, code: str) -> dict[str, object]:
        """Exchange an enrolment code for this phone's identity (see `enrol`)."""
        return await enrol(self.http, server_url, code)

    @staticmethod
    def next_delay(failures: int) -> float:
        """Seconds until the next background sync: periodic, or backing off after failures."""
        return PERIODIC_SYNC_S if failures == 0 else backoff_delay(failures)

    async def sync_once(self) -> SyncResult:
        ident = self.device.identity()
        totals = {"sent": 0, "received": 0, "rejected": 0, "changes": 0}
        state = SyncState.OK
        for _ in range(MAX_ROUNDS_PER_SYNC):
            items = replica.pending(self.store, MAX_PUSH_RECORDS, MAX_PUSH_BYTES)
            now = self.clock.now().isoformat()
            replica.mark_sent(self.store, [i.record.id for i in items], now)
            waiting = replica.counts(self.store)
            request = SyncRequest(
                protocol=PROTOCOL_VERSION,
                cursor=replica.cursor(self.store),
                push=[i.record for i in items],
                app_version=APP_VERSION,
                # What the office's devices page shows as still on this phone.
                pending=waiting.on_phone + waiting.sent,
            )
            try:
                resp = await self.http.post(
                    ident.server_url + SYNC_PATH,
                    content=encode_body(request.to_dict()),
                    headers={"Authorization": f"Bearer {ident.device_token}",
                             "Content-Type": "application/json", "Content-Encoding": "gzip",
                             "Accept-Encoding": "gzip"},
                )
            except (httpx.ConnectError, httpx.ConnectTimeout):
                # Never left the phone: say so, rather than "sent".
                replica.mark_unsent(self.store, [i.record.id for i in items])
                return SyncResult(SyncState.OFFLINE, **totals)
            except httpx.HTTPError:
                # It may have arrived: keep "sent"; the retry (same ids) settles it.
                return SyncResult(SyncState.OFFLINE, **totals)
            if resp.status_code == 401:
                return SyncResult(SyncState.SIGNED_OUT, **totals)
            if resp.status_code == 426:
                return SyncResult(SyncState.TOO_OLD, **totals)
            if resp.status_code != 200:
                return SyncResult(SyncState.SERVER_ERROR, **totals)
            try:
                # httpx already undid the transport-level gzip; the body is plain JSON now.
                answer = SyncResponse.from_dict(decode_body(resp.content, None))
            except ProtocolError:
                return SyncResult(SyncState.SERVER_ERROR, **totals)
            totals["sent"] += len(items)
            totals["received"] += len(answer.accepted)
            totals["rejected"] += len(answer.rejected)
            totals["changes"] += replica.apply_response(
                self.store,
                accepted=answer.accepted,
                rejected=[(r.id, r.reason) for r in answer.rejected],
                changes=[c.to_dict() for c in answer.changes] if self.device.unlocked else [],
                cursor=answer.cursor if self.device.unlocked else None,
                reset=answer.reset,
                at=self.clock.now().isoformat(),
                sealer=self.device.outbox_sealer(),
            )
            # The offline lease restarts only on a real answer from the office.
            self.device.note_server_contact(self.clock.now())
            if answer.rejected:
                state = SyncState.REJECTED
            if answer.retention_days is not None:
                cutoff = self.clock.now() - timedelta(days=answer.retention_days)
                replica.purge_older_than(self.store, cutoff.isoformat())
            more_to_push = bool(replica.pending(self.store, 1, MAX_PUSH_BYTES))
            if answer.wipe:
                # Revoked: keep pushing while the office still takes what is queued (the
                # agency may refuse), then destroy everything and say so.
                if more_to_push and answer.accepted:
                    continue
                await self._erase_and_confirm(ident)
                return SyncResult(SyncState.REVOKED, **totals)
            if not answer.more and not more_to_push:
                break
            if not self.device.unlocked and not more_to_push:
                break
        return SyncResult(state, **totals)

    async def _erase_and_confirm(self, ident: Credentials) -> None:
        """Destroy keys and local data, then tell the office (best effort: the data is gone
        either way, and the token only lives on in `ident`, in memory)."""
        self.device.erase()
        try:
            await self.http.post(
                ident.server_url + WIPED_PATH,
                headers={"Authorization": f"Bearer {ident.device_token}"},
                json={"wiped_at": self.clock.now().isoformat()},
            )
        except httpx.HTTPError:
            pass  # the office shows the phone as revoked but not yet confirmed wiped
