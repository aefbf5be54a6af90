"""Importing a ledger spreadsheet: read it once, then write what changed.

The command line (``import_ledger``) and ``load_demo`` write the whole file at once through
``ledger_sync``; the admin's import page turns the ledger into a dataset (``ledger_dataset``)
and runs it row by row through ``resources.MeasureResource``, which shows a preview per row.
Both follow the same rules, and the whole import is one transaction: one bad row and nothing
is written.
"""

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import tablib
from django.conf import settings
from django.utils.text import slugify
from import_export.formats.base_formats import Format

from tasks.importing import columns, steps
from tasks.importing.errors import ImportFailed
from tasks.importing.options import ImportOptions, column_map_text, plan_slug, with_remembered_column_map
from tasks.importing.places import number_unnumbered
from tasks.ledgerfiles.isolation import IsolatedRunFailed, run_isolated
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.sheets import read_ledger
from tasks.ledgerfiles.headers import reading_lines, unmatched_headers
from tasks.ledgerfiles.limits import WorkbookLimits
from tasks.importing.sync import LedgerSync


@dataclass
class ImportReport:
    file: str
    sheet: str
    plan: str
    dry_run: bool
    counts: dict[str, int]
    flagged: list[str]
    unknown_columns: list[str]
    kept_app_progress: int
    changes: list = field(default_factory=list)  # identity.MeasureLine of every measure created, changed or removed
    unchanged: list = field(default_factory=list)  # identity.MeasureLine of the unchanged ones, in a dry run
    readings: list = field(default_factory=list)  # headers.ColumnReading of each column: the field read and why
    column_map: dict[str, str] = field(default_factory=dict)  # the mapping the file was read with
    column_map_from_plan: bool = False  # … kept by the plan from its last import
    years: list[int] = field(default_factory=list)  # the years a column may be mapped to
    unread_rows: list[str] = field(default_factory=list)  # rows with text only in columns not understood

    #: Changed measures listed on the admin's bulk import preview.
    SHOWN = 200

    @property
    def column_map_used(self):
        """The mapping without the headers this file does not have (a remembered mapping may name some)."""
        unmatched = set(unmatched_headers(self.column_map, self.readings))
        return {header: key for header, key in self.column_map.items() if header not in unmatched}

    @property
    def measures_in_file(self):
        return sum(self.counts.get(kind, 0) for kind in ("new", "update", "restored", "skip"))

    @property
    def changed(self):
        return any(self.counts.get(kind, 0) for kind in ("new", "update", "restored", "removed"))

    @property
    def shown_changes(self):
        return self.changes[: self.SHOWN]

    def lines(self):
        """The report a person reads after an import: a dry run lists every measure, an import
        every measure it changed, moved, removed or restored (the new ones are counted)."""
        verb = "would import" if self.dry_run else "imported"
        out = [f"{verb} {self.file} (sheet {self.sheet}) into plan {self.plan}"]
        out.append(
            "measures: {new} created, {update} updated, {restored} restored, {removed} removed, {skip} unchanged".format(
                **{kind: self.counts.get(kind, 0) for kind in ("new", "update", "restored", "removed", "skip")}
            )
        )
        if not self.changed:
            out.append("nothing changed: the database already matches this file")
        if self.kept_app_progress:
            out.append(f"kept {self.kept_app_progress} progress reports entered in the app (the file did not override them)")
        if self.column_map_from_plan:
            out.append("columns mapped as at the last import of this plan (按上次导入的列映射): " + column_map_text(self.column_map))
        elif self.column_map:
            out.append("columns mapped by hand: " + column_map_text(self.column_map))
        out.append("columns read:")
        out += [f"  {line}" for line in reading_lines(self.readings)]
        if self.unknown_columns:
            out.append("columns not understood (kept as extra data): " + "、".join(self.unknown_columns))
        for line in self.unread_rows:
            out.append(f"not read as a measure: {line}")
        for line in self.flagged:
            out.append(f"flagged for review: {line}")
        out += [change.describe() for change in self.changes if self.dry_run or change.kind != "new"]
        out += [line.describe() for line in self.unchanged]
        return out


