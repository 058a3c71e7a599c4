"""Office data sealed at rest: what sealing and opening the office's rows costs.

1. `sealing.seal_body` / `sealing.open_body` of the demo agency's people, care plans and
   medicines (the bodies `agency.add_people` stores), in microseconds per row, median of rounds.
2. A dose-facts feed body (what `record_hooks` publishes to the other workers of a person),
   sealed and opened the same way.
3. One worker's full resync (`scope.current_scope`: 8 visits, their people, plans and
   medicines, opened from the sealed rows) on a real SQLite file, warm median, and the share of
   it spent opening.

Both ways a phone could be served (the feed keeps a sealed copy, opened as it is served; or the
feed points at the person's row, opened as it is served) open one envelope per change served;
the sealed copy adds one seal per change when it is published (a rota change or a colleague's
dose), outside the morning rush, and keeps the feed's versions exact. That is the one built.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.common import Figure, median, rnd, time_ms
from server import agency, datakeys, rota, scope, sealing
from server.demo_data import build_demo_agency
from server.storage import make_engine, migrate

ORDER = 10  # sections of docs/benchmarks.md follow the issue numbers
TITLE = "Office data sealed at rest (issue 10)"
ABOUT = """\
The office seals people, care plans, medicines and every feed body under the agency's data key
(server/sealing.py, the one envelope format, version 2). Timed here: sealing and opening the
demo agency's 90 office rows (people, care plans, medicines; about 1.2 KB of JSON each) and a
dose-facts feed body, per row (median of rounds), and one worker's full resync
(`scope.current_scope`, 8 visits and their people, plans and medicines opened from sealed rows)
on a real SQLite file. The morning rush with sealed data is in the sync section above.
"""
FIGURES = [
    Figure("seal_row_us", "seal one office row (µs)"),
    Figure("open_row_us", "open one office row (µs)", "≤ 1,000 µs", lambda v: v <= 1000),
    Figure("seal_feed_dose_us", "seal a dose-facts feed body (µs)"),
    Figure("open_feed_dose_us", "open a dose-facts feed body (µs)"),
    Figure("resync_ms", "one worker's full resync from sealed rows, warm median (ms)"),
    Figure("resync_open_share", "share of that resync spent opening (fraction)"),
]

DOSE = {"service_user_id": "0190f0e4-5b1c-7d7e-9f00-000000000001",
        "medicine_id": "0190f0e4-5b1c-7d7e-9f00-000000000002",
        "scheduled_at": "2026-03-18T08:00:00+00:00", "actual_at": "2026-03-18T08:10:00+00:00",
        "outcome": "taken", "worker_id": "0190f0e4-5b1c-7d7e-9f00-000000000003"}


def _per_row_us(fn: Any, items: list[Any], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for item in items:
            fn(item)
        samples.append((time.perf_counter() - started) / len(items) * 1e6)
    return rnd(median(samples), 1)


def run(quick: bool = False) -> dict[str, Any]:
    rounds = 3 if quick else 9
    day = date(2026, 3, 18)
    demo = build_demo_agency(day)
    rows = ([("service_users", p) for p in demo.service_users]
            + [("care_plans", c) for c in demo.care_plans]
            + [("medicines", m) for m in demo.medicines])
    keys = datakeys.AgencyKeys.new()
    tid = demo.agency["id"]
    sealed = [(t, r, sealing.seal_body(keys, tid, t, r["id"], 1, r)) for t, r in rows]
    out: dict[str, Any] = {
        "rows": len(rows),
        "seal_row_us": _per_row_us(
            lambda x: sealing.seal_body(keys, tid, x[0], x[1]["id"], 1, x[1]), rows, rounds),
        "open_row_us": _per_row_us(
            lambda x: sealing.open_body(keys, tid, x[0], x[1]["id"], 1, x[2]), sealed, rounds),
    }
    feed_items = list(range(200))
    dose_sealed = {i: sealing.seal_feed_body(keys, tid, i, 1, DOSE) for i in feed_items}
    out["seal_feed_dose_us"] = _per_row_us(
        lambda i: sealing.seal_feed_body(keys, tid, i, 1, DOSE), feed_items, rounds)
    out["open_feed_dose_us"] = _per_row_us(
        lambda i: sealing.open_feed_body(keys, tid, i, 1, dose_sealed[i]), feed_items, rounds)
    out.update(_resync(demo, quick))
    return out


def _resync(demo: Any, quick: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-officeseal-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'office.sqlite'}")
        migrate(engine)
        tid = agency.init_tenant(engine, "Bench Home Care", Path(tmp) / "escrow.key",
                                 tenant_id=demo.agency["id"])
        for w in demo.workers:
            agency.add_worker(engine, tid, w)
        agency.add_people(engine, tid, demo.service_users, demo.care_plans, demo.medicines)
        with engine.begin() as conn:
            rota.add_visits(conn, tid, demo.visits)
        worker = demo.workers[0]["id"]
        now = datetime.fromisoformat(demo.visits[0]["start"]).astimezone(UTC)
        opened = [0.0]
        real_open = scope.open_body

        def counting_open(*args: Any) -> dict[str, Any]:
            started = time.perf_counter()
            try:
                return real_open(*args)
            finally:
                opened[0] += time.perf_counter() - started

        def resync() -> None:
            with engine.connect() as conn:
                scope.current_scope(conn, tid, worker, 14, now)

        times = time_ms(resync, 5 if quick else 21, warmup=2)
        scope.open_body = counting_open  # type: ignore[assignment]
        try:
            opened[0] = 0.0
            counted = time_ms(resync, 5 if quick else 21)
        finally:
            scope.open_body = real_open  # type: ignore[assignment]
        with engine.connect() as conn:
            changes = len(scope.current_scope(conn, tid, worker, 14, now))
        engine.dispose()
    return {"resync_ms": rnd(median(times)), "resync_changes": changes,
            "resync_open_share": rnd(opened[0] * 1000 / sum(counted), 3)}
