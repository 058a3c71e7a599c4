"""Corrections: an addendum points at the record it corrects; the original stays as it was.

Nothing is ever updated or deleted. A correction carries who (the record's author), when, and
why (required), plus what the right answer is: new text, or a new outcome code for a task or a
dose. A dose correction's new outcome travels in the clear facts, so PRN limits and the office's
MAR chart follow it without opening anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fieldapp.domain import visit_rules
from fieldapp.domain.mar import parse_outcome
from fieldapp.domain.visit_rules import TaskOutcome
from fieldapp.errors import RuleViolation
from fieldapp.services.writer import RecordWriter
from fieldapp.store.records import open_record, write_record

TEXT_MAX_CHARS = 4000
_WITH_OUTCOME = {"task_outcome", "dose_outcome"}


@dataclass(frozen=True)
class Correction:
    record_id: str
    corrects: str
    reason: str
    text: str | None
    outcome: str | None
    at: str
    sync_state: str


def correction_of(row: dict[str, Any], content: dict[str, Any]) -> Correction:
    """A correction from an addendum's row and its opened content."""
    return Correction(row["id"], row["corrects"], content.get("reason", ""),
                      content.get("text"), content.get("outcome"), row["recorded_at"],
                      row["sync_state"])


class AddendumService(RecordWriter):
    """Corrections: an addendum that says what was wrong, never an edit of the record."""

    def correct(self, record_id: str, reason: str | None, *, text: str | None = None,
                outcome: str | None = None) -> str:
        """Write an addendum to `record_id`; return the addendum's id."""
        fix = visit_rules.validate_correction(record_id, reason)
        rows = self.store.rows("SELECT * FROM records WHERE id = ?", [fix.original_record_id])
        if not rows:
            raise RuleViolation("That record is not on this phone.")
        original = rows[0]
        if original["kind"] == "addendum":
            raise RuleViolation("Correct the original record, not a correction.")
        body = (text or "").strip() or None
        if body and len(body) > TEXT_MAX_CHARS:
            raise RuleViolation(f"Keep the correction under {TEXT_MAX_CHARS} characters.")
        code = self._outcome(original["kind"], outcome)
        if body is None and code is None:
            raise RuleViolation("Say what the record should have said: new text or a new "
                                "outcome.")
        now = self.clock.now().isoformat()
        facts: dict[str, Any] = {"corrects_kind": original["kind"], "actor": "worker"}
        if code:
            facts["outcome"] = code
        if original["kind"] == "dose_outcome":
            # Copied so the office can republish the corrected dose without opening anything.
            orig_facts = json.loads(original["facts"])
            facts.update({k: orig_facts.get(k) for k in ("medicine_id", "scheduled_at")})
        payload = {"reason": fix.reason, "text": body, "outcome": code,
                   "corrects_kind": original["kind"], "at": now}
        sealer, author = self._sealer(), self._author()
        with self.store.transaction() as db:
            return write_record(db, sealer, author, kind="addendum", recorded_at=now,
                                payload=payload, facts=facts, corrects=original["id"],
                                visit_id=original["visit_id"],
                                service_user_id=original["service_user_id"])

    def for_visit(self, visit_id: str) -> dict[str, list[Correction]]:
        """The corrections of a visit's records, keyed by the corrected record's id."""
        sealer = self._sealer()
        out: dict[str, list[Correction]] = {}
        for r in self.store.rows(
            "SELECT * FROM records WHERE visit_id = ? AND kind = 'addendum' "
            "ORDER BY recorded_at, id", [visit_id]
        ):
            out.setdefault(r["corrects"], []).append(correction_of(r, open_record(sealer, r)))
        return out

    @staticmethod
    def _outcome(kind: str, outcome: str | None) -> str | None:
        if not outcome:
            return None
        if kind not in _WITH_OUTCOME:
            raise RuleViolation("Only a task or a medicine outcome can be corrected to a new "
                                "outcome; correct the text instead.")
        if kind == "dose_outcome":
            return parse_outcome(outcome).value
        try:
            return TaskOutcome(outcome).value
        except ValueError:
            raise RuleViolation(f"'{outcome}' is not a task outcome.") from None
