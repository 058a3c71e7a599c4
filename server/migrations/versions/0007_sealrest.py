"""Office data sealed at rest: each agency gets a data key (wrapped to its escrow key); people,
care plans, medicines and every feed body already stored are sealed under it, and people's
names get their blind index. Only the escrow public key is needed, so this runs unattended."""

from __future__ import annotations

import base64
from typing import Any

import sqlalchemy as sa
from alembic import op

from server import datakeys, sealing

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_OFFICE_TABLES = ("service_users", "care_plans", "medicines")


def _rows(name: str) -> sa.TableClause:
    return sa.table(name, sa.column("id", sa.String), sa.column("tenant_id", sa.String),
                    sa.column("version", sa.Integer), sa.column("body", sa.JSON))


_feed = sa.table("feed", sa.column("tenant_id", sa.String), sa.column("seq", sa.BigInteger),
                 sa.column("version", sa.Integer), sa.column("body", sa.JSON))
_tenants = sa.table("tenants", sa.column("id", sa.String),
                    sa.column("escrow_public_key", sa.String), sa.column("data_key", sa.JSON))
_people = sa.table("service_users", sa.column("id", sa.String),
                   sa.column("name_index", sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    tenant_columns = {c["name"] for c in sa.inspect(conn).get_columns("tenants")}
    if "data_key" not in tenant_columns:
        op.add_column("tenants", sa.Column("data_key", sa.JSON))
    if "name_index" not in {c["name"] for c in sa.inspect(conn).get_columns("service_users")}:
        op.add_column("service_users", sa.Column("name_index", sa.String(64)))
        op.create_index("service_users_by_name", "service_users", ["tenant_id", "name_index"])
    for tid, public, wrapped in conn.execute(
            sa.select(_tenants.c.id, _tenants.c.escrow_public_key, _tenants.c.data_key)).all():
        if wrapped is not None:
            continue  # already has its key (and its rows were sealed with it)
        keys = datakeys.AgencyKeys.new()
        conn.execute(sa.update(_tenants).where(_tenants.c.id == tid).values(
            data_key=datakeys.wrap(keys, tid, base64.b64decode(public))))
        datakeys.remember(conn, tid, keys)
        _seal_agency(conn, tid, keys)


def _seal_agency(conn: sa.Connection, tid: str, keys: datakeys.AgencyKeys) -> None:
    for name in _OFFICE_TABLES:
        t = _rows(name)
        for r in conn.execute(sa.select(t).where(t.c.tenant_id == tid)).all():
            if sealing.is_sealed(r.body):
                continue
            values: dict[str, Any] = {
                "body": sealing.seal_body(keys, tid, name, r.id, r.version, r.body)}
            conn.execute(sa.update(t).where(t.c.id == r.id).values(**values))
            if name == "service_users":
                conn.execute(sa.update(_people).where(_people.c.id == r.id).values(
                    name_index=sealing.name_index(keys, str(r.body.get("name", "")))))
    for r in conn.execute(sa.select(_feed).where(_feed.c.tenant_id == tid,
                                                 _feed.c.body.is_not(None))).all():
        if not sealing.is_sealed(r.body):
            conn.execute(sa.update(_feed).where(_feed.c.tenant_id == tid, _feed.c.seq == r.seq)
                         .values(body=sealing.seal_feed_body(keys, tid, r.seq, r.version,
                                                             r.body)))


def downgrade() -> None:
    # Back to clear rows: this needs the escrow private key (datakeys.KeyUnavailable says so).
    conn = op.get_bind()
    for (tid,) in conn.execute(sa.select(_tenants.c.id).where(
            _tenants.c.data_key.is_not(None))).all():
        keys = datakeys.keys_for(conn, tid)
        for name in _OFFICE_TABLES:
            t = _rows(name)
            for r in conn.execute(sa.select(t).where(t.c.tenant_id == tid)).all():
                if sealing.is_sealed(r.body):
                    conn.execute(sa.update(t).where(t.c.id == r.id).values(
                        body=sealing.open_body(keys, tid, name, r.id, r.version, r.body)))
        for r in conn.execute(sa.select(_feed).where(_feed.c.tenant_id == tid,
                                                     _feed.c.body.is_not(None))).all():
            if sealing.is_sealed(r.body):
                conn.execute(sa.update(_feed).where(_feed.c.tenant_id == tid,
                                                    _feed.c.seq == r.seq)
                             .values(body=sealing.open_feed_body(keys, tid, r.seq, r.version,
                                                                 r.body)))
    op.drop_index("service_users_by_name", table_name="service_users")
    op.drop_column("service_users", "name_index")
    op.drop_column("tenants", "data_key")
