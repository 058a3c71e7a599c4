"""Composition root of the coordinator server: storage, API and the console in one ASGI app."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import flet_web.fastapi as flet_fastapi
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from server import datakeys, handovers, missed_doses, openapi, welfare
from server.api import build_router
from server.bodycap import BodyCap
from server.clock import SYSTEM_CLOCK, Clock
from server.console.app import make_console
from server.console.session import SessionRules
from server.errors import install_error_handlers
from server.guard import Guard
from server.keyring import Keyring, use_agency_keys
from server.monitors import Monitor, MonitorLoop
from server.notifier import Notifier, notifier_from_settings
from server.office_api import build_office_router
from server.oncall import NoticePump
from server.security_headers import SecurityHeaders
from server.services.sign_in_doors import SignInDoors
from server.settings import ServerSettings
from server.storage import Checkpointer, make_engine, migrate
from sync.protocol import SYNC_PATH

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def create_app(settings: ServerSettings, *, with_console: bool = True,
               clock: Clock = SYSTEM_CLOCK, monitors: Iterable[Monitor] = (),
               notifier: Notifier | None = None) -> FastAPI:
    """The server: API, console and background monitors, all telling time by `clock`.

    The background monitors are registered here, and only here: `monitors` (tests add their
    own), plus every feature's monitor as it is built (lone-worker timers, escalation
    re-alerts, missed time-critical doses at unvisited visits). They run in the one leader
    process (server/leader.py)."""
    engine = make_engine(settings.database_url, background_checkpoints=True)
    schema = migrate(engine)

    # Each agency's escrow key, loaded on first use, not at start-up, and never written
    # anywhere else.
    keyring = Keyring(engine, settings.escrow_key.value or str(settings.escrow_key_file),
                      settings.escrow_key_file)
    # The server's own escrow key (its first agency's), for parts that open with one key.
    escrow_key = keyring.server

    # Each agency's data key (office data sealed at rest) is unwrapped with its escrow key,
    # once: the server's, or an agency's own beside it (agencies added by create-agency).
    datakeys.use_escrow_key(settings.escrow_key.value or str(settings.escrow_key_file.resolve()),
                            escrow_key)
    use_agency_keys(settings.escrow_key_file)

    # Handover points are passed on last: it is the one monitor that needs the escrow key.
    loop = MonitorLoop(engine, [welfare.watch, missed_doses.watch, *monitors,
                                handovers.monitor(keyring.for_agency,
                                                  settings.phone_retention_days)],
                       tick=settings.monitor_tick_seconds, clock=clock)
    checkpointer = Checkpointer(engine)
    # Escalation notices: every process calls due ladder tiers and sends queued notices,
    # each exactly once through the database (server/oncall.py).
    pump = NoticePump(engine, notifier or notifier_from_settings(settings), clock,
                      settings.console_url())

    async def _start_monitors() -> None:
        checkpointer.start()
        if settings.run_monitors:
            loop.start()
            pump.start()

    async def _stop_monitors() -> None:
        await pump.stop()
        await loop.stop()
        checkpointer.stop()

    # flet-web is untyped; its FastAPI is a fastapi.FastAPI that also serves Flet apps.
    app: FastAPI = flet_fastapi.FastAPI(
        on_startup=[_start_monitors],
        on_shutdown=[_stop_monitors],
        title="Field App coordinator server",
        version="0.1.0",
        description="Sync, enrolment and the office console for the home-care field app.",
    )
    app.state.engine = engine
    app.state.keyring = keyring
    app.state.settings = settings
    app.state.monitors = loop
    app.state.notice_pump = pump
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.state.guard = Guard(engine, clock=clock)
    app.include_router(build_router(engine, engine.dialect.name, schema,
                                    settings.phone_retention_days, clock, app.state.guard,
                                    keyring.for_agency))
    # One count of failed sign-ins for the console and the office API: two doors to the same
    # accounts must not give a guesser twice the tries.
    app.state.sign_in_doors = SignInDoors(engine, clock)
    app.include_router(build_office_router(engine, keyring.for_agency, clock,
                                           app.state.sign_in_doors))
    app.add_middleware(BodyCap, prefix="/api/", exempt=frozenset({SYNC_PATH}))
    openapi.install(app)
    if with_console:
        path = settings.console_path.rstrip("/")

        @app.get("/", include_in_schema=False)
        def _root() -> RedirectResponse:
            return RedirectResponse(path + "/")

        app.mount(
            path,
            flet_fastapi.app(
                make_console(engine, keyring.server, clock, SessionRules(
                    idle=timedelta(seconds=settings.console_idle_seconds),
                    lifetime=timedelta(seconds=settings.console_lifetime_seconds)),
                    doors=app.state.sign_in_doors, keys=keyring.for_agency),
                assets_dir=str(ASSETS),
                no_cdn=True,
            ),
        )
    return app


def app_from_env() -> FastAPI:
    """The app of one of several server processes (`serve --workers N`): settings from the
    FIELDAPP_* environment the parent process set."""
    return create_app(ServerSettings.from_env())
