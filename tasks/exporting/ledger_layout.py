"""The filled-in ledger (xlsx) in the plan's own layout, for reporting upward.

The layout is the one of the workbook the plan was imported from (rows above the header,
header texts and merges, column order, section numbering style); a plan without a kept
workbook gets the standard layout (both in ``layout_of_plan``; the cells' values in
``layout_cells``). The rows are the plan's sections, tasks (序号 and
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from django.utils import timezone
from xlsxwriter.worksheet import Worksheet

from tasks.exporting.cells import streaming_workbook, write_cell
from tasks.exporting.rows import measure_records
from tasks.models import Measure
from tasks.exporting.layout_of_plan import DEFAULT_WIDTH, MERGED_DOWN, TEXT_KEYS, WIDTHS, add_status_column, comment_columns, default_layout, highlighted_columns, needs_item_markers, read_kept_workbook, sheet_title, source_layout
from tasks.exporting.layout_cells import cell_value


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A4 = 9  # XlsxWriter's paper size code

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


