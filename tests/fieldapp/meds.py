"""Factories for the medication rule tests: UTC times and medicines with realistic defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fieldapp.domain.mar import Medicine


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def medicine(**overrides: Any) -> Medicine:
    """Co-careldopa at 08:00, prompted, not time-critical, unless `overrides` say otherwise."""
    data: dict[str, Any] = {
        "id": "med-1", "service_user_id": "su-1", "name": "Co-careldopa",
        "form": "tablet", "strength": "25mg/100mg", "dose": "1 tablet", "route": "oral",
        "times": ["08:00"], "support_level": "prompt", "time_critical": False,
        "prn": None, "controlled": False, "instructions": "", "start_date": "2026-01-01",
        "stop_date": None,
    }
    data.update(overrides)
    return Medicine.from_dict(data)
