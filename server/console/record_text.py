"""A worker's (or the office's) record in one plain-English line, for the visit screen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from server.console.widgets import local_hm
from server.services.visit_record import OpenedRecord
from sync.codes import DoseEffect, PatchSite
from sync.kinds import KINDS

KIND_LABELS = {code: kind.label for code, kind in KINDS.items()}


def describe(record: OpenedRecord, tz: ZoneInfo) -> str:
    if record.damaged:
        return "This record is damaged and cannot be read. The original is kept."
    return _DESCRIBE.get(record.kind, _other)(record.content, tz)


def _task(c: Mapping[str, Any], _tz: ZoneInfo) -> str:
    text = f"{c.get('title', 'Task')}: {c.get('outcome', '').replace('_', ' ')}"
    if c.get("reason"):
        text += f" — {c['reason']}"
    if c.get("fluid_taken_ml") is not None:
        text += (f" (fluids offered {c.get('fluid_offered_ml')} ml,"
                 f" taken {c['fluid_taken_ml']} ml)")
    return text


def _note(c: Mapping[str, Any], _tz: ZoneInfo) -> str:
    phrases = "; ".join(c.get("phrases") or [])
    return " ".join(p for p in (phrases, c.get("text", "")) if p)


def _check_in(c: Mapping[str, Any], _tz: ZoneInfo) -> str:
    text = f"Arrived {c.get('timing', '').replace('_', ' ')}"
    return text + (f" — {c['reason']}" if c.get("reason") else "")


def _check_out(c: Mapping[str, Any], _tz: ZoneInfo) -> str:
    text = f"Left {c.get('timing', 'on_time').replace('_', ' ')}"
    return text + (f" — {c['reason']}" if c.get("reason") else "")


def _dose(c: Mapping[str, Any], tz: ZoneInfo) -> str:
    text = f"{c.get('medicine', 'Medicine')}: {c.get('outcome', '')} at " \
           f"{local_hm(c.get('actual_at'), tz)}"
    if isinstance(c.get("amount"), int | float):
        text += f" · amount given: {c['amount']:g} {c.get('unit') or ''}".rstrip()
    if c.get("patch_site") in PatchSite.__members__.values():
        text += f" · patch site: {PatchSite(c['patch_site']).label}"
    for key, word in (("reason", "reason"), ("witness", "witness")):
        if c.get(key):
            text += f" · {word}: {c[key]}"
    if c.get("flags"):
        text += " · FLAGGED: " + "; ".join(c["flags"])
    return text


def _effect(c: Mapping[str, Any], tz: ZoneInfo) -> str:
    code = c.get("effect", "")
    words = DoseEffect(code).label if code in DoseEffect.__members__.values() else code
    text = f"{c.get('medicine', 'Medicine')} given at {local_hm(c.get('dose_at'), tz)}: " \
           f"effect — {words}"
    return text + (f" · {c['text']}" if c.get("text") else "")


def _escalation(c: Mapping[str, Any], _tz: ZoneInfo) -> str:
    return f"{c.get('severity', '').upper()} {c.get('type', '')}: {c.get('summary', '')}"


def _addendum(c: Mapping[str, Any], _tz: ZoneInfo) -> str:
    who = c.get("coordinator_name") or "the worker"
    new = c.get("outcome") or c.get("text") or ""
    return f"Correction by {who}: {new} — reason: {c.get('reason', '')}"


def _other(c: Mapping[str, Any], _tz: ZoneInfo) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(c.items())
                     if k not in ("worker_id", "device_id"))


_DESCRIBE = {"task_outcome": _task, "note": _note, "check_in": _check_in,
             "check_out": _check_out, "dose_outcome": _dose, "escalation": _escalation,
             "addendum": _addendum, "dose_effect": _effect}
