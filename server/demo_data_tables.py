"""Data tables for the fictional demo agency (see :mod:`server.demo_data`).

Everything here is invented: people, streets, key safe codes, GP practices. Phone numbers come
from Ofcom's drama ranges (mobiles 07700 900000-900999, Leeds 0113 496 0000-0999, London
020 7946 0000-0999), so none of them rings a real phone. Medicines and doses are realistic UK
examples for a demo, not clinical advice.

Shapes (turned into JSON-able dicts with ids by ``server.demo_data``):

* ``SERVICE_USERS[i]["schedule"]``: commissioned visits as ``(visit_type, local "HH:MM", minutes)``.
* ``SERVICE_USERS[i]["tasks"]``: per visit type, the person's own ``(category, title,
  instructions)`` tasks. The builder adds a medicines task where doses are due, a drink task
  (``fluid: true``) and a "leave safe and secure" task to every visit.
* ``SERVICE_USERS[i]["meds"]``: ``times`` are local "HH:MM" ([] for PRN); ``prn`` is
  ``(reason_hint, min_interval_hours, max_doses_24h)``; ``days`` is how many days before "today"
  the medicine started; ``course_days`` (optional) gives a stop date.
"""

from __future__ import annotations

from typing import Any

AGENCY_NAME = "Riverside Home Care (demo)"
OFFICE_PHONE = "+44 113 496 0000"
ON_CALL_PHONE = "+44 7700 900000"
TOWN = "Leeds"

# (area, postcode district)
AREAS: tuple[tuple[str, str], ...] = (
    ("Headingley", "LS6"),
    ("Chapel Allerton", "LS7"),
    ("Armley", "LS12"),
    ("Roundhay", "LS8"),
    ("Beeston", "LS11"),
)

# Worker 1 is the README's demo identity.
WORKERS: tuple[dict[str, Any], ...] = (
    {"key": "w1", "name": "Amira Khan", "phone": "+44 7700 900101", "area": "Headingley",
     "role": "senior_care_worker", "trained_observations": True},
    {"key": "w2", "name": "Tomasz Nowak", "phone": "+44 7700 900102", "area": "Armley",
     "role": "care_worker", "trained_observations": False},
    {"key": "w3", "name": "Grace Mensah", "phone": "+44 7700 900103", "area": "Chapel Allerton",
     "role": "senior_care_worker", "trained_observations": True},
    {"key": "w4", "name": "Callum Reid", "phone": "+44 7700 900104", "area": "Roundhay",
     "role": "care_worker", "trained_observations": False},
    {"key": "w5", "name": "Joy Adeyemi", "phone": "+44 7700 900105", "area": "Beeston",
     "role": "care_worker", "trained_observations": True},
)

COORDINATORS: tuple[dict[str, Any], ...] = (
    {"key": "c1", "name": "Helen Brierley", "email": "helen.brierley@example.org",
     "is_safeguarding_lead": True},
    {"key": "c2", "name": "Marcus Osei", "email": "marcus.osei@example.org",
     "is_safeguarding_lead": False},
)

# One practice per area: (practice, phone)
GP_PRACTICES: dict[str, tuple[str, str]] = {
    "Headingley": ("Brambleford Surgery", "+44 113 496 0701"),
    "Chapel Allerton": ("Grangewood Medical Practice", "+44 113 496 0702"),
    "Armley": ("Ferndene Health Centre", "+44 113 496 0703"),
    "Roundhay": ("Parkfold Surgery", "+44 113 496 0704"),
    "Beeston": ("Millbeck Medical Centre", "+44 113 496 0705"),
}

_PARACETAMOL_PRN: dict[str, Any] = {
    "name": "Paracetamol", "form": "tablet", "strength": "500mg", "dose": "2 tablets",
    "route": "oral", "times": [], "support": "assist",
    "prn": ("Mild to moderate pain (ask where and how bad, 0-10)", 4, 4),
    "note": "Maximum 8 tablets in 24 hours. Check the MAR for the last dose before giving.",
    "days": 120,
}

_NO_KNOWN = ["No known allergies"]
_DNACPR = "DNACPR in place (purple form in kitchen drawer)"
_FULL = "For full resuscitation"

