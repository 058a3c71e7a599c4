"""The allergy check on a new medicine: the allergen before any bracket, names and families."""

from __future__ import annotations

from server.allergies import allergen, matches


def test_the_allergen_is_the_words_before_the_bracket() -> None:
    assert allergen("Penicillin (anaphylaxis)") == "penicillin"
    assert allergen("  Mefenamic   Acid ") == "mefenamic acid"


def test_a_medicine_naming_the_allergen_matches_in_any_case() -> None:
    found = matches(["Codeine (vomiting)"], "CODEINE phosphate")
    assert [m.allergy for m in found] == ["Codeine (vomiting)"]
    assert matches(["Codeine (vomiting)"], "Co-codamol", ["codeine"])  # by its ingredient


def test_a_family_member_matches_the_family_allergy() -> None:
    found = matches(["Penicillin (rash)"], "Amoxicillin 500mg capsules")
    assert found and "penicillins" in found[0].because
    assert matches(["Aspirin (stomach bleed)"], "Ibuprofen")
    assert matches(["Amoxicillin"], "Flucloxacillin")


def test_no_known_allergies_and_unrelated_medicines_do_not_match() -> None:
    assert matches(["No known allergies"], "Amoxicillin") == []
    assert matches(["NKDA"], "Paracetamol") == []
    assert matches(["Latex (skin rash)"], "Paracetamol") == []
    assert matches(["Penicillin (rash)"], "Paracetamol", ["paracetamol"]) == []
    # A word inside another word is not a match ("ace" is not "acetaminophen").
    assert matches(["Ace"], "Acetaminophen") == []
