"""Checking a person's recorded allergies against a medicine being added to their list.

An allergy is recorded as free text ("Penicillin (rash)"); the allergen is the text before any
bracket. A medicine matches when its name or an active ingredient names the allergen, or both
belong to one family a prescriber treats as cross-reacting (an allergy to penicillin covers
amoxicillin). A match is a warning the coordinator may override only with a reason: the check
cannot know every brand name, so it errs towards asking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

NONE_KNOWN = {"no known allergies", "nka", "nkda", "no known drug allergies", "none known",
              "none", ""}

# Families whose members cross-react; an allergy to any member (or the family's name) warns
# about every member.
FAMILIES: dict[str, frozenset[str]] = {
    "penicillins": frozenset({
        "penicillin", "amoxicillin", "amoxycillin", "ampicillin", "flucloxacillin",
        "phenoxymethylpenicillin", "benzylpenicillin", "co-amoxiclav", "piperacillin",
        "pivmecillinam", "temocillin", "tazocin", "augmentin"}),
    "nsaids": frozenset({
        "nsaid", "nsaids", "aspirin", "ibuprofen", "naproxen", "diclofenac", "celecoxib",
        "etoricoxib", "mefenamic acid", "indometacin", "meloxicam", "ketoprofen"}),
    "sulfonamides": frozenset({
        "sulfonamide", "sulfonamides", "sulpha", "sulfa", "co-trimoxazole",
        "sulfamethoxazole", "sulfasalazine"}),
    "cephalosporins": frozenset({
        "cephalosporin", "cephalosporins", "cefalexin", "cefuroxime", "ceftriaxone",
        "cefaclor", "cefadroxil", "cefixime"}),
}


@dataclass(frozen=True)
class AllergyMatch:
    allergy: str  # the recorded allergy, as written
    because: str  # why it matches, in plain words


def allergen(recorded: str) -> str:
    """The allergen named by a recorded allergy: the words before any bracket, lower case."""
    return " ".join(recorded.split("(")[0].casefold().split())


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9-]+", text.casefold())) + " "


def _names(text: str, term: str) -> bool:
    return f" {term} " in _words(text)


def matches(allergies: Iterable[str], name: str,
            ingredients: Iterable[str] = ()) -> list[AllergyMatch]:
    """Every recorded allergy the medicine (its name and active ingredients) may set off."""
    said = [name, *ingredients]
    out: list[AllergyMatch] = []
    for recorded in allergies:
        a = allergen(recorded)
        if a in NONE_KNOWN:
            continue
        if any(_names(s, a) or _names(a, allergen(s)) for s in said if s.strip()):
            out.append(AllergyMatch(recorded, f"the medicine names {a}"))
            continue
        for family, members in FAMILIES.items():
            if a in members or a == family:
                hit = next((m for s in said for m in sorted(members) if _names(s, m)), None)
                if hit is not None:
                    out.append(AllergyMatch(recorded, f"{hit} and {a} are both "
                                                      f"{family}"))
                    break
    return out
