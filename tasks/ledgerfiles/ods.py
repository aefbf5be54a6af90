"""OpenDocument spreadsheets (.ods, what LibreOffice and WPS save) into grids.

calamine reads the values but (0.9.1) not the merged ranges, so ``content.xml`` is streamed
once here with lxml: every ``table:table-cell`` with ``table:number-columns-spanned`` /
``table:number-rows-spanned`` is a merge, at the position counted through
``number-rows-repeated`` / ``number-columns-repeated``. The same pass refuses a sheet whose
content reaches past the row or column limits before calamine expands it (one row with text
repeated a million times is a few bytes in the file); repeated empty rows and cells, which
LibreOffice writes to the end of every sheet, only move the position. The zip itself is checked
first like every package (``zip_guard``).
"""

import zipfile

from lxml import etree

from .errors import LedgerError
from .limits import WorkbookLimits, check_extent
from .xlsx import calamine_sheets
from .zip_guard import check_prologs, open_package

KIND = " .ods 电子表格"
MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
CONTENT_PART = "content.xml"

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = f"{{{_TABLE_NS}}}table"
ROW = f"{{{_TABLE_NS}}}table-row"
CELL = f"{{{_TABLE_NS}}}table-cell"
COVERED = f"{{{_TABLE_NS}}}covered-table-cell"
NAME = f"{{{_TABLE_NS}}}name"
ROWS_REPEATED = f"{{{_TABLE_NS}}}number-rows-repeated"
COLUMNS_REPEATED = f"{{{_TABLE_NS}}}number-columns-repeated"
ROWS_SPANNED = f"{{{_TABLE_NS}}}number-rows-spanned"
COLUMNS_SPANNED = f"{{{_TABLE_NS}}}number-columns-spanned"
VALUE_TYPE = f"{{{_OFFICE_NS}}}value-type"


def ods_sheets(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()):
    """Every sheet of the .ods ``data``, merges filled in, refused unless within ``limits``."""
    with open_package(data, file_name, limits, KIND) as archive:
        if CONTENT_PART not in archive.namelist():
            raise LedgerError(f"不是{KIND}（缺少 {CONTENT_PART}）", file=file_name)
        check_prologs(archive, file_name)
        merges = table_merges(archive, file_name, limits)
    return calamine_sheets(data, file_name, KIND, limits, merges)


class _Table:
    def __init__(self, name):
        self.name = name
        self.merges = []
        self.row = 0  # 0-based position of the next row
        self.column = 0  # 0-based position of the next cell in the current row
        self.row_end = 0  # columns the current row's content reaches
        self.rows = 0  # rows the table's content reaches
        self.columns = 0

    def cell(self, element):
        repeat = _count(element, COLUMNS_REPEATED)
        if element.tag == CELL:
            down, across = _count(element, ROWS_SPANNED), _count(element, COLUMNS_SPANNED)
            if down > 1 or across > 1:
                bottom, right = self.row + down - 1, self.column + across - 1
                self.merges.append(((self.row, self.column), (bottom, right)))
                self.rows, self.columns = max(self.rows, bottom + 1), max(self.columns, right + 1)
        if element.get(VALUE_TYPE) is not None or len(element):
            self.row_end = self.column + repeat
        self.column += repeat

    def end_row(self, element):
        repeat = _count(element, ROWS_REPEATED)
        if self.row_end:
            self.rows = max(self.rows, self.row + repeat)
            self.columns = max(self.columns, self.row_end)
        self.row += repeat
        self.column = self.row_end = 0


def table_merges(archive: zipfile.ZipFile, file_name: str, limits: WorkbookLimits) -> list[list]:
    """The merged ranges of each table in ``content.xml``, in order; a table past the limits is refused."""
    tables, depth, table = [], 0, None
    try:
        with archive.open(CONTENT_PART) as stream:
            events = etree.iterparse(
                stream, events=("start", "end"), tag=(TABLE, ROW, CELL, COVERED),
                resolve_entities=False, no_network=True, load_dtd=False,
            )
            for event, element in events:
                if element.tag == TABLE:
                    depth += 1 if event == "start" else -1
                    if event == "start" and depth == 1:
                        table = _Table(element.get(NAME) or f"Sheet{len(tables) + 1}")
                    elif event == "end" and depth == 0:
                        tables.append(table.merges)
                        element.clear()
                elif event == "end" and depth == 1:
                    if element.tag == ROW:
                        table.end_row(element)
                        check_extent(table.rows, table.columns, file_name, table.name, limits)
                        _drop(element)
                    else:
                        table.cell(element)
                        element.clear()
    except (etree.XMLSyntaxError, ValueError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise LedgerError(f"部件 {CONTENT_PART} 已损坏（{error}）", file=file_name) from error
    return tables


def _count(element, attribute) -> int:
    value = element.get(attribute)
    if value is None:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{etree.QName(attribute).localname}=\"{value}\" 不是正整数")
    return int(value)


def _drop(row):
    """Free a finished row and the rows before it: the tree never holds more than one."""
    row.clear()
    parent = row.getparent()
    while row.getprevious() is not None:
        del parent[0]
