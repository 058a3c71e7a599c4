"""Controlled-drug witnesses: picked from the staff list the office sends, never the worker.

DOMAIN.md "Controlled drugs": the witness is a named member of staff, not the worker, picked from
the agency's staff list. The office sends that list with the worker's profile (feed entity
`worker`, server/worker_profile.py); the phone keeps it sealed (fieldapp/store/replica.py) so a
witness can be picked offline. A dose stores the witness's id and name as they were picked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fieldapp.errors import RuleViolation
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author
from fieldapp.store.replica import staff_list
from fieldapp.vault.dek import Sealer

NO_LIST = ("This phone has no staff list yet to pick a witness from. Sync the phone, then try "
           "again.")
PICK_ONE = "Pick the second person who witnessed this controlled drug from the staff list."
NOT_ON_LIST = "That witness is not on the agency's staff list. Pick someone from the list."
NOT_YOU = "The witness for a controlled drug must be someone else, not you."


@dataclass(frozen=True)
class Witness:
    """A colleague who may witness a controlled drug."""

    id: str
    name: str
    role: str  # "care_worker", "coordinator", ...

    @property
    def role_words(self) -> str:
        return self.role.replace("_", " ")


class Witnesses:
    """The staff list on this phone, less the worker themself."""

    def __init__(self, store: DeviceStore, sealer: Callable[[], Sealer],
                 author: Callable[[], Author]):
        self.store = store
        self._sealer = sealer
        self._author = author

    def all(self) -> list[Witness]:
        """Everyone the worker may pick, by name."""
        me = self._author().worker_id
        found = [Witness(s["id"], s["name"], s.get("role", ""))
                 for s in staff_list(self.store, self._sealer()) if s["id"] != me]
        return sorted(found, key=lambda w: (w.name.casefold(), w.id))

    def matching(self, text: str) -> list[Witness]:
        """Those whose name has every typed word in it (any case), by name."""
        words = text.casefold().split()
        return [w for w in self.all() if all(word in w.name.casefold() for word in words)]

    def pick(self, witness_id: str | None) -> Witness:
        """The witness picked for a dose; RuleViolation if none, not listed, or the worker."""
        if not witness_id:
            raise RuleViolation(PICK_ONE)
        if witness_id == self._author().worker_id:
            raise RuleViolation(NOT_YOU)
        staff = self.all()
        if not staff:
            raise RuleViolation(NO_LIST)
        found = next((w for w in staff if w.id == witness_id), None)
        if found is None:
            raise RuleViolation(NOT_ON_LIST)
        return found
