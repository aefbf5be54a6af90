"""Excel workbooks (.xlsx) into grids, through python-calamine.

The file is read once into memory; calamine parses it fast and (0.9.1) reports merged ranges
through ``sheet.merged_cell_ranges`` as 0-based inclusive ``((row, col), (row, col))`` pairs,
which the layout depends on. openpyxl's normal mode also sees merges but was about ten times
slower on a 3,000-row ledger (1.2 s against 0.1 s), and its read-only mode does not report
merges at all. ``xlsx_guard`` checks the zip before calamine sees it.
"""

import io

from python_calamine import CalamineError, CalamineWorkbook

from .errors import LedgerError
from .grid import Sheet, build_sheet


def calamine_sheets(data: bytes, file_name: str, kind: str = "Excel 工作簿") -> list[Sheet]:
    """Every sheet of a workbook calamine reads (.xlsx, .xls, .ods), merges filled in."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [_load_sheet(workbook, name) for name in workbook.sheet_names]
    except (CalamineError, ValueError, OSError) as error:  # zip, xml and format faults
        raise LedgerError(f"不是可读取的{kind}，或文件已损坏（{error}）", file=file_name) from error


def _load_sheet(workbook, name) -> Sheet:
    sheet = workbook.get_sheet_by_name(name)
    return build_sheet(name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or [])
