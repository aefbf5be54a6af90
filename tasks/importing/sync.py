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
"""

import hashlib
from collections import defaultdict
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from departments.models import Department, Person

from tasks.importing import columns
from tasks.importing.ledger_import import ImportFailed, number_unnumbered, plan_slug
from tasks.importing.lock import import_transaction, locked_plan
from tasks.workflow.year_close import open_closures
from tasks.bulk_rows import insert_rows, reserve_ids
from tasks.standing.kept import refresh_import_standing
from tasks.choices import ProgressSource, ProgressStatus, ReviewState, UnitRole
from tasks.deadlines.phrases import needs_review
from tasks.importing.identity import Entry, MeasureLine, match, place_label, start_of
from tasks.models import (
    Deadline,
    Item,
    Measure,
    MeasureChange,
    MeasureChangeKind,
    MeasureStanding,
    MeasureUnit,
    Milestone,
    OpenMilestone,
    Plan,
    Progress,
    ProgressEntry,
    Section,
    Task,
)
from tasks.workflow.progress import status_from_result
from tasks.deadlines.schedule import as_row, milestone_rows, milestones_by_year
from tasks.ledgerfiles.sheets import YEARS_LOOKED_AT

#: The units of a measure stored without any.
NO_UNITS = ([], [])

#: The stored parent of an entry whose own parent is new in the file: no stored entry has it.
NEW = object()

#: Numbers a renumbered task, item or measure holds while the others move (any pk fits below 2**31).
TEMPORARY = 1_500_000_000

#: Numbers of stored tasks and items the file no longer has, out of the way of the file's numbers.
ASIDE = 1_000_000_000

#: Where a measure sits in the source workbook: kept for write-back, not part of the ledger's content.
WHERE_IN_THE_WORKBOOK = ("source_row", "source_cells")


class StoredMeasure(NamedTuple):
    """A stored measure as an import compares it: fingerprints of its values, where it sits, its text."""

    pk: int
    content: int  # content_key of its own values
    where: int  # where_key of its cells in the workbook
    item: int
    number: int
    text: str
    person: str
    removed: bool


class Wanted(NamedTuple):
    """What a row asks of its measure beyond the row's own texts."""

    person: str
    lead_units: list  # department names, each once; shared between rows: never changed
    responsible_units: list
    deadlines: dict  # {year: schedule.YearDeadline}, shared between rows with the same phrases
    extra: dict


class RowError(Exception):
    """A problem with the file or one row, named by its column."""

    def __init__(self, column, message):
        self.column = column
        super().__init__(message)


def describe(error):
    """``, 列「X」: message`` or ``: message``, to follow the file (and row) a message names."""
    if isinstance(error, RowError):
        return f", 列「{error.column}」: {error}" if error.column else f": {error}"
    return f": {error}"


# -- the plan ------------------------------------------------------------------------------


def ledger_places(rows):
    """(section number, task number, item number, measure number) of each row, counted where unnumbered."""
    task_numbers, item_numbers = number_unnumbered(rows)
    return [(row.section_number or "", task_numbers[i], item_numbers[i], row.measure_number) for i, row in enumerate(rows)]


def check_unique_places(places):
    """``places``: (place, source row) per measure; two measures at one place is an error."""
    seen = {}
    for place, source_row in places:
        if place in seen:
            raise RowError(
                columns.MEASURE_NUMBER,
                f"第 {source_row} 行与第 {seen[place]} 行是同一项措施"
                f"（部分{place[0]} 序号{place[1]} 要求{place[2]} 措施{place[3]}），编号重复",
            )
        seen[place] = source_row


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


def content_key(text, lead_text, responsible_text, extra, person, label):
    """A measure's own values as one comparable fingerprint (``extra`` as stored or as read)."""
    return hash((text, lead_text, responsible_text, frozen(extra), person, label))


def where_key(source_row, cells):
    """Where a measure sits in its workbook, as one comparable fingerprint."""
    return hash((source_row, frozen(cells)))


def frozen(mapping):
    """A JSON object of strings, numbers or [row, column] pairs as a hashable, order-free value."""
    return tuple(sorted((key, tuple(value) if isinstance(value, list) else value) for key, value in mapping.items()))


#: Rows written by one import after which PostgreSQL's planner statistics are refreshed.
STATISTICS_AFTER = 1000

#: The tables an import fills.
WRITTEN_MODELS = (
    Department, Person, Section, Task, Item, Measure, MeasureUnit, Deadline, Milestone, Progress, ProgressEntry,
    MeasureStanding, OpenMilestone,
)


def refresh_statistics():
    """``ANALYZE`` the tables an import filled (PostgreSQL). Rows arriving through COPY leave the
    planner guessing until autovacuum catches up, and a dashboard planned on a guess over 10,000
    fresh measures took 33 s instead of 0.3 s (measured by bench/load.py)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in WRITTEN_MODELS))


def progress_over(stored, stated):
    """What a file's progress statements change in a measure's stored reports.

    ``stored``: {year: (status, note, source of the last history entry or None, handle)};
    ``stated``: {year: (status, note)} from the file. Returns ({year: (status, note, handle or
    None for a year with no report)}, number of reports kept). A report last changed in the app
    is kept (and counted) where the file states otherwise; a report an earlier import wrote that
    the file no longer states goes back to not started.
    """
    writes, kept = {}, 0
    for year, (status, note, source, handle) in stored.items():
        wanted = stated.get(year, (ProgressStatus.NOT_STARTED, ""))
        if (status, note) == wanted:
            continue
        if source is None or source == ProgressSource.IMPORT:
            writes[year] = (*wanted, handle)
        elif year in stated:
            kept += 1
    writes.update({year: (*value, None) for year, value in stated.items() if year not in stored})
    return writes, kept


def split_lines(value):
    return [line for line in (value or "").split("\n") if line.strip()]


def unique(names):
    """The names in their order, each once: a unit named twice in one role is one unit."""
    return list(dict.fromkeys(names))


def chunks(values, size=10000):
    """``values`` in slices small enough for one query's parameters."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def file_progress(results, done, plan):
    """``{year: (status, note)}`` that a row's result cells (and 已完成任务 mark) state."""
    progress = {year: (status_from_result(text), text) for year, text in results.items() if text}
    if done and plan.reporting_year:
        progress[plan.reporting_year] = (ProgressStatus.DONE, "")
    return progress


