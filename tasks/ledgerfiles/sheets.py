"""Read a ledger spreadsheet (台账 / 任务分解表) into one normalised row per measure.

Pure Python, no Django. The sheet holding the ledger and its header row are found by
column names; title rows, section rows (一、 / （一）), repeated page-break headers and
merged cells are handled; a cell holding several measures (①…②…) is split, and cells
keyed by circled numbers (`① 11月30日 ② 6月30日`) give each measure its own value.

The file itself is read by ``tasks.ledgerfiles`` (any format into one grid of cells).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.grid import Cell as _Cell
from tasks.ledgerfiles.headers import ColumnReading, find_header, normalise, normalise_column_map
from tasks.ledgerfiles.limits import WorkbookLimits, check_row_count
from tasks.ledgerfiles.measure_cells import (
    CIRCLED_NUMBERS,
    is_done,
    marker_label,
    measure_value,
    number_measures,
    split_glued_item,
    split_item_marker,
    split_labelled_measures,
    strip_measure_marker,
)
from tasks.ledgerfiles.outline import levels as outline_levels
from tasks.ledgerfiles.outline import chinese_number, read_marker
from tasks.ledgerfiles.plan_years import title_years, years_of_plan
from tasks.ledgerfiles.reading import read_sheets
from tasks.ledgerfiles.units import split_units

HEADER_SCAN_ROWS = 20

CHINESE_NUMERALS = "一二三四五六七八九十百零〇"

# Within a task, a blank cell in these columns continues the value above.
CARRIED_KEYS = ("lead", "responsible", "deadline")

_SECTION = re.compile(
    rf"^\s*(?:第([{CHINESE_NUMERALS}]+)部分|[（(]([{CHINESE_NUMERALS}]+)[)）]|([{CHINESE_NUMERALS}]+)[、.．])\s*(.*)$",
    re.S,
)
_ATTACHMENT = re.compile(r"^附件\s*\d*[:：]?$")


@dataclass(slots=True)
class MeasureRow:
    """One measure as read. Its lists and dicts may be shared with other rows of the read: never change them."""

    row: int
    section_number: str
    section_title: str
    task_number: int | None
    task_title: str
    item_number: int | None
    item_text: str
    upstream_deadline: str
    measure_number: int
    measure_text: str
    lead_units: list[str]
    responsible_units: list[str]
    lead_text: str
    responsible_text: str
    person: str
    deadlines: dict[int | None, str]
    results: dict[int, str]
    done: bool | None
    extra: dict[str, str]
    cells: dict[str, tuple[int, int]]
    task_label: str = ""  # the numbers as written (1, 1.1, (3), ①); empty where the ledger has none
    item_label: str = ""
    measure_label: str = ""


@dataclass
class Ledger:
    file: str
    sheet: str
    title: str
    header_row: int
    columns: dict[str, int]
    readings: list[ColumnReading]
    unknown_columns: list[str]
    years: list[int]
    title_years: list[int]
    rows: list[MeasureRow]
    plan_years: list[int] = field(default_factory=list)  # what the file says the plan covers
    years_from: str = ""  # where plan_years were found (标题, 表头, 完成时限), or "" when nowhere



@dataclass
class _Item:
    number: int | None
    text: str
    upstream: _Cell
    cell: _Cell
    measures: int = 0
    label: str = ""


@dataclass
class _Context:
    """What the rows above say about the current row: section, task, item, carried cells."""

    section_number: str = ""
    section_title: str = ""
    section_cell: _Cell | None = None
    task_number: int | None = None
    task_number_cell: _Cell | None = None
    task_title: str = ""
    task_cell: _Cell | None = None
    item: _Item | None = None
    carried: dict[str, _Cell] = field(default_factory=dict)
    task_label: str = ""

    def start_task(self, number, number_cell, title, title_cell, label=""):
        self.task_number, self.task_number_cell = number, number_cell
        self.task_title, self.task_cell = title, title_cell
        self.task_label = label
        self.item = None
        self.carried = {}


# ---------------------------------------------------------------- public entry point


def read_ledger(source, *, file_name=None, column_map=None, limits=WorkbookLimits()) -> Ledger:
    """Read the ledger in `source` (path, binary file object or bytes), refused unless within `limits`."""
    file_name = file_name or _source_name(source)
    data = _read_bytes(source, file_name)
    sheets = read_sheets(data, file_name, limits)
    del data
    sheet, layout = find_header(sheets, normalise_column_map(column_map, file_name), file_name)
    check_row_count(len(sheet.grid), file_name, sheet.name, limits)
    rows = list(_measure_rows(sheet, layout, file_name))
    title = _title(sheet, layout.first_row)
    header_years = sorted({int(key.split(":")[1]) for key in layout.columns if ":" in key})
    plan_years, years_from = years_of_plan(title, header_years, rows)
    return Ledger(
        file=file_name,
        sheet=sheet.name,
        title=title,
        header_row=layout.last_row,
        columns=dict(layout.columns),
        readings=list(layout.readings),
        unknown_columns=list(layout.unknown.values()),
        years=header_years,
        title_years=title_years(title),
        rows=rows,
        plan_years=plan_years,
        years_from=years_from,
    )


# ---------------------------------------------------------------- reading the workbook


def _source_name(source) -> str:
    if isinstance(source, (str, Path)):
        return Path(source).name
    return Path(getattr(source, "name", "") or "").name or "工作簿"


def _read_bytes(source, file_name) -> bytes:
    try:
        if isinstance(source, (bytes, bytearray)):
            return bytes(source)
        if isinstance(source, (str, Path)):
            return Path(source).read_bytes()
        return source.read()
    except OSError as error:
        raise LedgerError(f"无法读取文件（{error.strerror or error}）", file=file_name) from error


# ---------------------------------------------------------------- cell text


def _one_line(text: str, joiner: str = "") -> str:
    """Join a cell's lines; between two Chinese characters with `joiner`, else a space."""
    lines = text.split("\n")
    joined = lines[0]
    for line in lines[1:]:
        between = joiner if _is_wide(joined[-1]) or _is_wide(line[0]) else " "
        joined += between + line
    return joined


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _to_int(text: str) -> int | None:
    text = text.strip()
    if text and text[0] in CIRCLED_NUMBERS:
        return CIRCLED_NUMBERS.index(text[0]) + 1
    return int(text) if text.isdigit() else None


