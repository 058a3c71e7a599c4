"""Browser protections on every answer; the console's WebSocket only from its own origin.

Against the real server command on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import websockets

from tests.support.procs import free_port, start_python, stop, wait_http


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("headers")
    port = free_port()
    env = {"FIELDAPP_DATABASE_URL": f"sqlite:///{tmp / 's.sqlite'}",
           "FIELDAPP_ESCROW_KEY_FILE": str(tmp / "escrow.key")}
    assert start_python(["-m", "server.cli", "init", "--name", "Test Care"], env=env).wait() == 0
    server = start_python(["-m", "server.cli", "serve", "--port", str(port)], env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc=server, timeout=60)
        yield f"127.0.0.1:{port}"
    finally:
        stop(server)


@pytest.mark.parametrize("path", ["/health", "/console/", "/openapi.json", "/api/v1/sync"])
def test_every_answer_carries_the_browser_protections_and_no_wildcard_cors(
        base: str, path: str) -> None:
    answer = httpx.get(f"http://{base}{path}", headers={"Origin": "https://evil.example"})
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in answer.headers


def connect(base: str, origin: str) -> str:
    async def go() -> str:
        try:
            async with websockets.connect(f"ws://{base}/console/ws", origin=origin) as ws:
                await ws.send(b"\x80")  # any first frame; the console may answer or not
                return "open"
        except websockets.exceptions.InvalidStatus as exc:
            return f"refused {exc.response.status_code}"
        except websockets.exceptions.ConnectionClosed as exc:
            return f"closed {exc.rcvd.code if exc.rcvd else None}"

    return asyncio.run(go())


def test_the_console_websocket_refuses_another_sites_origin(base: str) -> None:
    assert connect(base, "https://evil.example") in ("refused 403", "closed 1008")


def test_the_console_websocket_accepts_its_own_origin(base: str) -> None:
    assert connect(base, f"http://{base}") == "open"