# -- checking values ---------------------------------------------------------------------


class FieldCheck:
    """A model field's own blank and length rules, checked cheaply; Django's message when broken."""

    def __init__(self, model, name):
        self.field = model._meta.get_field(name)
        self.max_length = self.field.max_length
        self.blank = self.field.blank

    def error(self, value):
        if (value or self.blank) and (self.max_length is None or len(value) <= self.max_length):
            return None
        try:
            self.field.clean(value, None)
        except ValidationError as error:
            return "；".join(error.messages)
        return None


# -- the import ---------------------------------------------------------------------------


class LedgerSync:
    """One import of one ledger into one plan. ``run`` returns the counts; errors raise ``ImportFailed``."""

    def __init__(self, ledger, options, *, file_name, user=None):
        self.ledger = ledger
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
        if not (dry_run or preview) and self.counts["new"] + self.counts["update"] + self.counts["restored"] >= STATISTICS_AFTER:
            refresh_statistics()
        return self.counts

    def prepare(self, plan):
        """Read the plan as stored, tell which stored measure each row is, decide what to write."""
        self.plan = plan
        self.plan_years = plan.years
        self.load()
        self.identify(self.ledger.rows)
        self.compare(self.ledger.rows)

    def error_lines(self, limit=200):
        """Each error once (a bad cell of an item is met again with every measure under it)."""
        errors = list(dict.fromkeys(self.errors))
        if len(errors) <= limit:
            return errors
        return errors[:limit] + [f"{self.where}: 另有 {len(errors) - limit} 处错误未列出"]

    # -- what the plan holds now ------------------------------------------------------

    def load(self):
        """The plan as stored, read in a few queries. Texts that repeat (section numbers, unit
        names, statuses, notes) are kept once, deadline phrases as one fingerprint per measure."""
        plan = self.plan
        one = {}
        self.departments = dict(Department.objects.values_list("name", "id"))
        self.stored_sections = {
            pk: (number, title) for pk, number, title in Section.objects.filter(plan=plan).values_list("id", "number", "title")
        }
        self.stored_tasks = {
            pk: (section, number, title, label)
            for pk, section, number, title, label in Task.objects.filter(section__plan=plan).values_list(
                "id", "section_id", "number", "title", "label"
            )
        }
        self.stored_items = {
            pk: (task, number, text, upstream, label)
            for pk, task, number, text, upstream, label in Item.objects.filter(task__section__plan=plan).values_list(
                "id", "task_id", "number", "text", "upstream_deadline", "label"
            )
        }
        # a fingerprint of each stored measure's values, not the values: a province's plan holds 100,000
        self.stored_measures = {}
        stored = Measure.all_objects.filter(item__task__section__plan=plan).values_list(
            "id",
            "item_id",
            "number",
            "text",
            "lead_text",
            "responsible_text",
            "source_row",
            "source_cells",
            "extra",
            "person__name",
            "removed_at",
            "label",
        )
        for pk, item, number, text, lead_text, responsible_text, source_row, cells, extra, person, removed_at, label in (
            stored.iterator(5000)
        ):
            self.stored_measures[pk] = StoredMeasure(
                pk,
                content_key(text, lead_text, responsible_text, extra, person or "", label),
                where_key(source_row, cells),
                item,
                number,
                text,
                one.setdefault(person or "", person or ""),
                removed_at is not None,
            )
        in_plan = {"measure__item__task__section__plan": plan}
        self.units = load_units(in_plan, one)
        self.deadline_phrases = load_deadline_phrases(in_plan)
        last_source = ProgressEntry.objects.filter(progress=OuterRef("pk")).order_by("-version").values("source")[:1]
        rows = (
            Progress.objects.filter(**in_plan)
            .annotate(last_source=Subquery(last_source))
            .order_by("measure_id", "year")
            .values_list("measure_id", "year", "id", "status", "note", "version", "last_source")
            .iterator(5000)
        )
        # {measure id: ((year, progress id, status, note, version, source of the last entry), ...)}
        self.progress = {
            measure: tuple(
                (year, pk, one.setdefault(status, status), one.setdefault(note, note), version, source)
                for _measure, year, pk, status, note, version, source in in_measure
            )
            for measure, in_measure in groupby(rows, key=itemgetter(0))
        }
        self.accepted = set(
            Progress.objects.filter(review=ReviewState.ACCEPTED, **in_plan).values_list("measure_id", flat=True)
        )
        # {year: names of the departments closed in it, None for the whole plan}
        self.closed_years = {}
        if plan.pk is not None:
            for year, department in open_closures(plan).values_list("year", "department__name"):
                self.closed_years.setdefault(year, set()).add(department)

    # -- which stored entry each of the file's is --------------------------------------

    def identify(self, rows):
        """Match the file's sections, tasks, items and measures to the stored ones by content
        (``identity.match``), level by level; ``self.sections``, ``self.tasks`` and ``self.items``
        are then the stored parents under the file's keys, ``self.matched`` the stored measure of
        each row. Two equally good candidates are an error naming both."""
        file_sections, file_tasks, file_items = {}, {}, {}
        for place, row in zip(self.places, rows):
            file_sections.setdefault(place[0], row.section_title or "")
            file_tasks.setdefault(place[:2], row.task_title or "")
            file_items.setdefault(place[:3], row.item_text or "")
        sections = match(
            [Entry(number, None, None, number, title) for number, title in file_sections.items()],
            [Entry(pk, None, None, number, title) for pk, (number, title) in self.stored_sections.items()],
        )
        self.refuse_ambiguous(sections, "部分", lambda key: f"部分{key}", lambda pk: f"部分{self.stored_sections[pk][0]}")
        section_of = sections.pairs
        tasks = match(
            [
                Entry(key, section_of.get(key[0], NEW), section_of.get(key[0], NEW), key[1], title)
                for key, title in file_tasks.items()
            ],
            [Entry(pk, section, section, number, title) for pk, (section, number, title, _l) in self.stored_tasks.items()],
        )
        self.refuse_ambiguous(tasks, "任务", lambda key: f"序号{key[1]}「{start_of(file_tasks[key])}」", self.task_label)
        task_of = tasks.pairs
        items = match(
            [
                Entry(key, task_of.get(key[:2], NEW), task_of.get(key[:2], NEW), key[2], text)
                for key, text in file_items.items()
            ],
            [Entry(pk, task, task, number, text) for pk, (task, number, text, *_rest) in self.stored_items.items()],
        )
        self.refuse_ambiguous(items, "要求", lambda key: f"要求{key[2]}「{start_of(file_items[key])}」", self.item_label)
        item_of = items.pairs
        self.sections = {key: [pk, self.stored_sections[pk][1]] for key, pk in section_of.items()}
        self.tasks = {key: [pk, *self.stored_tasks[pk][2:]] for key, pk in task_of.items()}
        self.items = {key: [pk, *self.stored_items[pk][2:]] for key, pk in item_of.items()}
        self.moved_sections = {pk: key for key, pk in section_of.items() if self.stored_sections[pk][0] != key}
        self.moved_tasks = {
            pk: key for key, pk in task_of.items() if self.stored_tasks[pk][:2] != (section_of.get(key[0]), key[1])
        }
        self.moved_items = {pk: key for key, pk in item_of.items() if self.stored_items[pk][:2] != (task_of.get(key[:2]), key[2])}
        task_of_item = {pk: task for pk, (task, *_rest) in self.stored_items.items()}
        # items whose own place changes with them: their measures are renumbered though they stay put
        self.items_renumbered = {
            pk
            for pk, (task, *_rest) in self.stored_items.items()
            if pk in self.moved_items or task in self.moved_tasks or self.stored_tasks[task][0] in self.moved_sections
        }
        measures = match(
            [
                Entry(
                    index,
                    task_of.get(place[:2], NEW),
                    item_of.get(place[:3], NEW),
                    place[3],
                    row.measure_text or "",
                    (self.unit_names(row.lead_units), self.unit_names(row.responsible_units)),
                )
                for index, (place, row) in enumerate(zip(self.places, rows))
            ],
            [
                Entry(pk, task_of_item[m.item], m.item, m.number, m.text, self.units.get(pk, NO_UNITS))
                for pk, m in self.stored_measures.items()
            ],
        )
        self.refuse_ambiguous(
            measures,
            "措施",
            lambda index: f"第 {rows[index].row} 行「{start_of(rows[index].measure_text)}」",
            lambda pk: f"{place_label(self.stored_place(pk))}「{start_of(self.stored_measures[pk].text)}」",
        )
        self.matched = {index: self.stored_measures[pk] for index, pk in measures.pairs.items()}

    def refuse_ambiguous(self, matching, level, file_label, stored_label):
        for ambiguity in matching.ambiguous:
            self.errors.append(
                f"{self.where}: 无法确定{level}对应关系，不作猜测："
                f"文件中的{'、'.join(file_label(key) for key in ambiguity.file_keys)}"
                f"与原有的{'、'.join(stored_label(key) for key in ambiguity.stored_keys)}同样相近；"
                "请改动其中一项的文字或编号，使其可以区分，再重新导入"
            )
        if self.errors:
            raise ImportFailed(self.error_lines())

    def task_label(self, pk):
        _section, number, title, _label = self.stored_tasks[pk]
        return f"序号{number}「{start_of(title)}」"

    def item_label(self, pk):
        _task, number, text, *_rest = self.stored_items[pk]
        return f"要求{number}「{start_of(text)}」"

    def stored_place(self, pk):
        """(section, task, item, measure number) of a stored measure, as stored."""
        measure = self.stored_measures[pk]
        task, item_number, *_rest = self.stored_items[measure.item]
        section, task_number, *_rest = self.stored_tasks[task]
        return (self.stored_sections[section][0], task_number, item_number, measure.number)

    # -- each row against it ----------------------------------------------------------

    def compare(self, rows):
        """Decide what each row writes; collects errors instead of stopping at the first."""
        self.new_sections, self.new_tasks, self.new_items = {}, {}, {}
        self.changed_sections, self.changed_tasks, self.changed_items = {}, {}, {}
        self.new_measures = []  # (place, row, wanted)
        self.changed_measures = []  # (measure id, row, wanted, place)
        self.moved = []  # (measure id, source_row, source_cells)
        self.progress_writes = []  # (measure id or place, year, status, note, stored progress or None)
        self.changes = []  # MeasureLine of every measure the import creates, changes or removes
        self.unchanged = []  # MeasureLine of the others, kept when ``list_unchanged``
        self.row_kinds = []  # what the import does to each row's measure (identity.KINDS)
        for index, (place, row) in enumerate(zip(self.places, rows)):
            errors_before = len(self.errors)
            wanted = self.wanted(row)
            self.check_row(row, wanted)
            if len(self.errors) > errors_before:
                self.row_kinds.append(None)
                continue
            self.place_parents(place, row)
            stored = self.matched.get(index)
            progress = file_progress(row.results, row.done, self.plan)
            if stored is None:
                self.flag_deadlines(row, wanted)
                self.changes.append(MeasureLine("new", row.row, place, row.measure_text or ""))
                self.new_measures.append((place, row, wanted))
                self.refuse_closed_years(row, wanted, progress)
                self.progress_writes.extend((place, year, *value, None) for year, value in sorted(progress.items()))
                self.counts["new"] += 1
                self.row_kinds.append("new")
                continue
            writes = self.writes_over(stored.pk, progress)
            self.refuse_closed_years(row, wanted, writes)
            kind = self.kind_of_change(place, stored, row, wanted, writes)
            self.row_kinds.append(kind)
            if kind == "unchanged":
                self.counts["skip"] += 1
                if self.list_unchanged:
                    self.unchanged.append(MeasureLine(kind, row.row, place, row.measure_text or ""))
                if stored.where != where_key(row.row, row.cells):
                    self.moved.append((stored.pk, row.row, row.cells))
                continue
            self.flag_deadlines(row, wanted)
            self.changes.append(
                MeasureLine(kind, row.row, place, row.measure_text or "", self.stored_place(stored.pk), stored.text)
            )
            self.changed_measures.append((stored.pk, row, wanted, place))
            self.progress_writes.extend((stored.pk, year, *value) for year, value in sorted(writes.items()))
            self.counts["restored" if stored.removed else "update"] += 1
        matched = {stored.pk for stored in self.matched.values()}
        self.removed = [m.pk for m in self.stored_measures.values() if not m.removed and m.pk not in matched]
        self.changes += [
            MeasureLine("removed", None, self.stored_place(pk), self.stored_measures[pk].text) for pk in self.removed
        ]
        self.counts["removed"] = len(self.removed)

    def refuse_closed_years(self, row, wanted, writes):
        """A closed year's progress changes for nobody, an import included (``tasks.workflow.year_close``):
        a file stating other progress for it is an error naming the row; the same progress is fine."""
        for year in sorted(writes):
            closed = self.closed_years.get(year)
            if closed is not None and (None in closed or closed & {*wanted.lead_units, *wanted.responsible_units}):
                self.errors.append(
                    f"{self.where}, 第 {row.row} 行: {year} 年已关账，文件中的完成情况与系统中的不同，"
                    "不能导入；请管理员先重新开放该年度，或改回文件中的完成情况"
                )

    def kind_of_change(self, place, stored, row, wanted, writes):
        """restored, moved, reworded, updated or unchanged: what the row does to its stored measure."""
        if stored.removed:
            return "restored"
        item = self.items.get(place[:3])
        if item is None or item[0] != stored.item or stored.number != place[3] or stored.item in self.items_renumbered:
            return "moved"
        if stored.text != (row.measure_text or ""):
            return "reworded"
        if writes or not self.same_content(place, stored, row, wanted):
            return "updated"
        return "unchanged"

    def flag_deadlines(self, row, wanted):
        """Deadline phrases of a measure this import writes that a person should look at."""
        for year, deadline in wanted.deadlines.items():
            if needs_review(deadline.milestones):
                self.flagged.append(f"第 {row.row} 行 {year} 年完成时限「{deadline.text}」")

    def wanted(self, row):
        texts = {year: text for year, text in row.deadlines.items() if text}
        key = tuple(texts.items())
        if key not in self.parsed:
            self.parsed[key] = milestones_by_year(texts, self.plan_years)
        return Wanted(
            person=row.person or "",
            lead_units=self.unit_names(row.lead_units),
            responsible_units=self.unit_names(row.responsible_units),
            deadlines=self.parsed[key],
            extra=row.extra or {},
        )

    def unit_names(self, names):
        """``names`` one per line and each once, one list for every row naming the same units."""
        key = tuple(names)
        found = self.unit_lists.get(key)
        if found is None:
            found = self.unit_lists[key] = unique(split_lines("\n".join(names)))
        return found

    def check_row(self, row, wanted):
        values = [
            ("section", row.section_title or "", columns.SECTION_TITLE),
            ("task", row.task_title or "", columns.TASK_TITLE),
            ("upstream", row.upstream_deadline or "", columns.UPSTREAM_DEADLINE),
            ("measure", row.measure_text or "", columns.MEASURE_TEXT),
        ]
        if wanted.person.strip():
            values.append(("person", wanted.person.strip(), columns.PERSON))
        values += [("department", name, "部门") for name in wanted.lead_units + wanted.responsible_units]
        values += [("deadline", deadline.text, columns.DEADLINE_PREFIX) for deadline in wanted.deadlines.values()]
        for check, value, column in values:
            message = self.checks[check].error(value)
            if message:
                self.errors.append(f"{self.where}, 第 {row.row} 行, 列「{column}」: {message}")

    def place_parents(self, place, row):
        """Sections, tasks and items the row needs: new ones noted, changed titles noted."""
        parents = (
            (place[0], (row.section_title or "",), self.sections, self.new_sections, self.changed_sections),
            (place[:2], (row.task_title or "", row.task_label), self.tasks, self.new_tasks, self.changed_tasks),
            (
                place[:3],
                (row.item_text or "", row.upstream_deadline or "", row.item_label),
                self.items,
                self.new_items,
                self.changed_items,
            ),
        )
        for key, values, stored, new, changed in parents:
            if key in stored:
                if tuple(stored[key][1:]) != values:
                    changed[key] = values
            elif key not in new:
                new[key] = (row.row, *values)

    def same_content(self, place, stored, row, wanted):
        """Everything but the workbook cells as stored: parents, measure, units and deadline phrases."""
        section, task, item = self.sections.get(place[0]), self.tasks.get(place[:2]), self.items.get(place[:3])
        lead, responsible = self.units.get(stored.pk, ([], []))
        return (
            section is not None
            and section[1] == (row.section_title or "")
            and task is not None
            and tuple(task[1:]) == (row.task_title or "", row.task_label)
            and item is not None
            and tuple(item[1:]) == (row.item_text or "", row.upstream_deadline or "", row.item_label)
            and stored.content
            == content_key(
                row.measure_text or "",
                row.lead_text or "",
                row.responsible_text or "",
                wanted.extra,
                wanted.person,
                row.measure_label,
            )
            and lead == wanted.lead_units
            and responsible == wanted.responsible_units
            and self.deadline_phrases.get(stored.pk) == deadline_phrases(wanted.deadlines)
        )

    def writes_over(self, measure_id, stated):
        """What the file changes in a stored measure's progress (``progress_over``)."""
        stored = {entry[0]: (entry[2], entry[3], entry[5], entry[1:]) for entry in self.progress.get(measure_id, ())}
        writes, kept = progress_over(stored, stated)
        self.kept_app_progress += kept
        return writes

    # -- writing ------------------------------------------------------------------------

    def write(self):
        self.write_departments_and_people()
        self.write_places()
        self.write_new_measures()
        self.write_changed_measures()
        Measure.all_objects.bulk_update(
            [Measure(pk=pk, source_row=row, source_cells=cells) for pk, row, cells in self.moved],
            list(WHERE_IN_THE_WORKBOOK),
            batch_size=1000,
        )
        self.write_progress()
        self.write_history()
        self.delete_empty_parents()
        refresh_import_standing(
            self.plan,
            [*self.new_ids.values(), *(pk for pk, *_rest in self.changed_measures), *self.removed,
             *(self.measure_id(write[0]) for write in self.progress_writes)],
        )

    def write_places(self):
        """Parents renumbered or new, removed measures off their places, moving ones stepped aside:
        what both import paths write before any measure's own values."""
        self.now = timezone.now()
        self.history = []  # MeasureChange rows: (measure id, kind, old value, new value)
        self.write_parents()
        self.write_removed_measures()
        self.clear_changed_places()

    def write_departments_and_people(self):
        """The departments and people the written measures name, new ones inserted; ``self.people``
        (every person, read only when measures are written) from then on."""
        self.people = {}
        if not (self.new_measures or self.changed_measures):
            return
        self.people = {(name, department): pk for pk, name, department in Person.objects.values_list("id", "name", "department_id")}
        names = {}
        for row, wanted in self.written_rows():
            for name in wanted.lead_units + wanted.responsible_units:
                if name not in self.departments:
                    names.setdefault(name, None)
        ids = reserve_ids(Department, len(names))
        self.departments.update(zip(names, ids))
        insert_rows(Department, ["id", "name", "order"], ((pk, name, 0) for name, pk in zip(names, ids)))
        wanted_people = {}
        for row, wanted in self.written_rows():
            key = self.person_key(wanted)
            if key and key not in self.people:
                wanted_people.setdefault(key, None)
        ids = reserve_ids(Person, len(wanted_people))
        self.people.update(zip(wanted_people, ids))
        insert_rows(
            Person,
            ["id", "name", "department", "email", "phone"],
            ((pk, name, department, "", "") for (name, department), pk in zip(wanted_people, ids)),
        )

    def written_rows(self):
        """(row, wanted) of every measure this import writes."""
        yield from ((row, wanted) for _place, row, wanted in self.new_measures)
        yield from ((row, wanted) for _pk, row, wanted, _place in self.changed_measures)

    def person_key(self, wanted):
        name = wanted.person.strip()
        if not name:
            return None
        units = wanted.lead_units + wanted.responsible_units
        return (name, self.departments[units[0]] if len(units) == 1 else None)

    def write_parents(self):
        """Sections, then tasks, then items: titles brought up to date, renumbered ones moved to
        their new number (stored ones the file no longer has step aside), new ones inserted."""
        Section.objects.bulk_update(
            [Section(pk=self.sections[key][0], title=title) for key, (title,) in self.changed_sections.items()], ["title"]
        )
        Task.objects.bulk_update(
            [Task(pk=self.tasks[key][0], title=title, label=label) for key, (title, label) in self.changed_tasks.items()],
            ["title", "label"],
        )
        Item.objects.bulk_update(
            [
                Item(pk=self.items[key][0], text=text, upstream_deadline=up, label=label)
                for key, (text, up, label) in self.changed_items.items()
            ],
            ["text", "upstream_deadline", "label"],
            batch_size=1000,
        )
        plan = self.plan.pk
        matched = {pk for pk, _title in self.sections.values()}
        wanted = set(self.places_of(0))
        aside = {pk: f"{number}#{pk}"[:20] for pk, (number, _t) in self.stored_sections.items() if pk not in matched and number in wanted}
        renumber(Section, {**{pk: {"number": f"#{pk}"} for pk in self.moved_sections}, **{pk: {"number": n} for pk, n in aside.items()}})
        renumber(Section, {pk: {"number": key} for pk, key in self.moved_sections.items()})
        ids = iter(reserve_ids(Section, len(self.new_sections)))
        rows = []
        for number, (order, title) in self.new_sections.items():
            self.sections[number] = [next(ids), title]
            rows.append((self.sections[number][0], plan, number, title, order))
        insert_rows(Section, ["id", "plan", "number", "title", "order"], rows)

        matched = {pk for pk, *_values in self.tasks.values()}
        wanted = {(self.sections[key[0]][0], key[1]) for key in self.places_of(1)}
        aside = [pk for pk, (section, number, *_v) in self.stored_tasks.items() if pk not in matched and (section, number) in wanted]
        renumber(Task, {pk: {"number": TEMPORARY + pk} for pk in [*self.moved_tasks, *aside]})
        renumber(Task, {pk: {"number": ASIDE + pk} for pk in aside})
        renumber(
            Task, {pk: {"section_id": self.sections[key[0]][0], "number": key[1]} for pk, key in self.moved_tasks.items()}
        )
        ids = iter(reserve_ids(Task, len(self.new_tasks)))
        rows = []
        for key, (order, title, label) in self.new_tasks.items():
            self.tasks[key] = [next(ids), title, label]
            rows.append((self.tasks[key][0], self.sections[key[0]][0], key[1], title, label, order))
        insert_rows(Task, ["id", "section", "number", "title", "label", "order"], rows)

        matched = {pk for pk, *_values in self.items.values()}
        wanted = {(self.tasks[key[:2]][0], key[2]) for key in self.places_of(2)}
        aside = [pk for pk, (task, number, *_v) in self.stored_items.items() if pk not in matched and (task, number) in wanted]
        renumber(Item, {pk: {"number": TEMPORARY + pk} for pk in [*self.moved_items, *aside]})
        renumber(Item, {pk: {"number": ASIDE + pk} for pk in aside})
        renumber(Item, {pk: {"task_id": self.tasks[key[:2]][0], "number": key[2]} for pk, key in self.moved_items.items()})
        ids = iter(reserve_ids(Item, len(self.new_items)))
        rows = []
        for key, (order, text, upstream, label) in self.new_items.items():
            self.items[key] = [next(ids), text, upstream, label]
            rows.append((self.items[key][0], self.tasks[key[:2]][0], key[2], text, upstream, label, order))
        insert_rows(Item, ["id", "task", "number", "text", "upstream_deadline", "label", "order"], rows)

    def places_of(self, level):
        """The file's section numbers (0), task keys (1) or item keys (2), each once."""
        return dict.fromkeys(place[0] if level == 0 else place[: level + 1] for place in self.places)

    def delete_empty_parents(self):
        """Stored items, tasks and sections the file no longer has and that hold no measure any more
        (theirs moved elsewhere): nothing is left to keep them for."""
        items = set(self.stored_items) - {pk for pk, *_values in self.items.values()}
        tasks = set(self.stored_tasks) - {pk for pk, *_values in self.tasks.values()}
        sections = set(self.stored_sections) - {pk for pk, _title in self.sections.values()}
        for ids in chunks(items):
            Item.objects.filter(pk__in=ids, measures__isnull=True).delete()
        for ids in chunks(tasks):
            Task.objects.filter(pk__in=ids, items__isnull=True).delete()
        for ids in chunks(sections):
            Section.objects.filter(pk__in=ids, tasks__isnull=True).delete()

    def write_removed_measures(self):
        """Measures the file no longer has: removed (kept, with their progress), never deleted."""
        for ids in chunks(self.removed):
            Measure.all_objects.filter(pk__in=ids).update(removed_at=self.now)
        self.history += [(pk, MeasureChangeKind.REMOVED, self.stored_measures[pk].text, "") for pk in self.removed]

    def clear_changed_places(self):
        """Measures that move or come back step off their places first, so no two share one meanwhile."""
        moving = [pk for pk, row, wanted, place in self.changed_measures if self.measure_moves(pk, place)]
        renumber(Measure, {pk: {"number": TEMPORARY + pk} for pk in moving}, manager=Measure.all_objects)

    def measure_moves(self, pk, place):
        stored = self.stored_measures[pk]
        return stored.removed or stored.item != self.items[place[:3]][0] or stored.number != place[3]

    def measure_values(self, row, wanted):
        return (
            row.measure_text or "",
            row.lead_text or "",
            row.responsible_text or "",
            row.row,
            row.cells,
            wanted.extra,
            self.people.get(self.person_key(wanted)),
            row.measure_label,
        )

    MEASURE_FIELDS = ["text", "lead_text", "responsible_text", "source_row", "source_cells", "extra", "person", "label"]

    def write_new_measures(self):
        ids = reserve_ids(Measure, len(self.new_measures))
        self.new_ids = {place: pk for pk, (place, _row, _wanted) in zip(ids, self.new_measures)}
        insert_rows(
            Measure,
            ["id", "item", "number", *self.MEASURE_FIELDS],
            (
                (pk, self.items[place[:3]][0], place[3], *self.measure_values(row, wanted))
                for pk, (place, row, wanted) in zip(ids, self.new_measures)
            ),
        )
        self.write_units((pk, row, wanted) for pk, (_place, row, wanted) in zip(ids, self.new_measures))
        self.write_deadlines(((pk, row, wanted) for pk, (_place, row, wanted) in zip(ids, self.new_measures)), {})

    def write_changed_measures(self):
        """Measures the file changes, moves or brings back; each change also into their history."""
        if not self.changed_measures:
            return
        ids = [pk for pk, _row, _wanted, _place in self.changed_measures]
        stored = Measure.all_objects.in_bulk(ids)
        old_deadlines = stored_deadlines(ids)
        for pk, row, wanted, place in self.changed_measures:
            measure = stored[pk]
            self.note_history(measure, row, wanted, place, old_deadlines.get(pk, {}))
            for name, value in zip(self.MEASURE_FIELDS, self.measure_values(row, wanted)):
                setattr(measure, "person_id" if name == "person" else name, value)
            measure.item_id, measure.number, measure.removed_at = self.items[place[:3]][0], place[3], None
        Measure.all_objects.bulk_update(
            stored.values(),
            [name for name in self.MEASURE_FIELDS if name != "person"]
            + ["person", "item", "number", "removed_at", "reworded_after_acceptance"],
            batch_size=1000,
        )
        changed_units = [
            (pk, row, wanted)
            for pk, row, wanted, _place in self.changed_measures
            if self.units.get(pk, ([], [])) != (wanted.lead_units, wanted.responsible_units)
        ]
        for ids in chunks(pk for pk, _row, _wanted in changed_units):
            MeasureUnit.objects.filter(measure_id__in=ids).delete()
        self.write_units(changed_units)
        self.write_deadlines([(pk, row, wanted) for pk, row, wanted, _place in self.changed_measures], old_deadlines)

    def note_history(self, measure, row, wanted, place, old_deadlines):
        """What the row changes in a stored measure, for ``MeasureChange``; a reworded measure
        with an accepted report is marked for the supervisor to look at again."""
        pk, stored = measure.pk, self.stored_measures[measure.pk]
        if stored.removed:
            self.history.append((pk, MeasureChangeKind.RESTORED, "", row.measure_text or ""))
        old_place, new_place = self.stored_place(pk), place
        if old_place != new_place:
            self.history.append((pk, MeasureChangeKind.PLACE, place_label(old_place), place_label(new_place)))
        if stored.text != (row.measure_text or ""):
            self.history.append((pk, MeasureChangeKind.TEXT, stored.text, row.measure_text or ""))
            if pk in self.accepted:
                measure.reworded_after_acceptance = True
        lead, responsible = self.units.get(pk, ([], []))
        if (lead, responsible) != (wanted.lead_units, wanted.responsible_units):
            self.history.append(
                (pk, MeasureChangeKind.UNITS, units_text(lead, responsible), units_text(wanted.lead_units, wanted.responsible_units))
            )
        if stored.person != wanted.person:
            self.history.append((pk, MeasureChangeKind.PERSON, stored.person, wanted.person))
        old = "；".join(f"{year}：{text}" for year, (_pk, text, _covers) in sorted(old_deadlines.items()))
        new = "；".join(f"{year}：{deadline.text}" for year, deadline in sorted(wanted.deadlines.items()))
        if old != new:
            self.history.append((pk, MeasureChangeKind.DEADLINE, old, new))

    def write_history(self):
        insert_rows(
            MeasureChange,
            ["measure", "kind", "old_value", "new_value", "source", "file_name", "user", "created_at"],
            (
                (pk, kind.value, old, new, ProgressSource.IMPORT.value, self.file_name[:300], self.user.pk if self.user else None, self.now)
                for pk, kind, old, new in self.history
            ),
        )

    def write_units(self, measures):
        insert_rows(MeasureUnit, ["measure", "department", "role", "order"], self.unit_rows(measures))

    def unit_rows(self, measures):
        for pk, _row, wanted in measures:
            for role, names in ((UnitRole.LEAD, wanted.lead_units), (UnitRole.RESPONSIBLE, wanted.responsible_units)):
                for order, name in enumerate(names):
                    yield (pk, self.departments[name], role.value, order)

    def write_deadlines(self, measures, stored_deadlines):
        """Deadlines and milestones exactly as parsed; a stored deadline whose phrase and milestones
        already match is kept, so an approved extension (moved date) survives an unchanged phrase."""
        stale, replaced, new = [], [], []
        for pk, row, wanted in measures:
            stored = stored_deadlines.get(pk, {})
            stale += [stored[year][0] for year in set(stored) - set(wanted.deadlines)]
            for year, deadline in wanted.deadlines.items():
                if year in stored:
                    replaced.append((stored[year], deadline))
                else:
                    new.append((pk, year, deadline))
        for ids in chunks(stale):
            Deadline.objects.filter(pk__in=ids).delete()
        self.replace_deadlines(replaced)
        ids = reserve_ids(Deadline, len(new))
        insert_rows(
            Deadline,
            ["id", "measure", "year", "text", "needs_review", "covers_plan"],
            ((pk, measure, year, d.text, needs_review(d.milestones), d.covers_plan) for pk, (measure, year, d) in zip(ids, new)),
        )
        insert_rows(
            Milestone,
            ["deadline", "order", "date", "kind", "label", "span_start", "span_end"],
            milestone_tuples(zip(ids, (d for _measure, _year, d in new))),
        )

    def replace_deadlines(self, replaced):
        if not replaced:
            return
        stored = Deadline.objects.in_bulk([pk for (pk, _text, _covers), _deadline in replaced])
        milestones = defaultdict(list)
        for ids in chunks(stored):
            for milestone in Milestone.objects.filter(deadline__in=ids).order_by("deadline_id", "order"):
                milestones[milestone.deadline_id].append(milestone)
        changed = []
        for (pk, text, covers_plan), deadline in replaced:
            old = stored[pk]
            old_rows = milestone_rows(milestones[pk])
            if (text, covers_plan) == (deadline.text, deadline.covers_plan) and old_rows == [
                as_row(m) for m in deadline.milestones
            ]:
                continue
            old.text, old.covers_plan, old.needs_review = deadline.text, deadline.covers_plan, needs_review(deadline.milestones)
            changed.append((old, deadline))
        Deadline.objects.bulk_update([old for old, _deadline in changed], ["text", "covers_plan", "needs_review"])
        for ids in chunks(old.pk for old, _deadline in changed):
            Milestone.objects.filter(deadline__in=ids).delete()
        insert_rows(
            Milestone,
            ["deadline", "order", "date", "kind", "label", "span_start", "span_end"],
            milestone_tuples((old.pk, deadline) for old, deadline in changed),
        )

    def write_progress(self):
        """The file's statements as progress: version + 1 and one history entry each, as
        ``record_progress`` does; rows another writer changed meanwhile stop the import."""
        if not self.progress_writes:
            return
        stored = [write[4] for write in self.progress_writes if write[4] is not None]
        locked = {}
        for ids in chunks(s[0] for s in stored):
            locked.update(Progress.objects.select_for_update().filter(pk__in=ids).values_list("id", "version"))
        for pk, _status, _note, version, _source in stored:
            if locked.get(pk) != version:
                raise ImportFailed([f"{self.where}: 导入期间有人修改了完成情况，未写入任何内容，请重新导入。"])
        now = timezone.now()
        user = self.user.pk if self.user else None
        fresh = [write for write in self.progress_writes if write[4] is None]
        ids = reserve_ids(Progress, len(fresh))
        insert_rows(
            Progress,
            ["id", "measure", "year", "status", "note", "version", "updated_by", "updated_at", "review"],
            (
                (pk, self.measure_id(measure), year, status, note, 1, user, now, "")
                for pk, (measure, year, status, note, _stored) in zip(ids, fresh)
            ),
        )
        updates = Progress.objects.in_bulk([s[0] for s in stored])
        for _measure, _year, status, note, (pk, *_rest) in (write for write in self.progress_writes if write[4] is not None):
            progress = updates[pk]
            progress.status, progress.note, progress.done_on = status, note, None
            progress.updated_by_id, progress.updated_at = user, now
            progress.version += 1
        Progress.objects.bulk_update(updates.values(), ["status", "note", "done_on", "updated_by", "updated_at", "version"])
        comment = f"导入 {self.file_name}"[:500]
        entries = [(pk, 1, status, note) for pk, (_measure, _year, status, note, _stored) in zip(ids, fresh)]
        entries += [(p.pk, p.version, p.status, p.note) for p in updates.values()]
        insert_rows(
            ProgressEntry,
            ["progress", "version", "status", "note", "user", "source", "comment", "created_at"],
            ((pk, version, status, note, user, ProgressSource.IMPORT.value, comment, now) for pk, version, status, note in entries),
        )

    def measure_id(self, measure):
        """A measure written by this import is known by its place until it has an id."""
        return self.new_ids[measure] if isinstance(measure, tuple) else measure


