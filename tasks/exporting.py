"""The filled-in ledger (xlsx) in the plan's own layout, for reporting upward.

The layout is the one of the workbook the plan was imported from (rows above the header,
header texts and merges, column order, section numbering style); a plan without a kept
workbook gets the standard layout below. The rows are the plan's sections, tasks (序号 and
title merged down over their rows), items and measures (``① …\\n② …`` in one cell per item),
with each year's deadline text and the progress filled in: the ledger's 已完成任务 and
``N年完成任务`` columns, or an added ``N年完成情况（截至…）`` column when the layout has no
status column for the year exported. Cells of overdue measures are filled red.

The file reads back through the importer to the same plan: every value is written the way
``tasks.sheets`` reads it (cells keyed by circled numbers where measures differ), and the
workbook is streamed (openpyxl write-only), so a large plan is never held twice in memory.
"""

import io
import re
from dataclasses import dataclass
from itertools import groupby

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

from .cells import text_cell
from .choices import ProgressStatus
from .models import Deadline, Item, Measure, circled
from .progress import status_from_result
from .sheets import LedgerError, read_ledger
from .standing import with_standing

#: Status words as the importer reads them back (``tasks.progress.RESULT_WORDS``).
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
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class CellStyle:
    font: Font
    alignment: Alignment
    border: Border | None = None
    fill: PatternFill | None = None

    def apply(self, cell):
        cell.font = self.font
        cell.alignment = self.alignment
        if self.border is not None:
            cell.border = self.border
        if self.fill is not None:
            cell.fill = self.fill


THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
TITLE = CellStyle(Font(name="宋体", size=14, bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True))
HEADER = CellStyle(Font(name="宋体", size=10, bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True), BOX)
SECTION = CellStyle(Font(name="宋体", size=10, bold=True), Alignment(vertical="center"), BOX)
BODY = CellStyle(Font(name="宋体", size=10), WRAP, BOX)
OVERDUE = CellStyle(Font(name="宋体", size=10, color="9C0006"), WRAP, BOX, PatternFill("solid", fgColor="FFC7CE"))


@dataclass
class Layout:
    """Where everything goes: rows above the header, the header, and a field key per column."""

    top_rows: list[list]
    merges: list[tuple[int, int, int, int]]  # (first row, first column, last row, last column), 1-based
    headers: dict[int, str]
    keys: dict[int, str]  # column → reader key (``measure``, ``deadline:2024``…) or ``extra:NAME``
    section_parts: tuple[str, str] = ("", "、")  # text before and after the section number

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


# ---------------------------------------------------------------- entry point


def export_ledger(plan, *, measures=None, year=None, as_of=None):
    """The ledger of ``plan`` as xlsx bytes; ``measures`` narrows the rows (e.g. to one user's)."""
    as_of = as_of or timezone.localdate()
    year = year or plan.reporting_year or plan.start_year
    measures = Measure.objects.filter(item__task__section__plan=plan) if measures is None else measures
    layout = plan_layout(plan)
    add_status_column(layout, plan, year, as_of)
    context = Context(
        year=year,
        reporting_year=plan.reporting_year or plan.start_year,
        markers=needs_item_markers(plan),
        highlighted=highlighted_columns(layout, plan, year),
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(plan))
    prepare_sheet(sheet, layout)
    write_head(sheet, layout)
    write_body(sheet, layout, context, ordered_measures(measures, year=year, as_of=as_of))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export_filename(plan, year, extension="xlsx"):
    return f"{plan.slug}-{year}.{extension}"


def ordered_measures(measures, *, year, as_of):
    """Measures in ledger order with what a row shows, fetched in chunks."""
    standing = with_standing(measures, as_of=as_of, year=year)
    return (
        standing.select_related("item__task__section", "person")
        .prefetch_related("deadlines", "progress")
        .order_by(
            "item__task__section__order", "item__task__section_id", "item__task__order", "item__task_id",
            "item__order", "item_id", "number",
        )
        .iterator(chunk_size=2000)
    )


# ---------------------------------------------------------------- the layout


def plan_layout(plan):
    return source_layout(plan) or default_layout(plan)


def source_layout(plan):
    """The layout of the workbook the plan was imported from; None when there is none to read."""
    if not plan.source_file:
        return None
    try:
        with plan.source_file.open("rb") as handle:
            data = handle.read()
        ledger = read_ledger(data, file_name=plan.source_file.name)
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(ledger.sheet)
    except (OSError, LedgerError, CalamineError, ValueError):
        return None
    first_section = first_section_row(plan)
    rows = sheet.to_python(skip_empty_area=False, nrows=max(ledger.header_row, first_section or 0))
    header = rows[ledger.header_row - 1]
    keys = {column: key for key, column in ledger.columns.items()}
    unknown = iter(ledger.unknown_columns)
    for column, text in enumerate(header, start=1):
        if text not in ("", None) and column not in keys:
            keys[column] = f"extra:{next(unknown)}"
    return Layout(
        top_rows=[[value if value != "" else None for value in row] for row in rows[: ledger.header_row - 1]],
        merges=[
            (top + 1, left + 1, bottom + 1, right + 1)
            for (top, left), (bottom, right) in sheet.merged_cell_ranges or []
            if bottom < ledger.header_row
        ],
        headers={column: str(text) for column, text in enumerate(header, start=1) if text not in ("", None)},
        keys=keys,
        section_parts=section_parts(plan, rows, first_section),
    )


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
    deadlines = Deadline.objects.filter(measure__item__task__section__plan=plan)
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


# ---------------------------------------------------------------- writing


