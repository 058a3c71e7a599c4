"""eMAR rules: outcome codes, doses due at a visit, time-critical windows, checks, escalations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldapp.domain.mar import (
    FLAG_EARLY,
    FLAG_LATE,
    FLAG_TOO_EARLY,
    FLAG_TOO_LATE,
    DoseRecord,
    DoseTiming,
    DueDose,
    Medicine,
    Outcome,
    WindowState,
    dose_needs_confirmation,
    doses_due,
    parse_outcome,
    unanswered_doses,
    validate_dose,
    window_state,
)
from fieldapp.domain.med_escalations import medication_escalations, missed_time_critical
from fieldapp.domain.visit_rules import Visit
from fieldapp.errors import RuleViolation
from tests.fieldapp.meds import at, medicine

LONDON = ZoneInfo("Europe/London")
SECOND = timedelta(seconds=1)


def visit(start: str, end: str, service_user_id: str = "su-1") -> Visit:
    return Visit("v-1", "w-1", service_user_id, "morning", at(start), at(end))


def record(outcome: Outcome, scheduled: str | None, actual: str, medicine_id: str = "med-1",
           worker_id: str = "w-1") -> DoseRecord:
    return DoseRecord(medicine_id, at(scheduled) if scheduled else None, outcome, at(actual),
                      worker_id, "" if outcome in (Outcome.GIVEN, Outcome.TAKEN) else "reason")


def check(due: DueDose | Medicine, outcome: Outcome | str, actual: str, *,
          reason: str = "", witness: str | None = None, now: str | None = None,
          history: list[DoseRecord] | None = None, worker_name: str = "") -> Any:
    return validate_dose(due, outcome, reason, at(actual), witness, at(now or actual),
                         history or [], worker_id="w-1", worker_name=worker_name)


# --- outcome codes ---------------------------------------------------------------------------

def test_outcome_codes_are_stable() -> None:
    assert [o.value for o in Outcome] == [
        "given", "taken", "partial", "refused", "not_available", "asleep", "nausea_vomiting",
        "hospital", "away", "withheld", "not_required", "other",
    ]


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_has_a_label_and_only_given_and_taken_skip_the_reason(
    outcome: Outcome,
) -> None:
    assert outcome.label and outcome.label[0].isupper()
    assert outcome.needs_reason == (outcome not in (Outcome.GIVEN, Outcome.TAKEN))


def test_an_unknown_outcome_code_is_a_rule_violation() -> None:
    with pytest.raises(RuleViolation, match="not a medication outcome"):
        parse_outcome("swallowed")
    assert issubclass(RuleViolation, ValueError)


# --- shapes ------------------------------------------------------------------------------------

def test_medicine_from_dict_fills_defaults() -> None:
    med = medicine(times=["13:00", "08:00"], time_critical=True)
    assert med.window_minutes == 30
    assert [t.isoformat(timespec="minutes") for t in med.times] == ["08:00", "13:00"]
    assert not med.is_prn
    assert med.display_name == "Co-careldopa 25mg/100mg"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"times": ["8am"]}, "HH:MM"),
        ({"times": ["24:00"]}, "HH:MM"),
        ({"support_level": "nag"}, "support level"),
        ({"stop_date": "2025-12-31"}, "stop date is before"),
        ({"prn": {"reason_hint": "", "min_interval_hours": 4, "max_doses_24h": 4}},
         "cannot also have set times"),
        ({"window_minutes": -5}, "window"),
        ({"start_date": "1st Jan"}, "YYYY-MM-DD"),
    ],
)
def test_bad_medicine_data_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        medicine(**overrides)


def test_medicine_missing_a_field_is_refused() -> None:
    with pytest.raises(RuleViolation, match="missing 'support_level'"):
        Medicine.from_dict({"id": "m", "service_user_id": "s", "name": "n", "times": []})


def test_dose_record_from_dict_parses_times_to_utc() -> None:
    rec = DoseRecord.from_dict({
        "medicine_id": "med-1", "scheduled_at": "2026-03-29T07:00:00+00:00", "outcome": "taken",
        "actual_at": "2026-03-29T08:05:00+01:00", "worker_id": "w-2", "reason": None,
        "witness": None,
    })
    assert rec.scheduled_at == at("2026-03-29 07:00")
    assert rec.actual_at == at("2026-03-29 07:05") and rec.actual_at.tzinfo is UTC
    assert rec.outcome is Outcome.TAKEN and rec.reason == ""


def test_dose_record_without_an_offset_is_refused() -> None:
    with pytest.raises(RuleViolation, match="offset"):
        DoseRecord.from_dict({"medicine_id": "m", "scheduled_at": None, "outcome": "taken",
                              "actual_at": "2026-03-29T08:05:00", "worker_id": "w"})


# --- doses due ---------------------------------------------------------------------------------

def scheduled(meds: list[Medicine], start: str, end: str, **kw: Any) -> list[datetime]:
    return [d.scheduled_at for d in doses_due(meds, visit(start, end, **kw), LONDON)]


def test_dose_on_the_bst_change_day_is_an_hour_earlier_in_utc() -> None:
    # Clocks go forward at 01:00 UTC on 2026-03-29: 08:00 London is 07:00 UTC that day.
    assert scheduled([medicine()], "2026-03-29 06:45", "2026-03-29 07:15") == [
        at("2026-03-29 07:00")]
    assert scheduled([medicine()], "2026-03-28 07:45", "2026-03-28 08:15") == [
        at("2026-03-28 08:00")]


def test_due_margin_is_an_hour_either_side_of_the_visit_inclusive() -> None:
    # Winter: London is UTC. Visit 09:00–09:30.
    meds = [medicine(id="a", times=["08:00"]), medicine(id="b", times=["07:59"]),
            medicine(id="c", times=["10:30"]), medicine(id="d", times=["10:31"])]
    due = doses_due(meds, visit("2026-01-15 09:00", "2026-01-15 09:30"), LONDON)
    assert [d.medicine.id for d in due] == ["a", "c"]


def test_time_critical_window_wider_than_the_margin_widens_it() -> None:
    med = medicine(times=["07:45"], time_critical=True, window_minutes=90)
    assert scheduled([med], "2026-01-15 09:00", "2026-01-15 09:30") == [at("2026-01-15 07:45")]


def test_dose_after_midnight_belongs_to_a_late_evening_visit() -> None:
    med = medicine(times=["00:15", "22:00"])
    assert scheduled([med], "2026-01-10 23:30", "2026-01-10 23:50") == [at("2026-01-11 00:15")]


def test_stop_date_is_the_last_day_given() -> None:
    med = medicine(times=["00:15", "23:00"], stop_date="2026-01-10")
    assert scheduled([med], "2026-01-10 23:00", "2026-01-10 23:50") == [at("2026-01-10 23:00")]


def test_not_started_prn_and_other_peoples_medicines_are_skipped() -> None:
    meds = [
        medicine(id="later", start_date="2026-02-01"),
        medicine(id="prn", times=[], prn={"reason_hint": "", "min_interval_hours": 4,
                                          "max_doses_24h": 4}),
        medicine(id="other", service_user_id="su-2"),
    ]
    assert scheduled(meds, "2026-01-15 07:45", "2026-01-15 08:15") == []


def test_ambiguous_autumn_time_gives_one_dose_at_the_first_occurrence() -> None:
    med = medicine(times=["01:30"])
    assert scheduled([med], "2026-10-25 00:00", "2026-10-25 02:00") == [at("2026-10-25 00:30")]


def test_missing_spring_time_falls_an_hour_later_on_the_clock() -> None:
    med = medicine(times=["01:30"])
    assert scheduled([med], "2026-03-29 01:00", "2026-03-29 01:45") == [at("2026-03-29 01:30")]


def test_doses_due_are_sorted_by_time_then_name() -> None:
    meds = [medicine(id="z", name="Zopiclone", times=["08:00"]),
            medicine(id="a", name="Aspirin", times=["08:30", "08:00"])]
    due = doses_due(meds, visit("2026-01-15 08:00", "2026-01-15 08:30"), LONDON)
    assert [(d.medicine.name, d.scheduled_at.minute) for d in due] == [
        ("Aspirin", 0), ("Zopiclone", 0), ("Aspirin", 30)]


# --- time-critical window ------------------------------------------------------------------------

def critical(**overrides: Any) -> DueDose:
    return DueDose(medicine(time_critical=True, **overrides), at("2026-01-15 08:00"))


@pytest.mark.parametrize(
    ("when", "state"),
    [
        ("07:29:59", WindowState.UPCOMING),
        ("07:30:00", WindowState.OPEN),
        ("08:19:59", WindowState.OPEN),
        ("08:20:00", WindowState.CLOSING_SOON),
        ("08:30:00", WindowState.CLOSING_SOON),
        ("08:30:01", WindowState.MISSED),
    ],
)
def test_window_state_edges(when: str, state: WindowState) -> None:
    assert window_state(critical(), at(f"2026-01-15 {when}")) is state


def test_window_follows_the_medicines_own_width() -> None:
    due = critical(window_minutes=15)
    assert due.window_opens == at("2026-01-15 07:45")
    assert window_state(due, at("2026-01-15 08:15:01")) is WindowState.MISSED


def test_a_dose_that_is_not_time_critical_has_no_window() -> None:
    due = DueDose(medicine(), at("2026-01-15 08:00"))
    assert due.window_opens is None and due.window_closes is None
    assert window_state(due, at("2026-01-15 20:00")) is WindowState.OPEN


@pytest.mark.parametrize(
    ("when", "flags"),
    [
        ("07:29:59", [FLAG_TOO_EARLY]),
        ("07:30:00", []),
        ("08:30:00", []),
        ("08:30:01", [FLAG_TOO_LATE]),
    ],
)
def test_recording_outside_the_window_is_allowed_and_flagged(when: str, flags: list[str]) -> None:
    result = check(critical(), Outcome.TAKEN, f"2026-01-15 {when}", now="2026-01-15 09:00")
    assert result.flags == flags


@pytest.mark.parametrize(
    ("when", "flags", "timing"),
    [
        ("06:59:59", [FLAG_EARLY], DoseTiming.EARLY),
        ("07:00:00", [], DoseTiming.IN_WINDOW),
        ("09:00:00", [], DoseTiming.IN_WINDOW),
        ("09:00:01", [FLAG_LATE], DoseTiming.LATE),
        ("11:00:00", [FLAG_LATE], DoseTiming.LATE),
    ],
)
def test_a_regular_dose_is_recordable_an_hour_either_side_and_flagged_outside(
        when: str, flags: list[str], timing: DoseTiming) -> None:
    due = DueDose(medicine(), at("2026-01-15 08:00"))
    assert check(due, Outcome.TAKEN, f"2026-01-15 {when}", now="2026-01-15 12:00").flags == flags
    assert due.timing(at(f"2026-01-15 {when}")) is timing
    expected = None if timing is DoseTiming.IN_WINDOW else timing
    assert dose_needs_confirmation(due, at(f"2026-01-15 {when}")) is expected


def test_a_time_critical_dose_confirms_outside_its_own_window_not_the_hour() -> None:
    due = critical()  # 08:00 ± 30 min
    assert (due.record_opens, due.record_closes) == (at("2026-01-15 07:30"),
                                                     at("2026-01-15 08:30"))
    assert dose_needs_confirmation(due, at("2026-01-15 08:31")) is DoseTiming.LATE
    assert dose_needs_confirmation(due, at("2026-01-15 02:25")) is DoseTiming.EARLY


# --- validate_dose -------------------------------------------------------------------------------

def due_dose(**overrides: Any) -> DueDose:
    return DueDose(medicine(**overrides), at("2026-01-15 08:00"))


def test_a_taken_dose_builds_the_record_to_save() -> None:
    result = check(due_dose(), "taken", "2026-01-15 08:05", now="2026-01-15 08:06")
    assert result.flags == [] and result.prn is None
    assert result.record == DoseRecord("med-1", at("2026-01-15 08:00"), Outcome.TAKEN,
                                       at("2026-01-15 08:05"), "w-1", "", None)


@pytest.mark.parametrize("outcome", [o for o in Outcome if o.needs_reason and not o.prn_only])
def test_every_outcome_but_given_and_taken_needs_a_reason(outcome: Outcome) -> None:
    due = due_dose(support_level="administer")
    with pytest.raises(RuleViolation, match="Say why"):
        check(due, outcome, "2026-01-15 08:00")
    with pytest.raises(RuleViolation, match="Say why"):
        check(due, outcome, "2026-01-15 08:00", reason="   ")
    assert check(due, outcome, "2026-01-15 08:00", reason="see notes").record.reason == "see notes"


def test_not_required_is_only_for_prn() -> None:
    with pytest.raises(RuleViolation, match="only for as-needed"):
        check(due_dose(), Outcome.NOT_REQUIRED, "2026-01-15 08:00", reason="fine today")


@pytest.mark.parametrize(
    ("level", "outcome", "ok"),
    [
        ("administer", Outcome.GIVEN, True), ("administer", Outcome.TAKEN, False),
        ("prompt", Outcome.TAKEN, True), ("prompt", Outcome.GIVEN, False),
        ("assist", Outcome.TAKEN, True), ("assist", Outcome.GIVEN, False),
    ],
)
def test_given_is_for_administer_and_taken_for_prompt_or_assist(
    level: str, outcome: Outcome, ok: bool
) -> None:
    due = due_dose(support_level=level)
    if ok:
        assert check(due, outcome, "2026-01-15 08:00").record.outcome is outcome
    else:
        with pytest.raises(RuleViolation, match="so use"):
            check(due, outcome, "2026-01-15 08:00")


@pytest.mark.parametrize("level", ["prompt", "assist", "administer"])
def test_partial_suits_any_support_level(level: str) -> None:
    result = check(due_dose(support_level=level), Outcome.PARTIAL, "2026-01-15 08:00",
                   reason="spat half out")
    assert result.record.outcome is Outcome.PARTIAL


def test_a_dose_cannot_be_pre_recorded() -> None:
    due = due_dose()
    check(due, Outcome.TAKEN, "2026-01-15 08:02", now="2026-01-15 08:00")
    with pytest.raises(RuleViolation, match="before it happens"):
        check(due, Outcome.TAKEN, "2026-01-15 08:02:01", now="2026-01-15 08:00")


def test_a_second_outcome_for_the_same_dose_is_refused_even_from_another_worker() -> None:
    history = [record(Outcome.TAKEN, "2026-01-15 08:00", "2026-01-15 08:01", worker_id="w-9")]
    with pytest.raises(RuleViolation, match="already recorded; add a correction instead"):
        check(due_dose(), Outcome.REFUSED, "2026-01-15 08:05", reason="x", history=history)
    other_time = DueDose(medicine(), at("2026-01-15 13:00"))
    check(other_time, Outcome.TAKEN, "2026-01-15 13:00", history=history)


def test_controlled_drug_needs_a_named_second_witness() -> None:
    due = due_dose(controlled=True, support_level="administer")
    for witness in (None, "", "   "):
        with pytest.raises(RuleViolation, match="named second person"):
            check(due, Outcome.GIVEN, "2026-01-15 08:00", witness=witness)
    with pytest.raises(RuleViolation, match="someone else"):
        check(due, Outcome.GIVEN, "2026-01-15 08:00", witness="w-1")
    with pytest.raises(RuleViolation, match="someone else"):
        check(due, Outcome.GIVEN, "2026-01-15 08:00", witness=" sam JONES ",
              worker_name="Sam Jones")
    result = check(due, Outcome.GIVEN, "2026-01-15 08:00", witness=" Pat Lee ",
                   worker_name="Sam Jones")
    assert result.record.witness == "Pat Lee"


def test_controlled_drug_partial_needs_a_witness_but_a_refusal_does_not() -> None:
    due = due_dose(controlled=True)
    with pytest.raises(RuleViolation, match="witness"):
        check(due, Outcome.PARTIAL, "2026-01-15 08:00", reason="half")
    assert check(due, Outcome.REFUSED, "2026-01-15 08:00", reason="said no").record.witness is None


def test_scheduled_and_prn_medicines_are_recorded_the_right_way_round() -> None:
    prn = medicine(times=[], prn={"reason_hint": "", "min_interval_hours": 4,
                                  "max_doses_24h": 4})
    with pytest.raises(RuleViolation, match="due dose"):
        check(medicine(), Outcome.TAKEN, "2026-01-15 08:00")
    with pytest.raises(RuleViolation, match="due dose"):
        check(DueDose(prn, at("2026-01-15 08:00")), Outcome.TAKEN, "2026-01-15 08:00",
              reason="pain")


def test_naive_times_are_refused() -> None:
    with pytest.raises(RuleViolation, match="timezone"):
        validate_dose(due_dose(), Outcome.TAKEN, "", datetime(2026, 1, 15, 8),  # noqa: DTZ001
                      None, at("2026-01-15 08:00"), [], worker_id="w-1")


def test_rule_messages_never_name_the_medicine() -> None:
    due = due_dose(controlled=True, support_level="administer")
    attempts: list[tuple[Outcome, str, str | None]] = [
        (Outcome.REFUSED, "", None), (Outcome.TAKEN, "", None), (Outcome.GIVEN, "", None),
        (Outcome.NOT_REQUIRED, "x", None),
    ]
    for outcome, reason, witness in attempts:
        with pytest.raises(RuleViolation) as caught:
            check(due, outcome, "2026-01-15 08:00", reason=reason, witness=witness)
        assert "Co-careldopa" not in str(caught.value)


# --- unanswered and missed -----------------------------------------------------------------------

def test_unanswered_doses_skip_those_anyone_has_answered() -> None:
    dues = [due_dose(), DueDose(medicine(id="med-2"), at("2026-01-15 08:00"))]
    history = [record(Outcome.TAKEN, "2026-01-15 08:00", "2026-01-15 08:01", worker_id="w-9")]
    assert [d.medicine.id for d in unanswered_doses(dues, history)] == ["med-2"]


def test_missed_time_critical_starts_one_second_after_the_window_closes() -> None:
    dues = [critical(), due_dose(id="ordinary")]
    assert missed_time_critical(dues, [], at("2026-01-15 08:30")) == []
    assert missed_time_critical(dues, [], at("2026-01-15 08:30:01")) == [dues[0]]
    answered = [record(Outcome.TAKEN, "2026-01-15 08:00", "2026-01-15 08:40")]
    assert missed_time_critical(dues, answered, at("2026-01-15 09:00")) == []


# --- escalations ---------------------------------------------------------------------------------

def test_refused_twice_in_a_row_is_urgent_and_names_the_medicine() -> None:
    dues = [DueDose(medicine(), at("2026-01-15 13:00"))]
    history = [
        record(Outcome.REFUSED, "2026-01-15 08:00", "2026-01-15 08:02"),
        record(Outcome.TAKEN, "2026-01-14 13:00", "2026-01-14 13:02"),
    ]
    new = record(Outcome.REFUSED, "2026-01-15 13:00", "2026-01-15 13:05")
    [draft] = medication_escalations(new, history, dues, at("2026-01-15 13:05"))
    assert (draft.type, draft.severity) == ("medication", "urgent")
    assert "Co-careldopa" in draft.summary and "refused twice" in draft.summary
    assert "su-1" not in draft.summary
    assert draft.dedupe_key == "medication:refused_twice:med-1:2026-01-15T13:00:00+00:00"
    assert draft.raised_at == at("2026-01-15 13:05")


def test_refused_after_a_dose_was_taken_is_not_escalated() -> None:
    history = [
        record(Outcome.REFUSED, "2026-01-15 08:00", "2026-01-15 08:02"),
        record(Outcome.TAKEN, "2026-01-15 13:00", "2026-01-15 13:02"),
    ]
    new = record(Outcome.REFUSED, "2026-01-15 18:00", "2026-01-15 18:05")
    assert medication_escalations(new, [*history, new], [], at("2026-01-15 18:05")) == []


def test_a_first_refusal_is_not_escalated() -> None:
    new = record(Outcome.REFUSED, "2026-01-15 08:00", "2026-01-15 08:02")
    other = record(Outcome.REFUSED, "2026-01-14 08:00", "2026-01-14 08:02", medicine_id="med-2")
    assert medication_escalations(new, [other], [], at("2026-01-15 08:02")) == []


def test_not_available_is_urgent_and_named_from_the_medicines_list() -> None:
    prn = medicine(id="med-p", name="Oramorph", strength="10mg/5ml", times=[],
                   prn={"reason_hint": "", "min_interval_hours": 4, "max_doses_24h": 4})
    new = record(Outcome.NOT_AVAILABLE, None, "2026-01-15 10:00", medicine_id="med-p")
    [draft] = medication_escalations(new, [], [], at("2026-01-15 10:00"), medicines=[prn])
    assert draft.severity == "urgent" and draft.summary.startswith("Oramorph 10mg/5ml")
    [unnamed] = medication_escalations(new, [], [], at("2026-01-15 10:00"))
    assert unnamed.summary.startswith("A medicine")


def test_missed_time_critical_dose_is_urgent_and_stable_across_calls() -> None:
    dues = [critical()]
    first = medication_escalations(None, [], dues, at("2026-01-15 08:31"))
    again = medication_escalations(None, [], dues, at("2026-01-15 09:00"))
    assert [d.severity for d in first] == ["urgent"]
    assert "Time-critical" in first[0].summary and "missed" in first[0].summary
    assert first[0].dedupe_key == again[0].dedupe_key
    assert first[0].scheduled_at == at("2026-01-15 08:00")


def test_the_new_dose_counts_as_an_answer_for_the_missed_check() -> None:
    dues = [critical()]
    new = record(Outcome.TAKEN, "2026-01-15 08:00", "2026-01-15 08:40")
    [draft] = medication_escalations(new, [], dues, at("2026-01-15 08:41"))
    # A time-critical dose at the wrong time is as serious as a missed one.
    assert draft.severity == "urgent" and "outside its window" in draft.summary


def test_a_regular_dose_outside_its_hour_is_a_routine_medication_concern() -> None:
    dues = [DueDose(medicine(name="Lactulose"), at("2026-01-15 08:00"))]
    early = record(Outcome.TAKEN, "2026-01-15 08:00", "2026-01-15 02:30")
    [draft] = medication_escalations(early, [], dues, at("2026-01-15 02:30"))
    assert (draft.type, draft.severity) == ("medication", "routine")
    assert draft.summary == "Lactulose 25mg/100mg: dose recorded outside its window."
    on_time = record(Outcome.TAKEN, "2026-01-15 08:00", "2026-01-15 08:59")
    assert medication_escalations(on_time, [], dues, at("2026-01-15 08:59")) == []


def test_a_dose_inside_the_window_raises_nothing() -> None:
    dues = [critical()]
    new = record(Outcome.TAKEN, "2026-01-15 08:00", "2026-01-15 08:10")
    assert medication_escalations(new, [], dues, at("2026-01-15 08:10")) == []


def test_records_built_in_another_zone_are_kept_in_utc() -> None:
    local = datetime(2026, 6, 1, 9, 5, tzinfo=LONDON)
    rec = DoseRecord("med-1", local, Outcome.TAKEN, local, "w-1")
    assert rec.actual_at == at("2026-06-01 08:05") and rec.actual_at.tzinfo is UTC
    assert rec.scheduled_at is not None and rec.scheduled_at.tzinfo is UTC
