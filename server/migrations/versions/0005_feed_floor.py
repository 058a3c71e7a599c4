"""The lowest feed position kept per agency: a cursor below it gets a full resync."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("feed_floor"):
        op.create_table("feed_floor",
                        sa.Column("tenant_id", sa.String(36), primary_key=True),
                        sa.Column("seq", sa.BigInteger, nullable=False))


def downgrade() -> None:
    op.drop_table("feed_floor")
