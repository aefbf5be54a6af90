"""The kept standing: ``MeasureStanding``, ``OpenMilestone`` and their counts, rewritten by every write.

Lists, the measure page, the overdue lists and the dashboard's figures read a measure's status,
review and open milestones from these tables by index (``DepartmentStanding``: the standing once
per department of the measure, for the dashboard's counts by department), instead of working them out from
progress and milestones for every row on every request (issue #25). They hold nothing that
depends on today: a milestone is overdue when its date is before the date asked for, so nothing
goes stale at midnight.

Every writer calls in here inside its own transaction:

- a report or a return (``tasks.workflow.progress.record_progress``): ``progress_written``;
- a review decision (``tasks.workflow.reporting.set_review``): ``review_written``;
- an import, a re-import, an approved extension, a re-parsed phrase, an edit in the admin:
  ``refresh_standing`` of the measures it wrote (worked out again from progress and milestones);
  the measures an import inserts get their rows from what the import holds in memory
  (``refresh_import_standing``), worked out by the same ``standing_rows``.

Every write of the rows moves the kept counts (``kept_counts``: the rows counted per plan,
year, section or department, status and review) with them. ``rebuild_standing`` (``manage.py
rebuild_standing``) works out every row and count again. Each write also moves ``StandingClock``
on, so figures remembered for the old tick are not used again; every write but a report or a
review moves its ``history_tick`` on as well (only those can change how the ledger stood on an
earlier day: the past of the overdue trend is remembered for it), and its ``open_tick`` too, which
a report moves only when it enters or leaves "done" (the counts of open milestones are remembered
for it). The rows
name the measure's section and plan, so moving a section, task or item elsewhere in the admin
works its measures out again (``moved``).
"""

from collections import Counter, defaultdict
from typing import NamedTuple

from django.db.models import F, Min, Q
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils import timezone

from tasks.bulk_rows import insert_rows
from tasks.standing import kept_counts
from tasks.choices import DATED_KINDS, OPEN_ENDED_KINDS, ProgressStatus, ReviewState
from tasks.models import (
    DepartmentStanding, Measure, MeasureStanding, MeasureUnit, Milestone, OpenMilestone, Progress, ProgressEntry,
    StandingClock, StandingCount,
)

#: Measures worked out per round of queries (bounded lists of ids in ``IN``).
CHUNK = 5000

STANDING_COLUMNS = ["measure", "plan", "section", "year", "status", "review", "has_dated", "has_open_ended", "first_done"]
OPEN_COLUMNS = ["milestone", "measure", "plan", "section", "year", "date"]
DEPARTMENT_COLUMNS = ["measure", "department", "plan", "year", "status", "review"]
#: The columns that are foreign keys, read as ``<name>_id``.
KEYS = {"measure", "plan", "section", "department", "milestone"}

#: Where ``standing_rows`` keeps each column in a row, and what a year with nothing in it holds.
PLAN, SECTION, YEAR, STATUS, REVIEW, HAS_DATED, HAS_OPEN_ENDED, FIRST_DONE = map(
    STANDING_COLUMNS.index, ["plan", "section", "year", "status", "review", "has_dated", "has_open_ended", "first_done"]
)
BLANK = (ProgressStatus.NOT_STARTED, ReviewState.NONE, False, False, None)


class Standing(NamedTuple):
    """The kept tables' rows for some measures, as dicts of their columns."""

    standings: dict  # {(measure, year): MeasureStanding row}
    open_rows: list  # OpenMilestone rows, by milestone
    department_rows: dict  # {(measure, year, department): DepartmentStanding row}


def computed_standing(measure_ids):
    """What the three tables should hold for ``measure_ids``, from progress, milestones, the
    history and units.

    A measure has a row for every year of its plan and every other year it has a deadline or
    progress for, once more per department that leads or is responsible for it in
    ``DepartmentStanding``; removed measures have none.
    """
    standings, open_rows, department_rows = stored_standing_rows(measure_ids)
    return Standing(
        {key: dict(zip(STANDING_COLUMNS, row)) for key, row in standings.items()},
        [dict(zip(OPEN_COLUMNS, row)) for row in open_rows],
        {(row[0], row[3], row[1]): dict(zip(DEPARTMENT_COLUMNS, row)) for row in department_rows},
    )


