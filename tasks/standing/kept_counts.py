"""The kept counts (``StandingCount``): how many kept rows of each plan's year stand at each
status and review, per section and per department.

``tasks.standing.kept`` moves them with every write of the kept rows, in the same transaction:
it hands ``add`` the counts of the rows it writes less those of the rows they replace
(``stored_counts``), so the counts always equal a grouped count of ``MeasureStanding`` and
``DepartmentStanding`` (``counted``: what the tests compare them with, and what ``recount``
writes). The dashboard of a whole plan reads them (``plan_counts``) instead of counting the
300,000 standing rows of a 100,000-measure plan after every report.
"""

from collections import Counter

from django.db import connection
from django.db.models import Count

from tasks.bulk_rows import insert_rows
from tasks.models import DepartmentStanding, MeasureStanding, StandingCount

BY_SECTION, BY_DEPARTMENT = StandingCount.By.SECTION.value, StandingCount.By.DEPARTMENT.value

#: The columns of a count's key, in the order of the keys ``add`` takes.
KEY_COLUMNS = ["plan", "year", "by", "group", "status", "review"]

#: Each kept table, how its rows are counted, and the column they are grouped by.
COUNTED = ((MeasureStanding, BY_SECTION, "section_id"), (DepartmentStanding, BY_DEPARTMENT, "department_id"))


def counted(rows_of=lambda model: model.objects.all()):
    """``Counter`` of (plan, year, by, group, status, review) over the kept rows ``rows_of``
    gives for each table (by default all of them)."""
    counts = Counter()
    for model, by, group in COUNTED:
        grouped = rows_of(model).values_list("plan_id", "year", group, "status", "review").annotate(n=Count("*"))
        for plan, year, key, status, review, n in grouped.order_by():
            counts[plan, year, by, key, status, review] += n
    return counts


def stored_counts(measure_ids, year=None):
    """The counts of the kept rows stored now for ``measure_ids`` (of ``year`` only, if given)."""
    conditions = {"measure__in": measure_ids, **({"year": year} if year is not None else {})}
    return counted(lambda model: model.objects.filter(**conditions))


def add(counts):
    """Add ``counts`` (key → a number of rows, less than 0 for rows gone) to the kept counts.

    One upsert per key, in key order: two writers of the same plan (two reports) wait for each
    other's rows in one order, never in opposite ones. Counts that reach 0 are deleted."""
    changed = sorted((key, n) for key, n in counts.items() if n)
    if not changed:
        return
    quote = connection.ops.quote_name
    table = quote(StandingCount._meta.db_table)
    columns = [quote(StandingCount._meta.get_field(name).column) for name in KEY_COLUMNS]
    n = quote("n")
    placeholders = ", ".join(["%s"] * (len(columns) + 1))
    key = " AND ".join(f"{column} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}, {n}) VALUES ({placeholders})"  # noqa: S608 - names from the model
            f" ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {n} = {table}.{n} + excluded.{n}",
            [(*key, count) for key, count in changed],
        )
        emptied = [key for key, count in changed if count < 0]
        if emptied:
            cursor.executemany(f"DELETE FROM {table} WHERE {key} AND {n} = 0", emptied)  # noqa: S608


def recount():
    """Every count made again from the kept rows (``manage.py rebuild_standing``)."""
    StandingCount.objects.all().delete()
    insert_rows(StandingCount, [*KEY_COLUMNS, "n"], ((*key, n) for key, n in counted().items()))


def plan_counts(plan, years, by):
    """The counts of ``plan``'s ``years`` grouped ``by`` (``BY_SECTION`` or ``BY_DEPARTMENT``),
    as the grouped query over its kept rows gives them: dicts of year, status, review, key, n."""
    rows = StandingCount.objects.filter(plan=plan, year__in=years, by=by).order_by()
    for year, key, status, review, n in rows.values_list("year", "group", "status", "review", "n"):
        yield {"year": year, "key": key, "status": status, "review": review, "n": n}
