"""The kept standing: ``MeasureStanding`` and ``OpenMilestone``, rewritten by every write.

Lists, the measure page, the overdue lists and the dashboard's figures read a measure's status,
review and open milestones from these two tables by index, instead of working them out from
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

``rebuild_standing`` (``manage.py rebuild_standing``) works out every row again. Each write also
moves ``StandingClock`` on, so figures remembered for the old tick are not used again.
"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save

from tasks.bulk_rows import insert_rows
from tasks.choices import DATED_KINDS, OPEN_ENDED_KINDS, ProgressStatus, ReviewState
from tasks.models import Measure, MeasureStanding, Milestone, OpenMilestone, Progress, StandingClock

#: Measures worked out per round of queries (bounded lists of ids in ``IN``).
CHUNK = 5000

STANDING_COLUMNS = ["measure", "plan", "year", "status", "review", "has_dated", "has_open_ended"]
OPEN_COLUMNS = ["milestone", "measure", "plan", "year", "date"]

#: Where ``standing_rows`` keeps each column in a row, and what a year with nothing in it holds.
PLAN, STATUS, REVIEW, HAS_DATED, HAS_OPEN_ENDED = map(STANDING_COLUMNS.index, ["plan", "status", "review", "has_dated", "has_open_ended"])
BLANK = (ProgressStatus.NOT_STARTED, ReviewState.NONE, False, False)


def computed_standing(measure_ids):
    """What the two tables should hold for ``measure_ids``, from progress and milestones:
    ``({(measure, year): row}, [open milestone rows])``, rows as dicts of the tables' columns.

    A measure has a row for every year of its plan and every other year it has a deadline or
    progress for; removed measures have none.
    """
    standings, open_rows = stored_standing_rows(measure_ids)
    return (
        {key: dict(zip(STANDING_COLUMNS, row)) for key, row in standings.items()},
        [dict(zip(OPEN_COLUMNS, row)) for row in open_rows],
    )


def stored_standing_rows(measure_ids):
    """``standing_rows`` of ``measure_ids`` from their plan, progress and milestones as stored."""
    measures = list(
        Measure.objects.filter(pk__in=measure_ids).values_list(
            "pk", "item__task__section__plan_id", "item__task__section__plan__start_year", "item__task__section__plan__end_year"
        )
    )
    kept = [pk for pk, *_plan in measures]
    return standing_rows(
        measures,
        Progress.objects.filter(measure__in=kept).values_list("measure_id", "year", "status", "review"),
        Milestone.objects.filter(deadline__measure__in=kept).values_list(
            "pk", "deadline__measure_id", "deadline__year", "kind", "date"
        ),
    )


def standing_rows(measures, progress, milestones):
    """The rows of both tables worked out from plain rows: the one place that says what the kept
    standing is, for rows read back (``stored_standing_rows``) and rows an import holds in memory
    (``refresh_import_standing``). Returns ``({(measure, year): row}, [open milestone row])``,
    rows as lists in the order of ``STANDING_COLUMNS`` and ``OPEN_COLUMNS`` (what is inserted;
    ``computed_standing`` gives them as dicts).

    ``measures``: (measure, plan, plan's start year, end year); ``progress``: (measure, year,
    status, review); ``milestones``: (milestone, measure, year of its deadline, kind, date), of
    those measures only.
    """
    standings, plans = {}, {}
    for pk, plan, start, end in measures:
        plans[pk] = plan
        for year in range(start, end + 1):
            standings[pk, year] = [pk, plan, year, *BLANK]
    for measure, year, status, review in progress:
        row = standings.get((measure, year))
        if row is None:
            row = standings[measure, year] = [measure, plans[measure], year, *BLANK]
        row[STATUS], row[REVIEW] = status, review
    dated = []
    for pk, measure, year, kind, date in milestones:
        row = standings.get((measure, year))
        if row is None:
            row = standings[measure, year] = [measure, plans[measure], year, *BLANK]
        if kind in DATED_KINDS:
            row[HAS_DATED] = True
            if date is not None:
                dated.append([pk, measure, row[PLAN], year, date])
        elif kind in OPEN_ENDED_KINDS:
            row[HAS_OPEN_ENDED] = True
    open_rows = [m for m in dated if standings[m[1], m[3]][STATUS] != ProgressStatus.DONE]
    return standings, open_rows


def kept_standing(measure_ids):
    """What the two tables hold for ``measure_ids``, in the shape of ``computed_standing``."""
    standing_columns = [f"{name}_id" if name in ("measure", "plan") else name for name in STANDING_COLUMNS]
    standings = {}
    for values in MeasureStanding.objects.filter(measure__in=measure_ids).values_list(*standing_columns):
        row = dict(zip(STANDING_COLUMNS, values))
        standings[row["measure"], row["year"]] = row
    open_rows = [
        dict(zip(OPEN_COLUMNS, values))
        for values in OpenMilestone.objects.filter(measure__in=measure_ids)
        .values_list("milestone_id", "measure_id", "plan_id", "year", "date")
        .order_by("milestone_id")
    ]
    return standings, open_rows


def refresh_standing(measure_ids):
    """Work the rows of ``measure_ids`` (any measures, removed ones included) out again."""
    measure_ids = list(dict.fromkeys(measure_ids))
    for start in range(0, len(measure_ids), CHUNK):
        chunk = measure_ids[start:start + CHUNK]
        standings, open_rows = stored_standing_rows(chunk)
        OpenMilestone.objects.filter(measure__in=chunk).delete()
        MeasureStanding.objects.filter(measure__in=chunk).delete()
        insert_standing(standings, open_rows)
    tick()


def insert_standing(standings, open_rows):
    """Rows of ``standing_rows`` into both tables (their measures have none there yet)."""
    insert_rows(MeasureStanding, STANDING_COLUMNS, standings.values())
    insert_rows(OpenMilestone, OPEN_COLUMNS, open_rows)


def refresh_plan_standing(plan):
    """Every measure of ``plan`` (an import or re-import of it)."""
    refresh_standing(Measure.all_objects.filter(item__task__section__plan=plan).values_list("pk", flat=True))


def refresh_import_standing(plan, measure_ids, inserted=()):
    """After an import of ``plan`` that wrote ``measure_ids`` (changed, removed, restored or with
    progress from the file) and inserted new measures: those worked out again, and the inserted
    ones' rows made from what the import holds in memory, without reading them back —
    ``inserted`` gives (measures, progress, milestones) for ``standing_rows``, a slice of the new
    measures at a time, with everything the import wrote for them. When the plan's years changed,
    every measure of the plan is worked out again instead."""
    kept_years = set(MeasureStanding.objects.filter(plan=plan).values_list("year", flat=True).distinct())
    if kept_years and kept_years != set(plan.years):
        refresh_plan_standing(plan)
        return
    for measures, progress, milestones in inserted:
        insert_standing(*standing_rows(measures, progress, milestones))
    refresh_standing(measure_ids)


def rebuild_standing():
    """Every row of both tables worked out again; returns how many standing and open rows there are."""
    OpenMilestone.objects.all().delete()
    MeasureStanding.objects.all().delete()
    refresh_standing(Measure.objects.order_by("pk").values_list("pk", flat=True))
    return MeasureStanding.objects.count(), OpenMilestone.objects.count()


def progress_written(progress, old_status):
    """A report's status changed from ``old_status``: its year's row says so, and its milestones
    open or close when it enters or leaves "done"."""
    changed = MeasureStanding.objects.filter(measure_id=progress.measure_id, year=progress.year).update(
        status=progress.status, review=progress.review
    )
    if not changed or (old_status == ProgressStatus.DONE) != (progress.status == ProgressStatus.DONE):
        refresh_standing([progress.measure_id])
    else:
        tick()


def review_written(progress):
    MeasureStanding.objects.filter(measure_id=progress.measure_id, year=progress.year).update(review=progress.review)
    tick()


def tick():
    """Move the clock on (the row is made by the migration; a database emptied by hand gets it back)."""
    if not StandingClock.objects.filter(pk=1).update(tick=F("tick") + 1):
        StandingClock.objects.update_or_create(pk=1, defaults={"tick": 1})


def clock():
    return StandingClock.objects.filter(pk=1).values_list("tick", flat=True).first() or 0


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
