"""Sync: server ingest vs raw SQLite, one worker's day on the wire, and the morning rush.

(a) bench/ingest.py: N sealed records pushed over real HTTP against raw SQLite executemany.
(b) bench/day.py: one worker's 12-visit day with the real phone code, bytes and round trips.
(c) bench/load.py: BENCH_MORNING_DEVICES (default 500) pre-enrolled phones with an 8-visit rota
    sync at once from a multi-process load generator, on SQLite and on a throwaway PostgreSQL
    cluster when its binaries are installed.
All against the production server command in a subprocess (bench/server.py).
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import load
from bench.common import Figure, median, percentile, rnd
from bench.data import DAY_SLOTS, EIGHT_SLOTS, LONDON, Fake
from bench.day import run_day
from bench.ingest import ingest
from bench.server import (
    Unavailable,
    Worker,
    add_workers,
    bulk_workers,
    database,
    forget_last_seen,
    init,
    serve,
    tempdir,
)

ORDER = 4  # sections of docs/benchmarks.md follow the issue numbers
TITLE = "Sync engine (issue 4)"
ABOUT = """\
All against the production server command (`fieldapp-server serve --workers N`, uvicorn with
the console mounted, N = one process per core: 2 here) in a subprocess on loopback, on a
throwaway SQLite file and on a throwaway PostgreSQL cluster (tests/support/pg.py: fsync off),
sharing this 2-core machine with the load generator.
(a) Server ingest of sealed records over real HTTP, SQLite server: 4 enrolled phones push at
once, each its batches of `MAX_PUSH_RECORDS` (200) one after another, a new connection per
request as a phone that syncs now and then makes, sent as HTTP/1.1 bytes built beforehand on a
plain socket (the client shares the 2 cores with the server, so it does as little as it can;
every answer is still read and its accepted ids counted); against one `sqlite3` connection's
`executemany` of the same rows into an equivalent table (same columns and indexes, WAL,
synchronous=NORMAL, one transaction per batch; SQLite has one writer at a time, so this is as
fast as those rows go in), alternating raw / HTTP for five rounds of 5,000 fresh records in
the same run; the best round of each side counts. One phone pushing alone is shown too.
(b) One worker's 12-visit day with the real phone code (enrolment, `SyncClient`,
`VisitService`, `MedicationService`, a fake clock, today's date): a morning sync, 12 visits
(check-in, the visit's two tasks, every due dose "taken", a note, check-out), an evening sync;
a counting transport around httpx's real transport counts round trips and compressed body
bytes in both directions.
(c) The morning rush: `BENCH_MORNING_DEVICES` (default 20,000) pre-enrolled phones with 8 visits
each today sync at once from a multi-process load generator (spawned processes, each with its
own httpx client; `BENCH_MORNING_PROCS` x `BENCH_MORNING_CONCURRENCY` = 2 x 16 requests in
flight, after an untimed warm-up); each phone pulls its whole scope (about 32 changes) and,
as on a real morning, the server writes its last-seen time (cleared before each run); the
rush runs `BENCH_MORNING_RUNS` times (default 2), the fastest is reported and every run's
seconds, p99 and failed syncs are shown (a failed sync no longer stops the benchmark: it is
counted, and its first reasons kept). PostgreSQL is left out, with the reason, when its
server binaries are missing.
"""
FIGURES = [
    Figure("ingest_ratio_vs_raw_sqlite", "ingest over HTTP ÷ raw SQLite executemany", "≥ 0.25",
           lambda v: v >= 0.25),
    Figure("ingest_http_records_per_s",
           "ingest over HTTP, SQLite server, 4 phones at once (records/s)"),
    Figure("ingest_http_one_phone_records_per_s", "the same, one phone alone (records/s)"),
    Figure("ingest_raw_records_per_s", "raw sqlite3 executemany (records/s)"),
    Figure("postgresql.ingest_http_records_per_s",
           "ingest over HTTP, PostgreSQL server (records/s)"),
    Figure("day_round_trips", "12-visit day: HTTP round trips", "≤ 2", lambda v: v <= 2),
    Figure("day_compressed_bytes", "12-visit day: compressed body bytes, both directions",
           "≤ 30 KB (30,720)", lambda v: v <= 30 * 1024),
    Figure("day_header_bytes", "12-visit day: HTTP header bytes, both directions"),
    Figure("day_each_visit_round_trips", "same day, syncing after every visit: round trips"),
    Figure("day_each_visit_compressed_bytes", "same day, syncing after every visit: body bytes"),
]
for _b in ("sqlite", "postgresql"):
    FIGURES += [
        Figure(f"{_b}.morning_devices", f"{_b}: devices in the morning rush", "20,000",
               lambda v: v >= 20000),
        Figure(f"{_b}.morning_seconds", f"{_b}: wall time for all of them (s)", "≤ 120 s",
               lambda v: v <= 120),
        Figure(f"{_b}.morning_p50_ms", f"{_b}: sync latency p50 (ms)"),
        Figure(f"{_b}.morning_p99_ms", f"{_b}: sync latency p99 (ms)", "≤ 1,000 ms",
               lambda v: v <= 1000),
        Figure(f"{_b}.morning_devices_per_s", f"{_b}: devices synced per second",
               "≥ 167/s (20,000 in 120 s)", lambda v: v >= 20000 / 120),
        Figure(f"{_b}.morning_changes_per_s", f"{_b}: changes delivered per second"),
        Figure(f"{_b}.morning_failed_syncs", f"{_b}: failed syncs, all runs together",
               "0", lambda v: v == 0),
    ]

# How many times the whole rush runs (the fastest is reported; every run's failed syncs and
# p99 are kept): BENCH_MORNING_RUNS=3 checks "no failed sync, three runs in a row".
MORNING_RUNS = int(os.environ.get("BENCH_MORNING_RUNS", 2))

# Both days are today: a full resync sends only visits inside the phone's retention window
# (14 days by default), so a day in the past would leave every morning pull empty.
TODAY = datetime.now(LONDON).date()


# --- (c) morning rush -------------------------------------------------------------------------
def morning(base: str, url: str, phones: dict[str, Worker], repeats: int) -> dict[str, Any]:
    """The whole rush `repeats` times (every phone pulls its full scope each time); the
    fastest run is reported, all runs' seconds are kept. Before each run (untimed) every
    phone's "last seen" is cleared, so each run is a first sync of the day: the server writes
    every phone's last-seen time, as it does on a real morning."""
    tokens = [w.token for w in phones.values()]
    procs_ = int(os.environ.get("BENCH_MORNING_PROCS", os.cpu_count() or 2))
    conc = int(os.environ.get("BENCH_MORNING_CONCURRENCY", 16))
    runs = []
    for i in range(repeats):
        forget_last_seen(url)
        run = load.morning(base, tokens, procs_, conc)
        runs.append(run)
        # Each run's failures as it ends: "no failed sync, N runs in a row" is read off these.
        print(f"  morning run {i + 1}/{repeats}: {run.devices} phones in {run.seconds:.1f} s, "
              f"p99 {percentile(run.latencies_ms, 99):.0f} ms, {run.errors} failed syncs"
              + "".join(f"\n    {why}" for why in run.error_reasons), flush=True)
    r = min(runs, key=lambda run: run.seconds)
    per_device = r.changes_checked / max(1, r.answers_checked)
    return {
        "morning_devices": r.devices, "morning_seconds": rnd(r.seconds),
        "morning_p50_ms": rnd(median(r.latencies_ms)),
        "morning_p99_ms": rnd(percentile(r.latencies_ms, 99)),
        "morning_devices_per_s": rnd(r.devices / r.seconds, 1),
        "morning_changes_per_s": int(per_device * r.devices / r.seconds),
        "morning_changes_per_device": rnd(per_device, 1),
        "morning_bytes_per_device": int(r.bytes_down / r.devices),
        "morning_in_flight": procs_ * conc, "morning_client_processes": procs_,
        "morning_client_cpu_s": rnd(r.client_cpu_s),
        "morning_runs_seconds": [rnd(x.seconds) for x in runs],
        "morning_runs_p99_ms": [rnd(percentile(x.latencies_ms, 99)) for x in runs],
        "morning_runs": len(runs),
        "morning_failed_per_run": [x.errors for x in runs],
        "morning_failed_syncs": sum(x.errors for x in runs),
        "morning_failures": [why for x in runs for why in x.error_reasons][:10],
    }


def backend(kind: str, quick: bool, fake: Fake) -> dict[str, Any]:
    devices = 40 if quick else int(os.environ.get("BENCH_MORNING_DEVICES", 20000))
    with tempdir() as t, database(kind, Path(t)) as url:
        tmp = Path(t)
        started = time.perf_counter()
        seeded = init(url, tmp)
        rush = bulk_workers(url, seeded, fake, workers_n=devices, people_each=6, day=TODAY,
                            slots=EIGHT_SLOTS)
        # Two more workers with a 12-visit day, whose phones enrol over HTTP like real ones.
        day_phones = add_workers(url, seeded, fake, workers=2, people_each=9, day=TODAY,
                                 slots=DAY_SLOTS, enrolled=False)
        out: dict[str, Any] = {"seed_seconds": rnd(time.perf_counter() - started)}
        with serve(url, seeded.key_file) as base:
            out.update(morning(base, url, rush, 1 if quick else MORNING_RUNS))
            if kind == "sqlite":
                out.update(run_day(base, day_phones, TODAY, tmp, fake))
            out.update(ingest(base, seeded, fake, tmp, 1000 if quick else 5000,
                              1 if quick else 5, raw=kind == "sqlite"))
    return out


def run(quick: bool = False) -> dict[str, Any]:
    fake = Fake(4)
    out: dict[str, Any] = {}
    sqlite_figs = backend("sqlite", quick, fake)
    for key in [k for k in sqlite_figs if k.startswith(("ingest", "day"))]:
        out[key] = sqlite_figs.pop(key)
    out["sqlite"] = sqlite_figs
    try:
        out["postgresql"] = backend("postgresql", quick, fake)
    except Unavailable as exc:
        out["postgresql_skipped"] = str(exc)
    return out


def notes(results: dict[str, Any]) -> list[str]:
    # What a reader must know about this run that its figures cannot say (added by hand).
    out = [f"Caveat: {c}" for c in results.get("caveats", [])]
    env = results.get("day_envelopes")
    if env and results.get("day_records"):
        n, per = results["day_records"], env["bytes_per_record"]
        up, down = results["day_push_bytes_up"], results["day_morning_bytes_down"]
        out.append(
            f"The day: {results['day_visits']} visits, {n} records ({results['day_doses']} "
            f"dose outcomes among them). The evening push is {up:,} bytes ({up // n} per "
            f"record, gzip-compressed); the morning pull of the whole day's scope {down:,}. "
            f"A pushed record as JSON is about {sum(per.values())} bytes: sealed content "
            f"{per['sealed_content']}, the office's copy of its key (`ek`: ephemeral X25519 "
            f"key, nonce, wrapped key) {per['office_key_ek']}, clear ids, times and facts "
            f"{per['clear_fields']}, envelope framing {per['envelope_other']}. Ciphertext, "
            "nonces and keys are random, so gzip saves little on them "
            f"({env['json_bytes']:,} → {env['gzip_bytes']:,} bytes for the {n} records).")
    what_if = results.get("day_push_bytes_what_if")
    if what_if:
        out.append(
            "Envelope version 2 deflates each record's JSON (with a preset dictionary of the "
            "app's field names and codes) before sealing it: the push is "
            f"{what_if['as_sent']:,} bytes as sent against {what_if['as_version_1']:,} for the "
            "same records sealed as version 1 (JSON sealed as it is; measured by giving each "
            "record a random ciphertext of that length).")
    if "day_each_visit_round_trips" in results:
        out.append(
            f"Syncing after every visit (as the periodic sync does with signal) costs "
            f"{results['day_each_visit_round_trips']} round trips and "
            f"{results['day_each_visit_compressed_bytes']:,} bytes for the same day.")
    if "ingest_raw_rounds_records_per_s" in results:
        out.append(
            f"Ingest rounds, records/s: HTTP {results['ingest_http_rounds_records_per_s']}, raw "
            f"{results['ingest_raw_rounds_records_per_s']} (the spread is this shared virtual "
            "machine, see its load average, and how the two server processes happen to share "
            "the phones' connections).")
    for b in ("sqlite", "postgresql"):
        m = results.get(b)
        if m:
            out.append(
                f"{b}: {m['morning_devices']:,} phones, {m['morning_in_flight']} in flight from "
                f"{m['morning_client_processes']} processes (client CPU "
                f"{m['morning_client_cpu_s']} s in all), {m['morning_changes_per_device']} "
                f"changes and {m['morning_bytes_per_device']:,} compressed bytes per phone; runs "
                f"took {m['morning_runs_seconds']} s (p99 {m.get('morning_runs_p99_ms')} ms, "
                f"failed syncs {m.get('morning_failed_per_run')}); seeding the agency took "
                f"{m['seed_seconds']} s.")
            if m.get("morning_failures"):
                out.append(f"{b}: first failed syncs: {'; '.join(m['morning_failures'])}")
    if results.get("postgresql_skipped"):
        out.append(f"PostgreSQL left out: {results['postgresql_skipped']}")
    return out
