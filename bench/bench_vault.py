"""Device vault: PIN unlock, seal/open throughput, and today's visit list over a year of history.

1. `calibrate_kdf()` picks scrypt settings for this machine; a phone is enrolled with them
   (`Device.complete_enrolment`) and `Device.unlock(PIN)` is timed (median of >= 5).
2. `Sealer.seal` (with the office escrow copy, as `records.write_record` does) and `Sealer.open`
   of a ~300-byte visit-note payload, as records per second.
3. A store holding one worker's year (365 days x 8 visits, 5 records per past visit plus an
   outcome for every dose due at it) is built through the app's own functions:
   `replica.apply_response` applies the office's changes (visits, people, care plans, and 15
   medicines per person: every frequency, range and per-date doses, a patch, a course, PRN and
   a controlled drug — issue 14) and `records.write_record` writes the records inside one
   `DeviceStore.transaction()`; the office then acknowledges them all (`apply_response`).
   `VisitService.day()` for today is timed warm (median) and cold (first call after reopening),
   and `VisitService.visit()` (the visit screen: plan, due doses, dose history) warm.
"""

from __future__ import annotations

import base64
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Figure, median, percentile, rnd, time_ms
from bench.data import EIGHT_SLOTS, LONDON, UTC, Fake, change
from fieldapp.domain import mar, visit_rules
from fieldapp.domain.clock import FakeClock
from fieldapp.domain.mar import Medicine
from fieldapp.domain.visit_rules import Visit
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author, write_record
from fieldapp.vault.dek import KdfParams, Sealer, calibrate_kdf, generate_agency_keypair
from fieldapp.vault.keystore import MemoryKeyStore
from fieldapp.vault.sealing import canonical_json

ORDER = 3  # sections of docs/benchmarks.md follow the issue numbers
TITLE = "Device vault (issue 3)"
ABOUT = """\
PIN unlock at the scrypt parameters `calibrate_kdf()` picks on this machine (target window
250–500 ms per derivation), seal/open throughput of a ~300-byte visit-note payload (sealing
includes the office escrow copy, as every worker record does), and the time to build today's
visit list (`VisitService.day()`, warm, median) from a store holding one worker's year: about
3,000 visits over 365 days with their people, care plans, 15 medicines per person (every
frequency, range and per-date doses, a patch, a course, PRN lines and a controlled drug) and,
per past visit, five sealed records (check-in, two task outcomes, a note, check-out) plus an
outcome for every dose due at it. The store is built through the app's own functions
(`replica.apply_response`, `records.write_record`), not over HTTP.
"""
FIGURES = [
    Figure("unlock_ms", "PIN unlock, median (ms)", "250–500 ms",
           lambda v: 250 <= v <= 500),
    Figure("kdf_params", "scrypt parameters chosen by calibrate_kdf()"),
    Figure("seal_per_s", "seal with escrow, ~300-byte payload (records/s)"),
    Figure("open_per_s", "open on the phone, ~300-byte payload (records/s)"),
    Figure("day_view_ms_1y_history", "today's visit list, 1 year of history, warm median (ms)",
           "< 50 ms", lambda v: v < 50),
    Figure("day_view_cold_ms", "today's visit list, first call after reopening the store (ms)",
           "< 50 ms", lambda v: v < 50),
    Figure("visit_detail_ms", "one visit's detail (plan, medicines, records), warm median (ms)"),
    Figure("history_visits", "visits in the store"),
    Figure("medicines_per_person", "medicines on each person's list"),
    Figure("history_records", "sealed records in the store"),
    Figure("store_bytes", "store file size after a WAL checkpoint (bytes)"),
    Figure("build_seconds", "time to build the year's store (s)"),
]

PIN = "258036"
TODAY = date(2026, 3, 18)  # a Wednesday; the clock stands at 10:30 London time
NOW = datetime(2026, 3, 18, 10, 30, tzinfo=LONDON).astimezone(UTC)
PEOPLE_ON_ROUND = 10


def calibrated_phone(tmp: str, fake: Fake) -> tuple[Device, KdfParams]:
    """A phone enrolled in `tmp` with this machine's calibrated key derivation (what a real
    first enrolment does), and those parameters."""
    params = calibrate_kdf()
    _, escrow_public = generate_agency_keypair()
    return _enrol(Path(tmp) / "phone.sqlite", params, escrow_public, fake), params