def prepare_sheet(sheet, layout):
    """Column widths, frozen header and print setup: all set before the first row is written."""
    for column in range(1, layout.width + 1):
        key = layout.keys.get(column, "")
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS.get(key, DEFAULT_WIDTH)
    sheet.freeze_panes = f"A{layout.header_row + 1}"
    sheet.print_title_rows = f"{layout.header_row}:{layout.header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def write_head(sheet, layout):
    for row in layout.top_rows:
        sheet.append([text_cell(sheet, value, TITLE if value is not None else None) for value in row])
    sheet.append([text_cell(sheet, layout.headers.get(column), HEADER) for column in range(1, layout.width + 1)])
    for merge in layout.merges:
        sheet.merged_cells.add(range_name(*merge))


def write_body(sheet, layout, context, measures):
    row_number = layout.header_row
    for section, in_section in groupby(measures, key=lambda m: m.item.task.section):
        row_number += 1
        write_section(sheet, layout, section, row_number)
        for _task, in_task in groupby(in_section, key=lambda m: m.item.task_id):
            rows = task_rows(layout, list(in_task))
            write_task(sheet, layout, context, rows, row_number + 1)
            row_number += len(rows)


def write_section(sheet, layout, section, row_number):
    sheet.append([text_cell(sheet, layout.section_text(section), SECTION)] + [
        text_cell(sheet, None, SECTION) for _ in range(layout.width - 1)
    ])
    sheet.merged_cells.add(range_name(row_number, 1, row_number, layout.width))


def task_rows(layout, measures):
    """The task's rows: one per item (its measures in one cell), or one per measure with 措施序号."""
    per_measure = layout.column("measure_number") is not None
    rows = []
    for _item, in_item in groupby(measures, key=lambda m: m.item_id):
        in_item = list(in_item)
        rows += [[measure] for measure in in_item] if per_measure else [in_item]
    return rows


def write_task(sheet, layout, context, rows, first_row):
    for offset, measures in enumerate(rows):
        first_of_task = offset == 0
        first_of_item = first_of_task or measures[0].item_id != rows[offset - 1][0].item_id
        overdue = any(m.is_overdue for m in measures)
        cells = []
        for column in range(1, layout.width + 1):
            key = layout.keys.get(column, "")
            starts = {"task": first_of_task, "item": first_of_item}.get(MERGED_DOWN.get(key), True)
            value = cell_value(key, measures, context) if starts else None
            style = OVERDUE if overdue and column in context.highlighted else BODY
            cells.append(text_cell(sheet, value, style))
        sheet.append(cells)
    add_down_merges(sheet, layout, rows, first_row)


def add_down_merges(sheet, layout, rows, first_row):
    """序号 and task merged over the task's rows; item cells over an item's rows (one row per measure)."""
    spans = {"task": [(first_row, first_row + len(rows) - 1)], "item": item_spans(rows, first_row)}
    for column, key in layout.keys.items():
        for top, bottom in spans.get(MERGED_DOWN.get(key), []):
            if bottom > top:
                sheet.merged_cells.add(range_name(top, column, bottom, column))


def item_spans(rows, first_row):
    spans = []
    offset = 0
    for _item, group in groupby(rows, key=lambda measures: measures[0].item_id):
        count = len(list(group))
        spans.append((first_row + offset, first_row + offset + count - 1))
        offset += count
    return spans


def range_name(top, left, bottom, right):
    return f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}"


# ---------------------------------------------------------------- cell values


def cell_value(key, measures, context):
    """What the cell under ``key`` shows for the measures of one row."""
    name, _, argument = key.partition(":")
    first = measures[0]
    if name == "extra":
        return first.extra.get(argument) or None
    simple = {
        "task_number": lambda: first.item.task.number,
        "task_title": lambda: first.item.task.title,
        "item": lambda: item_text(first.item, context.markers),
        "upstream_deadline": lambda: first.item.upstream_deadline,
        "measure": lambda: measure_text(measures),
        "measure_number": lambda: first.number,
        "done": lambda: done_marks(measures, context.reporting_year),
    }
    if name in simple:
        return simple[name]() or None
    per_measure = {
        "lead": lambda m: m.lead_text,
        "responsible": lambda m: m.responsible_text,
        "person": lambda m: m.person.name if m.person else "",
        "deadline": lambda m: deadline_text(m, int(argument) if argument else None),
        "result": lambda m: status_text(progress_of(m, int(argument))),
    }
    if name in per_measure:
        return keyed_text([(m.number, per_measure[name](m)) for m in measures]) or None
    return None


def item_text(item, markers):
    return f"({item.number}) {item.text}".strip() if markers else item.text


def measure_text(measures):
    """One measure numbered 1 as it is; several as ``① …`` lines."""
    if len(measures) == 1 and measures[0].number == 1:
        return measures[0].text
    return "\n".join(f"{circled(m.number)} {m.text}" for m in measures)


def keyed_text(pairs):
    """One value for every measure of the row when they agree, else ``①value\\n②value`` lines."""
    texts = [text for _, text in pairs]
    if len(pairs) == 1 or (texts[0] and len(set(texts)) == 1):
        return texts[0]
    return "\n".join(f"{circled(number)}{text}" for number, text in pairs if text)


def deadline_text(measure, year):
    """The phrase for ``year``; for ``None`` the phrase of a whole-plan 完成时限 column."""
    for deadline in measure.deadlines.all():
        if (year is None and deadline.covers_plan) or (deadline.year == year and not deadline.covers_plan):
            return deadline.text
    return ""


def progress_of(measure, year):
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


def done_marks(measures, year):
    """``① ③``: the circled numbers of the row's measures done in ``year``."""
    return " ".join(
        circled(m.number) for m in measures
        if (p := progress_of(m, year)) is not None and p.status == ProgressStatus.DONE
    )
