"""Finding a ledger's header and reading each column as a field, with the reason why.

Header cells are written many ways: with a level in front (省政府重点任务, 市级落实措施, 本单位…),
spaces and line breaks inside (序　号, 责任\\n单位), notes in brackets, synonyms, and over two or
three rows with group cells merged across (责任分工 over 牵头单位 | 责任单位, 完成时限 over 2024年 |
2025年). A name is normalised (NFKC, no spaces or breaks, no bracketed notes), then read by
keywords; a column whose name says nothing is judged by what it holds (deadline phrases, unit
names, short person names). Every decision is a ``ColumnReading`` that says why, so the import
report and the admin preview can show it, and a column read as nothing is kept as extra data.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from tasks.deadlines.milestones import needs_review
from tasks.deadlines.phrases import parse_deadline

from .errors import LedgerError

#: Rows from the top of a sheet where a header may start, and how many rows it may span.
HEADER_SCAN_ROWS = 25
HEADER_DEPTH = 3
#: A header cell is short; a longer text is data, never a header.
HEADER_MAX_LENGTH = 24

#: Every field a column can be read as; ``deadline:NNNN`` and ``result:NNNN`` name a year.
FIELDS = (
    "task_number", "task_title", "item", "upstream_deadline", "measure", "measure_number",
    "lead", "responsible", "person", "deadline", "done",
)
FIELD_NAMES = {
    "task_number": "序号", "task_title": "任务", "item": "具体要求", "upstream_deadline": "上级完成时限",
    "measure": "工作措施", "measure_number": "措施编号", "lead": "牵头单位", "responsible": "责任单位",
    "person": "负责人", "deadline": "完成时限", "done": "已完成", "deadline:": "年完成时限", "result:": "年完成情况",
}
TEXT_FIELDS = ("task_title", "item", "measure")
SECOND_FIELDS = ("lead", "responsible", "deadline", "upstream_deadline")
LOOKED_FOR = "序号、重点任务/工作任务、具体要求、落实工作措施、牵头单位、责任部门/责任单位、负责人、完成时限"

_BRACKETED = re.compile(r"[（(\[【〔][^（()）\]】〕]*[)）\]】〕]")
_UPPER_LEVEL = re.compile(r"^(省政府|省委|省级|省|上级|国家|中央)")
_LEVEL = re.compile(r"^(省政府|省委|省级|省|市政府|市委|市级|市|县政府|县委|县级|县|区政府|区级|区|乡镇|本单位|本部门|上级|我省|我市|我县|我区)")
_YEAR = re.compile(r"(20\d{2})")
_BARE_YEAR = re.compile(r"^(20\d{2})年?度?$")
_LABELLED = re.compile(r"[:：]\s*\S")  # 填报单位：某局 is a line above the header, not a header cell

# (field, pattern searched in the normalised name). The first that matches wins, so the specific come first.
_RULES = (
    ("measure_number", re.compile(r"措施(序号|编号)|^子项(序号|编号)?$")),
    ("task_number", re.compile(r"^(任务|项目|工作)?(序号|编号|序|号|次序)$")),
    ("done", re.compile(r"^(是否)?已?完成(任务|情况|与否)?$|^是否完成|^已完成|^完成标记$|^(是否)?办结$")),
    ("person", re.compile(r"负责人|责任人|联络员|联系人|经办人|领导")),
    ("lead", re.compile(r"牵头|主责(单位|部门)|主办(单位|部门)")),
    ("responsible", re.compile(r"责任(部门|单位|科室|处室|主体|股室|科|处)|配合|协办|协同|参与(单位|部门)|承办|实施(单位|主体|部门)|责任分工|落实(单位|部门)|^(单位|部门)$")),
    ("deadline", re.compile(r"时限|时间|期限|节点|截止|完成日期|进度安排")),
    ("measure", re.compile(r"措施|(主要|重点|具体|推进|落实|保障)举措")),
    ("item", re.compile(r"具体要求|工作要求|任务内容|工作内容|具体任务|主要内容|工作举措|任务要求|目标要求|具体内容|^内容$")),
    ("task_title", re.compile(r"任务|事项|项目|重点工作|工作名称")),
)
_YEAR_KINDS = (
    ("deadline", re.compile(r"时限|时间|期限|节点|截止|日期")),
    ("result", re.compile(r"完成|进展|进度|成效|情况|结果")),
)

_UNIT_END = re.compile(r"(局|委|办|厅|科|室|处|股|中心|政府|院|所|队|站|会|部|馆|公司|集团|组|社|行|署|台|校|党委|党组|法院|检察院)$")
_UNIT_SPLIT = re.compile(r"[、，,；;\s]+")
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


@dataclass(frozen=True)
class ColumnReading:
    """How one column was read: the field (None: kept as extra data) and why."""

    column: int  # 1-based
    header: str  # the header as written, the rows of a multi-row header joined with " / "
    field: str | None
    reason: str

    @property
    def field_name(self) -> str:
        return field_name(self.field)


def mapping_key(reading) -> str:
    """What a column mapping names this column by: its header rows joined, normalised ("" for a column with no header)."""
    return normalise("".join(reading.header.split(" / "))) if reading.header else ""


def unmatched_headers(column_map, readings) -> list[str]:
    """The headers of a mapping by hand that name no column of the header read."""
    names = set()
    for reading in readings:
        if reading.header:
            names |= {mapping_key(reading), normalise(reading.header.split(" / ")[-1])}
    return [header for header in column_map if normalise(header) not in names]


def reading_lines(readings) -> list[str]:
    """One line per column for an import report: ``第 4 列「牵头\n单位」→ 牵头单位（表头“牵头”）``."""
    return [
        f"第 {reading.column} 列「{' '.join(reading.header.split())}」→ {reading.field_name}（{reading.reason}）"
        for reading in readings
    ]


@dataclass
class Header:
    """The header of a ledger sheet: where it is and what each column holds."""

    first_row: int  # 1-based, the header's top row
    last_row: int  # 1-based, the header's bottom row (data starts below it)
    columns: dict[str, int]  # field → 1-based column
    headers: dict[int, str]  # 1-based column → the header text of its bottom row
    unknown: dict[int, str]  # 1-based column → a unique name for MeasureRow.extra
    readings: list[ColumnReading] = field(default_factory=list)
    row_texts: list[tuple[str, ...]] = field(default_factory=list)  # normalised texts of each header row


def field_name(key: str | None) -> str:
    """``deadline:2024`` → 2024年完成时限; ``lead`` → 牵头单位; None → 其他列."""
    if key is None:
        return "其他列（保留）"
    name, _, year = key.partition(":")
    return f"{year}{FIELD_NAMES[name + ':']}" if year else FIELD_NAMES[name]


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Half width, no spaces or line breaks, no notes in brackets: ``责任\\n单位（盖章）`` → ``责任单位``."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    stripped = _BRACKETED.sub("", text)
    return stripped or text


def read_name(text: str) -> tuple[str | None, str]:
    """The field a header name means, and the words that decided it (``(None, "")`` if none)."""
    name = normalise(text)
    if not name or len(name) > HEADER_MAX_LENGTH:
        return None, ""
    year = _YEAR.search(name)
    if year:
        if _BARE_YEAR.match(name):
            return f"deadline:{year.group(1)}", f"只有年度「{year.group(1)}」，按该年完成时限读"
        for kind, pattern in _YEAR_KINDS:
            word = pattern.search(name)
            if word:
                return f"{kind}:{year.group(1)}", f"年度「{year.group(1)}」和“{word.group(0)}”"
    for key, pattern in _RULES:
        word = pattern.search(name)
        if word:
            if key == "deadline" and _UPPER_LEVEL.match(name):
                return "upstream_deadline", f"上级“{_UPPER_LEVEL.match(name).group(0)}”的“{word.group(0)}”"
            return key, f"“{word.group(0)}”"
    return None, ""


def valid_field(key: str) -> bool:
    """A field a column can be read as: one of ``FIELDS`` or ``deadline:NNNN`` / ``result:NNNN``."""
    return key in FIELDS or bool(re.fullmatch(r"(deadline|result):\d{4}", key))


def normalise_column_map(column_map, file_name) -> dict[str, str]:
    """A mapping given by hand, header → field (or ``extra``: keep as extra data), checked and keyed by the normalised header."""
    normalised = {}
    for header, key in (column_map or {}).items():
        if not valid_field(key) and key != "extra":
            raise LedgerError(f"列映射「{header}」→「{key}」：没有这个字段", file=file_name, column=header)
        normalised[normalise(header)] = key
    return normalised


# ---------------------------------------------------------------- finding the header


def find_header(sheets, column_map, file_name):
    """The sheet and header with the most fields read; ``LedgerError`` naming what was looked at."""
    best = None
    for sheet in sheets:
        for start in range(min(HEADER_SCAN_ROWS, len(sheet.grid))):
            for depth in range(1, HEADER_DEPTH + 1):
                names = _column_names(sheet.grid, start, depth)
                if names is None:
                    break
                read = [_read_column(name, column_map) for name in names.values()]
                fields = {key for key, _why in read} - {None, "extra"}
                if len(fields) < 2:
                    continue
                # the rows a mapping by hand names its columns by are the header it was made for
                mapped = sum(1 for _key, why in read if why.startswith("按列映射"))
                score = (_is_complete(fields), mapped, len(fields), -start, -depth)
                if best is None or score > best[0]:
                    best = (score, sheet, start, depth)
    if best is None:
        tried = "、".join(f"「{sheet.name}」" for sheet in sheets) or "（无）"
        raise LedgerError(f"没有找到台账表头。已查看工作表 {tried} 的前 {HEADER_SCAN_ROWS} 行；需要的列：{LOOKED_FOR}", file=file_name)
    _score, sheet, start, depth = best
    header = _header(sheet.grid, start, depth, column_map)
    if not _is_complete(header.columns):
        found = "、".join(f"「{r.header}」→{r.field_name}" for r in header.readings if r.field) or "无"
        raise LedgerError(
            f"表头缺少必需的列：{missing_fields(header.columns)}。已识别：{found}",
            file=file_name, sheet=sheet.name, row=start + 1,
        )
    return sheet, header


def _is_complete(fields) -> bool:
    return any(key in fields for key in TEXT_FIELDS) and any(key.split(":")[0] in SECOND_FIELDS for key in fields)


def missing_fields(columns) -> str:
    missing = []
    if not any(key in columns for key in TEXT_FIELDS):
        missing.append("重点任务/具体要求/落实工作措施")
    if not any(key.split(":")[0] in SECOND_FIELDS for key in columns):
        missing.append("责任部门/牵头单位/完成时限")
    return "、".join(missing)


def _column_names(grid, start, depth) -> dict[int, list[str]] | None:
    """Each column's header texts over ``depth`` rows from ``start`` (top first, each once), or None
    when a row of the window cannot be part of a header (past the sheet, or holding data)."""
    if start + depth > len(grid):
        return None
    rows = grid[start : start + depth]
    if not any(len(cell.text) <= HEADER_MAX_LENGTH and cell.text for cell in rows[0]):
        return None
    if depth > 1 and not all(_header_like(row, rows[index - 1] if index else None) for index, row in enumerate(rows)):
        return None
    names = {}
    for index in range(max(len(row) for row in rows)):
        texts = []
        for row in rows:
            cell = row[index] if index < len(row) else None
            if cell is not None and cell.text and cell.text not in texts:
                texts.append(cell.text)
        if texts:
            names[index + 1] = texts
    return names


def _header_like(row, above) -> bool:
    """A row of a header over several rows: short texts, most of those it adds (not merged down
    from ``above``) names or years. A title row or a data row is none."""
    texts = {cell.text for cell in row if cell.text}
    if above is None:
        new = texts
    else:
        new = {cell.text for index, cell in enumerate(row) if cell.text and not (index < len(above) and cell is above[index])}
    if len(texts) < 2 or not new or any(len(text) > HEADER_MAX_LENGTH or _LABELLED.search(text) for text in texts):
        return False  # a title, a note, a 填报单位：… line or data
    read = sum(1 for text in new if read_name(text)[0])
    return read * 2 > len(new)


def _read_column(texts, column_map) -> tuple[str | None, str]:
    """The field of a column from its header texts (top to bottom): the bottom name, else with the group above.

    A mapping by hand names a column by all its header rows (``完成时限2024年``) or by its bottom one
    (``2024年``), never by a group cell above it, which other columns share."""
    joined = "".join(texts)
    for text in (joined, texts[-1]):
        if normalise(text) in column_map:
            return column_map[normalise(text)], f"按列映射「{text}」"
    key, why = read_name(texts[-1])
    if len(texts) > 1 and (key is None or _BARE_YEAR.match(normalise(texts[-1]))):
        combined, combined_why = read_name(joined)
        if combined:
            return combined, combined_why
    if key is None and len(texts) > 1:
        return read_name(texts[0])
    return key, why


def _header(grid, start, depth, column_map) -> Header:
    rows = grid[start : start + depth]
    names = _column_names(grid, start, depth)
    bottom = rows[-1]
    columns, headers, unknown, readings = {}, {}, {}, []
    for number, texts in names.items():
        key, why = _read_column(texts, column_map)
        cell = bottom[number - 1] if number - 1 < len(bottom) else None
        headers[number] = texts[-1]
        written = " / ".join(texts)
        if cell is not None and cell.column != number and cell.row == start + depth:
            key, why = _second_column(columns, key, grid, start + depth - 1, number), "与左列合并的表头，按内容判断"
        if key == "extra":
            readings.append(ColumnReading(number, written, None, "按列映射保留为其他列"))
        elif key and key not in columns:
            columns[key] = number
            readings.append(ColumnReading(number, written, key, f"表头{why}" if not why.startswith("按") else why))
        else:
            reason = f"「{field_name(key)}」已由第 {columns[key]} 列读取" if key else "表头未识别"
            readings.append(ColumnReading(number, written, None, reason))
    _read_blank_headed(grid, start + depth - 1, names, columns, headers, readings)
    _read_by_content(grid, start + depth, columns, readings, column_map)
    _lone_text_is_measure(columns, readings)
    _resolve_upstream(columns, readings)
    readings.sort(key=lambda reading: reading.column)
    for reading in readings:
        if reading.field is None:
            unknown[reading.column] = _unique_name(headers[reading.column], unknown.values(), reading.column)
    return Header(
        first_row=start + 1,
        last_row=start + depth,
        columns=columns,
        headers=headers,
        unknown=unknown,
        readings=readings,
        row_texts=[tuple(normalise(cell.text) for cell in row) for row in rows],
    )


def _read_blank_headed(grid, header_index, names, columns, headers, readings):
    """A column with no header text right of a named one, holding data: the named header once
    spanned both (merged cells saved as CSV lose the merge), so it is read as ``_second_column``."""
    width = max((len(row) for row in grid[header_index + 1 :]), default=0)
    for number in range(2, width + 1):
        if number in names or number - 1 not in names or not column_texts(grid, header_index, number, limit=1):
            continue
        left = next((key for key, column in columns.items() if column == number - 1), None)
        key = _second_column(columns, left, grid, header_index, number)
        if key and key not in columns:
            columns[key] = number
            headers[number] = ""
            readings.append(ColumnReading(number, "", key, f"表头空白，与左列「{headers[number - 1]}」同组，按内容判断"))


def _second_column(columns, key, grid, header_index, number) -> str | None:
    """A header merged over two columns covers [number or title, text]: decide by content."""
    if columns.get(key) != number - 1:
        return None
    first = column_texts(grid, header_index, number - 1)
    second = column_texts(grid, header_index, number)
    if key in ("task_number", "task_title") and _mostly(first, str.isdigit):
        if "task_number" not in columns:
            del columns[key]
            columns["task_number"] = number - 1
            return "task_title"
    if key == "task_title" or _mostly(second, lambda text: bool(re.match(r"^\s*(?:[（(]\s*\d+\s*[)）]|\d+\s*[.、．](?!\d))", text))):
        return "item"
    return None


def column_texts(grid, header_index, number, limit=None) -> list[str]:
    """The texts a column holds below the header row at ``header_index`` (0-based)."""
    texts = []
    for row in grid[header_index + 1 :]:
        cell = row[number - 1] if number - 1 < len(row) else None
        if cell is not None and cell.text and cell.column == number:
            texts.append(cell.text)
            if limit and len(texts) >= limit:
                break
    return texts


def _mostly(texts, predicate, share=0.5) -> bool:
    return bool(texts) and sum(map(predicate, texts)) > share * len(texts)


def _read_by_content(grid, data_index, columns, readings, column_map):
    """Columns whose name said nothing, judged by what they hold: deadlines, units, persons."""
    def is_deadline(text):
        milestones = parse_deadline(text, 2024)
        return bool(milestones) and not needs_review(milestones)

    def is_units(text):
        names = [name for name in _UNIT_SPLIT.split(text) if name]
        return bool(names) and all(_UNIT_END.search(name) for name in names)

    def is_person(text):
        names = [name for name in _UNIT_SPLIT.split(text) if name]
        return bool(names) and all(_PERSON.match(name) and not _UNIT_END.search(name) for name in names)

    tests = (
        ("deadline", is_deadline, "完成时限短语"),
        ("responsible", is_units, "单位名称"),
        ("lead", is_units, "单位名称"),
        ("person", is_person, "人名"),
    )
    for index, reading in enumerate(readings):
        if reading.field is not None or reading.reason.startswith("按列映射") or "已由" in reading.reason:
            continue
        own = set(reading.header.split(" / "))
        texts = [text for text in column_texts(grid, data_index - 1, reading.column, limit=200) if text not in own]
        for key, test, what in tests:
            if key in columns or not texts:
                continue
            hits = sum(1 for text in texts if test(text))
            if hits >= 0.7 * len(texts) and hits >= 3:
                columns[key] = reading.column
                readings[index] = ColumnReading(
                    reading.column, reading.header, key, f"表头未识别，按列内容：{hits}/{len(texts)} 个单元格是{what}"
                )
                break


def _lone_text_is_measure(columns, readings):
    """A ledger whose one text column is 工作事项, 重点项目… lists measures: that column is their text."""
    texts = [key for key in TEXT_FIELDS if key in columns]
    if texts != ["task_title"]:
        return
    reading = next(reading for reading in readings if reading.column == columns["task_title"])
    if "任务" in normalise(reading.header.split(" / ")[-1]):
        return  # 重点任务 alone: one measure per task, the task's title its text (as the ledger writes it)
    number = columns.pop("task_title")
    columns["measure"] = number
    if "task_number" in columns and "measure_number" not in columns:
        columns["measure_number"] = columns.pop("task_number")
    _relabel(readings, number, "measure", "唯一的文字列，作为工作措施")
    if "measure_number" in columns:
        _relabel(readings, columns["measure_number"], "measure_number", "唯一文字列的编号，作为措施编号")


def _resolve_upstream(columns, readings):
    """An upper level's deadline (省政府完成时限) is the upstream one only beside a deadline of this ledger's own."""
    if "upstream_deadline" in columns and not any(key.split(":")[0] == "deadline" for key in columns):
        number = columns.pop("upstream_deadline")
        columns["deadline"] = number
        _relabel(readings, number, "deadline", "唯一的完成时限列")


def _relabel(readings, column, key, why):
    for index, reading in enumerate(readings):
        if reading.column == column:
            readings[index] = ColumnReading(column, reading.header, key, f"{reading.reason}；{why}")


def _unique_name(text, taken, number) -> str:
    return text if text not in taken else f"{text}（第{number}列）"
