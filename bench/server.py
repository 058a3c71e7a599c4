"""A real coordinator server for the sync benchmarks: a database, a seeded agency, uvicorn.

- `database(kind)`: a throwaway SQLite file or PostgreSQL cluster (tests/support/pg.py), as a URL.
- `init(url, tmp)`: the agency and its escrow key; `add_workers(…)`: workers, their people and
  the day's rota (through server/agency.py and server/rota.py, so the change feed is the real
  one) and one enrolled phone per worker (`enrolment.issue_code` + `enrolment.enrol` in
  process, so the device tokens come back) or an unused enrolment code.
- `bulk_workers(…)`: the same rows for thousands of workers at once (the morning rush): the
  feed changes `rota.add_visits` would publish (built by its own `_change`, in its order) and
  the devices `enrolment.enrol` would store (SHA-256 token hashes), written with a few
  `executemany` calls per thousand workers instead of several transactions per worker.
- `serve(url, key_file)`: `python -m server.cli serve --workers N …` (the production command,
  uvicorn with the console mounted, one process per core unless BENCH_SERVER_WORKERS says) in a
  subprocess on 127.0.0.1 and a free port; yields the base URL.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text, update

from bench.data import Fake
from server import agency, auth, datakeys, enrolment, rota, sealing
from server.schema import (
    care_plans,
    devices,
    medicines,
    service_users,
    tenants,
    visits,
    workers,
)
from server.schema import feed as feed_table
from server.storage import make_engine, migrate
from tests.support import pg, procs


class Unavailable(RuntimeError):
    """This backend cannot run on this machine (the message says why)."""


@contextlib.contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'server.sqlite'}"
        return
    if pg.find_bindir() is None:
        raise Unavailable(pg.HOW_TO_GET)
    try:
        cluster_cm = pg.throwaway_cluster(databases=("fieldapp_bench",))
        cluster = cluster_cm.__enter__()
    except pg.PgError as exc:
        raise Unavailable(f"could not start a throwaway PostgreSQL cluster: {exc}") from exc
    try:
        yield cluster.url("fieldapp_bench")
    finally:
        cluster_cm.__exit__(None, None, None)


@dataclass
class Worker:
    token: str  # the enrolled phone's device token ("" when not enrolled)
    code: str  # an unused enrolment code ("" when enrolled)
    visits: list[dict[str, Any]]


@dataclass
class Seeded:
    tenant_id: str
    escrow_public_key: bytes
    key_file: Path
    workers: dict[str, Worker] = field(default_factory=dict)


def init(url: str, tmp: Path) -> Seeded:
    """Migrate the database and create the agency (escrow key file under `tmp`)."""
    engine = make_engine(url)
    try:
        migrate(engine)
        key_file = tmp / "escrow.key"
        tid = agency.init_tenant(engine, "Bench Home Care", key_file)
        with engine.begin() as conn:
            public = conn.execute(select(tenants.c.escrow_public_key)).scalar_one()
        return Seeded(tid, base64.b64decode(public), key_file)
    finally:
        engine.dispose()


def add_workers(url: str, seeded: Seeded, fake: Fake, *, workers: int, people_each: int,
                day: date, slots: list[tuple[time, int, str]],
                enrolled: bool = True) -> dict[str, Worker]:
    """`workers` workers, each with `people_each` people and `slots` visits on `day`; with
    `enrolled` each gets a phone (token), otherwise an unused enrolment code."""
    engine = make_engine(url)
    tid = seeded.tenant_id
    try:
        rotas = {}
        everyone: tuple[list[dict[str, Any]], ...] = ([], [], [])
        for _ in range(workers):
            wid = agency.add_worker(engine, tid, {"id": fake.uuid(), "area": "Leeds",
                                                  "name": fake.person()["name"]})
            for bucket, rows in zip(everyone, fake.people(people_each), strict=True):
                bucket.extend(rows)
            rotas[wid] = fake.day_visits(wid, everyone[0][-people_each:], day, slots)
        agency.add_people(engine, tid, *everyone)
        with engine.begin() as conn:
            # One add_visits call per worker: see the report on rota.py's `already` scan.
            for visits in rotas.values():
                rota.add_visits(conn, tid, visits)
        added = {}
        for wid, visits in rotas.items():
            code = enrolment.issue_code(engine, wid, 60 * 24)
            token = str(enrolment.enrol(engine, code)["device_token"]) if enrolled else ""
            added[wid] = Worker(token, "" if enrolled else code, visits)
        seeded.workers.update(added)
        return added
    finally:
        engine.dispose()


def bulk_workers(url: str, seeded: Seeded, fake: Fake, *, workers_n: int, people_each: int,
                 day: date, slots: list[tuple[time, int, str]],
                 chunk: int = 1000) -> dict[str, Worker]:
    """`workers_n` workers with enrolled phones, as `add_workers` makes them, in bulk.

    Per chunk of workers, one transaction: workers, people, plans, medicines, visits, the
    feed changes `rota.add_visits` publishes for them (person, plan, medicines the first time a
    worker visits a person, then the visit; one seq block from the tenant clock) and one device
    per worker with the hash of a fresh token. The rows are those of the slow path."""
    engine = make_engine(url)
    tid = seeded.tenant_id
    now = datetime.now(UTC).isoformat()
    added: dict[str, Worker] = {}
    with engine.connect() as conn:
        keys = datakeys.keys_for(conn, tid)

    def sealed(table: str, r: dict[str, Any], version: int) -> dict[str, Any]:
        # Sealed under the agency's data key, as agency.add_people stores them.
        return sealing.seal_body(keys, tid, table, r["id"], version, agency._body(r))

    try:
        for start in range(0, workers_n, chunk):
            n = min(chunk, workers_n - start)
            w_rows, dev_rows, v_rows, changes = [], [], [], []
            people_all, plans_all, meds_all = [], [], []
            batch: dict[str, Worker] = {}
            for _ in range(n):
                wid = fake.uuid()
                w_rows.append({"id": wid, "tenant_id": tid, "name": fake.person()["name"],
                               "phone": "", "area": "Leeds", "role": "care_worker",
                               "active": True})
                people, plans, meds = fake.people(people_each)
                people_all += people
                plans_all += plans
                meds_all += meds
                day_visits = fake.day_visits(wid, people, day, slots)
                by_person = {p["id"]: ([p], [c for c in plans if c["service_user_id"] == p["id"]],
                                       [m for m in meds if m["service_user_id"] == p["id"]])
                             for p in people}
                carried: set[str] = set()
                for v in day_visits:
                    row = {k: v[k] for k in ("id", *rota._VISIT_FIELDS) if k in v}
                    row.setdefault("status", "scheduled")
                    row["start"], row["end"] = rota.utc_iso(row["start"]), rota.utc_iso(row["end"])
                    v_rows.append({"tenant_id": tid, "version": 1, **row})
                    su = row["service_user_id"]
                    if su not in carried:
                        carried.add(su)
                        ps, cs, ms = by_person[su]
                        for entity, rows_ in (("service_user", ps), ("care_plan", cs),
                                              ("medicine", ms)):
                            for r in rows_:
                                # What rota._change puts in the feed: the clear body, its id
                                # and its person (sealed for its feed position below).
                                body = {**agency._body(r), "id": r["id"]}
                                if entity != "service_user":
                                    body["service_user_id"] = r["service_user_id"]
                                changes.append({"worker_id": wid, "entity": entity,
                                                "entity_id": r["id"], "op": "upsert",
                                                "version": r.get("version", 1), "body": body})
                    changes.append({"worker_id": wid, "entity": "visit", "entity_id": row["id"],
                                    "op": "upsert", "version": 1,
                                    "body": {k: row[k] for k in rota._VISIT_FIELDS}})
                token = auth.new_token()
                dev_rows.append({"id": fake.uuid(), "tenant_id": tid, "worker_id": wid,
                                 "token_hash": auth.token_hash(token), "enrolled_at": now,
                                 "app_version": ""})
                batch[wid] = Worker(token, "", day_visits)
            with engine.begin() as conn:
                conn.execute(insert(workers), w_rows)
                conn.execute(insert(service_users), [
                    {"id": p["id"], "tenant_id": tid, "version": 1,
                     "body": sealed("service_users", p, 1),
                     "name_index": sealing.name_index(keys, p["name"])} for p in people_all])
                conn.execute(insert(care_plans), [
                    {"id": c["id"], "tenant_id": tid, "service_user_id": c["service_user_id"],
                     "version": c.get("version", 1),
                     "body": sealed("care_plans", c, c.get("version", 1))} for c in plans_all])
                conn.execute(insert(medicines), [
                    {"id": m["id"], "tenant_id": tid, "service_user_id": m["service_user_id"],
                     "version": 1, "body": sealed("medicines", m, 1)} for m in meds_all])
                conn.execute(insert(visits), v_rows)
                last = conn.execute(
                    update(tenants).where(tenants.c.id == tid)
                    .values(clock=tenants.c.clock + len(changes)).returning(tenants.c.clock)
                ).scalar_one()
                first = int(last) - len(changes) + 1
                conn.execute(insert(feed_table), [
                    {"tenant_id": tid, "seq": first + i, **c,
                     "body": sealing.seal_feed_body(keys, tid, first + i, c["version"],
                                                    c["body"])}
                    for i, c in enumerate(changes)])
                conn.execute(insert(devices), dev_rows)
            added.update(batch)
        # Planner statistics, as a live database has them (PostgreSQL's autovacuum would
        # analyse these tables a little later; SQLite's server runs `PRAGMA optimize`).
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        seeded.workers.update(added)
        return added
    finally:
        engine.dispose()


# Server processes for the benchmarks (`serve --workers`): one per core, as an agency would run
# it on this machine.
SERVER_WORKERS = int(os.environ.get("BENCH_SERVER_WORKERS", os.cpu_count() or 1))


def forget_last_seen(url: str) -> None:
    """Clear every phone's last-seen time (the next sync of each writes it, as each morning)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(update(devices).values(last_seen_at=None))
    finally:
        engine.dispose()


@contextlib.contextmanager
def serve(url: str, key_file: Path, workers: int = SERVER_WORKERS,
          env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the real server (uvicorn, `workers` processes) on loopback; yield its base URL.
    `env` adds FIELDAPP_* settings (e.g. the SMTP relay) to the server's environment."""
    port = procs.free_port()
    proc = procs.start_python(
        ["-m", "server.cli", "serve", "--database-url", url, "--key-file", str(key_file),
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        procs.wait_http(base + "/health", proc=proc, timeout=90)
        yield base
    finally:
        procs.stop(proc)


def tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="bench-sync-")
