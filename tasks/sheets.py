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
from tasks.ledgerfiles.grid import Sheet as _Sheet
from tasks.ledgerfiles.limits import WorkbookLimits, check_row_count
from tasks.ledgerfiles.reading import read_sheets
from tasks.units import split_units

HEADER_SCAN_ROWS = 20

CIRCLED_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
CHINESE_NUMERALS = "一二三四五六七八九十百零〇"
DONE_WORDS = {"已完成", "完成", "是", "✓", "√", "✔", "y", "yes", "done"}

# Header text (normalised: half width, no spaces, no parenthetical suffix) → field key.
# The first matching pattern wins, so the specific ones come first.
HEADER_PATTERNS = (
    ("measure_number", r"措施(序号|编号)"),
    ("upstream_deadline", r"(省政府|省级|省|上级)(完成)?时限"),
    ("done", r"已完成(任务)?|完成情况|是否完成"),
    ("deadline:{}", r"(\d{4})年度?(完成)?(任务)?(时限|时间|时间节点|期限)"),
    ("result:{}", r"(\d{4})年度?完成(任务|情况)"),
    ("task_number", r"(任务)?(序号|编号)"),
    ("task_title", r".*(重点任务|工作任务|主要任务)|任务|任务名称"),
    ("item", r"具体要求|工作举措|工作要求|任务内容|工作内容|具体任务"),
    ("measure", r".*措施"),
    ("lead", r"牵头(单位|部门|科室)"),
    ("responsible", r"责任(部门|单位|科室|处室|主体)|配合(单位|部门)"),
    ("person", r"负责人|责任人|联络员|联系人"),
    ("deadline", r"(完成)?(时限|时间|期限)|时间节点"),
)
TEXT_KEYS = ("task_title", "item", "measure")
SECOND_KEYS = ("lead", "responsible", "deadline", "upstream_deadline")
LOOKED_FOR = "序号、重点任务/工作任务、具体要求、落实工作措施、牵头单位、责任部门/责任单位、完成时限"
# Within a task, a blank cell in these columns continues the value above.
CARRIED_KEYS = ("lead", "responsible", "deadline")

_SECTION = re.compile(
    rf"^\s*(?:第([{CHINESE_NUMERALS}]+)部分|[（(]([{CHINESE_NUMERALS}]+)[)）]|([{CHINESE_NUMERALS}]+)[、.．])\s*(.*)$",
    re.S,
)
_ITEM_MARKER = re.compile(r"^\s*(?:[（(]\s*(\d+)\s*[)）]|(\d+)\s*[.、．](?!\d))\s*")
_GLUED_ITEM = re.compile(r"^(.*?\S)\s*[（(]\s*(\d+)\s*[)）]\s*(\S.*)$", re.S)
_LIST_MARKER = re.compile(r"^[ \t]*(?:[（(]\s*(\d+)\s*[)）]|(\d+)\s*[.、．](?!\d))", re.M)
_CIRCLED = re.compile(f"[{CIRCLED_NUMBERS}]")
_ATTACHMENT = re.compile(r"^附件\s*\d*[:：]?$")
_YEAR_RANGE = re.compile(r"(\d{4})\s*年?\s*[—–\-~～至到－]+\s*(\d{4})")
_YEAR = re.compile(r"(\d{4})\s*年")
_PARENTHETICAL = re.compile(r"[（(].*?[)）]")
_KEY_SEPARATORS = " \t\n,，;；、"


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


@dataclass
class Ledger:
    file: str
    sheet: str
    title: str
    header_row: int
    columns: dict[str, int]
    unknown_columns: list[str]
    years: list[int]
    title_years: list[int]
    rows: list[MeasureRow]



@dataclass
class _Layout:
    header_row: int  # 1-based
    columns: dict[str, int]  # field key → 1-based column
    headers: dict[int, str]  # 1-based column → header text as written
    unknown: dict[int, str]  # 1-based column → unique header text for MeasureRow.extra


