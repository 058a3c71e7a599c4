"""Where the worker is at check-in and check-out, only with their consent (flet-geolocator).

Asked once per tap, never tracked. Any failure (permission refused, no fix, a client without the
plugin) gives None: the check-in goes ahead without a location and says so.
"""

from __future__ import annotations

import asyncio
import logging

import flet as ft
from flet_geolocator import (
    Geolocator,
    GeolocatorConfiguration,
    GeolocatorPermissionStatus,
    GeolocatorPositionAccuracy,
)

FIX_TIMEOUT_S = 15.0  # a check-in never waits longer than this for a position
ALLOWED = (GeolocatorPermissionStatus.WHILE_IN_USE, GeolocatorPermissionStatus.ALWAYS)
log = logging.getLogger(__name__)


class Locator:
    """One geolocator service per app session, made on first use (it registers with the page)."""

    def __init__(self) -> None:
        self._geo: Geolocator | None = None
        self.last: dict[str, float] | None = None  # the last fix (check-in/out): for an SOS

    async def position(self) -> dict[str, float] | None:
        try:
            found = await asyncio.wait_for(self._position(), timeout=FIX_TIMEOUT_S)
        except (TimeoutError, ft.FletException, RuntimeError, ValueError, TypeError) as exc:
            # No coordinates or personal data in the log: only what kind of failure it was.
            log.info("no location fix: %s", type(exc).__name__)
            return None
        if found is not None:
            self.last = found
        return found

    async def _position(self) -> dict[str, float] | None:
        if self._geo is None:
            self._geo = Geolocator(configuration=GeolocatorConfiguration(
                accuracy=GeolocatorPositionAccuracy.HIGH))
        status = await self._geo.request_permission()
        if status not in ALLOWED:
            return None
        fix = await self._geo.get_current_position()
        if fix.latitude is None or fix.longitude is None:
            return None
        where = {"lat": float(fix.latitude), "lon": float(fix.longitude)}
        if fix.accuracy is not None:
            where["accuracy_m"] = float(fix.accuracy)
        return where
