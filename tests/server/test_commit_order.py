"""The cursor follows commit order: a reader pulling while slow writers commit never skips a row.

Writers reserve sequence numbers from the tenant clock row, then dawdle inside their transaction
before committing. A reader pulls after its cursor the whole time. Every change must be seen
exactly once. The control experiment shows why: the same workload numbered by a plain sequence
(autoincrement) makes the reader skip rows, because a later number can commit first.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import BigInteger, Column, Engine, Integer, MetaData, String, Table, insert, select

from server import agency, feed

WRITERS = 6
ROWS_PER_WRITER = 15


def _tenant(engine: Engine, tmp_path: Path) -> str:
    return agency.init_tenant(engine, "Order Test Care", tmp_path / f"k-{uuid.uuid4().hex}.key")


def _run(write_one, read_after, engine_is_sqlite: bool) -> tuple[list[int], set[int]]:
    """Writers call write_one(); a reader pulls with read_after(cursor) until writers finish."""
    seen: list[int] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(ROWS_PER_WRITER):
                write_one(rng.uniform(0.0, 0.03))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def reader() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            for seq in read_after(cursor):
                seen.append(seq)
                cursor = max(cursor, seq)
            if finished:
                return
            time.sleep(0.002)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    r = threading.Thread(target=reader)
    r.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    r.join()
    assert not errors, errors
    return seen, set(seen)


def test_clock_row_cursor_never_skips_a_row_under_slow_concurrent_writers(
    engine: Engine, tmp_path: Path
) -> None:
    tenant = _tenant(engine, tmp_path)

    def write_one(dawdle: float) -> None:
        with engine.begin() as conn:
            feed.publish(conn, tenant, [{
                "worker_id": "w1", "entity": "visit", "entity_id": str(uuid.uuid4()),
                "op": "upsert", "version": 1, "body": {},
            }])
            time.sleep(dawdle)  # a slow transaction, holding its number uncommitted

    def read_after(cursor: int) -> list[int]:
        with engine.begin() as conn:
            return [r["seq"] for r in feed.pull(conn, tenant, "w1", cursor, 1000)]

    seen, unique = _run(write_one, read_after, engine.dialect.name == "sqlite")
    total = WRITERS * ROWS_PER_WRITER
    assert len(seen) == len(unique) == total  # every row once: none skipped, none twice
    assert unique == set(range(1, total + 1))


def test_a_plain_sequence_does_skip_rows_which_is_why_we_do_not_use_one(
    engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name == "sqlite":
        # SQLite has one writer at a time, so even a plain rowid is in commit order there;
        # the hazard is specific to servers with concurrent writers, like PostgreSQL.
        return
    naive = Table(
        f"naive_{uuid.uuid4().hex[:8]}", MetaData(),
        Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
               autoincrement=True),
        Column("note", String(10)),
    )
    naive.create(engine)

    def write_one(dawdle: float) -> None:
        with engine.begin() as conn:
            conn.execute(insert(naive).values(note="x"))
            time.sleep(dawdle)

    def read_after(cursor: int) -> list[int]:
        with engine.begin() as conn:
            return list(conn.execute(
                select(naive.c.seq).where(naive.c.seq > cursor).order_by(naive.c.seq)
            ).scalars())

    skipped = 0
    for _ in range(3):  # the race is near-certain in one round; three make it certain enough
        seen, unique = _run(write_one, read_after, False)
        with engine.begin() as conn:
            everything = set(conn.execute(select(naive.c.seq)).scalars())
        skipped += len(everything - unique)
        if skipped:
            break
    assert skipped > 0, "the control experiment should show a plain sequence losing rows"
