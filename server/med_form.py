"""A medicine as a coordinator types it: checked field by field into a medicine body.

Every error names the field it is about (`Invalid.field`), so the console can say which box is
wrong. Fields the form does not show (a frequency or dose schedule set elsewhere) are kept from
the version being changed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from server.errors import Invalid
from sync.codes import SupportLevel

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_TEXT = 500

# The form's fields (what the console shows), in order; booleans are tick boxes.
TEXT_FIELDS = ("name", "ingredient", "strength", "form", "dose", "route", "times",
               "support_level", "start_date", "stop_date", "instructions", "prn_reason",
               "prn_min_interval_hours", "prn_max_doses_24h", "best_interests")
FLAGS = ("time_critical", "prn", "controlled", "covert")


def _text(raw: dict[str, Any], field: str, label: str, required: bool = False) -> str:
    value = str(raw.get(field) or "").strip()
    if required and not value:
        raise Invalid(f"{label} is needed.", field=field)
    if len(value) > MAX_TEXT:
        raise Invalid(f"{label} is too long (at most {MAX_TEXT} characters).", field=field)
    return value


def _date(raw: dict[str, Any], field: str, label: str, required: bool) -> str | None:
    value = _text(raw, field, label, required)
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise Invalid(f"{label} must be a date like 2026-03-31.", field=field) from None


def _number(raw: dict[str, Any], field: str, label: str, lo: float, hi: float) -> float:
    value = _text(raw, field, label, required=True)
    try:
        n = float(value)
    except ValueError:
        raise Invalid(f"{label} must be a number.", field=field) from None
    if not lo <= n <= hi:
        raise Invalid(f"{label} must be between {lo:g} and {hi:g}.", field=field)
    return n


def _times(raw: dict[str, Any]) -> list[str]:
    value = raw.get("times") or ""
    parts = value if isinstance(value, list) else re.split(r"[,\s]+", str(value))
    times = [str(p).strip() for p in parts if str(p).strip()]
    for t in times:
        if not TIME.match(t):
            raise Invalid("Times must be 24-hour clock times like 08:00, 20:00.",
                          field="times")
    return sorted(set(times))


def medicine_body(raw: dict[str, Any], before: dict[str, Any] | None = None) -> dict[str, Any]:
    """The medicine body `raw` describes, on top of `before` (the version being changed)."""
    body: dict[str, Any] = dict(before or {})
    body["name"] = _text(raw, "name", "The medicine's name", required=True)
    # The contract's ingredient is {"name", "mg_per_unit", "max_mg_24h"} (sync/medicine_body.py):
    # the form sets its name and keeps the rest.
    ingredient = _text(raw, "ingredient", "The active ingredient")
    found = body.get("ingredient")
    kept: dict[str, Any] = found if isinstance(found, dict) else {}
    body["ingredient"] = {**kept, "name": ingredient} if ingredient else None
    for field, label in (("strength", "The strength"), ("form", "The form"),
                         ("instructions", "The instructions")):
        body[field] = _text(raw, field, label)
    body["dose"] = _text(raw, "dose", "The dose", required=True)
    body["route"] = _text(raw, "route", "The route", required=True)
    try:
        body["support_level"] = SupportLevel(_text(raw, "support_level", "The support level",
                                                   required=True)).value
    except ValueError:
        raise Invalid("Choose prompt, assist or administer.", field="support_level") from None
    start = _date(raw, "start_date", "The start date", required=True)
    stop = _date(raw, "stop_date", "The stop date", required=False)
    if stop is not None and start is not None and stop < start:
        raise Invalid("The stop date is before the start date.", field="stop_date")
    body["start_date"], body["stop_date"] = start, stop
    body["time_critical"] = bool(raw.get("time_critical"))
    body["controlled"] = bool(raw.get("controlled"))
    body.setdefault("window_minutes", 30)
    times = _times(raw)
    if raw.get("prn"):
        if times:
            raise Invalid("An as-needed (PRN) medicine has no set times.", field="times")
        body["prn"] = {
            **((before or {}).get("prn") or {}),
            "reason_hint": _text(raw, "prn_reason", "What it is for (PRN)", required=True),
            "min_interval_hours": _number(raw, "prn_min_interval_hours",
                                          "The minimum gap in hours", 0.5, 72),
            "max_doses_24h": int(_number(raw, "prn_max_doses_24h",
                                         "The most doses in 24 hours", 1, 24)),
        }
    else:
        # A medicine whose days come from a frequency set elsewhere keeps its own times.
        if not times and not body.get("frequency"):
            raise Invalid("Give the times it is due, or tick as needed (PRN).",
                          field="times")
        body["prn"] = None
    body["times"] = times
    _covert(raw, body)
    return body


def _covert(raw: dict[str, Any], body: dict[str, Any]) -> None:
    """Covert administration (hidden in food or drink) only with a recorded best-interests
    decision (Mental Capacity Act): who decided, when, with the pharmacist's advice."""
    body["covert"] = bool(raw.get("covert"))
    decision = _text(raw, "best_interests", "The best-interests decision")
    if body["covert"] and not decision:
        raise Invalid("Covert administration needs the best-interests decision recorded "
                      "(who decided, when, and the pharmacist's advice).",
                      field="best_interests")
    body["best_interests"] = decision or None


def ingredient_name(body: dict[str, Any]) -> str:
    found = body.get("ingredient")
    return str(found.get("name") or "") if isinstance(found, dict) else str(found or "")


def form_of(body: dict[str, Any]) -> dict[str, Any]:
    """The form's fields filled from a medicine body (to change it)."""
    prn = body.get("prn") or {}
    return {
        "name": body.get("name", ""), "ingredient": ingredient_name(body),
        "strength": body.get("strength", ""), "form": body.get("form", ""),
        "dose": body.get("dose", ""), "route": body.get("route", ""),
        "times": ", ".join(body.get("times") or []),
        "support_level": body.get("support_level", ""),
        "start_date": body.get("start_date") or "", "stop_date": body.get("stop_date") or "",
        "instructions": body.get("instructions", ""),
        "prn_reason": prn.get("reason_hint", ""),
        "prn_min_interval_hours": f"{prn['min_interval_hours']:g}" if prn else "",
        "prn_max_doses_24h": str(prn.get("max_doses_24h", "")) if prn else "",
        "best_interests": body.get("best_interests") or "",
        "time_critical": bool(body.get("time_critical")), "prn": bool(prn),
        "controlled": bool(body.get("controlled")), "covert": bool(body.get("covert")),
    }
