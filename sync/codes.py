"""Every code set phone and office agree on, defined once, with plain-English labels for screens.

Codes are stored in records, printed on MAR charts and sent over the wire: never rename one (a new
meaning is a new code). Each set is a StrEnum, so a member compares equal to its code string;
`label` is what a screen shows. tests/sync/test_codes.py fails if a set is written anywhere else.
"""

from __future__ import annotations

from enum import StrEnum


class DoseOutcome(StrEnum):
    """What happened to a dose (DOMAIN.md "Medication"); all but given/taken need a reason."""

    GIVEN = "given"
    TAKEN = "taken"
    PARTIAL = "partial"
    REFUSED = "refused"
    NOT_AVAILABLE = "not_available"
    ASLEEP = "asleep"
    NAUSEA_VOMITING = "nausea_vomiting"
    HOSPITAL = "hospital"
    AWAY = "away"
    WITHHELD = "withheld"
    NOT_REQUIRED = "not_required"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _DOSE_LABELS[self]

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


_DOSE_LABELS = {
    DoseOutcome.GIVEN: "Given (administered by the care worker)",
    DoseOutcome.TAKEN: "Taken (prompted or assisted, seen taken)",
    DoseOutcome.PARTIAL: "Partly taken (part of the dose or amount)",
    DoseOutcome.REFUSED: "Refused",
    DoseOutcome.NOT_AVAILABLE: "Not available (out of stock)",
    DoseOutcome.ASLEEP: "Asleep",
    DoseOutcome.NAUSEA_VOMITING: "Nausea or vomiting",
    DoseOutcome.HOSPITAL: "In hospital",
    DoseOutcome.AWAY: "Away (social leave)",
    DoseOutcome.WITHHELD: "Withheld on a clinician's instruction",
    DoseOutcome.NOT_REQUIRED: "Not required (as-needed medicine only)",
    DoseOutcome.OTHER: "Other (see reason)",
}


class TaskOutcome(StrEnum):
    """How a care-plan task ended (DOMAIN.md "Care plan and visit tasks")."""

    DONE = "done"
    PARTLY_DONE = "partly_done"
    REFUSED = "refused"
    NOT_REQUIRED = "not_required"
    NOT_DONE = "not_done"

    @property
    def label(self) -> str:
        return _TASK_LABELS[self]

    @property
    def needs_reason(self) -> bool:
        return self in (TaskOutcome.PARTLY_DONE, TaskOutcome.REFUSED, TaskOutcome.NOT_DONE)

    @property
    def something_offered(self) -> bool:
        return self in (TaskOutcome.DONE, TaskOutcome.PARTLY_DONE, TaskOutcome.REFUSED)


_TASK_LABELS = {
    TaskOutcome.DONE: "Done",
    TaskOutcome.PARTLY_DONE: "Partly done",
    TaskOutcome.REFUSED: "Refused",
    TaskOutcome.NOT_REQUIRED: "Not required",
    TaskOutcome.NOT_DONE: "Not done",
}


class SupportLevel(StrEnum):
    """How much a worker does for a medicine (DOMAIN.md "Support level per medicine")."""

    PROMPT = "prompt"
    ASSIST = "assist"
    ADMINISTER = "administer"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def description(self) -> str:
        """What the worker does, in the words a screen shows beside the level."""
        return _SUPPORT_DESCRIPTIONS[self]


_SUPPORT_DESCRIPTIONS = {
    SupportLevel.PROMPT: "remind; they take it themselves",
    SupportLevel.ASSIST: "help open it; they take it",
    SupportLevel.ADMINISTER: "you give it",
}


class Timing(StrEnum):
    """A check-in, check-out or dose against its booked time."""

    ON_TIME = "on_time"
    EARLY = "early"
    LATE = "late"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Actor(StrEnum):
    """Who wrote a record or a correction."""

    WORKER = "worker"
    COORDINATOR = "coordinator"

    @property
    def label(self) -> str:
        return {Actor.WORKER: "Care worker", Actor.COORDINATOR: "Office"}[self]


class EscalationType(StrEnum):
    """What an escalation is about (DOMAIN.md "Escalation")."""

    HEALTH_DETERIORATION = "health_deterioration"
    FALL = "fall"
    MEDICATION = "medication"
    SAFEGUARDING = "safeguarding"
    NO_ACCESS = "no_access"
    ENVIRONMENT_HAZARD = "environment_hazard"
    WORKER_SAFETY = "worker_safety"
    EQUIPMENT_FAILURE = "equipment_failure"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    EscalationType.HEALTH_DETERIORATION: "Health getting worse",
    EscalationType.FALL: "Fall",
    EscalationType.MEDICATION: "Medication concern or error",
    EscalationType.SAFEGUARDING: "Safeguarding concern",
    EscalationType.NO_ACCESS: "No access / no reply at the door",
    EscalationType.ENVIRONMENT_HAZARD: "Hazard in the home (gas, fire, flood, no heating)",
    EscalationType.WORKER_SAFETY: "Worker safety (threat, aggression)",
    EscalationType.EQUIPMENT_FAILURE: "Equipment failure",
    EscalationType.OTHER: "Other",
}


