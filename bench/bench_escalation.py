"""Escalations: from a phone's sync to an e-mail accepted by the on-call person's mail server.

BENCH_ESCALATION_PHONES (default 1,000) enrolled phones each push one urgent escalation (a fall)
within one minute, spread evenly, against the production server command with its console, on
SQLite and on a throwaway PostgreSQL cluster. A real SMTP server (aiosmtpd) in this process
is the agency's mail relay; the ladder's first tier is one address. For each escalation: time
from the moment its sync request was sent to the moment the mail server accepted the message
that names its reference.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bench.common import Figure, percentile, rnd
from bench.data import LONDON, Fake
from bench.server import Unavailable, bulk_workers, database, init, serve, tempdir
from server import oncall
from server.ladder import Rung
from server.schema import escalations
from server.storage import make_engine
from sync.envelope import seal
from sync.protocol import SYNC_PATH, PushedRecord, SyncRequest, encode_body, uuid7
from tests.support.procs import free_port

ORDER = 11
TITLE = "Escalations (issue 11)"
ABOUT = """\
BENCH_ESCALATION_PHONES (default 1,000) enrolled phones, each with one visit today, each push
one urgent escalation (a fall: a sealed `escalation` record, as the phone writes it) in one
sync request; the requests are spread evenly over one minute from 16 client threads, against
the production server command (`fieldapp-server serve --workers N`, one process per core,
console mounted) on loopback, on a throwaway SQLite file and on a throwaway PostgreSQL cluster.
The agency's on-call ladder has one tier with one e-mail address; a real SMTP server (aiosmtpd)
in the benchmark process accepts the mail. `escalation_to_email_p99_s`: per escalation, from
just before its sync request is sent to the SMTP server accepting the message carrying its
reference. Lost: an escalation the server acknowledged with no e-mail within 60 s of the last
request; duplicated: a second e-mail for one reference or a second stored escalation for one
record.
"""
FIGURES = [
    Figure("sqlite.escalation_to_email_p99_s", "SQLite: sync sent -> e-mail accepted, p99 (s)",
           "<= 5 s", lambda v: v <= 5),
    Figure("sqlite.escalation_to_email_median_s", "SQLite: median (s)"),
    Figure("sqlite.escalations_lost", "SQLite: escalations lost", "0", lambda v: v == 0),
    Figure("sqlite.escalations_duplicated", "SQLite: escalations duplicated", "0",
           lambda v: v == 0),
    Figure("postgresql.escalation_to_email_p99_s",
           "PostgreSQL: sync sent -> e-mail accepted, p99 (s)", "<= 5 s", lambda v: v <= 5),
    Figure("postgresql.escalation_to_email_median_s", "PostgreSQL: median (s)"),
    Figure("postgresql.escalations_lost", "PostgreSQL: escalations lost", "0",
           lambda v: v == 0),
    Figure("postgresql.escalations_duplicated", "PostgreSQL: escalations duplicated", "0",
           lambda v: v == 0),
    Figure("phones", "phones, one escalation each"),
]
SLOT = [(time_of_day(9, 0), 60, "morning")]


class MailLog:
    """The aiosmtpd handler: when each reference's message was accepted."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, float]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802
        at = time.time()
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("x-fieldapp-reference:"):
                with self.lock:
                    self.accepted.append((line.split(":", 1)[1].strip(), at))
                break
        return "250 OK"


def _push_body(seeded_tid: str, public: bytes, visit: dict[str, Any]) -> tuple[str, bytes]:
    rid, at = uuid7(), datetime.now(UTC).isoformat()
    payload = {"type": "fall", "severity": "urgent", "summary": "Found on the floor",
               "at": at}
    sealed = seal(payload, seeded_tid, "records", rid, 1, escrow_to=public)
    record = PushedRecord(rid, "escalation", visit["id"], visit["service_user_id"], at, 1,
                          sealed, facts={"type": "fall", "severity": "urgent"})
    body = encode_body(SyncRequest(protocol=1, cursor=None, push=[record]).to_dict())
    return rid, body


