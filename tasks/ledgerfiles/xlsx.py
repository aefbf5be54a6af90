"""Workbooks (.xlsx, .xls, and the values of .ods) into grids, through python-calamine.

The file is read once into memory; calamine parses it fast and (0.9.1) reports merged ranges
of .xlsx and .xls through ``sheet.merged_cell_ranges`` as 0-based inclusive
``((row, col), (row, col))`` pairs, which the layout depends on (for .ods it reports none: the
``ods`` module reads them from the file and passes them in). openpyxl's normal mode also sees
merges but was about ten times slower on a 3,000-row ledger (1.2 s against 0.1 s), and its
read-only mode does not report merges at all. ``xlsx_guard`` checks an .xlsx zip before
calamine sees it; a sheet's size is checked here before its grid is built (an .xls has no zip
to judge, and a cell at IV65536 would make a grid of 16 million cells).
"""

import io

from python_calamine import CalamineError, CalamineWorkbook

from .errors import UnreadableFile
from .grid import Sheet, build_sheet
from .limits import WorkbookLimits, check_extent


def calamine_sheets(
    data: bytes, file_name: str, kind: str = "Excel 工作簿", limits: WorkbookLimits = WorkbookLimits(), merges=None
) -> list[Sheet]:
    """Every sheet of a workbook calamine reads, merges filled in.

    ``merges``: the merged ranges of each sheet in order, for a format calamine reports none of.
    """
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        return [
            _load_sheet(workbook, name, None if merges is None else merges[index], file_name, limits)
            for index, name in enumerate(names)
        ]
    except (CalamineError, ValueError, OSError, IndexError) as error:  # zip, xml and format faults
        raise UnreadableFile(f"不是可读取的{kind}，或文件已损坏（{error}）", file=file_name) from error


def _load_sheet(workbook, name, merges, file_name, limits) -> Sheet:
    sheet = workbook.get_sheet_by_name(name)
    end = sheet.end or (-1, -1)  # the last used cell, 0-based; the grid starts at A1
    check_extent(end[0] + 1, end[1] + 1, file_name, name, limits)
    if merges is None:
        merges = sheet.merged_cell_ranges or []
    return build_sheet(name, sheet.to_python(skip_empty_area=False), merges)
