"""Covering indexes for the risk board at scale: the visits around now (with the columns the
board reads, so no table row is fetched), each person's medicines with their versions (which
lists to open, server/medicine_watch.py), and the check-ins of the last day with their visit
(which visits were never checked in to) in place of the (agency, kind, time) index it widens."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ADDED = {
    ("visits", "visits_around_now"): ["tenant_id", "start", "end", "status", "service_user_id",
                                      "worker_id", "id"],
    ("medicines", "medicines_by_person"): ["tenant_id", "service_user_id", "id", "version"],
    ("records", "records_by_kind_time_visit"): ["tenant_id", "kind", "recorded_at",
                                                "visit_id"],
}
WIDENED = ("records", "records_by_kind_time", ["tenant_id", "kind", "recorded_at"])


def _have(table: str) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade() -> None:
    for (table, name), columns in ADDED.items():
        if name not in _have(table):
            op.create_index(name, table, columns)
    table, name, _ = WIDENED
    if name in _have(table):
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    table, name, columns = WIDENED
    if name not in _have(table):
        op.create_index(name, table, columns)
    for (table, name) in ADDED:
        op.drop_index(name, table_name=table)
