"""The API's door: device tokens and enrolment codes checked with growing delays on failure.

Per caller address: a few wrong enrolment codes or unknown device tokens are free, then each
further one makes that address wait longer (server/doors.py, counted in the database so every
server process shares the count); a waiting address is answered 429 before any other work.
The moment an address is first made to wait is written to the audit log (actor: the address,
never the code or token tried).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert

from server import enrolment
from server.clock import SYSTEM_CLOCK, Clock
from server.doors import DoorRules, Doors
from server.enrolment import DeviceIdentity
from server.errors import Forbidden, NotAuthenticated, TooManyAttempts
from server.schema import audit_log

# An audit row about a caller the office cannot place in any agency.
NO_TENANT = "-"


# Tokens are 256 random bits: failures are mistakes or scans, slowed only to spare the
# database. Codes are ~59 bits and live an hour: slowed hard.
TOKEN_RULES = DoorRules(free=10, first_delay=timedelta(seconds=1), max_delay=timedelta(minutes=1),
                        forget_after=timedelta(hours=1))
ENROL_RULES = DoorRules(free=5, first_delay=timedelta(seconds=1), max_delay=timedelta(minutes=5),
                        forget_after=timedelta(hours=1))
UNKNOWN_PHONES = "Too many attempts with unknown phones from this address."


class Guard:
    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK,
                 tokens: DoorRules = TOKEN_RULES, enrolments: DoorRules = ENROL_RULES) -> None:
        self.engine = engine
        self.clock = clock
        self.tokens = Doors(engine, "phone_token", tokens, clock)
        self.enrolments = Doors(engine, "enrolment", enrolments, clock)
        self._arrival = enrolment.arrival(self.tokens.closed_until())

    def check_token_door(self, address: str) -> None:
        """429 if `address` must still wait after unknown tokens."""
        _door(self.tokens, address, UNKNOWN_PHONES)

    def authenticate(self, address: str, token: str | None) -> DeviceIdentity:
        self.check_token_door(address)
        try:
            return enrolment.authenticate(self.engine, token)
        except NotAuthenticated:
            self._token_failed(address, token)
            raise

    def arrive(self, conn: Connection, address: str, token: str) -> enrolment.Arrival:
        """The sync API's caller in one statement on its connection (enrolment.arrival): the
        address's door looked at first, then the token, failures counted."""
        row = conn.execute(self._arrival, {**enrolment.token_param(token),
                                           **self.tokens.key_param(address)}).one()
        _closed(self.tokens.wait_for(row.door_closed_until), UNKNOWN_PHONES)
        try:
            return enrolment.arrived(row)
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


def _door(doors: Doors, address: str, message: str) -> None:
    _closed(doors.wait(address), message)


def _closed(wait: timedelta, message: str) -> None:
    if wait:
        seconds = max(1, int(-(-wait.total_seconds() // 1)))
        raise TooManyAttempts(f"{message} Try again in {seconds} seconds.",
                              retry_after=seconds)
