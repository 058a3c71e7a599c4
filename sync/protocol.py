"""Sync wire format, shared by the phone and the server: stdlib only.

One round trip: the phone POSTs a `SyncRequest` (its queued records, capped by count and bytes,
plus the cursor it last applied) and gets a `SyncResponse` (which pushed records the office now
holds, which it refused and why, and the changes in the worker's scope since that cursor).
Bodies are gzip-compressed JSON. See docs/sync.md for the client's numbered steps.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import time
import uuid
import zlib
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeGuard

from sync.kinds import KINDS, MAX_TIME_CHARS

PROTOCOL_VERSION = 1
SYNC_PATH = "/api/v1/sync"
ENROL_PATH = "/api/v1/enrol"
# A revoked phone confirms here that it destroyed its keys and data.
WIPED_PATH = "/api/v1/device/wiped"
MAX_PUSH_RECORDS = 200
MAX_PUSH_BYTES = 512 * 1024
MAX_PULL_CHANGES = 500

# Record kinds a worker's phone creates (the registry in sync/kinds.py says what each holds).
# Each is an append-only event; corrections point at the record they correct through `corrects`.
RECORD_KINDS = frozenset(KINDS)

# Entities the server sends down, in the worker's scope.
ENTITY_KINDS = frozenset({"visit", "service_user", "care_plan", "medicine", "record", "agency",
                          "worker"})


def uuid7(unix_ms: int | None = None) -> str:
    """A version-7 UUID (RFC 9562): 48-bit millisecond timestamp, then random bits.

    Every record and change gets one where it is made (phone or office), so ids sort by
    creation time and never collide across phones.
    """
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def _flat(message: Any) -> dict[str, Any]:
    """A message's fields as they travel, in the order they are declared (values as they are,
    not copied)."""
    return {f.name: getattr(message, f.name) for f in fields(message)}


class ProtocolError(ValueError):
    """A sync message does not follow this protocol; the message says which part."""


@dataclass(frozen=True)
class PushedRecord:
    """A sealed worker record as it travels: ids, times and kind in clear, content sealed."""

    id: str
    kind: str
    visit_id: str | None
    service_user_id: str | None
    recorded_at: str
    version: int
    envelope: dict[str, Any]
    corrects: str | None = None
    # Clear, non-personal facts the office acts on without opening the envelope: ids, times and
    # status codes only (e.g. medicine_id, outcome, severity, expected_end). Never free text.
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _flat(self)

    @classmethod
    def from_dict(cls, data: Any) -> PushedRecord:
        """The record as sent, every field checked for shape (ProtocolError names the field).
        Bounds that need the office's clock, the envelope and the facts by kind are the
        office's own checks (server/validation.py)."""
        if not isinstance(data, dict):
            raise ProtocolError("each pushed record must be an object")
        _only(data, _RECORD_FIELDS, "the record")
        kind = _str(data, "kind", MAX_KIND_CHARS)
        if kind not in RECORD_KINDS:
            raise ProtocolError("field 'kind' is not a record kind this office knows")
        envelope = data.get("envelope")
        if not isinstance(envelope, dict):
            raise ProtocolError("field 'envelope' must be an object")
        version = data.get("version", 1)
        if not is_int(version) or not 1 <= version <= MAX_VERSION:
            raise ProtocolError(f"field 'version' must be a whole number from 1 to {MAX_VERSION}")
        recorded_at = _str(data, "recorded_at", MAX_TIME_CHARS)
        if parse_time(recorded_at) is None:
            raise ProtocolError("field 'recorded_at' must be an ISO 8601 time with its offset")
        return cls(
            id=_id(data, "id"),
            kind=kind,
            visit_id=_opt_id(data, "visit_id"),
            service_user_id=_opt_id(data, "service_user_id"),
            recorded_at=recorded_at,
            version=version,
            envelope=envelope,
            corrects=_opt_id(data, "corrects"),
            facts=_facts(data.get("facts")),
        )


