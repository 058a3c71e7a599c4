"""The end-of-shift handover on the phone, in memory against the real office: a note flagged
for handover, "End shift & hand over" once the last visit is checked out, editing and
submitting with no signal, the office receiving it, its acknowledgement and reply coming back,
and a point from an earlier handover on the person's visit."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from server import feed
from server.schema import records as office_records
from sync.handover import items_of
from tests.screens.conftest import NOW, Office, OpenApp, Phone
from tests.screens.test_escalation_screens import tick
from tests.screens.test_worker_screens import enrol, record_due_doses, start_offline, unlock


def finish_the_visit_with_a_flagged_note(opened: OpenApp, phone: Phone) -> None:
    ui = opened.ui
    ui.tap("visit-0")
    ui.tap("visit-check-in")
    ui.tap("task-0-done")
    ui.tap("task-1-done")
    record_due_doses(ui)
    ui.type("note-text", "Hoist sling is fraying")
    tick(ui, "note-for-handover")
    ui.tap("note-save")
    assert any("Hoist sling is fraying" in t and "for handover" in t for t in ui.texts())
    phone.clock.advance(minutes=25)
    ui.tap("visit-check-out")
    ui.tap("back")


def office_handover(office: Office) -> dict:
    with office.app.state.engine.connect() as conn:
        [row] = conn.execute(office_records.select().where(
            office_records.c.kind == "handover")).mappings().all()
    return dict(row)


def publish(office: Office, changes: list[dict]) -> None:
    with office.app.state.engine.begin() as conn:
        feed.publish(conn, office.agency.tenant_id, [
            {"worker_id": office.agency.worker_id, "op": "upsert", **c} for c in changes])


def test_a_shift_is_handed_over_offline_received_and_answered(phone: Phone,
                                                              office: Office) -> None:
    opened = start_offline(phone, office)
    ui = opened.ui
    assert ui.exists("hand-over-now") and not ui.exists("end-shift")
    finish_the_visit_with_a_flagged_note(opened, phone)
    ui.tap("end-shift")
    assert "Hoist sling is fraying" in ui.text("handover-background-0")
    assert "Amlodipine" in ui.text("handover-assessment-0")
    assert "Escalation still open" in ui.text("handover-recommendation-0")
    assert ui.exists("handover-unsynced")
    tick(ui, "handover-background-0-next")
    ui.type("handover-recommendation-text", "Ask the office for a new sling")
    ui.tap("handover-submit")
    assert "still only on this phone" in ui.text("handover-warning")
    assert ui.text("handover-status-0").endswith("saved on phone, not sent yet")
    ui.tap("handover-done")
    assert ui.text("handover-status-0").endswith("saved on phone, not sent yet")
    ui.close()

    online = phone.open()
    unlock(online)
    ui = online.ui
    ui.tap("sync-now")
    assert ui.text("handover-status-0").endswith("received by the office")
    row = office_handover(office)
    facts = row["facts"] if isinstance(row["facts"], dict) else json.loads(row["facts"])
    # The note, the 08:00 dose taken late and the eMAR's own escalation about it.
    assert facts["items"] == 3 and facts["has_concerns"] is True
    assert (row["visit_id"], row["service_user_id"]) == (None, None)

    at = (NOW + timedelta(hours=1)).isoformat()
    publish(office, [{"entity": "handover_ack", "entity_id": row["id"], "version": 2,
                      "body": {"record_id": row["id"], "state": "replied",
                               "acknowledged_at": at, "acknowledged_by": "Olivia Office",
                               "reply": "New sling ordered"}}])
    ui.tap("sync-now")
    assert "acknowledged by Olivia Office at 10:05" in ui.text("handover-status-0")
    assert ui.text("handover-reply-0") == "Reply from the office: New sling ordered"


def test_points_from_earlier_handovers_show_on_the_visit_before_check_in(
        phone: Phone, office: Office) -> None:
    opened = phone.open()
    enrol(opened, office)
    ui = opened.ui
    margaret = office.agency.people[0]["id"]
    item = str(uuid.uuid4())
    publish(office, [{"entity": "handover_point", "entity_id": item, "version": 1,
                      "body": {"item_id": item, "person_id": margaret,
                               "category": "dose_refused", "text": "Refused her evening tablets",
                               "handover_id": str(uuid.uuid4()),
                               "written_at": (NOW - timedelta(hours=14)).isoformat()}}])
    ui.tap("sync-now")
    ui.tap("visit-0")
    assert ui.text("handover-point-0").startswith(
        "Medicine refused: Refused her evening tablets")
    assert ui.exists("visit-check-in")


def test_the_draft_can_be_trimmed_before_it_is_submitted(phone: Phone, office: Office) -> None:
    opened = start_offline(phone, office)
    ui = opened.ui
    phone.clock.advance(hours=2)  # the 09:00 visit was never visited
    ui.tap("hand-over-now")
    assert "not visited" in ui.text("handover-situation-0")
    ui.tap("handover-situation-0-remove")
    assert ui.text("handover-situation-0").startswith("Removed: ")
    ui.tap("handover-submit")
    [mine] = opened.app.services.handover.mine()
    assert mine.items == 0
    row = opened.store.rows("SELECT facts FROM records WHERE kind = 'handover'")[0]
    assert json.loads(row["facts"])["items"] == 0
    assert items_of(opened.app.services.handover.draft().payload)  # the visit is still missed
