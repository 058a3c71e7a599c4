"""A running demo agency for the browser journeys: the real server and worker app on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.demo import DemoLogins, seed
from tests.support.procs import free_port, start_python, stop, wait_http


@dataclass(frozen=True)
class RunningDemo:
    logins: DemoLogins
    server_url: str
    app_url: str
    directory: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    directory = tmp_path_factory.mktemp("demo")
    logins = seed(directory)
    server_port, app_port = free_port(), free_port()
    server_url = f"http://127.0.0.1:{server_port}"
    env = {
        "FIELDAPP_DATABASE_URL": logins.database_url,
        "FIELDAPP_ESCROW_KEY_FILE": str(logins.key_file),
        "FIELDAPP_SERVER_URL": server_url,
        "FIELDAPP_DATA_DIR": str(directory / "phone"),
        "FIELDAPP_WEB_PORT": str(app_port),
    }
    server = start_python(["-m", "server.cli", "serve", "--port", str(server_port)], env=env)
    app = start_python(["main.py"], env=env)
    try:
        wait_http(f"{server_url}/health", proc=server, timeout=60)
        wait_http(f"http://127.0.0.1:{app_port}/", proc=app, timeout=60)
        yield RunningDemo(logins, server_url, f"http://127.0.0.1:{app_port}/", directory)
    finally:
        stop(app)
        stop(server)