class Severity(StrEnum):
    """How fast the office must act on an escalation."""

    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def label(self) -> str:
        return _SEVERITY_LABELS[self]


_SEVERITY_LABELS = {
    Severity.ROUTINE: "Routine: office to review today",
    Severity.URGENT: "Urgent: office to act within the hour",
    Severity.EMERGENCY: "Emergency: call 999 now",
}


class EscalationState(StrEnum):
    """An escalation's life on the server: raised, acknowledged (who, when), resolved."""

    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MedicationEvent(StrEnum):
    """Why the eMAR raised a medication escalation by itself."""

    REFUSED_TWICE = "refused_twice"
    NOT_AVAILABLE = "not_available"
    OUTSIDE_WINDOW = "outside_window"
    MISSED = "missed"
    NO_DOSE_SET = "no_dose_set"  # a per-date dose (warfarin, insulin) with none entered for the day

    @property
    def label(self) -> str:
        return _EVENT_LABELS[self]


_EVENT_LABELS = {
    MedicationEvent.REFUSED_TWICE: "Refused twice in a row",
    MedicationEvent.NOT_AVAILABLE: "Not available (out of stock)",
    MedicationEvent.OUTSIDE_WINDOW: "Time-critical dose outside its window",
    MedicationEvent.MISSED: "Time-critical dose missed",
    MedicationEvent.NO_DOSE_SET: "No dose set for today by the office",
}


class LoneWorkerEvent(StrEnum):
    """What a worker's phone reports about their own safety."""

    SOS = "sos"
    DURESS = "duress"
    OK = "ok"
    EXTEND = "extend"

    @property
    def label(self) -> str:
        return _LONE_LABELS[self]


_LONE_LABELS = {
    LoneWorkerEvent.SOS: "SOS",
    LoneWorkerEvent.DURESS: "Duress PIN used",
    LoneWorkerEvent.OK: "Worker answered \"I'm OK\"",
    LoneWorkerEvent.EXTEND: "Visit time extended",
}