def workbook_limits():
    """The limits a ledger workbook must keep, from the settings (``LEDGER_MAX_*``)."""
    return WorkbookLimits(
        max_bytes=settings.LEDGER_MAX_UPLOAD_BYTES,
        max_uncompressed_bytes=settings.LEDGER_MAX_UNCOMPRESSED_BYTES,
        max_rows=settings.LEDGER_MAX_ROWS,
        max_columns=settings.LEDGER_MAX_COLUMNS,
    )


def read_uploaded_ledger(data, *, file_name=None, column_map=None):
    """``read_ledger`` for a file uploaded through the web: in a child process with capped memory
    and time, so a workbook that crashes or exhausts the reader cannot take the web worker down."""
    try:
        return run_isolated(
            partial(read_ledger, file_name=file_name, column_map=column_map, limits=workbook_limits()),
            data,
            memory_bytes=settings.LEDGER_READER_MEMORY_BYTES,
            timeout=settings.LEDGER_READER_TIMEOUT,
        )
    except IsolatedRunFailed as error:
        raise LedgerError(f"读取文件时出错，已中止（{error}）", file=file_name) from error
    except MemoryError as error:
        raise LedgerError("读取文件所需内存超出限制，已中止", file=file_name) from error


def remap_dataset(dataset, column_map, file_name):
    """Read the dataset's source again with columns mapped by hand, replacing its rows in place."""
    mapped = ledger_dataset(read_uploaded_ledger(dataset.source, file_name=file_name, column_map=column_map))
    dataset.wipe()
    dataset.headers = mapped.headers
    for values in mapped:
        dataset.append(values)
    dataset.ledger = mapped.ledger


def ledger_dataset(ledger):
    """One dataset row per measure; the ledger itself rides along as ``dataset.ledger``."""
    deadline_years = sorted({year for row in ledger.rows for year in row.deadlines if year is not None})
    has_single_deadline = any(None in row.deadlines for row in ledger.rows)
    result_years = sorted({year for row in ledger.rows for year in row.results})
    headers = list(columns.FIXED)
    headers += [columns.deadline_column(year) for year in deadline_years]
    if has_single_deadline:
        headers.append(columns.deadline_column(None))
    headers += [columns.result_column(year) for year in result_years]
    dataset = tablib.Dataset(headers=headers, title=ledger.sheet)
    task_numbers, item_numbers = number_unnumbered(ledger.rows)
    for index, row in enumerate(ledger.rows):
        values = {
            columns.SOURCE_ROW: row.row,
            columns.SECTION_NUMBER: row.section_number,
            columns.SECTION_TITLE: row.section_title,
            columns.TASK_NUMBER: task_numbers[index],
            columns.TASK_LABEL: row.task_label,
            columns.TASK_TITLE: row.task_title,
            columns.ITEM_NUMBER: item_numbers[index],
            columns.ITEM_LABEL: row.item_label,
            columns.ITEM_TEXT: row.item_text,
            columns.UPSTREAM_DEADLINE: row.upstream_deadline,
            columns.MEASURE_NUMBER: row.measure_number,
            columns.MEASURE_LABEL: row.measure_label,
            columns.MEASURE_TEXT: row.measure_text,
            columns.LEAD_UNITS: "\n".join(row.lead_units),
            columns.RESPONSIBLE_UNITS: "\n".join(row.responsible_units),
            columns.LEAD_TEXT: row.lead_text,
            columns.RESPONSIBLE_TEXT: row.responsible_text,
            columns.PERSON: row.person,
            columns.DONE: {True: columns.YES, False: columns.NO, None: ""}[row.done],
            columns.EXTRA: json.dumps(row.extra, ensure_ascii=False) if row.extra else "",
            columns.CELLS: json.dumps(row.cells, ensure_ascii=False),
        }
        for year, text in row.deadlines.items():
            values[columns.deadline_column(year)] = text
        for year, text in row.results.items():
            values[columns.result_column(year)] = text
        dataset.append([values.get(header, "") for header in headers])
    dataset.ledger = ledger
    return dataset


