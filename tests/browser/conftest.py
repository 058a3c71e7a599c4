"""A running demo agency for the browser journeys: the real server and worker app on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.demo import DemoLogins
from tests.support.procs import free_port, start_python, stop, wait_http
from tests.support.seeded import seed


@contextlib.contextmanager
def office_server(logins: DemoLogins, **env: str) -> Iterator[str]:
    """The real server command on a free loopback port over the seeded database; its URL once
    /health answers. `env` adds settings (FIELDAPP_SMTP_HOST, ...)."""
    port = free_port()
    server = start_python(["-m", "server.cli", "serve", "--port", str(port)], env={
        "FIELDAPP_DATABASE_URL": logins.database_url,
        "FIELDAPP_ESCROW_KEY_FILE": str(logins.key_file), **env})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/health", proc=server, timeout=60)
        yield url
    finally:
        stop(server)


@dataclass(frozen=True)
class SeededOffice:
    """The demo agency's office alone: the real server over a freshly seeded database."""

    url: str
    logins: DemoLogins
    tmp: Path


@contextlib.contextmanager
def seeded_office(tmp: Path, prepare: Callable[[DemoLogins], None] | None = None,
                  **env: str) -> Iterator[SeededOffice]:
    """Seed the demo agency under `tmp`, `prepare` its database (before the server reads it) and
    serve it (`env` as for office_server)."""
    logins = seed(tmp / "demo")
    if prepare is not None:
        prepare(logins)
    with office_server(logins, **env) as url:
        yield SeededOffice(url, logins, tmp)


@dataclass(frozen=True)
class RunningDemo:
    """The demo agency served: the office server and the worker app (Flet web) beside it."""

    logins: DemoLogins
    server_url: str
    app_url: str
    directory: Path


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    """A fresh agency for each journey (and each rerun of one): a journey that failed part way
    leaves its phone enrolled and its visits half done, which a rerun must not inherit."""
    directory = tmp_path_factory.mktemp("demo")
    logins = seed(directory)
    app_port = free_port()
    with office_server(logins) as server_url:
        app = start_python(["main.py"], env={
            "FIELDAPP_SERVER_URL": server_url,
            "FIELDAPP_DATA_DIR": str(directory / "phone"),
            "FIELDAPP_WEB_PORT": str(app_port),
        })
        try:
            wait_http(f"http://127.0.0.1:{app_port}/", proc=app, timeout=60)
            yield RunningDemo(logins, server_url, f"http://127.0.0.1:{app_port}/", directory)
        finally:
            stop(app)
