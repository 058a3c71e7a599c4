"""May a revoked phone still deliver what it queued? Existing agencies keep allowing it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("tenants")}
    if "revoked_devices_may_push" not in columns:
        op.add_column("tenants", sa.Column("revoked_devices_may_push", sa.Boolean,
                                           nullable=False, server_default=sa.true()))


def downgrade() -> None:
    op.drop_column("tenants", "revoked_devices_may_push")
