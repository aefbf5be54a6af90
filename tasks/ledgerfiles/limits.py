"""How big a ledger file may be, and the checks that apply to every format."""

from dataclasses import dataclass

from .errors import LedgerError

MB = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    """How big a ledger file may be; the defaults suit ledgers of a few thousand rows."""

    max_bytes: int = 20 * MB
    max_uncompressed_bytes: int = 200 * MB
    max_entries: int = 1000
    max_ratio: int = 100  # uncompressed / compressed, judged on entries over 1 MB
    max_rows: int = 10_000
    max_columns: int = 200
    max_pages: int = 200  # pages of a PDF ledger
    max_line_characters: int = 100_000  # one record of a CSV file, quoted line breaks included
    conversion_seconds: int = 60  # LibreOffice converting an .et/.doc/.wps file
    conversion_memory_bytes: int = 2048 * MB  # LibreOffice's address space while it converts


def check_size(data: bytes, file_name: str, limits: WorkbookLimits) -> None:
    if len(data) > limits.max_bytes:
        raise LedgerError(f"文件过大（{size_text(len(data))}），上限为 {size_text(limits.max_bytes)}", file=file_name)


def check_row_count(count: int, file_name: str, sheet: str, limits: WorkbookLimits = WorkbookLimits()) -> None:
    """The limit applied again to what the reader actually produced."""
    if count > limits.max_rows:
        raise LedgerError(f"工作表有 {count} 行，超过上限 {limits.max_rows} 行", file=file_name, sheet=sheet)


def check_extent(rows: int, columns: int, file_name: str, sheet: str, limits: WorkbookLimits) -> None:
    """Refuse a sheet whose rows or columns reach past the limits, before its grid is built."""
    check_row_count(rows, file_name, sheet, limits)
    if columns > limits.max_columns:
        raise LedgerError(f"工作表有 {columns} 列，超过上限 {limits.max_columns} 列", file=file_name, sheet=sheet)


def size_text(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count / 1024:.0f} KB"
