"""Every code set lives in sync/codes.py: its values, labels and rules, and nowhere else."""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

import pytest

from sync import codes
from sync.codes import CODE_SETS, DoseOutcome, TaskOutcome

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "sync" / "codes.py"
# Sets that share some words with a code set but are another thing, each with why.
NOT_CODE_SETS = {
    # the look of an answer on screen (done, flagged, partly done, not done, not required),
    # mapped from task and dose outcomes, never stored or sent
    "fieldapp/domain/answer_status.py:AnswerStatus",
}


def sources() -> list[Path]:
    files = [ROOT / "main.py"]
    for package in ("fieldapp", "screens", "server", "sync"):
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f != HOME]


def literal_strings(node: ast.AST) -> set[str]:
    """The string constants directly inside a tuple, list, set or dict-keys literal, or assigned
    in a class body (an enum of the codes)."""
    items: list[ast.expr | None]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = list(node.elts)
    elif isinstance(node, ast.Dict):
        items = list(node.keys)
    elif isinstance(node, ast.ClassDef):
        items = [s.value for s in node.body if isinstance(s, ast.Assign | ast.AnnAssign)]
    else:
        return set()
    return {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}


def copies_in(path: Path) -> list[str]:
    """Collection literals in `path` that spell out (part of) a code set."""
    found = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ClassDef) and f"{where}:{node.name}" in NOT_CODE_SETS:
            continue
        strings = literal_strings(node)
        if len(strings) < 2:
            continue
        for code_set in CODE_SETS:
            values = {m.value for m in code_set}
            if len(strings & values) >= min(3, len(values)):
                found.append(f"{where}:{node.lineno} spells {code_set.__name__}")
    return found


def test_no_code_set_is_written_anywhere_else() -> None:
    found = [c for path in sources() for c in copies_in(path)]
    assert found == [], "import these from sync.codes instead:\n" + "\n".join(found)


@pytest.mark.parametrize("planted", [
    'CODES = ("given", "taken", "refused")\n',
    'def f(x):\n    return x in {"done", "partly_done", "not_done"}\n',
    'LABELS = {"routine": "R", "urgent": "U", "emergency": "E"}\n',
    'LEVELS = ["amber", "red"]\n',
    'class Band:\n    LOW = "monitor"\n    MID = "senior"\n    HIGH = "urgent"\n',
])
def test_the_scan_sees_a_planted_copy(tmp_path: Path, planted: str) -> None:
    path = tmp_path / "planted.py"
    path.write_text(planted)
    assert copies_in(path)


@pytest.mark.parametrize("code_set", CODE_SETS, ids=lambda c: c.__name__)
def test_every_code_has_a_plain_english_label(code_set: type[StrEnum]) -> None:
    for member in code_set:
        text = member.label  # type: ignore[attr-defined]
        assert text and text[0].isupper() and "_" not in text, (member, text)


def test_code_sets_are_all_listed() -> None:
    defined = {v for v in vars(codes).values()
               if isinstance(v, type) and issubclass(v, StrEnum) and v not in (StrEnum, codes.Code)}
    assert defined == set(CODE_SETS)


def test_dose_outcomes_are_the_stable_printed_set_and_which_need_a_reason() -> None:
    assert [o.value for o in DoseOutcome] == [
        "given", "taken", "partial", "refused", "not_available", "asleep", "nausea_vomiting",
        "hospital", "away", "withheld", "not_required", "other"]
    assert {o for o in DoseOutcome if not o.needs_reason} == {DoseOutcome.GIVEN, DoseOutcome.TAKEN}
    assert DoseOutcome("refused") == "refused"  # a member is its code


def test_task_outcomes_and_which_need_a_reason() -> None:
    assert [o.value for o in TaskOutcome] == [
        "done", "partly_done", "refused", "not_required", "not_done"]
    assert {o.value for o in TaskOutcome if o.needs_reason} == {
        "partly_done", "refused", "not_done"}


def test_escalation_and_alert_codes_follow_the_domain() -> None:
    assert [t.value for t in codes.EscalationType] == [
        "health_deterioration", "fall", "medication", "safeguarding", "no_access",
        "environment_hazard", "worker_safety", "equipment_failure", "other"]
    assert [s.value for s in codes.Severity] == ["routine", "urgent", "emergency"]
    assert [s.value for s in codes.EscalationState] == ["raised", "acknowledged", "resolved"]
    assert [s.value for s in codes.AlertLevel] == ["amber", "red"]
    assert [s.value for s in codes.AlertOutcome] == ["safe", "late", "incident"]
    assert [s.value for s in codes.News2Band] == ["monitor", "senior", "urgent", "emergency"]
    assert [s.value for s in codes.SupportLevel] == ["prompt", "assist", "administer"]
