"""End-of-shift handover: drafting a 12-visit shift on a phone holding a year of history.

1. The year is `bench_vault.build_history` (365 days x 8 visits, five sealed records per past
   visit, all received by the office), built through the app's own functions.
2. Today becomes a 12-visit shift: the four other slots of the day are added to the rota, and
   every visit of today gets what a busy shift leaves (check-in, some late with a reason, two
   task outcomes, one refused; a dose per visit, some refused or late for their window; a note,
   some flagged "for handover"; three escalations, one with no visit), written with
   `records.write_record` like the services do; the clock then stands at 21:30.
3. `HandoverService.draft()` is timed cold (first call after reopening the store) and warm
   (median).
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from typing import Any

from bench.bench_vault import PIN, TODAY, build_history, calibrated_phone
from bench.common import Figure, median, percentile, rnd, time_ms
from bench.data import DAY_SLOTS, EIGHT_SLOTS, LONDON, UTC, Fake, change
from fieldapp.domain.clock import FakeClock
from fieldapp.services.device import Device
from fieldapp.services.handover import HandoverService
from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import write_record
from sync.handover import items_of

ORDER = 15
TITLE = "End-of-shift handover (issue 15)"
ABOUT = """\
Drafting the handover (`HandoverService.draft()`: the day's visits and their records opened,
the shift's loose records by time, the office's answers, the people's names, then the pure
`draft_handover`) for a 12-visit shift on a phone holding one worker's year: about 2,900 past
visits and 14,500 sealed records, built as in the device-vault benchmark. Today's shift has
late check-ins, a refused task, refused and late doses, flagged notes and three escalations
(one with no visit).
"""
FIGURES = [
    Figure("handover_draft_ms", "draft a 12-visit shift's handover, 1 year of history, "
           "warm median (ms)", "<= 200 ms", lambda v: v <= 200),
    Figure("handover_draft_cold_ms", "the same, first call after reopening the store (ms)",
           "<= 200 ms", lambda v: v <= 200),
    Figure("handover_draft_p95_ms", "warm p95 (ms)"),
    Figure("shift_visits", "visits in the shift"),
    Figure("shift_records", "records of the shift opened"),
    Figure("draft_items", "items drafted"),
    Figure("history_records", "sealed records in the store"),
]
END_OF_SHIFT = datetime.combine(TODAY, datetime.min.time(), LONDON).replace(
    hour=21, minute=30).astimezone(UTC)


def build_shift(device: Device, fake: Fake) -> int:
    """Today's 12 visits and what a busy shift records at them; returns the records written."""
    store, sealer, author = device.store, device.sealer(), device.author()
    extra = [s for s in DAY_SLOTS if s not in EIGHT_SLOTS]
    people = [r["id"] for r in store.rows("SELECT id FROM people ORDER BY id")]
    added = fake.day_visits(author.worker_id, [{"id": p} for p in people], TODAY, extra)
    replica.apply_response(store, accepted=[], rejected=[], changes=[
        change("visit", {**v, "status": "scheduled"}) for v in added], cursor=None,
        reset=False, at=END_OF_SHIFT.isoformat(), sealer=sealer)
    lo = datetime.combine(TODAY, datetime.min.time(), LONDON).astimezone(UTC)
    today = store.rows('SELECT id, service_user_id, start, "end" FROM visits WHERE start >= ? '
                       "AND start < ? ORDER BY start",
                       [lo.isoformat(), (lo + timedelta(days=1)).isoformat()])
    medicines = {r["service_user_id"]: r["id"] for r in store.rows(
        "SELECT id, service_user_id FROM medicines")}
    done = {r["visit_id"] for r in store.rows(
        "SELECT DISTINCT visit_id FROM records WHERE kind = 'check_in'")}
    written = 0
    with store.transaction() as db:
        for n, v in enumerate(today):
            if v["id"] in done:
                continue  # visited before the history's clock stopped (10:30)
            start = datetime.fromisoformat(v["start"])
            late = 25 if n % 4 == 1 else 0
            steps: list[tuple[str, timedelta, dict[str, Any], dict[str, Any]]] = [
                ("check_in", timedelta(minutes=late), {"reason": "Traffic" if late else None,
                                                       "timing": "late" if late else "on_time",
                                                       "minutes": late}, {}),
                ("task_outcome", timedelta(minutes=late + 5),
                 {"title": "Help with a wash", "outcome": "refused" if n % 5 == 2 else "done",
                  "reason": "Did not want it" if n % 5 == 2 else None},
                 {"task_id": fake.uuid(), "outcome": "refused" if n % 5 == 2 else "done"}),
                ("task_outcome", timedelta(minutes=late + 8), {"title": "A drink"},
                 {"task_id": fake.uuid(), "outcome": "done"}),
                ("dose_outcome", timedelta(minutes=late + 10),
                 {"medicine": "Amlodipine", "dose": "5 mg", "reason": "Refused"},
                 {"medicine_id": medicines.get(v["service_user_id"], fake.uuid()),
                  "scheduled_at": v["start"], "actual_at": v["start"],
                  "outcome": "refused" if n % 3 == 0 else "taken", "prn": False,
                  "controlled": False, **({"window": "late"} if n % 6 == 5 else {})}),
                ("note", timedelta(minutes=late + 15),
                 {"text": fake.note(), "phrases": [], "for_handover": n % 4 == 3}, {}),
                ("check_out", timedelta(minutes=late + 25), {}, {}),
            ]
            if n in (4, 9):
                steps.append(("escalation", timedelta(minutes=late + 12),
                              {"summary": "Fall: found on the floor"},
                              {"type": "fall", "severity": "urgent"}))
            for kind, after, payload, facts in steps:
                at = (start + after).isoformat()
                write_record(db, sealer, author, kind=kind, recorded_at=at,
                             payload={**payload, "at": at}, facts=facts, visit_id=v["id"],
                             service_user_id=v["service_user_id"], record_id=fake.uuid())
                written += 1
        at = (END_OF_SHIFT - timedelta(hours=1)).isoformat()
        write_record(db, sealer, author, kind="escalation", recorded_at=at,
                     payload={"summary": "Worker safety: dog at the gate"},
                     facts={"type": "worker_safety", "severity": "routine"},
                     record_id=fake.uuid())
    return written + 1


