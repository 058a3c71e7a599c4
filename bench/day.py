"""One worker's 12-visit day on the wire, with the real phone code against the real server.

The phone enrols over HTTP, then (on a fake clock) syncs at 06:45, records each visit through
`VisitService` (check-in two minutes after the start, every task of the visit type "done",
each due dose "taken" through `MedicationService`, a note, check-out), and syncs again at
21:30. A `CountingTransport` around httpx's real transport counts the round trips and
compressed bytes. A second phone does the same day but syncs after
every visit, as it would with signal all day.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import httpx

from bench.data import LONDON, Fake
from bench.server import Worker
from bench.wire import CountingTransport, envelope_breakdown, push_what_if
from fieldapp.domain.clock import FakeClock
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.medication import MedicationService
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.store.replica import counts
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from sync.client import SyncClient, SyncState, enrol

PIN = "258036"


async def _phone_day(base: str, code: str, day: date, tmp: Path, fake: Fake,
                     each_visit: bool) -> dict[str, Any]:
    wire = CountingTransport()
    async with httpx.AsyncClient(transport=wire, timeout=60.0, trust_env=False) as http:
        data = await enrol(http, base, code)
        wire.reset()  # enrolment happens once, at the office: not part of the day
        clock = FakeClock(datetime.combine(day, dtime(6, 45), LONDON))
        store = DeviceStore(tmp / f"phone-{'each' if each_visit else 'day'}.sqlite")
        device = Device(store, MemoryKeyStore(), clock, KDF_FLOOR)
        device.complete_enrolment(Enrolment.from_server(base, data), PIN)
        client = SyncClient(store, device, http, clock)
        results = [await client.sync_once()]
        morning = wire.snapshot()
        service = VisitService(store, device.sealer, device.author, clock)
        meds = MedicationService(store, device.sealer, device.author, clock)
        doses = 0
        visits = service.day(day)
        for v in visits:
            clock.set(v.start + timedelta(minutes=2))
            service.check_in(v.id)
            for task in service.visit(v.id).tasks:
                clock.advance(minutes=5)
                service.record_task(v.id, task["id"], "done")
            for line in meds.round(v.id).doses:  # check-out needs every due dose answered
                if line.answer is None:
                    clock.advance(minutes=1)
                    meds.record_dose(v.id, line.due.medicine.id, line.due.scheduled_at, "taken")
                    doses += 1
            service.add_note(v.id, fake.note(), fake.phrases())
            clock.set(max(v.end, clock.now() + timedelta(minutes=1)))
            service.check_out(v.id)
            if each_visit:
                results.append(await client.sync_once())
        clock.set(datetime.combine(day, dtime(21, 30), LONDON))
        results.append(await client.sync_once())
        if any(r.state is not SyncState.OK for r in results) or counts(store).on_phone:
            raise RuntimeError(f"the day did not sync cleanly: {results}, {counts(store)}")
        out = {"visits": len(visits), "doses": doses, "records": counts(store).received,
               "morning": morning,
               "total": wire.snapshot(), "exchanges": wire.log,
               "envelopes": envelope_breakdown(store),
               "what_if": push_what_if(store, device.sealer())}
        store.close()
    return out


def run_day(base: str, phones: dict[str, Worker], day: date, tmp: Path,
            fake: Fake) -> dict[str, Any]:
    """Figures of the day for two unenrolled workers' phones: sync twice / after every visit."""
    code_day, code_each = (w.code for w in phones.values())
    one = asyncio.run(_phone_day(base, code_day, day, tmp, fake, each_visit=False))
    each = asyncio.run(_phone_day(base, code_each, day, tmp, fake, each_visit=True))
    t = one["total"]
    return {
        "day_round_trips": t["round_trips"], "day_compressed_bytes": t["sent"] + t["received"],
        "day_header_bytes": t["header_bytes"], "day_visits": one["visits"],
        "day_records": one["records"], "day_doses": one["doses"],
        "day_morning_bytes_down": one["morning"]["received"],
        "day_push_bytes_up": t["sent"] - one["morning"]["sent"], "day_exchanges": one["exchanges"],
        "day_envelopes": one["envelopes"], "day_push_bytes_what_if": one["what_if"],
        "day_each_visit_round_trips": each["total"]["round_trips"],
        "day_each_visit_compressed_bytes": each["total"]["sent"] + each["total"]["received"],
    }
