"""Milestones: what a deadline phrase gives, dated or not (ongoing, long-term, as needed,
recurring, or unread), and which of them a person must look at.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


DATE = "date"
ONGOING = "ongoing"
LONG_TERM = "long_term"
AS_NEEDED = "as_needed"
RECURRING = "recurring"
UNPARSED = "unparsed"
KINDS = (DATE, ONGOING, LONG_TERM, AS_NEEDED, RECURRING, UNPARSED)
MIN_YEAR, MAX_YEAR = 2000, 2100
OUTSIDE_PLAN = "日期不在方案年度内"


@dataclass(frozen=True)
class Milestone:
    date: datetime.date | None
    kind: str
    label: str = ""
    span: tuple[int, int] = (0, 0)
    review: str = ""  # why a person should check this milestone although it was read ('' if no reason)

    def as_json(self) -> dict:
        data = {"date": self.date.isoformat() if self.date else None, "kind": self.kind, "label": self.label}
        if self.review:
            data["review"] = self.review
        return data


def needs_review(milestones) -> bool:
    """True if a person has to read the phrase: some part of it could not be parsed, or a date
    it gives lies outside the plan's years.

    ``parse_deadline`` returns an empty list only for a blank phrase, which needs no review.
    """
    return any(milestone.kind == UNPARSED or milestone.review for milestone in milestones)