@dataclass
class _Item:
    number: int | None
    text: str
    upstream: _Cell
    cell: _Cell
    measures: int = 0


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

    def start_task(self, number, number_cell, title, title_cell):
        self.task_number, self.task_number_cell = number, number_cell
        self.task_title, self.task_cell = title, title_cell
        self.item = None
        self.carried = {}


# ---------------------------------------------------------------- public entry point


def read_ledger(source, *, file_name=None, column_map=None, limits=WorkbookLimits()) -> Ledger:
    """Read the ledger in `source` (path, binary file object or bytes), refused unless within `limits`."""
    file_name = file_name or _source_name(source)
    data = _read_bytes(source, file_name)
    sheets = read_sheets(data, file_name, limits)
    del data
    sheet, layout = _find_layout(sheets, _normalise_column_map(column_map, file_name), file_name)
    check_row_count(len(sheet.grid), file_name, sheet.name, limits)
    rows = list(_measure_rows(sheet, layout, file_name))
    title = _title(sheet, layout.header_row)
    return Ledger(
        file=file_name,
        sheet=sheet.name,
        title=title,
        header_row=layout.header_row,
        columns=dict(layout.columns),
        unknown_columns=list(layout.unknown.values()),
        years=sorted({int(key.split(":")[1]) for key in layout.columns if ":" in key}),
        title_years=title_years(title),
        rows=rows,
    )


def title_years(title: str) -> list[int]:
    """Years a title names: `(2023—2025年)` → [2023, 2024, 2025]; `2016年…` → [2016]."""
    span = _YEAR_RANGE.search(title)
    if span:
        first, last = int(span.group(1)), int(span.group(2))
        if first <= last:
            return list(range(first, last + 1))
    return sorted({int(year) for year in _YEAR.findall(title)})


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


# ---------------------------------------------------------------- header


@lru_cache(maxsize=4096)
def _normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _PARENTHETICAL.sub("", text)
    return re.sub(r"\s+", "", text)


def _normalise_column_map(column_map, file_name) -> dict[str, str]:
    known = {key for key, _ in HEADER_PATTERNS if "{}" not in key}
    normalised = {}
    for header, key in (column_map or {}).items():
        if key not in known and not re.fullmatch(r"(deadline|result):\d{4}", key):
            raise LedgerError(f"列映射「{header}」→「{key}」：没有这个字段", file=file_name, column=header)
        normalised[_normalise_header(header)] = key
    return normalised


def _header_key(text: str, column_map: dict[str, str]) -> str | None:
    name = _normalise_header(text)
    if not name:
        return None
    if name in column_map:
        return column_map[name]
    for key, pattern in HEADER_PATTERNS:
        match = re.fullmatch(pattern, name)
        if match:
            return key.format(match.group(1)) if "{}" in key else key
    return None


def _find_layout(sheets, column_map, file_name) -> tuple[_Sheet, _Layout]:
    """The sheet and header row with the most recognised column names."""
    best = None
    for sheet in sheets:
        for index, cells in enumerate(sheet.grid[:HEADER_SCAN_ROWS]):
            keys = {_header_key(cell.text, column_map) for cell in cells} - {None}
            score = (_is_complete(keys), len(keys))
            if len(keys) >= 2 and (best is None or score > best[0]):
                best = (score, sheet, index)
    if best is None:
        tried = "、".join(f"「{sheet.name}」" for sheet in sheets) or "（无）"
        raise LedgerError(f"没有找到台账表头。已查看工作表 {tried}；需要的列：{LOOKED_FOR}", file=file_name)
    (complete, _), sheet, index = best
    layout = _layout(sheet, index, column_map)
    if not complete:
        raise LedgerError(
            f"表头缺少必需的列：{_missing_columns(layout.columns)}",
            file=file_name, sheet=sheet.name, row=index + 1,
        )
    return sheet, layout


def _is_complete(keys) -> bool:
    has_text = any(key in keys for key in TEXT_KEYS)
    has_second = any(key.split(":")[0] in SECOND_KEYS for key in keys)
    return has_text and has_second


