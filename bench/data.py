"""Deterministic fictional agency data for the benchmarks: people, care plans, medicines, rotas.

Everything comes from a seeded `random.Random`, so two runs build the same data (ids included).
Names, streets and notes are made up; shapes follow tests/factories.py.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")

FIRST = ["Margaret", "Arthur", "Edith", "Harold", "Dorothy", "Stanley", "Winifred", "Cyril",
         "Irene", "Norman", "Gladys", "Leonard", "Phyllis", "Reginald", "Mavis", "Clifford",
         "Hilda", "Dennis", "Vera", "Gordon", "Joan", "Ronald", "Enid", "Walter"]
SURNAMES = ["Ellison", "Pennington", "Ashworth", "Bramhall", "Cawthorne", "Dewhurst", "Fairbairn",
            "Gledhill", "Holroyd", "Illingworth", "Jowett", "Kershaw", "Lumb", "Mellor",
            "Northrop", "Oddy", "Priestley", "Rushworth", "Sugden", "Thackray", "Uttley"]
STREETS = ["Cardigan Road", "Otley Road", "Town Street", "Stainbeck Lane", "Harrogate Road",
           "Kirkstall Lane", "Victoria Road", "Moor Lane", "Church Lane", "Green Road"]
AREAS = ["Headingley", "Armley", "Chapel Allerton", "Horsforth", "Roundhay", "Kirkstall",
         "Bramley", "Meanwood"]
MEDICINES = [("Amlodipine", "5 mg"), ("Metformin", "500 mg"), ("Donepezil", "10 mg"),
             ("Levothyroxine", "50 micrograms"), ("Paracetamol", "500 mg"),
             ("Furosemide", "40 mg"), ("Sertraline", "50 mg"), ("Lansoprazole", "15 mg")]
NOTE_BITS = ["Cheerful today and chatted about the garden.", "Ate most of the porridge.",
             "Walked to the window unaided with the frame.", "Skin on heels intact, cream applied.",
             "Daughter rang during the visit, all well.", "A little breathless on the stairs.",
             "Drank a full cup of tea and half a glass of water.", "Bins put out as asked.",
             "Slept well, says the new pillow helps.", "Left the radio on as she likes."]
PHRASES = ["In good spirits", "Ate well", "Drank well", "No concerns", "Skin checked"]

# (visit type, tasks for it); each plan has two tasks per visit type.
TASKS = {
    "morning": [("personal_care", "Help with a wash and dressing"),
                ("nutrition", "Breakfast and a drink")],
    "lunch": [("nutrition", "Make lunch and a drink"), ("domestic", "Wash up and tidy kitchen")],
    "tea": [("nutrition", "Tea and a snack"), ("wellbeing", "Chat and check the house is warm")],
    "evening": [("personal_care", "Help to get ready for bed"),
                ("safety", "Check doors are locked and lights off")],
}
# A worker's day: (local start, minutes, visit type) for up to 12 visits.
DAY_SLOTS = [(time(7, 0), 45, "morning"), (time(7, 50), 30, "morning"),
             (time(8, 30), 45, "morning"), (time(9, 20), 30, "morning"),
             (time(12, 0), 30, "lunch"), (time(12, 40), 30, "lunch"), (time(13, 20), 30, "lunch"),
             (time(16, 30), 30, "tea"), (time(17, 10), 30, "tea"),
             (time(19, 0), 30, "evening"), (time(19, 40), 30, "evening"),
             (time(20, 20), 30, "evening")]
# The 8-visit day used for the year of history (a full-time worker's usual round).
EIGHT_SLOTS = [DAY_SLOTS[i] for i in (0, 1, 2, 4, 5, 7, 9, 10)]


class Fake:
    """Seeded generator of fictional agency data."""

    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)  # noqa: S311 - fictional test data, not secrets

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def person(self) -> dict[str, Any]:
        r = self.rng
        first = r.choice(FIRST)
        return {
            "id": self.uuid(), "name": f"{first} {r.choice(SURNAMES)}", "preferred_name": first,
            "area": r.choice(AREAS), "address_line": f"{r.randint(1, 180)} {r.choice(STREETS)}",
            "town": "Leeds", "postcode": f"LS{r.randint(1, 28)} {r.randint(1, 9)}"
                                        f"{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJ')}",
            "access_notes": f"Key safe by the back door, code {r.randint(1000, 9999)}",
            "allergies": r.sample(["Penicillin", "Latex", "Nuts", "Aspirin"], r.randint(0, 2)),
            "dnacpr": r.choice(["", "DNACPR in place (purple form in kitchen drawer)"]),
            "communication_needs": r.choice(["", "Hard of hearing: face them and speak clearly",
                                             "Wears glasses for reading"]),
            "goals": ["Stay living at home", r.choice(["Walk to the corner shop",
                                                       "Keep up with the garden",
                                                       "Cook one meal a week"])],
        }

    def plan(self, person: dict[str, Any]) -> dict[str, Any]:
        tasks = [
            {"id": self.uuid(), "visit_type": vt, "category": cat, "title": title,
             "instructions": "As written in the care plan folder.", "fluid": False}
            for vt, pairs in TASKS.items() for cat, title in pairs
        ]
        return {"id": self.uuid(), "service_user_id": person["id"], "version": 1,
                "goals": person["goals"], "tasks": tasks}

    def medicines(self, person: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"id": self.uuid(), "service_user_id": person["id"], "name": name, "form": "tablet",
             "strength": strength, "dose": "1 tablet", "route": "oral", "times": ["08:00"],
             "support_level": "prompt", "time_critical": False, "window_minutes": 30,
             "prn": None, "controlled": False, "instructions": "", "start_date": "2026-01-01",
             "stop_date": None}
            for name, strength in self.rng.sample(MEDICINES, self.rng.randint(1, 3))
        ]

    def full_medicines(self, person: dict[str, Any], first: date, last: date
                       ) -> list[dict[str, Any]]:
        """A realistic 15-line MAR (issue 14's bench): regular lines at several times, one
        time-critical, given weekdays, weekly methotrexate, every 2 days, a range dose, warfarin
        dosed per date (a dose entered for each day from `first` to `last`), a 72 h patch, a
        course, and two as-needed lines (paracetamol, controlled Oramorph)."""
        su, r = person["id"], self.rng
        base = {"service_user_id": su, "form": "tablet", "route": "oral", "prn": None,
                "support_level": "prompt", "time_critical": False, "window_minutes": 30,
                "controlled": False, "instructions": "", "start_date": first.isoformat(),
                "stop_date": None, "dose": "1 tablet"}
        days = (last - first).days + 1
        lines: list[dict[str, Any]] = [
            {"name": "Co-careldopa", "strength": "25mg/100mg", "support_level": "assist",
             "times": ["07:30", "12:30", "17:00", "19:30"], "time_critical": True},
            {"name": "Amlodipine", "strength": "5 mg", "times": ["08:00"]},
            {"name": "Metformin", "strength": "500 mg", "times": ["08:00", "17:00"]},
            {"name": "Donepezil", "strength": "10 mg", "times": ["19:30"]},
            {"name": "Levothyroxine", "strength": "50 micrograms", "times": ["07:30"]},
            {"name": "Furosemide", "strength": "40 mg", "times": ["08:00"],
             "frequency": {"kind": "weekdays", "days": ["mon", "tue", "wed", "thu", "fri"]}},
            {"name": "Methotrexate", "strength": "2.5 mg", "dose": "4 tablets",
             "times": ["08:00"], "frequency": {"kind": "weekly", "days": ["mon"]},
             "amount": {"kind": "fixed", "value": 4, "unit": "tablet"}},
            {"name": "Colecalciferol", "strength": "800 units", "times": ["12:30"],
             "frequency": {"kind": "every_n_days", "every_days": 2}},
            {"name": "Senna", "strength": "7.5 mg", "dose": "1 or 2 tablets", "times": ["19:30"],
             "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"}},
            {"name": "Warfarin", "strength": "1 mg", "dose": "As set by the clinic",
             "times": ["17:00"], "amount": {"kind": "per_date", "unit": "mg", "by_date": {
                 (first + timedelta(days=i)).isoformat(): r.choice([2, 3, 4])
                 for i in range(days)}}},
            {"name": "Buprenorphine", "strength": "5 micrograms/hour", "form": "patch",
             "route": "transdermal", "dose": "1 patch", "support_level": "administer",
             "times": [], "frequency": {"kind": "every_hours", "every_hours": 72,
                                        "first_at": f"{first.isoformat()}T08:00:00+00:00"},
             "patch": {"sites": ["left_upper_arm", "right_upper_arm", "left_upper_back",
                                 "right_upper_back"]}},
            {"name": "Nitrofurantoin", "strength": "50 mg", "times": ["08:00", "12:30", "19:30"],
             "course": {"doses": 21}, "start_date": (last - timedelta(days=3)).isoformat()},
            {"name": "Lansoprazole", "strength": "15 mg", "times": ["07:30"],
             "review_date": (last + timedelta(days=30)).isoformat()},
            {"name": "Paracetamol", "strength": "500 mg", "dose": "1 or 2 tablets", "times": [],
             "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"},
             "ingredient": {"name": "paracetamol", "mg_per_unit": 500},
             "prn": {"reason_hint": "Pain", "min_interval_hours": 4, "max_doses_24h": 4}},
            {"name": "Oramorph", "strength": "10mg/5ml", "form": "oral solution",
             "dose": "2.5ml", "times": [], "support_level": "administer", "controlled": True,
             "prn": {"reason_hint": "Breakthrough pain", "min_interval_hours": 2,
                     "max_doses_24h": 6}},
        ]
        return [{**base, "id": self.uuid(), **line} for line in lines]

    def note(self) -> str:
        """A visit note of about 200 characters."""
        return " ".join(self.rng.sample(NOTE_BITS, 4))[:220]

    def phrases(self) -> list[str]:
        return self.rng.sample(PHRASES, 1)

    def people(self, n: int, full_mar: tuple[date, date] | None = None,
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """`n` people with one care plan each and 1-3 medicines each, or with `full_mar`
        (first, last date) the 15-line MAR of `full_medicines` each."""
        people = [self.person() for _ in range(n)]
        plans = [self.plan(p) for p in people]
        meds = [m for p in people for m in (
            self.full_medicines(p, *full_mar) if full_mar else self.medicines(p))]
        return people, plans, meds

    def day_visits(self, worker_id: str, people: list[dict[str, Any]], day: date,
                   slots: list[tuple[time, int, str]]) -> list[dict[str, Any]]:
        """One worker's visits on `day` (London time), times stored in UTC like the server."""
        out = []
        for i, (start, minutes, visit_type) in enumerate(slots):
            begins = datetime.combine(day, start, LONDON).astimezone(UTC)
            out.append({
                "id": self.uuid(), "worker_id": worker_id,
                "service_user_id": people[i % len(people)]["id"], "visit_type": visit_type,
                "start": begins.isoformat(),
                "end": (begins + timedelta(minutes=minutes)).isoformat(),
            })
        return out


def change(entity: str, row: dict[str, Any], version: int = 1) -> dict[str, Any]:
    """A feed change as the server sends it (see server/rota.py `_change`)."""
    return {"entity": entity, "id": row["id"], "op": "upsert", "version": version,
            "body": dict(row)}
