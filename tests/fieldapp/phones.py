"""The phone the use-case tests run on: a real SQLite store, a sealer, one worker, a fake clock,
and the office's changes applied the way a sync applies them."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fieldapp.domain.clock import FakeClock
from fieldapp.services.visits import VisitService
from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author, open_record
from fieldapp.vault.dek import Sealer, generate_agency_keypair

TENANT = "t-1"

Parts = tuple[DeviceStore, Callable[[], Sealer], Callable[[], Author], FakeClock]


class StorePhone:
    """`synced_at`: when the office's changes are said to have arrived (else the clock's now)."""

    def __init__(self, tmp: Path, now: datetime, worker: str = "w-1",
                 synced_at: datetime | None = None):
        self.store = DeviceStore(tmp / f"{worker}.sqlite")
        self.sealer = Sealer(os.urandom(32), TENANT, generate_agency_keypair()[1])
        self.author = Author(TENANT, worker, f"dev-{worker}")
        self.clock = FakeClock(now)
        self.synced_at = synced_at
        self.visits = VisitService(*self.parts())

    def parts(self) -> Parts:
        """What every use case is built from: the store, the sealer, the author, the clock."""
        return (self.store, lambda: self.sealer, lambda: self.author, self.clock)

    def load(self, changes: list[dict[str, Any]], accepted: list[str] | None = None) -> None:
        replica.apply_response(self.store, accepted=accepted or [], rejected=[],
                               changes=changes, cursor="c1.1", reset=False,
                               at=(self.synced_at or self.clock.now()).isoformat(),
                               sealer=self.sealer)

    def load_visit(self, person: dict[str, Any], start: datetime, minutes: int = 30,
                   visit_id: str = "v-1") -> None:
        """The person and this worker's morning visit to them."""
        visit = {"worker_id": self.author.worker_id, "service_user_id": person["id"],
                 "visit_type": "morning", "start": start.isoformat(),
                 "end": (start + timedelta(minutes=minutes)).isoformat()}
        self.load([{"entity": "service_user", "id": person["id"], "op": "upsert",
                    "body": person},
                   {"entity": "visit", "id": visit_id, "op": "upsert", "body": visit}])

    def record(self, rid: str) -> dict[str, Any]:
        return self.store.rows("SELECT * FROM records WHERE id = ?", [rid])[0]

    def said(self, rid: str) -> dict[str, Any]:
        """What the record says, opened."""
        return open_record(self.sealer, self.record(rid))