# ---------------------------------------------------------------- above the header


def _title(sheet, header_row) -> str:
    for cells in sheet.grid[: header_row - 1]:
        texts = _distinct_texts(cells)
        if texts and not _ATTACHMENT.match(texts[0]):
            return _one_line(" ".join(texts))
    return ""


# ---------------------------------------------------------------- rows


def _distinct_texts(cells) -> list[str]:
    texts = []
    for cell in cells:
        if cell.text and cell.text not in texts:
            texts.append(cell.text)
    return texts


def _section(cells) -> tuple[str, str] | None:
    texts = _distinct_texts(cells)
    match = _SECTION.match(texts[0]) if len(texts) == 1 else None
    if not match:
        return None
    number = next(group for group in match.groups()[:3] if group)
    return number, _one_line(match.group(4))


def _is_banner(cells) -> bool:
    """A note merged across the table (not a section): several cells, one text."""
    return len(_distinct_texts(cells)) == 1 and sum(1 for cell in cells if cell.text) > 1


def _is_repeated_header(cells, layout) -> bool:
    """The header row again (printed on every page). Cells far longer than a header are not one,
    which keeps this cheap on long data rows."""
    if len(cells[0].text) > 30:
        return False
    texts = tuple(normalise(cell.text) if len(cell.text) <= 30 else "" for cell in cells)
    return any(
        sum(1 for mine, theirs in zip(texts, row) if theirs and mine == theirs) * 2 > sum(1 for theirs in row if theirs)
        for row in layout.row_texts
    )


def _measure_rows(sheet, layout, file_name):
    if _is_outline(sheet, layout):
        yield from _outline_rows(sheet, layout, file_name)
        return
    context = _Context()
    shared = _Shared()
    for index, cells in _data_rows(sheet, layout):
        section = _section(cells) or _numbered_section(cells, layout)
        if section:
            context = _Context(*section, section_cell=_first_filled(cells))
        elif not _is_banner(cells):
            row = _RowReader(index + 1, cells, layout, sheet.name, file_name, shared)
            yield from row.measures(context)


