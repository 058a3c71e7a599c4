"""Failed sign-ins, enrolment codes and device tokens counted in the database, not per process."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "door_counts",
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("closed_until", sa.BigInteger, nullable=False),
        sa.Column("last_at", sa.BigInteger, nullable=False),
    )
    op.create_index("door_counts_by_last", "door_counts", ["scope", "last_at"])


def downgrade() -> None:
    op.drop_index("door_counts_by_last", "door_counts")
    op.drop_table("door_counts")
