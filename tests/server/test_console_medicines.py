"""The console's medicines and care plan screens in memory: a person's list with Add / Change /
Stop forms whose errors name the box, the "to check" queue a second coordinator works through,
the history of versions, the "needs review" mark, controlled drugs' stock, and care plan tasks
edited and checked the same way; every opening audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from server import agency, feed
from server.schema import audit_log
from server.storage import make_engine, migrate
from tests.factories import PASSWORD, small_agency
from tests.server.test_console import Office, on_top, routes, sign_in
from tests.support.flet_memory import Harness

BEA = "bea@example.org"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    engine = make_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    migrate(engine)
    a = small_agency(engine, tmp_path)
    agency.add_coordinator(engine, a.tenant_id, "Bea Second", BEA, PASSWORD)
    yield Office(engine, a)
    engine.dispose()


def sign_in_as_bea(app: Harness) -> None:
    app.type("console-email", BEA)
    app.type("console-password", PASSWORD)
    app.tap("console-sign-in")


def tick(app: Harness, identifier: str, value: bool) -> None:
    app.tick(identifier, value)


def error_under(app: Harness, field: str) -> object:
    box = app.semantics(f"console-med-field-{field}").content
    return getattr(box, "error", None) or getattr(box, "error_text", None)


def actions(office: Office, action: str) -> int:
    with office.engine.connect() as conn:
        return len(conn.execute(select(audit_log.c.id).where(
            audit_log.c.action == action)).all())


def phone_doses(office: Office) -> list[str]:
    a = office.agency
    with office.engine.connect() as conn:
        return [c["body"]["dose"] for c in feed.pull(conn, a.tenant_id, a.worker_id, 0, 1000)
                if c["entity"] == "medicine"]


def change_the_dose(app: Harness) -> None:
    app.tap("console-med-change-0")
    app.type("console-med-field-dose", "2 tablets")
    app.tap("console-med-save")
    assert "Say why the list is changing." in on_top(app)
    assert error_under(app, "why") == "Say why the list is changing."
    assert app.find("console-med-field-dose").value == "2 tablets"  # type: ignore[attr-defined]
    app.type("console-med-field-why", "Dose doubled by the GP")
    app.tap("console-med-source-gp_letter")
    app.tap("console-med-save")


def test_a_change_waits_for_a_second_coordinator_then_reaches_the_phone(
        office: Office) -> None:
    person = office.person_id
    with office.open(f"/people/{person}/medicines") as app:
        sign_in(app)
        assert routes(app) == ["/", f"/people/{person}/medicines"]
        shown = on_top(app)
        assert "Medicines: Margaret Ellison" in shown and "Allergies: Penicillin" in shown
        assert "Amlodipine 5 mg tablet" in shown and "1 tablet" in shown
        assert actions(office, "read_medicine") >= 1
        change_the_dose(app)
        shown = on_top(app)
        assert "version 2 saved. It waits for a second coordinator" in shown
        assert "A change (version 2) waits for its check" in shown
        app.tap("console-med-to-check")
        assert "You wrote this change: another coordinator must check it." in on_top(app)
        assert not app.exists("console-check-0")
    assert phone_doses(office) == ["1 tablet"]
    with office.open("/medicines/to-check") as app:
        sign_in_as_bea(app)
        shown = on_top(app)
        assert "Changes to check (1)" in shown and "Dose: 1 tablet → 2 tablets" in shown
        assert "By Sam Office" in shown and "Source: GP letter" in shown
        app.tap("console-check-0")
        assert "Amlodipine for Margaret Ellison: checked." in on_top(app)
        assert "Changes to check (0)" in on_top(app)
    assert phone_doses(office) == ["1 tablet", "2 tablets"]
    with office.open(f"/people/{person}/medicines/history") as app:
        sign_in(app)
        shown = on_top(app)
        assert "Changed (version 2)" in shown and "Checked by Bea Second" in shown
        assert "Set up (version 1)" in shown
    assert actions(office, "read_list_version") >= 2


def test_an_allergy_warning_asks_for_a_reason_and_a_rejected_add_never_reaches_a_phone(
        office: Office) -> None:
    person = office.person_id
    with office.open(f"/people/{person}/medicines") as app:
        sign_in(app)
        app.tap("console-med-add")
        for field, value in (("name", "Amoxicillin"), ("strength", "500 mg"),
                             ("dose", "1 capsule"), ("route", "oral"),
                             ("times", "08:00, 14:00, 20:00"), ("start_date", "2026-03-01"),
                             ("why", "Chest infection")):
            app.type(f"console-med-field-{field}", value)
        app.tap("console-med-source-prescription")
        app.tap("console-med-save")
        assert "Allergy warning: Penicillin" in on_top(app)
        assert str(error_under(app, "override")).startswith("Allergy warning")
        app.type("console-med-field-override", "GP checked: the old rash was viral")
        app.tap("console-med-save")
        assert "Amoxicillin: version 1 saved." in on_top(app)
        assert "Amoxicillin 500 mg (new)" in on_top(app)
    with office.open("/medicines/to-check") as app:
        sign_in_as_bea(app)
        assert "Allergy warning overridden: GP checked" in on_top(app)
        app.tap("console-reject-0")
        assert "Say what is wrong with the change." in on_top(app)
        app.type("console-reject-reason-0", "The prescription says clarithromycin")
        app.tap("console-reject-0")
        assert "rejected; it never reaches a phone" in on_top(app)
    assert phone_doses(office) == ["1 tablet"]


def test_covert_needs_a_best_interests_decision_and_stop_keeps_the_entry(
        office: Office) -> None:
    with office.open(f"/people/{office.person_id}/medicines") as app:
        sign_in(app)
        app.tap("console-med-change-0")
        tick(app, "console-med-field-covert", True)
        app.type("console-med-field-why", "Refusing tablets; best-interests meeting held")
        app.tap("console-med-source-clinician_instruction")
        app.tap("console-med-save")
        assert str(error_under(app, "best_interests")).startswith("Covert administration")
        app.tap("console-med-cancel")
        app.tap("console-med-stop-0")
        app.type("console-med-field-stop_date", "01/04/2026")
        app.type("console-med-field-why", "Stopped by the GP")
        app.tap("console-med-source-gp_letter")
        app.tap("console-med-save")
        assert error_under(app, "stop_date") == "The stop date must be a date like 2026-03-31."
        app.type("console-med-field-stop_date", "2026-04-01")
        app.tap("console-med-save")
        assert "version 2 saved" in on_top(app)


def test_the_needs_review_mark_is_set_and_cleared_from_the_list(office: Office) -> None:
    with office.open(f"/people/{office.person_id}/medicines") as app:
        sign_in(app)
        app.tap("console-med-needs-review")
        assert "NEEDS REVIEW since" in on_top(app)
        app.tap("console-med-reconcile")
        assert "NEEDS REVIEW" not in on_top(app)
        assert app.exists("console-med-needs-review")
    assert actions(office, "mark_medicines_review") == 1
    assert actions(office, "reconcile_medicines") == 1


def test_the_mar_chart_and_the_day_board_lead_to_the_medicines_screens(
        office: Office) -> None:
    with office.open(f"/people/{office.person_id}/mar") as app:
        sign_in(app)
        app.tap("console-mar-medicines")
        assert routes(app)[-1] == f"/people/{office.person_id}/medicines"
        app.run(app.page.push_route("/"))
        assert "Medicines to check (0)" in app.text("console-medicines-to-check")
        app.tap("console-medicines-to-check")
        assert routes(app) == ["/", "/medicines/to-check"]


def test_a_controlled_drug_keeps_a_running_stock_balance(office: Office) -> None:
    from server.schema import coordinators
    from server.services import med_checks, medicines_list
    from server.services.sign_in import Coordinator

    a = office.agency
    with office.engine.connect() as conn:
        ids = dict(conn.execute(select(coordinators.c.email, coordinators.c.id)).all())
    sam = Coordinator(ids["office@example.org"], a.tenant_id, "Sam Office")
    bea = Coordinator(ids[BEA], a.tenant_id, "Bea Second")
    from server import escrow
    key = escrow.load_private_key(str(a.key_file))
    v = medicines_list.add_medicine(
        office.engine, key, sam, office.person_id,
        {"name": "Oramorph", "strength": "10mg/5ml", "dose": "2.5ml", "route": "oral",
         "support_level": "administer", "start_date": "2026-01-01", "controlled": True,
         "prn": True, "prn_reason": "Breakthrough pain", "prn_min_interval_hours": "2",
         "prn_max_doses_24h": "6"}, "Started by the palliative team", "prescription")
    med_checks.check(office.engine, bea, v.id)
    with office.open(f"/people/{office.person_id}/medicines") as app:
        sign_in(app)
        n = next(i for i in range(5) if "Oramorph" in app.text(f"console-med-{i}"))
        assert "Stock: not recorded yet" in app.text(f"console-med-{n}")
        app.type(f"console-med-stock-qty-{n}", "100")
        app.tap(f"console-med-stock-received-{n}")
        assert "Stock received: 100. Balance 100." in on_top(app)
        app.type(f"console-med-stock-qty-{n}", "95")
        app.tap(f"console-med-stock-counted-{n}")
        assert "It should have been 100: the office has been told." in on_top(app)
        assert "Stock: 95" in app.text(f"console-med-{n}")
        app.type(f"console-med-stock-qty-{n}", "lots")
        app.tap(f"console-med-stock-counted-{n}")
        assert "Give the quantity as a number." in on_top(app)
    assert actions(office, "cd_stock_counted") == 1


def phone_tasks(office: Office) -> list[list[str]]:
    a = office.agency
    with office.engine.connect() as conn:
        return [[t["title"] for t in c["body"]["tasks"]]
                for c in feed.pull(conn, a.tenant_id, a.worker_id, 0, 1000)
                if c["entity"] == "care_plan"]


def test_an_edited_care_plan_waits_for_its_check_then_reaches_the_phone(
        office: Office) -> None:
    before = phone_tasks(office)
    assert before == [["Help with a wash and dressing", "Breakfast and a drink"]]
    with office.open(f"/people/{office.person_id}/care-plan") as app:
        sign_in(app)
        assert "Care plan: Margaret Ellison" in on_top(app)
        app.tap("console-plan-remove-1")
        assert "Breakfast and a drink" not in on_top(app)
        app.tap("console-plan-add")
        assert "The visit is needed." in on_top(app)
        app.tap("console-plan-visit_type-morning")
        app.tap("console-plan-category-nutrition")
        app.type("console-plan-title", "Porridge and a mug of tea")
        app.type("console-plan-instructions", "Two sugars; she likes it milky")
        app.tap("console-plan-add")
        assert "Porridge and a mug of tea" in on_top(app)
        app.tap("console-plan-save")
        assert app.semantics("console-plan-why").content.error == (  # type: ignore[attr-defined]
            "Say why the list is changing.")
        app.type("console-plan-why", "Reviewed with her daughter")
        app.tap("console-plan-source-other")
        app.tap("console-plan-save")
        assert "Care plan version 2 saved. It waits for a second coordinator" in on_top(app)
    assert phone_tasks(office) == before
    with office.open("/medicines/to-check") as app:
        sign_in_as_bea(app)
        assert "Care plan · Margaret Ellison · Changed (version 2)" in on_top(app)
        assert "Tasks: Help with a wash and dressing, Breakfast and a drink → Help with a " \
               "wash and dressing, Porridge and a mug of tea" in on_top(app)
        app.tap("console-check-0")
    assert phone_tasks(office)[-1] == ["Help with a wash and dressing",
                                       "Porridge and a mug of tea"]


def test_a_clinicians_dose_for_a_date_is_entered_and_checked_before_phones_get_it(
        office: Office) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from server import escrow, med_versions
    from server.med_versions import Action
    from server.schema import coordinators
    from server.services import med_checks
    from server.services.sign_in import Coordinator

    a = office.agency
    with office.engine.connect() as conn:
        ids = dict(conn.execute(select(coordinators.c.email, coordinators.c.id)).all())
    sam = Coordinator(ids["office@example.org"], a.tenant_id, "Sam Office")
    bea = Coordinator(ids[BEA], a.tenant_id, "Bea Second")
    warfarin = {"name": "Warfarin", "strength": "1 mg", "form": "tablet", "dose": "as set",
                "route": "oral", "times": ["18:00"], "support_level": "administer",
                "start_date": "2026-01-01", "stop_date": None, "prn": None,
                "amount": {"kind": "per_date", "unit": "mg", "by_date": {}}}
    with office.engine.begin() as conn:
        v = med_versions.propose(conn, a.tenant_id, sam.id, "medicine", "warfarin-1",
                                 office.person_id, Action.ADD, warfarin, "Started",
                                 "gp_letter", datetime.now(UTC))
    med_checks.check(office.engine, bea, v.id)
    today = datetime.now(ZoneInfo("Europe/London")).date()  # the console's today
    with office.open(f"/people/{office.person_id}/medicines") as app:
        sign_in(app)
        n = next(i for i in range(5) if "Warfarin" in app.text(f"console-med-{i}"))
        assert f"{today:%a %d %b} none set" in app.text(f"console-med-{n}")
        app.tap(f"console-med-dose-date-{n}")
        app.type("console-med-field-dose_amount", "three")
        app.type("console-med-field-why", "INR 2.4 today: 3 mg")
        app.tap("console-med-save")
        assert error_under(app, "dose_amount") == "Give the dose as a number."
        app.type("console-med-field-dose_amount", "3")
        app.tap("console-med-save")
        assert "Warfarin: version 2 saved." in on_top(app)
    key = escrow.load_private_key(str(a.key_file))
    queue = med_checks.to_check(office.engine, key, bea)
    assert [(d.label, d.after) for d in queue[0].differences] == [
        ("Amount", f"by date {today.isoformat()} 3, kind per_date, unit mg")]
    med_checks.check(office.engine, bea, queue[0].version.id)
    with office.engine.connect() as conn:
        sent = [c["body"] for c in feed.pull(conn, a.tenant_id, a.worker_id, 0, 1000)
                if c["entity_id"] == "warfarin-1"]
    assert sent[-1]["amount"]["by_date"] == {today.isoformat(): 3}