def _missing_columns(columns) -> str:
    missing = []
    if not any(key in columns for key in TEXT_KEYS):
        missing.append("重点任务/具体要求/落实工作措施")
    if not any(key.split(":")[0] in SECOND_KEYS for key in columns):
        missing.append("责任部门/牵头单位/完成时限")
    return "、".join(missing)


def _layout(sheet, index, column_map) -> _Layout:
    header_cells = sheet.grid[index]
    columns, headers, unknown = {}, {}, {}
    for position, cell in enumerate(header_cells):
        number = position + 1
        if not cell.text:
            continue
        headers[number] = cell.text
        key = _header_key(cell.text, column_map)
        if cell.column != number:  # second column under a header merged across two
            key = _second_column_key(columns, key, sheet.grid, index, number)
        if key and key not in columns:
            columns[key] = number
        else:
            unknown[number] = _unique_name(cell.text, unknown.values(), number)
    return _Layout(index + 1, columns, headers, unknown)


def _second_column_key(columns, key, grid, header_index, number) -> str | None:
    """A header merged over two columns covers [number or title, text]: decide by content."""
    if columns.get(key) != number - 1:
        return None
    first = _column_texts(grid, header_index, number - 1)
    second = _column_texts(grid, header_index, number)
    if key in ("task_number", "task_title") and _mostly(first, str.isdigit):
        if "task_number" not in columns:
            del columns[key]
            columns["task_number"] = number - 1
            return "task_title"
    if key == "task_title" or _mostly(second, lambda text: bool(_ITEM_MARKER.match(text))):
        return "item"
    return None


def _column_texts(grid, header_index, number) -> list[str]:
    texts = (row[number - 1] for row in grid[header_index + 1:] if number - 1 < len(row))
    return [cell.text for cell in texts if cell.text and cell.column == number]


def _mostly(texts, predicate) -> bool:
    return bool(texts) and sum(map(predicate, texts)) * 2 > len(texts)


def _unique_name(text, taken, number) -> str:
    return text if text not in taken else f"{text}（第{number}列）"


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
    same = sum(
        1 for number, text in layout.headers.items()
        if number <= len(cells)
        and len(cells[number - 1].text) <= 2 * len(text) + 10
        and _normalise_header(cells[number - 1].text) == _normalise_header(text)
    )
    return same * 2 > len(layout.headers)