def _enrol(path: Path, params: KdfParams, escrow_public: bytes, fake: Fake) -> Device:
    store = DeviceStore(path)
    device = Device(store, MemoryKeyStore(b"k" * 32), FakeClock(NOW), params)
    device.complete_enrolment(Enrolment(
        server_url="http://office.invalid", device_id=fake.uuid(), device_token="t" * 43,
        tenant_id=fake.uuid(), worker_id=fake.uuid(), worker_name="Amira Khan",
        agency_name="Bench Home Care", escrow_public_key=base64.b64encode(escrow_public).decode(),
    ), PIN)
    return device


def _note_payload(fake: Fake, at: str) -> dict[str, Any]:
    # write_record adds worker_id and device_id: ~300 bytes of canonical JSON in all.
    return {"text": fake.note(), "phrases": fake.phrases(), "at": at}


def bench_seal_open(sealer: Sealer, author: Author, fake: Fake, n: int) -> dict[str, Any]:
    payload = {**_note_payload(fake, NOW.isoformat()), "worker_id": author.worker_id,
               "device_id": author.device_id}
    ids = [fake.uuid() for _ in range(n)]
    started = time.perf_counter()
    sealed = [sealer.seal("records", rid, 1, payload, escrow=True) for rid in ids]
    seal_s = time.perf_counter() - started
    started = time.perf_counter()
    for rid, env in zip(ids, sealed, strict=True):
        sealer.open("records", rid, 1, env)
    open_s = time.perf_counter() - started
    return {"seal_per_s": int(n / seal_s), "open_per_s": int(n / open_s),
            "payload_bytes": len(canonical_json(payload))}


