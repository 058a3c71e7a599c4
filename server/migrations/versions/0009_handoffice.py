"""End-of-shift handovers at the office: the inbox, replies, points for the next workers, and
the agency setting that passes them on."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agency_settings", sa.Column(
        "handover_to_next_worker", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table(
        "handovers",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("worker_id", sa.String(36), nullable=False),
        sa.Column("shift_start", sa.Text, nullable=False),
        sa.Column("shift_end", sa.Text, nullable=False),
        sa.Column("has_concerns", sa.Boolean, nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("acknowledged_at", sa.Text),
        sa.Column("acknowledged_by", sa.String(36)),
        sa.Column("routed_at", sa.Text),
    )
    op.create_index("handovers_inbox", "handovers", ["tenant_id", "state", "shift_end"])
    op.create_index("handovers_by_worker", "handovers", ["tenant_id", "worker_id", "shift_end"])
    op.create_index("handovers_to_route", "handovers", ["routed_at"])
    op.create_table(
        "handover_replies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("handover_id", sa.String(36), nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.String(36), nullable=False),
        sa.Column("sealed", sa.JSON, nullable=False),
    )
    op.create_index("ix_handover_replies_handover_id", "handover_replies", ["handover_id"])
    op.create_table(
        "handover_points",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("item_id", sa.String(36), primary_key=True),
        sa.Column("handover_id", sa.String(36), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=False),
        sa.Column("service_user_id", sa.String(36), nullable=False),
        sa.Column("written_at", sa.Text, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
    )
    op.create_index("handover_points_by_person", "handover_points",
                    ["tenant_id", "service_user_id", "written_at"])


def downgrade() -> None:
    for table in ("handover_points", "handover_replies", "handovers"):
        op.drop_table(table)
    with op.batch_alter_table("agency_settings") as batch:
        batch.drop_column("handover_to_next_worker")
