"""The filled-in ledger (xlsx) in the plan's own layout, for reporting upward.

The layout is the one of the workbook the plan was imported from (rows above the header,
header texts and merges, column order, section numbering style); a plan without a kept
workbook gets the standard layout below. The rows are the plan's sections, tasks (序号 and
title merged down over their rows), items and measures (``① …\\n② …`` in one cell per item),
with each year's deadline text and the progress filled in: the ledger's 已完成任务 and
``N年完成任务`` columns, or an added ``N年完成情况（截至…）`` column when the layout has no
status column for the year exported. Cells of overdue measures are filled red.

What the ledger's own columns cannot hold is carried in cell comments (批注), which the
importer does not read, so the file still reads back to the same plan:

- where the year's status is the 已完成任务 column (circled numbers of the measures done), its
  cell's comment gives the status and note of the row's measures that are not done;
- an approved extension: the comment of the year's 完成时限 cell gives the original date and the
  approved one (the phrase itself stays as written, so a re-import keeps the moved milestone).

The file reads back through the importer to the same plan: every value is written the way
``tasks.ledgerfiles.sheets`` reads it (cells keyed by circled numbers where measures differ).

Everything streams, so a plan of 100,000 measures costs the same queries as one of a hundred:
the measures come from ``tasks.exporting.rows`` in a fixed number of queries, one task at a time,
and XlsxWriter in ``constant_memory`` mode writes each row out as the next one starts. (The
memory peak is reading the kept workbook's first rows: python-calamine parses the whole sheet,
about 130 MB for 100,000 measures.) XlsxWriter is the faster streaming writer: the cells of a 100,000-measure
ledger with their formats take it 6 s of CPU, openpyxl's write-only mode 20 s (unformatted,
5.7 s against 6.6 s). In that mode ``merge_range()`` only works within the current row,
because it writes the cells it merges; the merges down a task's rows are added to the sheet
once their cells are written (``LedgerSheet.add_merge``).
"""

import io
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter, methodcaller
from typing import NamedTuple

from django.utils import timezone
from python_calamine import CalamineError, CalamineWorkbook
from xlsxwriter.worksheet import Worksheet

from tasks.exporting.cells import streaming_workbook, write_cell
from tasks.choices import ProgressStatus
from tasks.exporting.rows import MeasureRecord, measure_records
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.grid import build_sheet
from tasks.ledgerfiles.headers import find_header
from tasks.ledgerfiles.reading import read_sheets
from tasks.models import Deadline, Item, Measure, Milestone, circled
from tasks.workflow.progress import status_from_result

#: Status words as the importer reads them back (``tasks.workflow.progress.RESULT_WORDS``).
STATUS_WORDS = {
    ProgressStatus.NOT_STARTED: "未开始",
    ProgressStatus.IN_PROGRESS: "进行中",
    ProgressStatus.DONE: "已完成",
    ProgressStatus.ONGOING: "持续推进",
}

DEFAULT_HEADERS = {
    "task_number": "序号",
    "task_title": "重点任务",
    "item": "具体要求",
    "upstream_deadline": "上级完成时限",
    "measure": "落实工作措施",
    "lead": "牵头单位",
    "responsible": "责任单位",
    "person": "负责人",
    "deadline": "完成时限",
}
WIDTHS = {"task_number": 6, "task_title": 16, "item": 40, "measure": 48, "person": 10}
DEFAULT_WIDTH = 14
MERGED_DOWN = {"task_number": "task", "task_title": "task", "item": "item", "upstream_deadline": "item"}
TEXT_KEYS = ("task_title", "item", "measure")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A4 = 9  # XlsxWriter's paper size code

#: Rows of the kept workbook read for its layout: ``tasks.ledgerfiles.sheets`` looks for the header in the
#: first rows, and judges a header merged over two columns by the texts below it.
HEAD_ROWS = 200

