"""`make demo`: a fresh fictional agency, the server with its console, and one worker app."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from server import agency, enrolment
from server.clock import SYSTEM_CLOCK
from server.demo_data import DEMO_COORDINATOR_PASSWORD, DemoAgency, build_demo_agency
from server.storage import make_engine, migrate

ROOT = Path(__file__).resolve().parent.parent
DEMO_PIN_HINT = "choose any 6+ digit PIN that is not a simple run, e.g. 258036"


@dataclass(frozen=True)
class DemoLogins:
    database_url: str
    key_file: Path
    worker_name: str
    enrolment_code: str
    coordinator_email: str
    lead_email: str
    password: str
    codes: dict[str, str]


def seed(directory: Path, today: datetime | None = None) -> DemoLogins:
    """Create the demo agency from scratch in `directory` (any old demo there is removed)."""
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "server").mkdir(parents=True)
    url = f"sqlite:///{directory / 'server' / 'fieldapp.sqlite'}"
    key_file = directory / "server" / "escrow.key"
    engine = make_engine(url)
    migrate(engine)
    demo, codes = seed_into(engine, key_file, today)
    first = demo.workers[0]
    lead = next(c for c in demo.coordinators if c["is_safeguarding_lead"])
    other = next(c for c in demo.coordinators if not c["is_safeguarding_lead"])
    engine.dispose()
    return DemoLogins(url, key_file, first["name"], codes[first["name"]], other["email"],
                      lead["email"], DEMO_COORDINATOR_PASSWORD, codes)


def seed_into(engine: Engine, key_file: Path,
              today: datetime | None = None) -> tuple[DemoAgency, dict[str, str]]:
    """The demo agency in a migrated, empty database of either backend: its data and each
    worker's enrolment code, by worker name."""
    tz = "Europe/London"
    day = (today or SYSTEM_CLOCK.now().astimezone(ZoneInfo(tz))).date()
    demo = build_demo_agency(day, tz)
    tid = agency.init_tenant(
        engine, demo.agency["name"], key_file, tenant_id=demo.agency["id"],
        office_phone=demo.agency["office_phone"],
        on_call_phone=demo.agency.get("on_call_phone", ""), timezone=tz,
    )
    for w in demo.workers:
        # The demo's workers trained to take observations get the NEWS2 calculator.
        agency.add_worker(engine, tid, {**w, "news2_trained": w.get("trained_observations")})
    for c in demo.coordinators:
        agency.add_coordinator(engine, tid, c["name"], c["email"], DEMO_COORDINATOR_PASSWORD,
                               is_safeguarding_lead=c["is_safeguarding_lead"],
                               coordinator_id=c["id"])
    agency.add_people(engine, tid, demo.service_users, demo.care_plans, demo.medicines)
    agency.add_visits(engine, tid, demo.visits)
    codes = {w["name"]: enrolment.issue_code(engine, w["id"], 60 * 24) for w in demo.workers}
    return demo, codes


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((host, port)) != 0


def run_demo(directory: Path, host: str, server_port: int, app_port: int,
             seed_only: bool = False) -> int:
    for port in (server_port, app_port):
        if not seed_only and not _port_free(host, port):
            print(f"Port {port} on {host} is in use. Stop what is using it, or pass "
                  f"DEMO_ARGS='--port N --app-port M' to make demo.", file=sys.stderr)
            return 2
    logins = seed(directory)
    server_url = f"http://{host}:{server_port}"
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # never try to open a desktop window from the demo
    env.update(
        FIELDAPP_DATABASE_URL=logins.database_url,
        FIELDAPP_ESCROW_KEY_FILE=str(logins.key_file),
        FIELDAPP_SERVER_URL=server_url,
        FIELDAPP_DATA_DIR=str(directory / "phone"),
        FIELDAPP_WEB_PORT=str(app_port),
        FIELDAPP_WEB_HOST=host,
    )
    banner = "\n".join([
        "",
        "Field App demo (fictional agency; all data is made up and reset on every run)",
        "",
        f"  Worker app (open at phone size):  http://{host}:{app_port}/",
        f"  Office console:                   {server_url}/console/",
        f"  API docs:                         {server_url}/docs",
        "",
        f"  Worker:        {logins.worker_name}",
        f"  Enrolment code: {logins.enrolment_code}   (server {server_url})",
        f"  PIN:           {DEMO_PIN_HINT}",
        "",
        f"  Coordinator:   {logins.coordinator_email} / {logins.password}",
        f"  Safeguarding lead: {logins.lead_email} / {logins.password}",
        "",
        "  Codes for the other demo workers:",
        *[f"    {name}: {code}" for name, code in logins.codes.items()
          if name != logins.worker_name],
        "",
    ])
    if seed_only:
        print(banner)
        return 0
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed args
        [sys.executable, "-m", "server.cli", "serve", "--host", host, "--port", str(server_port)],
        cwd=ROOT, env=env,
    )
    app = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env)
    try:
        _wait_for(host, server_port, server, "server")
        _wait_for(host, app_port, app, "worker app")
        print(banner + "  Press Ctrl-C to stop.\n", flush=True)
        while server.poll() is None and app.poll() is None:
            time.sleep(0.5)
        print("A demo process stopped; shutting down.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping the demo.")
        return 0
    finally:
        for proc in (app, server):
            proc.terminate()
        for proc in (app, server):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_for(host: str, port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"The demo {what} stopped while starting (exit {proc.returncode}).")
        if not _port_free(host, port):
            return
        time.sleep(0.25)
    raise SystemExit(f"The demo {what} did not start within 120 s.")
