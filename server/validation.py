"""The office's checks of a pushed record beyond its shape: times, the envelope, facts by kind.

sync/protocol.py checks the shape both ends agree on (types, UUID ids, widths, printable text).
Here the office checks what needs its clock or its knowledge of each record kind, before the
write transaction starts: a record that fails is refused with a reason naming the field (never
its value), and the rest of its batch goes on. Who may push what is server/authorise.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sync import envelope, kinds
from sync.protocol import PushedRecord, is_uuid, parse_time

# A phone's clock may run a little fast; a record from further in the future is a broken clock.
FUTURE_SLACK = timedelta(days=1)
# Sealed content inflates to at most MAX_PLAINTEXT_BYTES; its ciphertext is no bigger than
# that plus the GCM tag, so its base64 no longer than this.
MAX_CT_CHARS = 4 * ((envelope.MAX_PLAINTEXT_BYTES + 16 + 2) // 3)
_WRAPPED_KEY_BYTES = envelope.KEY_BYTES + 16  # a record key under AES-GCM, with its tag


class Refused(ValueError):
    """A record the office will not store; the message names the field, never its value."""


# Canonical base64 (what sync/envelope.py `b64d` accepts) as patterns: checked by one regular
# expression in C instead of decoding and re-encoding each field (an envelope has seven).
_B64_TAIL = r"(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?"
_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*" + _B64_TAIL)


def _b64_of(size: int) -> re.Pattern[str]:
    """Canonical base64 of exactly `size` bytes."""
    tail = {0: "", 1: r"[A-Za-z0-9+/][AQgw]==", 2: r"[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]="}
    return re.compile(r"[A-Za-z0-9+/]{" + str(size // 3 * 4) + "}" + tail[size % 3])


_NONCE = _b64_of(envelope.NONCE_BYTES)
_KEY = _b64_of(envelope.KEY_BYTES)
_WRAPPED_KEY = _b64_of(_WRAPPED_KEY_BYTES)
_MIN_CT_CHARS = 24  # the GCM tag alone is 16 bytes


def _b64(value: Any, where: str, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise Refused(f"{where} must be canonical base64 of the right length")


_EK_FIELDS = frozenset({"epk", "nonce", "ct"})
_DK_FIELDS = frozenset({"nonce", "ct"})
_ENVELOPE_FIELDS = frozenset({"v", "alg", "nonce", "ct", "ek", "dk"})


def _key_copy(value: Any, where: str, fields: frozenset[str]) -> None:
    # Every push checks two of these per record: plain tests, no sets built, one regex each.
    if type(value) is not dict or value.keys() != fields:
        raise Refused(f"{where} must be an object of {', '.join(sorted(fields))}")
    if fields is _EK_FIELDS:
        _b64(value["epk"], f"{where}.epk", _KEY)
    _b64(value["nonce"], f"{where}.nonce", _NONCE)
    _b64(value["ct"], f"{where}.ct", _WRAPPED_KEY)


def check_envelope(sealed: dict[str, Any]) -> None:
    """An envelope the office can open (sync/envelope.py): a version it opens, AES-256-GCM,
    base64 fields of the right sizes, and the escrow copy `ek` of its key. The phone's own
    copy `dk` may travel too; nothing else may."""
    if not sealed.keys() <= _ENVELOPE_FIELDS:
        raise Refused("envelope holds fields that are not part of the format")
    version = sealed.get("v")
    if type(version) is not int or version not in envelope.OPENS \
            or sealed.get("alg") != envelope.ALG:
        raise Refused("envelope must be a version the office opens, of A256GCM")
    if "ek" not in sealed:
        raise Refused("envelope is not sealed for the office")
    _b64(sealed.get("nonce"), "envelope.nonce", _NONCE)
    ct = sealed.get("ct")
    if not isinstance(ct, str) or not _MIN_CT_CHARS <= len(ct) <= MAX_CT_CHARS:
        raise Refused("envelope.ct must be base64 of a sealed record's size")
    _b64(ct, "envelope.ct", _B64)
    _key_copy(sealed["ek"], "envelope.ek", _EK_FIELDS)
    if "dk" in sealed:
        _key_copy(sealed["dk"], "envelope.dk", _DK_FIELDS)


@dataclass(frozen=True)
class TimeBounds:
    """The times the office takes: from 2000 (sync/protocol.py) to a day past its clock."""

    latest: datetime

    @classmethod
    def at(cls, now: datetime) -> TimeBounds:
        return cls(now + FUTURE_SLACK)

    def check(self, value: Any, where: str) -> None:
        when = parse_time(value)
        if when is None:
            raise Refused(f"{where} must be an ISO 8601 time with its offset, from 2000 on")
        if when > self.latest:
            raise Refused(f"{where} is more than a day ahead of the office's clock")


# Whole-number facts (counts, minutes) the office takes: a phone never needs more.
MAX_WHOLE_FACT = 10_000

_LINKS = frozenset({"kind", "visit_id", "service_user_id", "corrects"})


def _describe(kind: str, error: kinds.FactError) -> str:
    """A registry error in words that name fields and codes, never the sender's text: a fact
    name the kind does not have is not repeated."""
    if error.field in _LINKS:
        return f"{error.field} {error.problem}"
    known = kinds.KINDS.get(kind)
    if known is not None and known.fact(error.field) is not None:
        return f"facts.{error.field} {error.problem}"
    return f"facts hold a name that a {kind} record does not carry"


def check_facts(record: PushedRecord, bounds: TimeBounds) -> None:
    """The record's links and facts against its kind in the registry (sync/kinds.py), then
    what the registry leaves to the office: ids are UUIDs, times within the office's bounds."""
    errors = kinds.record_errors(record.kind, record.facts, visit_id=record.visit_id,
                                 service_user_id=record.service_user_id,
                                 corrects=record.corrects)
    if errors:
        raise Refused("; ".join(dict.fromkeys(_describe(record.kind, e) for e in errors)))
    for fact in kinds.KINDS[record.kind].facts:
        value = record.facts.get(fact.name)
        if value is None:
            continue
        if fact.type is kinds.FactType.ID and not is_uuid(value):
            raise Refused(f"facts.{fact.name} must be a UUID")
        if fact.type is kinds.FactType.TIME:
            bounds.check(value, f"facts.{fact.name}")
        if fact.type is kinds.FactType.INT and not 0 <= value <= MAX_WHOLE_FACT:
            # Counts and minutes: the registry says "a whole number", the office bounds it.
            raise Refused(f"facts.{fact.name} must be a whole number from 0 to "
                          f"{MAX_WHOLE_FACT}")


def check_record(record: PushedRecord, bounds: TimeBounds) -> None:
    """Everything about one record the office can check without its database (Refused)."""
    bounds.check(record.recorded_at, "recorded_at")
    check_envelope(record.envelope)
    check_facts(record, bounds)
