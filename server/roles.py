"""Office roles: what each kind of office account may do in the console and exports.

- coordinator: runs the service; reads every record except those marked safeguarding.
- safeguarding_lead: a coordinator who also reads safeguarding records.
- admin: a coordinator who also manages staff accounts; not a safeguarding reader.

Planning (the rota, enrolling and withdrawing phones) is for coordinators and admins: a
safeguarding lead reviews records and does not plan the service.
"""

from __future__ import annotations

from enum import StrEnum

from server.errors import Invalid
from sync.kinds import Audience


class Role(StrEnum):
    COORDINATOR = "coordinator"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    ADMIN = "admin"


ROLES = tuple(r.value for r in Role)


def reader(role: Role) -> Audience:
    """Which records (sync/kinds.py audiences) an office account of `role` may read."""
    return Audience.SAFEGUARDING_LEAD if role is Role.SAFEGUARDING_LEAD else Audience.COORDINATOR


PLANNERS = frozenset({Role.COORDINATOR, Role.ADMIN})
NOT_A_PLANNER = "Only coordinators and admins plan the rota and manage phones."


def may_plan(role: Role) -> bool:
    """Whether an office account of `role` may change the rota and enrol or withdraw phones."""
    return role in PLANNERS


def role_of(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Invalid(f"role must be one of: {', '.join(ROLES)}", field="role") from None
