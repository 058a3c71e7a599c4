"""What a lone-worker record says, read by the office: from its sealed content, opened with the
agency's escrow key, or (phones before sealing) from its clear facts.

A phone writes every lone-worker record (SOS, "I'm OK", extend, duress) with the same neutral
clear facts, so its own file cannot tell a duress alert from the rest; what it says travels
sealed. The record hooks (server/record_hooks.py) act on what this module reads; nothing here is
stored in clear beyond what the phone sent.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from server.escrow import EnvelopeDamaged, open_envelope
from sync.protocol import PushedRecord

KIND = "lone_worker"
RECORDS_TABLE = "records"
# What the office acts on: the event code and its level, an extension's minutes.
SAID = ("event", "level", "minutes")
EscrowKey = Callable[[str], X25519PrivateKey]  # an agency's escrow key, by the agency's id
log = logging.getLogger(__name__)


def ready(tenant_id: str, push: list[PushedRecord], escrow: EscrowKey | None
          ) -> EscrowKey | None:
    """`escrow` with the agency's key already found when `push` holds a sealed lone-worker
    record (call before the write transaction: finding a key reads the database)."""
    if escrow is None or not any(_sealed(r) for r in push):
        return escrow
    key = escrow(tenant_id)
    return lambda _agency: key


def _sealed(r: PushedRecord) -> bool:
    return r.kind == KIND and "event" not in r.facts


def read(tenant_id: str, stored: list[PushedRecord], escrow: EscrowKey | None
         ) -> list[PushedRecord]:
    """`stored` with each sealed lone-worker record's facts completed from its content."""
    return [_read(tenant_id, r, escrow) if _sealed(r) else r for r in stored]


def _read(tenant_id: str, r: PushedRecord, escrow: EscrowKey | None) -> PushedRecord:
    if escrow is None:
        log.warning("a lone-worker record arrived and no escrow key was given to read it")
        return r
    try:
        content = open_envelope(escrow(tenant_id), tenant_id, RECORDS_TABLE, r.id, r.version,
                                r.envelope)
    except EnvelopeDamaged:
        # Ingest checks the envelope's shape, not that it opens: never guess what it said.
        log.warning("a lone-worker record's sealed content could not be opened")
        return r
    said: dict[str, Any] = {k: content[k] for k in SAID if content.get(k) is not None}
    return dataclasses.replace(r, facts={**r.facts, **said})
