"""Where measures stand on a date: overdue, due soon, on track, ongoing or done.

- A milestone is **overdue** on ``as_of`` when it is dated (a date or a recurring date), its
  date is before ``as_of``, and the measure's progress for the milestone's year is not done.
- It is **due soon** when its date falls within ``soon_days`` from ``as_of`` (inclusive) and
  the progress for its year is not done.
- Ongoing, long-term and as-needed milestones are never overdue; a measure that has only
  those shows as ongoing.

Everything is read in the database from the kept standing (``tasks.standing.kept``: a row per
measure and year with its status, review and kinds of milestones, ``MeasureStanding``, and the
dated milestones of measures not done for their year, ``OpenMilestone``), by index, in two shapes
that give the same answers:

- per measure (lists, the measure page, exports): ``with_standing`` annotates a queryset, and
  ``StandingOn`` gives the same conditions as filters (``EXISTS`` semi-joins), so a filtered
  list never works out the standing of the rows it leaves out;
- per group (the dashboard, ``/api/summary/``): ``tasks.standing.counts.tally`` counts a set of
  measures by status, review, overdue and due soon, per section, department or year, with two
  grouped aggregates over the kept rows and never a subquery per measure; ``overdue_trend`` here
  counts the overdue milestones at many dates with two as well.

A page therefore costs the same number of queries for ten measures as for a hundred thousand.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from tasks.choices import DATED_KINDS, ProgressStatus, ReviewState, Signal
from tasks.models import MeasureStanding, Milestone, OpenMilestone, Progress, ProgressEntry

DEFAULT_SOON_DAYS = 30
#: Every status but done (the condition of the kept rows' index of years done once and taken back).
NOT_DONE = [status for status in ProgressStatus.values if status != ProgressStatus.DONE]

#: From a measure to its plan's reporting year: the year looked at when no year is chosen.
REPORTING_YEAR = "item__task__section__plan__reporting_year"


def progress_status_of(measure_ref, year_ref):
    """The status of the measure's progress in a year; not started when never reported."""
    reported = Progress.objects.filter(measure=measure_ref, year=year_ref).values("status")[:1]
    return Coalesce(Subquery(reported), Value(ProgressStatus.NOT_STARTED))


#: Milestones of measures still in their ledger (a removed measure has no deadlines that count).
IN_LEDGER = {"deadline__measure__removed_at__isnull": True}


def milestones_with_status(year=None):
    """Milestones annotated with ``status``: their measure's progress in the milestone's year."""
    milestones = Milestone.objects.filter(**IN_LEDGER).annotate(
        status=progress_status_of(OuterRef("deadline__measure"), OuterRef("deadline__year"))
    )
    if year is not None:
        milestones = milestones.filter(deadline__year=year)
    return milestones


def kept_open(year=None, **dates):
    """The kept ``OpenMilestone`` rows (of ``year``; ``dates``: conditions on their date)."""
    kept = OpenMilestone.objects.filter(**{f"date__{lookup}": day for lookup, day in dates.items()})
    return kept if year is None else kept.filter(year=year)


def open_milestones(year=None, **dates):
    """Dated milestones whose measure (in its ledger) is not done for their year: those that can be late."""
    return Milestone.objects.filter(pk__in=kept_open(year, **dates).values("milestone_id"))


def overdue_milestones(as_of, year=None):
    return open_milestones(year, lt=as_of)


def due_soon_milestones(as_of, soon_days=DEFAULT_SOON_DAYS, year=None):
    return open_milestones(year, gte=as_of, lte=as_of + datetime.timedelta(days=soon_days))


@dataclass(frozen=True)
class StandingOn:
    """The conditions that place a measure (``OuterRef("pk")``) on ``as_of``, as ``Q`` objects.

    With a ``year``, the measure's progress and milestones of that year count; without one,
    the progress of its plan's reporting year and the milestones of every year (each judged
    by the progress of its own year).
    """

    as_of: datetime.date
    year: int | None = None
    soon_days: int = DEFAULT_SOON_DAYS

    @property
    def soon_until(self):
        return self.as_of + datetime.timedelta(days=self.soon_days)

    def reports(self):
        """The measure's kept standing in the year looked at (its plan's reporting year without one)."""
        year = {"year": self.year} if self.year is not None else {"year": F("plan__reporting_year")}
        return MeasureStanding.objects.filter(measure=OuterRef("pk"), **year)

    def years(self, **conditions):
        """The measure's kept standing in the years whose milestones count."""
        standing = MeasureStanding.objects.filter(measure=OuterRef("pk"), **conditions)
        return standing if self.year is None else standing.filter(year=self.year)

    def open(self, **dates):
        return kept_open(self.year, **dates).filter(measure=OuterRef("pk"))

    def status_is(self, status):
        if status == ProgressStatus.NOT_STARTED:
            return ~Q(Exists(self.reports().exclude(status=ProgressStatus.NOT_STARTED)))
        return Q(Exists(self.reports().filter(status=status)))

    def review_is(self, review):
        if review == ReviewState.NONE:
            return ~Q(Exists(self.reports().exclude(review=ReviewState.NONE)))
        return Q(Exists(self.reports().filter(review=review)))

    def done(self):
        return self.status_is(ProgressStatus.DONE)

    def overdue(self):
        return Q(Exists(self.open(lt=self.as_of)))

    def due_soon(self):
        return Q(Exists(self.open(gte=self.as_of, lte=self.soon_until)))

    def has_dated(self):
        return Q(Exists(self.years(has_dated=True)))

    def has_open_ended(self):
        return Q(Exists(self.years(has_open_ended=True)))

    def ongoing(self):
        """Shown as ongoing: only open-ended milestones, or reported as ongoing."""
        return (self.has_open_ended() & ~self.has_dated()) | self.status_is(ProgressStatus.ONGOING)

    def signal_is(self, signal):
        """The measure's signal is ``signal``: the first that applies of done, overdue, due soon, ongoing, on track."""
        order = [
            (Signal.DONE, self.done()),
            (Signal.OVERDUE, self.overdue()),
            (Signal.DUE_SOON, self.due_soon()),
            (Signal.ONGOING, self.ongoing()),
        ]
        condition = Q()
        for name, applies in order:
            if name == signal:
                return condition & applies
            condition &= ~applies
        return condition


