"""A person's medicines list marked "needs review" (after a hospital stay) until a coordinator
reconciles it against the discharge letter.

The open mark rides on the person's record (`medicines_review` in its body, a new version of
it), so every phone holding the person shows it on the visit until the mark is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from server import datakeys, med_versions, sealing
from server.errors import Conflict, NotFound
from server.schema import medicine_reviews, service_users

REVIEW_WORDS = ("Medicines list needs review after a hospital stay: check with the office "
                "before giving anything new or changed.")


@dataclass(frozen=True)
class Review:
    service_user_id: str
    marked_at: str
    marked_by: str
    reconciled_at: str | None
    reconciled_by: str | None

    @property
    def open(self) -> bool:
        return self.reconciled_at is None


def current(conn: Connection, tenant_id: str, service_user_id: str) -> Review | None:
    r = conn.execute(select(medicine_reviews).where(
        medicine_reviews.c.tenant_id == tenant_id,
        medicine_reviews.c.service_user_id == service_user_id)).first()
    return None if r is None else Review(r.service_user_id, r.marked_at, r.marked_by,
                                         r.reconciled_at, r.reconciled_by)


def mark(conn: Connection, tenant_id: str, coordinator_id: str, service_user_id: str,
         now: datetime) -> Review:
    """Mark the list as needing review; phones show it at the person's next visits."""
    existing = current(conn, tenant_id, service_user_id)
    if existing is not None and existing.open:
        raise Conflict("This medicines list is already marked as needing review.")
    values = {"marked_at": now.isoformat(), "marked_by": coordinator_id,
              "reconciled_at": None, "reconciled_by": None}
    if existing is None:
        conn.execute(insert(medicine_reviews).values(
            tenant_id=tenant_id, service_user_id=service_user_id, **values))
    else:
        conn.execute(update(medicine_reviews).where(
            medicine_reviews.c.tenant_id == tenant_id,
            medicine_reviews.c.service_user_id == service_user_id).values(**values))
    _tell_phones(conn, tenant_id, service_user_id,
                 {"since": now.isoformat(), "text": REVIEW_WORDS})
    review = current(conn, tenant_id, service_user_id)
    assert review is not None
    return review


def reconcile(conn: Connection, tenant_id: str, coordinator_id: str, service_user_id: str,
              now: datetime) -> Review:
    """The list has been reconciled: the mark clears on the phones."""
    existing = current(conn, tenant_id, service_user_id)
    if existing is None or not existing.open:
        raise Conflict("This medicines list is not marked as needing review.")
    conn.execute(update(medicine_reviews).where(
        medicine_reviews.c.tenant_id == tenant_id,
        medicine_reviews.c.service_user_id == service_user_id)
        .values(reconciled_at=now.isoformat(), reconciled_by=coordinator_id))
    _tell_phones(conn, tenant_id, service_user_id, None)
    review = current(conn, tenant_id, service_user_id)
    assert review is not None
    return review


def _tell_phones(conn: Connection, tenant_id: str, service_user_id: str,
                 review: dict[str, Any] | None) -> None:
    """A new version of the person's record carrying (or no longer carrying) the mark."""
    row = conn.execute(select(service_users).where(
        service_users.c.tenant_id == tenant_id,
        service_users.c.id == service_user_id)).mappings().first()
    if row is None:
        raise NotFound("No such person in this agency.")
    keys = datakeys.keys_for(conn, tenant_id)
    body = sealing.open_body(keys, tenant_id, "service_users", row["id"], row["version"],
                             row["body"])
    body.pop("medicines_review", None)
    if review is not None:
        body["medicines_review"] = review
    version = int(row["version"]) + 1
    conn.execute(update(service_users).where(
        service_users.c.tenant_id == tenant_id, service_users.c.id == service_user_id)
        .values(version=version, body=sealing.seal_body(keys, tenant_id, "service_users",
                                                        service_user_id, version, body)))
    med_versions.publish_to_holders(conn, tenant_id, service_user_id, "service_user",
                                    service_user_id, version, {**body, "id": service_user_id})
