"""The grid every format reader produces: a sheet's cells as clean text, merges filled in."""

import datetime
import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
#: Anything ``clean_text`` would change.
_NEEDS_CLEANING = re.compile(r"_x000D_|[\r\x00-\x08\x0b-\x1f\x7f\t\u3000\xa0]| {2}|^\s|\s$|\n\s|\s\n")


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's text and the 1-based position of the cell that holds it (a merge's anchor)."""

    text: str
    row: int
    column: int

    def __bool__(self):
        return bool(self.text)


@dataclass
class Sheet:
    name: str
    grid: list[list[Cell]]  # grid[r][c] is sheet row r+1, column c+1; merges filled in


def build_sheet(name, values, merges=()) -> Sheet:
    """A sheet from its rows of raw values and its merged ranges, 0-based inclusive
    ``((top, left), (bottom, right))`` pairs; every cell of a merge shows its anchor."""
    height = max([len(values)] + [end[0] + 1 for _, end in merges])
    width = max([len(row) for row in values] + [end[1] + 1 for _, end in merges] + [0])
    grid = [_grid_row(values, r, width) for r in range(height)]
    for (top, left), (bottom, right) in merges:
        anchor = grid[top][left]
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                grid[r][c] = anchor
    return Sheet(name, grid)


def _grid_row(values, r, width) -> list[Cell]:
    number = r + 1  # one int object for the row's cells, not one each
    return [Cell(cell_text(_value_at(values, r, c)), number, c + 1) for c in range(width)]


def _value_at(values, r, c):
    if r < len(values) and c < len(values[r]):
        return values[r][c]
    return None


def cell_text(value) -> str:
    """A cell value as clean text: integral floats as ints, dates as 2024年6月30日."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return f"{value.year}年{value.month}月{value.day}日"
    return clean_text(str(value))


def clean_text(text: str) -> str:
    """Strip each line, collapse spaces, drop blank lines and control characters."""
    if not _NEEDS_CLEANING.search(text):  # most cells: already clean, and this is the hot path
        return text
    text = text.replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