@dataclass(frozen=True)
class SyncRequest:
    protocol: int
    cursor: str | None
    push: list[PushedRecord] = field(default_factory=list)
    app_version: str = ""
    # How many records the phone holds that the office has not acknowledged, this push
    # included (None: an older app that does not say). The office shows it on its devices page.
    pending: int | None = None
    # Records the office refused for their shape while reading the request (never sent: the
    # office answers them in `rejected`, and keeps the rest of the batch).
    refused: list[Rejection] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "cursor": self.cursor,
            "push": [r.to_dict() for r in self.push],
            "app_version": self.app_version,
            **({} if self.pending is None else {"pending": self.pending}),
        }

    @classmethod
    def from_dict(cls, data: Any) -> SyncRequest:
        """The request as sent. A request-level fault raises ProtocolError naming the field
        (the office answers 422 and stores nothing); a record that is not well formed but
        carries a proper id is listed in `refused`, and the rest of the batch goes on."""
        if not isinstance(data, dict):
            raise ProtocolError("sync request must be a JSON object")
        _only(data, _REQUEST_FIELDS, "")
        protocol = data.get("protocol")
        if not is_int(protocol) or not 0 <= protocol <= MAX_VERSION:
            raise ProtocolError("field 'protocol' must be a whole number")
        push = data.get("push", [])
        if not isinstance(push, list):
            raise ProtocolError("field 'push' must be a list")
        if len(push) > MAX_PUSH_RECORDS:
            raise ProtocolError(f"field 'push' holds more than {MAX_PUSH_RECORDS} records")
        records: list[PushedRecord] = []
        refused: list[Rejection] = []
        for pos, item in enumerate(push):
            if not isinstance(item, dict):
                raise ProtocolError(f"field 'push[{pos}]' must be an object")
            try:
                rid = _id(item, "id")
            except ProtocolError as exc:
                raise ProtocolError(f"push[{pos}]: {exc}") from None
            try:
                records.append(PushedRecord.from_dict(item))
            except ProtocolError as exc:
                refused.append(Rejection(rid, f"The office cannot take this record: {exc}."))
        app_version = data.get("app_version", "")
        if not is_ascii_text(app_version, MAX_APP_VERSION_CHARS):
            raise ProtocolError(
                f"field 'app_version' must be at most {MAX_APP_VERSION_CHARS} printable ASCII "
                "characters")
        pending = data.get("pending")
        if isinstance(pending, float) and pending.is_integer():
            pending = int(pending)  # 3.0 is the JSON number 3
        if pending is not None and not (is_int(pending) and 0 <= pending <= MAX_VERSION):
            raise ProtocolError("field 'pending' must be a whole number, 0 or more")
        cursor = data.get("cursor")
        if cursor is not None and not is_ascii_text(cursor, MAX_CURSOR_CHARS):
            raise ProtocolError(
                f"field 'cursor' must be at most {MAX_CURSOR_CHARS} printable ASCII characters")
        return cls(
            protocol=protocol,
            cursor=cursor,
            push=records,
            app_version=app_version,
            pending=pending,
            refused=refused,
        )


@dataclass(frozen=True)
class Change:
    """One server-side change in the worker's scope: upsert or delete of an entity."""

    entity: str
    id: str
    op: str  # "upsert" | "delete"
    version: int
    body: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return _flat(self)

    @classmethod
    def from_dict(cls, data: Any) -> Change:
        if not isinstance(data, dict):
            raise ProtocolError("each change must be an object")
        op = _str(data, "op")
        if op not in ("upsert", "delete"):
            raise ProtocolError(f"unknown change op {op!r}")
        body = data.get("body")
        if body is not None and not isinstance(body, dict):
            raise ProtocolError("change body must be an object or null")
        return cls(
            entity=_str(data, "entity"),
            id=_str(data, "id"),
            op=op,
            version=int(data.get("version", 1)),
            body=body,
        )


@dataclass(frozen=True)
class Rejection:
    id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return _flat(self)


@dataclass(frozen=True)
class SyncResponse:
    protocol: int
    accepted: list[str]
    rejected: list[Rejection]
    changes: list[Change]
    cursor: str | None
    more: bool
    server_time: str
    reset: bool = False  # the phone must drop its copy of server data and resync from scratch
    wipe: bool = False  # the device was revoked: push what is queued, then destroy local data
    retention_days: int | None = None  # purge acknowledged records older than this

    def to_dict(self) -> dict[str, Any]:
        return {**_flat(self), "rejected": [r.to_dict() for r in self.rejected],
                "changes": [c.to_dict() for c in self.changes]}

    @classmethod
    def from_dict(cls, data: Any) -> SyncResponse:
        if not isinstance(data, dict):
            raise ProtocolError("sync response must be a JSON object")
        return cls(
            protocol=int(data.get("protocol", 0)),
            accepted=[str(i) for i in data.get("accepted", [])],
            rejected=[
                Rejection(id=_str(r, "id"), reason=_str(r, "reason"))
                for r in data.get("rejected", [])
            ],
            changes=[Change.from_dict(c) for c in data.get("changes", [])],
            cursor=_opt_str(data, "cursor"),
            more=bool(data.get("more", False)),
            server_time=str(data.get("server_time", "")),
            reset=bool(data.get("reset", False)),
            wipe=bool(data.get("wipe", False)),
            retention_days=(int(data["retention_days"])
                            if data.get("retention_days") is not None else None),
        )


def encode_body(obj: dict[str, Any]) -> bytes:
    """Compact JSON, gzip-compressed (the body of every sync request and response)."""
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    return gzip.compress(raw, compresslevel=6, mtime=0)


# A body never inflates past this: a few hundred KiB of records compress to a fraction of it,
# and a small body that inflates to gigabytes (a "zip bomb") is refused, not held in memory.
MAX_INFLATED_BYTES = 32 * 1024 * 1024


