"""Text that a spreadsheet must show as text: never a formula, never altered.

A value starting with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return before one)
is a formula to Excel when it arrives as a formula or through CSV. In xlsx the exports write
every string as a string cell (XlsxWriter's ``write_string``, never ``write``, which would
turn such text into a formula), which keeps the text exactly as it is; CSV has no cell
types, so such a value gets the usual leading quote (``'=1+1``).
"""

import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@")

#: Streaming (rows written out as the next one starts) and nothing read into a value.
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def looks_like_formula(value):
    return isinstance(value, str) and value.lstrip("\t\r").startswith(FORMULA_STARTS)


def streaming_workbook(output):
    """An XlsxWriter workbook writing to ``output`` (a path or binary file) row by row: write in row order."""
    return xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)


def write_cell(sheet, row, column, value, cell_format=None):
    """Write ``value`` at the 0-based ``row`` and ``column``: a string always as a string cell,
    a number as a number, ``None`` as a blank (kept only when it has a format)."""
    if isinstance(value, str):
        sheet.write_string(row, column, value, cell_format)
    elif value is None:
        sheet.write_blank(row, column, None, cell_format)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, column, value, cell_format)
    else:
        sheet.write_string(row, column, str(value), cell_format)


def set_text(cell, value):
    """Put ``value`` into a cell of a loaded (openpyxl) workbook; a string stays a string cell."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def csv_value(value):
    """A value for a CSV field: formula-like text behind a leading quote, ``None`` as blank."""
    if value is None:
        return ""
    return f"'{value}" if looks_like_formula(value) else value
