"""The phone's use cases: the one surface the screens import (pinned by
tests/fieldapp/test_exported_members.py). Screens get a `Services` object from main.py and
import names from here — never from the store, the vault or the sync client.
"""

from fieldapp.domain.answer_status import AnswerStatus
from fieldapp.domain.lone_working import EXTEND_CHOICES, HOLD_HINT, HOLD_SECONDS, Hold
from fieldapp.domain.mar import (
    CLOSING_SOON,
    DoseTiming,
    DueDose,
    Medicine,
    Outcome,
    SupportLevel,
    WindowState,
)
from fieldapp.domain.sbard import News2Score, Sbard, severity_advised
from fieldapp.domain.soft_signs import QUESTION as SOFT_SIGNS_QUESTION
from fieldapp.domain.soft_signs import SOFT_SIGNS
from fieldapp.domain.visit_rules import TaskOutcome, Timing, VisitStatus
from fieldapp.errors import (
    CheckOutBlocked,
    DeviceWithdrawn,
    DoseRefused,
    EnrolmentFailed,
    FieldAppError,
    LeaseExpired,
    LockedOut,
    NeedsConfirmation,
    RuleViolation,
    WeakPin,
    WrongPin,
)
from fieldapp.services.addenda import AddendumService, Correction
from fieldapp.services.device import LOCKED_OUT_MESSAGE, Device, Enrolment
from fieldapp.services.escalations import (
    STAGE_WORDS,
    Concern,
    EscalationContext,
    EscalationService,
    EscalationStatus,
)
from fieldapp.services.handover import (
    HANDOVER_SECTIONS,
    HANDOVER_STAGE_WORDS,
    HandoverDraft,
    HandoverItem,
    HandoverPayload,
    HandoverPoint,
    HandoverService,
    HandoverStatus,
    HandoverSubmitted,
)
from fieldapp.services.hub import LockStatus, Services, SyncPort
from fieldapp.services.lone_working import (
    EndReminder,
    LoneWorkingService,
    SosStatus,
    WelfareQuestion,
)
from fieldapp.services.medication import (
    DoseLine,
    DoseSaved,
    EffectPrompt,
    MedicationRound,
    MedicationService,
    PrnLine,
)
from fieldapp.services.outbox import OutboxEntry, OutboxView
from fieldapp.services.visits import VisitDetail, VisitService, VisitSummary
from fieldapp.services.witnesses import Witness
from fieldapp.store.replica import SyncCounts
from fieldapp.store.sync_state import SyncResult, SyncState
from fieldapp.vault.dek import PIN_RULES, check_pin_policy
from fieldapp.vault.lock import locks_on_lifecycle, wait_words

__all__ = [
    "Hold",
    "HOLD_SECONDS",
    "HOLD_HINT",
    "EXTEND_CHOICES",
    "WelfareQuestion",
    "SosStatus",
    "LoneWorkingService",
    "EndReminder",
    "SOFT_SIGNS",
    "SOFT_SIGNS_QUESTION",
    "STAGE_WORDS",
    "Concern",
    "EscalationContext",
    "EscalationService",
    "EscalationStatus",
    "HANDOVER_SECTIONS",
    "HANDOVER_STAGE_WORDS",
    "HandoverDraft",
    "HandoverItem",
    "HandoverPayload",
    "HandoverPoint",
    "HandoverService",
    "HandoverStatus",
    "HandoverSubmitted",
    "News2Score",
    "Sbard",
    "CLOSING_SOON",
    "LOCKED_OUT_MESSAGE",
    "PIN_RULES",
    "AddendumService",
    "AnswerStatus",
    "CheckOutBlocked",
    "Correction",
    "Device",
    "DeviceWithdrawn",
    "DoseLine",
    "DoseRefused",
    "DoseSaved",
    "DoseTiming",
    "DueDose",
    "EffectPrompt",
    "EnrolmentFailed",
    "Enrolment",
    "FieldAppError",
    "LeaseExpired",
    "LockStatus",
    "LockedOut",
    "MedicationRound",
    "MedicationService",
    "NeedsConfirmation",
    "Medicine",
    "Outcome",
    "OutboxEntry",
    "OutboxView",
    "PrnLine",
    "RuleViolation",
    "Services",
    "SupportLevel",
    "SyncCounts",
    "SyncPort",
    "SyncResult",
    "SyncState",
    "TaskOutcome",
    "Timing",
    "VisitDetail",
    "VisitService",
    "VisitStatus",
    "VisitSummary",
    "WeakPin",
    "WindowState",
    "Witness",
    "WrongPin",
    "check_pin_policy",
    "locks_on_lifecycle",
    "severity_advised",
    "wait_words",
]
