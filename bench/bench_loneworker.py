"""Lone working: how soon an overdue welfare session turns amber, with ten thousand running.

BENCH_LONE_SESSIONS (default 10,000) workers are on a visit at once, each with a welfare session
(check-in made through the real sync API for a sample, the rest seeded as the sync service
stores them); a tenth of them pass their expected end + grace at the same moment. The production
server command (`serve --workers N`, monitors leader-elected, default tick) watches them while
phones keep syncing. For each overdue session: time from its grace period's end to its amber
alert being visible through the office API (GET /api/v1/office/lone-working, a coordinator's
token), polled back to back.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from bench.common import Figure, percentile, rnd
from bench.data import LONDON, Fake
from bench.server import Unavailable, bulk_workers, database, init, serve, tempdir
from server import agency
from server.office_api import LONE_WORKING_PATH, OFFICE_SIGN_IN_PATH
from server.schema import escalations, welfare_sessions
from server.storage import make_engine
from sync.protocol import SYNC_PATH, SyncRequest, encode_body

ORDER = 12
TITLE = "Lone-worker safety (issue 12)"
ABOUT = """\
BENCH_LONE_SESSIONS (default 10,000) workers with enrolled phones are each on a visit with an
open welfare session (rows as the sync service stores them at check-in); one tenth of the
sessions reach the end of their grace period (expected end + 10 minutes) at the same second,
20 s into the run. The production server command (`fieldapp-server serve --workers N`, one
process per core, monitors leader-elected, default 5 s tick) watches them on a throwaway
SQLite file and a throwaway PostgreSQL cluster, while 8 client threads keep sending pull syncs
from the other phones. `overdue_to_amber_p99_s`: per overdue session, from the end of its grace
period to its amber alert being visible through the API: a coordinator signed in to the
office API polls `GET /api/v1/office/lone-working?parts=overdue&people=false` (no person's
sealed record opened, so no audit row per poll) back to back, and a session
counts from the first answer that shows its alert level (the moment that answer arrived).
Lost: an overdue session with no amber 60 s after its grace ended; duplicated: more than one
alert for a session (counted in the database). Not-yet-due sessions that turned amber count as
duplicated too.
"""
FIGURES = [
    Figure("sqlite.overdue_to_amber_p99_s", "SQLite: grace ends -> amber, p99 (s)", "<= 10 s",
           lambda v: v <= 10),
    Figure("sqlite.alerts_lost", "SQLite: alerts lost", "0", lambda v: v == 0),
    Figure("sqlite.alerts_duplicated", "SQLite: alerts duplicated", "0", lambda v: v == 0),
    Figure("sqlite.syncs_during", "SQLite: phone syncs answered meanwhile"),
    Figure("postgresql.overdue_to_amber_p99_s", "PostgreSQL: grace ends -> amber, p99 (s)",
           "<= 10 s", lambda v: v <= 10),
    Figure("postgresql.alerts_lost", "PostgreSQL: alerts lost", "0", lambda v: v == 0),
    Figure("postgresql.alerts_duplicated", "PostgreSQL: alerts duplicated", "0",
           lambda v: v == 0),
    Figure("postgresql.syncs_during", "PostgreSQL: phone syncs answered meanwhile"),
    Figure("sessions", "concurrent sessions"),
]
GRACE = timedelta(minutes=10)
OFFICE_EMAIL, OFFICE_PASSWORD = "office@bench.example", "bench-office-password-1"
LEAD_S = 20.0


def _sessions(url: str, tenant_id: str, workers: dict[str, Any], overdue_every: int,
              grace_ends: datetime) -> set[str]:
    """One open session per worker; every `overdue_every`-th ends its grace at `grace_ends`."""
    engine = make_engine(url)
    overdue: set[str] = set()
    rows = []
    for i, (wid, w) in enumerate(workers.items()):
        visit = w.visits[0]
        sid = f"{i:08d}-0000-7000-8000-{i:012d}"
        late = i % overdue_every == 0
        end = grace_ends - GRACE if late else grace_ends + timedelta(hours=2)
        if late:
            overdue.add(sid)
        rows.append({"id": sid, "tenant_id": tenant_id, "worker_id": wid,
                     "visit_id": visit["id"], "started_at": (end - timedelta(minutes=30))
                     .isoformat(), "expected_end": end.isoformat(), "ended_at": None,
                     "amber_at": None})
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(insert(welfare_sessions), rows[start:start + 2000])
    engine.dispose()
    return overdue


def _keep_syncing(base: str, tokens: list[str], stop: threading.Event,
                  answered: list[int]) -> None:
    body = encode_body(SyncRequest(protocol=1, cursor=None, push=[]).to_dict())
    with httpx.Client(base_url=base, timeout=30) as http:
        i = 0
        while not stop.is_set():
            token = tokens[i % len(tokens)]
            i += 1
            answer = http.post(SYNC_PATH, content=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json",
                "Content-Encoding": "gzip"})
            if answer.status_code == 200:
                answered.append(1)


def _office_token(base: str, url: str, tenant_id: str) -> str:
    """A coordinator for the agency, signed in to the office API."""
    engine = make_engine(url)
    try:
        agency.add_coordinator(engine, tenant_id, "Bench Office", OFFICE_EMAIL, OFFICE_PASSWORD)
    finally:
        engine.dispose()
    answer = httpx.post(f"{base}{OFFICE_SIGN_IN_PATH}", timeout=30,
                        json={"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD})
    answer.raise_for_status()
    return str(answer.json()["token"])


def backend(kind: str, sessions: int) -> dict[str, Any]:
    fake = Fake(12)
    with tempdir() as tmp_s, database(kind, Path(tmp_s)) as url:
        tmp = Path(tmp_s)
        seeded = init(url, tmp)
        workers = bulk_workers(url, seeded, fake, workers_n=sessions, people_each=1,
                               day=datetime.now(LONDON).date(),
                               slots=[(time_of_day(9, 0), 60, "morning")])
        with serve(url, seeded.key_file) as base:
            grace_ends = datetime.now(UTC) + timedelta(seconds=LEAD_S)
            overdue = _sessions(url, seeded.tenant_id, workers, 10, grace_ends)
            tokens = [w.token for w in workers.values()][1::10]
            stop, answered = threading.Event(), []
            syncers = [threading.Thread(target=_keep_syncing,
                                        args=(base, tokens[i::8], stop, answered))
                       for i in range(8)]
            for s in syncers:
                s.start()
            token = _office_token(base, url, seeded.tenant_id)
            seen: dict[str, float] = {}
            deadline = grace_ends.timestamp() + 60
            try:
                with httpx.Client(base_url=base, timeout=30, headers={
                        "Authorization": f"Bearer {token}"}) as office:
                    while time.time() < deadline and len(seen) < len(overdue):
                        answer = office.get(LONE_WORKING_PATH, params={"parts": "overdue",
                                                                   "people": "false"})
                        now = time.time()
                        answer.raise_for_status()
                        for row in answer.json()["overdue"]:
                            if row["alert_level"]:
                                seen.setdefault(row["session_id"], now)
            finally:
                stop.set()
                for s in syncers:
                    s.join()
            engine = make_engine(url)
            with engine.connect() as conn:
                per_session = Counter(k.removeprefix("overdue:") for k in conn.execute(
                    select(escalations.c.dedupe_key).where(
                        escalations.c.cause == "overdue")).scalars())
            engine.dispose()
    latencies = [seen[s] - grace_ends.timestamp() for s in overdue if s in seen]
    return {
        "overdue_to_amber_p99_s": rnd(percentile(latencies, 99), 2) if latencies else None,
        "overdue_to_amber_median_s": rnd(percentile(latencies, 50), 2) if latencies else None,
        "alerts_lost": sum(1 for s in overdue if s not in per_session),
        "alerts_duplicated": sum(n - 1 for n in per_session.values())
        + sum(1 for s in per_session if s not in overdue),
        "syncs_during": len(answered),
    }


def run(quick: bool = False) -> dict[str, Any]:
    sessions = 500 if quick else int(os.environ.get("BENCH_LONE_SESSIONS", 10_000))
    results: dict[str, Any] = {"sessions": sessions, "overdue": sessions // 10}
    for kind in ("sqlite", "postgresql"):
        try:
            results[kind] = backend(kind, sessions)
        except Unavailable as exc:
            results[kind] = {"unavailable": str(exc)}
    return results


def notes(results: dict[str, Any]) -> list[str]:
    return [f"{results.get('overdue')} of {results.get('sessions')} sessions overdue at once."]
