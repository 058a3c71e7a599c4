"""A worker's NEWS2 training is the office's per-worker setting, delivered to the phone by sync.

On both backends: a full resync carries the worker's profile; a change reaches only that
worker's feed, in order, so the latest setting wins; the command line sets it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from server import worker_profile
from server.cli import main
from server.errors import NotFound
from server.schema import workers
from server.sync_service import handle_sync
from sync.protocol import Change
from tests.factories import small_agency
from tests.server.test_sync_contract import device_for, request


def profiles(changes: list[Change]) -> list[dict[str, object]]:
    """The NEWS2 setting of each profile change (the staff list is tested on its own)."""
    return [{"news2_trained": c.body["news2_trained"]} for c in changes
            if c.entity == "worker" and c.body is not None]


def test_the_phone_learns_its_workers_setting_in_the_resync_and_each_change(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    mine, theirs = device_for(engine, a.worker_id), device_for(engine, a.other_worker_id)
    first = handle_sync(engine, mine, request())
    assert first.reset and profiles(first.changes) == [{"news2_trained": False}]
    assert [c.id for c in first.changes if c.entity == "worker"] == [a.worker_id]
    other_first = handle_sync(engine, theirs, request())
    with engine.begin() as conn:
        worker_profile.set_news2_trained(conn, a.tenant_id, a.worker_id, True)
        worker_profile.set_news2_trained(conn, a.tenant_id, a.worker_id, False)
    with engine.begin() as conn:
        worker_profile.set_news2_trained(conn, a.tenant_id, a.worker_id, True)
    later = handle_sync(engine, mine, request(cursor=first.cursor))
    assert profiles(later.changes) == [{"news2_trained": True}, {"news2_trained": False},
                                       {"news2_trained": True}]
    # The other worker's phone hears nothing of it.
    assert profiles(handle_sync(engine, theirs, request(cursor=other_first.cursor)).changes) == []
    again = handle_sync(engine, device_for(engine, a.worker_id), request())  # a new phone
    assert profiles(again.changes) == [{"news2_trained": True}]


def test_an_unknown_worker_is_refused(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    with engine.begin() as conn, pytest.raises(NotFound):
        worker_profile.set_news2_trained(conn, a.tenant_id, "no-such-worker", True)


def test_the_command_line_sets_it(tmp_path: Path) -> None:
    from server.storage import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    a = small_agency(engine, tmp_path)
    device = device_for(engine, a.worker_id)
    assert main(["news2-trained", a.worker_id, "on", "--database-url", url]) == 0
    assert profiles(handle_sync(engine, device, request()).changes) == [{"news2_trained": True}]
    assert main(["news2-trained", "no-such-worker", "on", "--database-url", url]) != 0
    engine.dispose()


def test_the_profile_lists_the_staff_a_witness_is_picked_from_never_the_worker(
        engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    first = handle_sync(engine, device_for(engine, a.worker_id), request())
    body = next(c.body for c in first.changes if c.entity == "worker")
    assert body is not None
    assert [(s["name"], s["role"]) for s in body["staff"]] == [
        ("Sam Office", "coordinator"), ("Tom Baxter", "care_worker")]
    assert a.worker_id not in {s["id"] for s in body["staff"]}


def test_a_large_agencys_staff_list_keeps_coordinators_and_the_workers_area_first(
        engine: Engine, tmp_path: Path) -> None:
    """An agency of hundreds: the list stops at STAFF_CAP, and the names cut are from other
    areas, never a coordinator or a colleague of the worker's own area."""
    a = small_agency(engine, tmp_path)
    with engine.begin() as conn:
        area = conn.execute(select(workers.c.area).where(
            workers.c.id == a.worker_id)).scalar()
        conn.execute(insert(workers), [
            {"id": str(uuid.uuid4()), "tenant_id": a.tenant_id, "name": f"Aaron Far {i:03}",
             "area": "Elsewhere", "active": True} for i in range(worker_profile.STAFF_CAP)]
            + [{"id": str(uuid.uuid4()), "tenant_id": a.tenant_id, "name": f"Zoe Near {i}",
                "area": area, "active": True} for i in range(3)]
            + [{"id": str(uuid.uuid4()), "tenant_id": a.tenant_id, "name": "Zed Gone",
                "area": area, "active": False}])
        listed = worker_profile.staff(conn, a.tenant_id, a.worker_id)
    names = [s["name"] for s in listed]
    assert len(listed) == worker_profile.STAFF_CAP
    assert {"Sam Office", "Zoe Near 0", "Zoe Near 1", "Zoe Near 2"} <= set(names)
    assert "Zed Gone" not in names and a.worker_id not in {s["id"] for s in listed}
    assert names == sorted(names)
    assert f"Aaron Far {worker_profile.STAFF_CAP - 1:03}" not in names  # cut from the far end