def renumber(model, values_by_pk, *, manager=None):
    """``{pk: {field: value}}`` written in bulk; every row of one call sets the same fields."""
    if not values_by_pk:
        return
    fields = list(next(iter(values_by_pk.values())))
    (manager or model.objects).bulk_update(
        [model(pk=pk, **values) for pk, values in values_by_pk.items()], fields, batch_size=1000
    )


def deadline_phrases(deadlines):
    """A fingerprint of a measure's deadline phrase per year (``{year: YearDeadline}``); None without any."""
    if not deadlines:
        return None
    return hash(tuple(value for year in sorted(deadlines) for value in (year, deadlines[year].text)))


def units_text(lead, responsible):
    """``牵头：A、B；责任：C`` for a measure's history."""
    return "；".join(f"{role}：{'、'.join(names)}" for role, names in (("牵头", lead), ("责任", responsible)) if names)


def load_deadline_phrases(in_plan):
    """{measure id: ``deadline_phrases`` of its stored deadlines}: the phrases themselves are read
    again only for the measures an import changes (``stored_deadlines``)."""
    deadlines = Deadline.objects.filter(**in_plan).order_by("measure_id", "year").values_list("measure_id", "year", "text")
    return {
        measure: hash(tuple(value for _measure, year, text in rows for value in (year, text)))
        for measure, rows in groupby(deadlines.iterator(5000), key=itemgetter(0))
    }


