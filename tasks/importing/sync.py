"""Making a plan in the database match a ledger file, in bulk: the import behind ``import_ledger``.

The rules are the importer's (docs/importing.md): a row is the stored measure of the same plan
that ``identity.match`` pairs it with by content (text, place, number and units, not the number
alone); a stored measure the file no longer has is removed, never deleted, and one it has
again is restored; a row whose every value matches is unchanged and writes nothing; a measure
that only moved within the workbook follows its cells without counting as a change; progress
entered in the app is never overwritten by the file; every change to a measure goes into its
history (``MeasureChange``). The admin's import page applies the same rules row by row through
``MeasureResource`` (it shows a preview per row); this module does the whole file at once: the
plan's current state is read in a handful of queries, each row is compared in memory, and only
what changed is written, new rows through ``bulk_rows`` (COPY on PostgreSQL). One transaction:
any error, nothing is written.

The work is in three parts: ``sync_identify.Identifying`` reads the plan and pairs the file's
entries with the stored ones, ``sync_compare.Comparing`` decides what changes, ``sync_write.Writing``
writes it; ``stored`` loads what the plan holds, ``places`` numbers rows.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from departments.models import Department, Person

from tasks.importing.lock import import_transaction, locked_plan
from tasks.models import (
    Deadline,
    Item,
    Measure,
    MeasureStanding,
    MeasureUnit,
    Milestone,
    OpenMilestone,
    Progress,
    ProgressEntry,
    Section,
    Task,
)
from tasks.ledgerfiles.plan_years import YEARS_LOOKED_AT
from tasks.importing import steps
from tasks.importing.errors import ImportFailed, RowError, describe
from tasks.importing.places import check_unique_places, ledger_places
from tasks.importing.options import plan_slug
from tasks.importing.sync_compare import Comparing, FieldCheck
from tasks.importing.sync_identify import Identifying
from tasks.importing.sync_write import Writing


#: Rows written by one import after which PostgreSQL's planner statistics are refreshed.
STATISTICS_AFTER = 1000

#: The tables an import fills.
WRITTEN_MODELS = (
    Department, Person, Section, Task, Item, Measure, MeasureUnit, Deadline, Milestone, Progress, ProgressEntry,
    MeasureStanding, OpenMilestone,
)


def find_or_create_plan(ledger, options, file_name):
    """The plan the ledger goes into, created or brought up to date, locked until the import ends."""
    years = options.years or ledger.plan_years or ledger.years or ledger.title_years
    if options.years and ledger.years and not set(ledger.years) <= set(options.years):
        raise RowError(None, f"表头中的年度 {ledger.years} 不在指定的年度 {options.years} 之内")
    if not years:
        raise RowError(
            None,
            f"文件中没有方案年度（已查看{YEARS_LOOKED_AT}）：请指定方案年度（命令行 --years 2023-2025，管理后台填写“方案年度”）",
        )
    title = ledger.title or file_name
    slug = plan_slug(options, file_name, title)
    plan = locked_plan(slug)  # until the import's transaction ends: a second import waits (import_lock)
    wanted = {
        "title": title[:300],
        "start_year": min(years),
        "end_year": max(years),
        "source_sheet": ledger.sheet,
        "reporting_year": plan.reporting_year or reporting_year(ledger, years),
    }
    if options.column_map:  # remembered for the plan's next import (admin and import_ledger alike)
        wanted["column_map"] = options.column_map
    if plan.pk and all(getattr(plan, name) == value for name, value in wanted.items()):
        return plan
    for name, value in wanted.items():
        setattr(plan, name, value)
    plan.full_clean(exclude=["slug"] if plan.pk else None)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as error:
        raise RowError(None, f"另一项导入正在创建同一台账「{slug}」，请稍后重试。") from error
    return plan


def reporting_year(ledger, years):
    """The first plan year after the last ``N年完成任务`` column; else this year, kept within the plan."""
    result_years = sorted({year for row in ledger.rows for year in row.results})
    if result_years and result_years[-1] + 1 in years:
        return result_years[-1] + 1
    return min(max(timezone.localdate().year, years[0]), years[-1])


def keep_workbook(plan, data):
    """Keep the workbook the plan came from, for write-back (回填), when it is new or changed."""
    if not data:
        return
    digest = hashlib.sha256(data).hexdigest()
    if digest == plan.source_sha256:
        return
    if plan.source_file:
        plan.source_file.delete(save=False)
    plan.source_file.save(f"{plan.slug}.xlsx", ContentFile(data), save=False)
    plan.source_sha256 = digest
    plan.save(update_fields=["source_file", "source_sha256", "updated_at"])


def refresh_statistics():
    """``ANALYZE`` the tables an import filled (PostgreSQL). Rows arriving through COPY leave the
    planner guessing until autovacuum catches up, and a dashboard planned on a guess over 10,000
    fresh measures took 33 s instead of 0.3 s (measured by bench/load.py)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in WRITTEN_MODELS))