class AlertLevel(StrEnum):
    """A lone-worker alert's level: amber (asked "Are you OK?"), red (escalated up the ladder)."""

    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AlertState(StrEnum):
    """A lone-worker alert on the server: open, acknowledged by a responder, closed."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AlertOutcome(StrEnum):
    """How a lone-worker alert was closed: every alert gets one (false alarms cost trust)."""

    SAFE = "safe"
    LATE = "late"
    INCIDENT = "incident"

    @property
    def label(self) -> str:
        return _ALERT_OUTCOME_LABELS[self]


_ALERT_OUTCOME_LABELS = {
    AlertOutcome.SAFE: "Safe (false alarm)",
    AlertOutcome.LATE: "Safe, visit ran late",
    AlertOutcome.INCIDENT: "Incident",
}


class News2Band(StrEnum):
    """The NEWS2 response band (DOMAIN.md "NEWS2", community mapping)."""

    MONITOR = "monitor"
    SENIOR = "senior"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def label(self) -> str:
        return _BAND_LABELS[self]


_BAND_LABELS = {
    News2Band.MONITOR: "Keep monitoring",
    News2Band.SENIOR: "Tell a senior; consider the GP",
    News2Band.URGENT: "Urgent GP or NHS 111",
    News2Band.EMERGENCY: "Call 999",
}


class EscalationOutcome(StrEnum):
    """How the office closed an escalation (a lone-worker alert closes with AlertOutcome)."""

    ACTION_TAKEN = "action_taken"
    CLINICIAN_CONTACTED = "clinician_contacted"
    EMERGENCY_SERVICES = "emergency_services"
    FAMILY_INFORMED = "family_informed"
    SAFEGUARDING_REFERRAL = "safeguarding_referral"
    NO_ACTION_NEEDED = "no_action_needed"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _ESCALATION_OUTCOME_LABELS[self]


_ESCALATION_OUTCOME_LABELS = {
    EscalationOutcome.ACTION_TAKEN: "Action taken by the office",
    EscalationOutcome.CLINICIAN_CONTACTED: "GP, nurse or NHS 111 contacted",
    EscalationOutcome.EMERGENCY_SERVICES: "Emergency services called",
    EscalationOutcome.FAMILY_INFORMED: "Family or next of kin informed",
    EscalationOutcome.SAFEGUARDING_REFERRAL: "Safeguarding referral made",
    EscalationOutcome.NO_ACTION_NEEDED: "No action needed",
    EscalationOutcome.OTHER: "Other (see notes)",
}


class AlertCause(StrEnum):
    """Why a lone-worker alert was raised."""

    OVERDUE = "overdue"  # no check-out by the session's expected end + grace
    SOS = "sos"
    DURESS = "duress"

    @property
    def label(self) -> str:
        return _ALERT_CAUSE_LABELS[self]


_ALERT_CAUSE_LABELS = {
    AlertCause.OVERDUE: "Lone working: no check-out by the end of the visit",
    AlertCause.SOS: "Lone working: SOS pressed",
    AlertCause.DURESS: "Lone working: duress PIN used",
}


class HandoverCategory(StrEnum):
    """What one drafted handover item is about (DOMAIN.md "Handover"); docs/handover.md."""

    VISIT_MISSED = "visit_missed"
    VISIT_LATE = "visit_late"
    TASK_NOT_DONE = "task_not_done"
    DOSE_REFUSED = "dose_refused"
    DOSE_OMITTED = "dose_omitted"
    DOSE_FLAGGED = "dose_flagged"
    ESCALATION_OPEN = "escalation_open"
    ALERT_OPEN = "alert_open"
    CONCERN = "concern"
    FLAGGED_NOTE = "flagged_note"

    @property
    def label(self) -> str:
        return _HANDOVER_LABELS[self]

    @property
    def is_concern(self) -> bool:
        """True for what makes a handover one "with concerns" (its `has_concerns` fact): a
        person not seen, a medicine not taken, something still open with the office, a worry."""
        return self in _HANDOVER_CONCERNS


_HANDOVER_LABELS = {
    HandoverCategory.VISIT_MISSED: "Visit missed",
    HandoverCategory.VISIT_LATE: "Visit late",
    HandoverCategory.TASK_NOT_DONE: "Task not done",
    HandoverCategory.DOSE_REFUSED: "Medicine refused",
    HandoverCategory.DOSE_OMITTED: "Medicine not given",
    HandoverCategory.DOSE_FLAGGED: "Medicine flagged (timing or stock)",
    HandoverCategory.ESCALATION_OPEN: "Escalation still open",
    HandoverCategory.ALERT_OPEN: "Lone-worker alert still open",
    HandoverCategory.CONCERN: "New concern",
    HandoverCategory.FLAGGED_NOTE: "Note for handover",
}

_HANDOVER_CONCERNS = frozenset({
    HandoverCategory.VISIT_MISSED, HandoverCategory.DOSE_REFUSED, HandoverCategory.DOSE_OMITTED,
    HandoverCategory.ESCALATION_OPEN, HandoverCategory.ALERT_OPEN, HandoverCategory.CONCERN,
})


class HandoverAckState(StrEnum):
    """The office's answer to a handover (feed entity `handover_ack`)."""

    ACKNOWLEDGED = "acknowledged"
    REPLIED = "replied"

    @property
    def label(self) -> str:
        return {HandoverAckState.ACKNOWLEDGED: "Acknowledged by the office",
                HandoverAckState.REPLIED: "The office replied"}[self]


class OfficeCheck(StrEnum):
    """Which office-side check after sync raised a medication escalation (DOMAIN.md "Office-side
    checks after sync"): errors only the office can see, because phones work offline."""

    NOT_GIVEN = "time_critical_not_given"  # a time-critical dose recorded not given/taken
    UNVISITED = "time_critical_unvisited"  # its window closed at a visit nobody checked in to
    PRN_LIMIT = "prn_limit"  # PRN interval or 24 h maximum broken, counting every phone's doses
    DOUBLE_OUTCOME = "double_outcome"  # two outcomes for one dose (a double-up visit)
    OUTSIDE_WINDOW = "outside_window"  # a dose recorded outside its window
    NO_DOSE_SET = "no_dose_set"  # a per-date dose due on a day with no dose entered
    MIN_GAP = "min_gap"  # two regular doses of one medicine closer than its minimum gap
    INGREDIENT_LIMIT = "ingredient_limit"  # one active ingredient over its interval or 24 h amount
    CD_STOCK = "cd_stock"  # a controlled drug's stock balance below zero or not as counted

    @property
    def label(self) -> str:
        return _OFFICE_CHECK_LABELS[self]


