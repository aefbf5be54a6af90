"""The dashboard's figures: measures counted by status, review, overdue and due soon, per
section, department or year, from the kept standing (``tasks.standing.kept``).

``tally`` reads a set of measures' rows of ``MeasureStanding`` (per section) or
``DepartmentStanding`` (per department) with one grouped query, and their ``OpenMilestone`` rows
with another: never the measures, their progress or their milestones themselves, and never a
subquery per measure. Given the plan, both read its rows from an index that holds every column
they count (and, for a staff member's measures, only theirs among them), so the figures of a
whole plan of 100,000 measures cost a scan of that index rather than a join of every measure to
its progress, section and departments.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q

from tasks.choices import ProgressStatus, ReviewState
from tasks.models import DepartmentStanding, MeasureStanding, OpenMilestone, Plan
from tasks.standing import kept_counts
from tasks.standing.on_date import DEFAULT_SOON_DAYS, in_scope

FIGURE_NAMES = (
    "measures", "done", "in_progress", "not_started", "ongoing",
    "overdue_measures", "overdue_milestones", "due_soon_measures", "awaiting_review", "completion_rate",
)
#: The statuses counted as reported; "not started" is what is left of the measures.
REPORTED_STATUSES = (ProgressStatus.DONE, ProgressStatus.IN_PROGRESS, ProgressStatus.ONGOING)
#: The figures that add up across groups that share no measure (sections), unlike the rate.
ADDITIVE = FIGURE_NAMES[:-1]


@dataclass(frozen=True)
class Grouping:
    """What figures are counted per: the kept table with a row per measure, year and group, the
    group's column in it, and what the kept counts call it (``kept_counts``)."""

    standing: type
    key: str
    counted_by: str = kept_counts.BY_SECTION


BY_SECTION = Grouping(MeasureStanding, "section_id")
BY_DEPARTMENT = Grouping(DepartmentStanding, "department_id", kept_counts.BY_DEPARTMENT)


def computed_now(name, compute):
    return compute()


def tally(measures, *, as_of, years=(None,), soon_days=DEFAULT_SOON_DAYS, by=None, plan=None, remember=computed_now):
    """The dashboard's figures of ``measures`` for each of ``years``, per group of ``by``
    (a ``Grouping``): ``{(key, year): figures}``, the key None without ``by``.

    A year of None stands for each measure's plan's reporting year, with the milestones of
    every year. ``plan``: the plan of the measures counted, whose rows are then read by plan;
    ``measures`` None with it for every measure in its ledger. A measure counts once per group
    however many milestones it has, and in every year. ``remember(name, compute)``: the counts of
    the open milestones as ``compute()`` gives them, or as it gave them before for the same
    ``name`` while the open milestones stayed the same (``dashboard.remembered_open``).
    """
    years = [None] if None in years else list(years)
    grouping = by or Grouping(MeasureStanding, None)
    if measures is None and plan is not None:
        groups = plan_status_counts(plan, years, grouping.counted_by, grouped=by is not None)
    else:
        groups = status_counts(in_scope(grouping.standing.objects.all(), measures, plan), grouping.key, years, plan)
    if by is None:  # figures for each year even of no measures
        groups = {(None, year): groups.get((None, year), blank_figures()) for year in years}
    limit = as_of + datetime.timedelta(days=soon_days)
    if grouping.standing is DepartmentStanding:
        late = remember(("late", grouping.key, years), lambda: department_milestone_counts(measures, years, as_of, limit, plan))
    else:
        rows = in_scope(OpenMilestone.objects.all(), measures, plan)
        late = remember(("late", grouping.key, years), lambda: milestone_counts(rows, grouping.key, years, as_of, limit))
    for key, counts in late.items():
        if key in groups:
            groups[key].update(counts)
    for figures in groups.values():
        figures["completion_rate"] = completion_rate(figures["done"], figures["measures"])
    return groups


def status_counts(rows, key, years, plan):
    """Measures, reported statuses and reports waiting for review per group and year.

    Every measure in its ledger has a row for each year of its plan: its rows of the plan's
    first year count the measures, those of a year asked for their statuses (a year outside the
    plan has rows only for measures with a deadline or progress in it; the rest are not started).
    Rows are grouped by their own columns only, so a plan's are read from one index.
    """
    columns = {"key": F(key)} if key else {}
    if plan is not None:
        looked_at = [plan.reporting_year] if years == [None] else years
        rows = rows.filter(year__in={plan.start_year, *looked_at})
        fixed = (plan.start_year, plan.reporting_year)
    else:
        looked_at = F("plan__reporting_year") if years == [None] else None
        rows = rows.filter(
            Q(year=F("plan__start_year")) | (Q(year=looked_at) if looked_at is not None else Q(year__in=years))
        )
        columns.update(start_year=F("plan__start_year"), reporting_year=F("plan__reporting_year"))
        fixed = None
    return added_up(rows.values("year", "status", "review", **columns).annotate(n=Count("*")).order_by(), years, fixed)


def plan_status_counts(plan, years, by, *, grouped):
    """``status_counts`` of every measure of ``plan``, from its kept counts (``kept_counts``):
    per section or department (``by``), or, not ``grouped``, the sections' counts summed."""
    looked_at = [plan.reporting_year] if years == [None] else years
    rows = kept_counts.plan_counts(plan, {plan.start_year, *looked_at}, by)
    if not grouped:
        rows = ({**row, "key": None} for row in rows)
    return added_up(rows, years, (plan.start_year, plan.reporting_year))