class LedgerSync(Identifying, Comparing, Writing):
    """One import of one ledger into one plan. ``run`` returns the counts; errors raise ``ImportFailed``."""

    def __init__(self, ledger, options, *, file_name, user=None, on_step=steps.unwatched):
        self.ledger = ledger
        self.on_step = on_step
        self.options = options
        self.file_name = file_name
        self.user = user if user is not None and user.is_authenticated else None
        self.where = f"{file_name}, 工作表「{ledger.sheet}」"
        self.errors = []
        self.flagged = []
        self.kept_app_progress = 0
        self.counts = {"new": 0, "update": 0, "restored": 0, "removed": 0, "skip": 0, "error": 0, "invalid": 0}
        self.parsed = {}
        self.unit_lists = {}
        self.places = ledger_places(ledger.rows)
        self.list_unchanged = False
        self.checks = {
            "section": FieldCheck(Section, "title"),
            "task": FieldCheck(Task, "title"),
            "upstream": FieldCheck(Item, "upstream_deadline"),
            "measure": FieldCheck(Measure, "text"),
            "person": FieldCheck(Person, "name"),
            "department": FieldCheck(Department, "name"),
            "deadline": FieldCheck(Deadline, "text"),
        }

    def run(self, *, source=None, dry_run=False, preview=False, list_unchanged=False):
        """Import the ledger; ``dry_run`` rolls every write back, ``preview`` stops before writing;
        ``list_unchanged`` lists the unchanged measures too (``self.unchanged``)."""
        self.list_unchanged = list_unchanged
        rows = self.ledger.rows
        with import_transaction(self.where):
            try:
                check_unique_places(zip(self.places, (row.row for row in rows)))
                plan = find_or_create_plan(self.ledger, self.options, self.file_name)
            except (RowError, ValidationError) as error:
                raise ImportFailed([f"{self.where}{describe(error)}"]) from error
            self.prepare(plan)
            if self.errors:
                raise ImportFailed(self.error_lines())
            if not preview:
                self.write()
            if dry_run or preview:
                transaction.set_rollback(True)  # a new plan included
            else:
                keep_workbook(self.plan, source)
                self.on_step(steps.COMMIT)
        if not (dry_run or preview) and self.counts["new"] + self.counts["update"] + self.counts["restored"] >= STATISTICS_AFTER:
            refresh_statistics()
        return self.counts

    def prepare(self, plan):
        """Read the plan as stored, tell which stored measure each row is, decide what to write."""
        self.plan = plan
        self.plan_years = plan.years
        self.on_step(steps.COMPARE, 0, len(self.ledger.rows))
        self.load()
        self.identify(self.ledger.rows)
        self.compare(self.ledger.rows)

    def error_lines(self, limit=200):
        """Each error once (a bad cell of an item is met again with every measure under it)."""
        errors = list(dict.fromkeys(self.errors))
        if len(errors) <= limit:
            return errors
        return errors[:limit] + [f"{self.where}: 另有 {len(errors) - limit} 处错误未列出"]