FONT = {"font_name": "宋体", "font_size": 10}
BOX = {"border": 1}
#: The cell formats (XlsxWriter format properties), made once per workbook.
FORMATS = {
    "title": {"font_name": "宋体", "font_size": 14, "bold": True, "align": "center", "valign": "vcenter", "text_wrap": True},
    "header": {**FONT, "bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, **BOX},
    "section": {**FONT, "bold": True, "valign": "vcenter", **BOX},
    "body": {**FONT, "valign": "vcenter", "text_wrap": True, **BOX},
    "overdue": {**FONT, "font_color": "#9C0006", "bg_color": "#FFC7CE", "pattern": 1, "valign": "vcenter", "text_wrap": True, **BOX},
}


class LedgerSheet(Worksheet):
    """An XlsxWriter worksheet that also takes merges over cells already written.

    A subclass as in XlsxWriter's inheritance example: ``add_merge`` records the range the way
    ``merge_range()`` does, without writing cells, so it works in ``constant_memory`` mode
    after the rows it spans have been written out.
    """

    def add_merge(self, first_row, first_col, last_row, last_col):
        """Merge the 0-based inclusive range; its cells are written already."""
        self.merge.append([first_row, first_col, last_row, last_col])


@dataclass
class Layout:
    """Where everything goes: rows above the header, the header, and a field key per column."""

    top_rows: list[list]
    merges: list[tuple[int, int, int, int]]  # (first row, first column, last row, last column), 1-based
    headers: dict[int, str]
    keys: dict[int, str]  # column → reader key (``measure``, ``deadline:2024``…) or ``extra:NAME``
    section_parts: tuple[str, str] = ("", "、")  # text before and after the section number

    @property
    def is_outline(self):
        """One text column beside a number column: each level its own row, numbered as written (1, 1.1, ①)."""
        return sum(1 for key in TEXT_KEYS if self.column(key)) == 1 and self.number_column() is not None

    def number_column(self):
        return self.column("measure_number") or self.column("task_number")

    @property
    def header_row(self):
        return len(self.top_rows) + 1

    @property
    def width(self):
        return max([*self.headers, *self.keys, *(len(row) for row in self.top_rows)])

    def column(self, key):
        return next((column for column, each in self.keys.items() if each == key), None)

    def section_text(self, section):
        if not section.number:
            return section.title
        before, after = self.section_parts
        return f"{before}{section.number}{after}{section.title}"


@dataclass
class Context:
    """What every row needs to know besides its measures."""

    year: int
    reporting_year: int
    markers: bool  # write item numbers as (n) in the item cell
    highlighted: set[int]  # columns filled red on rows with an overdue measure
    comments: tuple = ()  # (0-based column, measures of a row → comment text or "")


# ---------------------------------------------------------------- entry points


def export_ledger(plan, *, measures=None, year=None, as_of=None):
    """The ledger of ``plan`` as xlsx bytes; ``measures`` narrows the rows (e.g. to one user's)."""
    output = io.BytesIO()
    write_ledger(plan, output, measures=measures, year=year, as_of=as_of)
    return output.getvalue()


def write_ledger(plan, output, *, measures=None, year=None, as_of=None):
    """Write the ledger of ``plan`` as xlsx to ``output``, a path or a binary file open for writing."""
    as_of = as_of or timezone.localdate()
    year = year or plan.reporting_year or plan.start_year
    measures = Measure.objects.filter(item__task__section__plan=plan) if measures is None else measures
    with ThreadPoolExecutor(max_workers=1) as pool:  # the kept workbook is parsed while the queries run
        kept = read_kept_workbook(plan, pool)
        markers = needs_item_markers(plan)
        records = measure_records(
            measures, as_of=as_of, year=year, extra=measures.exclude(extra={}).exists(), source=kept is not None
        )
        layout = source_layout(plan, kept) or default_layout(plan)
    add_status_column(layout, plan, year, as_of)
    context = Context(
        year=year,
        reporting_year=plan.reporting_year or plan.start_year,
        markers=markers,
        highlighted=highlighted_columns(layout, plan, year),
        comments=comment_columns(layout, plan, year, measures),
    )
    workbook = streaming_workbook(output)
    formats = {name: workbook.add_format(properties) for name, properties in FORMATS.items()}
    sheet = workbook.add_worksheet(sheet_title(plan), LedgerSheet)
    prepare_sheet(sheet, layout)
    write_head(sheet, layout, formats)
    write_body(sheet, layout, context, formats, records)
    workbook.close()


def export_filename(plan, year, extension="xlsx"):
    return f"{plan.slug}-{year}.{extension}"


# ---------------------------------------------------------------- the layout


@dataclass
class KeptWorkbook:
    """The workbook a plan was imported from, its first rows being read in the background."""

    first_section: int | None  # the sheet row of the first section
    head: Future  # of ``read_head``


def read_kept_workbook(plan, pool):
    """Start reading the kept workbook's first rows in ``pool``; None when the plan has none.

    python-calamine parses without holding the GIL, so the export's queries run meanwhile.
    """
    if not plan.source_file:
        return None
    first_section = first_section_row(plan)
    try:
        with plan.source_file.open("rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return KeptWorkbook(first_section, pool.submit(read_head, data, max(HEAD_ROWS, first_section or 0), plan.source_file.name))


def source_layout(plan, kept):
    """The layout of the workbook the plan was imported from; None when there is none to read."""
    if kept is None:
        return None
    try:
        found, rows, merges = kept.head.result()
    except (LedgerError, CalamineError, ValueError):
        return None
    header = rows[found.last_row - 1]
    keys = {column: key for key, column in found.columns.items()}
    keys.update({column: f"extra:{name}" for column, name in found.unknown.items() if column not in keys})
    return Layout(
        top_rows=[[value if value != "" else None for value in row] for row in rows[: found.last_row - 1]],
        merges=[
            (top + 1, left + 1, bottom + 1, right + 1)
            for (top, left), (bottom, right) in merges
            if bottom < found.last_row
        ],
        headers={column: str(text) for column, text in enumerate(header, start=1) if text not in ("", None)},
        keys=keys,
        section_parts=section_parts(plan, rows, kept.first_section),
    )


def read_head(data, count, file_name):
    """``(header, first rows, merges)`` of the ledger sheet of the file ``data``, found in the
    first ``count`` rows of each sheet.

    The header is found the way ``tasks.ledgerfiles.sheets.read_ledger`` finds it, but for the workbooks
    python-calamine reads only the first rows of each sheet become cells: ``read_ledger`` reads
    every row (27 s and 600 MB for a 100,000-measure ledger) and refuses a sheet past its row
    limit. Other files (CSV, Word, PDF) are read whole through ``tasks.ledgerfiles``.
    """
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError):
        return head_of_any_file(data, count, file_name)
    heads = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False, nrows=count)
        merges = [((top, left), (min(bottom, count - 1), right)) for (top, left), (bottom, right) in sheet.merged_cell_ranges or [] if top < count]
        heads.append((build_sheet(name, rows, merges), rows, merges))
    found_sheet, header = find_header([sheet for sheet, _, _ in heads], {}, file_name)
    _, rows, merges = next(head for head in heads if head[0] is found_sheet)
    return header, rows, merges


