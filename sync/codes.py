"""Every code set phone and office agree on, defined once, with plain-English labels for screens.

Codes are stored in records, printed on MAR charts and sent over the wire: never rename one (a new
meaning is a new code). Each set is a StrEnum (through `Code`), so a member compares equal to its
code string; `label` is what a screen shows. tests/sync/test_codes.py fails if a set is written
anywhere else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Code(StrEnum):
    """One code set's member: its code (stored, sent, printed) and the label a screen shows.

    A member is written `NAME = "code", "Label"`, or `NAME = "code"` when the label is the code
    in words ("partly_done" reads "Partly done")."""

    _value_: str
    label: str

    def __new__(cls, code: str, label: str = "") -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label or code.replace("_", " ").capitalize()
        return member


class DoseOutcome(Code):
    """What happened to a dose (DOMAIN.md "Medication"); all but given/taken need a reason."""

    GIVEN = "given", "Given (administered by the care worker)"
    TAKEN = "taken", "Taken (prompted or assisted, seen taken)"
    PARTIAL = "partial", "Partly taken (part of the dose or amount)"
    REFUSED = "refused", "Refused"
    NOT_AVAILABLE = "not_available", "Not available (out of stock)"
    ASLEEP = "asleep", "Asleep"
    NAUSEA_VOMITING = "nausea_vomiting", "Nausea or vomiting"
    HOSPITAL = "hospital", "In hospital"
    AWAY = "away", "Away (social leave)"
    WITHHELD = "withheld", "Withheld on a clinician's instruction"
    NOT_REQUIRED = "not_required", "Not required (as-needed medicine only)"
    OTHER = "other", "Other (see reason)"

    @property
    def needs_reason(self) -> bool:
        return self not in (DoseOutcome.GIVEN, DoseOutcome.TAKEN)

    @property
    def counts_as_dose(self) -> bool:
        """True when some of the medicine went in: what PRN limits and witnesses care about."""
        return self in (DoseOutcome.GIVEN, DoseOutcome.TAKEN, DoseOutcome.PARTIAL)

    @property
    def prn_only(self) -> bool:
        return self is DoseOutcome.NOT_REQUIRED


class TaskOutcome(Code):
    """How a care-plan task ended (DOMAIN.md "Care plan and visit tasks")."""

    DONE = "done"
    PARTLY_DONE = "partly_done"
    REFUSED = "refused"
    NOT_REQUIRED = "not_required"
    NOT_DONE = "not_done"

    @property
    def needs_reason(self) -> bool:
        return self in (TaskOutcome.PARTLY_DONE, TaskOutcome.REFUSED, TaskOutcome.NOT_DONE)

    @property
    def something_offered(self) -> bool:
        return self in (TaskOutcome.DONE, TaskOutcome.PARTLY_DONE, TaskOutcome.REFUSED)


class SupportLevel(Code):
    """How much a worker does for a medicine (DOMAIN.md "Support level per medicine")."""

    PROMPT = "prompt"
    ASSIST = "assist"
    ADMINISTER = "administer"

    @property
    def description(self) -> str:
        """What the worker does, in the words a screen shows beside the level."""
        return _SUPPORT_DESCRIPTIONS[self]


_SUPPORT_DESCRIPTIONS = {
    SupportLevel.PROMPT: "remind; they take it themselves",
    SupportLevel.ASSIST: "help open it; they take it",
    SupportLevel.ADMINISTER: "you give it",
}


class Timing(Code):
    """A check-in, check-out or dose against its booked time."""

    ON_TIME = "on_time"
    EARLY = "early"
    LATE = "late"


class Actor(Code):
    """Who wrote a record or a correction."""

    WORKER = "worker", "Care worker"
    COORDINATOR = "coordinator", "Office"


class EscalationType(Code):
    """What an escalation is about (DOMAIN.md "Escalation")."""

    HEALTH_DETERIORATION = "health_deterioration", "Health getting worse"
    FALL = "fall", "Fall"
    MEDICATION = "medication", "Medication concern or error"
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    NO_ACCESS = "no_access", "No access / no reply at the door"
    ENVIRONMENT_HAZARD = "environment_hazard", "Hazard in the home (gas, fire, flood, no heating)"
    WORKER_SAFETY = "worker_safety", "Worker safety (threat, aggression)"
    EQUIPMENT_FAILURE = "equipment_failure", "Equipment failure"
    OTHER = "other", "Other"


class Severity(Code):
    """How fast the office must act on an escalation."""

    ROUTINE = "routine", "Routine: office to review today"
    URGENT = "urgent", "Urgent: office to act within the hour"
    EMERGENCY = "emergency", "Emergency: call 999 now"


class EscalationState(Code):
    """An escalation's life on the server: raised, acknowledged (who, when), resolved."""

    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class MedicationEvent(Code):
    """Why the eMAR raised a medication escalation by itself."""

    REFUSED_TWICE = "refused_twice", "Refused twice in a row"
    NOT_AVAILABLE = "not_available", "Not available (out of stock)"
    OUTSIDE_WINDOW = "outside_window", "Time-critical dose outside its window"
    MISSED = "missed", "Time-critical dose missed"
    # a per-date dose (warfarin, insulin) with none entered for the day
    NO_DOSE_SET = "no_dose_set", "No dose set for today by the office"