def inflate_body(data: bytes, content_encoding: str | None) -> bytes:
    """The body as sent, gzip undone (at most MAX_INFLATED_BYTES of it)."""
    if content_encoding != "gzip":
        return data
    unpacker = zlib.decompressobj(wbits=31)  # gzip framing
    try:
        raw = unpacker.decompress(data, MAX_INFLATED_BYTES)
    except zlib.error as exc:
        raise ProtocolError("body is not valid gzip") from exc
    if unpacker.unconsumed_tail:
        raise ProtocolError(
            f"body is larger than {MAX_INFLATED_BYTES // 2**20} MiB once decompressed")
    if not unpacker.eof or unpacker.unused_data:
        raise ProtocolError("body is not valid gzip (cut short, or followed by other data)")
    return raw


def decode_body(data: bytes, content_encoding: str | None) -> Any:
    raw = inflate_body(data, content_encoding)
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ProtocolError("body is not valid (gzip-compressed) JSON") from exc


def record_size(record: PushedRecord) -> int:
    return len(json.dumps(record.to_dict(), separators=(",", ":")))


MAX_FACTS = 16
MAX_FACT_CHARS = 64
# Whole numbers in facts stay where every JSON reader agrees on them (IEEE doubles).
MAX_FACT_INT = 2**53 - 1
_FACT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _facts(value: Any) -> dict[str, Any]:
    """Facts are a small flat object of short scalars: anything else is refused. What each
    kind's facts hold is the office's check by kind (server/validation.py)."""
    if value is None or (type(value) is dict and not value):
        return {}
    if not isinstance(value, dict) or len(value) > MAX_FACTS:
        raise ProtocolError(f"field 'facts' must be an object of at most {MAX_FACTS} entries")
    for key, item in value.items():
        if not isinstance(key, str) or not _FACT_NAME.fullmatch(key):
            raise ProtocolError("fact names must be short lower-case words")
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if not -MAX_FACT_INT <= item <= MAX_FACT_INT:
                raise ProtocolError(f"fact {key!r} is out of range")
        elif isinstance(item, float):
            if not math.isfinite(item) or abs(item) > MAX_FACT_INT:
                raise ProtocolError(f"fact {key!r} is out of range")
        elif isinstance(item, str):
            if len(item) > MAX_FACT_CHARS or not is_clean(item):
                raise ProtocolError(f"fact {key!r} must be at most {MAX_FACT_CHARS} printable "
                                    "characters (facts hold ids, times and codes)")
        else:
            raise ProtocolError(f"fact {key!r} must be a string, number, true/false or null")
    return dict(value)


MAX_KIND_CHARS = 32
MAX_CURSOR_CHARS = 64
MAX_APP_VERSION_CHARS = 40
# Versions and the protocol number fit a signed 32-bit column on every backend.
MAX_VERSION = 2**31 - 1
# Anything before this is a phone with a broken clock, not a care record.
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")
_ASCII = re.compile(r"[ -~]*")
_RECORD_FIELDS = frozenset({"id", "kind", "visit_id", "service_user_id", "recorded_at",
                            "version", "envelope", "corrects", "facts"})
_REQUEST_FIELDS = frozenset({"protocol", "cursor", "push", "app_version", "pending"})


def is_int(value: Any) -> TypeGuard[int]:
    """A JSON whole number (true and false are not numbers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_uuid(value: Any) -> bool:
    """A record id as phones make them: a UUID in its canonical lower-case spelling."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def is_clean(value: str) -> bool:
    """Printable text: no control characters (NUL included) and no lone surrogates."""
    return value.isprintable()


def is_ascii_text(value: Any, max_chars: int) -> bool:
    """Printable ASCII of at most `max_chars` (what the office itself writes: cursors, and
    what identifies an app: its version)."""
    return isinstance(value, str) and len(value) <= max_chars and _ASCII.fullmatch(value) \
        is not None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time with its UTC offset (as phones write them), not before 2000; None
    for anything else. The office also refuses times too far in its future."""
    if not isinstance(value, str) or len(value) > MAX_TIME_CHARS or not _TIME.fullmatch(value):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None or when.utcoffset() is None:
        return None
    try:
        return when if when >= EARLIEST_TIME else None
    except OverflowError:
        return None


def _only(data: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    # An unknown name is not echoed: it is the sender's text, and could be anything.
    if not data.keys() <= allowed:
        raise ProtocolError(f"{where or 'the request'} holds a field that is not part of the "
                            "protocol")


def _id(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not is_uuid(value):
        raise ProtocolError(f"field {key!r} must be a UUID")
    return str(value)


def _opt_id(data: dict[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _id(data, key)


def _str(data: dict[str, Any], key: str, max_chars: int | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"field {key!r} must be a non-empty string")
    return _capped(key, value, max_chars)


def _opt_str(data: dict[str, Any], key: str, max_chars: int | None = None) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"field {key!r} must be a string or null")
    return _capped(key, value, max_chars)


def _capped(key: str, value: str, max_chars: int | None) -> str:
    if max_chars is not None and len(value) > max_chars:
        raise ProtocolError(f"field {key!r} is longer than {max_chars} characters")
    if not is_clean(value):
        raise ProtocolError(f"field {key!r} holds characters that are not printable")
    return value
