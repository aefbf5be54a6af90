"""One data row of a ledger into its measures: the task and item the row opens or continues, the
cells carried down from the rows above, one ``MeasureRow`` per measure of the row's cell with its
own units, person, deadlines and results. Pure Python, no Django; used by ``sheets``.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.grid import Cell as _Cell
from tasks.ledgerfiles.ledger_rows import MeasureRow
from tasks.ledgerfiles.measure_cells import (
    is_done,
    marker_label,
    measure_value,
    number_measures,
    one_line,
    split_glued_item,
    split_item_marker,
    split_labelled_measures,
    strip_measure_marker,
    to_int,
)
from tasks.ledgerfiles.outline import read_marker
from tasks.ledgerfiles.units import split_units

# Within a task, a blank cell in these columns continues the value above.
CARRIED_KEYS = ("lead", "responsible", "deadline")


@dataclass
class Item:
    number: int | None
    text: str
    upstream: _Cell
    cell: _Cell
    measures: int = 0
    label: str = ""


@dataclass
class RowContext:
    """What the rows above say about the current row: section, task, item, carried cells."""

    section_number: str = ""
    section_title: str = ""
    section_cell: _Cell | None = None
    task_number: int | None = None
    task_number_cell: _Cell | None = None
    task_title: str = ""
    task_cell: _Cell | None = None
    item: Item | None = None
    carried: dict[str, _Cell] = field(default_factory=dict)
    task_label: str = ""

    def start_task(self, number, number_cell, title, title_cell, label=""):
        self.task_number, self.task_number_cell = number, number_cell
        self.task_title, self.task_cell = title, title_cell
        self.task_label = label
        self.item = None
        self.carried = {}




def first_filled(cells) -> _Cell:
    return next(cell for cell in cells if cell.text)


class Shared:
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


class RowReader:
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

    def measures(self, context: RowContext):
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
        number = to_int(number_cell.text) if number_cell else context.task_number
        title, glued_item = split_glued_item(title_cell.text)
        title = one_line(title) if title_cell else context.task_title
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
        number, label, text = split_item_marker(one_line(text))
        context.item = Item(number, text, self.cell("upstream_deadline"), cell, label=label)
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
            context.item = Item(None, "", self.cell("upstream_deadline"), self.cell("item"))
            return [(1, "", context.task_title)]
        return []

    def _measure_number(self, cell) -> int:
        number = to_int(cell.text)
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
            upstream_deadline=one_line(item.upstream.text),
            measure_number=number,
            measure_text=one_line(text),
            lead_units=self.shared.get(("units", lead), lambda: split_units(lead)),
            responsible_units=self.shared.get(("units", responsible), lambda: split_units(responsible)),
            lead_text=lead,
            responsible_text=responsible,
            person=one_line(values.get("person", ""), "、"),
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
        return self.shared.same(kind, {year: one_line(values[key]) for key, year in _year_keys(tuple(values), kind)})

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
