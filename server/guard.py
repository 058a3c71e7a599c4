"""The API's door: device tokens and enrolment codes checked with growing delays on failure.

Per caller address: a few wrong enrolment codes or unknown device tokens are free, then each
further one makes that address wait longer (server/ratelimit.py); a waiting address is answered
429 before any database work. The moment an address is first made to wait is written to the
audit log (actor: the address, never the code or token tried).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, insert

from server import enrolment
from server.clock import SYSTEM_CLOCK, Clock
from server.enrolment import DeviceIdentity
from server.errors import Forbidden, NotAuthenticated, TooManyAttempts
from server.ratelimit import Limiter
from server.schema import audit_log

# An audit row about a caller the office cannot place in any agency.
NO_TENANT = "-"


class Guard:
    def __init__(self, engine: Engine, tokens: Limiter | None = None,
                 enrolments: Limiter | None = None, clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine = engine
        self.clock = clock
        # Tokens are 256 random bits: failures are mistakes or scans, slowed only to spare
        # the database. Codes are ~59 bits and live an hour: slowed hard.
        self.tokens = tokens or Limiter(free=10, max_delay=60)
        self.enrolments = enrolments or Limiter(free=5, max_delay=300)

    def check_token_door(self, address: str) -> None:
        _door(self.tokens, address, "Too many attempts with unknown phones from this address.")

    def authenticate(self, address: str, token: str | None) -> DeviceIdentity:
        self.check_token_door(address)
        try:
            return enrolment.authenticate(self.engine, token)
        except NotAuthenticated:
            self._token_failed(address, token)
            raise

    def device_in(self, conn: Connection, address: str, token: str | None) -> DeviceIdentity:
        """`enrolment.device_in` on the caller's connection, failures counted."""
        try:
            return enrolment.device_in(conn, token)
        except NotAuthenticated:
            self._token_failed(address, token)
            raise

    def enrol(self, address: str, code: str, app_version: str) -> dict[str, Any]:
        _door(self.enrolments, address, "Too many wrong enrolment codes from this address.")
        try:
            answer = enrolment.enrol(self.engine, code, app_version, clock=self.clock)
        except Forbidden:
            if self.enrolments.failed(address):
                self._audit("enrol_attempts_slowed", address)
            raise
        self.enrolments.succeeded(address)
        return answer

    def _token_failed(self, address: str, token: str | None) -> None:
        if token and self.tokens.failed(address):
            self._audit("token_attempts_slowed", address)

    def _audit(self, action: str, address: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(audit_log).values(
                tenant_id=NO_TENANT, at=self.clock.now().isoformat(), actor_kind="address",
                actor_id=address[:36], action=action, target_kind="api", target_id="phone_api"))


def _door(limiter: Limiter, address: str, message: str) -> None:
    wait = limiter.wait(address)
    if wait:
        raise TooManyAttempts(f"{message} Try again in {wait} seconds.", retry_after=wait)
