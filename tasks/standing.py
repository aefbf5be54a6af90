"""Where measures stand on a date: overdue, due soon, on track, ongoing or done.

Everything here is computed in the database (annotations and aggregates), so a page costs
the same number of queries for ten measures as for ten thousand.

- A milestone is **overdue** on ``as_of`` when it is dated (a date or a recurring date), its
  date is before ``as_of``, and the measure's progress for the milestone's year is not done.
- It is **due soon** when its date falls within ``soon_days`` from ``as_of`` (inclusive) and
  the progress for its year is not done.
- Ongoing, long-term and as-needed milestones are never overdue; a measure that has only
  those shows as ongoing.
"""

import datetime

from django.db.models import Case, Count, Exists, F, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from django.utils import timezone

from .choices import OPEN_ENDED_KINDS, MilestoneKind, ProgressStatus, ReviewState, Signal
from .models import Milestone, Progress, ProgressEntry

DATED_KINDS = (MilestoneKind.DATE, MilestoneKind.RECURRING)
DEFAULT_SOON_DAYS = 30


def progress_status_of(measure_ref, year_ref):
    """The status of the measure's progress in a year; not started when never reported."""
    reported = Progress.objects.filter(measure=measure_ref, year=year_ref).values("status")[:1]
    return Coalesce(Subquery(reported), Value(ProgressStatus.NOT_STARTED))


def milestones_with_status(year=None):
    """Milestones annotated with ``status``: their measure's progress in the milestone's year."""
    milestones = Milestone.objects.annotate(
        status=progress_status_of(OuterRef("deadline__measure"), OuterRef("deadline__year"))
    )
    if year is not None:
        milestones = milestones.filter(deadline__year=year)
    return milestones


def overdue_milestones(as_of, year=None):
    return (
        milestones_with_status(year)
        .filter(kind__in=DATED_KINDS, date__lt=as_of)
        .exclude(status=ProgressStatus.DONE)
    )


def due_soon_milestones(as_of, soon_days=DEFAULT_SOON_DAYS, year=None):
    return (
        milestones_with_status(year)
        .filter(kind__in=DATED_KINDS, date__gte=as_of, date__lte=as_of + datetime.timedelta(days=soon_days))
        .exclude(status=ProgressStatus.DONE)
    )


def with_standing(measures, *, as_of, year=None, soon_days=DEFAULT_SOON_DAYS):
    """Annotate measures with ``status``, ``review``, ``is_overdue``, ``is_due_soon`` and ``signal``.

    ``year`` picks the plan year looked at; without it, each measure's plan's reporting year
    gives the status, and milestones of every year count.
    """
    year_ref = year if year is not None else OuterRef("item__task__section__plan__reporting_year")
    milestones = Milestone.objects.filter(deadline__measure=OuterRef("pk"))
    if year is not None:
        milestones = milestones.filter(deadline__year=year)
    reported = Progress.objects.filter(measure=OuterRef("pk"), year=year_ref)
    return measures.annotate(
        status=progress_status_of(OuterRef("pk"), year_ref),
        review=Coalesce(Subquery(reported.values("review")[:1]), Value(ReviewState.NONE)),
        is_overdue=Exists(overdue_milestones(as_of, year).filter(deadline__measure=OuterRef("pk"))),
        is_due_soon=Exists(due_soon_milestones(as_of, soon_days, year).filter(deadline__measure=OuterRef("pk"))),
        has_dated=Exists(milestones.filter(kind__in=DATED_KINDS)),
        has_open_ended=Exists(milestones.filter(kind__in=OPEN_ENDED_KINDS)),
    ).annotate(
        signal=Case(
            When(status=ProgressStatus.DONE, then=Value(Signal.DONE)),
            When(is_overdue=True, then=Value(Signal.OVERDUE)),
            When(is_due_soon=True, then=Value(Signal.DUE_SOON)),
            When(Q(has_open_ended=True) & Q(has_dated=False), then=Value(Signal.ONGOING)),
            When(status=ProgressStatus.ONGOING, then=Value(Signal.ONGOING)),
            default=Value(Signal.ON_TRACK),
        )
    )


FIGURES = {
    "measures": Q(),
    "done": Q(status=ProgressStatus.DONE),
    "in_progress": Q(status=ProgressStatus.IN_PROGRESS),
    "not_started": Q(status=ProgressStatus.NOT_STARTED),
    "ongoing": Q(status=ProgressStatus.ONGOING),
    "overdue_measures": Q(is_overdue=True),
    "due_soon_measures": Q(is_due_soon=True),
    "awaiting_review": Q(review=ReviewState.PENDING),
}


def figures(measures, *, as_of, year=None, soon_days=DEFAULT_SOON_DAYS):
    """The dashboard's totals for a set of measures, each measure counted once."""
    standing = with_standing(measures, as_of=as_of, year=year, soon_days=soon_days)
    totals = standing.aggregate(**{name: Count("pk", filter=condition) for name, condition in FIGURES.items()})
    totals["overdue_milestones"] = (
        overdue_milestones(as_of, year).filter(deadline__measure__in=measures.values("pk")).count()
    )
    totals["completion_rate"] = completion_rate(totals["done"], totals["measures"])
    return totals


def figures_by(measures, *, as_of, year=None, soon_days=DEFAULT_SOON_DAYS, **groups):
    """The same totals per group, one query; ``groups`` name the grouping columns, e.g.
    ``department_id=F("units__department_id")``. A measure counts once per group."""
    standing = with_standing(measures, as_of=as_of, year=year, soon_days=soon_days)
    rows = standing.values(**groups).annotate(
        **{name: Count("pk", distinct=True, filter=condition) for name, condition in FIGURES.items()}
    )
    result = []
    for row in rows.order_by(*groups):
        row["completion_rate"] = completion_rate(row["done"], row["measures"])
        result.append(row)
    return result


def figures_by_department(measures, **standing):
    """Totals per department, lead or responsible."""
    return figures_by(
        measures.filter(units__isnull=False),
        department_id=F("units__department_id"),
        department=F("units__department__name"),
        **standing,
    )


def completion_rate(done, total):
    return round(done / total, 4) if total else 0.0


def overdue_trend(measures, dates):
    """How many milestones were overdue on each of ``dates``, judged by the history of the time.

    A milestone counts on a date when it fell due before it and no report had yet marked its
    year done by then. One query, whatever the number of dates.
    """
    first_done = (
        ProgressEntry.objects.filter(
            progress__measure=OuterRef("deadline__measure"),
            progress__year=OuterRef("deadline__year"),
            status=ProgressStatus.DONE,
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    milestones = Milestone.objects.filter(
        kind__in=DATED_KINDS, deadline__measure__in=measures.values("pk")
    ).annotate(done_at=Subquery(first_done))
    counts = milestones.aggregate(
        **{
            f"d{i}": Count("pk", filter=Q(date__lt=day) & (Q(done_at__isnull=True) | Q(done_at__date__gt=day)))
            for i, day in enumerate(dates)
        }
    )
    return [(day, counts[f"d{i}"]) for i, day in enumerate(dates)]


def history_start(measures):
    """The first day any progress of these measures was recorded: the trend cannot look earlier."""
    first = ProgressEntry.objects.filter(progress__measure__in=measures.values("pk")).aggregate(first=Min("created_at"))
    return timezone.localtime(first["first"]).date() if first["first"] else None