def head_of_any_file(data, count, file_name):
    """``read_head`` for a file python-calamine does not read: its sheets' texts and merges."""
    found_sheet, header = find_header(read_sheets(data, file_name), {}, file_name)
    grid = found_sheet.grid[:count]
    rows = [[cell.text for cell in row] for row in grid]
    return header, rows, grid_merges(grid)


def grid_merges(grid):
    """The merged ranges of a grid (cells sharing their anchor), 0-based ``((top, left), (bottom, right))``."""
    spans = {}
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell.row != r + 1 or cell.column != c + 1:
                top, left = cell.row - 1, cell.column - 1
                (bottom, right) = spans.get((top, left), (top, left))
                spans[(top, left)] = (max(bottom, r), max(right, c))
    return [(anchor, end) for anchor, end in spans.items()]


def first_section_row(plan):
    measure = Measure.objects.filter(item__task__section__plan=plan).order_by("item__task__section__order").first()
    cell = (measure.source_cells or {}).get("section") if measure else None
    return cell[0] if cell else None


def section_parts(plan, rows, section_row):
    """How the workbook writes a section number: ``(`` + 一 + ``) `` or 一 + ``、``."""
    section = plan.sections.order_by("order").first()
    if section is None or not section.number or not section_row or section_row > len(rows):
        return ("", "、")
    text = next((str(value) for value in rows[section_row - 1] if value), "")
    head = text[: text.find(section.title)] if section.title and section.title in text else ""
    before, found, after = head.partition(section.number)
    return (before, after) if found else ("", "、")


