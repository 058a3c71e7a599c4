"""`fieldapp.services` is the screens' one surface: its names are pinned by this test."""

from __future__ import annotations

import fieldapp.services

EXPECTED = {
    "CLOSING_SOON", "LOCKED_OUT_MESSAGE", "PIN_RULES", "AddendumService", "AnswerStatus",
    "CheckOutBlocked", "DoseTiming", "NeedsConfirmation", "EffectPrompt",
    "Correction", "Device", "DeviceWithdrawn", "DoseLine", "DoseRefused", "DoseSaved", "DueDose",
    "EnrolmentFailed", "Enrolment", "FieldAppError", "LeaseExpired", "LockStatus", "LockedOut",
    "MedicationRound", "MedicationService", "Medicine", "Outcome", "OutboxEntry", "OutboxView",
    "PrnLine", "RuleViolation", "Services", "SupportLevel", "SyncCounts", "SyncPort",
    "SyncResult", "SyncState", "TaskOutcome", "Timing", "VisitDetail", "VisitService",
    "VisitStatus", "VisitSummary", "WeakPin", "WindowState", "Witness", "WrongPin",
    "check_pin_policy", "locks_on_lifecycle", "wait_words",
    # escalations
    "SOFT_SIGNS", "SOFT_SIGNS_QUESTION", "STAGE_WORDS", "Concern", "EscalationContext",
    "EscalationService", "EscalationStatus", "News2Score", "Sbard", "severity_advised",
    # handover
    "HANDOVER_SECTIONS", "HANDOVER_STAGE_WORDS", "HandoverDraft", "HandoverItem",
    "HandoverPayload", "HandoverPoint", "HandoverService",
    "HandoverStatus", "HandoverSubmitted",
    # lone working
    "EXTEND_CHOICES", "HOLD_HINT", "HOLD_SECONDS", "EndReminder", "Hold", "LoneWorkingService",
    "SosStatus", "WelfareQuestion",
}


def test_exported_members_are_exactly_the_pinned_set() -> None:
    assert set(fieldapp.services.__all__) == EXPECTED
    assert len(fieldapp.services.__all__) == len(EXPECTED)  # no name listed twice


def test_every_exported_member_exists_and_is_public() -> None:
    for name in fieldapp.services.__all__:
        assert hasattr(fieldapp.services, name), name
        assert not name.startswith("_"), name


def test_no_public_name_is_left_out_of_all() -> None:
    public = {n for n in vars(fieldapp.services) if not n.startswith("_")}
    # Submodules appear as attributes once imported; they are rooms, not exports.
    modules = {n for n in public if type(getattr(fieldapp.services, n)).__name__ == "module"}
    assert public - modules == set(fieldapp.services.__all__)
