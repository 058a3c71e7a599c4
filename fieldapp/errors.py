"""The field app's exception tree: every message is plain English and carries no personal data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class FieldAppError(Exception):
    """Base of every error the app shows to a worker."""


class RuleViolation(FieldAppError, ValueError):
    """What the worker entered breaks a care or medication rule."""


@contextmanager
def reading(what: str, invalid: str) -> Iterator[None]:
    """Turn a missing key or a bad value met while building `what` from data (a medicine, a
    visit) into a RuleViolation: "`what` is missing 'key'.", or the `invalid` message."""
    try:
        yield
    except RuleViolation:
        raise
    except KeyError as missing:
        raise RuleViolation(f"{what} is missing {missing}.") from None
    except (TypeError, ValueError):
        raise RuleViolation(invalid) from None


class VaultError(FieldAppError):
    """The phone's encrypted store cannot be opened or used."""


class WrongPin(VaultError):
    """The PIN did not unlock the store."""

    def __init__(self, message: str = "That PIN is not right.", tries_left: int | None = None):
        super().__init__(message)
        self.tries_left = tries_left


class DamagedRecord(VaultError):
    """A sealed record failed its integrity check and cannot be read."""


class KdfRefused(VaultError):
    """The stored key-derivation settings are weaker than the app allows."""


class WeakPin(VaultError):
    """The chosen PIN is too easy to guess."""


class LockedOut(VaultError):
    """Too many wrong PINs: the keys on this phone were destroyed."""


class NotEnrolled(FieldAppError):
    """This phone has not been enrolled for a worker yet."""


class StoreError(FieldAppError):
    """The phone's database could not be read or written."""


class CheckOutBlocked(RuleViolation):
    """Something in the visit still needs an answer. `items` says what (shown, never logged)."""

    def __init__(self, items: list[str]):
        count = len(items)
        super().__init__(
            f"{count} {'thing still needs' if count == 1 else 'things still need'} an answer "
            "before you can check out."
        )
        self.items = items

    def details(self) -> str:
        return "Before checking out: " + "; ".join(self.items) + "."


class LeaseExpired(VaultError):
    """Too long without reaching the office: the app stays locked until the phone syncs."""


class DeviceWithdrawn(VaultError):
    """The office withdrew this phone; its keys and local records were removed."""


class DoseRefused(RuleViolation):
    """An as-needed (PRN) dose is past its interval or 24-hour limit. `next_allowed_at` (UTC)
    says when one may be given; the message names no medicine and no person."""

    def __init__(self, reason: str, next_words: str, next_allowed_at: object = None):
        super().__init__(f"Not given: {reason} {next_words}")
        self.next_allowed_at = next_allowed_at


class EnrolmentFailed(FieldAppError):
    """Enrolment with the office did not work; the message is plain English."""


class NeedsConfirmation(RuleViolation):
    """A dose outside its time window: nothing was saved. Ask the worker to confirm with a
    reason, then record it again with that reason (it is then flagged and the office told).
    `kind` is "early" or "late"; `opens`/`closes` (UTC) bound the window."""

    def __init__(self, kind: str, opens: object = None, closes: object = None):
        word = "too early" if kind == "early" else "late"
        super().__init__(f"This dose is outside its time window ({word}). Confirm with a reason "
                         "to save it: it will be flagged and the office told.")
        self.kind = kind
        self.opens = opens
        self.closes = closes