def default_layout(plan):
    """序号 | 重点任务 | 具体要求 | [上级完成时限] | 落实工作措施 | N年完成时限… | 牵头单位 | 责任单位 | 负责人 | N年完成情况…"""
    deadlines = Deadline.objects.filter(measure__item__task__section__plan=plan, measure__removed_at__isnull=True)
    keys = ["task_number", "task_title", "item"]
    if Item.objects.filter(task__section__plan=plan).exclude(upstream_deadline="").exists():
        keys.append("upstream_deadline")
    keys.append("measure")
    keys += [f"deadline:{year}" for year in plan.years if deadlines.filter(year=year, covers_plan=False).exists()]
    if deadlines.filter(covers_plan=True).exists():
        keys.append("deadline")
    keys += ["lead", "responsible", "person"]
    keys += [f"result:{year}" for year in plan.years]
    columns = dict(enumerate(keys, start=1))
    return Layout(
        top_rows=[[plan.title]],
        merges=[(1, 1, 1, len(keys))],
        headers={column: header_text(key) for column, key in columns.items()},
        keys=columns,
    )


def header_text(key):
    name, _, year = key.partition(":")
    if name == "deadline" and year:
        return f"{year}年完成时限"
    if name == "result":
        return f"{year}年完成情况"
    return DEFAULT_HEADERS[key]


def status_key(plan, year):
    """The column that holds the status of ``year``: 已完成任务 for the reporting year, else N年完成任务."""
    return "done" if year == plan.reporting_year else f"result:{year}"


def add_status_column(layout, plan, year, as_of):
    """Add ``N年完成情况（截至…）`` at the right end when the layout has no status column for ``year``."""
    if layout.column(status_key(plan, year)) or layout.column(f"result:{year}"):
        return
    column = layout.width + 1
    layout.keys[column] = f"result:{year}"
    layout.headers[column] = f"{year}年完成情况（截至{as_of.year}年{as_of.month}月{as_of.day}日）"


def comment_columns(layout, plan, year, measures):
    """The comments the year's cells carry: notes beside 已完成任务 marks, approved extensions beside the phrase."""
    comments = []
    done_column = layout.column("done") if status_key(plan, year) == "done" and not layout.column(f"result:{year}") else None
    if done_column:
        comments.append((done_column - 1, lambda row: open_notes(row, year)))
    deadline_column = layout.column(f"deadline:{year}") or layout.column("deadline")
    extended = approved_extensions(measures, year)
    if deadline_column and extended:
        comments.append((deadline_column - 1, lambda row: extension_notes(row, extended)))
    return tuple(comments)


def approved_extensions(measures, year):
    """``{measure id: [(original date, approved date)]}`` of the year's milestones moved by an approved extension."""
    moved = (
        Milestone.objects.filter(deadline__measure__in=measures.values("pk"), deadline__year=year, original_date__isnull=False)
        .order_by("deadline__measure_id", "order", "pk")
        .values_list("deadline__measure_id", "original_date", "date")
    )
    extended = {}
    for measure_id, original, moved_to in moved:
        extended.setdefault(measure_id, []).append((original, moved_to))
    return extended


def keyed_lines(row, texts):
    """``texts`` (one per measure of the row, empty for none) as lines, keyed ``①`` when the row has several measures."""
    single = len(row) == 1 and row[0].number == 1
    return "\n".join(text if single else f"{circled(m.number)} {text}" for m, text in zip(row, texts) if text)


def open_notes(row, year):
    """The status and note of the row's measures reported but not done in ``year``."""
    texts = []
    for measure in row:
        progress = measure.progress_in(year)
        if progress is None or progress.status == ProgressStatus.DONE:
            texts.append("")
        else:
            note = progress.note.strip()
            texts.append(f"{STATUS_WORDS[progress.status]}：{note}" if note else STATUS_WORDS[progress.status])
    return keyed_lines(row, texts)


