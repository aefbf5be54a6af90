"""The layout of a plan's filled-in ledger: the kept workbook's own (rows above the header,
header texts and merges, column order, section numbering), or the standard one for a plan
without a kept workbook; the status and comment columns added for the year exported.
"""

import io
import re
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import groupby

from python_calamine import CalamineError, CalamineWorkbook

from tasks.choices import ProgressStatus
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.grid import build_sheet
from tasks.ledgerfiles.headers import find_header
from tasks.ledgerfiles.reading import read_sheets
from tasks.models import Deadline, Item, Measure, Milestone, circled
from tasks.exporting.layout_cells import STATUS_WORDS


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

#: Rows of the kept workbook read for its layout: ``tasks.ledgerfiles.sheets`` looks for the header in the
#: first rows, and judges a header merged over two columns by the texts below it.
HEAD_ROWS = 200


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