def _data_rows(sheet, layout):
    """(0-based index, cells) of each row below the header that holds anything but the header again."""
    for index in range(layout.last_row, len(sheet.grid)):
        cells = sheet.grid[index]
        if _distinct_texts(cells) and not _is_repeated_header(cells, layout):
            yield index, cells


#: Columns whose cells belong to a measure (a row holding none of them is a heading or a note).
VALUE_KEYS = ("lead", "responsible", "person", "deadline", "done")


def _value_columns(layout) -> list[int]:
    return [number for key, number in layout.columns.items() if key.split(":")[0] in VALUE_KEYS + ("result",)]


def _number_key(layout) -> str | None:
    return next((key for key in ("measure_number", "task_number") if key in layout.columns), None)


def _numbered_section(cells, layout) -> tuple[str, str] | None:
    """A section row that is not merged: `一、` (or `（一）`, `第一部分`) in the number column, its title
    beside it, nothing in the measure columns."""
    key = _number_key(layout)
    if key is None or layout.columns[key] > len(cells):
        return None
    number_cell = cells[layout.columns[key] - 1]
    marker, rest = read_marker(number_cell.text)
    if marker is None and number_cell.text.strip() and chinese_number(number_cell.text.strip()):
        marker, rest = read_marker(number_cell.text.strip() + "、")  # a bare 二 in the number column
    if marker is None or not marker.chinese or any(cells[n - 1].text for n in _value_columns(layout) if n <= len(cells)):
        return None
    title = " ".join(text for text in _distinct_texts(cells) if text != number_cell.text)
    return marker.label.strip("（()）"), _one_line((rest + " " + title).strip())


def _is_outline(sheet, layout) -> bool:
    """A ledger read by its numbering: one text column, and either no task or item column to
    place the measures, or outline numbers (1.1) or mixed numbering in its number column."""
    texts = [key for key in ("task_title", "item", "measure") if key in layout.columns]
    if len(texts) != 1:
        return False
    if texts == ["measure"]:
        return True
    key = _number_key(layout)
    if key is None:
        return False
    styles = set()
    for _index, cells in _data_rows(sheet, layout):
        cell = cells[layout.columns[key] - 1] if layout.columns[key] <= len(cells) else None
        marker = read_marker(cell.text)[0] if cell is not None and cell.text and cell.column == layout.columns[key] else None
        if marker is not None:
            styles.add(marker.style)
    return len(styles) > 1


def _outline_rows(sheet, layout, file_name):
    """The measures of a ledger read by its numbering (see ``tasks.ledgerfiles.outline``)."""
    shared = _Shared()
    text_key = next(key for key in ("measure", "item", "task_title") if key in layout.columns)
    number_key = _number_key(layout)
    value_columns = _value_columns(layout)
    entries = []
    for index, cells in _data_rows(sheet, layout):
        row = _RowReader(index + 1, cells, layout, sheet.name, file_name, shared)
        number_cell = row.own(number_key) if number_key else None
        text_cell = row.own(text_key)
        texts = _distinct_texts(cells)
        has_values = any(cells[n - 1].text and cells[n - 1].row == index + 1 for n in value_columns if n <= len(cells))
        if number_cell is not None:
            marker, rest = read_marker(number_cell.text)
            text = text_cell.text if text_cell is not None and text_cell is not number_cell else rest
        elif text_cell is not None or len(texts) == 1:
            marker, text = read_marker(text_cell.text if text_cell else texts[0])
        else:
            continue
        entries.append((row, marker, has_values, text, text_cell or _first_filled(cells)))
    kinds = outline_levels([(marker, has_values) for _row, marker, has_values, _text, _cell in entries])
    context = _Context()
    counts = {"section": 0, "task": 0, "item": 0}
    for (row, marker, _has_values, text, cell), kind in zip(entries, kinds):
        label = marker.label if marker else ""
        kind, _, own_measure = kind.partition("+")
        if kind == "section":
            counts.update(section=counts["section"] + 1, task=0, item=0)
            context = _Context(label.strip("（()）") or str(counts["section"]), _one_line(text), section_cell=cell)
        elif kind == "task":
            counts.update(task=counts["task"] + 1, item=0)
            context.start_task(counts["task"], row.own(number_key) or cell, _one_line(text), cell, label)
        elif kind == "item":
            counts["item"] += 1
            context.item = _Item(counts["item"], _one_line(text), row.cell("upstream_deadline"), cell, label=label)
        if kind != "measure" and not own_measure:
            row._carry(context)
            continue
        if context.item is None:
            context.item = _Item(None, "", row.cell("upstream_deadline"), _Cell("", row.row, 0))
        row._carry(context)
        measures = split_labelled_measures(text)
        if len(measures) == 1:
            measures = [(None, "" if own_measure else label, measures[0][2])]
        numbered = number_measures(measures, context.item.measures)
        cells = row._cells(context)
        for number, measure_label, measure_text in numbered:
            context.item.measures = max(context.item.measures, number)
            yield row._measure_row(context, number, measure_text, cells, measure_label)


