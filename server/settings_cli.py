"""`fieldapp-server settings`: show or change one agency's timings and switches.

The defaults are DOMAIN.md's (server/agency_settings.py). A running server reads them from the
database at each monitor tick, so a change applies without a restart.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import asdict
from typing import TYPE_CHECKING

from server.errors import Invalid

if TYPE_CHECKING:
    from sqlalchemy import Engine

# option -> (AgencyTimings field, what the timing does), in the order they are shown.
TIMINGS: dict[str, tuple[str, str]] = {
    "urgent-ack": ("urgent_ack_s",
                   "an urgent escalation waits this long for each on-call tier to acknowledge"),
    "emergency-ack": ("emergency_ack_s",
                      "an emergency waits this long for each on-call tier to acknowledge"),
    "lone-grace": ("lone_grace_s",
                   "a visit this long past its expected end with no check-out turns amber"),
    "lone-amber-to-red": ("lone_amber_to_red_s",
                          "amber this long with no word from the worker turns red"),
    "lone-tier-ack": ("lone_tier_ack_s",
                      "a red lone-worker alert waits this long for each on-call tier"),
    "stale-sync": ("sync_stale_s",
                   "a worker on shift whose phone is silent this long shows on the risk board"),
}
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smh]?)\s*$")
_UNIT_S = {"s": 1, "m": 60, "": 60, "h": 3600}


def duration_s(option: str, text: str) -> int:
    """Seconds from '90s', '10m', '2h' or a bare number of minutes; the error names the option."""
    found = _DURATION.match(text)
    if found is None:
        raise Invalid(f"--{option} must be a duration such as 90s, 10m or 2h (a bare number is "
                      f"minutes), not {text!r}")
    return int(found.group(1)) * _UNIT_S[found.group(2)]


def shown(seconds: int) -> str:
    """The shortest exact way to write a duration: 2h, 10m or 90s."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The command's options: one per timing, and the handover switch."""
    for option, (_field, meaning) in TIMINGS.items():
        p.add_argument(f"--{option}", metavar="DURATION", help=meaning)
    p.add_argument("--handover-to-next-worker", choices=["on", "off"],
                   help="pass the points a handover marks for the next worker to the other "
                   "workers who visit that person")


def change(engine: Engine, tenant_id: str, args: argparse.Namespace) -> list[str]:
    """Apply the options given (all checked before anything is written); the lines to show."""
    from server import agency_settings

    changes = {field: duration_s(option, value)
               for option, (field, _meaning) in TIMINGS.items()
               if (value := getattr(args, option.replace("-", "_"))) is not None}
    with engine.begin() as conn:
        timings = (agency_settings.set_timings(conn, tenant_id, **changes) if changes
                   else agency_settings.timings(conn, tenant_id))
        if args.handover_to_next_worker is not None:
            agency_settings.set_handover_to_next_worker(
                conn, tenant_id, args.handover_to_next_worker == "on")
        to_next = agency_settings.handover_to_next_worker(conn, tenant_id)
    now = asdict(timings)
    lines = [f"{option:<26}{shown(now[field]):>6}  {meaning}"
             for option, (field, meaning) in TIMINGS.items()]
    lines.append(f"{'handover-to-next-worker':<26}{'on' if to_next else 'off':>6}  points "
                 "marked for the next worker reach the other workers who visit that person")
    return lines
