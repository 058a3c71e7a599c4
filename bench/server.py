"""A real coordinator server for the sync benchmarks: a database, a seeded agency, uvicorn.

- `database(kind)`: a throwaway SQLite file or PostgreSQL cluster (tests/support/pg.py), as a URL.
- `init(url, tmp)`: the agency and its escrow key; `add_workers(…)`: workers, their people and
  the day's rota (through server/agency.py and server/rota.py, so the change feed is the real
  one) and one enrolled phone per worker (`enrolment.issue_code` + `enrolment.enrol` in
  process, so the device tokens come back) or an unused enrolment code.
- `serve(url, key_file)`: `python -m server.cli serve …` (the production command, uvicorn with
  the console mounted) in a subprocess on 127.0.0.1 and a free port; yields the base URL.
"""

from __future__ import annotations

import base64
import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.data import Fake
from server import agency, enrolment, rota
from server.schema import tenants
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


@contextlib.contextmanager
def serve(url: str, key_file: Path) -> Iterator[str]:
    """Run the real server (uvicorn, one process) on loopback; yield its base URL."""
    port = procs.free_port()
    proc = procs.start_python(
        ["-m", "server.cli", "serve", "--database-url", url, "--key-file", str(key_file),
         "--host", "127.0.0.1", "--port", str(port)],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        procs.wait_http(base + "/health", proc=proc, timeout=90)
        yield base
    finally:
        procs.stop(proc)


def tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="bench-sync-")
