"""Indexes for a phone's staff list (the witnesses of a controlled drug): its area's colleagues
by name, then the rest by name, read with a limit on every full sync."""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("workers_by_area_name", "workers", ["tenant_id", "area", "name"])
    op.create_index("workers_by_name", "workers", ["tenant_id", "name"])


def downgrade() -> None:
    op.drop_index("workers_by_name", "workers")
    op.drop_index("workers_by_area_name", "workers")
