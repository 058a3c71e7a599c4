"""Baseline: the tables as the first hand-rolled migration made them.

Frozen here (not `server.schema.metadata`, which moves on with later revisions), so this
revision builds the same tables whenever it runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, String, Table, Text

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> sa.MetaData:
    return _people_and_records(_agency(sa.MetaData()))


def _agency(m: sa.MetaData) -> sa.MetaData:
    Table("tenants", m,
          Column("id", String(36), primary_key=True),
          Column("name", Text, nullable=False),
          Column("office_phone", Text, nullable=False),
          Column("on_call_phone", Text, nullable=False),
          Column("timezone", Text, nullable=False),
          Column("escrow_public_key", Text, nullable=False),
          Column("clock", BigInteger, nullable=False))
    Table("workers", m,
          Column("id", String(36), primary_key=True),
          Column("tenant_id", String(36), nullable=False, index=True),
          Column("name", Text, nullable=False),
          Column("phone", Text, nullable=False),
          Column("area", Text, nullable=False),
          Column("role", Text, nullable=False),
          Column("active", Boolean, nullable=False))
    Table("coordinators", m,
          Column("id", String(36), primary_key=True),
          Column("tenant_id", String(36), nullable=False, index=True),
          Column("name", Text, nullable=False),
          Column("email", String(320), nullable=False, unique=True),
          Column("password_hash", Text, nullable=False),
          Column("is_safeguarding_lead", Boolean, nullable=False),
          Column("active", Boolean, nullable=False))
    Table("devices", m,
          Column("id", String(36), primary_key=True),
          Column("tenant_id", String(36), nullable=False),
          Column("worker_id", String(36), nullable=False, index=True),
          Column("token_hash", String(64), nullable=False, unique=True),
          Column("enrolled_at", Text, nullable=False),
          Column("last_seen_at", Text),
          Column("revoked_at", Text),
          Column("revoked_by", String(36)),
          Column("wiped_at", Text),
          Column("app_version", Text, nullable=False))
    Table("enrolment_codes", m,
          Column("code_hash", String(64), primary_key=True),
          Column("tenant_id", String(36), nullable=False),
          Column("worker_id", String(36), nullable=False),
          Column("created_at", Text, nullable=False),
          Column("expires_at", Text, nullable=False),
          Column("used_at", Text),
          Column("device_id", String(36)))
    return m


def _people_and_records(m: sa.MetaData) -> sa.MetaData:
    Table("service_users", m,
          Column("id", String(36), primary_key=True),
          Column("tenant_id", String(36), nullable=False, index=True),
          Column("version", Integer, nullable=False),
          Column("body", JSON, nullable=False))
    for name in ("care_plans", "medicines"):
        Table(name, m,
              Column("id", String(36), primary_key=True),
              Column("tenant_id", String(36), nullable=False),
              Column("service_user_id", String(36), nullable=False, index=True),
              Column("version", Integer, nullable=False),
              Column("body", JSON, nullable=False))
    Table("visits", m,
          Column("id", String(36), primary_key=True),
          Column("tenant_id", String(36), nullable=False),
          Column("worker_id", String(36), nullable=False),
          Column("service_user_id", String(36), nullable=False),
          Column("visit_type", Text, nullable=False),
          Column("start", Text, nullable=False),
          Column("end", Text, nullable=False),
          Column("status", Text, nullable=False),
          Column("version", Integer, nullable=False),
          Index("visits_by_worker_start", "worker_id", "start"),
          Index("visits_by_start", "tenant_id", "start"))
    Table("records", m,
          Column("id", String(36), primary_key=True),
          Column("tenant_id", String(36), nullable=False),
          Column("device_id", String(36), nullable=False),
          Column("worker_id", String(36), nullable=False),
          Column("kind", String(32), nullable=False),
          Column("visit_id", String(36), index=True),
          Column("service_user_id", String(36), index=True),
          Column("recorded_at", Text, nullable=False),
          Column("version", Integer, nullable=False),
          Column("corrects", String(36)),
          Column("envelope", JSON, nullable=False),
          Column("content_hash", String(64), nullable=False),
          Column("received_at", Text, nullable=False),
          Column("seq", BigInteger, nullable=False))
    Table("feed", m,
          Column("tenant_id", String(36), primary_key=True),
          Column("seq", BigInteger, primary_key=True),
          Column("worker_id", String(36), nullable=False),
          Column("entity", String(32), nullable=False),
          Column("entity_id", String(36), nullable=False),
          Column("op", String(8), nullable=False),
          Column("version", Integer, nullable=False),
          Column("body", JSON),
          Index("feed_by_worker", "tenant_id", "worker_id", "seq"))
    Table("audit_log", m,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("tenant_id", String(36), nullable=False),
          Column("at", Text, nullable=False),
          Column("actor_kind", String(16), nullable=False),
          Column("actor_id", String(36), nullable=False),
          Column("action", String(64), nullable=False),
          Column("target_kind", String(32), nullable=False),
          Column("target_id", String(36), nullable=False))
    return m


def upgrade() -> None:
    _tables().create_all(op.get_bind())


def downgrade() -> None:
    _tables().drop_all(op.get_bind())
