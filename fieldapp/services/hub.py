"""The one services object the screens get from main.py: visits, medicines, corrections,
the phone's lock and PINs, enrolment, the outbox, and sync — everything a screen may call."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from fieldapp.domain.clock import Clock
from fieldapp.domain.entry import clock_time_today
from fieldapp.errors import FieldAppError, NotEnrolled, RuleViolation
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.escalations import EscalationService
from fieldapp.services.handover import HandoverService
from fieldapp.services.lone_working import LoneWorkingService
from fieldapp.services.outbox import OutboxView
from fieldapp.services.visits import VisitService
from fieldapp.settings import AppSettings
from fieldapp.store.replica import SyncCounts
from fieldapp.store.sync_state import SyncResult, SyncState
from fieldapp.vault.dek import check_pin_policy
from fieldapp.vault.keystore import prepare_keystore
from fieldapp.vault.lock import wait_words

DEFAULT_TZ = "Europe/London"
OLD_QUEUE_WAITING = (
    "Records from before the lockout are still waiting to be sent to the office. Connect to "
    "the internet and try again, or call the office.")


class SyncPort(Protocol):
    """The sync client as the services use it (main.py passes `sync.client.SyncClient`)."""

    async def sync_once(self) -> SyncResult: ...

    async def enrol(self, server_url: str, code: str) -> dict[str, object]: ...

    def next_delay(self, failures: int) -> float: ...


@dataclass(frozen=True)
class LockStatus:
    """What the PIN screen shows before the worker tries a PIN."""

    worker_name: str
    lease_message: str | None  # set when the offline lease has run out
    wait_seconds: int  # wrong-PIN back-off still running

    @property
    def wait_words(self) -> str:
        return wait_words(self.wait_seconds)


class Services:
    """One app session's use cases. Screens hold this object and nothing below it."""

    def __init__(self, settings: AppSettings, device: Device, clock: Clock, sync: SyncPort):
        self.settings = settings
        self.store = device.store
        self.device = device
        self.clock = clock
        self._sync = sync
        self.visits = VisitService(self.store, device.sealer, device.author, clock)
        self.medication = self.visits.medication
        self.addenda = self.visits.addenda
        self.outbox = OutboxView(self.store)
        self.escalations = EscalationService(self.store, device.sealer, device.author, clock)
        self.handover = HandoverService(self.store, device.sealer, device.author, clock)
        self.lone = LoneWorkingService(self.store, device.sealer, device.author, clock)
        self.last_result: SyncResult | None = None
        self._sync_lock = asyncio.Lock()

    # --- time, as the worker reads it -----------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        with contextlib.suppress(NotEnrolled):
            if self.device.enrolled:
                return ZoneInfo(self.device.identity().timezone)
        return ZoneInfo(DEFAULT_TZ)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.visits.today()

    def local_time(self, when: datetime) -> str:
        return when.astimezone(self.tz).strftime("%H:%M")

    def time_today(self, raw: str | None) -> datetime | None:
        """A typed 'HH:MM' today (None when blank: now)."""
        return clock_time_today(raw or "", self.clock.now(), self.tz)

    # --- identity, lock and PINs ----------------------------------------------------------
    @property
    def enrolled(self) -> bool:
        return self.device.enrolled

    @property
    def locked_out(self) -> bool:
        return self.device.locked_out

    @property
    def unlocked(self) -> bool:
        return self.device.unlocked

    def identity(self) -> Enrolment:
        return self.device.identity()

    def lock_status(self) -> LockStatus:
        ident = self.device.identity()
        lease = (self.device.policy.lease_message(ident.office_phone)
                 if self.device.lease_expired() else None)
        return LockStatus(ident.worker_name, lease, self.device.seconds_until_next_try())

    def idle_expired(self, idle_seconds: float) -> bool:
        return self.device.unlocked and self.device.policy.idle_expired(idle_seconds)

    async def unlock(self, pin: str) -> None:
        """Open the keys (a few hundred ms on purpose: off the event loop)."""
        await asyncio.get_running_loop().run_in_executor(None, self.device.unlock, pin)

    def lock(self) -> None:
        self.device.lock()

    async def change_pin(self, current_pin: str, new_pin: str) -> None:
        await asyncio.get_running_loop().run_in_executor(
            None, self.device.change_pin, current_pin, new_pin)

    async def set_duress_pin(self, current_pin: str, duress_pin: str) -> None:
        await asyncio.get_running_loop().run_in_executor(
            None, self.device.set_duress_pin, current_pin, duress_pin)

    async def clear_duress_pin(self, current_pin: str) -> None:
        await asyncio.get_running_loop().run_in_executor(
            None, self.device.clear_duress_pin, current_pin)

    # --- enrolment ------------------------------------------------------------------------
    async def enrol(self, server_url: str, code: str, pin: str, pin_again: str | None = None
                    ) -> None:
        """Enrol with a code from the office and a new PIN; after a lockout, first send what
        the old enrolment still has queued. Raises FieldAppError with words for the worker."""
        if pin_again is not None and pin != pin_again:
            raise RuleViolation("The two PINs are different. Type the same PIN twice.")
        # Before the code is used up: a refused PIN must not cost the worker their code.
        check_pin_policy(pin)
        if self.device.locked_out and not await self._old_queue_sent():
            raise FieldAppError(OLD_QUEUE_WAITING)
        data = await self._sync.enrol(server_url, code)
        enrolment = Enrolment.from_server(server_url, data)
        if self.device.enrolled:
            self.device.reset_for_reenrolment()
        await prepare_keystore(self.device.keystore)
        await asyncio.get_running_loop().run_in_executor(
            None, self.device.complete_enrolment, enrolment, pin)

    async def _old_queue_sent(self) -> bool:
        result = await self.sync_now()
        if not self.device.enrolled:  # the office withdrew the phone meanwhile: it has erased
            return True
        # An unknown old token can never send them: they go with the new enrolment instead.
        return self.outbox.waiting() == 0 or result.state is SyncState.SIGNED_OUT

    # --- sync and the outbox --------------------------------------------------------------
    def counts(self) -> SyncCounts:
        return self.outbox.counts()

    def last_sync_at(self) -> datetime | None:
        return self.outbox.last_sync_at()

    async def sync_now(self) -> SyncResult:
        """One sync (never two at once); the result is kept as `last_result`."""
        async with self._sync_lock:
            try:
                result = await self._sync.sync_once()
            except FieldAppError:
                result = SyncResult(SyncState.SERVER_ERROR)
            self.last_result = result
        return result

    def next_sync_delay(self, failures: int) -> float:
        return self._sync.next_delay(failures)
