"""Things arriving truly at once, against the real server on loopback, on both backends:
copies of one push (a phone retrying while its first request still runs) and thirty phones
enrolling with one one-time code."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from server.schema import devices
from sync.protocol import ENROL_PATH
from tests.factories import code_for
from tests.security.pushes import (
    Office,
    facts_for,
    gz,
    medicine_of,
    office_on_backend,  # noqa: F401 - the `office` fixture, on each backend
    post_sync,
    record,
)
from tests.support.live import serve


def at_once(n: int, call: Callable[[httpx.Client], httpx.Response], url: str
            ) -> list[httpx.Response]:
    """`n` threads, each with its own connection made beforehand, released by one barrier."""
    barrier = threading.Barrier(n)
    out: list[Any] = [None] * n

    def run(i: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            client.get("/health")  # connected before the barrier: the posts leave together
            barrier.wait()
            try:
                out[i] = call(client)
            except Exception as exc:  # noqa: BLE001 - reported below with the others
                out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


def test_copies_of_one_push_at_once_are_each_acknowledged(office: Office) -> None:
    a = office.agency
    token = office.token()
    sealer = office.sealer()
    visit, person = a.visits[0]["id"], a.people[0]["id"]
    med = medicine_of(office.engine, person)
    with serve(office.app) as url:
        for _ in range(8):  # several rounds: each must hold, whichever copy wins
            batch = [record(sealer, "note", visit, person).to_dict() for _ in range(20)]
            batch.append(record(sealer, "dose_outcome", visit, person,
                                facts_for("dose_outcome", med)).to_dict())
            body = gz({"protocol": 1, "cursor": None, "push": batch})
            answers = at_once(3, lambda c, b=body: post_sync(c, token, b), url)
            ids = sorted(r["id"] for r in batch)
            for resp in answers:
                assert isinstance(resp, httpx.Response), resp
                assert resp.status_code == 200, resp.text
                assert sorted(resp.json()["accepted"]) == ids
                assert resp.json()["rejected"] == []
    assert office.stored() == 8 * 21


def test_thirty_enrolments_with_one_code_enrol_one_phone(office: Office) -> None:
    code = code_for(office.engine, office.agency.worker_id)
    with serve(office.app) as url:
        answers = at_once(30, lambda c: c.post(ENROL_PATH, json={"code": code}), url)
    statuses = sorted(r.status_code for r in answers if isinstance(r, httpx.Response))
    assert len(statuses) == 30, answers
    assert statuses.count(200) == 1
    assert set(statuses) <= {200, 403, 429}
    with office.engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(devices)).scalar_one() == 1
