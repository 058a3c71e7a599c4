"""Skin patches: where the new one goes, site rotation, and the old patch taken off.

Public API:

- `next_site(sites, history, medicine_id) -> PatchSite`: the site to suggest, the one of
  `sites` used longest ago (never used first, in the list's order).
- `last_site(history, medicine_id) -> PatchSite | None`.
- `check_application(sites, history, medicine_id, site, old_removed) -> PatchSite` raises
  RuleViolation when the site is missing, not one of the medicine's, the same as the last
  patch's (rotation), or the old patch was not taken off (every application but the first).

History records are the person's dose records (any worker); an application is a record of the
medicine that counts as a dose, ordered by its actual time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from fieldapp.errors import RuleViolation
from sync.codes import PatchSite


class _Outcome(Protocol):
    @property
    def counts_as_dose(self) -> bool: ...


class PatchRecord(Protocol):
    @property
    def medicine_id(self) -> str: ...
    @property
    def outcome(self) -> _Outcome: ...
    @property
    def actual_at(self) -> datetime: ...
    @property
    def patch_site(self) -> str | None: ...


def _applications(history: Iterable[PatchRecord], medicine_id: str) -> list[PatchRecord]:
    return sorted((r for r in history if r.medicine_id == medicine_id
                   and r.outcome.counts_as_dose), key=lambda r: r.actual_at)


def last_site(history: Iterable[PatchRecord], medicine_id: str) -> PatchSite | None:
    for r in reversed(_applications(history, medicine_id)):
        site = r.patch_site
        if site is not None and site in PatchSite.__members__.values():
            return PatchSite(site)
    return None


def next_site(sites: Sequence[PatchSite], history: Iterable[PatchRecord],
              medicine_id: str) -> PatchSite:
    """The site used longest ago (or never), so sites rotate."""
    used: dict[str, datetime] = {}
    for r in _applications(history, medicine_id):
        if r.patch_site:
            used[r.patch_site] = r.actual_at
    never = [s for s in sites if s not in used]
    if never:
        return never[0]
    return min(sites, key=lambda s: used[s])


def check_application(sites: Sequence[PatchSite], history: Iterable[PatchRecord],
                      medicine_id: str, site: str | None, old_removed: bool | None) -> PatchSite:
    """The site of a new patch, after the rotation and removal rules (see module)."""
    if not site:
        raise RuleViolation("Say where the new patch was applied.")
    if site not in sites:
        raise RuleViolation("That is not one of this patch's application sites.")
    earlier = _applications(history, medicine_id)
    previous = last_site(earlier, medicine_id)
    if previous is not None and previous == site and len(sites) > 1:
        raise RuleViolation("Use a different site from the last patch (rotate sites); "
                            f"suggested: {next_site(sites, earlier, medicine_id).label}.")
    if earlier and not old_removed:
        raise RuleViolation("Take the old patch off first, and confirm it is removed.")
    return PatchSite(site)
