"""The registry of record kinds: for each, its clear facts, label, readers, corrections and ties.

A worker's phone writes append-only records of these kinds; the office stores them. For each kind
the registry says what the clear `facts` may hold (names, types, allowed codes, required or not),
the plain-English label screens show, who may read it, which fields an addendum may correct,
whether the phone's outbox lists it, and what it is tied to (visit, person, medicine, an earlier
record), which is what the office must authorise before storing it. Pure and stdlib only:
`facts_errors` / `check_facts` validate a facts dict and name every field that is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sync.codes import (
    Actor,
    AlertLevel,
    DoseEffect,
    DoseOutcome,
    EscalationType,
    LoneWorkerEvent,
    MedicationEvent,
    PatchSite,
    Severity,
    TaskOutcome,
    Timing,
)

MAX_ID_CHARS = 36  # a UUID as text: what the office's id columns hold
MAX_TIME_CHARS = 40  # an ISO 8601 time with its offset, with room to spare
MAX_NUMBER = 1_000_000  # above any amount of a medicine, in units or milligrams


class Audience(StrEnum):
    """Who may read a record at the office (the author's phone always holds its own copy)."""

    WORKER_OWN = "worker_own"  # the worker who wrote it, and the agency's coordinators
    COORDINATOR = "coordinator"  # the agency's coordinators; the author's phone never shows it
    SAFEGUARDING_LEAD = "safeguarding_lead"  # the agency's safeguarding leads only


class Need(StrEnum):
    """Whether a record must, may or must not carry a link (visit, person, corrected record)."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    NEVER = "never"


class FactType(StrEnum):
    ID = "id"  # a non-empty id of at most MAX_ID_CHARS, no spaces
    TIME = "time"  # an ISO 8601 time with its UTC offset
    CODE = "code"  # one of the fact's `codes`
    BOOL = "bool"
    INT = "int"
    NUMBER = "number"  # a finite number from 0 to MAX_NUMBER (an amount: 1.5 tablets, 500 mg)


@dataclass(frozen=True)
class Fact:
    """One clear fact a kind may carry; `required` means present and not null."""

    name: str
    type: FactType
    required: bool = False
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    facts: tuple[Fact, ...]
    audience: Audience
    # Fields of the sealed content an addendum may correct: name -> allowed codes (None: text).
    correctable: Mapping[str, tuple[str, ...] | None]
    in_outbox: bool  # listed in the phone's outbox (False: silent, e.g. a duress alert)
    visit: Need  # record.visit_id: the worker's own visit on the rota
    person: Need  # record.service_user_id: the person that visit is for
    corrects: Need = Need.NEVER  # record.corrects: an earlier record the worker may correct
    medicine_fact: str | None = None  # a fact naming a medicine on the person's list
    # A fact value that narrows the audience, e.g. a safeguarding escalation.
    restricted: Mapping[str, tuple[str, Audience]] = field(default_factory=dict)

    def fact(self, name: str) -> Fact | None:
        return next((f for f in self.facts if f.name == name), None)


def _codes(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum)


_TEXT_ONLY: Mapping[str, tuple[str, ...] | None] = {"text": None}

KINDS: Mapping[str, Kind] = {k.code: k for k in (
    Kind("check_in", "Checked in", (), Audience.WORKER_OWN, _TEXT_ONLY, True,
         visit=Need.REQUIRED, person=Need.REQUIRED),
    Kind("check_out", "Checked out", (), Audience.WORKER_OWN, _TEXT_ONLY, True,
         visit=Need.REQUIRED, person=Need.REQUIRED),
    Kind("task_outcome", "Task", (
        # Optional: records written before the task's id travelled in clear carry none.
        Fact("task_id", FactType.ID),
        Fact("outcome", FactType.CODE, codes=_codes(TaskOutcome)),
    ), Audience.WORKER_OWN,
         {"text": None, "outcome": _codes(TaskOutcome)}, True,
         visit=Need.REQUIRED, person=Need.REQUIRED),
    Kind("dose_outcome", "Medicine", (
        Fact("medicine_id", FactType.ID, required=True),
        Fact("scheduled_at", FactType.TIME),  # null for an as-needed (PRN) dose
        Fact("actual_at", FactType.TIME, required=True),
        Fact("outcome", FactType.CODE, required=True, codes=_codes(DoseOutcome)),
        Fact("prn", FactType.BOOL, required=True),
        Fact("controlled", FactType.BOOL, required=True),
        Fact("window", FactType.CODE, codes=(Timing.EARLY.value, Timing.LATE.value)),
        # The amount given in the medicine's dose unit (a range or per-date dose), and the
        # active ingredient in mg it holds: what the 24 h maximum by amount counts.
        Fact("amount", FactType.NUMBER),
        Fact("mg", FactType.NUMBER),
        # A patch: where it went on, and whether the old one was taken off.
        Fact("patch_site", FactType.CODE, codes=_codes(PatchSite)),
        Fact("old_patch_removed", FactType.BOOL),
        # A controlled drug: the colleague who witnessed it, picked from the staff list.
        Fact("witness_id", FactType.ID),
    ), Audience.WORKER_OWN, {"text": None, "outcome": _codes(DoseOutcome)}, True,
        visit=Need.REQUIRED, person=Need.REQUIRED, medicine_fact="medicine_id"),
    # The effect of an as-needed dose, recorded 30-60 min later or at the next visit (maybe by
    # another worker): linked to the dose by its record id and time, never a correction of it.
    Kind("dose_effect", "Effect of a medicine", (
        Fact("dose_record_id", FactType.ID, required=True),
        Fact("medicine_id", FactType.ID, required=True),
        Fact("dose_at", FactType.TIME, required=True),
        Fact("effect", FactType.CODE, required=True, codes=_codes(DoseEffect)),
    ), Audience.WORKER_OWN, _TEXT_ONLY, True,
        visit=Need.REQUIRED, person=Need.REQUIRED, medicine_fact="medicine_id"),
    Kind("note", "Visit note", (), Audience.WORKER_OWN, _TEXT_ONLY, True,
         visit=Need.REQUIRED, person=Need.REQUIRED),
    Kind("addendum", "Correction", (
        Fact("corrects_kind", FactType.CODE, required=True),  # codes: the correctable kinds
        Fact("actor", FactType.CODE, required=True, codes=_codes(Actor)),
        Fact("outcome", FactType.CODE),  # codes: what `corrects_kind` allows
        Fact("medicine_id", FactType.ID),  # copied from a corrected dose
        Fact("scheduled_at", FactType.TIME),
    ), Audience.WORKER_OWN, {}, True,
        visit=Need.OPTIONAL, person=Need.OPTIONAL, corrects=Need.REQUIRED,
        medicine_fact="medicine_id"),
    Kind("escalation", "Escalation", (
        Fact("type", FactType.CODE, required=True, codes=_codes(EscalationType)),
        Fact("severity", FactType.CODE, required=True, codes=_codes(Severity)),
        Fact("event", FactType.CODE, codes=_codes(MedicationEvent)),
        Fact("medicine_id", FactType.ID),
        Fact("dose_at", FactType.TIME),
        Fact("dose_record_id", FactType.ID),
    ), Audience.WORKER_OWN, _TEXT_ONLY, True,
        visit=Need.OPTIONAL, person=Need.OPTIONAL, medicine_fact="medicine_id",
        restricted={"type": (EscalationType.SAFEGUARDING.value, Audience.SAFEGUARDING_LEAD)}),
    # A phone's lone-worker records all carry the same clear facts (`at`, `open_visit_id`):
    # its file must not tell a duress alert from an SOS, "I'm OK" or extend. What one says
    # (event, level, minutes) is sealed; the office opens it (server/lone_records.py). Phones
    # from before sent those in clear: still taken.
    Kind("lone_worker", "Lone-worker alert", (
        Fact("event", FactType.CODE, codes=_codes(LoneWorkerEvent)),
        Fact("level", FactType.CODE, codes=_codes(AlertLevel)),
        Fact("at", FactType.TIME),
        Fact("open_visit_id", FactType.ID),  # where the worker probably is
        Fact("minutes", FactType.INT),  # "extend": how much longer the visit runs
    ), Audience.COORDINATOR, {}, False,
        visit=Need.OPTIONAL, person=Need.OPTIONAL),
    # The end-of-shift handover (docs/handover.md): its SBAR text and items travel sealed;
    # in clear only what the office's inbox filters on.
    Kind("handover", "Handover", (
        Fact("shift_start", FactType.TIME, required=True),
        Fact("shift_end", FactType.TIME, required=True),
        Fact("has_concerns", FactType.BOOL, required=True),
        Fact("items", FactType.INT, required=True),  # drafted items the worker kept
    ), Audience.WORKER_OWN, _TEXT_ONLY, True,
         visit=Need.NEVER, person=Need.NEVER),
)}

# Kinds an addendum may point at: every kind with something correctable.
CORRECTABLE_KINDS = tuple(code for code, k in KINDS.items() if k.correctable)
HIDDEN_FROM_OUTBOX = tuple(code for code, k in KINDS.items() if not k.in_outbox)


class UnknownKind(KeyError):
    """A record kind the registry does not know."""


def get(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise UnknownKind(kind) from None


def label(kind: str) -> str:
    """The plain-English label of a kind; an unknown kind shows as itself."""
    return KINDS[kind].label if kind in KINDS else kind


def audience(kind: str, facts: Mapping[str, object],
             corrected: Audience | None = None) -> Audience:
    """Who may read a record of `kind` with these facts. An addendum is read by whoever may read
    the record it corrects: pass that record's audience as `corrected`."""
    k = get(kind)
    if kind == "addendum" and corrected is not None:
        return corrected
    for name, (value, narrower) in k.restricted.items():
        if facts.get(name) == value:
            return narrower
    return k.audience


def may_read(who: Audience, record_audience: Audience, *, is_author: bool = False) -> bool:
    """Whether a reader of kind `who` (a coordinator, a safeguarding lead, or the worker) may read
    a record meant for `record_audience`; `is_author` when the reader wrote it.

    A safeguarding lead is a coordinator too; only they read safeguarding-lead-only records, and
    a worker reads only their own worker-own records at the office.
    """
    if record_audience is Audience.SAFEGUARDING_LEAD:
        return who is Audience.SAFEGUARDING_LEAD
    if record_audience is Audience.COORDINATOR:
        return who in (Audience.COORDINATOR, Audience.SAFEGUARDING_LEAD)
    return who in (Audience.COORDINATOR, Audience.SAFEGUARDING_LEAD) or is_author


@dataclass(frozen=True)
class FactError:
    """One thing wrong with a record's facts; `field` is the fact's name (or "kind")."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


class InvalidFacts(ValueError):
    """A record's facts do not match its kind's schema; `errors` names every field."""

    def __init__(self, kind: str, errors: list[FactError]):
        self.kind = kind
        self.errors = errors
        super().__init__(f"{kind} facts: " + "; ".join(str(e) for e in errors))


def facts_errors(kind: str, facts: Mapping[str, object]) -> list[FactError]:
    """Everything wrong with `facts` for a record of `kind` (empty: valid). Values are never
    echoed, only named, so the messages are safe to log and to send back to the phone."""
    if kind not in KINDS:
        return [FactError("kind", "is not a known record kind")]
    k = KINDS[kind]
    errors = [FactError(name, f"is not a fact of a {kind} record")
              for name in facts if k.fact(name) is None]
    for f in k.facts:
        value = facts.get(f.name)
        if value is None:
            if f.required:
                errors.append(FactError(f.name, "is required"))
            continue
        problem = _type_problem(f, value)
        if problem:
            errors.append(FactError(f.name, problem))
    if kind == "addendum":
        errors += _addendum_errors(facts)
    return errors


def check_facts(kind: str, facts: Mapping[str, object]) -> None:
    """Raise InvalidFacts naming every wrong field, or return when the facts are valid."""
    errors = facts_errors(kind, facts)
    if errors:
        raise InvalidFacts(kind, errors)


def link_errors(kind: str, *, visit_id: str | None, service_user_id: str | None,
                corrects: str | None) -> list[FactError]:
    """What is wrong with a record's links for its kind: a required one missing, or one the kind
    never has. (Whether the visit is the worker's, the person that visit's, and so on, needs the
    office's data: `Kind.visit`, `.person`, `.corrects` and `.medicine_fact` say what to check.)"""
    if kind not in KINDS:
        return [FactError("kind", "is not a known record kind")]
    k = KINDS[kind]
    errors = []
    for name, need, value in (("visit_id", k.visit, visit_id),
                              ("service_user_id", k.person, service_user_id),
                              ("corrects", k.corrects, corrects)):
        if need is Need.REQUIRED and not value:
            errors.append(FactError(name, f"is required for a {kind} record"))
        elif need is Need.NEVER and value is not None:
            errors.append(FactError(name, f"is never set on a {kind} record"))
    return errors


def record_errors(kind: str, facts: Mapping[str, object], *, visit_id: str | None,
                  service_user_id: str | None, corrects: str | None) -> list[FactError]:
    """Everything the registry alone can say is wrong with a record (links, then facts)."""
    if kind not in KINDS:
        return [FactError("kind", "is not a known record kind")]
    return link_errors(kind, visit_id=visit_id, service_user_id=service_user_id,
                       corrects=corrects) + facts_errors(kind, facts)


def _type_problem(f: Fact, value: object) -> str | None:
    if f.type is FactType.ID:
        ok = isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS and value.isprintable() \
            and " " not in value
        return None if ok else f"must be an id of at most {MAX_ID_CHARS} characters"
    if f.type is FactType.TIME:
        return None if _is_time(value) else "must be an ISO 8601 time with its offset"
    if f.type is FactType.BOOL:
        return None if isinstance(value, bool) else "must be true or false"
    if f.type is FactType.INT:
        return None if isinstance(value, int) and not isinstance(value, bool) \
            else "must be a whole number"
    if f.type is FactType.NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool) \
            and math.isfinite(value) and 0 <= value <= MAX_NUMBER
        return None if ok else f"must be a number from 0 to {MAX_NUMBER}"
    if f.codes and value not in f.codes:
        return "must be one of " + ", ".join(f.codes)
    return None if isinstance(value, str) else "must be a code"


def _is_time(value: object) -> bool:
    if not isinstance(value, str) or len(value) > MAX_TIME_CHARS:
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.utcoffset() is not None


def _addendum_errors(facts: Mapping[str, object]) -> list[FactError]:
    """An addendum's corrected kind must be correctable, and its outcome one that kind allows."""
    target = facts.get("corrects_kind")
    if not isinstance(target, str):
        return []  # already reported as required / not a code
    if target not in CORRECTABLE_KINDS:
        return [FactError("corrects_kind", "must be one of " + ", ".join(CORRECTABLE_KINDS))]
    outcome = facts.get("outcome")
    if outcome is None:
        return []
    allowed = KINDS[target].correctable.get("outcome")
    if allowed is None:
        return [FactError("outcome", f"a {target} record has no outcome to correct")]
    if outcome not in allowed:
        return [FactError("outcome", "must be one of " + ", ".join(allowed))]
    return []