def with_standing(measures, *, as_of, year=None, soon_days=DEFAULT_SOON_DAYS):
    """Annotate measures with ``status``, ``review``, ``is_overdue``, ``is_due_soon`` and ``signal``.

    ``year`` picks the plan year looked at; without it, each measure's plan's reporting year
    gives the status, and milestones of every year count. Meant for the rows shown (a page,
    one measure, an export): to filter by standing use ``StandingOn``, to count use ``tally``.
    """
    on = StandingOn(as_of, year, soon_days)
    return measures.annotate(
        status=Coalesce(Subquery(on.reports().values("status")[:1]), Value(ProgressStatus.NOT_STARTED)),
        review=Coalesce(Subquery(on.reports().values("review")[:1]), Value(ReviewState.NONE)),
        is_overdue=ExpressionWrapper(on.overdue(), output_field=BooleanField()),
        is_due_soon=ExpressionWrapper(on.due_soon(), output_field=BooleanField()),
        has_dated=Exists(on.years(has_dated=True)),
        has_open_ended=Exists(on.years(has_open_ended=True)),
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


# ---------------------------------------------------------------- the overdue trend


def point_index(field, dates, lookup):
    """The index of the first of ``dates`` for which ``field`` ``lookup`` that date holds; ``len(dates)`` for none."""
    return Case(
        *(When(**{f"{field}__{lookup}": day}, then=Value(i)) for i, day in enumerate(dates)),
        default=Value(len(dates)),
        output_field=IntegerField(),
    )


def overdue_trend(measures, dates):
    """How many milestones were overdue on each of ``dates`` (ascending), judged by the history of the time.

    A milestone counts on a date when it fell due before it and no report had yet marked its
    year done by then (the day of the first "done" in the history, kept as
    ``MeasureStanding.first_done``). One query, whatever the number of dates or milestones: the
    dated milestones by the first date they count on and the first date their year's first
    "done" clears them on, each milestone joined to its year's kept row by index.
    """
    dates = list(dates)
    rows = (
        Milestone.objects.filter(kind__in=DATED_KINDS, date__lt=dates[-1], deadline__measure__in=measures.values("pk"))
        .annotate(kept=FilteredRelation(
            "deadline__measure__standings", condition=Q(deadline__measure__standings__year=F("deadline__year"))
        ))
        .values(due=point_index("date", dates, "lt"), done=point_index("kept__first_done", dates, "lte"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = [0] * (len(dates) + 1)
    for row in rows:
        counts[row["due"]] += row["n"]
        if row["done"] < len(dates):
            counts[max(row["due"], row["done"])] -= row["n"]
    points, running = [], 0
    for day, change in zip(dates, counts):
        running += change
        points.append((day, running))
    return points


def in_scope(rows, measures, plan):
    """``rows`` of kept tables narrowed to ``measures`` (None: every measure) of ``plan`` (None: any).

    With both, SQLite is given the plan as a condition on each row found by measure, not an index
    to scan: it would otherwise read the plan's every row by its plan index to find a staff
    member's few hundred (366 ms instead of 9 at 100,000 measures). PostgreSQL is given the plain
    condition: it weighs both by its statistics, and the hidden one misleads its estimates (the
    staff member's overdue list took 283 ms instead of 60)."""
    if plan is not None:
        if measures is None:
            return rows.filter(plan=plan)
        if connection.vendor == "sqlite":
            rows = rows.alias(row_plan=ExpressionWrapper(F("plan_id") + 0, output_field=IntegerField())).filter(row_plan=plan.pk)
        else:
            rows = rows.filter(plan=plan)
    return rows if measures is None else rows.filter(measure__in=measures.values("pk"))


def overdue_now(measures, day, *, plan=None):
    """``overdue_trend``'s figure for ``day`` when no report can come after it (today or later):
    the kept open milestones due before it, less those of years reported done once and taken
    back since (the history cleared them at that first "done"; such years are few and have an
    index of their own, ``standing_taken_back``)."""
    due = in_scope(kept_open(lt=day), measures, plan).count()
    taken_back = in_scope(MeasureStanding.objects.filter(first_done__isnull=False, status__in=NOT_DONE), measures, plan).annotate(
        late=FilteredRelation("measure__open_milestones", condition=Q(
            measure__open_milestones__year=F("year"), measure__open_milestones__date__lt=day
        ))
    )
    return due - taken_back.aggregate(n=Count("late"))["n"]


def history_start(measures):
    """The first day any progress of these measures was recorded: the trend cannot look earlier.

    The oldest entry first (index ``progressentry_created_at``): the database stops at the
    first one in scope instead of reading the whole history.
    """
    entries = ProgressEntry.objects.filter(progress__measure__in=measures.values("pk")).order_by("created_at")
    first = entries.values_list("created_at", flat=True).first()
    return timezone.localtime(first).date() if first else None
