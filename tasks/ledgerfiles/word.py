"""The ledger tables of a Word document (.docx) into grids, through python-docx.

Every table in the body of the document is one sheet, named 表格1, 表格2 … in order. Word
merges cells two ways and both become merges of the grid, so a task cell merged down over its
rows reads as it does in a workbook: ``w:gridSpan`` (a cell across several grid columns) and
``w:vMerge`` (``restart`` opens a cell merged down, each cell below marked ``continue`` or
with no value extends it). ``w:gridBefore`` (a row that starts further right) is kept as blank
cells. A cell's paragraphs are its lines. The last few non-empty paragraphs above a table (附件2,
the plan's title, the reporting unit) become rows above it, each merged across the table as a
title row of a workbook is, so the title and years are found; rows are counted from the first
of those lines. A table nested in a cell is not a sheet of its own. The zip is checked first
like every package (``zip_guard``), and each table's rows and columns against the limits.
"""

import io

import docx
from docx.opc.exceptions import OpcError
from docx.oxml.table import CT_Tbl
from docx.oxml.text.paragraph import CT_P
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from .errors import LedgerError, UnreadableFile
from .grid import Sheet, build_sheet
from .limits import WorkbookLimits, check_extent
from .zip_guard import check_prologs, open_package

KIND = " Word 文档（.docx）"
DOCUMENT_PART = "word/document.xml"
#: Non-empty paragraphs above a table kept as its title rows.
TITLE_LINES = 3


def word_sheets(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()) -> list[Sheet]:
    """One sheet per table of the .docx ``data``, refused unless within ``limits``."""
    with open_package(data, file_name, limits, KIND) as archive:
        if DOCUMENT_PART not in archive.namelist():
            raise LedgerError(f"不是{KIND}（缺少 {DOCUMENT_PART}）", file=file_name)
        check_prologs(archive, file_name)
    try:
        body = docx.Document(io.BytesIO(data)).element.body
    except (OpcError, ValueError, KeyError, SyntaxError, OSError) as error:  # a part missing, or not XML
        raise UnreadableFile(f"不是可读取的{KIND}，或文件已损坏（{error}）", file=file_name) from error
    sheets, lines = [], []
    for element in body.iterchildren():
        if isinstance(element, CT_P):
            text = Paragraph(element, None).text.strip()
            if text:
                lines.append(text)
        elif isinstance(element, CT_Tbl):
            name = f"表格{len(sheets) + 1}"
            sheets.append(_table_sheet(element, name, lines[-TITLE_LINES:], file_name, limits))
            lines = []
    if not sheets:
        raise LedgerError("文档中没有表格：台账须是 Word 表格（插入 → 表格），或另存为 .xlsx", file=file_name)
    return sheets


def _table_sheet(table, name, titles, file_name, limits) -> Sheet:
    rows = table.tr_lst
    width = max([len(table.tblGrid.gridCol_lst)] + [_row_width(tr) for tr in rows])
    check_extent(len(titles) + len(rows), width, file_name, name, limits)
    values = [[title] for title in titles]
    merges = [((r, 0), (r, width - 1)) for r in range(len(titles))] if width > 1 else []
    below = {}  # grid column → [top, left, right] of the cell merged down that is open there
    for tr in rows:
        r = len(values)
        row = [None] * tr.grid_before
        for tc in tr.tc_lst:
            left, right = len(row), len(row) + tc.grid_span - 1
            merge = tc.vMerge
            if merge is not None and merge != "restart" and left in below:
                below[left][3] = r  # continues the cell above: the grid shows its anchor
                row.extend([None] * tc.grid_span)
                continue
            _close(below.pop(left, None), merges)
            if merge == "restart":
                below[left] = [r, left, right, r]
            elif right > left:
                merges.append(((r, left), (r, right)))
            row.append(_Cell(tc, None).text)
            row.extend([None] * (right - left))
        for column in [column for column, opened in below.items() if opened[3] < r]:
            _close(below.pop(column), merges)
        values.append(row)
    for opened in below.values():
        _close(opened, merges)
    return build_sheet(name, values, merges)


def _close(opened, merges):
    if opened is not None:
        top, left, right, bottom = opened
        if bottom > top or right > left:
            merges.append(((top, left), (bottom, right)))


def _row_width(tr) -> int:
    return tr.grid_before + sum(tc.grid_span for tc in tr.tc_lst) + tr.grid_after
