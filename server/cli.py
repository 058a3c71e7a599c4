"""`fieldapp-server`: init, create-agency, agencies, migrate, serve, demo, enrol,
create-coordinator, add-worker, news2-trained, revoke, revoked-push, reassign, oncall,
stale-sync, settings.

Every per-agency command takes `--agency NAME_OR_ID`, required once the server has more than
one agency."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from server import settings_cli
from server.errors import Invalid, ServerError
from server.roles import ROLES
from server.settings import ServerSettings

if TYPE_CHECKING:
    from sqlalchemy import Engine

# Commands about one agency: each takes --agency (required once there are several).
PER_AGENCY = ("enrol", "create-coordinator", "add-worker", "news2-trained", "revoke",
              "revoked-push", "reassign", "oncall", "stale-sync", "settings")


def _settings(args: argparse.Namespace) -> ServerSettings:
    settings = ServerSettings.from_env(
        database_url=getattr(args, "database_url", None),
        escrow_key_file=Path(args.key_file) if getattr(args, "key_file", None) else None,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )
    _use_escrow_key(settings)
    return settings


def _use_escrow_key(settings: ServerSettings) -> None:
    """Commands that change office data (a visit reassigned) seal it under the agency's data
    key, which the escrow key unwraps: loaded only if such a command needs it."""
    from server import datakeys, escrow
    from server.keyring import use_agency_keys

    source = settings.escrow_key.value or str(settings.escrow_key_file.resolve())
    datakeys.use_escrow_key(source, lambda: escrow.load_private_key(source))
    use_agency_keys(settings.escrow_key_file)


def cmd_init(args: argparse.Namespace) -> int:
    from server import agency
    from server.storage import make_engine, migrate

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    migrate(engine)
    tid = agency.init_tenant(engine, args.name, settings.escrow_key_file,
                             office_phone=args.office_phone, timezone=args.timezone)
    print(f"Agency created ({tid}) in {settings.safe_database_url()}.")
    print(f"Escrow private key written to {settings.escrow_key_file} (mode 0600).")
    print("Keep that file out of database backups: it is what opens workers' records.")
    return 0


def cmd_create_agency(args: argparse.Namespace) -> int:
    from server import agency
    from server.storage import make_engine, migrate

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    migrate(engine)
    tid, key_file = agency.create_agency(engine, args.name, settings.escrow_key_file,
                                         office_phone=args.office_phone,
                                         timezone=args.timezone)
    print(f"Agency created ({tid}) in {settings.safe_database_url()}.")
    print(f"Its escrow private key is in {key_file} (mode 0600), beside the server's: keep it "
          "there and out of database backups.")
    return 0


def cmd_agencies(args: argparse.Namespace) -> int:
    from server import agency
    from server.storage import make_engine, migrate

    engine = make_engine(_settings(args).database_url)
    migrate(engine)
    for a in agency.agencies(engine):
        print(f"{a.id}  {a.name}")
    return 0


def _agency(args: argparse.Namespace, engine: Engine) -> str:
    from server import agency

    return agency.pick_agency(engine, getattr(args, "agency", None))


def cmd_migrate(args: argparse.Namespace) -> int:
    from server.storage import make_engine, migrate

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    revision = migrate(engine)
    engine.dispose()
    print(f"Schema at revision {revision:04d} in {settings.safe_database_url()}.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    settings = _settings(args)
    workers = args.workers or int(os.environ.get("FIELDAPP_WORKERS", "1"))
    if workers < 1:
        print("--workers must be 1 or more.", file=sys.stderr)
        return 2
    where = (f"Coordinator server on http://{settings.host}:{settings.port}/ "
             f"(console at {settings.console_path}/, API docs at /docs)")
    log_level = os.environ.get("FIELDAPP_LOG_LEVEL", "warning")
    if workers == 1:
        app = create_app(settings)
        print(where, flush=True)
        uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level,
                    access_log=False, timeout_keep_alive=settings.keep_alive_seconds)
        return 0
    # Several processes on one port: uvicorn spawns them and each builds its app from the
    # environment (server.app.app_from_env). Migrations run once, here, before they start;
    # background monitors run in one of them at a time (server/leader.py).
    from server.storage import make_engine, migrate

    migrate(make_engine(settings.database_url))
    os.environ.update({"FIELDAPP_DATABASE_URL": settings.database_url,
                       "FIELDAPP_ESCROW_KEY_FILE": str(settings.escrow_key_file)})
    print(f"{where}, {workers} worker processes", flush=True)
    # uvicorn kills a worker that does not answer its supervisor's ping within the health-check
    # timeout (5 s by default), dropping every sync in flight there; a busy worker on a small
    # machine can be that slow to answer, so it gets a minute.
    uvicorn.run("server.app:app_from_env", factory=True, workers=workers, host=settings.host,
                port=settings.port, log_level=log_level, access_log=False,
                timeout_worker_healthcheck=60, timeout_keep_alive=settings.keep_alive_seconds)
    return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    from server import enrolment
    from server.storage import make_engine

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    code = enrolment.issue_code(engine, args.worker_id,
                                args.minutes or settings.enrolment_code_minutes,
                                tenant_id=_agency(args, engine))
    print(code)
    return 0


def cmd_create_coordinator(args: argparse.Namespace) -> int:
    from server import agency
    from server.storage import make_engine, migrate

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    migrate(engine)
    password = os.environ.get("FIELDAPP_NEW_PASSWORD") or getpass.getpass("New password: ")
    role = args.role or ("safeguarding_lead" if args.safeguarding_lead else "coordinator")
    cid = agency.add_coordinator(engine, _agency(args, engine), args.name, args.email,
                                 password, role=role)
    print(f"Office account created ({cid}, {role}).")
    return 0


def cmd_add_worker(args: argparse.Namespace) -> int:
    from server import agency
    from server.storage import make_engine, migrate

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    migrate(engine)
    wid = agency.add_worker(engine, _agency(args, engine),
                            {"name": args.name, "phone": args.phone, "area": args.area,
                             "news2_trained": args.news2_trained})
    print(wid)
    return 0


def cmd_news2_trained(args: argparse.Namespace) -> int:
    from server import worker_profile
    from server.storage import make_engine

    engine = make_engine(_settings(args).database_url)
    trained = args.setting == "on"
    tenant_id = _agency(args, engine)
    with engine.begin() as conn:
        worker_profile.set_news2_trained(conn, tenant_id, args.worker_id, trained)
    print("The worker's phone " + ("will offer" if trained else "will NOT offer")
          + " the NEWS2 calculator after its next sync.")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from server import enrolment
    from server.storage import make_engine

    engine = make_engine(_settings(args).database_url)
    enrolment.revoke(engine, args.device_id, by="cli", tenant_id=_agency(args, engine))
    print("Device revoked: it will send what it holds, then wipe itself at next contact.")
    return 0


def cmd_revoked_push(args: argparse.Namespace) -> int:
    from server import enrolment
    from server.storage import make_engine

    engine = make_engine(_settings(args).database_url)
    allow = args.policy == "allow"
    enrolment.set_revoked_push_policy(engine, _agency(args, engine), allow)
    print("Revoked phones will " + ("still deliver" if allow else "NOT deliver")
          + " the records they hold before wiping.")
    return 0


def cmd_stale_sync(args: argparse.Namespace) -> int:
    from server import agency_settings
    from server.storage import make_engine

    engine = make_engine(_settings(args).database_url)
    tenant_id = _agency(args, engine)
    with engine.begin() as conn:
        agency_settings.set_timings(conn, tenant_id, sync_stale_s=args.minutes * 60)
    print(f"The risk board lists a worker on shift whose phone has not synced for more than "
          f"{args.minutes} minutes.")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from server.storage import make_engine

    engine = make_engine(_settings(args).database_url)
    try:
        for line in settings_cli.change(engine, _agency(args, engine), args):
            print(line)
    finally:
        engine.dispose()
    return 0


def cmd_reassign(args: argparse.Namespace) -> int:
    from server import agency
    from server.storage import make_engine

    engine = make_engine(_settings(args).database_url)
    agency.reassign_visit(engine, _agency(args, engine), args.visit_id, args.worker_id)
    print("Visit moved: both phones update at their next sync.")
    return 0


def cmd_oncall(args: argparse.Namespace) -> int:
    from server import oncall
    from server.ladder import Rung
    from server.storage import make_engine, migrate

    engine = make_engine(_settings(args).database_url)
    migrate(engine)
    tid = _agency(args, engine)
    contacts = tuple([("email", e) for e in args.email] + [("webhook", w) for w in args.webhook])
    with engine.begin() as conn:
        rungs = oncall.ladder(conn, tid)
        if args.tier is not None:
            if not 0 <= args.tier <= len(rungs):
                raise Invalid(f"--tier must be from 0 to {len(rungs)} (the next free tier)")
            rung = Rung(args.tier, args.label or f"Tier {args.tier}", contacts)
            rungs = [*rungs[:args.tier], *([rung] if contacts else []), *rungs[args.tier + 1:]]
            oncall.set_ladder(conn, tid, rungs)
    for r in rungs:
        print(f"tier {r.tier}: {r.label}: " + ", ".join(f"{c} {t}" for c, t in r.contacts))
    if not rungs:
        print("No on-call ladder: escalations show in the console only. Add a tier with "
              "`fieldapp-server oncall --tier 0 --label \"On-call coordinator\" --email …`.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from server.demo import run_demo

    return run_demo(Path(args.dir), host=args.host, server_port=args.port,
                    app_port=args.app_port, seed_only=args.seed_only)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldapp-server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--database-url", help="SQLAlchemy URL (default: env "
                       "FIELDAPP_DATABASE_URL or sqlite:///var/fieldapp.sqlite)")
        p.add_argument("--key-file", help="escrow private key file (env FIELDAPP_ESCROW_KEY_FILE)")
        return p

    p = common(sub.add_parser("init", help="create the database and the agency"))
    p.add_argument("--name", required=True, help="the agency's name")
    p.add_argument("--office-phone", default="")
    p.add_argument("--timezone", default="Europe/London")
    p.set_defaults(func=cmd_init)

    p = common(sub.add_parser("create-agency", help="add another agency to this server "
                              "(its own escrow key, beside the server's)"))
    p.add_argument("--name", required=True, help="the agency's name (unique on this server)")
    p.add_argument("--office-phone", default="")
    p.add_argument("--timezone", default="Europe/London")
    p.set_defaults(func=cmd_create_agency)

    p = common(sub.add_parser("agencies", help="list this server's agencies (id and name)"))
    p.set_defaults(func=cmd_agencies)

    p = common(sub.add_parser("migrate", help="bring the database's schema up to date "
                              "(serve does this at start-up too)"))
    p.set_defaults(func=cmd_migrate)

    p = common(sub.add_parser("serve", help="run the API and the console"))
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int,
                   help="server processes sharing the port (default 1, or FIELDAPP_WORKERS)")
    p.set_defaults(func=cmd_serve)

    p = common(sub.add_parser("enrol", help="issue a one-time enrolment code for a worker"))
    p.add_argument("worker_id")
    p.add_argument("--minutes", type=int, help="how long the code is valid")
    p.set_defaults(func=cmd_enrol)

    p = common(sub.add_parser("create-coordinator", help="add an office account "
                              "(password from env FIELDAPP_NEW_PASSWORD or prompted)"))
    p.add_argument("--name", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--role", choices=list(ROLES),
                   help="coordinator (default), safeguarding_lead (also reads safeguarding "
                   "records) or admin (also manages staff)")
    p.add_argument("--safeguarding-lead", action="store_true", help="the same as --role "
                   "safeguarding_lead")
    p.set_defaults(func=cmd_create_coordinator)

    p = common(sub.add_parser("add-worker", help="add a care worker; prints the worker id"))
    p.add_argument("--name", required=True)
    p.add_argument("--phone", default="")
    p.add_argument("--area", default="")
    p.add_argument("--news2-trained", action="store_true",
                   help="trained to take observations: the phone offers the NEWS2 calculator")
    p.set_defaults(func=cmd_add_worker)

    p = common(sub.add_parser("news2-trained", help="is a worker trained to take observations "
                              "(NEWS2 calculator on their phone)?"))
    p.add_argument("worker_id")
    p.add_argument("setting", choices=["on", "off"])
    p.set_defaults(func=cmd_news2_trained)

    p = common(sub.add_parser("revoke", help="revoke a device (it wipes itself at next contact)"))
    p.add_argument("device_id")
    p.set_defaults(func=cmd_revoke)

    p = common(sub.add_parser("revoked-push", help="may a revoked phone deliver what it "
                              "holds before wiping? (default: allow)"))
    p.add_argument("policy", choices=["allow", "refuse"])
    p.set_defaults(func=cmd_revoked_push)

    p = common(sub.add_parser("stale-sync", help="after how many minutes without a sync the "
                              "risk board lists a worker on shift (default 60)"))
    p.add_argument("minutes", type=int)
    p.set_defaults(func=cmd_stale_sync)

    p = common(sub.add_parser("settings", help="show the agency's timings and switches, or "
                              "change some (durations such as 90s, 10m or 2h)"))
    settings_cli.add_arguments(p)
    p.set_defaults(func=cmd_settings)

    p = common(sub.add_parser("reassign", help="move a visit to another worker"))
    p.add_argument("visit_id")
    p.add_argument("worker_id")
    p.set_defaults(func=cmd_reassign)

    p = common(sub.add_parser("oncall", help="show the on-call ladder, or set one tier's "
                              "contacts (no contacts: remove the tier)"))
    p.add_argument("--tier", type=int, help="0 is called first, then 1 if nobody acknowledges")
    p.add_argument("--label", help='e.g. "On-call coordinator"')
    p.add_argument("--email", action="append", default=[], help="an address (repeatable)")
    p.add_argument("--webhook", action="append", default=[], help="a URL (repeatable)")
    p.set_defaults(func=cmd_oncall)

    p = sub.add_parser("demo", help="seed a demo agency and run the server and a worker app")
    p.add_argument("--dir", default=".demo", help="where the demo keeps its files (reset each run)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700, help="coordinator server port")
    p.add_argument("--app-port", type=int, default=8550, help="worker app port")
    p.add_argument("--seed-only", action="store_true", help="seed, print logins, do not serve")
    p.set_defaults(func=cmd_demo)
    for name, command in sub.choices.items():
        if name in PER_AGENCY:
            command.add_argument("--agency", help="the agency's name or id (required when "
                                 "this server has more than one; see `agencies`)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ServerError as exc:
        print(f"fieldapp-server: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