def added_up(rows, years, fixed):
    """The figures of each group and year from grouped counts of kept rows (dicts of year, status,
    review, n and the group's key; with each plan's start and reporting year unless ``fixed``)."""
    groups = {}
    for row in rows:
        start_year, reporting_year = fixed or (row["start_year"], row["reporting_year"])
        for year in years:
            figures = groups.setdefault((row.get("key"), year), blank_figures())
            if row["year"] == start_year:
                figures["measures"] += row["n"]
                figures["not_started"] += row["n"]
            if row["year"] == (reporting_year if year is None else year):
                if row["status"] in REPORTED_STATUSES:
                    figures[row["status"]] += row["n"]
                    figures["not_started"] -= row["n"]
                if row["review"] == ReviewState.PENDING:
                    figures["awaiting_review"] += row["n"]
    return groups


def blank_figures():
    return {name: 0 for name in FIGURE_NAMES}


def milestone_counts(rows, key, years, as_of, limit):
    """Overdue and due-soon measures and overdue milestones per group (a column of ``OpenMilestone``) and year."""
    late = Q(date__lt=as_of)
    rows = rows.filter(date__lte=limit)
    if years != [None]:
        rows = rows.filter(year__in=years)
    counts = {
        "overdue_measures": Count("measure", distinct=True, filter=late),
        "due_soon_measures": Count("measure", distinct=True, filter=~late),
        "overdue_milestones": Count("pk", filter=late),
    }
    fields = ["year"] if years != [None] else []
    if not (key or fields):
        return {(None, None): rows.aggregate(**counts)}
    columns = {"key": F(key)} if key else {}
    found = {}
    for row in rows.values(*fields, **columns).annotate(**counts).order_by():
        found[row.get("key"), row.get("year")] = {name: row[name] for name in counts}
    return found


def department_milestone_counts(measures, years, as_of, limit, plan):
    """The same per department: each measure's open milestones counted first (one group per
    measure and year), then those counts summed over the measure's departments, by their kept
    rows (``DepartmentStanding``: one per measure, year and department; across years, those of
    the plan's first year)."""
    quote = connection.ops.quote_name
    conditions, scope_params = [], []
    if plan is not None:
        conditions.append("plan_id = %s")
        scope_params.append(plan.pk)
    if measures is not None:
        subquery, params = measures.values("pk").query.sql_with_params()
        conditions.append(f"measure_id IN ({subquery})")
        scope_params += params
    scope = " AND ".join(conditions) or "1 = 1"
    if years == [None]:
        per_measure, year_column, years_params = "measure_id", "NULL", []
        in_years, join_year = "", f"JOIN {quote(Plan._meta.db_table)} p ON p.id = d.plan_id AND d.year = p.start_year"
    else:
        per_measure, year_column, years_params = "measure_id, year", "m.year", list(years)
        in_years, join_year = f" AND year IN ({', '.join(['%s'] * len(years))})", "AND d.year = m.year"
    # PostgreSQL hashes every row of the table for the join unless told the whole plan's rows of
    # the years asked for (read by their index: 102 ms instead of 260 at 100,000 measures);
    # SQLite, told so, reads those by index instead of looking each measure up (300 ms instead of 95)
    rows_where, rows_params = "", []
    if plan is not None and measures is None and connection.vendor == "postgresql":
        rows_where, rows_params = " WHERE d.plan_id = %s", [plan.pk]
        if years != [None]:
            rows_where += f" AND d.year IN ({', '.join(['%s'] * len(years))})"
            rows_params += list(years)
    sql = (
        f"SELECT d.department_id, {year_column},"
        " SUM(CASE WHEN m.late > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN m.soon > 0 THEN 1 ELSE 0 END), SUM(m.late)"
        f" FROM (SELECT {per_measure},"
        " SUM(CASE WHEN date < %s THEN 1 ELSE 0 END) AS late, SUM(CASE WHEN date >= %s THEN 1 ELSE 0 END) AS soon"
        f" FROM {quote(OpenMilestone._meta.db_table)} WHERE {scope} AND date <= %s{in_years} GROUP BY {per_measure}) m"
        f" JOIN {quote(DepartmentStanding._meta.db_table)} d ON d.measure_id = m.measure_id {join_year}{rows_where}"
        f" GROUP BY d.department_id{'' if years == [None] else ', m.year'}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of, as_of, *scope_params, limit, *years_params, *rows_params])
        return {
            (department, year): {"overdue_measures": overdue, "due_soon_measures": soon, "overdue_milestones": milestones}
            for department, year, overdue, soon, milestones in cursor.fetchall()
        }


def summed(groups):
    """The figures of several groups that share no measure, added up."""
    total = {name: sum(figures[name] for figures in groups) for name in ADDITIVE}
    total["completion_rate"] = completion_rate(total["done"], total["measures"])
    return total


def figures(measures, *, as_of, year=None, soon_days=DEFAULT_SOON_DAYS, plan=None, remember=computed_now):
    """The dashboard's totals for a set of measures, each measure counted once (``plan``,
    ``remember``: as for ``tally``)."""
    return tally(measures, as_of=as_of, years=[year], soon_days=soon_days, plan=plan, remember=remember)[None, year]


def completion_rate(done, total):
    return round(done / total, 4) if total else 0.0
