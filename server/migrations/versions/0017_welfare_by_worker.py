"""Indexes for a worker's open lone-working sessions and unanswered overdue alerts, which
every pushed check-out ends and answers: without them each check-out read every session
(and every escalation) the agency ever had, a push slower with each day of history."""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("welfare_by_worker", "welfare_sessions",
                    ["tenant_id", "worker_id", "ended_at"])
    op.create_index("escalations_by_worker", "escalations",
                    ["tenant_id", "worker_id", "answered_at"])


def downgrade() -> None:
    op.drop_index("escalations_by_worker", "escalations")
    op.drop_index("welfare_by_worker", "welfare_sessions")
