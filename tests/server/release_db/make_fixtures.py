"""Writes the databases the last release with hand-rolled migrations (commit aa5c029) made.

Run it with that release's code first on the path, from a checkout of this repository:

    git archive aa5c029 | tar -x -C /tmp/release
    PYTHONPATH=/tmp/release .venv/bin/python tests/server/release_db/make_fixtures.py

It builds a small agency (workers, an office login, people, plans, medicines, visits), enrols
a phone that pushes two sealed notes, and keeps the result beside this file as an agency would
have it: `release.sqlite` (the SQLite database file itself), `postgresql.dump` (a pg_dump
archive in custom format, the form backups take; the test puts it back with pg_restore) and
`release.json` (the phone's token and the escrow key, to show the upgraded database still
serves them). They are stored as those files, not as SQL text, because they are data the
release made, not code of ours to keep tidy (the first SQL-text dumps, converted, hold the same
schema and rows: re-dumped, they are line for line the same).
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from fieldapp.vault import Sealer
from server import enrolment
from server.schema import tenants
from server.storage import make_engine, migrate
from server.sync_service import handle_sync
from sync.protocol import PushedRecord, SyncRequest
from tests.factories import code_for, small_agency
from tests.support import pg

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def build(engine: Engine, tmp: Path) -> dict[str, str]:
    migrate(engine)
    a = small_agency(engine, tmp, now=NOW)
    phone = enrolment.enrol(engine, code_for(engine, a.worker_id))
    device = enrolment.authenticate(engine, phone["device_token"])
    with engine.begin() as conn:
        pub = conn.execute(select(tenants.c.escrow_public_key)).scalar_one()
    sealer = Sealer(b"k" * 32, a.tenant_id, base64.b64decode(pub))
    push = []
    for text in ("Settled and comfortable", "Ate half her breakfast"):
        rid = str(uuid.uuid4())
        env = sealer.seal("records", rid, 1, {"text": text}, escrow=True)
        push.append(PushedRecord(rid, "note", a.visits[0]["id"], None, NOW.isoformat(), 1, env))
    handle_sync(engine, device, SyncRequest(protocol=1, cursor=None, push=push))
    return {"device_token": phone["device_token"], "worker_id": a.worker_id,
            "escrow_key": a.key_file.read_text()}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "release.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        facts = build(engine, Path(tmp))
        engine.dispose()
        shutil.copyfile(path, HERE / "release.sqlite")
    with pg.throwaway_cluster() as cluster, tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(cluster.url())
        key_dir = Path(tmp)
        pg_facts = build(engine, key_dir)
        engine.dispose()
        archive = cluster.base / "release.dump"  # somewhere the cluster's owner may write
        cluster.run("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                    "--no-comments", "-h", str(cluster.sockdir), "-p", str(cluster.port),
                    "-U", pg.SUPERUSER, "-f", str(archive), pg.DEFAULT_DB)
        shutil.copyfile(archive, HERE / "postgresql.dump")
    (HERE / "release.json").write_text(json.dumps({"sqlite": facts, "postgresql": pg_facts},
                                                  indent=1) + "\n")


if __name__ == "__main__":
    main()