def _first_filled(cells) -> _Cell:
    return next(cell for cell in cells if cell.text)


class _Shared:
    """One object for equal values across the rows of one read.

    A province's ledger repeats its deadline phrases, results, unit lists and merged cells'
    positions tens of thousands of times; the rows share one copy of each (never changed).
    """

    def __init__(self):
        self.values = {}

    def get(self, key, make):
        """The value shared under ``key``, made by ``make()`` the first time."""
        value = self.values.get(key)
        if value is None:
            value = self.values[key] = make()
        return value

    def same(self, kind, mapping: dict) -> dict:
        """``mapping`` itself the first time, then the first equal dict of this ``kind``."""
        return self.values.setdefault((kind, tuple(mapping.items())), mapping)

    def position(self, cell) -> tuple[int, int]:
        key = (cell.row, cell.column)
        return self.values.setdefault(key, key)


class _RowReader:
    """Turns one data row into its measures, updating the context it reads from."""

    def __init__(self, row, cells, layout, sheet_name, file_name, shared):
        self.row, self.cells, self.layout = row, cells, layout
        self.sheet_name, self.file_name = sheet_name, file_name
        self.shared = shared
        self.by_key = {key: cells[number - 1] for key, number in layout.columns.items() if number <= len(cells)}

    def cell(self, key) -> _Cell:
        cell = self.by_key.get(key)
        return cell if cell is not None else _Cell("", self.row, self.layout.columns.get(key) or 0)

    def own(self, key) -> _Cell | None:
        """The cell under `key` if its value starts on this row (not a merge from above)."""
        cell = self.cell(key)
        return cell if cell.text and cell.row == self.row else None

    def measures(self, context: _Context):
        glued_item = self._read_task(context)
        new_item = self._read_item(context, glued_item)
        self._carry(context)
        texts = self._measure_texts(context, new_item)
        cells = self._cells(context) if texts else None  # the same for every measure of the row: shared
        for number, label, text in texts:
            context.item.measures = max(context.item.measures, number)
            yield self._measure_row(context, number, text, cells, label)

    def _read_task(self, context) -> str:
        """Update the task from 序号 and title; return an item glued onto a title of this row."""
        number_cell, title_cell = self.cell("task_number"), self.cell("task_title")
        number = _to_int(number_cell.text) if number_cell else context.task_number
        title, glued_item = split_glued_item(title_cell.text)
        title = _one_line(title) if title_cell else context.task_title
        if number != context.task_number or title != context.task_title:
            label = marker_label(number_cell.text) if number_cell else context.task_label
            context.start_task(
                number, number_cell or context.task_number_cell, title, title_cell or context.task_cell, label
            )
        return glued_item if self.own("task_title") else ""

    def _read_item(self, context, glued_item) -> bool:
        """Start a new item if this row has its own item text; say whether it did."""
        item_cell = self.cell("item")
        if item_cell and (context.item is None or item_cell != context.item.cell):
            text, cell = item_cell.text, item_cell
        elif glued_item:
            text, cell = glued_item, self.cell("task_title")
        elif context.item is None and self.own("measure"):
            text, cell = "", item_cell
        else:
            return False
        number, label, text = split_item_marker(_one_line(text))
        context.item = _Item(number, text, self.cell("upstream_deadline"), cell, label=label)
        return True

    def _carry(self, context):
        for key in CARRIED_KEYS:
            if self.cell(key):
                context.carried[key] = self.cell(key)

    def _measure_texts(self, context, new_item) -> list[tuple[int, str, str]]:
        """(number, label as written, text) of each measure this row holds."""
        measure_cell = self.own("measure")
        number_cell = self.cell("measure_number")
        if measure_cell and number_cell:
            return [(self._measure_number(number_cell), marker_label(number_cell.text), strip_measure_marker(measure_cell.text))]
        if measure_cell:
            return number_measures(split_labelled_measures(measure_cell.text), context.item.measures)
        if new_item:
            text = context.item.text or context.task_title
            if number_cell:
                return [(self._measure_number(number_cell), marker_label(number_cell.text), text)]
            return [(1, "", text)]
        if not self.layout.columns.keys() & {"item", "measure"} and self.own("task_title"):
            context.item = _Item(None, "", self.cell("upstream_deadline"), self.cell("item"))
            return [(1, "", context.task_title)]
        return []

    def _measure_number(self, cell) -> int:
        number = _to_int(cell.text)
        if number is None:
            marker, rest = read_marker(cell.text)
            number = marker.numbers[-1] if marker is not None and not rest else None
        if number is None:
            raise LedgerError(
                f"措施序号「{cell.text}」不是数字或带圈数字",
                file=self.file_name, sheet=self.sheet_name, row=cell.row,
                column=self.layout.headers.get(cell.column),
            )
        return number

    def _value_cell(self, context, key) -> _Cell:
        cell = self.cell(key)
        return cell if cell or key not in CARRIED_KEYS else context.carried.get(key, cell)

    def _measure_row(self, context, number, text, cells, label="") -> MeasureRow:
        item = context.item
        values = {key: measure_value(self._value_cell(context, key).text, number) for key in _value_keys(tuple(self.layout.columns))}
        lead, responsible = values.get("lead", ""), values.get("responsible", "")
        return MeasureRow(
            row=self.row,
            section_number=context.section_number,
            section_title=context.section_title,
            task_number=context.task_number,
            task_title=context.task_title,
            item_number=item.number,
            item_text=item.text,
            upstream_deadline=_one_line(item.upstream.text),
            measure_number=number,
            measure_text=_one_line(text),
            lead_units=self.shared.get(("units", lead), lambda: split_units(lead)),
            responsible_units=self.shared.get(("units", responsible), lambda: split_units(responsible)),
            lead_text=lead,
            responsible_text=responsible,
            person=_one_line(values.get("person", ""), "、"),
            deadlines=self._per_year(values, "deadline"),
            results=self._per_year(values, "result"),
            done=is_done(self.cell("done").text, number) if "done" in self.layout.columns else None,
            extra=self.shared.same("extra", {
                name: self.cells[column - 1].text for column, name in self.layout.unknown.items() if column <= len(self.cells)
            }),
            cells=cells,
            task_label=context.task_label,
            item_label=item.label,
            measure_label=label,
        )

    def _per_year(self, values, kind) -> dict:
        return self.shared.same(kind, {year: _one_line(values[key]) for key, year in _year_keys(tuple(values), kind)})

    def _cells(self, context) -> dict[str, tuple[int, int]]:
        sources = {
            "section": context.section_cell,
            "task_number": context.task_number_cell,
            "task": context.task_cell,
            "item": context.item.cell,
            "upstream_deadline": context.item.upstream,
        }
        for key in self.layout.columns:
            if key not in ("task_number", "task_title", "item", "upstream_deadline"):
                sources[key] = self._value_cell(context, key)
        return {key: self.shared.position(cell) for key, cell in sources.items() if cell is not None and cell.column}


@lru_cache(maxsize=64)
def _value_keys(keys) -> list[str]:
    """The keys whose cells hold a value per measure (units, person, deadlines, results)."""
    return [key for key in keys if key in ("lead", "responsible", "person") or key.startswith(("deadline", "result"))]


@lru_cache(maxsize=64)
def _year_keys(keys, kind) -> list[tuple[str, int | None]]:
    """``deadline:2024`` → ("deadline:2024", 2024) and ``deadline`` → ("deadline", None), for ``kind``."""
    found = []
    for key in keys:
        name, _, year = key.partition(":")
        if name == kind:
            found.append((key, int(year) if year else None))
    return found

