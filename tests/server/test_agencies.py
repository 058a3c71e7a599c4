"""Several agencies on one server: `create-agency`, `--agency` on every per-agency command (an
error naming the choices without it), ids unique per agency (the same ids in two agencies are
two rows), and a coordinator of one agency seeing nothing of the other in the console or API."""

from __future__ import annotations

import base64
import os
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from fieldapp.vault.dek import Sealer
from server import agency, datakeys
from server.cli import main as cli
from server.console.app import make_console
from server.keyring import Keyring, use_agency_keys
from server.schema import coordinators, records, tenants, workers
from server.services.sign_in import sign_in
from server.services.visit_record import visit_record
from server.storage import make_engine, migrate
from server.sync_service import handle_sync
from sync.protocol import PushedRecord
from tests.factories import PASSWORD, medicine_for, person, plan_for, visit
from tests.server.test_sync_contract import device_for, note, request
from tests.support.flet_memory import run_app

SHARED_PERSON = str(uuid.uuid4())  # both agencies imported people with the same ids
SHARED_VISIT = str(uuid.uuid4())
SHARED_RECORD = str(uuid.uuid4())


@dataclass
class Side:
    tenant_id: str
    worker_id: str
    email: str
    name: str  # the person's name in this agency
    text: str  # the note this agency's phone sent
    sent: PushedRecord


def sealer(engine: Engine, tenant_id: str) -> Sealer:
    with engine.begin() as conn:
        pub = conn.execute(select(tenants.c.escrow_public_key)
                           .where(tenants.c.id == tenant_id)).scalar_one()
    return Sealer(b"k" * 32, tenant_id, base64.b64decode(pub))


def fill(engine: Engine, tid: str, label: str, person_name: str) -> Side:
    from datetime import UTC, datetime

    wid = agency.add_worker(engine, tid, {"name": f"{label} Worker", "area": "Leeds"})
    email = f"office@{label.lower()}.example"
    agency.add_coordinator(engine, tid, f"{label} Office", email, PASSWORD)
    p = person(person_name, id=SHARED_PERSON)
    plan, med = plan_for(p), medicine_for(p)
    agency.add_people(engine, tid, [p], [plan], [med])
    v = visit(wid, SHARED_PERSON, "morning", datetime.now(UTC).replace(microsecond=0))
    v["id"] = SHARED_VISIT
    agency.add_visits(engine, tid, [v])
    text = f"{label}: settled with a cup of tea"
    sent = note(sealer(engine, tid), v, text, rid=SHARED_RECORD)
    answer = handle_sync(engine, device_for(engine, wid), request(sent))
    assert answer.accepted == [SHARED_RECORD] and not answer.rejected
    return Side(tid, wid, email, person_name, text, sent)


@pytest.fixture
def two(tmp_path: Path) -> tuple[Engine, Keyring, Side, Side]:
    engine = make_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    migrate(engine)
    key_file = tmp_path / "escrow.key"
    a = agency.init_tenant(engine, "Riverside", key_file)
    b, b_key = agency.create_agency(engine, "Hilltop", key_file)
    assert b_key.parent == key_file.parent and stat.S_IMODE(os.stat(b_key).st_mode) == 0o600
    keyring = Keyring(engine, str(key_file), key_file)
    return (engine, keyring, fill(engine, a, "Riverside", "Margaret Ellison"),
            fill(engine, b, "Hilltop", "Dorothy Quill"))


def test_the_same_ids_in_two_agencies_are_two_rows(two) -> None:
    engine, _keys, a, b = two
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)
                            .where(records.c.id == SHARED_RECORD)).scalar_one() == 2
    # Pushed again: each agency's copy is acknowledged as its own, nothing new is stored.
    for side in (a, b):
        again = handle_sync(engine, device_for(engine, side.worker_id), request(side.sent))
        assert again.accepted == [SHARED_RECORD] and not again.rejected
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 2


def test_each_coordinator_reads_only_their_own_agency(two) -> None:
    engine, keys, a, b = two
    for me, other in ((a, b), (b, a)):
        who = sign_in(engine, me.email, PASSWORD)
        assert who.tenant_id == me.tenant_id
        opened = visit_record(engine, keys.for_agency(who.tenant_id), who, SHARED_VISIT)
        assert opened.person_name == me.name
        assert [r.content["text"] for r in opened.records] == [me.text]
        assert other.text not in str(opened)


def test_a_phone_pulls_only_its_own_agency(two) -> None:
    engine, _keys, a, b = two
    for me, other in ((a, b), (b, a)):
        answer = handle_sync(engine, device_for(engine, me.worker_id), request())
        pulled = str(answer.changes)  # (visits carry their worker's id in the clear)
        assert me.worker_id in pulled and other.worker_id not in pulled


