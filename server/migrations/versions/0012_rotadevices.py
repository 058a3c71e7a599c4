"""What a phone last reported as still waiting to reach the office (the devices page)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "pending_count" not in {c["name"] for c in
                               sa.inspect(op.get_bind()).get_columns("devices")}:
        op.add_column("devices", sa.Column("pending_count", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("pending_count")
