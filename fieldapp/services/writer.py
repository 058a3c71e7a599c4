"""What every use case that seals records into the phone's store is built from."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from fieldapp.domain.clock import Clock
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author
from fieldapp.vault.dek import Sealer


class RecordWriter:
    """The store, the device's sealer and author (asked for at each write: the keys may have
    locked since), the clock, and the agency's time zone for what the worker reads."""

    def __init__(self, store: DeviceStore, sealer: Callable[[], Sealer],
                 author: Callable[[], Author], clock: Clock, tz: str = "Europe/London"):
        self.store = store
        self._sealer = sealer
        self._author = author
        self.clock = clock
        self.tz = ZoneInfo(tz)
