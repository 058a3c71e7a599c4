"""Crafted sync bodies on SQLite and PostgreSQL: never a 500, never a stored change.

A request that is wrong as a whole is answered 4xx naming the field; a record that is wrong is
refused with a reason naming its field while the good record beside it is stored.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.security.pushes import (
    Office,
    facts_for,
    gz,
    headers,
    medicine_of,
    office_on_backend,  # noqa: F401 - the `office` fixture, on each backend
    post_sync,
    record,
)
from tests.support.live import serve


@contextlib.contextmanager
def client_for(office: Office) -> Iterator[httpx.Client]:
    with serve(office.app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def _good(office: Office) -> dict[str, Any]:
    a = office.agency
    return record(office.sealer(), "note", a.visits[0]["id"], a.people[0]["id"]).to_dict()


def _dose(office: Office) -> dict[str, Any]:
    a = office.agency
    med = medicine_of(office.engine, a.people[0]["id"])
    return record(office.sealer(), "dose_outcome", a.visits[0]["id"], a.people[0]["id"],
                  facts_for("dose_outcome", med)).to_dict()


def _deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


BIG = 2**63
# (name, how to spoil a good record, field the reason must name)
RECORD_CASES: list[tuple[str, Any, str]] = [
    ("version 2^63", lambda r, o: r.update(version=BIG), "version"),
    ("version 2^31", lambda r, o: r.update(version=2**31), "version"),
    ("version true", lambda r, o: r.update(version=True), "version"),
    ("version text", lambda r, o: r.update(version="1"), "version"),
    ("ek as a string", lambda r, o: r["envelope"].update(ek="x"), "envelope.ek"),
    ("ek as a list", lambda r, o: r["envelope"].update(ek=[1, 2]), "envelope.ek"),
    ("no ek", lambda r, o: r["envelope"].pop("ek"), "sealed for the office"),
    ("ct not base64", lambda r, o: r["envelope"].update(ct="@@@"), "envelope.ct"),
    ("envelope extra field", lambda r, o: r["envelope"].update(x=1), "envelope"),
    ("NUL in visit id", lambda r, o: r.update(visit_id="\x00" * 36), "visit_id"),
    ("NUL in a fact", lambda r, o: r.update(facts={"type": "a\x00b"}), "fact"),
    ("time not-a-time", lambda r, o: r.update(recorded_at="not-a-time"), "recorded_at"),
    ("time 9999", lambda r, o: r.update(recorded_at="9999-12-31T23:59:59+00:00"),
     "recorded_at"),
    ("time before 2000", lambda r, o: r.update(recorded_at="1970-01-01T00:00:00+00:00"),
     "recorded_at"),
    ("time without offset", lambda r, o: r.update(recorded_at="2026-01-01T09:00:00"),
     "recorded_at"),
    ("facts 2^64-1", lambda r, o: r.update(facts={"type": 2**64 - 1}), "fact"),
    ("facts nested", lambda r, o: r.update(facts={"type": {"a": 1}}), "fact"),
    ("a fact the kind does not carry", lambda r, o: r.update(facts={"secret": "x"}),
     "does not carry"),
    ("unknown kind", lambda r, o: r.update(kind="payroll"), "kind"),
    ("unknown field", lambda r, o: r.update(extra=1), "not part of the protocol"),
    ("correction of nothing", lambda r, o: r.update(
        kind="addendum", corrects=str(uuid.uuid4()),
        facts={"corrects_kind": "note", "actor": "worker"}),
     "corrects is not at the office"),
    ("corrects on a note", lambda r, o: r.update(corrects=str(uuid.uuid4())), "corrects"),
    ("a handover count below 0", lambda r, o: r.update(
        kind="handover", visit_id=None, service_user_id=None,
        facts={**facts_for("handover", ""), "items": -1}), "facts.items"),
    ("lone-worker minutes past any bound", lambda r, o: r.update(
        kind="lone_worker", facts={"event": "extend", "minutes": 10**6}), "facts.minutes"),
]


@pytest.mark.parametrize(("name", "spoil", "field"), RECORD_CASES,
                         ids=[c[0] for c in RECORD_CASES])
def test_a_bad_record_is_refused_by_field_and_the_rest_is_kept(
    office: Office, name: str, spoil: Any, field: str
) -> None:
    good, bad = _good(office), _good(office)
    spoil(bad, office)
    with client_for(office) as client:
        resp = post_sync(client, office.token(), gz({"protocol": 1, "push": [bad, good]}))
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert answer["accepted"] == [good["id"]]
    [refused] = answer["rejected"]
    assert refused["id"] == bad["id"] and field in refused["reason"]
    assert office.stored() == 1


def test_a_dose_with_a_garbage_time_is_refused(office: Office) -> None:
    dose = _dose(office)
    dose["facts"]["actual_at"] = "garbage"
    with client_for(office) as client:
        answer = post_sync(client, office.token(), gz({"protocol": 1, "push": [dose]})).json()
    assert "facts.actual_at" in answer["rejected"][0]["reason"]
    assert office.stored() == 0


def test_an_envelope_300_objects_deep_is_refused(office: Office) -> None:
    good = _good(office)
    good["envelope"]["ek"] = "DEEP"  # replaced by 300 nested objects in the JSON text
    raw = json.dumps({"protocol": 1, "push": [good]}).replace('"DEEP"', _deep(300))
    with client_for(office) as client:
        resp = post_sync(client, office.token(), gzip.compress(raw.encode()))
    assert resp.status_code == 200, resp.text
    assert "envelope.ek" in resp.json()["rejected"][0]["reason"]
    assert office.stored() == 0


# (name, request body as JSON-able object, expected status, field named)
REQUEST_CASES: list[tuple[str, Any, int, str]] = [
    ("protocol true", {"protocol": True}, 422, "protocol"),
    ("protocol 2^63", {"protocol": BIG}, 422, "protocol"),
    ("push not a list", {"protocol": 1, "push": {"a": 1}}, 422, "push"),
    ("push of 201", {"protocol": 1, "push": [{}] * 201}, 422, "push"),
    ("a record that is not an object", {"protocol": 1, "push": [1]}, 422, "push[0]"),
    ("a record id with NUL", {"protocol": 1, "push": [{"id": "\x00"}]}, 422, "push[0]"),
    ("a record id not a UUID", {"protocol": 1, "push": [{"id": "a" * 36}]}, 422, "push[0]"),
    ("cursor not text", {"protocol": 1, "cursor": 5}, 422, "cursor"),
    ("cursor with NUL", {"protocol": 1, "cursor": "c1.\x00"}, 422, "cursor"),
    ("app_version 30 MiB", {"protocol": 1, "app_version": "x" * (30 * 2**20)}, 422,
     "app_version"),
    ("app_version with NUL", {"protocol": 1, "app_version": "1\x00"}, 422, "app_version"),
    ("unknown field", {"protocol": 1, "admin": True}, 422, "not part of the protocol"),
    ("not an object", [1, 2], 422, "object"),
    ("another protocol", {"protocol": 2}, 426, ""),
]


@pytest.mark.parametrize(("name", "body", "status", "field"), REQUEST_CASES,
                         ids=[c[0] for c in REQUEST_CASES])
def test_a_bad_request_is_answered_4xx_naming_the_field(
    office: Office, name: str, body: Any, status: int, field: str
) -> None:
    with client_for(office) as client:
        resp = post_sync(client, office.token(), gz(body))
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert field in error["message"] and "Traceback" not in resp.text
    assert office.stored() == 0


@pytest.mark.parametrize("cursor", ["c1.9223372036854775808", "c1." + "9" * 40, "c1.-1",
                                    "c1.1_0", "c1.+1", "c1. 1"])
def test_a_cursor_the_office_never_gave_is_a_full_resync(office: Office, cursor: str) -> None:
    with client_for(office) as client:
        resp = post_sync(client, office.token(), gz({"protocol": 1, "cursor": cursor}))
    assert resp.status_code == 200 and resp.json()["reset"]


def test_bodies_that_cannot_be_read_are_refused(office: Office) -> None:
    token = office.token()
    with client_for(office) as client:
        assert post_sync(client, token, b"\x1f\x8bnot gzip").status_code == 422
        assert post_sync(client, token, b"{", {"Content-Encoding": "identity"}).status_code \
            == 422
        resp = post_sync(client, token, b"{}", {"Content-Encoding": "br"})
        assert resp.status_code == 415 and resp.json()["error"]["field"] == "Content-Encoding"
    assert office.stored() == 0


def test_enrolment_text_with_control_characters_is_refused(office: Office) -> None:
    with client_for(office) as client:
        resp = client.post("/api/v1/enrol", json={"code": "ABCD-EFGH-JKMN",
                                                  "app_version": "1\x00"})
        assert resp.status_code == 422 and resp.json()["error"]["field"] == "app_version"
        resp = client.post("/api/v1/enrol", json={"code": "ABCD-\x00FGH-JKMN"})
        assert resp.status_code == 422


def test_errors_never_echo_what_was_sent(office: Office) -> None:
    secret = "Margaret-Ellison-key-safe-4821"
    bad = _good(office)
    bad["facts"] = {secret.lower().replace("-", "_"): "x"}
    with client_for(office) as client:
        resp = post_sync(client, office.token(), gz({"protocol": 1, "push": [bad],
                                                     secret: 1}))
        assert resp.status_code == 422 and secret not in resp.text
        resp = post_sync(client, office.token(), gz({"protocol": 1, "push": [bad]}))
        assert "margaret" not in str(resp.json()["rejected"]).lower()


def _answer_to_headers_only(url: str, head: dict[str, str]) -> bytes:
    """Send a POST's headers and none of its body; return what the server answers."""
    host, port = url.removeprefix("http://").split(":")
    lines = ["POST /api/v1/sync HTTP/1.1", f"Host: {host}"] + [f"{k}: {v}" for k, v in
                                                                 head.items()]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return sock.recv(65536)


