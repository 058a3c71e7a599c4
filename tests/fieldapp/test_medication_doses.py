"""The eMAR use cases for frequencies, doses, spacing, patches and PRN effects, over a real phone
store loaded the way sync loads it (tests/fieldapp/test_medication.py's phone, GMT day)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldapp.errors import DoseRefused, RuleViolation
from tests.factories import medicines_for, person
from tests.fieldapp.test_medication import T0, Phone

BASE = {"form": "tablet", "route": "oral", "window_minutes": 30, "prn": None,
        "controlled": False, "time_critical": False, "instructions": "",
        "start_date": "2026-01-01", "stop_date": None, "support_level": "assist"}


def load(phone: Phone, meds: list[dict[str, Any]], *, other_doses: list[dict[str, Any]] = (),
         ) -> dict[str, str]:
    p = person()
    rows = [{**BASE, "service_user_id": p["id"], "id": str(uuid.uuid4()), **m} for m in meds]
    visit = {"worker_id": "w-1", "service_user_id": p["id"], "visit_type": "morning",
             "start": T0.isoformat(), "end": (T0 + timedelta(minutes=30)).isoformat()}
    phone.load([{"entity": "service_user", "id": p["id"], "op": "upsert", "body": p},
                *[{"entity": "medicine", "id": m["id"], "op": "upsert", "body": m}
                  for m in rows],
                {"entity": "visit", "id": "v-1", "op": "upsert", "body": visit},
                *[{"entity": "dose", "id": d.pop("record_id"), "op": "upsert", "version": 1,
                   "body": {"service_user_id": p["id"], "worker_id": "w-2",
                            "scheduled_at": None, **d}} for d in other_doses]])
    return {m["name"]: m["id"] for m in rows}


@pytest.fixture
def phone(tmp_path: Path) -> Phone:
    return Phone(tmp_path)


def test_a_weekly_medicine_is_not_in_the_round_on_another_day(phone: Phone) -> None:
    # 10 March 2026 is a Tuesday.
    load(phone, [{"name": "Methotrexate", "dose": "10 mg", "times": ["09:00"],
                  "frequency": {"kind": "weekly", "days": ["mon"]}},
                 {"name": "Folic acid", "dose": "5 mg", "times": ["09:00"],
                  "frequency": {"kind": "weekly", "days": ["tue"]}}])
    assert [d.due.medicine.name for d in phone.meds.round("v-1").doses] == ["Folic acid"]


def test_a_range_dose_records_the_amount_given_in_its_facts(phone: Phone) -> None:
    ids = load(phone, [{"name": "Co-codamol", "dose": "1-2 tablets", "times": ["09:00"],
                        "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"}}])
    phone.visits.check_in("v-1")
    line = phone.meds.round("v-1").doses[0]
    assert line.dose_text == "1 to 2 tablet"
    with pytest.raises(RuleViolation, match="within the prescribed dose"):
        phone.meds.record_dose("v-1", ids["Co-codamol"], T0, "taken", amount=3)
    saved = phone.meds.record_dose("v-1", ids["Co-codamol"], T0, "taken", amount=2)
    row = phone.store.rows("SELECT facts FROM records WHERE id = ?", [saved.record_id])[0]
    assert json.loads(row["facts"])["amount"] == 2


def test_warfarin_with_no_dose_for_today_shows_nothing_and_tells_the_office(phone: Phone) -> None:
    ids = load(phone, [{"name": "Warfarin", "dose": "as per INR", "times": ["09:00"],
                        "amount": {"kind": "per_date", "unit": "mg",
                                   "by_date": {"2026-03-09": 3}}}])
    phone.visits.check_in("v-1")
    line = phone.meds.round("v-1").doses[0]
    assert line.no_dose_set and "No dose set for today" in line.dose_text
    with pytest.raises(RuleViolation, match="No dose set"):
        phone.meds.record_dose("v-1", ids["Warfarin"], T0, "taken")
    drafts = phone.meds.raise_due_escalations("v-1")
    assert [d.dedupe_key.split(":")[1] for d in drafts] == ["no_dose_set"]
    assert "Warfarin" in drafts[0].summary
    assert phone.meds.raise_due_escalations("v-1") == []  # once


def test_paracetamol_on_two_lines_shares_the_interval_offline(phone: Phone) -> None:
    para = {"name": "paracetamol", "mg_per_unit": 500}
    ids = load(phone, [
        {"name": "Paracetamol", "strength": "500mg", "dose": "2 tablets", "times": ["09:00"],
         "amount": {"kind": "fixed", "value": 2, "unit": "tablet"}, "ingredient": para},
        {"name": "Paracetamol PRN", "strength": "500mg", "dose": "1-2 tablets",
         "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"}, "ingredient": para,
         "prn": {"indication": "Pain", "min_interval_hours": 4, "max_doses_24h": 4}}],
        other_doses=[])
    phone.visits.check_in("v-1")
    phone.meds.record_dose("v-1", ids["Paracetamol"], T0, "taken")
    prn = phone.meds.round("v-1").prn[0]
    assert not prn.decision.allowed and "another line" in prn.decision.reason
    with pytest.raises(DoseRefused) as refused:
        phone.meds.record_dose("v-1", ids["Paracetamol PRN"], None, "taken", "Pain", amount=1)
    assert refused.value.next_allowed_at == T0 + timedelta(minutes=5, hours=4)


def test_a_colleagues_synced_dose_counts_by_amount(phone: Phone) -> None:
    para = {"name": "paracetamol", "mg_per_unit": 500}
    earlier = [{"record_id": str(uuid.uuid4()), "medicine_id": "", "outcome": "taken",
                "actual_at": (T0 - timedelta(hours=h)).isoformat(), "mg": 1000}
               for h in (5, 10, 15, 20)]
    ids = load(phone, [{"name": "Paracetamol PRN", "strength": "500mg", "dose": "1-2",
                        "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"},
                        "ingredient": para, "prn": {"indication": "Pain",
                                                    "min_interval_hours": 4,
                                                    "max_doses_24h": 6}}])
    for d in earlier:
        d["medicine_id"] = ids["Paracetamol PRN"]
    load_again = [{"entity": "dose", "id": d["record_id"], "op": "upsert", "version": 1,
                   "body": {"service_user_id": phone.meds.visit_of("v-1").service_user_id,
                            "worker_id": "w-2", "scheduled_at": None,
                            **{k: v for k, v in d.items() if k != "record_id"}}}
                  for d in earlier]
    phone.load(load_again)
    phone.visits.check_in("v-1")
    with pytest.raises(DoseRefused, match="4000 mg"):
        phone.meds.record_dose("v-1", ids["Paracetamol PRN"], None, "taken", "Pain", amount=1)


def test_a_patch_asks_for_a_new_site_and_the_old_one_off(phone: Phone) -> None:
    ids = load(phone, [{"name": "Buprenorphine", "form": "patch", "dose": "1 patch",
                        "times": [], "support_level": "administer",
                        "frequency": {"kind": "every_hours", "every_hours": 72,
                                      "first_at": "2026-03-07T09:00:00+00:00"},
                        "patch": {"sites": ["left_upper_arm", "right_upper_arm"]}}])
    phone.visits.check_in("v-1")
    line = phone.meds.round("v-1").doses[0]
    assert line.due.scheduled_at == T0 and line.next_site is not None
    saved = phone.meds.record_dose("v-1", ids["Buprenorphine"], T0, "given",
                                   patch_site="right_upper_arm")
    row = phone.store.rows("SELECT facts FROM records WHERE id = ?", [saved.record_id])[0]
    assert json.loads(row["facts"])["patch_site"] == "right_upper_arm"


def test_the_effect_of_a_prn_dose_is_asked_for_and_linked(phone: Phone) -> None:
    p_meds = medicines_for(person())
    ids = load(phone, [{k: v for k, v in m.items() if k not in ("id", "service_user_id")}
                       for m in p_meds if m["name"] == "Paracetamol"])
    phone.visits.check_in("v-1")
    saved = phone.meds.record_dose("v-1", ids["Paracetamol"], None, "taken", "Headache")
    prompt = phone.meds.round("v-1").effects_due[0]
    assert prompt.dose_record_id == saved.record_id
    assert prompt.state(phone.clock.now()) == "wait"
    phone.clock.advance(minutes=30)
    assert prompt.state(phone.clock.now()) == "now"
    with pytest.raises(RuleViolation, match="effect code"):
        phone.meds.record_effect("v-1", saved.record_id, "great")
    rid = phone.meds.record_effect("v-1", saved.record_id, "effective", "Pain eased")
    row = phone.store.rows("SELECT facts, kind FROM records WHERE id = ?", [rid])[0]
    assert row["kind"] == "dose_effect"
    assert json.loads(row["facts"])["dose_record_id"] == saved.record_id
    assert phone.meds.round("v-1").effects_due == []
    with pytest.raises(RuleViolation, match="not waiting"):
        phone.meds.record_effect("v-1", saved.record_id, "effective")
