"""Slowing and locking console sign-in after wrong passwords, per account and per address.

Each key (an email as typed, normalised, whether or not it is an account, so the answer says
nothing about which emails exist; and the browser's address) may fail a couple of times
freely; then each further failure makes it wait longer, and at `lock_after` failures it is
locked for `lock_for`. While a key waits, every try is refused before the password is checked,
so the right password does not open a locked account until the lock ends. A success clears
the account's count (not the address's: one good password must not reset a guessing run
across many accounts). The moment a key is locked is written to the audit log, without the
password and without the email (an address or the account's id only).

The counts are kept in the database (server/doors.py), shared by the console and the office
API and by every server process, told time by the server's clock (tests move it).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from server.clock import SYSTEM_CLOCK, Clock
from server.doors import DoorRules, Doors

ACCOUNT_RULES = DoorRules(free=2, first_delay=timedelta(seconds=5), lock_after=5)
# An office shares one address: more room before the whole office is locked out, but a
# guessing run across many accounts is still stopped.
ADDRESS_RULES = DoorRules(free=5, first_delay=timedelta(seconds=5), lock_after=20)


class SignInDoors:
    """The console's two doors: one per account (email), one per address."""

    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK,
                 accounts: DoorRules = ACCOUNT_RULES,
                 addresses: DoorRules = ADDRESS_RULES) -> None:
        self.clock = clock
        self.accounts = Doors(engine, "sign_in_account", accounts, clock)
        self.addresses = Doors(engine, "sign_in_address", addresses, clock)


def wait_words(wait: timedelta) -> str:
    """'12 seconds' or '15 minutes', rounded up: how long a locked door stays shut."""
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"