def extension_notes(row, extended):
    return keyed_lines(
        row,
        [
            "；".join(f"已批准延期：原定 {original:%Y-%m-%d}，延至 {moved:%Y-%m-%d}" for original, moved in extended.get(m.id, ()))
            for m in row
        ],
    )


def highlighted_columns(layout, plan, year):
    keys = (f"deadline:{year}", "deadline", status_key(plan, year), f"result:{year}")
    return {layout.column(key) for key in keys} - {None}


def needs_item_markers(plan):
    """Write ``(n)`` before item texts unless every item is numbered 1, 2, 3… within its task."""
    items = Item.objects.filter(task__section__plan=plan).order_by("task_id", "order", "number")
    for _task, pairs in groupby(items.values_list("task_id", "number"), key=lambda pair: pair[0]):
        numbers = [number for _, number in pairs]
        if numbers != list(range(1, len(numbers) + 1)):
            return True
    return False


def sheet_title(plan):
    return re.sub(r"[\[\]:*?/\\]", "", plan.source_sheet or "台账")[:31] or "台账"


# ---------------------------------------------------------------- writing (rows and columns 0-based)


def prepare_sheet(sheet, layout):
    """Column widths, frozen header and print setup: landscape A4, one page wide, header repeated."""
    for column in range(1, layout.width + 1):
        sheet.set_column(column - 1, column - 1, WIDTHS.get(layout.keys.get(column, ""), DEFAULT_WIDTH))
    sheet.freeze_panes(layout.header_row, 0)
    sheet.repeat_rows(layout.header_row - 1)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)


def write_head(sheet, layout, formats):
    for row, values in enumerate(layout.top_rows):
        for column, value in enumerate(values):
            if value is not None:
                write_cell(sheet, row, column, value, formats["title"])
    for column in range(layout.width):
        write_cell(sheet, layout.header_row - 1, column, layout.headers.get(column + 1), formats["header"])
    for top, left, bottom, right in layout.merges:
        sheet.add_merge(top - 1, left - 1, bottom - 1, right - 1)


class Column(NamedTuple):
    """A body column: its 0-based index, what it shows for a row's measures, whether overdue rows fill it red."""

    index: int
    value: Callable  # measures of the row → cell value
    highlighted: bool


#: What a body row starts: its task (the task's first row), an item (the item's first row) or neither.
ROW_STARTS = ("task", "item", None)
#: The rows on which a column merged down over its task or item (``MERGED_DOWN``), or not merged,
#: has a value; on the others it is a blank cell under the merge, its border kept.
VALUED_ON = {"task": ("task",), "item": ("task", "item"), None: ROW_STARTS}
IS_OVERDUE = attrgetter("is_overdue")


def write_body(sheet, layout, context, formats, records):
    valued = {start: [] for start in ROW_STARTS}  # by what the row starts: the columns with a value
    blank = {start: [] for start in ROW_STARTS}  # and the blank ones
    for column in range(1, layout.width + 1):
        key = layout.keys.get(column, "")
        each = Column(column - 1, cell_value(key, context), column in context.highlighted)
        for start in ROW_STARTS:
            (valued if start in VALUED_ON[MERGED_DOWN.get(key)] else blank)[start].append(each)
    merged = [(column - 1, MERGED_DOWN[key]) for column, key in sorted(layout.keys.items()) if key in MERGED_DOWN]
    row = layout.header_row
    for section, in_section in groupby(records, key=lambda m: m.item.task.section):
        if section.number or section.title:  # a ledger without sections has one that is written as none
            write_section(sheet, layout, section, row, formats["section"])
            row += 1
        for _task, in_task in groupby(in_section, key=lambda m: m.item.task.id):
            if layout.is_outline:
                row = write_outline_task(sheet, layout, valued["task"], formats, list(in_task), row)
                continue
            rows = task_rows(layout, list(in_task))
            write_task(sheet, valued, blank, formats, rows, row)
            write_comments(sheet, context.comments, rows, row)
            merge_task(sheet, merged, rows, row)
            row += len(rows)


