"""Versioned medicines lists and care plans (each version checked by a second coordinator),
the "needs review" mark on a person's medicines list, and controlled drugs' stock registers."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_versions",
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("service_user_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(36)),
        sa.Column("authored_at", sa.Text, nullable=False),
        sa.Column("checked_by", sa.String(36)),
        sa.Column("checked_at", sa.Text),
        sa.Column("in_force_from", sa.Text),
        sa.Column("sealed", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="list_versions_pkey"),
        sa.UniqueConstraint("tenant_id", "entity", "entity_id", "version",
                            name="list_versions_once"),
    )
    op.create_index("list_versions_by_person", "list_versions",
                    ["tenant_id", "service_user_id", "entity"])
    op.create_index("list_versions_queue", "list_versions", ["tenant_id", "state", "authored_at"])
    op.create_table(
        "medicine_reviews",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("service_user_id", sa.String(36), primary_key=True),
        sa.Column("marked_at", sa.Text, nullable=False),
        sa.Column("marked_by", sa.String(36), nullable=False),
        sa.Column("reconciled_at", sa.Text),
        sa.Column("reconciled_by", sa.String(36)),
    )
    op.create_table(
        "cd_stock",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("medicine_id", sa.String(36), nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Float, nullable=False),
        sa.Column("balance", sa.Float, nullable=False),
        sa.Column("expected", sa.Float),
        sa.Column("by_id", sa.String(36), nullable=False),
        sa.Column("record_id", sa.String(36)),
        sa.UniqueConstraint("tenant_id", "record_id", name="cd_stock_once_per_dose"),
    )
    op.create_index("cd_stock_by_medicine", "cd_stock", ["tenant_id", "medicine_id", "n"])


def downgrade() -> None:
    op.drop_index("cd_stock_by_medicine", "cd_stock")
    op.drop_table("cd_stock")
    op.drop_table("medicine_reviews")
    op.drop_index("list_versions_queue", "list_versions")
    op.drop_index("list_versions_by_person", "list_versions")
    op.drop_table("list_versions")
