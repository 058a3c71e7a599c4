"""Which version of each medicine was in force over a MAR chart's days, in words for the chart.

A chart is printed from the list as it is now; when a medicine changed during the chart's days,
the reader must see which version a slot was recorded against (NICE NG67: the MAR shows the
current instructions and when they changed). Versions come from server/med_versions.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.med_versions import Action, Source, State, Version


def version_lines(versions: Sequence[Version], meds: Sequence[Mapping[str, Any]],
                  live: Mapping[str, int], lo: datetime, hi: datetime, tz: ZoneInfo,
                  names: Mapping[str, str]) -> tuple[str, ...]:
    """One line per medicine: the versions in force over [lo, hi), each from when."""
    out: list[str] = []
    for m in sorted(meds, key=lambda m: str(m.get("name", ""))):
        name = f"{m.get('name', '')} {m.get('strength', '')}".strip()
        mine = sorted((v for v in versions if v.entity_id == m["id"]
                       and v.state is State.CHECKED and v.in_force_from is not None),
                      key=lambda v: v.version)
        if not mine:
            out.append(f"{name}: version {live.get(m['id'], 1)} as set up")
            continue
        spans = []
        for i, v in enumerate(mine):
            ends = _at(mine[i + 1].in_force_from) if i + 1 < len(mine) else None
            if (ends is not None and ends <= lo) or _at(v.in_force_from) >= hi:
                continue  # not in force during the chart's days
            spans.append(_words(v, tz, names))
        out.append(f"{name}: " + "; then ".join(spans))
    return tuple(out)


def _at(iso: str | None) -> datetime:
    return datetime.min.replace(tzinfo=ZoneInfo("UTC")) if not iso else \
        datetime.fromisoformat(iso)


def _words(v: Version, tz: ZoneInfo, names: Mapping[str, str]) -> str:
    if v.action is Action.SET_UP:
        return f"version {v.version} (as set up)"
    try:
        source = Source(v.source).label
    except ValueError:
        source = v.source
    since = _at(v.in_force_from).astimezone(tz)
    return (f"version {v.version} ({v.action.label.lower()}: {v.why}; {source}; checked by "
            f"{names.get(v.checked_by or '', 'the office')}) in force from "
            f"{since:%a %d %b %H:%M}")
