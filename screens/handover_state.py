"""The handover screen's view state: the draft, what the worker typed per SBAR section, which
items they removed or marked for the next worker, and Submit. Drawing is handover.py's."""

from __future__ import annotations

import copy

import flet as ft

from fieldapp.services import (
    HANDOVER_SECTIONS as SECTIONS,
)
from fieldapp.services import (
    FieldAppError,
    HandoverDraft,
    HandoverStatus,
    HandoverSubmitted,
)
from fieldapp.services import (
    HandoverItem as Item,
)
from fieldapp.services import (
    HandoverPayload as Payload,
)
from screens import nav, widgets

SECTION_TITLES = {
    "situation": "Situation: what happened on the shift",
    "background": "Background: tasks and notes",
    "assessment": "Assessment: medicines and concerns",
    "recommendation": "Recommendation: what the next person should do",
}


class HandoverState(nav.ScreenState):
    """One handover: drafted when the screen opens, edited, then submitted once."""

    def __init__(self, app: nav.Shell):
        self.app = app
        self.error = widgets.error_text()
        self.draft: HandoverDraft | None = None
        self.overall = widgets.field("handover-text", "Anything else about the shift",
                                     multiline=True)
        self.texts: dict[str, ft.TextField] = {}
        self.removed: set[str] = set()
        self.for_next: set[str] = set()
        self.submitted: HandoverSubmitted | None = None

    def opened(self) -> None:
        self.redraft()

    def redraft(self) -> None:
        self.draft = self.app.services.handover.draft()
        sections = self.draft.payload["sections"]
        self.texts = {name: widgets.field(f"handover-{name}-text", SECTION_TITLES[name],
                                          value=sections[name]["text"], multiline=True)
                      for name in SECTIONS}
        self.removed.clear()
        self.for_next = {i["id"] for name in SECTIONS for i in sections[name]["items"]
                         if i["for_next_worker"]}

    def items(self, section: str) -> list[Item]:
        return [] if self.draft is None else self.draft.payload["sections"][section]["items"]

    def flip_removed(self, item_id: str) -> None:
        self.removed.symmetric_difference_update({item_id})
        self.app.refresh()

    def flip_next(self, item_id: str) -> None:
        self.for_next.symmetric_difference_update({item_id})
        self.app.refresh()

    def edited(self) -> Payload:
        """The draft as the worker left it: their words, kept items, next-worker marks."""
        assert self.draft is not None
        out = copy.deepcopy(self.draft.payload)
        out["text"] = (self.overall.value or "").strip()
        for name in SECTIONS:
            section = out["sections"][name]
            section["text"] = (self.texts[name].value or "").strip()
            section["items"] = [{**i, "for_next_worker": i["id"] in self.for_next}
                                for i in section["items"] if i["id"] not in self.removed]
        return out

    def submit(self) -> None:
        if self.draft is None or self.submitted is not None:
            return
        self.error.value = ""
        try:
            self.submitted = self.app.services.handover.submit(self.draft, self.edited())
        except FieldAppError as exc:
            self.error.value = str(exc)
        else:
            self.app.request_sync()  # the queue keeps syncing in the background
        self.app.refresh()

    def status(self) -> HandoverStatus | None:
        if self.submitted is None:
            return None
        rid = self.submitted.record_id
        return next((h for h in self.app.services.handover.mine() if h.record_id == rid), None)
