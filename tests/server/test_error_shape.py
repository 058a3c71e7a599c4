"""Every error the API answers with has the one JSON shape: {"error": {"code", "message"}},
with "field" naming the part of the request at fault when there is one."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from server import enrolment, errors
from server.app import create_app
from server.settings import ServerSettings
from sync.protocol import ENROL_PATH, SYNC_PATH, WIPED_PATH
from tests.factories import code_for, small_agency

BOOM = "/test-only/boom"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    settings = ServerSettings.from_env({}, database_url=f"sqlite:///{tmp_path / 's.sqlite'}",
                                       escrow_key_file=tmp_path / "escrow.key")
    app = create_app(settings, with_console=False)

    def boom(kind: str) -> None:
        if kind == "unexpected":
            raise RuntimeError("a driver error quoting Margaret Ellison's row")
        raise next(c for c in errors.ServerError.__subclasses__() if c.code == kind)("Plain.")

    app.add_api_route(BOOM + "/{kind}", boom, methods=["GET"])
    yield app
    app.state.engine.dispose()


def call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://office") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def assert_error_shape(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]) \
        <= {"code", "message", "field"}
    assert isinstance(body["error"].get("field", ""), str)
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def sync_body(payload: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(payload).encode())


def test_every_api_error_has_the_one_shape(app: FastAPI, tmp_path: Path) -> None:
    engine = app.state.engine
    a = small_agency(engine, tmp_path)
    phone = enrolment.enrol(engine, code_for(engine, a.worker_id))
    bearer = {"Authorization": f"Bearer {phone['device_token']}",
              "Content-Encoding": "gzip"}
    no_kwargs: dict[str, Any] = {}
    pull_99 = sync_body({"protocol": 99, "cursor": None, "push": []})
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("GET", "/no/such/route", no_kwargs, 404, "not_found"),
        ("GET", SYNC_PATH, no_kwargs, 405, "method_not_allowed"),
        ("POST", ENROL_PATH, {"json": {}}, 422, "invalid"),
        ("POST", ENROL_PATH, {"json": {"code": "WRONG-CODE"}}, 403, "forbidden"),
        ("POST", SYNC_PATH, {"content": b"{}", "headers": {**bearer, "Content-Encoding": "br"}},
         415, "unsupported_encoding"),
        ("POST", SYNC_PATH, {"content": b"x" * (5 * 2**20), "headers": bearer}, 413,
         "too_large"),
        ("POST", SYNC_PATH, {"content": sync_body({})}, 401, "not_authenticated"),
        ("POST", SYNC_PATH, {"content": b"not gzip", "headers": bearer}, 422, "invalid"),
        ("POST", SYNC_PATH, {"content": pull_99, "headers": bearer}, 426, "upgrade_required"),
        ("POST", WIPED_PATH, {"headers": bearer}, 409, "conflict"),
    ]
    for method, path, kwargs, status, code in cases:
        assert_error_shape(call(app, method, path, **kwargs), status, code)


@pytest.mark.parametrize("error", errors.ServerError.__subclasses__(),
                         ids=lambda c: c.__name__)
def test_each_server_error_answers_in_the_shape_with_its_status(
        app: FastAPI, error: type[errors.ServerError]) -> None:
    response = call(app, "GET", f"{BOOM}/{error.code}")
    assert_error_shape(response, error.status, error.code)
    assert response.json()["error"]["message"] == "Plain."


def test_an_unexpected_failure_is_a_500_in_the_shape_saying_nothing_of_it(
        app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    response = call(app, "GET", f"{BOOM}/unexpected")
    assert_error_shape(response, 500, "server_error")
    assert "Margaret" not in response.text
    ours = [r.getMessage() for r in caplog.records if r.name == "fieldapp.server"]
    assert ours == ["unexpected server error: RuntimeError"]


def test_error_body_is_the_shape() -> None:
    assert errors.error_body("invalid", "Say why.") == {
        "error": {"code": "invalid", "message": "Say why."}}