def write_outline_task(sheet, layout, columns, formats, measures, row):
    """A task of an outline ledger from ``row``: the task's row and each item's when the ledger has
    them (number as written, text, the item's upstream deadline), then a row per measure with its
    values; returns the row after the last. Levels the ledger does not have (no title) get no row."""
    body = formats["body"]
    number, text = layout.number_column() - 1, next(layout.column(key) for key in TEXT_KEYS if layout.column(key)) - 1
    upstream = layout.column("upstream_deadline")
    task = measures[0].item.task
    if task.title:
        write_level_row(sheet, layout, row, body, {number: task.label or task.number, text: task.title})
        row += 1
    for item, in_item in groupby(measures, key=lambda m: m.item):
        if item.text:
            cells = {number: item.label or None, text: item.text}
            if upstream:
                cells[upstream - 1] = item.upstream_deadline or None
            write_level_row(sheet, layout, row, body, cells)
            row += 1
        for measure in in_item:
            fill = formats["overdue"] if measure.is_overdue else body
            for index, value, highlighted in columns:
                if index == number:
                    value = measure.label or None
                elif index == text:
                    value = measure.text
                elif index == (upstream or 0) - 1:
                    value = None
                else:
                    value = value([measure])
                write_cell(sheet, row, index, value, fill if highlighted else body)
            row += 1
    return row


def write_level_row(sheet, layout, row, cell_format, cells):
    """A row of an outline ledger that numbers a task or an item: ``cells`` (0-based column → value), the others blank."""
    for index in range(layout.width):
        value = cells.get(index)
        if value is None:
            sheet.write_blank(row, index, None, cell_format)
        else:
            write_cell(sheet, row, index, value, cell_format)


def write_section(sheet, layout, section, row, cell_format):
    write_cell(sheet, row, 0, layout.section_text(section), cell_format)
    for column in range(1, layout.width):
        write_cell(sheet, row, column, None, cell_format)
    sheet.add_merge(row, 0, row, layout.width - 1)


def task_rows(layout, measures):
    """The task's rows: one per item (its measures in one cell), or one per measure with 措施序号 or
    where the ledger wrote each measure of the item on its own row."""
    numbered = layout.column("measure_number") is not None
    rows = []
    for _item, in_item in groupby(measures, key=lambda m: m.item.id):
        in_item = list(in_item)
        own_rows = len({m.source_row for m in in_item}) == len(in_item) > 1 and in_item[0].source_row is not None
        rows += [[measure] for measure in in_item] if numbered or own_rows else [in_item]
    return rows


def write_task(sheet, valued, blank, formats, rows, first_row):
    """The task's rows from ``first_row``; ``valued`` and ``blank`` columns by what a row starts."""
    body, overdue = formats["body"], formats["overdue"]
    item = None
    for row, measures in enumerate(rows, start=first_row):
        start = "task" if row == first_row else "item" if measures[0].item is not item else None
        item = measures[0].item
        fill = overdue if any(map(IS_OVERDUE, measures)) else body
        for index, value, highlighted in valued[start]:
            write_cell(sheet, row, index, value(measures), fill if highlighted else body)
        for index, _value, highlighted in blank[start]:
            sheet.write_blank(row, index, None, fill if highlighted else body)


def write_comments(sheet, comments, rows, first_row):
    for offset, measures in enumerate(rows):
        for column, text_of in comments:
            if text := text_of(measures):
                sheet.write_comment(first_row + offset, column, text, {"x_scale": 2, "y_scale": 1.5})


def merge_task(sheet, merged, rows, first_row):
    """Merge the task's columns down over its rows and the item's columns over each item's rows."""
    spans = {"task": [(first_row, first_row + len(rows) - 1)], "item": item_spans(rows, first_row)}
    for column, kind in merged:
        for top, bottom in spans[kind]:
            if bottom > top:
                sheet.add_merge(top, column, bottom, column)


def item_spans(rows, first_row):
    """``(first, last)`` row of each item of a task's rows (several rows when one per measure)."""
    spans = []
    offset = 0
    for _item, group in groupby(rows, key=lambda measures: measures[0].item.id):
        count = len(list(group))
        spans.append((first_row + offset, first_row + offset + count - 1))
        offset += count
    return spans


# ---------------------------------------------------------------- cell values


