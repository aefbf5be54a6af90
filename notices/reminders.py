"""What is due for whom on a date, following the reminder rules; computed in the database.

- A *before* rule with ``days`` = N picks the dated milestones falling exactly N days after the
  day (0: on the day).
- An *overdue* rule with ``days`` = N picks the overdue milestones on the first day after their
  date and every N days after that (weekly for N = 7).
- A *progress* rule with ``months`` = M asks, on the first day of every M-th month from January,
  for progress on the ongoing and long-term milestones of that year.

Nothing is picked for a milestone whose measure is done for the milestone's year, nor for one of
a closed year (``tasks.year_close``): that year's figures went upward and can no longer change.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from tasks.choices import MilestoneKind, ProgressStatus
from tasks.standing.on_date import due_soon_milestones, milestones_with_status, overdue_milestones
from tasks.workflow.year_close import in_closed_year

from .models import ReminderRule, RuleKind
from .recipients import responsible_users

PROGRESS_KINDS = (MilestoneKind.ONGOING, MilestoneKind.LONG_TERM)

#: A milestone whose year is closed for its measure.
MILESTONE_YEAR_CLOSED = ("deadline__measure", "deadline__year")


def in_open_years(milestones):
    """``milestones`` without those of a closed year."""
    return milestones.exclude(in_closed_year(*MILESTONE_YEAR_CLOSED))


@dataclass(frozen=True)
class DueItem:
    """One milestone one rule brings up on a day."""

    rule: ReminderRule
    milestone: object
    day: datetime.date

    @property
    def measure(self):
        return self.milestone.deadline.measure

    @property
    def days_left(self):
        return (self.milestone.date - self.day).days if self.milestone.date else None

    @property
    def days_late(self):
        return -self.days_left if self.milestone.date else None


def progress_request_day(rule, day):
    return day.day == 1 and (day.month - 1) % rule.months == 0


def milestones_for(rule, day):
    """The milestones ``rule`` brings up on ``day`` (a queryset), or none."""
    if rule.kind == RuleKind.BEFORE:
        return due_soon_milestones(day, rule.days).filter(date=day + datetime.timedelta(days=rule.days))
    if rule.kind == RuleKind.OVERDUE:
        return overdue_milestones(day)
    if rule.kind == RuleKind.PROGRESS and progress_request_day(rule, day):
        return (
            milestones_with_status(day.year)
            .filter(kind__in=PROGRESS_KINDS)
            .exclude(status=ProgressStatus.DONE)
        )
    return None


def due_items(day):
    """Every (rule, milestone) due on ``day`` by the active rules; one query per rule."""
    items = []
    for rule in ReminderRule.objects.filter(active=True):
        milestones = milestones_for(rule, day)
        if milestones is None:
            continue
        milestones = in_open_years(milestones).select_related("deadline__measure__item__task__section__plan").order_by(
            "deadline__measure_id", "date", "pk"
        )
        for milestone in milestones:
            item = DueItem(rule, milestone, day)
            if rule.kind == RuleKind.OVERDUE and (item.days_late - 1) % rule.days:
                continue
            items.append(item)
    return items


def due_by_user(day):
    """``{user_id: [DueItem, …]}``: what each responsible person is to be told on ``day``."""
    items = due_items(day)
    owners = responsible_users({item.measure.pk for item in items})
    per_user = defaultdict(list)
    for user_id, measure_ids in owners.items():
        per_user[user_id] = [item for item in items if item.measure.pk in measure_ids]
    return dict(per_user)
