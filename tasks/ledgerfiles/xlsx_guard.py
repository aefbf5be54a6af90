"""Check an .xlsx workbook before any spreadsheet reader sees it.

Pure Python, no Django. Everything here works from the zip directory and a bounded stream
of each part, so a hostile file is refused before it is expanded:

- the zip checks every package gets (``zip_guard``: entries, sizes, ratios, encryption, DTDs
  and entities in every XML part's prolog);
- a zip that is not an .xlsx (no ``xl/workbook.xml``);
- worksheets whose cells, rows, merged ranges or declared ``<dimension>`` reach past the row
  and column limits (one cell at XFD1048576 would make a reader build a grid of 17 billion
  cells).

Every refusal is a ``LedgerError`` naming the file, and the sheet where one applies.
"""

import re
import zipfile

from .errors import LedgerError
from .limits import WorkbookLimits
from .zip_guard import check_prologs, open_package

WORKBOOK_PART = "xl/workbook.xml"

_CHUNK = 256 * 1024
_HEAD_LIMIT = 256 * 1024
# Cell and row references (r="B12", r="12") and ranges (ref="A1:XFD1048576") in a worksheet part.
_REFERENCE = re.compile(rb'\s(?:r|ref)="([A-Z]{0,3})(\d{1,9})(?::([A-Z]{0,3})(\d{1,9}))?"')
_SHEET_NAME = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"|<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_RELATIONSHIP = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def check_workbook(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()) -> None:
    """Raise ``LedgerError`` unless ``data`` is an .xlsx within ``limits`` that is safe to parse."""
    with open_package(data, file_name, limits, " .xlsx 工作簿") as archive:
        names = {entry.filename for entry in archive.infolist()}
        if WORKBOOK_PART not in names:
            raise LedgerError("不是 .xlsx 工作簿（缺少 xl/workbook.xml）；请在 Excel/WPS 中另存为 .xlsx", file=file_name)
        check_prologs(archive, file_name)
        sheet_names = _sheet_names(archive, names)
        for entry in archive.infolist():
            if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                sheet = sheet_names.get(entry.filename, entry.filename)
                _check_extent(archive, entry, file_name, sheet, limits)


def _check_extent(archive, entry, file_name, sheet, limits):
    """Stream the worksheet part once and refuse any reference beyond the row or column limit."""
    tail = b""
    try:
        with archive.open(entry) as stream:
            while chunk := stream.read(_CHUNK):
                text = tail + chunk
                for match in _REFERENCE.finditer(text):
                    _check_reference(match, file_name, sheet, limits)
                tail = text[-64:]
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise LedgerError(f"部件 {entry.filename} 已损坏（{error}）", file=file_name, sheet=sheet) from error


def _check_reference(match, file_name, sheet, limits):
    for letters, digits in ((match.group(1), match.group(2)), (match.group(3), match.group(4))):
        if digits is None:
            continue
        row, column = int(digits), _column_number(letters)
        if row > limits.max_rows or column > limits.max_columns:
            where = match.group(0).decode("ascii").strip()
            raise LedgerError(
                f"工作表声明的范围过大（{where}）：上限为 {limits.max_rows} 行、{limits.max_columns} 列",
                file=file_name,
                sheet=sheet,
            )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _sheet_names(archive, names) -> dict[str, str]:
    """Worksheet part → the sheet's name as the person sees it (best effort: the part name otherwise)."""
    rels_part = "xl/_rels/workbook.xml.rels"
    if rels_part not in names:
        return {}
    workbook = _head(archive, WORKBOOK_PART)
    rels = _head(archive, rels_part)
    targets = {}
    for match in _RELATIONSHIP.finditer(rels):
        rel_id, target = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        targets[rel_id] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    result = {}
    for match in _SHEET_NAME.finditer(workbook):
        name, rel_id = (match.group(1), match.group(2)) if match.group(1) is not None else (match.group(4), match.group(3))
        if rel_id in targets:
            result[targets[rel_id]] = name
    return result


def _head(archive, name, limit=_HEAD_LIMIT) -> str:
    with archive.open(name) as stream:
        return stream.read(limit).decode("utf-8", "replace")
