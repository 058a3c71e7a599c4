"""Office roles (coordinator, safeguarding lead, admin) and ids unique per agency.

`coordinators.role` replaces the `is_safeguarding_lead` flag (a lead keeps being one). The
tables whose ids an agency (or its phones) chooses get a primary key of (tenant_id, id), so
the same id in two agencies on one server are two rows, not a clash.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PER_AGENCY = ("records", "welfare_sessions", "visits", "service_users", "care_plans",
              "medicines")


def _primary_key(name: str, columns: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(f"{name}_pkey", name, type_="primary")
        op.create_primary_key(f"{name}_pkey", name, columns)
        return
    # SQLite cannot alter a primary key: the table is rebuilt from a copy of itself with the
    # new one (its columns, defaults and indexes as they are).
    old = sa.Table(name, sa.MetaData(), autoload_with=op.get_bind())
    copied = []
    for column in old.columns:
        copy = column._copy()
        copy.primary_key = False
        copied.append(copy)
    new = sa.Table(name, sa.MetaData(), *copied,
                   sa.PrimaryKeyConstraint(*columns, name=f"{name}_pkey"))
    for index in old.indexes:
        sa.Index(index.name, *[new.c[c.name] for c in index.columns], unique=index.unique)
    with op.batch_alter_table(name, recreate="always", copy_from=new):
        pass


def upgrade() -> None:
    op.add_column("coordinators", sa.Column("role", sa.String(32), nullable=False,
                                            server_default="coordinator"))
    op.execute("UPDATE coordinators SET role = 'safeguarding_lead' "
               "WHERE is_safeguarding_lead")
    with op.batch_alter_table("coordinators") as batch:
        batch.drop_column("is_safeguarding_lead")
    for name in PER_AGENCY:
        _primary_key(name, ["tenant_id", "id"])


def downgrade() -> None:
    for name in PER_AGENCY:
        _primary_key(name, ["id"])
    op.add_column("coordinators", sa.Column("is_safeguarding_lead", sa.Boolean,
                                            nullable=False, server_default=sa.false()))
    op.execute("UPDATE coordinators SET is_safeguarding_lead = (role = 'safeguarding_lead')")
    with op.batch_alter_table("coordinators") as batch:
        batch.alter_column("is_safeguarding_lead", server_default=None)
        batch.drop_column("role")