#: Cells with one value for the row, from its first measure or all of its measures.
ROW_VALUES = {
    "task_number": lambda measures, context: task_number(measures[0].item.task),
    "task_title": lambda measures, context: measures[0].item.task.title,
    "item": lambda measures, context: item_text(measures[0].item, context.markers),
    "upstream_deadline": lambda measures, context: measures[0].item.upstream_deadline,
    "measure": lambda measures, context: measure_text(measures),
    "measure_number": lambda measures, context: measures[0].label or measures[0].number,
    "done": lambda measures, context: done_marks(measures, context.reporting_year, MeasureRecord.progress_in),
}
#: Cells with a value per measure, keyed by circled numbers where the row's measures differ
#: (``keyed_values``): for the column's year, the function giving a measure's value.
MEASURE_VALUES = {
    "lead": lambda year: attrgetter("lead_text"),
    "responsible": lambda year: attrgetter("responsible_text"),
    "person": lambda year: attrgetter("person"),
    "deadline": lambda year: methodcaller("deadline_text", year),
    "result": lambda year: lambda measure: status_text(measure.progress_in(year)),
}
NUMBER = attrgetter("number")


def cell_value(key, context):
    """The function giving what the cell under ``key`` shows for the measures of one row."""
    name, _, argument = key.partition(":")
    if name == "extra":
        return lambda measures: measures[0].extra.get(argument) or None
    if name in ROW_VALUES:
        value = ROW_VALUES[name]
        return lambda measures: value(measures, context) or None
    if name in MEASURE_VALUES:
        value = MEASURE_VALUES[name](int(argument) if argument else None)
        return lambda measures: (
            value(measures[0]) if len(measures) == 1 else keyed_values(list(map(value, measures)), map(NUMBER, measures))
        ) or None
    return lambda measures: None


def task_number(task):
    """The task's number as written (``1``, ``一``), an integer where it is the number itself."""
    return task.label if task.label and task.label != str(task.number) else task.number


def item_text(item, markers):
    """The item's text after its number as written (``(3)``); ``(n)`` where the ledger wrote none and ``markers``."""
    if item.label:
        return f"{item.label} {item.text}".strip()
    return f"({item.number}) {item.text}".strip() if markers else item.text


def measure_text(measures):
    """A measure on its own row as written (after its number, ``①``, where it had one); several in
    one cell as ``① …`` lines, numbered as written."""
    if len(measures) == 1:
        measure = measures[0]
        return f"{measure.label} {measure.text}" if measure.label else measure.text
    return "\n".join([f"{m.label or circled(m.number)} {m.text}" for m in measures])


def keyed_values(texts, numbers):
    """One value for every measure of the row when the ``texts`` agree, else ``①text\\n②text`` lines
    keyed by the measures' ``numbers``."""
    first = texts[0]
    if len(texts) == 1 or (first and texts.count(first) == len(texts)):
        return first
    return "\n".join([f"{circled(number)}{text}" for number, text in zip(numbers, texts) if text])


def keyed_text(pairs):
    """``keyed_values`` of ``(number, text)`` pairs."""
    return keyed_values([text for _, text in pairs], [number for number, _ in pairs])


def progress_of(measure, year):
    """The progress of a model instance in ``year``, from its prefetched ``progress``."""
    return next((p for p in measure.progress.all() if p.year == year), None)


def status_text(progress):
    """The words a ledger cell shows for a year's progress (blank when never reported)."""
    return "" if progress is None else result_text(progress.status, progress.note)


def result_text(status, note):
    """Status and note as the importer reads them back to the same status: the note when it says so."""
    note = note.strip()
    if note and status_from_result(note) == status:
        return note
    if status == ProgressStatus.NOT_STARTED and not note:
        return ""
    word = STATUS_WORDS[status]
    return f"{word}：{note}" if note else word


def done_marks(measures, year, progress=progress_of):
    """``① ③``: the circled numbers of the row's measures done in ``year``; ``progress(measure, year)``
    gives a measure's progress (a model instance's by default)."""
    return " ".join(
        circled(m.number) for m in measures
        if (p := progress(m, year)) is not None and p.status == ProgressStatus.DONE
    )
