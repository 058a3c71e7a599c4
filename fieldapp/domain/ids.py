"""Client-generated ids: UUIDv7 from the contract (sync.protocol), shared with the office."""

from __future__ import annotations

from sync.protocol import uuid7

__all__ = ["uuid7"]