class LedgerFormat(Format):
    """django-import-export format for ledger files: the admin's import page uses it.

    One format for every kind of ledger file: ``create_dataset`` gets the upload's bytes (no
    name) and ``tasks.ledgerfiles.reading`` judges the format by content. The extension and
    content type below are django-import-export's for exports only; this format imports.
    """

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "ledger (xlsx, xls, ods, csv, docx …)"

    def create_dataset(self, in_stream):
        ledger = read_uploaded_ledger(in_stream)
        limit = settings.LEDGER_ROW_PREVIEW_LIMIT
        if len(ledger.rows) > limit:
            raise LedgerError(
                f"含 {len(ledger.rows):,} 条措施，逐行预览的导入最多 {limit:,} 条：请回到措施列表，点“批量导入”"
            )
        dataset = ledger_dataset(ledger)
        dataset.source = in_stream
        return dataset

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def can_import(self):
        return True

    def can_export(self):
        return False


@contextmanager
def collector_paused():
    """Python's cycle collector off while an import builds its millions of short-lived objects
    (it would scan them again and again: a fifth of the import's time); back on afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_ledger(
    source, *, file_name=None, options=None, dry_run=False, preview=False, uploaded=False, user=None, on_step=steps.unwatched
):
    """Import one ledger file (any format ``tasks.ledgerfiles`` reads, or the JSON export); returns an
    ``ImportReport`` or raises ``ImportFailed``.

    ``dry_run`` writes everything and rolls it back; ``preview`` only compares the file with the
    plan (faster, nothing written, the same counts and errors). ``uploaded``: the file came
    through the web, so the workbook is read in a child process with capped memory and time.
    ``on_step`` is told each step as it begins (``tasks.importing.steps``).
    """
    with collector_paused():
        return import_file(
            source, file_name=file_name, options=options, dry_run=dry_run or preview, preview=preview, uploaded=uploaded,
            user=user, on_step=on_step,
        )


def import_file(source, *, file_name, options, dry_run, user, preview=False, uploaded=False, on_step=steps.unwatched):
    from tasks.exporting.interchange import is_interchange, read_interchange

    options = options or ImportOptions()
    file_name = file_name or Path(str(source)).name
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as error:
        raise ImportFailed([f"{file_name}: 无法读取文件（{error.strerror}）"]) from error
    from_json = is_interchange(data, file_name)
    on_step(steps.READ)
    try:
        if from_json:
            ledger, slug = read_interchange(data, file_name=file_name)
            options = replace(options, plan_slug=options.plan_slug or slug)
        else:
            read = read_uploaded_ledger if uploaded else partial(read_ledger, limits=workbook_limits())
            slug_known = bool(options.plan_slug or slugify(Path(file_name).stem, allow_unicode=True))
            if slug_known:
                options = with_remembered_column_map(options, plan_slug(options, file_name))
            ledger = read(data, file_name=file_name, column_map=options.column_map)
            if not slug_known:  # the slug comes from the title: known only now
                remembered = with_remembered_column_map(options, plan_slug(options, file_name, ledger.title))
                if remembered.column_map_from_plan:
                    options = remembered
                    ledger = read(data, file_name=file_name, column_map=options.column_map)
    except LedgerError as error:
        raise ImportFailed([str(error)]) from error
    unmatched = [] if from_json or options.column_map_from_plan else unmatched_headers(options.column_map, ledger.readings)
    if unmatched:
        raise ImportFailed(
            [f"{file_name}: 工作表「{ledger.sheet}」第 {ledger.header_row} 行的表头中没有列映射所写的列「{header}」" for header in unmatched]
        )
    sync = LedgerSync(ledger, options, file_name=file_name, user=user, on_step=on_step)
    # the workbook is kept for write-back; a JSON file leaves it alone
    counts = sync.run(source=None if from_json else data, dry_run=dry_run, preview=preview, list_unchanged=dry_run and not preview)
    return ImportReport(
        file=file_name,
        sheet=ledger.sheet,
        plan=sync.plan.slug,
        dry_run=dry_run,
        counts=counts,
        flagged=sync.flagged,
        unknown_columns=list(ledger.unknown_columns),
        kept_app_progress=sync.kept_app_progress,
        changes=sync.changes,
        unchanged=sync.unchanged,
        readings=list(ledger.readings),
        column_map=dict(options.column_map),
        column_map_from_plan=options.column_map_from_plan,
        years=sorted(set(sync.plan.years) | set(ledger.years)),
        unread_rows=list(ledger.unread_rows),
    )
