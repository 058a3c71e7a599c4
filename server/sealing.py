"""Office data sealed at rest: people, care plans, medicines and the feed's copies of them.

Each row's JSON body is sealed in the one envelope format (sync/envelope.py) under a fresh
per-row key wrapped by the agency's data key (server/datakeys.py); the associated data binds
agency, table, row id and version, so a body pasted into another row does not open. Ids,
versions, times and scope columns stay clear for queries. A person's name is also kept as a
keyed blind index (HMAC-SHA256 under the agency's index key) for look-ups by name.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Any

from sqlalchemy import Connection

from server import datakeys
from server.datakeys import AgencyKeys
from sync.envelope import EnvelopeDamaged, open_with_dek, seal

__all__ = ["EnvelopeDamaged", "is_sealed", "name_index", "normalise_name", "open_body",
           "open_feed_body", "seal_body", "seal_feed_body"]


def is_sealed(body: object) -> bool:
    """Whether a stored body is an envelope (an office row's clear JSON never has these)."""
    return isinstance(body, dict) and "ct" in body and "nonce" in body and "alg" in body


def seal_body(keys: AgencyKeys, tenant_id: str, table: str, row_id: str, version: int,
              body: dict[str, Any]) -> dict[str, Any]:
    return seal(body, tenant_id, table, row_id, version, dek=keys.data)


def open_body(keys: AgencyKeys, tenant_id: str, table: str, row_id: str, version: int,
              sealed: dict[str, Any]) -> dict[str, Any]:
    """The row's clear body; EnvelopeDamaged when it does not open for exactly this row."""
    return open_with_dek(keys.data, tenant_id, table, row_id, version, sealed)


# A feed change is addressed by its position: (agency, seq) is unique, and its version.
def seal_feed_body(keys: AgencyKeys, tenant_id: str, seq: int, version: int,
                   body: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if body is None else seal_body(keys, tenant_id, "feed", str(seq), version, body)


def open_feed_body(keys: AgencyKeys, tenant_id: str, seq: int, version: int,
                   sealed: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if sealed is None else open_body(keys, tenant_id, "feed", str(seq), version,
                                                 sealed)


def open_rows(conn: Connection, tenant_id: str, table: str,
              rows: list[Any]) -> dict[str, dict[str, Any]]:
    """Clear bodies of (id, version, body) rows of one agency's `table`, by id."""
    keys = datakeys.keys_for(conn, tenant_id)
    return {r.id: open_body(keys, tenant_id, table, r.id, r.version, r.body) for r in rows}


def normalise_name(name: str) -> str:
    """One spelling of a name for look-ups: Unicode-normalised, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_index(keys: AgencyKeys, name: str) -> str:
    """The blind index of a name: equal for names equal after `normalise_name`, and
    meaningless without the agency's index key (no dictionary of names can be run on it)."""
    return hmac.new(keys.index, normalise_name(name).encode(), hashlib.sha256).hexdigest()