def test_the_console_shows_a_coordinator_their_own_agency_only(two) -> None:
    engine, keys, a, b = two
    main = make_console(engine, keys.server, keys=keys.for_agency)
    with run_app(main, page_props={"route": f"/visits/{SHARED_VISIT}", "web": True,
                                   "width": 1300.0}) as app:
        app.type("console-email", b.email)
        app.type("console-password", PASSWORD)
        app.tap("console-sign-in")
        shown = app.screen()
        assert b.text in shown and b.name in shown
        assert a.text not in shown and a.name not in shown
        app.run(app.page.push_route("/"))
        assert b.name in app.screen() and a.name not in app.screen()
        app.run(app.page.push_route(f"/people/{SHARED_PERSON}/mar"))
        assert f"MAR chart: {b.name}" in app.screen() and a.name not in app.screen()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_names_the_agency_once_there_are_several(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    url, key = f"sqlite:///{tmp_path / 'office.sqlite'}", str(tmp_path / "escrow.key")
    where = ("--database-url", url, "--key-file", key)
    assert run(capsys, "init", "--name", "Riverside", *where)[0] == 0
    assert run(capsys, "add-worker", "--name", "Ann", *where)[0] == 0  # one agency: implied
    code, out, _ = run(capsys, "create-agency", "--name", "Hilltop", *where)
    assert code == 0 and "Agency created" in out
    code, _, err = run(capsys, "create-agency", "--name", "hilltop", *where)
    assert code == 2 and "already exists" in err

    code, _, err = run(capsys, "add-worker", "--name", "Bea", *where)
    assert code == 2 and "--agency" in err and "'Riverside'" in err and "'Hilltop'" in err
    code, _, err = run(capsys, "add-worker", "--name", "Bea", "--agency", "Nowhere", *where)
    assert code == 2 and "'Riverside'" in err and "'Hilltop'" in err
    code, out, _ = run(capsys, "add-worker", "--name", "Bea", "--agency", "hilltop", *where)
    assert code == 0
    bea = out.strip()

    monkeypatch.setenv("FIELDAPP_NEW_PASSWORD", "a-long-admin-password")
    code, out, _ = run(capsys, "create-coordinator", "--name", "Hal", "--email",
                       "hal@hilltop.example", "--role", "admin", "--agency", "Hilltop", *where)
    assert code == 0 and "admin" in out
    for command in (("enrol", bea), ("revoked-push", "refuse"), ("oncall",),
                    ("reassign", str(uuid.uuid4()), bea), ("revoke", str(uuid.uuid4())),
                    ("create-coordinator", "--name", "X", "--email", "x@example.org")):
        code, _, err = run(capsys, *command, *where)
        assert code == 2 and "--agency" in err, command
    # A worker of Hilltop is not Riverside's to enrol.
    code, _, err = run(capsys, "enrol", bea, "--agency", "Riverside", *where)
    assert code == 2 and "No active worker" in err
    code, out, _ = run(capsys, "enrol", bea, "--agency", "Hilltop", *where)
    assert code == 0 and len(out.strip()) == 14

    engine = make_engine(url)
    with engine.connect() as conn:
        hilltop = conn.execute(select(tenants.c.id).where(tenants.c.name == "Hilltop")).scalar()
        assert conn.execute(select(workers.c.tenant_id).where(workers.c.id == bea)).scalar() \
            == hilltop
        assert conn.execute(select(coordinators.c.role, coordinators.c.tenant_id).where(
            coordinators.c.email == "hal@hilltop.example")).one() == ("admin", hilltop)
    engine.dispose()
    code, out, _ = run(capsys, "agencies", *where)
    assert code == 0 and "Riverside" in out and "Hilltop" in out


def test_a_restarted_server_opens_each_agencys_data_with_its_own_key(two) -> None:
    engine, keys, a, b = two
    datakeys.forget()  # as a fresh server process: nothing unwrapped yet
    with engine.connect() as conn:
        with pytest.raises(datakeys.KeyUnavailable):
            datakeys.keys_for(conn, b.tenant_id)
    # What create_app and the CLI do at start: the server's key, and each agency's beside it.
    datakeys.use_escrow_key(keys.server_key, keys.server)
    use_agency_keys(keys.server_key_file)
    for me in (a, b):
        answer = handle_sync(engine, device_for(engine, me.worker_id), request())
        assert me.worker_id in str(answer.changes)
