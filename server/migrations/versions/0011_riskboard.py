"""The risk board's setting (how long a phone on shift may go without syncing) and the indexes
the notes search reads records by (agency and time; with the worker, the person or the
kind), and the board's "was this visit checked in to?" (agency, visit, kind)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = {
    "records_by_time": ["tenant_id", "recorded_at"],
    "records_by_worker_time": ["tenant_id", "worker_id", "recorded_at"],
    "records_by_person_time": ["tenant_id", "service_user_id", "recorded_at"],
    "records_by_kind_time": ["tenant_id", "kind", "recorded_at"],
    "records_by_visit_kind": ["tenant_id", "visit_id", "kind"],
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "sync_stale_s" not in {c["name"] for c in inspector.get_columns("agency_settings")}:
        op.add_column("agency_settings", sa.Column("sync_stale_s", sa.Integer, nullable=False,
                                                   server_default="3600"))
    have = {i["name"] for i in inspector.get_indexes("records")}
    for name, columns in INDEXES.items():
        if name not in have:
            op.create_index(name, "records", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="records")
    with op.batch_alter_table("agency_settings") as batch:
        batch.drop_column("sync_stale_s")
