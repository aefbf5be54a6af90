"""Any ledger file into its sheets: the format judged by content, the limits checked first."""

from ..native_memory import release_freed_memory
from . import xlsx, xlsx_guard
from .grid import Sheet
from .limits import WorkbookLimits


def read_sheets(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()) -> list[Sheet]:
    """The sheets of the ledger file ``data`` (named ``file_name``), refused unless within ``limits``."""
    xlsx_guard.check_workbook(data, file_name, limits)
    sheets = xlsx.calamine_sheets(data, file_name)
    release_freed_memory()  # the reader's own copy of the workbook is gone now
    return sheets