def stored_deadlines(measure_ids):
    """{measure id: {year: (deadline id, phrase, covers_plan)}} as stored."""
    stored = defaultdict(dict)
    for ids in chunks(measure_ids):
        for pk, measure, year, text, covers_plan in Deadline.objects.filter(measure__in=ids).values_list(
            "id", "measure_id", "year", "text", "covers_plan"
        ):
            stored[measure][year] = (pk, text, covers_plan)
    return stored


def load_units(in_plan, one):
    """{measure id: (lead names, responsible names)} in order; measures with the same units share the lists."""
    rows = (
        MeasureUnit.objects.filter(**in_plan)
        .order_by("measure_id", "role", "order")
        .values_list("measure_id", "role", "department__name")
        .iterator(5000)
    )
    units, lists = {}, {}
    for measure, in_measure in groupby(rows, key=itemgetter(0)):
        lead, responsible = [], []
        for _measure, role, name in in_measure:
            (lead if role == UnitRole.LEAD else responsible).append(one.setdefault(name, name))
        units[measure] = (lists.setdefault(tuple(lead), lead), lists.setdefault(tuple(responsible), responsible))
    return units


def milestone_tuples(deadlines):
    for pk, deadline in deadlines:
        for order, milestone in enumerate(deadline.milestones):
            row = as_row(milestone)
            yield (pk, order, row["date"], row["kind"], row["label"], row["span_start"], row["span_end"])