class LoneWorkerEvent(Code):
    """What a worker's phone reports about their own safety."""

    SOS = "sos", "SOS"
    DURESS = "duress", "Duress PIN used"
    OK = "ok", "Worker answered \"I'm OK\""
    EXTEND = "extend", "Visit time extended"


class AlertLevel(Code):
    """A lone-worker alert's level: amber (asked "Are you OK?"), red (escalated up the ladder)."""

    AMBER = "amber"
    RED = "red"


class AlertState(Code):
    """A lone-worker alert on the server: open, acknowledged by a responder, closed."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class AlertOutcome(Code):
    """How a lone-worker alert was closed: every alert gets one (false alarms cost trust)."""

    SAFE = "safe", "Safe (false alarm)"
    LATE = "late", "Safe, visit ran late"
    INCIDENT = "incident", "Incident"


class News2Band(Code):
    """The NEWS2 response band (DOMAIN.md "NEWS2", community mapping)."""

    MONITOR = "monitor", "Keep monitoring"
    SENIOR = "senior", "Tell a senior; consider the GP"
    URGENT = "urgent", "Urgent GP or NHS 111"
    EMERGENCY = "emergency", "Call 999"


class EscalationOutcome(Code):
    """How the office closed an escalation (a lone-worker alert closes with AlertOutcome)."""

    ACTION_TAKEN = "action_taken", "Action taken by the office"
    CLINICIAN_CONTACTED = "clinician_contacted", "GP, nurse or NHS 111 contacted"
    EMERGENCY_SERVICES = "emergency_services", "Emergency services called"
    FAMILY_INFORMED = "family_informed", "Family or next of kin informed"
    SAFEGUARDING_REFERRAL = "safeguarding_referral", "Safeguarding referral made"
    NO_ACTION_NEEDED = "no_action_needed", "No action needed"
    OTHER = "other", "Other (see notes)"


class AlertCause(Code):
    """Why a lone-worker alert was raised."""

    # no check-out by the session's expected end + grace
    OVERDUE = "overdue", "Lone working: no check-out by the end of the visit"
    SOS = "sos", "Lone working: SOS pressed"
    DURESS = "duress", "Lone working: duress PIN used"


class HandoverCategory(Code):
    """What one drafted handover item is about (DOMAIN.md "Handover"); docs/handover.md."""

    VISIT_MISSED = "visit_missed", "Visit missed"
    VISIT_LATE = "visit_late", "Visit late"
    TASK_NOT_DONE = "task_not_done", "Task not done"
    DOSE_REFUSED = "dose_refused", "Medicine refused"
    DOSE_OMITTED = "dose_omitted", "Medicine not given"
    DOSE_FLAGGED = "dose_flagged", "Medicine flagged (timing or stock)"
    ESCALATION_OPEN = "escalation_open", "Escalation still open"
    ALERT_OPEN = "alert_open", "Lone-worker alert still open"
    CONCERN = "concern", "New concern"
    FLAGGED_NOTE = "flagged_note", "Note for handover"

    @property
    def is_concern(self) -> bool:
        """True for what makes a handover one "with concerns" (its `has_concerns` fact): a
        person not seen, a medicine not taken, something still open with the office, a worry."""
        return self in _HANDOVER_CONCERNS


_HANDOVER_CONCERNS = frozenset({
    HandoverCategory.VISIT_MISSED, HandoverCategory.DOSE_REFUSED, HandoverCategory.DOSE_OMITTED,
    HandoverCategory.ESCALATION_OPEN, HandoverCategory.ALERT_OPEN, HandoverCategory.CONCERN,
})


class HandoverAckState(Code):
    """The office's answer to a handover (feed entity `handover_ack`)."""

    ACKNOWLEDGED = "acknowledged", "Acknowledged by the office"
    REPLIED = "replied", "The office replied"