_OFFICE_CHECK_LABELS = {
    OfficeCheck.NOT_GIVEN: "Time-critical dose not given",
    OfficeCheck.UNVISITED: "Time-critical dose missed: nobody checked in to the visit",
    OfficeCheck.PRN_LIMIT: "As-needed (PRN) limit broken across workers",
    OfficeCheck.DOUBLE_OUTCOME: "Two outcomes recorded for one dose",
    OfficeCheck.OUTSIDE_WINDOW: "Dose recorded outside its window",
    OfficeCheck.NO_DOSE_SET: "No dose set for the day (per-date dose)",
    OfficeCheck.MIN_GAP: "Doses of one medicine too close together",
    OfficeCheck.INGREDIENT_LIMIT: "Same medicine on two lines: interval or 24 h amount broken",
    OfficeCheck.CD_STOCK: "Controlled drug stock discrepancy",
}


class Frequency(StrEnum):
    """How often a scheduled medicine is due (DOMAIN.md "Frequency"); docs/medication.md."""

    DAILY = "daily"  # every day at its times
    WEEKDAYS = "weekdays"  # on the given weekdays, at its times
    EVERY_N_DAYS = "every_n_days"  # every N days counted from a start date, at its times
    WEEKLY = "weekly"  # once a week on one weekday (methotrexate), at its time
    EVERY_HOURS = "every_hours"  # every N elapsed hours from a first time (patches: 72 h)

    @property
    def label(self) -> str:
        return _FREQUENCY_LABELS[self]


_FREQUENCY_LABELS = {
    Frequency.DAILY: "Every day",
    Frequency.WEEKDAYS: "On set days of the week",
    Frequency.EVERY_N_DAYS: "Every few days",
    Frequency.WEEKLY: "Once a week",
    Frequency.EVERY_HOURS: "Every few hours (e.g. a 72-hour patch)",
}


class Weekday(StrEnum):
    """A day of the week in a frequency; `number` is Python's date.weekday() (Monday 0)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def label(self) -> str:
        return _WEEKDAY_LABELS[self]

    @property
    def number(self) -> int:
        return list(Weekday).index(self)


_WEEKDAY_LABELS = {
    Weekday.MON: "Monday", Weekday.TUE: "Tuesday", Weekday.WED: "Wednesday",
    Weekday.THU: "Thursday", Weekday.FRI: "Friday", Weekday.SAT: "Saturday",
    Weekday.SUN: "Sunday",
}


class DoseKind(StrEnum):
    """How a medicine's dose is set (DOMAIN.md "Dose")."""

    FIXED = "fixed"  # the same amount every time
    RANGE = "range"  # "1 or 2 tablets": the worker records the amount given
    PER_DATE = "per_date"  # set for each date by a clinician (warfarin by INR, insulin units)

    @property
    def label(self) -> str:
        return _DOSE_KIND_LABELS[self]


_DOSE_KIND_LABELS = {
    DoseKind.FIXED: "Fixed dose",
    DoseKind.RANGE: "Dose range (record the amount given)",
    DoseKind.PER_DATE: "Dose set for each date by a clinician",
}


class PatchSite(StrEnum):
    """Where a skin patch is applied; sites rotate (the same site is not used twice running)."""

    LEFT_UPPER_ARM = "left_upper_arm"
    RIGHT_UPPER_ARM = "right_upper_arm"
    LEFT_CHEST = "left_chest"
    RIGHT_CHEST = "right_chest"
    LEFT_UPPER_BACK = "left_upper_back"
    RIGHT_UPPER_BACK = "right_upper_back"
    LEFT_THIGH = "left_thigh"
    RIGHT_THIGH = "right_thigh"

    @property
    def label(self) -> str:
        side, _, place = self.value.partition("_")
        return f"{side.capitalize()} {place.replace('_', ' ')}"


class DoseEffect(StrEnum):
    """The effect of an as-needed (PRN) dose, recorded later and linked to the dose."""

    EFFECTIVE = "effective"
    PARTLY_EFFECTIVE = "partly_effective"
    NOT_EFFECTIVE = "not_effective"
    UNABLE_TO_TELL = "unable_to_tell"

    @property
    def label(self) -> str:
        return _EFFECT_LABELS[self]


_EFFECT_LABELS = {
    DoseEffect.EFFECTIVE: "Worked",
    DoseEffect.PARTLY_EFFECTIVE: "Partly worked",
    DoseEffect.NOT_EFFECTIVE: "Did not work",
    DoseEffect.UNABLE_TO_TELL: "Unable to tell",
}

# Every code set above, for tests and tools that must see them all.
CODE_SETS: tuple[type[StrEnum], ...] = (
    DoseOutcome, TaskOutcome, SupportLevel, Timing, Actor, EscalationType, Severity,
    EscalationState, MedicationEvent, LoneWorkerEvent, AlertLevel, AlertState, AlertOutcome,
    News2Band, EscalationOutcome, AlertCause, HandoverCategory, HandoverAckState, OfficeCheck,
    Frequency, Weekday, DoseKind, PatchSite, DoseEffect,
)
