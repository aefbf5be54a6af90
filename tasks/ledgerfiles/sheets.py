"""Read a ledger spreadsheet (台账 / 任务分解表) into one normalised row per measure.

Pure Python, no Django. The sheet holding the ledger and its header row are found by
column names; title rows, section rows (一、 / （一）), repeated page-break headers and
merged cells are handled; a cell holding several measures (①…②…) is split, and cells
keyed by circled numbers (`① 11月30日 ② 6月30日`) give each measure its own value.

Each data row is read by ``row_reader``, a cell's text by ``measure_cells``; the plan's years by
``plan_years``. The file itself is read by ``tasks.ledgerfiles`` (any format into one grid of cells).
"""

import re
from pathlib import Path

from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.grid import Cell as _Cell
from tasks.ledgerfiles.headers import find_header, normalise, normalise_column_map
from tasks.ledgerfiles.ledger_rows import Ledger
from tasks.ledgerfiles.limits import WorkbookLimits, check_row_count
from tasks.ledgerfiles.measure_cells import number_measures, one_line, split_labelled_measures
from tasks.ledgerfiles.outline import levels as outline_levels
from tasks.ledgerfiles.outline import chinese_number, read_marker
from tasks.ledgerfiles.plan_years import title_years, years_of_plan
from tasks.ledgerfiles.reading import read_sheets
from tasks.ledgerfiles.row_reader import Item, RowContext, RowReader, Shared, first_filled

HEADER_SCAN_ROWS = 20

CHINESE_NUMERALS = "一二三四五六七八九十百零〇"


_SECTION = re.compile(
    rf"^\s*(?:第([{CHINESE_NUMERALS}]+)部分|[（(]([{CHINESE_NUMERALS}]+)[)）]|([{CHINESE_NUMERALS}]+)[、.．])\s*(.*)$",
    re.S,
)
_ATTACHMENT = re.compile(r"^附件\s*\d*[:：]?$")


# ---------------------------------------------------------------- public entry point


def read_ledger(source, *, file_name=None, column_map=None, limits=WorkbookLimits()) -> Ledger:
    """Read the ledger in `source` (path, binary file object or bytes), refused unless within `limits`."""
    file_name = file_name or _source_name(source)
    data = _read_bytes(source, file_name)
    sheets = read_sheets(data, file_name, limits)
    del data
    sheet, layout = find_header(sheets, normalise_column_map(column_map, file_name), file_name)
    check_row_count(len(sheet.grid), file_name, sheet.name, limits)
    unread = []
    rows = list(_measure_rows(sheet, layout, file_name, unread))
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
        unread_rows=unread,
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


# ---------------------------------------------------------------- above the header


def _title(sheet, header_row) -> str:
    for cells in sheet.grid[: header_row - 1]:
        texts = _distinct_texts(cells)
        if texts and not _ATTACHMENT.match(texts[0]):
            return one_line(" ".join(texts))
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
    return number, one_line(match.group(4))


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


def _measure_rows(sheet, layout, file_name, unread):
    """The measures of the sheet's rows; a row with text only in columns not understood is not a
    measure: it is described in ``unread`` (the import flags it) and read no further."""
    if _is_outline(sheet, layout):
        yield from _outline_rows(sheet, layout, file_name, unread)
        return
    context = RowContext()
    shared = Shared()
    for index, cells in _data_rows(sheet, layout):
        section = _section(cells) or _numbered_section(cells, layout)
        if section:
            context = RowContext(*section, section_cell=first_filled(cells))
        elif _only_unknown_text(cells, layout, index + 1):
            unread.append(_unread_line(cells, layout, index + 1))
        elif not _is_banner(cells):
            row = RowReader(index + 1, cells, layout, sheet.name, file_name, shared)
            yield from row.measures(context)


def _only_unknown_text(cells, layout, row) -> bool:
    """Whether the row's own text (not merged down from above) stands only in columns not
    understood, and not as a heading: neither in the table's first column nor across columns."""
    own = [cell for cell in cells if cell.text and cell.row == row]
    known = set(layout.columns.values())
    if not own or any(cell.column in known for cell in own):
        return False
    anchors = [cell.column for cell in own]
    return not any(column == 1 or anchors.count(column) > 1 for column in anchors)


def _unread_line(cells, layout, row) -> str:
    own = {cell.column: cell for cell in cells if cell.text and cell.row == row}.values()
    where = "、".join(f"「{layout.unknown.get(cell.column, cell.column)}」列「{one_line(cell.text)[:40]}」" for cell in own)
    return f"第 {row} 行只在未识别的列中有内容，未读作措施：{where}"


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
    return marker.label.strip("（()）"), one_line((rest + " " + title).strip())


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


def _outline_rows(sheet, layout, file_name, unread):
    """The measures of a ledger read by its numbering (see ``tasks.ledgerfiles.outline``)."""
    shared = Shared()
    text_key = next(key for key in ("measure", "item", "task_title") if key in layout.columns)
    number_key = _number_key(layout)
    value_columns = _value_columns(layout)
    entries = []
    for index, cells in _data_rows(sheet, layout):
        row = RowReader(index + 1, cells, layout, sheet.name, file_name, shared)
        number_cell = row.own(number_key) if number_key else None
        text_cell = row.own(text_key)
        texts = _distinct_texts(cells)
        has_values = any(cells[n - 1].text and cells[n - 1].row == index + 1 for n in value_columns if n <= len(cells))
        if number_cell is None and text_cell is None and _only_unknown_text(cells, layout, index + 1):
            unread.append(_unread_line(cells, layout, index + 1))
            continue
        if number_cell is not None:
            marker, rest = read_marker(number_cell.text)
            text = text_cell.text if text_cell is not None and text_cell is not number_cell else rest
        elif text_cell is not None or len(texts) == 1:
            marker, text = read_marker(text_cell.text if text_cell else texts[0])
        else:
            continue
        entries.append((row, marker, has_values, text, text_cell or first_filled(cells)))
    kinds = outline_levels([(marker, has_values) for _row, marker, has_values, _text, _cell in entries])
    context = RowContext()
    counts = {"section": 0, "task": 0, "item": 0}
    for (row, marker, _has_values, text, cell), kind in zip(entries, kinds):
        label = marker.label if marker else ""
        kind, _, own_measure = kind.partition("+")
        if kind == "section":
            counts.update(section=counts["section"] + 1, task=0, item=0)
            context = RowContext(label.strip("（()）") or str(counts["section"]), one_line(text), section_cell=cell)
        elif kind == "task":
            counts.update(task=counts["task"] + 1, item=0)
            context.start_task(counts["task"], row.own(number_key) or cell, one_line(text), cell, label)
        elif kind == "item":
            counts["item"] += 1
            context.item = Item(counts["item"], one_line(text), row.cell("upstream_deadline"), cell, label=label)
        if kind != "measure" and not own_measure:
            row._carry(context)
            continue
        if context.item is None:
            context.item = Item(None, "", row.cell("upstream_deadline"), _Cell("", row.row, 0))
        row._carry(context)
        measures = split_labelled_measures(text)
        if len(measures) == 1:
            measures = [(None, "" if own_measure else label, measures[0][2])]
        numbered = number_measures(measures, context.item.measures)
        cells = row._cells(context)
        for number, measure_label, measure_text in numbered:
            context.item.measures = max(context.item.measures, number)
            yield row._measure_row(context, number, measure_text, cells, measure_label)
