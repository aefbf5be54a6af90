"""Text that a spreadsheet must show as text: never a formula, never altered.

A value starting with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return before one)
is a formula to Excel when it arrives as a formula or through CSV. In xlsx the exports write
every string as a string cell (``data_type = "s"``), which keeps the text exactly as it is;
CSV has no cell types, so such a value gets the usual leading quote (``'=1+1``).
"""

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@")


def looks_like_formula(value):
    return isinstance(value, str) and value.lstrip("\t\r").startswith(FORMULA_STARTS)


def text_cell(worksheet, value, style=None):
    """A write-only cell holding ``value``; a string is always a string cell."""
    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if style is not None:
        style.apply(cell)
    return cell


def set_text(cell, value):
    """Put ``value`` into a cell of a loaded workbook; a string stays a string cell."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def csv_value(value):
    """A value for a CSV field: formula-like text behind a leading quote, ``None`` as blank."""
    if value is None:
        return ""
    return f"'{value}" if looks_like_formula(value) else value