def test_headers_are_checked_before_the_body_is_read(office: Office) -> None:
    """A body the server would refuse is never waited for: the answer comes on the headers."""
    token = office.token()
    with serve(office.app) as url:
        big = _answer_to_headers_only(url, {"Content-Length": str(5 * 2**20),
                                            "Authorization": f"Bearer {token}"})
        stranger = _answer_to_headers_only(url, {"Content-Length": str(2**20),
                                                 "Authorization": "Bearer not-a-token"})
        unsigned = _answer_to_headers_only(url, {"Content-Length": str(2**20)})
        chunked = _answer_to_headers_only(url, {"Transfer-Encoding": "chunked",
                                                "Authorization": "Bearer not-a-token"})
    assert big.startswith(b"HTTP/1.1 413")
    assert stranger.startswith(b"HTTP/1.1 401") and unsigned.startswith(b"HTTP/1.1 401")
    assert chunked.startswith(b"HTTP/1.1 401")


def test_a_body_longer_than_announced_stops_at_the_cap(office: Office) -> None:
    token = office.token()

    def chunks() -> Iterator[bytes]:
        for _ in range(6):
            yield b"x" * 2**20

    with client_for(office) as client:
        resp = client.post("/api/v1/sync", content=chunks(), headers=headers(token))
    assert resp.status_code == 413 and resp.json()["error"]["field"] == "body"
