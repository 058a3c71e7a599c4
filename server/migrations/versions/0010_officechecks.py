"""Which office-side check raised a medication escalation; since when the office watches for
missed time-critical doses; a worker's NEWS2 training flag."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    if "office_check" not in _columns("escalations"):
        op.add_column("escalations", sa.Column("office_check", sa.String(32)))
    if "news2_trained" not in _columns("workers"):
        op.add_column("workers", sa.Column("news2_trained", sa.Boolean, nullable=False,
                                           server_default=sa.false()))
    if not sa.inspect(op.get_bind()).has_table("missed_dose_watch"):
        op.create_table("missed_dose_watch",
                        sa.Column("tenant_id", sa.String(36), primary_key=True),
                        sa.Column("since", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("missed_dose_watch")
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("news2_trained")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("office_check")
