"""CSV and tab-separated text (.csv, .tsv, .txt) into one grid.

What Excel and WPS save: on Chinese Windows "CSV (逗号分隔)" is GBK (read as GB18030, its
superset), "CSV UTF-8" is UTF-8 with a BOM, "Unicode 文本" is UTF-16 with a BOM and tabs; other
tools write UTF-8 without a BOM. The text is decoded as UTF-16 when it has that BOM, else as
UTF-8 and then GB18030; a file that is neither is refused naming the line and byte where it
stops being text. The delimiter is sniffed (comma, tab, semicolon, vertical bar). A CSV file has
no merged cells: a cell merged in the workbook it came from is blank, and the layout's "a blank
cell continues the value above" rules read it as the workbook. The file is one sheet, named
after the file. Limits: the file's size, its records (rows) and fields (columns), and the
characters in one record (quoted line breaks included, so an unclosed quote cannot swallow the
file into one cell).
"""

import codecs
import csv
import io
from pathlib import PurePath

from .errors import LedgerError
from .grid import Sheet, build_sheet
from .limits import WorkbookLimits, check_size

DELIMITERS = ",\t;|"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SAMPLE = 64 * 1024


def csv_sheets(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()) -> list[Sheet]:
    """The one sheet of the CSV ``data``, refused unless within ``limits``."""
    check_size(data, file_name, limits)
    text = decode(data, file_name)
    name = PurePath(file_name).stem or "CSV"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text[:_SAMPLE], file_name))
    rows = []
    try:
        for record in reader:
            _check_record(record, len(rows) + 1, file_name, name, limits)
            rows.append(record)
    except csv.Error as error:
        raise LedgerError(f"CSV 格式错误（{error}），可能有未闭合的引号", file=file_name, sheet=name, row=len(rows) + 1) from error
    return [build_sheet(name, rows)]


def decode(data: bytes, file_name: str) -> str:
    """``data`` as text: UTF-16 by its BOM, else UTF-8 (BOM or not), else GB18030 (GBK's superset)."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise _not_text(data, error, file_name, "UTF-16") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            further = max(utf8_error, gb_error, key=lambda error: error.start)
            raise _not_text(data, further, file_name, "UTF-8 或 GBK/GB18030") from gb_error


def _not_text(data, error, file_name, encodings):
    line = data.count(b"\n", 0, error.start) + 1
    shown = data[error.start : error.start + 4].hex(" ").upper()
    return LedgerError(
        f"第 {error.start} 字节（{shown}）起不是 {encodings} 编码的文字；"
        "请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx",
        file=file_name,
        row=line,
    )


def delimiter(sample: str, file_name: str) -> str:
    """The field delimiter of the text starting with ``sample``: tab for .tsv, else sniffed."""
    if file_name.lower().endswith((".tsv", ".tab")):
        return "\t"
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {candidate: sample.count(candidate) for candidate in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _check_record(record, number, file_name, sheet, limits):
    """``number``: the record's row as a spreadsheet shows the file (a quoted line break stays in its cell)."""
    if number > limits.max_rows:
        raise LedgerError(f"文件超过 {limits.max_rows} 行（上限）", file=file_name, sheet=sheet, row=number)
    if len(record) > limits.max_columns:
        raise LedgerError(
            f"这一行有 {len(record)} 列，超过上限 {limits.max_columns} 列", file=file_name, sheet=sheet, row=number
        )
    characters = sum(len(field) for field in record)
    if characters > limits.max_line_characters:
        raise LedgerError(
            f"这一行有 {characters:,} 个字符，超过上限 {limits.max_line_characters:,}（可能有未闭合的引号）",
            file=file_name,
            sheet=sheet,
            row=number,
        )