def _measure_rows(sheet, layout, file_name):
    context = _Context()
    shared = _Shared()
    for index in range(layout.header_row, len(sheet.grid)):
        cells = sheet.grid[index]
        if not _distinct_texts(cells) or _is_repeated_header(cells, layout):
            continue
        section = _section(cells)
        if section:
            context = _Context(*section, section_cell=_first_filled(cells))
        elif not _is_banner(cells):
            row = _RowReader(index + 1, cells, layout, sheet.name, file_name, shared)
            yield from row.measures(context)


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
        for number, text in texts:
            context.item.measures = max(context.item.measures, number)
            yield self._measure_row(context, number, text, cells)

    def _read_task(self, context) -> str:
        """Update the task from 序号 and title; return an item glued onto a title of this row."""
        number_cell, title_cell = self.cell("task_number"), self.cell("task_title")
        number = _to_int(number_cell.text) if number_cell else context.task_number
        title, glued_item = _split_glued_item(title_cell.text)
        title = _one_line(title) if title_cell else context.task_title
        if number != context.task_number or title != context.task_title:
            context.start_task(
                number, number_cell or context.task_number_cell, title, title_cell or context.task_cell
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
        number, text = _split_item_marker(_one_line(text))
        context.item = _Item(number, text, self.cell("upstream_deadline"), cell)
        return True

    def _carry(self, context):
        for key in CARRIED_KEYS:
            if self.cell(key):
                context.carried[key] = self.cell(key)

    def _measure_texts(self, context, new_item) -> list[tuple[int, str]]:
        """(number, text) of each measure this row holds."""
        measure_cell = self.own("measure")
        number_cell = self.cell("measure_number")
        if measure_cell and number_cell:
            return [(self._measure_number(number_cell), _strip_measure_marker(measure_cell.text))]
        if measure_cell:
            return _number_measures(split_measures(measure_cell.text), context.item.measures)
        if new_item:
            text = context.item.text or context.task_title
            return [(self._measure_number(number_cell) if number_cell else 1, text)]
        if not self.layout.columns.keys() & {"item", "measure"} and self.own("task_title"):
            context.item = _Item(None, "", self.cell("upstream_deadline"), self.cell("item"))
            return [(1, context.task_title)]
        return []

    def _measure_number(self, cell) -> int:
        number = _to_int(cell.text)
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

    def _measure_row(self, context, number, text, cells) -> MeasureRow:
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
            done=_is_done(self.cell("done").text, number) if "done" in self.layout.columns else None,
            extra=self.shared.same("extra", {
                name: self.cells[column - 1].text for column, name in self.layout.unknown.items() if column <= len(self.cells)
            }),
            cells=cells,
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


# ---------------------------------------------------------------- items and measures


def _split_item_marker(text: str) -> tuple[int | None, str]:
    """`(1) 各级…` → (1, "各级…"); text without a marker → (None, text)."""
    match = _ITEM_MARKER.match(text)
    if not match:
        return None, text.strip()
    return int(match.group(1) or match.group(2)), text[match.end():].strip()


def _split_glued_item(title: str) -> tuple[str, str]:
    """`建立健全…体系。 (31) 强化…` → ("建立健全…体系。", "(31) 强化…")."""
    match = _GLUED_ITEM.match(title)
    if not match:
        return title, ""
    return match.group(1).strip(), title[match.start(2) - 1:].strip()


def split_measures(text: str) -> list[tuple[int | None, str]]:
    """Split a measure cell on circled numbers, else on ≥2 line-leading list markers.

    Returns (number, text) pairs, the number None for a single unnumbered measure.
    Text before the first marker joins the first measure.
    """
    markers = list(_CIRCLED.finditer(text))
    if not markers:
        listed = list(_LIST_MARKER.finditer(text))
        markers = listed if len(listed) >= 2 else []
    if not markers:
        return [(None, text.strip())]
    measures = [(_marker_number(marker), segment) for marker, segment in _segments(text, markers)]
    preamble = text[: markers[0].start()].strip(_KEY_SEPARATORS)
    if preamble:
        number, first = measures[0]
        measures[0] = (number, f"{preamble} {first}".strip())
    return measures


def _marker_number(marker) -> int:
    if marker.group()[0] in CIRCLED_NUMBERS:
        return CIRCLED_NUMBERS.index(marker.group()[0]) + 1
    return int(marker.group(1) or marker.group(2))


def _segments(text, markers):
    """Each marker with the text after it up to the next marker."""
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        yield marker, text[marker.end():end].strip(_KEY_SEPARATORS)


def _number_measures(measures, previous) -> list[tuple[int, str]]:
    """Give unnumbered measures the next number after those the item already has."""
    numbered = []
    for number, text in measures:
        if number is None:
            number = max([previous] + [n for n, _ in numbered]) + 1
        numbered.append((number, text))
    return numbered


def _strip_measure_marker(text: str) -> str:
    (_, measure), *rest = split_measures(text)
    return measure if not rest else text.strip()


@lru_cache(maxsize=4096)
def keyed_values(text: str) -> dict[int, str] | None:
    """`① 11月30日 ② 6月30日` → {1: "11月30日", 2: "6月30日"}; None if the cell has no keys.

    Cached: a cell shared by several measures is split once (do not change the dict returned)."""
    markers = list(_CIRCLED.finditer(text))
    if not markers:
        return None
    return {_marker_number(marker): segment for marker, segment in _segments(text, markers)}


def measure_value(text: str, number: int) -> str:
    """The part of a cell for measure `number`: its keyed value, or the whole unkeyed cell."""
    keyed = keyed_values(text)
    return text if keyed is None else keyed.get(number, "")


def _is_done(text: str, number: int) -> bool:
    keyed = keyed_values(text)
    if keyed is None:
        return _means_done(text)
    return number in keyed and (keyed[number] == "" or _means_done(keyed[number]))


def _means_done(text: str) -> bool:
    return text.strip().lower() in DONE_WORDS
