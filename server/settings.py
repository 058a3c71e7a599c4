"""Server settings: a frozen dataclass read once from the environment (argument > env > default)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Secret:
    """A value that never shows itself in repr, logs or errors."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __bool__(self) -> bool:
        return bool(self.value)


@dataclass(frozen=True)
class ServerSettings:
    database_url: str = "sqlite:///var/fieldapp.sqlite"
    # The agency's escrow private key: a path to a 0600 file, or the key itself (base64) in
    # FIELDAPP_ESCROW_KEY. Never stored in the database, so a database dump holds no plaintext.
    escrow_key_file: Path = Path("var/escrow.key")
    escrow_key: Secret = Secret("")
    host: str = "127.0.0.1"
    port: int = 8700
    console_path: str = "/console"
    enrolment_code_minutes: int = 60 * 24
    cursor_retention_days: int = 30
    # Phones keep visits (and their records, once the office has them) this many days back.
    phone_retention_days: int = 14
    run_monitors: bool = True  # background monitors (leader-elected across processes)
    monitor_tick_seconds: float = 5.0
    # Notices to the on-call ladder (README "Notifications"): SMTP relay and webhook signing.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "fieldapp@localhost"
    smtp_username: str = ""
    smtp_password: Secret = Secret("")
    smtp_starttls: bool = False
    webhook_secret: Secret = Secret("")
    public_url: str = ""  # how on-call staff reach the console, for links in notices
    # Console sign-ins end after this long without an action, and this long after signing in.
    console_idle_seconds: int = 15 * 60
    console_lifetime_seconds: int = 12 * 3600
    # How long an idle kept-alive connection stays open. Longer than clients keep theirs
    # (httpx: 5 s), so the client always closes first: a server closing at the same moment a
    # client sends its next request on the connection makes that request fail (ReadError).
    keep_alive_seconds: int = 30

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> ServerSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if "FIELDAPP_DATABASE_URL" in env:
            values["database_url"] = env["FIELDAPP_DATABASE_URL"]
        if "FIELDAPP_ESCROW_KEY_FILE" in env:
            values["escrow_key_file"] = Path(env["FIELDAPP_ESCROW_KEY_FILE"])
        if "FIELDAPP_ESCROW_KEY" in env:
            values["escrow_key"] = Secret(env["FIELDAPP_ESCROW_KEY"])
        if "FIELDAPP_HOST" in env:
            values["host"] = env["FIELDAPP_HOST"]
        if "FIELDAPP_PORT" in env:
            values["port"] = int(env["FIELDAPP_PORT"])
        if "FIELDAPP_RUN_MONITORS" in env:
            values["run_monitors"] = env["FIELDAPP_RUN_MONITORS"].lower() not in ("0", "false")
        if "FIELDAPP_PHONE_RETENTION_DAYS" in env:
            values["phone_retention_days"] = int(env["FIELDAPP_PHONE_RETENTION_DAYS"])
        if "FIELDAPP_MONITOR_TICK" in env:
            values["monitor_tick_seconds"] = float(env["FIELDAPP_MONITOR_TICK"])
        for key, name in (("console_idle_seconds", "FIELDAPP_CONSOLE_IDLE_SECONDS"),
                          ("console_lifetime_seconds", "FIELDAPP_CONSOLE_LIFETIME_SECONDS"),
                          ("keep_alive_seconds", "FIELDAPP_KEEP_ALIVE_SECONDS")):
            if name in env:
                values[key] = int(env[name])
        values.update(_notifier_env(env))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def console_url(self) -> str:
        """Where a person reaches the console: FIELDAPP_PUBLIC_URL, else this host and port."""
        base = self.public_url or f"http://{self.host}:{self.port}"
        return base.rstrip("/") + self.console_path

    def safe_database_url(self) -> str:
        """The URL with any password masked, for printing."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)


def _notifier_env(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, name in (("smtp_host", "FIELDAPP_SMTP_HOST"), ("smtp_sender", "FIELDAPP_SMTP_FROM"),
                      ("smtp_username", "FIELDAPP_SMTP_USER"),
                      ("public_url", "FIELDAPP_PUBLIC_URL")):
        if name in env:
            values[key] = env[name]
    if "FIELDAPP_SMTP_PORT" in env:
        values["smtp_port"] = int(env["FIELDAPP_SMTP_PORT"])
    if "FIELDAPP_SMTP_PASSWORD" in env:
        values["smtp_password"] = Secret(env["FIELDAPP_SMTP_PASSWORD"])
    if "FIELDAPP_SMTP_STARTTLS" in env:
        values["smtp_starttls"] = env["FIELDAPP_SMTP_STARTTLS"].lower() in ("1", "true", "yes")
    if "FIELDAPP_WEBHOOK_SECRET" in env:
        values["webhook_secret"] = Secret(env["FIELDAPP_WEBHOOK_SECRET"])
    return values