def run(quick: bool = False) -> dict[str, Any]:
    fake = Fake(15)
    with tempfile.TemporaryDirectory(prefix="bench-handover-") as tmp:
        device, params = calibrated_phone(tmp, fake)
        out: dict[str, Any] = build_history(device, fake, 30 if quick else 365)
        out["shift_records_written"] = build_shift(device, fake)
        store = device.store
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        device = Device(DeviceStore(store.path), device.keystore, FakeClock(END_OF_SHIFT),
                        params)
        device.unlock(PIN)
        service = HandoverService(device.store, device.sealer, device.author,
                                  FakeClock(END_OF_SHIFT))
        out["handover_draft_cold_ms"] = rnd(time_ms(service.draft, 1)[0])
        draft = service.draft()
        runs = time_ms(service.draft, 10 if quick else 50, warmup=2)
        out["handover_draft_ms"] = rnd(median(runs), 2)
        out["handover_draft_p95_ms"] = rnd(percentile(runs, 95), 2)
        out["shift_visits"] = int(draft.payload["sections"]["situation"]["text"].split(": ")[1]
                                  .split(" visit")[0])
        out["shift_records"] = device.store.rows(
            "SELECT COUNT(*) AS n FROM records r JOIN visits v ON v.id = r.visit_id "
            "WHERE v.start >= ? AND v.start < ?",
            [draft.shift_start.isoformat(), draft.shift_end.isoformat()])[0]["n"]
        out["draft_items"] = len(items_of(draft.payload))
        device.store.close()
    return out


def notes(results: dict[str, Any]) -> list[str]:
    if "handover_draft_ms" not in results:
        return []
    return [f"The shift had {results.get('shift_visits')} visits and "
            f"{results.get('shift_records')} records; the draft held "
            f"{results.get('draft_items')} items. Drafting reads today's visits through "
            "`visits_by_start`, their records through `records_by_visit` and the shift's "
            "records with no visit through `records_by_time`, so its cost follows the shift, "
            "not the year."]
