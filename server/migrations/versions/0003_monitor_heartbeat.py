"""Which server process leads the background monitors, and when it last ran them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("monitor_heartbeat"):
        op.create_table("monitor_heartbeat",
                        sa.Column("holder", sa.Text, primary_key=True),
                        sa.Column("beat_at", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("monitor_heartbeat")