def stored_standing_rows(measure_ids):
    """``standing_rows`` of ``measure_ids`` from their plan, progress, milestones, history and units as stored."""
    measures = list(
        Measure.objects.filter(pk__in=measure_ids).values_list(
            "pk", "item__task__section__plan_id", "item__task__section_id",
            "item__task__section__plan__start_year", "item__task__section__plan__end_year",
        )
    )
    kept = [pk for pk, *_place in measures]
    first_done = (
        ProgressEntry.objects.filter(progress__measure__in=kept, status=ProgressStatus.DONE)
        .values_list("progress__measure_id", "progress__year")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    return standing_rows(
        measures,
        Progress.objects.filter(measure__in=kept).values_list("measure_id", "year", "status", "review"),
        Milestone.objects.filter(deadline__measure__in=kept).values_list(
            "pk", "deadline__measure_id", "deadline__year", "kind", "date"
        ),
        ((measure, year, timezone.localdate(first)) for measure, year, first in first_done),
        MeasureUnit.objects.filter(measure__in=kept).order_by().values_list("measure_id", "department_id").distinct(),
    )


def standing_rows(measures, progress, milestones, first_done, units):
    """The rows of the three tables worked out from plain rows: the one place that says what the
    kept standing is, for rows read back (``stored_standing_rows``) and rows an import holds in
    memory (``refresh_import_standing``). Returns ``({(measure, year): row}, [open milestone
    row], [department row])``, rows as lists in the order of ``STANDING_COLUMNS``,
    ``OPEN_COLUMNS`` and ``DEPARTMENT_COLUMNS`` (what is inserted; ``computed_standing`` gives
    them as dicts).

    ``measures``: (measure, plan, section, plan's start year, end year); ``progress``: (measure,
    year, status, review); ``milestones``: (milestone, measure, year of its deadline, kind, date);
    ``first_done``: (measure, year, day of the year's first "done" in the history); ``units``:
    (measure, department), each pair once; of those measures only.
    """
    standings, places = {}, {}
    for pk, plan, section, start, end in measures:
        places[pk] = (plan, section)
        for year in range(start, end + 1):
            standings[pk, year] = [pk, plan, section, year, *BLANK]

    def year_row(measure, year):
        row = standings.get((measure, year))
        if row is None:
            row = standings[measure, year] = [measure, *places[measure], year, *BLANK]
        return row

    for measure, year, status, review in progress:
        row = year_row(measure, year)
        row[STATUS], row[REVIEW] = status, review
    dated = []
    for pk, measure, year, kind, date in milestones:
        row = year_row(measure, year)
        if kind in DATED_KINDS:
            row[HAS_DATED] = True
            if date is not None:
                dated.append([pk, measure, row[PLAN], row[SECTION], year, date])
        elif kind in OPEN_ENDED_KINDS:
            row[HAS_OPEN_ENDED] = True
    for measure, year, day in first_done:
        year_row(measure, year)[FIRST_DONE] = day
    open_rows = [m for m in dated if standings[m[1], m[4]][STATUS] != ProgressStatus.DONE]
    departments = defaultdict(list)
    for measure, department in units:
        departments[measure].append(department)
    department_rows = [
        [row[0], department, row[PLAN], row[YEAR], row[STATUS], row[REVIEW]]
        for row in standings.values()
        for department in departments.get(row[0], ())
    ]
    return standings, open_rows, department_rows


def kept_rows(model, columns, measure_ids):
    """The rows of ``model`` for ``measure_ids`` as dicts of ``columns``."""
    fields = [f"{name}_id" if name in KEYS else name for name in columns]
    for values in model.objects.filter(measure__in=measure_ids).values_list(*fields).order_by(fields[0]):
        yield dict(zip(columns, values))


def kept_standing(measure_ids):
    """What the three tables hold for ``measure_ids``, in the shape of ``computed_standing``."""
    return Standing(
        {(row["measure"], row["year"]): row for row in kept_rows(MeasureStanding, STANDING_COLUMNS, measure_ids)},
        list(kept_rows(OpenMilestone, OPEN_COLUMNS, measure_ids)),
        {
            (row["measure"], row["year"], row["department"]): row
            for row in kept_rows(DepartmentStanding, DEPARTMENT_COLUMNS, measure_ids)
        },
    )


def refresh_standing(measure_ids, *, history=True):
    """Work the rows of ``measure_ids`` (any measures, removed ones included) out again.

    ``history``: whether the write may have changed how the ledger stood on earlier days
    (anything but a report), which moves ``StandingClock.history_tick`` on too."""
    measure_ids = list(dict.fromkeys(measure_ids))
    for start in range(0, len(measure_ids), CHUNK):
        chunk = measure_ids[start:start + CHUNK]
        rows = stored_standing_rows(chunk)
        replaced = kept_counts.stored_counts(chunk)
        for model in (OpenMilestone, MeasureStanding, DepartmentStanding):
            model.objects.filter(measure__in=chunk).delete()
        counts = insert_standing(*rows)
        counts.subtract(replaced)
        kept_counts.add(counts)
    tick(history=history, open_rows=True)


def insert_standing(standings, open_rows, department_rows):
    """Rows of ``standing_rows`` into the three tables (their measures have none there, or no
    more); returns their counts, for the caller to add to the kept counts (``kept_counts.add``)."""
    insert_rows(MeasureStanding, STANDING_COLUMNS, standings.values())
    insert_rows(OpenMilestone, OPEN_COLUMNS, open_rows)
    insert_rows(DepartmentStanding, DEPARTMENT_COLUMNS, department_rows)
    return counts_of(standings.values(), department_rows)


def counts_of(standings, department_rows):
    """The kept counts (``kept_counts``) of rows of ``standing_rows``."""
    counts = Counter(
        (row[PLAN], row[YEAR], kept_counts.BY_SECTION, row[SECTION], row[STATUS], row[REVIEW]) for row in standings
    )
    counts.update(
        (plan, year, kept_counts.BY_DEPARTMENT, department, status, review)
        for _measure, department, plan, year, status, review in department_rows
    )
    return counts

def refresh_plan_standing(plan):
    """Every measure of ``plan`` (an import or re-import of it)."""
    refresh_standing(Measure.all_objects.filter(item__task__section__plan=plan).values_list("pk", flat=True))


def refresh_import_standing(plan, measure_ids, inserted=()):
    """After an import of ``plan`` that wrote ``measure_ids`` (changed, removed, restored or with
    progress from the file) and inserted new measures: those worked out again, and the inserted
    ones' rows made from what the import holds in memory, without reading them back —
    ``inserted`` gives the arguments of ``standing_rows``, a slice of the new measures at a time,
    with everything the import wrote for them. When the plan's years changed,
    every measure of the plan is worked out again instead."""
    kept_years = set(MeasureStanding.objects.filter(plan=plan).values_list("year", flat=True).distinct())
    if kept_years and kept_years != set(plan.years):
        refresh_plan_standing(plan)
        return
    counts = Counter()
    for rows in inserted:
        counts.update(insert_standing(*standing_rows(*rows)))
    kept_counts.add(counts)  # once for all the inserted measures: one upsert per key, not per key and slice
    refresh_standing(measure_ids)


def rebuild_standing():
    """Every row of the three tables worked out again; returns how many standing and open rows there are."""
    for model in (OpenMilestone, MeasureStanding, DepartmentStanding, StandingCount):
        model.objects.all().delete()
    refresh_standing(Measure.objects.order_by("pk").values_list("pk", flat=True))
    return MeasureStanding.objects.count(), OpenMilestone.objects.count()


def progress_written(progress, old_status):
    """A report's status changed from ``old_status``: its year's row says so, and its milestones
    open or close when it enters or leaves "done"."""
    done_changed = (old_status == ProgressStatus.DONE) != (progress.status == ProgressStatus.DONE)
    if done_changed or not year_rows_written(progress, status=progress.status, review=progress.review):
        refresh_standing([progress.measure_id], history=False)
    else:
        tick(history=False)


def review_written(progress):
    year_rows_written(progress, review=progress.review)
    tick(history=False)


def year_rows_written(progress, **values):
    """``values`` into the kept rows of the report's measure and year, and the kept counts moved
    with them; how many ``MeasureStanding`` rows there were (0 or 1)."""
    row = {"measure_id": progress.measure_id, "year": progress.year}
    before = kept_counts.stored_counts([progress.measure_id], year=progress.year)
    changed = MeasureStanding.objects.filter(**row).update(**values)
    DepartmentStanding.objects.filter(**row).update(**values)
    counts = kept_counts.stored_counts([progress.measure_id], year=progress.year)
    counts.subtract(before)
    kept_counts.add(counts)
    return changed


def tick(*, history=True, open_rows=None):
    """Move the clock on, its history clock unless the write was a report or a review, and its
    open milestones' clock with the history clock or when ``open_rows`` were written (the row is
    made by the migration; a database emptied by hand gets it back)."""
    clocks = ["tick", *(["history_tick"] if history else []), *(["open_tick"] if history or open_rows else [])]
    if not StandingClock.objects.filter(pk=1).update(**{name: F(name) + 1 for name in clocks}):
        StandingClock.objects.update_or_create(pk=1, defaults={"tick": 1, "history_tick": 1, "open_tick": 1})


def clock():
    return StandingClock.objects.filter(pk=1).values_list("tick", flat=True).first() or 0


def history_clock():
    return StandingClock.objects.filter(pk=1).values_list("history_tick", flat=True).first() or 0


def open_clock():
    return StandingClock.objects.filter(pk=1).values_list("open_tick", flat=True).first() or 0


def edited(sender, **kwargs):
    tick()


def tick_on_edits():
    """Saving or deleting one of the rows the figures name or group by (an edit in the admin) moves
    the clock on too: remembered figures never show an old name or place."""
    from departments.models import Department, Person

    from tasks.models import Item, MeasureUnit, Plan, Section, Task

    for model in (Plan, Section, Task, Item, Measure, MeasureUnit, Department, Person):
        post_save.connect(edited, sender=model, dispatch_uid=f"standing-clock-save-{model._meta.label}")
        post_delete.connect(edited, sender=model, dispatch_uid=f"standing-clock-delete-{model._meta.label}")
    for model in (Section, Task, Item):
        post_save.connect(moved, sender=model, dispatch_uid=f"standing-moved-{model._meta.label}")
    pre_delete.connect(measure_deleted, sender=Measure, dispatch_uid="standing-counts-measure-deleted")


def measure_deleted(sender, instance, **kwargs):
    """A measure deleted (in the admin, with its section, task or item): its kept rows go with it
    by Django's cascade, so the kept counts lose them here, before they go."""
    counts = Counter()
    counts.subtract(kept_counts.stored_counts([instance.pk]))
    kept_counts.add(counts)


#: From a measure to a section, task or item that holds it (by model name).
MEASURES_BELOW = {"Section": "item__task__section", "Task": "item__task", "Item": "item"}


def moved(sender, instance, created, raw=False, **kwargs):
    """A section, task or item saved (an edit in the admin): its measures whose kept rows name
    another section or plan than they now belong to (it was moved) are worked out again."""
    if created or raw:
        return
    measures = Measure.objects.filter(**{MEASURES_BELOW[sender.__name__]: instance}).values("pk")
    stale = (
        MeasureStanding.objects.filter(measure__in=measures)
        .exclude(Q(section=F("measure__item__task__section")) & Q(plan=F("measure__item__task__section__plan")))
        .values_list("measure_id", flat=True)
        .distinct()
    )
    if stale_ids := list(stale):
        refresh_standing(stale_ids)
