"""Damage to a sealed envelope's header that every opener must refuse (the phone's vault and
the office's escrow both parametrise their tests with it, then add their own cases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HEADER_DAMAGE: list[Callable[[dict[str, Any]], object]] = [
    lambda e: e.update(v=3),  # a format version nobody writes
    lambda e: e.update(v=True),  # a bool is not a version, though True == 1
    lambda e: e.update(v=1),  # deflated content claimed as plain JSON
]
