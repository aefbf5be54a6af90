"""Deadlines as stored: raw phrases per year, parsed into milestones and kept in step with the text.

A ledger gives either one deadline column per year (``2024年完成任务时限``: the phrase belongs
to that year) or one 完成时限 column for the whole plan; then dated milestones go to the year
of their date, and open-ended or unreadable ones to every plan year.
"""

from functools import lru_cache
from typing import NamedTuple

from tasks.choices import MilestoneKind
from tasks.deadlines.milestones import needs_review
from tasks.deadlines.phrases import parse_deadline
from tasks.standing.kept import refresh_standing
from tasks.models import Deadline, Milestone

#: Milestones that belong to every plan year when a phrase covers the whole plan.
EVERY_YEAR_KINDS = {MilestoneKind.ONGOING, MilestoneKind.LONG_TERM, MilestoneKind.AS_NEEDED, MilestoneKind.UNPARSED}


class YearDeadline(NamedTuple):
    text: str
    milestones: tuple  # of deadlines.Milestone, shared between rows with the same phrase: never changed
    covers_plan: bool  # the phrase came from one 完成时限 column for the whole plan


def milestones_by_year(deadline_texts, plan_years):
    """``{year or None: phrase}`` → ``{year: YearDeadline}``."""
    by_year = {}
    for year, text in deadline_texts.items():
        text = (text or "").strip()
        if not text:
            continue
        if year is not None:
            by_year[year] = YearDeadline(text, parsed(text, year, tuple(plan_years)), False)
            continue
        for milestone in parsed(text, None, tuple(plan_years)):
            if milestone.kind in EVERY_YEAR_KINDS or milestone.date is None:
                years = plan_years
            else:
                years = [milestone.date.year]
            for each in years:
                by_year.setdefault(each, YearDeadline(text, (), True))
                by_year[each] = by_year[each]._replace(milestones=(*by_year[each].milestones, milestone))
    return by_year


@lru_cache(maxsize=65536)
def parsed(text, year, plan_years):
    """``parse_deadline`` remembered: a ledger repeats its phrases thousands of times."""
    return tuple(parse_deadline(text, year=year, plan_years=list(plan_years)))


def stored_deadlines(measure):
    """``{year: phrase}`` as the database holds them now."""
    return {deadline.year: deadline.text for deadline in measure.deadlines.all()}


def store_deadlines(measure, by_year):
    """Make the measure's deadlines and milestones exactly ``by_year``. Returns True if anything changed."""
    changed = False
    existing = {deadline.year: deadline for deadline in measure.deadlines.all()}
    for year in set(existing) - set(by_year):
        existing[year].delete()
        changed = True
    for year, (text, milestones, covers_plan) in sorted(by_year.items()):
        deadline = existing.get(year)
        flagged = needs_review(milestones)
        if deadline is None:
            deadline = Deadline.objects.create(
                measure=measure, year=year, text=text, needs_review=flagged, covers_plan=covers_plan
            )
        elif (deadline.text, deadline.covers_plan) == (text, covers_plan) and milestone_rows(deadline.milestones.all()) == [
            as_row(m) for m in milestones
        ]:
            continue
        else:
            deadline.text = text
            deadline.needs_review = flagged
            deadline.covers_plan = covers_plan
            deadline.save(update_fields=["text", "needs_review", "covers_plan"])
            deadline.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(deadline=deadline, order=order, **as_row(milestone)) for order, milestone in enumerate(milestones)
        )
        changed = True
    if changed:
        refresh_standing([measure.pk])
    return changed


def as_row(milestone):
    return {
        "date": milestone.date,
        "kind": milestone.kind,
        "label": milestone.label[:300],
        "span_start": milestone.span[0],
        "span_end": milestone.span[1],
    }


def milestone_rows(milestones):
    """Stored milestones as the parser would give them: an approved extension's moved date
    compares as its original date, so reading the same phrase again keeps the extension."""
    return [
        {
            "date": m.original_date or m.date,
            "kind": m.kind,
            "label": m.label,
            "span_start": m.span_start,
            "span_end": m.span_end,
        }
        for m in milestones
    ]


class Reparsed(NamedTuple):
    old: list  # milestone rows as stored before
    new: list  # milestone rows as the parser reads the phrase now
    needs_review: bool  # the flag now (it changes alone when a date falls outside the plan's years)


def reparse(deadline, plan_years):
    """Parse a stored phrase again; a ``Reparsed`` if its milestones or its review flag change, else None."""
    key = None if deadline.covers_plan else deadline.year
    parsed = milestones_by_year({key: deadline.text}, plan_years).get(deadline.year)
    milestones = parsed.milestones if parsed else []
    old = milestone_rows(deadline.milestones.all())
    new = [as_row(m) for m in milestones]
    flagged = needs_review(milestones)
    if old == new and deadline.needs_review == flagged:
        return None
    if old != new:
        deadline.milestones.all().delete()
        Milestone.objects.bulk_create(Milestone(deadline=deadline, order=i, **row) for i, row in enumerate(new))
        refresh_standing([deadline.measure_id])
    deadline.needs_review = flagged
    deadline.save(update_fields=["needs_review"])
    return Reparsed(old, new, flagged)