def backend(kind: str, phones: int, spread_s: float) -> dict[str, Any]:
    fake = Fake(11)
    log, smtp_port = MailLog(), free_port()
    mail = Controller(log, hostname="127.0.0.1", port=smtp_port)
    with tempdir() as tmp_s, database(kind, Path(tmp_s)) as url:
        tmp = Path(tmp_s)
        seeded = init(url, tmp)
        workers = bulk_workers(url, seeded, fake, workers_n=phones, people_each=1,
                               day=datetime.now(LONDON).date(), slots=SLOT)
        engine = make_engine(url)
        with engine.begin() as conn:
            oncall.set_ladder(conn, seeded.tenant_id, [
                Rung(0, "On-call coordinator", (("email", "oncall@bench.example"),))])
        bodies = [(w.token, *_push_body(seeded.tenant_id, seeded.escrow_public_key,
                                        w.visits[0])) for w in workers.values()]
        env = {"FIELDAPP_SMTP_HOST": "127.0.0.1", "FIELDAPP_SMTP_PORT": str(smtp_port)}
        mail.start()
        sent: dict[str, float] = {}
        failures: list[str] = []
        try:
            with serve(url, seeded.key_file, env=env) as base:
                started = time.time()

                def push(i: int) -> None:
                    token, rid, body = bodies[i]
                    delay = started + i * spread_s / len(bodies) - time.time()
                    if delay > 0:
                        time.sleep(delay)
                    with httpx.Client(base_url=base, timeout=60) as http:
                        sent[rid] = time.time()
                        answer = http.post(SYNC_PATH, content=body, headers={
                            "Authorization": f"Bearer {token}",
                            "Content-Type": "application/json", "Content-Encoding": "gzip"})
                    if answer.status_code != 200:
                        failures.append(f"HTTP {answer.status_code}")

                with ThreadPoolExecutor(16) as pool:
                    list(pool.map(push, range(len(bodies))))
                deadline = time.time() + 60
                while time.time() < deadline:
                    with log.lock:
                        if len({r for r, _ in log.accepted}) >= len(bodies):
                            break
                    time.sleep(0.2)
        finally:
            mail.stop()
        if failures:
            raise RuntimeError(f"{len(failures)} syncs failed, e.g. {failures[0]}")
        with engine.begin() as conn:
            stored = conn.execute(select(escalations.c.reference,
                                         escalations.c.source_record_id)).all()
        engine.dispose()
    by_ref = {ref: rid for ref, rid in stored}
    per_record = Counter(rid for _ref, rid in stored)
    mails = Counter(ref for ref, _at in log.accepted)
    first = {}
    for ref, at in sorted(log.accepted, key=lambda m: m[1]):
        first.setdefault(ref, at)
    latencies = [first[ref] - sent[rid] for ref, rid in by_ref.items()
                 if ref in first and rid in sent]
    lost = sum(1 for rid in sent if rid not in per_record) + \
        sum(1 for ref in by_ref if ref not in first)
    duplicated = sum(n - 1 for n in mails.values() if n > 1) + \
        sum(n - 1 for n in per_record.values() if n > 1)
    return {
        "escalation_to_email_p99_s": rnd(percentile(latencies, 99), 3),
        "escalation_to_email_median_s": rnd(percentile(latencies, 50), 3),
        "escalation_to_email_max_s": rnd(max(latencies), 3),
        "escalations_lost": lost,
        "escalations_duplicated": duplicated,
        "emails": sum(mails.values()),
    }


def run(quick: bool = False) -> dict[str, Any]:
    phones = 50 if quick else int(os.environ.get("BENCH_ESCALATION_PHONES", 1000))
    spread = 5.0 if quick else 60.0
    results: dict[str, Any] = {"phones": phones, "spread_s": spread}
    for kind in ("sqlite", "postgresql"):
        try:
            results[kind] = backend(kind, phones, spread)
        except Unavailable as exc:
            results[kind] = {"unavailable": str(exc)}
    return results


def notes(results: dict[str, Any]) -> list[str]:
    return [f"Each escalation's e-mail carries only its reference, severity and a console "
            f"link; {results.get('phones')} phones over {results.get('spread_s')} s."]