class OfficeCheck(Code):
    """Which office-side check after sync raised a medication escalation (DOMAIN.md "Office-side
    checks after sync"): errors only the office can see, because phones work offline."""

    # a time-critical dose recorded not given/taken
    NOT_GIVEN = "time_critical_not_given", "Time-critical dose not given"
    # its window closed at a visit nobody checked in to
    UNVISITED = ("time_critical_unvisited",
                 "Time-critical dose missed: nobody checked in to the visit")
    # PRN interval or 24 h maximum broken, counting every phone's doses
    PRN_LIMIT = "prn_limit", "As-needed (PRN) limit broken across workers"
    # two outcomes for one dose (a double-up visit)
    DOUBLE_OUTCOME = "double_outcome", "Two outcomes recorded for one dose"
    # a dose recorded outside its window
    OUTSIDE_WINDOW = "outside_window", "Dose recorded outside its window"
    # a per-date dose due on a day with no dose entered
    NO_DOSE_SET = "no_dose_set", "No dose set for the day (per-date dose)"
    # two regular doses of one medicine closer than its minimum gap
    MIN_GAP = "min_gap", "Doses of one medicine too close together"
    # one active ingredient over its interval or 24 h amount
    INGREDIENT_LIMIT = ("ingredient_limit",
                        "Same medicine on two lines: interval or 24 h amount broken")
    # a controlled drug's stock balance below zero or not as counted
    CD_STOCK = "cd_stock", "Controlled drug stock discrepancy"


class Frequency(Code):
    """How often a scheduled medicine is due (DOMAIN.md "Frequency"); docs/medication.md."""

    DAILY = "daily", "Every day"  # every day at its times
    WEEKDAYS = "weekdays", "On set days of the week"  # on the given weekdays, at its times
    # every N days counted from a start date, at its times
    EVERY_N_DAYS = "every_n_days", "Every few days"
    WEEKLY = "weekly", "Once a week"  # once a week on one weekday (methotrexate), at its time
    # every N elapsed hours from a first time (patches: 72 h)
    EVERY_HOURS = "every_hours", "Every few hours (e.g. a 72-hour patch)"


class Weekday(Code):
    """A day of the week in a frequency; `number` is Python's date.weekday() (Monday 0)."""

    MON = "mon", "Monday"
    TUE = "tue", "Tuesday"
    WED = "wed", "Wednesday"
    THU = "thu", "Thursday"
    FRI = "fri", "Friday"
    SAT = "sat", "Saturday"
    SUN = "sun", "Sunday"

    @property
    def number(self) -> int:
        return list(Weekday).index(self)


class DoseKind(Code):
    """How a medicine's dose is set (DOMAIN.md "Dose")."""

    FIXED = "fixed", "Fixed dose"  # the same amount every time
    # "1 or 2 tablets": the worker records the amount given
    RANGE = "range", "Dose range (record the amount given)"
    # set for each date by a clinician (warfarin by INR, insulin units)
    PER_DATE = "per_date", "Dose set for each date by a clinician"


class PatchSite(Code):
    """Where a skin patch is applied; sites rotate (the same site is not used twice running)."""

    LEFT_UPPER_ARM = "left_upper_arm"
    RIGHT_UPPER_ARM = "right_upper_arm"
    LEFT_CHEST = "left_chest"
    RIGHT_CHEST = "right_chest"
    LEFT_UPPER_BACK = "left_upper_back"
    RIGHT_UPPER_BACK = "right_upper_back"
    LEFT_THIGH = "left_thigh"
    RIGHT_THIGH = "right_thigh"


class DoseEffect(Code):
    """The effect of an as-needed (PRN) dose, recorded later and linked to the dose."""

    EFFECTIVE = "effective", "Worked"
    PARTLY_EFFECTIVE = "partly_effective", "Partly worked"
    NOT_EFFECTIVE = "not_effective", "Did not work"
    UNABLE_TO_TELL = "unable_to_tell", "Unable to tell"


# Every code set above, for tests and tools that must see them all.
CODE_SETS: tuple[type[StrEnum], ...] = (
    DoseOutcome, TaskOutcome, SupportLevel, Timing, Actor, EscalationType, Severity,
    EscalationState, MedicationEvent, LoneWorkerEvent, AlertLevel, AlertState, AlertOutcome,
    News2Band, EscalationOutcome, AlertCause, HandoverCategory, HandoverAckState, OfficeCheck,
    Frequency, Weekday, DoseKind, PatchSite, DoseEffect,
)