SERVICE_USERS: tuple[dict[str, Any], ...] = (
    # ---------------------------------------------------------------- Headingley (Amira Khan)
    {
        "key": "su01", "name": "Margaret Holroyd", "preferred_name": "Peggy", "pronoun": "she",
        "dob": "1942-03-14", "address": "7 Brambleside Grove", "postcode": "LS6 4QT",
        "area": "Headingley", "phone": "+44 113 496 0311",
        "access": "Key safe left of the front door, code 4821. Front door sticks: lift the handle.",
        "allergies": _NO_KNOWN,
        "dnacpr": "ReSPECT form: not for CPR; for treatment at home or on a ward (form on fridge)",
        "communication": "Quiet voice when tired (Parkinson's). Face her, turn the radio down "
                         "and give her time to answer.",
        "nok": ("Martin Holroyd", "Son", "+44 7700 900201"), "gp": "Dr Anjali Rao",
        "risks": [
            "Falls: freezes in doorways; count her through ('1, 2, 3, step'). Rollator indoors.",
            "Moving and handling: one carer; perching stool in the kitchen and bathroom.",
            "Environment: loose rug in the hall; family asked to remove it. Keep walkways clear.",
        ],
        "goals": ["Keep making my own cup of tea in the morning",
                  "Get to the Thursday Parkinson's cafe with Martin",
                  "Stay in my own home and keep an eye on my garden"],
        "baseline": "Chatty and sharp; stiff and slow first thing until her tablets work; "
                    "walks with a rollator.",
        "summary": "Parkinson's disease; lives alone. Four visits a day timed around her "
                   "Parkinson's medicines, which must be on time.",
        "drinks": "tea, milky with one sugar, in her two-handled beaker",
        "schedule": [("morning", "07:45", 45), ("lunch", "11:45", 30), ("tea", "15:45", 30),
                     ("bed", "19:45", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Wash and dress", "Strip wash at the sink on her perching "
                 "stool; she washes her face and front herself. Lay out two outfits to choose."),
                ("nutrition", "Breakfast", "Offer a choice of breakfast; she likes porridge with "
                 "honey. Cut toast into fingers if her tremor is bad."),
            ],
            "lunch": [
                ("nutrition", "Lunch", "Heat a frozen meal of her choice; serve on the red plate "
                 "with the plate guard."),
                ("mobility", "Walk to the garden door", "Walk with her to the back door to see "
                 "the bird feeder; count her through the doorway."),
            ],
            "tea": [
                ("nutrition", "Tea and evening snack", "Sandwich or soup of her choice; leave a "
                 "snack and a drink within reach for the evening."),
                ("domestic", "Kitchen tidy", "Wash up, wipe the surfaces, empty the bin if full."),
            ],
            "bed": [
                ("personal_care", "Ready for bed", "Help with her nightie and teeth. She likes "
                 "a hot-water bottle (warm, not hot)."),
                ("mobility", "Safe for the night", "Bedside lamp on, commode by the bed, "
                 "rollator within reach, landing light left on."),
            ],
        },
        "meds": [
            {"name": "Co-careldopa", "form": "tablet", "strength": "25mg/100mg",
             "dose": "1 tablet", "route": "oral", "times": ["08:00", "12:00", "16:00", "20:00"],
             "support": "assist", "tc": True, "days": 400,
             "note": "Parkinson's medicine: time-critical, give within 30 minutes of the time. "
                     "Pop from the blister for her; she takes it with water."},
            {"name": "Lactulose", "form": "oral solution", "strength": "3.35g/5ml",
             "dose": "15ml", "route": "oral", "times": ["08:00", "20:00"], "support": "prompt",
             "days": 200, "note": "Measure with the marked cup. Encourage a full drink after."},
            {"name": "Adcal-D3", "form": "chewable tablet", "strength": "1500mg/400 unit",
             "dose": "1 tablet", "route": "oral", "times": ["12:00", "20:00"],
             "support": "prompt", "days": 300, "note": "Chew, don't swallow whole."},
            _PARACETAMOL_PRN,
        ],
    },
    {
        "key": "su02", "name": "Errol Campbell", "preferred_name": "Errol", "pronoun": "he",
        "dob": "1946-11-02", "address": "22 Alder Bank Road", "postcode": "LS6 2HW",
        "area": "Headingley", "phone": "+44 113 496 0312",
        "access": "Errol answers the door. Spare key in the key safe under the porch light, "
                  "code 7350.",
        "allergies": ["Penicillin (rash)"], "dnacpr": _FULL,
        "communication": "Hearing aids in both ears; check they are in and working.",
        "nok": ("Michelle Campbell", "Daughter", "+44 7700 900202"), "gp": "Dr Anjali Rao",
        "risks": [
            "Lone working: large friendly dog (Bruno); ask Errol to put him in the kitchen.",
            "Environment: steep front steps with no left-hand rail; take care when icy.",
            "Health: risk of low blood sugar (sweaty, shaky, muddled); hypo box in the kitchen.",
        ],
        "goals": ["Keep my blood sugar steady and stay out of hospital",
                  "Walk Bruno to the park and back every day",
                  "Cook Sunday dinner for Michelle and the grandchildren"],
        "baseline": "Lively, jokes a lot; walks independently; blood glucose usually "
                    "6-10 mmol/L before breakfast.",
        "summary": "Type 2 diabetes on insulin; lives alone with his dog. Morning insulin is "
                   "given by a trained carer (delegated by the district nurses).",
        "drinks": "sugar-free squash or black coffee",
        "schedule": [("morning", "08:45", 30), ("tea", "16:45", 30)],
        "tasks": {
            "morning": [
                ("wellbeing", "Blood glucose before insulin", "Errol checks his blood glucose "
                 "with his meter; record the reading. Below 4 mmol/L: follow the hypo plan and "
                 "phone the office before giving insulin."),
                ("nutrition", "Breakfast", "Prompt breakfast after his insulin; he likes "
                 "wholemeal toast and a boiled egg."),
            ],
            "tea": [
                ("nutrition", "Evening meal", "Support him to cook; he does the seasoning "
                 "himself. Encourage a portion of vegetables."),
                ("wellbeing", "Foot check", "Ask if his feet are sore; look for redness or "
                 "broken skin and report any to the office (diabetic foot)."),
            ],
        },
        "meds": [
            {"name": "Insulin glargine (Abasaglar KwikPen)", "form": "solution for injection "
             "(pre-filled pen)", "strength": "100 units/ml", "dose": "18 units",
             "route": "subcutaneous", "times": ["09:00"], "support": "administer", "tc": True,
             "days": 500, "note": "Time-critical. Check blood glucose first. Rotate sites "
             "(abdomen/thighs) using the chart in the folder. New needle every time."},
            {"name": "Metformin", "form": "tablet", "strength": "500mg", "dose": "1 tablet",
             "route": "oral", "times": ["09:00", "17:00"], "support": "prompt", "days": 900,
             "note": "With or just after food."},
            {"name": "Ramipril", "form": "capsule", "strength": "5mg", "dose": "1 capsule",
             "route": "oral", "times": ["09:00"], "support": "prompt", "days": 700, "note": ""},
            {"name": "Atorvastatin", "form": "tablet", "strength": "20mg", "dose": "1 tablet",
             "route": "oral", "times": ["17:00"], "support": "prompt", "days": 700, "note": ""},
        ],
    },
    {
        "key": "su03", "name": "Dorothy Ainsworth", "preferred_name": "Dot", "pronoun": "she",
        "dob": "1935-06-21", "address": "3 Tanner's Fold", "postcode": "LS6 3DJ",
        "area": "Headingley", "phone": "+44 113 496 0313",
        "access": "Carol (daughter) lets you in. If no answer: key safe by the back door, "
                  "code 1958.",
        "allergies": ["Codeine (vomiting)"], "dnacpr": _DNACPR,
        "communication": "Tires quickly: short, simple questions. Carol knows her wishes.",
        "nok": ("Carol Whitaker", "Daughter (lives with her)", "+44 7700 900203"),
        "gp": "Dr Samuel Adeyinka",
        "risks": [
            "Moving and handling: profiling bed and air mattress; reposition with a slide "
            "sheet, one carer with Carol helping.",
            "Skin: high risk of pressure sores; check heels, hips and sacrum every visit.",
            "Lone working: none known.",
        ],
        "goals": ["Be comfortable and free of pain", "Stay at home with Carol and my cat, Smudge",
                  "See the photos from my great-grandson's christening"],
        "baseline": "Sleepy but knows everyone; talks in short sentences; eats a few "
                    "spoonfuls; settled and not in pain.",
        "summary": "End of life care (advanced lung cancer) at home with her daughter. "
                   "Hospice and district nurses involved; comfort is the priority.",
        "drinks": "sips of cold water or lemonade from a beaker; lip balm for dry lips",
        "schedule": [("morning", "09:30", 45), ("bed", "20:30", 45)],
        "tasks": {
            "morning": [
                ("personal_care", "Bed bath and mouth care", "Gentle bed bath; mouth care with "
                 "a moist sponge and lip balm. She likes lavender talc."),
                ("personal_care", "Pressure areas", "Reposition with the slide sheet; check "
                 "heels, hips and sacrum; report any new redness to the office."),
                ("wellbeing", "Comfort and pain", "Ask about pain (0-10) and watch her face; "
                 "tell Carol and the office if she seems in pain or restless."),
            ],
            "bed": [
                ("personal_care", "Settle for the night", "Wash, clean nightdress, pad check; "
                 "reposition on her side with pillows."),
                ("wellbeing", "Check on Carol", "Ask about pain; check Carol is coping and has "
                 "the district nurse and hospice numbers."),
            ],
        },
        "meds": [
            {"name": "Morphine sulfate (Oramorph)", "form": "oral solution",
             "strength": "10mg/5ml", "dose": "2.5ml (5mg)", "route": "oral", "times": [],
             "support": "administer", "cd": True, "days": 21,
             "prn": ("Breakthrough pain or breathlessness", 2, 6),
             "note": "Controlled drug (agency policy): a second person (Carol or another "
                     "worker) witnesses and is named. Measure with the oral syringe."},
            {"name": "Macrogol (Laxido)", "form": "oral powder sachet",
             "strength": "13.8g", "dose": "1 sachet in 125ml water", "route": "oral",
             "times": ["09:45"], "support": "assist", "days": 21, "note": ""},
            {"name": "Omeprazole", "form": "gastro-resistant capsule", "strength": "20mg",
             "dose": "1 capsule", "route": "oral", "times": ["09:45"], "support": "assist",
             "days": 300, "note": ""},
            {"name": "Senna", "form": "tablet", "strength": "7.5mg", "dose": "2 tablets",
             "route": "oral", "times": ["20:45"], "support": "assist", "days": 21, "note": ""},
        ],
    },
    {
        "key": "su04", "name": "Joseph Brennan", "preferred_name": "Joe", "pronoun": "he",
        "dob": "1953-09-30", "address": "41 Kirkmoor Terrace", "postcode": "LS6 1RE",
        "area": "Headingley", "phone": "+44 113 496 0314",
        "access": "Joe lets you in. If no answer, phone the office first (he may be out), "
                  "then key safe on the garage wall, code 2604.",
        "allergies": _NO_KNOWN, "dnacpr": _FULL,
        "communication": "Early Alzheimer's: one question at a time. He may repeat "
                         "questions; answer kindly each time.",
        "nok": ("Bridget Moran", "Sister", "+44 7700 900204"), "gp": "Dr Samuel Adeyinka",
        "risks": [
            "Environment: may leave the gas hob on; check it is off before you leave.",
            "Nutrition: forgets to eat; check the fridge for out-of-date food.",
            "Lone working: none known.",
        ],
        "goals": ["Keep going to the Tuesday men's shed", "Stay in my own house",
                  "Phone my sister Bridget every Sunday"],
        "baseline": "Friendly, loves talking about horse racing; forgets recent events; "
                    "walks independently.",
        "summary": "Early Alzheimer's; lives alone. A lunch visit to make sure he eats and "
                   "takes his tablets.",
        "drinks": "strong tea with two sugars",
        "schedule": [("lunch", "12:30", 30)],
        "tasks": {
            "lunch": [
                ("nutrition", "Lunch", "Make lunch with him; he likes a ham salad sandwich or "
                 "soup. Let him butter the bread."),
                ("domestic", "Fridge check", "Throw out out-of-date food (with his agreement); "
                 "note what is running low for the shop."),
                ("wellbeing", "Plans for tomorrow", "Chat about his day; write tomorrow's plans "
                 "on the whiteboard calendar with him."),
            ],
        },
        "meds": [
            {"name": "Donepezil", "form": "tablet", "strength": "10mg", "dose": "1 tablet",
             "route": "oral", "times": ["12:30"], "support": "prompt", "days": 250,
             "note": "Taken at lunchtime: at night it gave him vivid dreams."},
            {"name": "Amlodipine", "form": "tablet", "strength": "5mg", "dose": "1 tablet",
             "route": "oral", "times": ["12:30"], "support": "prompt", "days": 600, "note": ""},
        ],
    },
    # ---------------------------------------------------------- Chapel Allerton (Grace Mensah)
    {
        "key": "su05", "name": "Harbans Kaur Gill", "preferred_name": "Mrs Gill",
        "pronoun": "she", "dob": "1944-12-05", "address": "16 Juniper Rise",
        "postcode": "LS7 4NB", "area": "Chapel Allerton", "phone": "+44 113 496 0321",
        "access": "The family let you in. If nobody answers: key safe right of the front "
                  "door, code 3317.",
        "allergies": ["Aspirin (stomach bleed)"], "dnacpr": _FULL,
        "communication": "Punjabi first language, some English. Manpreet interprets in the "
                         "morning; picture cards in the kitchen drawer.",
        "nok": ("Manpreet Gill", "Daughter-in-law", "+44 7700 900205"),
        "gp": "Dr Helen Marsh",
        "risks": [
            "Moving and handling: transfers with a rotunda turner and one carer; left arm "
            "weak, never pull on it.",
            "Falls: high risk; sensor mat by the bed.",
            "Environment: narrow bathroom; use the wet-room chair.",
        ],
        "goals": ["Go to the gurdwara with my family on Sundays",
                  "Feed myself with my right hand",
                  "Keep my hair washed and plaited the way I like it"],
        "baseline": "Quiet, smiles a lot; slightly slurred speech since her stroke; transfers "
                    "with the rotunda; feeds herself with adapted cutlery.",
        "summary": "Stroke 2 years ago with left-sided weakness; lives with her son's family. "
                   "Female carers only.",
        "drinks": "masala chai, not too sweet, or warm water",
        "schedule": [("morning", "07:30", 60), ("lunch", "12:00", 30), ("tea", "16:30", 30),
                     ("bed", "19:30", 45)],
        "tasks": {
            "morning": [
                ("personal_care", "Shower", "Seated shower on the wet-room chair. Hair oiled "
                 "and plaited on Wednesdays and Saturdays."),
                ("mobility", "Transfer to wheelchair", "Bed to wheelchair with the rotunda; "
                 "brakes on; left arm supported on its cushion."),
                ("nutrition", "Breakfast", "Offer paratha or porridge; set up her adapted "
                 "cutlery so she feeds herself."),
            ],
            "lunch": [
                ("nutrition", "Lunch", "Serve the lunch the family left; cut up if needed and "
                 "encourage her to feed herself."),
                ("personal_care", "Toilet", "Assist to the toilet with the rotunda; pad check."),
            ],
            "tea": [
                ("personal_care", "Toilet", "Assist to the toilet with the rotunda; pad check."),
                ("mobility", "Arm exercises", "Physio arm exercises from the sheet on the "
                 "fridge (10 minutes)."),
            ],
            "bed": [
                ("personal_care", "Ready for bed", "Wash, nightwear, teeth. Fold her chunni "
                 "on the chair."),
                ("mobility", "Transfer to bed", "Transfer with the rotunda; sensor mat on; "
                 "call bell within reach."),
            ],
        },
        "meds": [
            {"name": "Lansoprazole", "form": "capsule", "strength": "15mg", "dose": "1 capsule",
             "route": "oral", "times": ["07:30"], "support": "assist", "days": 700,
             "note": "Give on arrival, at least 30 minutes before breakfast."},
            {"name": "Clopidogrel", "form": "tablet", "strength": "75mg", "dose": "1 tablet",
             "route": "oral", "times": ["08:00"], "support": "assist", "days": 700, "note": ""},
            {"name": "Amlodipine", "form": "tablet", "strength": "10mg", "dose": "1 tablet",
             "route": "oral", "times": ["08:00"], "support": "assist", "days": 700, "note": ""},
            {"name": "Atorvastatin", "form": "tablet", "strength": "40mg", "dose": "1 tablet",
             "route": "oral", "times": ["20:00"], "support": "assist", "days": 700, "note": ""},
        ],
    },
    {
        "key": "su06", "name": "Geoffrey Pickering", "preferred_name": "Geoff", "pronoun": "he",
        "dob": "1938-04-17", "address": "9 Quillfield Crescent", "postcode": "LS7 3PF",
        "area": "Chapel Allerton", "phone": "+44 113 496 0322",
        "access": "Jean (wife) answers. Key safe behind the drainpipe, code 6042.",
        "allergies": ["Latex (skin rash)"],
        "dnacpr": "ReSPECT form: not for CPR; for treatment of reversible causes "
                  "(form on fridge)",
        "communication": "No particular needs; loves talking about cricket.",
        "nok": ("Jean Pickering", "Wife", "+44 7700 900206"), "gp": "Dr Helen Marsh",
        "risks": [
            "Health: heart failure; weigh every morning, report a 2 kg gain in 3 days.",
            "Moving and handling: walks with two sticks; bath board for showering.",
            "Environment: Jean is also frail; keep the hall clear.",
        ],
        "goals": ["Keep looking after Jean", "Watch Yorkshire play cricket this summer",
                  "Keep my weight steady so my heart stays stable"],
        "baseline": "Cheerful; a bit breathless on the stairs; ankles slightly swollen by "
                    "evening; weight about 78 kg.",
        "summary": "Heart failure with a fluid limit of 1.5 litres a day; lives with his "
                   "wife. Daily weights guide his diuretic.",
        "drinks": "tea, no sugar; fluid limit 1.5 litres a day, so record every drink",
        "schedule": [("morning", "08:45", 45), ("bed", "20:30", 30)],
        "tasks": {
            "morning": [
                ("wellbeing", "Weigh and record", "Weigh before breakfast, after the toilet, "
                 "same scales; record kg. 2 kg up in 3 days, or more breathless: tell the "
                 "office."),
                ("personal_care", "Wash and shave", "Strip wash; pass him his electric razor."),
                ("nutrition", "Breakfast", "Cereal or toast with marmalade; low salt."),
            ],
            "bed": [
                ("personal_care", "Ready for bed", "Help with pyjamas; take off compression "
                 "stockings; check ankles and heels."),
                ("wellbeing", "Check Jean is settled", "Check Jean has a drink and her pendant "
                 "alarm before you go."),
            ],
        },
        "meds": [
            {"name": "Furosemide", "form": "tablet", "strength": "40mg", "dose": "1 tablet",
             "route": "oral", "times": ["09:00"], "support": "assist", "days": 500,
             "note": "Morning only, so he is not up all night."},
            {"name": "Bisoprolol", "form": "tablet", "strength": "2.5mg", "dose": "1 tablet",
             "route": "oral", "times": ["09:00"], "support": "assist", "days": 500, "note": ""},
            {"name": "Ramipril", "form": "capsule", "strength": "2.5mg", "dose": "1 capsule",
             "route": "oral", "times": ["09:00"], "support": "assist", "days": 500, "note": ""},
            {"name": "Apixaban", "form": "tablet", "strength": "5mg", "dose": "1 tablet",
             "route": "oral", "times": ["09:00", "20:45"], "support": "assist", "days": 800,
             "note": "Anticoagulant: report any bleeding or black stools."},
        ],
    },
    {
        "key": "su07", "name": "Sandra Mitchell", "preferred_name": "Sandra", "pronoun": "she",
        "dob": "1959-01-26", "address": "2 Saddler's Mews", "postcode": "LS7 2AZ",
        "area": "Chapel Allerton", "phone": "+44 113 496 0323",
        "access": "Ramp at the side door. Sandra lets you in by her video doorbell; "
                  "key safe code 9025 as a backup.",
        "allergies": ["Penicillin (anaphylaxis)"], "dnacpr": _FULL,
        "communication": "She directs her own care: ask, don't assume. Fatigue is worse in "
                         "the afternoon.",
        "nok": ("Paul Mitchell", "Brother", "+44 7700 900207"), "gp": "Dr Helen Marsh",
        "risks": [
            "Moving and handling: transfer board and one carer.",
            "Skin: sits for long periods; pressure cushion must be in her chair.",
            "Environment: cat (Pickles); keep outside doors shut.",
        ],
        "goals": ["Keep working from home three mornings a week",
                  "Get to my book group once a month",
                  "Save my energy for my grandchildren"],
        "baseline": "Clear and decisive; tired by late afternoon; uses a power chair "
                    "indoors and out.",
        "summary": "Multiple sclerosis; wheelchair user, lives alone. Morning and tea visits.",
        "drinks": "coffee with oat milk; water bottle with a long straw",
        "schedule": [("morning", "09:45", 45), ("tea", "17:15", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Shower and dress", "Shower on the shower chair; she "
                 "chooses her clothes."),
                ("mobility", "Transfer to her chair", "Transfer board from bed to power chair; "
                 "pressure cushion in place."),
                ("nutrition", "Breakfast", "Help make breakfast of her choice (often granola "
                 "and yoghurt)."),
            ],
            "tea": [
                ("nutrition", "Evening meal", "Help her cook; she likes to chop at the low "
                 "counter."),
                ("personal_care", "Toilet and comfort", "Assist the toilet transfer; check her "
                 "skin if she asks."),
            ],
        },
        "meds": [
            {"name": "Pregabalin", "form": "capsule", "strength": "75mg", "dose": "1 capsule",
             "route": "oral", "times": ["10:00"], "support": "prompt", "cd": True, "days": 365,
             "note": "Schedule 3 controlled drug. Morning dose only; Sandra takes her 22:00 "
                     "dose herself."},
            {"name": "Baclofen", "form": "tablet", "strength": "10mg", "dose": "1 tablet",
             "route": "oral", "times": ["10:00", "17:30"], "support": "prompt", "days": 900,
             "note": ""},
        ],
    },
    {
        "key": "su08", "name": "Ivy Thornton", "preferred_name": "Ivy", "pronoun": "she",
        "dob": "1933-08-08", "address": "11 Wrenfield Close", "postcode": "LS7 3QL",
        "area": "Chapel Allerton", "phone": "+44 113 496 0324",
        "access": "Key safe by the back door, code 5513. She is slow to the door: knock and "
                  "wait.",
        "allergies": _NO_KNOWN, "dnacpr": _DNACPR,
        "communication": "Hard of hearing in her left ear; speak on her right side.",
        "nok": ("Lorraine Thornton", "Niece", "+44 7700 900208"), "gp": "Dr Helen Marsh",
        "risks": [
            "Falls: walks with a stick; pendant alarm, check she is wearing it.",
            "Environment: gas fire; smoke alarm tested monthly by family.",
            "Nutrition: lost weight last winter; encourage puddings.",
        ],
        "goals": ["Do my crossword every day", "Keep my independence",
                  "See my friend Olive at church on Sundays"],
        "baseline": "Bright and witty; walks with a stick; eats small portions.",
        "summary": "Independent 93-year-old living alone; a lunch visit for a hot meal and "
                   "company. Manages her own medicines.",
        "drinks": "weak tea with milk, or Horlicks",
        "schedule": [("lunch", "12:45", 30)],
        "tasks": {
            "lunch": [
                ("nutrition", "Lunch", "Heat a lunch of her choice; she likes a pudding, "
                 "offer custard."),
                ("wellbeing", "Pendant alarm and chat", "Check she is wearing her pendant; "
                 "ten minutes' chat (ask about the crossword)."),
                ("domestic", "Light housework", "Wash up; bins out on Thursdays."),
            ],
        },
        "meds": [],
    },
    # ------------------------------------------------------------------ Armley (Tomasz Nowak)
    {
        "key": "su09", "name": "Kenneth Barraclough", "preferred_name": "Ken", "pronoun": "he",
        "dob": "1950-02-11", "address": "58 Kestrel Hill Road", "postcode": "LS12 3TY",
        "area": "Armley", "phone": "+44 113 496 0331",
        "access": "Key safe by the front door, code 8142. Use the front door after dark.",
        "allergies": _NO_KNOWN,
        "dnacpr": "ReSPECT form: not for CPR; for hospital treatment including NIV",
        "communication": "Breathless when talking; give him time.",
        "nok": ("Dean Barraclough", "Son", "+44 7700 900209"), "gp": "Dr Kwame Boateng",
        "risks": [
            "Environment: home oxygen; no smoking or naked flames. Report any smell of smoke.",
            "Moving and handling: rollator for short distances; stairlift.",
            "Lone working: dark back yard; use the front door after dark.",
        ],
        "goals": ["Get to the bowls club on my scooter",
                  "Manage my breathing without going back into hospital",
                  "Keep my allotment going with my neighbour's help"],
        "baseline": "Breathless on exertion but speaks in sentences; oxygen 2 L/min at night "
                    "and on exertion; SpO2 usually 88-92% (clinician target, scale 2).",
        "summary": "COPD on home oxygen; lives alone. Three visits a day.",
        "drinks": "tea with two sugars; encourage water too",
        "schedule": [("morning", "08:00", 45), ("tea", "17:15", 30), ("bed", "21:00", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Wash and dress", "Strip wash sitting down, with rests; he "
                 "does his top half."),
                ("mobility", "Oxygen safety check", "Tubing not kinked or across the floor; "
                 "concentrator filter clean."),
                ("nutrition", "Breakfast", "Weetabix most days; bacon sandwich on Saturdays."),
            ],
            "tea": [
                ("nutrition", "Tea", "Small meal of his choice; small meals are easier on his "
                 "breathing."),
            ],
            "bed": [
                ("personal_care", "Ready for bed", "Help with pyjamas; oxygen on at 2 L/min "
                 "for the night as prescribed."),
                ("mobility", "Stairlift", "Supervise the stairlift; rollator at the top."),
            ],
        },
        "meds": [
            {"name": "Tiotropium (Spiriva Respimat)", "form": "inhaler",
             "strength": "2.5 micrograms/puff", "dose": "2 puffs", "route": "inhaled",
             "times": ["08:15"], "support": "prompt", "days": 800, "note": "Once a day."},
            {"name": "Carbocisteine", "form": "capsule", "strength": "375mg",
             "dose": "2 capsules", "route": "oral", "times": ["08:15", "17:30"],
             "support": "prompt", "days": 400, "note": ""},
            {"name": "Salbutamol", "form": "inhaler", "strength": "100 micrograms/dose",
             "dose": "2 puffs", "route": "inhaled", "times": [], "support": "prompt",
             "prn": ("Breathlessness or wheeze", 4, 4), "days": 800,
             "note": "If he needs it more than 4 times a day, tell the office."},
        ],
    },
    {
        "key": "su10", "name": "Shirley Pearson", "preferred_name": "Shirley", "pronoun": "she",
        "dob": "1944-05-19", "address": "27 Linnet Hill View", "postcode": "LS12 1LD",
        "area": "Armley", "phone": "+44 113 496 0332",
        "access": "Derek (husband) lets you in. Key safe at the side gate, code 0419.",
        "allergies": ["Trimethoprim (rash)"], "dnacpr": _FULL,
        "communication": "Alzheimer's: short sentences; show two choices. She may call you by "
                         "her sister's name; go along gently.",
        "nok": ("Derek Pearson", "Husband", "+44 7700 900210"), "gp": "Dr Kwame Boateng",
        "risks": [
            "Wandering: may try to go out 'to fetch the children'; reassure, don't argue.",
            "Moving and handling: walks independently; unsteady on the stairs.",
            "Carer strain: Derek is tired; tell the office if he seems not to be coping.",
        ],
        "goals": ["Keep listening to my Motown records", "Help with the cooking",
                  "Stay at home with Derek"],
        "baseline": "Smiley and sociable; muddled about time; walks independently; needs "
                    "prompting to eat and drink.",
        "summary": "Alzheimer's disease; lives with her husband, who is her main carer.",
        "drinks": "decaf coffee; offer often, she forgets to drink",
        "schedule": [("morning", "09:00", 45), ("tea", "16:30", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Wash and dress", "Prompt and guide her to wash; show her "
                 "two outfits to choose."),
                ("nutrition", "Breakfast", "Sit with her: she eats better with company. Toast "
                 "and jam."),
            ],
            "tea": [
                ("nutrition", "Tea", "Make tea with her helping (buttering, stirring)."),
                ("wellbeing", "Check on Derek", "Ask Derek how the day went; note new "
                 "worries."),
            ],
        },
        "meds": [
            {"name": "Memantine", "form": "tablet", "strength": "20mg", "dose": "1 tablet",
             "route": "oral", "times": ["09:15"], "support": "assist", "days": 300, "note": ""},
            {"name": "Sertraline", "form": "tablet", "strength": "50mg", "dose": "1 tablet",
             "route": "oral", "times": ["09:15"], "support": "assist", "days": 300, "note": ""},
        ],
    },
    {
        "key": "su11", "name": "Mohammed Iqbal", "preferred_name": "Mr Iqbal", "pronoun": "he",
        "dob": "1955-10-03", "address": "5 Sorrel Fold", "postcode": "LS12 3JA",
        "area": "Armley", "phone": "+44 113 496 0333",
        "access": "He or Rukhsana (wife) answers. Key safe by the back door, code 2288. "
                  "Shoes off indoors: use the shoe covers in the porch.",
        "allergies": _NO_KNOWN, "dnacpr": _FULL,
        "communication": "English and Urdu. Prefers male carers for personal care.",
        "nok": ("Rukhsana Iqbal", "Wife", "+44 7700 900211"), "gp": "Dr Kwame Boateng",
        "risks": [
            "Moving and handling: hip precautions for 6 weeks (no bending past 90 degrees, "
            "no crossing legs); raised toilet seat and perching stool.",
            "Falls: two crutches; stairs with supervision.",
            "Lone working: none known.",
        ],
        "goals": ["Walk to the mosque for Friday prayers",
                  "Get in and out of the shower on my own", "Drive again"],
        "baseline": "Motivated and independent-minded; walks with two crutches; some pain "
                    "in the mornings.",
        "summary": "Reablement after a hip replacement three weeks ago; lives with his wife.",
        "drinks": "water or green tea",
        "schedule": [("morning", "10:00", 45), ("welfare", "14:30", 15)],
        "tasks": {
            "morning": [
                ("personal_care", "Shower (supervise)", "He washes himself with the "
                 "long-handled sponge; help dry his feet with the long-handled aid."),
                ("mobility", "Hip exercises", "Prompt the exercises on the physio sheet; "
                 "record how many he managed."),
            ],
            "welfare": [
                ("wellbeing", "Welfare check", "Check he is comfortable, has had lunch, and has "
                 "his crutches and phone within reach."),
            ],
        },
        "meds": [
            {"name": "Apixaban", "form": "tablet", "strength": "2.5mg", "dose": "1 tablet",
             "route": "oral", "times": ["10:15"], "support": "prompt", "days": 21,
             "course_days": 35, "note": "Clot prevention after his hip operation (5 weeks). "
             "Rukhsana helps with the 22:00 dose."},
            _PARACETAMOL_PRN,
        ],
    },
    {
        "key": "su12", "name": "Agnes Sutcliffe", "preferred_name": "Agnes", "pronoun": "she",
        "dob": "1937-02-28", "address": "14 Hazelmere Mill Lane", "postcode": "LS12 4EX",
        "area": "Armley", "phone": "+44 113 496 0334",
        "access": "Key safe by the front door, code 3906. Call out your name in the hall.",
        "allergies": ["Elastoplast (skin reaction)"], "dnacpr": _DNACPR,
        "communication": "Registered blind: say who you are as you come in, tell her where "
                         "you put things, never move furniture.",
        "nok": ("Graham Sutcliffe", "Nephew", "+44 7700 900212"), "gp": "Dr Kwame Boateng",
        "risks": [
            "Falls: knows her home by touch; keep everything where it is.",
            "Lone working: quiet street after dark; park under the street light.",
            "Skin: fragile skin on her shins.",
        ],
        "goals": ["Keep listening to my talking books", "Keep my house the way I like it",
                  "Phone my nephew on Sundays"],
        "baseline": "Sharp, dry humour; moves confidently at home; hears well.",
        "summary": "Registered blind (glaucoma); lives alone. Lunch and bed visits.",
        "drinks": "tea or Bovril; mug always to the right of her chair",
        "schedule": [("lunch", "13:00", 30), ("bed", "19:45", 30)],
        "tasks": {
            "lunch": [
                ("nutrition", "Lunch", "Heat her meal; describe the plate like a clock face "
                 "(meat at 6 o'clock)."),
                ("domestic", "Post", "Read her post if she asks; bills in the blue folder."),
            ],
            "bed": [
                ("personal_care", "Ready for bed", "Help with her wash if she asks; nightie on "
                 "the bed, slippers by the chair."),
                ("wellbeing", "Talking book", "Put the next talking book in her player."),
            ],
        },
        "meds": [
            {"name": "Calcichew-D3 Forte", "form": "chewable tablet", "strength": "500mg/400 unit",
             "dose": "1 tablet", "route": "oral", "times": ["13:15"], "support": "prompt",
             "days": 600, "note": ""},
            {"name": "Latanoprost", "form": "eye drops", "strength": "50 micrograms/ml",
             "dose": "1 drop in each eye", "route": "eye", "times": ["20:00"],
             "support": "administer", "days": 900,
             "note": "Keep the opened bottle in the fridge door; discard 4 weeks after opening."},
        ],
    },
    # -------------------------------------------------------------- Roundhay (Callum Reid)
    {
        "key": "su13", "name": "Bernard Feldman", "preferred_name": "Mr Feldman",
        "pronoun": "he", "dob": "1941-07-12", "address": "6 Rookery Park Avenue",
        "postcode": "LS8 2WQ", "area": "Roundhay", "phone": "+44 113 496 0341",
        "access": "Key safe left of the door, code 1127.",
        "allergies": ["Penicillin (rash)"], "dnacpr": _FULL,
        "communication": "Vascular dementia: good days and bad days. A retired tailor; loves "
                         "to talk about it.",
        "nok": ("Simon Feldman", "Son", "+44 7700 900213"), "gp": "Dr Rachel Abrahams",
        "risks": [
            "Environment: keeps a kosher kitchen; blue utensils for dairy, red for meat; "
            "never mix.",
            "Falls: shuffling walk; uses a stick.",
            "Environment: cluttered spare room; keep the door shut.",
        ],
        "goals": ["Keep Shabbat on Friday evenings with Simon",
                  "Keep walking to the park with my stick", "Stay in my own home"],
        "baseline": "Polite and formal; can be muddled in the afternoon; walks with a stick.",
        "summary": "Vascular dementia; lives alone, son nearby. Three visits a day.",
        "drinks": "lemon tea in a glass",
        "schedule": [("morning", "08:30", 45), ("lunch", "12:15", 30), ("tea", "17:00", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Wash and shave", "Prompt his wash; supervise his wet shave."),
                ("nutrition", "Breakfast", "Rye bread and cream cheese, usually; dairy "
                 "(blue) utensils."),
            ],
            "lunch": [
                ("nutrition", "Lunch", "Heat his kosher ready meal; meat (red) plate and "
                 "cutlery."),
            ],
            "tea": [
                ("nutrition", "Tea", "Light tea. On Fridays, lay the table for Shabbat before "
                 "Simon comes."),
                ("domestic", "Wash up", "Wash meat and dairy things in their own bowls."),
            ],
        },
        "meds": [
            {"name": "Levothyroxine", "form": "tablet", "strength": "100 micrograms",
             "dose": "1 tablet", "route": "oral", "times": ["08:30"], "support": "prompt",
             "days": 1500, "note": "On arrival, 30 minutes before breakfast, with water."},
            {"name": "Amlodipine", "form": "tablet", "strength": "5mg", "dose": "1 tablet",
             "route": "oral", "times": ["08:45"], "support": "prompt", "days": 900, "note": ""},
            {"name": "Paracetamol", "form": "tablet", "strength": "500mg", "dose": "2 tablets",
             "route": "oral", "times": ["08:45", "12:30", "17:15"], "support": "prompt",
             "days": 200, "note": "Regular, for arthritis. No other paracetamol products."},
        ],
    },
    {
        "key": "su14", "name": "Wai Ling Chan", "preferred_name": "Mrs Chan", "pronoun": "she",
        "dob": "1948-01-09", "address": "19 Silverbirch Gardens", "postcode": "LS8 1HS",
        "area": "Roundhay", "phone": "+44 113 496 0342",
        "access": "Key safe by the garage, code 6670.",
        "allergies": ["Latex (rash)"], "dnacpr": _FULL,
        "communication": "Cantonese first language; understands simple English. Translation "
                         "card on the fridge; granddaughter Jessica interprets by phone.",
        "nok": ("Jessica Chan", "Granddaughter", "+44 7700 900214"),
        "gp": "Dr Rachel Abrahams",
        "risks": [
            "Moving and handling: stiff knees in the morning; shower seat and perching stool.",
            "Falls: two steps down to the kitchen; use the handrail.",
            "Lone working: none known.",
        ],
        "goals": ["Do my tai chi in the garden", "Cook for my family at New Year",
                  "Keep my hands supple for mahjong"],
        "baseline": "Cheerful; stiff and slow first thing; walks with a stick outdoors.",
        "summary": "Osteoarthritis of knees and hands; lives alone.",
        "drinks": "hot water or jasmine tea (she doesn't like cold drinks)",
        "schedule": [("morning", "09:30", 30), ("bed", "20:30", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Help to dress", "Help with buttons and socks; she washes "
                 "herself."),
                ("nutrition", "Breakfast", "Congee or toast, her choice."),
            ],
            "bed": [
                ("personal_care", "Ready for bed", "Help with nightwear; warm wheat bag for her "
                 "knees (90 s in the microwave, check the heat)."),
                ("mobility", "Knee exercises", "Prompt gentle knee exercises from the sheet."),
            ],
        },
        "meds": [
            {"name": "Paracetamol", "form": "tablet", "strength": "500mg", "dose": "2 tablets",
             "route": "oral", "times": ["09:45", "20:45"], "support": "assist", "days": 400,
             "note": "Regular, for arthritis."},
            {"name": "Naproxen", "form": "tablet", "strength": "250mg", "dose": "1 tablet",
             "route": "oral", "times": ["09:45", "20:45"], "support": "assist", "days": 400,
             "note": "With food."},
            {"name": "Omeprazole", "form": "gastro-resistant capsule", "strength": "20mg",
             "dose": "1 capsule", "route": "oral", "times": ["09:45"], "support": "assist",
             "days": 400, "note": "Stomach protection while on naproxen."},
        ],
    },
    {
        "key": "su15", "name": "Jordan Fairbairn", "preferred_name": "Jordan", "pronoun": "he",
        "dob": "1991-05-23", "address": "Flat 4, 30 Larchmont Lane", "postcode": "LS8 3PD",
        "area": "Roundhay", "phone": "+44 113 496 0343",
        "access": "Jordan lets you in. No answer after two knocks: key safe code 5064, go in "
                  "and call out (he may be having a seizure).",
        "allergies": ["Carbamazepine (severe rash)"], "dnacpr": _FULL,
        "communication": "Mild learning disability: simple words and some Makaton. Likes to "
                         "know who is coming (photo rota on the fridge).",
        "nok": ("Alan Fairbairn", "Father", "+44 7700 900215"), "gp": "Dr Rachel Abrahams",
        "risks": [
            "Health: epilepsy; seizure plan on the fridge. Buccal midazolam after 5 minutes "
            "of seizure, then call 999.",
            "Personal care: showers only, never a bath on his own.",
            "Lone working: noisy neighbours at times; leave and phone the office if unsafe.",
        ],
        "goals": ["Keep my job at the cafe on Tuesdays and Thursdays",
                  "Go to the football with my dad", "Cook a meal on my own"],
        "baseline": "Cheerful, loves football; short sentences; one or two short absence "
                    "seizures a month.",
        "summary": "Learning disability and epilepsy; lives in his own flat. Visits support "
                   "his routine and his time-critical seizure medicine.",
        "drinks": "sugar-free cola or squash in his sports bottle",
        "schedule": [("morning", "07:45", 30), ("bed", "19:45", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Shower prompt", "Prompt his shower (never a bath); stay "
                 "nearby with the door ajar as agreed."),
                ("nutrition", "Breakfast", "Support him to make his own cereal and toast."),
            ],
            "bed": [
                ("wellbeing", "Plan tomorrow", "Look at his picture planner for tomorrow "
                 "together."),
                ("domestic", "Kitchen tidy", "Support him to tidy up; check the cooker is off."),
            ],
        },
        "meds": [
            {"name": "Levetiracetam", "form": "tablet", "strength": "500mg", "dose": "1 tablet",
             "route": "oral", "times": ["08:00", "20:00"], "support": "prompt", "tc": True,
             "days": 1200, "note": "Anti-epileptic: time-critical, within 30 minutes."},
            {"name": "Midazolam (Buccolam)", "form": "oromucosal solution (pre-filled syringe)",
             "strength": "10mg/2ml", "dose": "10mg", "route": "buccal", "times": [],
             "support": "administer", "cd": True, "days": 700,
             "prn": ("Seizure lasting 5 minutes or more: give, then call 999", 24, 1),
             "note": "Schedule 3 controlled drug. Only staff trained in buccal midazolam. "
                     "Time the seizure. Stays with Jordan (go-bag by the door)."},
        ],
    },
    {
        "key": "su16", "name": "Patricia Dunmore", "preferred_name": "Pat", "pronoun": "she",
        "dob": "1946-03-03", "address": "33 Thistledown Brow", "postcode": "LS8 4BN",
        "area": "Roundhay", "phone": "+44 113 496 0344",
        "access": "Pat answers. Key safe by the porch, code 7781.",
        "allergies": _NO_KNOWN, "dnacpr": _FULL,
        "communication": "Recently widowed and may be tearful; give her time. Mild hearing "
                         "loss.",
        "nok": ("Karen Dunmore", "Daughter", "+44 7700 900216"), "gp": "Dr Rachel Abrahams",
        "risks": [
            "Mood: if she talks about not wanting to go on, stay with her and phone the "
            "office.",
            "Falls: walks independently; low risk.",
            "Lone working: none known.",
        ],
        "goals": ["Join the Wednesday lunch club", "Sort out Frank's things when I'm ready",
                  "Keep my garden tidy"],
        "baseline": "Quiet and low since Frank died in the spring; looks after herself; "
                    "small meals.",
        "summary": "Recently bereaved; a daily welfare visit while she settles. Manages her "
                   "own medicines.",
        "drinks": "tea with milk or a cup-a-soup",
        "schedule": [("welfare", "14:00", 15)],
        "tasks": {
            "welfare": [
                ("wellbeing", "Welfare chat", "Ask how she is sleeping and eating; note her "
                 "mood in her own words."),
                ("nutrition", "Has she eaten?", "Check she has had lunch and there is food in "
                 "the fridge."),
            ],
        },
        "meds": [],
    },
    # ------------------------------------------------------------------ Beeston (Joy Adeyemi)
    {
        "key": "su17", "name": "Ronald Hepworth", "preferred_name": "Ron", "pronoun": "he",
        "dob": "1940-09-15", "address": "48 Brackenrigg Street", "postcode": "LS11 8PZ",
        "area": "Beeston", "phone": "+44 113 496 0351",
        "access": "Key safe by the back door, code 4410.",
        "allergies": _NO_KNOWN, "dnacpr": _DNACPR,
        "communication": "Hard of hearing; hearing aid in his right ear.",
        "nok": ("Tracey Hepworth", "Daughter", "+44 7700 900217"), "gp": "Dr Imran Siddiqui",
        "risks": [
            "Health: long-term catheter; bag below the bladder, tube not kinked. Report "
            "cloudy or smelly urine, fever or no urine.",
            "Moving and handling: walks with a frame; one carer.",
            "Health: on gliclazide; must eat after his tablets (low blood sugar risk).",
        ],
        "goals": ["Feed the birds in the garden", "Walk to the corner shop with my frame",
                  "Stay out of hospital"],
        "baseline": "Gruff but kind; walks with a frame; urine clear, pale straw colour.",
        "summary": "Type 2 diabetes, kidney disease and a long-term catheter; lives alone.",
        "drinks": "tea; aim for 1.5-2 litres a day for his catheter",
        "schedule": [("morning", "07:45", 45), ("lunch", "12:00", 30), ("tea", "16:30", 30),
                     ("bed", "20:00", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Wash and catheter care", "Wash; clean around the catheter "
                 "with soap and water; swap the night bag for the leg bag."),
                ("nutrition", "Breakfast", "Straight after his gliclazide: porridge or toast."),
            ],
            "lunch": [
                ("nutrition", "Lunch", "Heat his meal; he likes a pudding."),
            ],
            "tea": [
                ("nutrition", "Tea", "Include some carbohydrate (gliclazide); he likes beans "
                 "on toast."),
                ("personal_care", "Empty catheter bag", "Empty the leg bag and record the "
                 "amount in ml."),
            ],
            "bed": [
                ("personal_care", "Night catheter bag", "Attach the night bag to the leg bag; "
                 "bag on its stand below the bed."),
                ("mobility", "Settle in bed", "Frame by the bed, lamp on, pendant alarm on."),
            ],
        },
        "meds": [
            {"name": "Gliclazide", "form": "tablet", "strength": "80mg", "dose": "1 tablet",
             "route": "oral", "times": ["08:00", "16:45"], "support": "prompt", "days": 800,
             "note": "Must eat straight after."},
            {"name": "Bisoprolol", "form": "tablet", "strength": "5mg", "dose": "1 tablet",
             "route": "oral", "times": ["08:00"], "support": "prompt", "days": 800, "note": ""},
            {"name": "Atorvastatin", "form": "tablet", "strength": "20mg", "dose": "1 tablet",
             "route": "oral", "times": ["20:15"], "support": "prompt", "days": 800, "note": ""},
            _PARACETAMOL_PRN,
        ],
    },
    {
        "key": "su18", "name": "Nasreen Akhtar", "preferred_name": "Nasreen", "pronoun": "she",
        "dob": "1952-04-07", "address": "12 Pennyroyal Avenue", "postcode": "LS11 7BT",
        "area": "Beeston", "phone": "+44 113 496 0352",
        "access": "Imran (son) or Nasreen answers. Key safe on the side wall, code 2951.",
        "allergies": ["Penicillin (rash)"], "dnacpr": _FULL,
        "communication": "Urdu first language; good spoken English. Prefers female carers.",
        "nok": ("Imran Akhtar", "Son", "+44 7700 900218"), "gp": "Dr Imran Siddiqui",
        "risks": [
            "Falls: osteoporosis, so a fall could mean a fracture; hip protectors on.",
            "Mood: tell the office if she stops eating or stays in bed.",
            "Environment: steep stairs; stairlift.",
        ],
        "goals": ["Cook with my granddaughters at Eid", "Walk to the park with Imran",
                  "Feel more like myself again"],
        "baseline": "Quiet, warm once she knows you; walks with a stick; mood lower in the "
                    "mornings.",
        "summary": "Depression and osteoporosis; lives with her son, who works days.",
        "drinks": "chai with milk, or a mango lassi",
        "schedule": [("morning", "08:45", 30), ("tea", "17:15", 30)],
        "tasks": {
            "morning": [
                ("personal_care", "Wash and dress", "Help to shower (on the stool); she dresses "
                 "herself. Hip protectors on."),
                ("wellbeing", "Mood check", "Ask how she slept and how she feels; encourage "
                 "her to get dressed and come downstairs."),
            ],
            "tea": [
                ("nutrition", "Evening meal", "Warm the meal Imran left; she likes it with "
                 "fresh chapati."),
                ("wellbeing", "Chat", "A few minutes' chat; she loves talking about her "
                 "granddaughters."),
            ],
        },
        "meds": [
            {"name": "Sertraline", "form": "tablet", "strength": "100mg", "dose": "1 tablet",
             "route": "oral", "times": ["09:00"], "support": "prompt", "days": 150, "note": ""},
            {"name": "Adcal-D3", "form": "chewable tablet", "strength": "1500mg/400 unit",
             "dose": "1 tablet", "route": "oral", "times": ["09:00", "17:30"],
             "support": "prompt", "days": 500, "note": ""},
        ],
    },
    {
        "key": "su19", "name": "Eileen Crabtree", "preferred_name": "Eileen", "pronoun": "she",
        "dob": "1936-10-29", "address": "4 Kingfisher Mews", "postcode": "LS11 0DH",
        "area": "Beeston", "phone": "+44 113 496 0353",
        "access": "Key safe behind the gate, code 6115.",
        "allergies": ["Codeine (confusion)"],
        "dnacpr": "ReSPECT form: not for CPR; for treatment at home where possible",
        "communication": "Wears glasses; short-term memory problems.",
        "nok": ("Janet Crabtree", "Daughter", "+44 7700 900219"), "gp": "Dr Imran Siddiqui",
        "risks": [
            "Falls: three falls this year; frame, sensor mat and pendant alarm.",
            "Environment: gas fire; check it is off at the bed visit.",
            "Skin: thin skin on her arms; no tight grips.",
        ],
        "goals": ["Stay in my own bungalow", "See my great-grandchildren on Sundays",
                  "Keep up my knitting"],
        "baseline": "Pleasant, a little forgetful; walks with a frame; eats well at tea.",
        "summary": "Frailty with falls; daughter helps in the mornings. Tea and bed visits.",
        "drinks": "tea with milk; leave a full beaker (she forgets to drink)",
        "schedule": [("tea", "18:00", 30), ("bed", "20:45", 30)],
        "tasks": {
            "tea": [
                ("nutrition", "Tea", "Make tea of her choice; fish on Fridays."),
                ("mobility", "Walk to the lounge", "Walk with her and her frame; check she is "
                 "steady."),
            ],
            "bed": [
                ("personal_care", "Ready for bed", "Wash, nightie, teeth; partial denture in "
                 "its pot."),
                ("mobility", "Falls check", "Sensor mat on, pendant on, frame and commode "
                 "within reach."),
            ],
        },
        "meds": [
            {"name": "Mirtazapine", "form": "tablet", "strength": "15mg", "dose": "1 tablet",
             "route": "oral", "times": ["21:00"], "support": "assist", "days": 250, "note": ""},
            {"name": "Senna", "form": "tablet", "strength": "7.5mg", "dose": "2 tablets",
             "route": "oral", "times": ["21:00"], "support": "assist", "days": 250, "note": ""},
            _PARACETAMOL_PRN,
        ],
    },
    {
        "key": "su20", "name": "Gareth Pryce", "preferred_name": "Gareth", "pronoun": "he",
        "dob": "1957-12-01", "address": "20 Foxglove Row", "postcode": "LS11 6QS",
        "area": "Beeston", "phone": "+44 113 496 0354",
        "access": "Gareth lets you in. Key safe code 1736 if no answer.",
        "allergies": _NO_KNOWN, "dnacpr": _FULL,
        "communication": "Expressive aphasia after a stroke: understands well but struggles "
                         "for words. Yes/no questions and his communication book; don't finish "
                         "his sentences.",
        "nok": ("Rhys Pryce", "Brother", "+44 7700 900220"), "gp": "Dr Imran Siddiqui",
        "risks": [
            "Falls: walks with a stick; right leg weak.",
            "Environment: cluttered hallway; ask before moving anything.",
            "Lone working: none known.",
        ],
        "goals": ["Sing with the male voice choir again",
                  "Do my own shopping with the app on my tablet",
                  "Talk on the phone to my brother"],
        "baseline": "Understands everything; few words; walks with a stick; good humour.",
        "summary": "Stroke with aphasia; lives alone and manages his own medicines. A daily "
                   "welfare visit.",
        "drinks": "black coffee",
        "schedule": [("welfare", "11:00", 15)],
        "tasks": {
            "welfare": [
                ("wellbeing", "Welfare check", "Check he is well (yes/no questions); check he "
                 "has lunch planned."),
                ("domestic", "Shopping list", "Help him add his shopping to the app on his "
                 "tablet."),
            ],
        },
        "meds": [],
    },
)