def build_history(device: Device, fake: Fake, days: int) -> dict[str, Any]:
    """Fill the store with `days` of one worker's round ending today; past visits have records."""
    store, sealer, author = device.store, device.sealer(), device.author()
    people, plans, meds = fake.people(
        PEOPLE_ON_ROUND, full_mar=(TODAY - timedelta(days=days - 1), TODAY + timedelta(days=7)))
    tasks = {p["service_user_id"]: p["tasks"] for p in plans}
    parsed: dict[str, list[Medicine]] = {}
    for m in meds:
        parsed.setdefault(m["service_user_id"], []).append(Medicine.from_dict(m))
    visits: list[dict[str, Any]] = []
    for back in range(days - 1, -1, -1):
        day = TODAY - timedelta(days=back)
        # Turnover: the round's people rotate a little every week.
        shift = (day.toordinal() // 7) % PEOPLE_ON_ROUND
        visits += fake.day_visits(author.worker_id, people[shift:] + people[:shift], day,
                                  EIGHT_SLOTS)
    changes = ([change("service_user", p) for p in people] + [change("care_plan", p) for p in plans]
               + [change("medicine", m) for m in meds]
               + [change("visit", {**v, "status": "scheduled"}) for v in visits])
    replica.apply_response(store, accepted=[], rejected=[], changes=changes,
                           cursor=f"c1.{len(changes)}", reset=True, at=NOW.isoformat(),
                           sealer=sealer)
    record_ids: list[str] = []
    with store.transaction() as db:
        for v in visits:
            start = datetime.fromisoformat(v["start"])
            if start >= NOW:
                continue
            end = datetime.fromisoformat(v["end"])
            vt_tasks = [t for t in tasks[v["service_user_id"]]
                        if t["visit_type"] == v["visit_type"]]
            steps: list[tuple[str, datetime, dict[str, Any]]] = [
                ("check_in", start, {"at": start.isoformat(), "timing": "on_time", "minutes": 0,
                                     "reason": None})]
            for i, task in enumerate(vt_tasks[:2]):
                at = start + timedelta(minutes=5 + 5 * i)
                steps.append(("task_outcome", at, {
                    **visit_rules.validate_task_outcome(task, "done").to_payload(),
                    "at": at.isoformat(), "title": task["title"]}))
            steps += _dose_steps(parsed[v["service_user_id"]], v, start)
            steps.append(("note", end - timedelta(minutes=3),
                          _note_payload(fake, (end - timedelta(minutes=3)).isoformat())))
            steps.append(("check_out", end, {"at": end.isoformat()}))
            for kind, at, payload in steps:
                facts = payload.pop("facts", None)
                record_ids.append(write_record(
                    db, sealer, author, kind=kind, recorded_at=at.isoformat(), payload=payload,
                    visit_id=v["id"], service_user_id=v["service_user_id"],
                    record_id=fake.uuid(), facts=facts))
    # Everything before today reached the office long ago.
    replica.apply_response(store, accepted=record_ids, rejected=[], changes=[], cursor=None,
                           reset=False, at=NOW.isoformat(), sealer=sealer)
    return {"history_visits": len(visits), "history_records": len(record_ids),
            "history_days": days, "people": len(people),
            "medicines_per_person": len(meds) // len(people)}


def _dose_steps(meds: list[Medicine], v: dict[str, Any], start: datetime
                ) -> list[tuple[str, datetime, dict[str, Any]]]:
    """An outcome for each dose due at a past visit, as the eMAR writes it (clear facts with
    the amount given and a patch's site, so a year of dose history is read as on a phone)."""
    out: list[tuple[str, datetime, dict[str, Any]]] = []
    visit = Visit.from_dict(v)
    for n, due in enumerate(mar.doses_due(meds, visit, LONDON)):
        m, at = due.medicine, start + timedelta(minutes=3 + n)
        code = "given" if m.support_level.value == "administer" else "taken"
        day = due.scheduled_at.astimezone(LONDON).date()
        amount = m.amount.amount_given(True, False, 1.0 if m.amount.is_range else None, day)
        facts: dict[str, Any] = {
            "medicine_id": m.id, "scheduled_at": due.scheduled_at.isoformat(),
            "actual_at": at.isoformat(), "outcome": code, "prn": False,
            "controlled": m.controlled}
        if amount is not None:
            facts["amount"] = amount
        if m.patch_sites:
            facts["patch_site"] = m.patch_sites[n % len(m.patch_sites)].value
        out.append(("dose_outcome", at, {**facts, "medicine": m.display_name, "dose": m.dose,
                                         "route": m.route, "reason": None, "witness": None,
                                         "flags": [], "at": at.isoformat(), "facts": facts}))
    return out


def run(quick: bool = False) -> dict[str, Any]:
    fake = Fake(3)
    with tempfile.TemporaryDirectory(prefix="bench-vault-") as tmp:
        device, params = calibrated_phone(tmp, fake)

        def relock() -> None:
            device.lock()
            device.unlock(PIN)

        unlocks = time_ms(relock, 5 if quick else 7)
        out: dict[str, Any] = {
            "unlock_ms": rnd(median(unlocks)), "unlock_samples_ms": [rnd(u) for u in unlocks],
            "kdf_params": params.to_dict(), "kdf_memory_mib": params.memory_bytes // 2**20,
        }
        out.update(bench_seal_open(device.sealer(), device.author(), fake, 300 if quick else 3000))

        started = time.perf_counter()
        out.update(build_history(device, fake, 30 if quick else 365))
        out["build_seconds"] = rnd(time.perf_counter() - started)
        store = device.store
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out["store_bytes"] = store.path.stat().st_size

        # Cold: a fresh connection (as after the app restarts) and its very first day() call.
        store.close()
        device = Device(DeviceStore(store.path), device.keystore, FakeClock(NOW), params)
        device.unlock(PIN)
        service = VisitService(device.store, device.sealer, device.author, FakeClock(NOW))
        out["day_view_cold_ms"] = rnd(time_ms(service.day, 1)[0])
        today = service.day()
        runs = time_ms(service.day, 20 if quick else 200, warmup=3)
        out["day_view_ms_1y_history"] = rnd(median(runs), 3)
        out["day_view_p95_ms"] = rnd(percentile(runs, 95), 3)
        out["day_view_visits"] = len(today)
        done = next(v for v in today if v.status == "done")
        out["visit_detail_ms"] = rnd(median(time_ms(lambda: service.visit(done.id),
                                                    10 if quick else 50, warmup=2)), 3)
        device.store.close()
    return out


def notes(results: dict[str, Any]) -> list[str]:
    out = []
    p = results.get("kdf_params") or {}
    if p:
        out.append(f"`calibrate_kdf()` chose scrypt n=2^{int(p['n']).bit_length() - 1}, "
                   f"r={p['r']}, p={p['p']} ({results.get('kdf_memory_mib')} MiB); "
                   "unlock = scrypt + HKDF + AES-GCM unwrap + two small meta writes.")
    if "history_records" in results:
        out.append(f"The store held {results['history_visits']:,} visits and "
                   f"{results['history_records']:,} sealed records "
                   f"({results['store_bytes'] / 2**20:.1f} MiB); today's list had "
                   f"{results.get('day_view_visits')} visits. `day()` opens only the sealed "
                   "people rows it shows and their medicines lists (to mark time-critical "
                   "doses; most of its time), and reads dose outcomes from a day before the "
                   "first visit on; its cost does not grow with history because visits are "
                   "found through `visits_by_start` and records through `records_by_visit` "
                   "and `records_by_person`.")
    return out
