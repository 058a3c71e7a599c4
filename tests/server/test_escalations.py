"""Escalations on the office side: raised once, acknowledged, resolved, and the on-call ladder.

Runs on SQLite and PostgreSQL with a fixed clock; notices go to a real local SMTP server.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import Engine, select

from server import agency_settings, escalations, oncall
from server.cli import main
from server.errors import Invalid, NotFound
from server.ladder import Rung
from server.notifier import Notifier, SmtpChannel
from server.schema import escalation_events, ladder_calls, notices
from tests.support.mail import Inbox
from tests.support.procs import free_port

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
CONSOLE = "http://127.0.0.1:8700/console"


class Who(NamedTuple):
    id: str
    tenant_id: str
    is_safeguarding_lead: bool = False


def new_tenant() -> str:
    return str(uuid.uuid4())


def raise_one(engine: Engine, tenant: str, severity: str = "urgent", type_: str = "fall",
              key: str | None = None, at: datetime = T0) -> escalations.Escalation | None:
    with engine.begin() as conn:
        return escalations.raise_escalation(
            conn, tenant, dedupe_key=key or f"record:{uuid.uuid4()}", type_=type_,
            severity=severity, raised_at=at, actor_kind="worker", actor_id="w1",
            worker_id="w1", service_user_id="p1", visit_id="v1")


def three_tier_ladder(engine: Engine, tenant: str) -> None:
    with engine.begin() as conn:
        oncall.set_ladder(conn, tenant, [
            Rung(0, "On-call coordinator", (("email", "oncall@agency.example"),)),
            Rung(0, "Senior on call", (("email", "senior@agency.example"),)),
            Rung(0, "Registered manager", (("email", "manager@agency.example"),
                                           ("email", "deputy@agency.example"))),
        ])


def called_tiers(engine: Engine, escalation_id: str) -> list[int]:
    with engine.begin() as conn:
        return sorted(r[0] for r in conn.execute(select(ladder_calls.c.tier).where(
            ladder_calls.c.subject_id == escalation_id)))


def test_the_same_concern_is_raised_once_however_often_it_arrives(engine: Engine) -> None:
    tenant = new_tenant()
    first = raise_one(engine, tenant, key="record:abc")
    again = raise_one(engine, tenant, key="record:abc")
    assert first is not None and again is None
    assert first.state == "raised" and first.reference.startswith("ESC-")
    with engine.begin() as conn:
        assert len(escalations.queue(conn, Who("c1", tenant))) == 1


def test_unknown_types_and_severities_are_refused_by_name(engine: Engine) -> None:
    with pytest.raises(Invalid, match="escalation type"):
        raise_one(engine, new_tenant(), type_="bad_day")
    with pytest.raises(Invalid, match="escalation severity"):
        raise_one(engine, new_tenant(), severity="soonish")


def test_acknowledge_then_resolve_keeps_who_and_when_in_the_history(engine: Engine) -> None:
    tenant = new_tenant()
    esc = raise_one(engine, tenant)
    assert esc is not None
    sam = Who("coordinator-sam", tenant)
    with engine.begin() as conn:
        acked = escalations.acknowledge(conn, sam, esc.id, T0 + timedelta(minutes=3))
    assert (acked.state, acked.acknowledged_by) == ("acknowledged", "coordinator-sam")
    with engine.begin() as conn, pytest.raises(Invalid, match="already been acknowledged"):
        escalations.acknowledge(conn, sam, esc.id, T0 + timedelta(minutes=4))
    with engine.begin() as conn:
        done = escalations.resolve(conn, sam, esc.id, T0 + timedelta(minutes=30),
                                   outcome="clinician_contacted")
        events = [e.event for e in escalations.history(conn, sam, esc.id)]
    assert (done.state, done.outcome) == ("resolved", "clinician_contacted")
    assert events == ["raised", "acknowledged", "resolved"]
    with engine.begin() as conn:
        assert escalations.queue(conn, sam) == []
    other = raise_one(engine, tenant)
    assert other is not None
    with engine.begin() as conn, pytest.raises(Invalid, match="outcome must be one of"):
        escalations.resolve(conn, sam, other.id, T0, outcome="sorted")


def test_the_queue_puts_emergencies_first_then_the_oldest(engine: Engine) -> None:
    tenant = new_tenant()
    raise_one(engine, tenant, "routine", at=T0)
    raise_one(engine, tenant, "urgent", at=T0 + timedelta(minutes=1))
    raise_one(engine, tenant, "emergency", at=T0 + timedelta(minutes=2))
    raise_one(engine, tenant, "urgent", at=T0 - timedelta(minutes=1))
    with engine.begin() as conn:
        order = [(e.severity, e.raised_at) for e in escalations.queue(conn, Who("c", tenant))]
    assert [s for s, _ in order] == ["emergency", "urgent", "urgent", "routine"]
    assert order[1][1] < order[2][1]


@pytest.mark.parametrize("lead", [False, True])
def test_safeguarding_concerns_are_seen_only_by_safeguarding_leads(
        engine: Engine, lead: bool) -> None:
    tenant = new_tenant()
    concern = raise_one(engine, tenant, type_="safeguarding")
    raise_one(engine, tenant, type_="fall")
    assert concern is not None
    viewer = Who("c", tenant, is_safeguarding_lead=lead)
    with engine.begin() as conn:
        types = {e.type for e in escalations.queue(conn, viewer)}
        assert ("safeguarding" in types) is lead
        if lead:
            assert escalations.visible(conn, viewer, concern.id).type == "safeguarding"
        else:
            with pytest.raises(NotFound):
                escalations.visible(conn, viewer, concern.id)
            with pytest.raises(NotFound):
                escalations.acknowledge(conn, viewer, concern.id, T0)


def test_another_agency_cannot_see_or_act_on_an_escalation(engine: Engine) -> None:
    esc = raise_one(engine, new_tenant())
    assert esc is not None
    stranger = Who("c", new_tenant(), is_safeguarding_lead=True)
    with engine.begin() as conn:
        assert escalations.queue(conn, stranger) == []
        with pytest.raises(NotFound):
            escalations.acknowledge(conn, stranger, esc.id, T0)


@pytest.mark.parametrize(("severity", "minutes", "tiers"), [
    ("urgent", 0, [0]), ("urgent", 15 - 1 / 60, [0]), ("urgent", 15, [0, 1]),
    ("urgent", 30, [0, 1, 2]), ("urgent", 300, [0, 1, 2]),
    ("emergency", 5 - 1 / 60, [0]), ("emergency", 5, [0, 1]), ("emergency", 10, [0, 1, 2]),
    ("routine", 600, []),
])
def test_unacknowledged_escalations_climb_the_ladder_on_the_agency_timings(
        engine: Engine, severity: str, minutes: float, tiers: list[int]) -> None:
    tenant = new_tenant()
    three_tier_ladder(engine, tenant)
    esc = raise_one(engine, tenant, severity)
    assert esc is not None
    now = T0 + timedelta(minutes=minutes)
    oncall.call_due_tiers(engine, now)
    oncall.call_due_tiers(engine, now)  # a second tick, or a second process: nothing doubles
    assert called_tiers(engine, esc.id) == tiers


def test_acknowledging_stops_the_climb_and_agency_timings_apply(engine: Engine) -> None:
    tenant = new_tenant()
    three_tier_ladder(engine, tenant)
    with engine.begin() as conn:
        agency_settings.set_timings(conn, tenant, urgent_ack_s=60)
    esc = raise_one(engine, tenant, "urgent")
    assert esc is not None
    oncall.call_due_tiers(engine, T0 + timedelta(seconds=60))
    assert called_tiers(engine, esc.id) == [0, 1]
    with engine.begin() as conn:
        escalations.acknowledge(conn, Who("c", tenant), esc.id, T0 + timedelta(seconds=70))
    oncall.call_due_tiers(engine, T0 + timedelta(hours=1))
    assert called_tiers(engine, esc.id) == [0, 1]
    with engine.begin() as conn, pytest.raises(Invalid, match="whole number of seconds"):
        agency_settings.set_timings(conn, tenant, urgent_ack_s=0)


def test_each_called_tier_e_mails_its_people_with_no_personal_details(
        engine: Engine, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    tenant = new_tenant()
    three_tier_ladder(engine, tenant)
    esc = raise_one(engine, tenant, "emergency")
    assert esc is not None
    notifier = Notifier({"email": SmtpChannel("127.0.0.1", port)}, sleep=lambda s: None)
    oncall.call_due_tiers(engine, T0 + timedelta(minutes=10))
    assert oncall.send_pending(engine, notifier, T0 + timedelta(minutes=10), CONSOLE) == 4
    assert oncall.send_pending(engine, notifier, T0 + timedelta(minutes=11), CONSOLE) == 0
    to = sorted(rcpt[0] for rcpt, _ in inbox.messages)
    assert to == ["deputy@agency.example", "manager@agency.example",
                  "oncall@agency.example", "senior@agency.example"]
    message: Any = inbox.messages[0][1]
    assert esc.reference in message["Subject"]
    assert f"{CONSOLE}/escalations/{esc.id}" in message.get_payload()
    raw = b"".join(message.as_bytes() for _, message in inbox.messages)
    assert b"p1" not in raw and b"v1" not in raw  # no person or visit ids either
    with engine.begin() as conn:
        states = {r[0] for r in conn.execute(select(notices.c.state))}
        events = [r[0] for r in conn.execute(select(escalation_events.c.event).where(
            escalation_events.c.escalation_id == esc.id))]
    assert states == {"sent"}
    assert events.count("tier_called") == 3 and events.count("notice_sent") == 4


def test_an_unreachable_mail_server_leaves_the_notice_failed_and_visible(engine: Engine) -> None:
    tenant = new_tenant()
    three_tier_ladder(engine, tenant)
    esc = raise_one(engine, tenant, "urgent")
    assert esc is not None
    notifier = Notifier({"email": SmtpChannel("127.0.0.1", free_port(), timeout=2)},
                        sleep=lambda s: None)
    oncall.call_due_tiers(engine, T0)
    assert oncall.send_pending(engine, notifier, T0, CONSOLE) == 0
    with engine.begin() as conn:
        row = conn.execute(select(notices)).mappings().one()
    assert row["state"] == "failed" and row["attempts"] == 4
    assert "did not accept" in row["last_error"]


def test_a_notice_claimed_by_a_process_that_died_is_sent_by_another(
        engine: Engine, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    tenant = new_tenant()
    three_tier_ladder(engine, tenant)
    raise_one(engine, tenant, "urgent")
    oncall.call_due_tiers(engine, T0)
    with engine.begin() as conn:
        conn.execute(notices.update().values(state="sending", claimed_at=T0.isoformat()))
    notifier = Notifier({"email": SmtpChannel("127.0.0.1", port)}, sleep=lambda s: None)
    assert oncall.send_pending(engine, notifier, T0 + timedelta(minutes=1), CONSOLE) == 0
    assert oncall.send_pending(engine, notifier, T0 + timedelta(minutes=3), CONSOLE) == 1
    assert len(inbox.messages) == 1
    body = message_from_bytes(inbox.messages[0][1].as_bytes()).get_payload()
    assert "needs attention" in body


def test_the_command_line_sets_and_shows_the_on_call_ladder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--database-url", f"sqlite:///{tmp_path / 'cli.sqlite'}",
           "--key-file", str(tmp_path / "escrow.key")]
    assert main(["init", "--name", "Test Care", *url]) == 0
    assert main(["oncall", *url]) == 0
    assert "No on-call ladder" in capsys.readouterr().out
    assert main(["oncall", "--tier", "0", "--label", "On-call coordinator",
                 "--email", "oncall@agency.example", *url]) == 0
    assert main(["oncall", "--tier", "1", "--label", "Manager", "--email", "m@agency.example",
                 "--webhook", "https://hooks.agency.example/x", *url]) == 0
    shown = capsys.readouterr().out
    assert "tier 0: On-call coordinator: email oncall@agency.example" in shown
    assert "tier 1: Manager: email m@agency.example, webhook https://hooks.agency.example/x" \
        in shown
    assert main(["oncall", "--tier", "5", "--email", "x@agency.example", *url]) == 2
    assert "--tier must be from 0 to 2" in capsys.readouterr().err


def test_an_escalation_that_arrives_late_climbs_from_when_the_office_heard_of_it(
        engine: Engine) -> None:
    tenant = new_tenant()
    three_tier_ladder(engine, tenant)
    with engine.begin() as conn:  # raised on a phone ten hours ago, out of signal since
        esc = escalations.raise_escalation(
            conn, tenant, dedupe_key="record:late", type_="fall", severity="urgent",
            raised_at=T0 - timedelta(hours=10), received_at=T0, actor_kind="worker",
            actor_id="w1")
    assert esc is not None
    oncall.call_due_tiers(engine, T0)
    assert called_tiers(engine, esc.id) == [0]
    oncall.call_due_tiers(engine, T0 + timedelta(minutes=15))
    assert called_tiers(engine, esc.id) == [0, 1]
