"""Frequencies (fieldapp/domain/frequency.py): due dates at every boundary, in Europe/London.

2026's clock changes: spring forward Sunday 29 March (01:00 GMT -> 02:00 BST), fall back
Sunday 25 October (02:00 BST -> 01:00 GMT).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldapp.domain.mar import Medicine, doses_due
from fieldapp.domain.visit_rules import Visit
from fieldapp.errors import RuleViolation
from tests.fieldapp.meds import medicine

LONDON = ZoneInfo("Europe/London")


def local_days(med: Medicine, first: str, last: str) -> list[str]:
    """Local dates-and-times of every dose between two local dates (inclusive)."""
    lo = datetime.combine(date.fromisoformat(first), datetime.min.time(), tzinfo=LONDON)
    hi = datetime.combine(date.fromisoformat(last), datetime.max.time(), tzinfo=LONDON)
    return [a.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z") for a in med.due_at(lo, hi, LONDON)]


def weekly(**extra: Any) -> Medicine:
    return medicine(name="Methotrexate", times=["08:00"],
                    frequency={"kind": "weekly", "days": ["mon"]}, **extra)


def test_weekly_methotrexate_is_due_on_its_day_only_across_the_year_end() -> None:
    got = local_days(weekly(), "2026-12-20", "2027-01-12")
    assert got == ["2026-12-21 08:00 GMT", "2026-12-28 08:00 GMT", "2027-01-04 08:00 GMT",
                   "2027-01-11 08:00 GMT"]


@pytest.mark.parametrize("day", ["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01",
                                 "2027-01-02", "2027-01-03"])
def test_weekly_is_never_due_on_another_day_at_a_visit(day: str) -> None:
    start = datetime.fromisoformat(f"{day}T07:30:00+00:00")
    visit = Visit("v1", "w1", "su-1", "morning", start, start + timedelta(hours=1))
    assert doses_due([weekly()], visit, LONDON) == []
    monday = datetime.fromisoformat("2026-12-28T07:30:00+00:00")
    visit = Visit("v1", "w1", "su-1", "morning", monday, monday + timedelta(hours=1))
    assert [d.scheduled_at for d in doses_due([weekly()], visit, LONDON)] == [
        datetime(2026, 12, 28, 8, tzinfo=UTC)]


def test_weekdays_across_a_month_end_and_both_clock_changes() -> None:
    med = medicine(times=["09:00"], frequency={"kind": "weekdays", "days": ["mon", "thu"]})
    assert local_days(med, "2026-04-27", "2026-05-05") == [
        "2026-04-27 09:00 BST", "2026-04-30 09:00 BST", "2026-05-04 09:00 BST"]
    # Thursday 26 March is GMT, Monday 30 March BST: the local time stays 09:00.
    assert local_days(med, "2026-03-26", "2026-03-30") == [
        "2026-03-26 09:00 GMT", "2026-03-30 09:00 BST"]
    assert local_days(med, "2026-10-22", "2026-10-26") == [
        "2026-10-22 09:00 BST", "2026-10-26 09:00 GMT"]


def test_every_n_days_counts_calendar_dates_across_february_and_the_clock_change() -> None:
    med = medicine(times=["08:00"], start_date="2026-01-30",
                   frequency={"kind": "every_n_days", "every_days": 3})
    got = local_days(med, "2026-02-20", "2026-04-01")
    assert got == ["2026-02-20 08:00 GMT", "2026-02-23 08:00 GMT", "2026-02-26 08:00 GMT",
                   "2026-03-01 08:00 GMT",
                   "2026-03-04 08:00 GMT", "2026-03-07 08:00 GMT", "2026-03-10 08:00 GMT",
                   "2026-03-13 08:00 GMT", "2026-03-16 08:00 GMT", "2026-03-19 08:00 GMT",
                   "2026-03-22 08:00 GMT", "2026-03-25 08:00 GMT", "2026-03-28 08:00 GMT",
                   "2026-03-31 08:00 BST"]


def test_every_n_days_from_its_own_date_across_the_year_end_and_autumn_change() -> None:
    med = medicine(times=["20:00"], frequency={"kind": "every_n_days", "every_days": 2,
                                              "from_date": "2026-10-24"})
    assert local_days(med, "2026-10-23", "2026-10-28") == [
        "2026-10-24 20:00 BST", "2026-10-26 20:00 GMT", "2026-10-28 20:00 GMT"]
    assert local_days(med, "2026-12-30", "2027-01-03")[:2] == [
        "2026-12-31 20:00 GMT", "2027-01-02 20:00 GMT"]
    assert local_days(med, "2026-10-01", "2026-10-23") == []  # nothing before its from date


@pytest.mark.parametrize(("first", "expected"), [
    # Month end, year end, spring (72 real hours: 09:00 GMT -> 10:00 BST), autumn.
    ("2026-01-30T09:00:00+00:00", ["2026-01-30 09:00 GMT", "2026-02-02 09:00 GMT",
                                   "2026-02-05 09:00 GMT"]),
    ("2026-12-30T09:00:00+00:00", ["2026-12-30 09:00 GMT", "2027-01-02 09:00 GMT",
                                   "2027-01-05 09:00 GMT"]),
    ("2026-03-27T09:00:00+00:00", ["2026-03-27 09:00 GMT", "2026-03-30 10:00 BST",
                                   "2026-04-02 10:00 BST"]),
    ("2026-10-23T09:00:00+01:00", ["2026-10-23 09:00 BST", "2026-10-26 08:00 GMT",
                                   "2026-10-29 08:00 GMT"]),
])
def test_a_72_hour_patch_runs_on_real_hours(first: str, expected: list[str]) -> None:
    med = medicine(name="Buprenorphine patch", times=[], start_date=first[:10],
                   frequency={"kind": "every_hours", "every_hours": 72, "first_at": first},
                   patch={})
    day0 = date.fromisoformat(first[:10])
    assert local_days(med, first[:10], str(day0 + timedelta(days=7)))[:3] == expected
    # And never on the days between.
    assert local_days(med, str(day0 + timedelta(days=1)), str(day0 + timedelta(days=2))) == []


def test_a_patch_visit_sees_only_its_change_day() -> None:
    med = medicine(times=[], start_date="2026-03-27", frequency={
        "kind": "every_hours", "every_hours": 72, "first_at": "2026-03-27T09:00:00+00:00"})
    for day, count in (("2026-03-28", 0), ("2026-03-29", 0), ("2026-03-30", 1)):
        start = datetime.fromisoformat(f"{day}T08:30:00+00:00")
        visit = Visit("v", "w", "su-1", "morning", start, start + timedelta(hours=1))
        assert len(doses_due([med], visit, LONDON)) == count, day


def test_a_time_that_does_not_exist_in_spring_falls_an_hour_later() -> None:
    med = medicine(times=["01:30"])
    assert local_days(med, "2026-03-29", "2026-03-29") == ["2026-03-29 02:30 BST"]
    assert local_days(med, "2026-10-25", "2026-10-25") == ["2026-10-25 01:30 BST"]


def test_a_course_counts_dose_n_of_m_and_ends_after_the_last() -> None:
    med = medicine(name="Amoxicillin", times=["08:00", "14:00", "20:00"],
                   start_date="2026-03-28", course={"doses": 5}, review_date="2026-03-30")
    got = local_days(med, "2026-03-27", "2026-04-02")
    assert got == ["2026-03-28 08:00 GMT", "2026-03-28 14:00 GMT", "2026-03-28 20:00 GMT",
                   "2026-03-29 08:00 BST", "2026-03-29 14:00 BST"]
    last = datetime.fromisoformat("2026-03-29T14:00:00+01:00")
    assert med.dose_number(last, LONDON) == 5
    assert med.dose_number(datetime.fromisoformat("2026-03-28T08:00:00+00:00"), LONDON) == 1
    assert med.dose_number(datetime.fromisoformat("2026-03-28T09:00:00+00:00"), LONDON) is None
    assert med.schedule.review_date == date(2026, 3, 30)
    assert "course of 5 doses" in med.frequency_words()


def test_a_stop_date_is_the_last_day() -> None:
    med = medicine(times=["08:00"], frequency={"kind": "every_n_days", "every_days": 1},
                   stop_date="2026-02-01")
    assert local_days(med, "2026-01-31", "2026-02-03") == ["2026-01-31 08:00 GMT",
                                                          "2026-02-01 08:00 GMT"]


def test_the_words_a_mar_shows() -> None:
    assert weekly().frequency_words() == "Once a week on Monday at 08:00"
    assert medicine(times=["08:00", "18:00"]).frequency_words() == "Every day at 08:00, 18:00"
    assert medicine(frequency={"kind": "weekdays", "days": ["thu", "mon"]}).frequency_words() \
        == "Mon, Thu at 08:00"
    assert medicine(times=[], frequency={"kind": "every_hours", "every_hours": 72,
                                         "first_at": "2026-01-01T09:00:00+00:00"}
                    ).frequency_words() == "Every 72 hours"


@pytest.mark.parametrize(("overrides", "words"), [
    ({"frequency": {"kind": "fortnightly"}}, "frequency.kind"),
    ({"frequency": {"kind": "weekly", "days": ["mon", "tue"]}}, "exactly one day"),
    ({"frequency": {"kind": "weekdays", "days": ["monday"]}}, "weekday codes"),
    ({"frequency": {"kind": "every_n_days", "every_days": 0}}, "every_days"),
    ({"frequency": {"kind": "every_hours", "every_hours": 72}}, "first_at"),
    ({"frequency": {"kind": "every_hours", "every_hours": 72,
                    "first_at": "2026-01-01T09:00:00+00:00"}}, "times must be empty"),
    ({"times": [], "frequency": {"kind": "weekly", "days": ["mon"]}}, "times must list"),
    ({"course": {"doses": 0}}, "course.doses"),
])
def test_a_bad_frequency_is_refused_naming_the_field(overrides: dict[str, Any],
                                                     words: str) -> None:
    with pytest.raises(RuleViolation, match=words):
        medicine(**overrides)
