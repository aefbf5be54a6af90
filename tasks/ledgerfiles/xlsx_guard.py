"""Check an .xlsx workbook before any spreadsheet reader sees it.

Pure Python, no Django. Everything here works from the zip directory and a bounded stream
of each part, so a hostile file is refused before it is expanded:

- not a zip, or a zip that is not an .xlsx (no ``xl/workbook.xml``); an old .xls or an
  encrypted workbook (both OLE compound files) is named as such;
- encrypted entries, too many entries, entries or a total that expand past the limits, and
  compression ratios that only zip bombs reach;
- XML with a document type declaration (billion laughs, external entities): every XML part's
  prolog is parsed with defusedxml, which refuses DTDs, up to its root element;
- worksheets whose cells, rows, merged ranges or declared ``<dimension>`` reach past the row
  and column limits (one cell at XFD1048576 would make a reader build a grid of 17 billion
  cells).

Every refusal is a ``LedgerError`` naming the file, and the sheet where one applies.
"""

import io
import re
import zipfile
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .errors import LedgerError
from .limits import MB, WorkbookLimits, check_size, size_text

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_PART = "xl/workbook.xml"

_CHUNK = 256 * 1024
_PROLOG_LIMIT = 64 * 1024
# Cell and row references (r="B12", r="12") and ranges (ref="A1:XFD1048576") in a worksheet part.
_REFERENCE = re.compile(rb'\s(?:r|ref)="([A-Z]{0,3})(\d{1,9})(?::([A-Z]{0,3})(\d{1,9}))?"')
_SHEET_NAME = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"|<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_RELATIONSHIP = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')




def check_workbook(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()) -> None:
    """Raise ``LedgerError`` unless ``data`` is an .xlsx within ``limits`` that is safe to parse."""
    check_size(data, file_name, limits)
    check_signature(data[: len(OLE_SIGNATURE)], file_name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise LedgerError(f"不是 .xlsx 工作簿，或文件已损坏（{error}）；请另存为 .xlsx", file=file_name) from error
    with archive:
        _check_entries(entries, file_name, limits)
        names = {entry.filename for entry in entries}
        if WORKBOOK_PART not in names:
            raise LedgerError("不是 .xlsx 工作簿（缺少 xl/workbook.xml）；请在 Excel/WPS 中另存为 .xlsx", file=file_name)
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels", ".vml")):
                _check_prolog(archive, entry, file_name)
        sheet_names = _sheet_names(archive, names)
        for entry in entries:
            if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                sheet = sheet_names.get(entry.filename, entry.filename)
                _check_extent(archive, entry, file_name, sheet, limits)


def check_signature(head: bytes, file_name: str) -> None:
    """Judge a file by its first bytes: an .xlsx is a zip; an .xls or an encrypted workbook is an OLE file."""
    if head.startswith(OLE_SIGNATURE):
        raise LedgerError(
            "这是旧版 .xls 文件或加密的工作簿，无法读取；请在 Excel/WPS 中去掉密码并另存为 .xlsx", file=file_name
        )
    if not head.startswith(ZIP_SIGNATURE):
        raise LedgerError("不是 .xlsx 工作簿；请在 Excel/WPS 中另存为 .xlsx", file=file_name)


def _check_entries(entries, file_name, limits):
    if len(entries) > limits.max_entries:
        raise LedgerError(f"压缩包内有 {len(entries)} 个部件，超过上限 {limits.max_entries}", file=file_name)
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise LedgerError("工作簿已加密，请去掉密码后另存为 .xlsx", file=file_name)
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MB and ratio > limits.max_ratio:
            raise LedgerError(
                f"部件 {entry.filename} 解压后 {size_text(entry.file_size)}，压缩比 {ratio:.0f}:1，疑似压缩炸弹，已拒绝",
                file=file_name,
            )
    if total > limits.max_uncompressed_bytes:
        raise LedgerError(
            f"解压后共 {size_text(total)}，超过上限 {size_text(limits.max_uncompressed_bytes)}", file=file_name
        )


class _RootReached(Exception):
    pass


class _StopAtRoot:
    """ElementTree parser target that stops at the root element: a DTD can only come before it."""

    def start(self, tag, attrib):
        raise _RootReached

    def close(self):
        return None


def _check_prolog(archive, entry, file_name):
    parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    read = 0
    try:
        with archive.open(entry) as stream:
            while read < _PROLOG_LIMIT:
                chunk = stream.read(4096)
                if not chunk:
                    break
                read += len(chunk)
                parser.feed(chunk)
            else:
                raise LedgerError(f"部件 {entry.filename} 的 XML 开头异常（超过 64 KB 仍无根元素）", file=file_name)
    except _RootReached:
        return
    except DefusedXmlException as error:
        raise LedgerError(
            f"部件 {entry.filename} 含有 DTD/实体声明（{type(error).__name__}），可能是 XML 攻击，已拒绝", file=file_name
        ) from error
    except (ParseError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise LedgerError(f"部件 {entry.filename} 已损坏（{error}）", file=file_name) from error


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


def _head(archive, name, limit=_PROLOG_LIMIT * 4) -> str:
    with archive.open(name) as stream:
        return stream.read(limit).decode("utf-8", "replace")
