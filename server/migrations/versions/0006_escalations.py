"""Escalations and lone-worker alerts, their history, the on-call ladder, notices, welfare
sessions, agency timings."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("raised_at", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("worker_id", sa.String(36)),
        sa.Column("service_user_id", sa.String(36)),
        sa.Column("visit_id", sa.String(36)),
        sa.Column("source_record_id", sa.String(36)),
        sa.Column("acknowledged_at", sa.Text),
        sa.Column("acknowledged_by", sa.String(36)),
        sa.Column("resolved_at", sa.Text),
        sa.Column("resolved_by", sa.String(36)),
        sa.Column("outcome", sa.String(32)),
        sa.Column("notes", sa.JSON),
        sa.Column("tiers_called", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cause", sa.String(16)),
        sa.Column("level", sa.String(8)),
        sa.Column("answered_at", sa.Text),
        sa.Column("next_call_at", sa.Text),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="escalations_once"),
        sa.UniqueConstraint("tenant_id", "reference", name="escalations_reference"),
    )
    op.create_index("escalations_open", "escalations", ["tenant_id", "state", "raised_at"])
    op.create_index("escalations_next_call", "escalations", ["next_call_at"])
    op.create_table(
        "escalation_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("escalation_id", sa.String(36), nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=False),
        sa.Column("detail", sa.JSON),
    )
    op.create_index("ix_escalation_events_escalation_id", "escalation_events",
                    ["escalation_id"])
    op.create_table(
        "oncall_ladder",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("tier", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("target", sa.String(320), primary_key=True),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "ladder_calls",
        sa.Column("subject_kind", sa.String(16), primary_key=True),
        sa.Column("subject_id", sa.String(36), primary_key=True),
        sa.Column("tier", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("called_at", sa.Text, nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(36), nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(320), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("claimed_at", sa.Text),
        sa.Column("sent_at", sa.Text),
    )
    op.create_index("ix_notices_subject_id", "notices", ["subject_id"])
    op.create_index("notices_pending", "notices", ["state", "created_at"])
    op.create_table(
        "welfare_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("worker_id", sa.String(36), nullable=False),
        sa.Column("visit_id", sa.String(36), nullable=False),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("expected_end", sa.Text, nullable=False),
        sa.Column("ended_at", sa.Text),
        sa.Column("amber_at", sa.Text),
    )
    op.create_index("welfare_open", "welfare_sessions", ["ended_at", "amber_at", "expected_end"])
    op.create_table(
        "agency_settings",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("urgent_ack_s", sa.Integer, nullable=False),
        sa.Column("emergency_ack_s", sa.Integer, nullable=False),
        sa.Column("lone_grace_s", sa.Integer, nullable=False),
        sa.Column("lone_amber_to_red_s", sa.Integer, nullable=False),
        sa.Column("lone_tier_ack_s", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("agency_settings", "welfare_sessions", "notices", "ladder_calls", "oncall_ladder",
                  "escalation_events", "escalations"):
        op.drop_table(table)
