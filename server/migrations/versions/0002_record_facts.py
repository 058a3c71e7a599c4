"""Records keep the facts the office reads in the clear (dose outcomes, times) beside the seal."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Databases whose first hand-rolled migration already made the column skip it (as before).
    if "facts" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("records")}:
        op.add_column("records", sa.Column("facts", sa.JSON, nullable=False,
                                           server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column("records", "facts")
