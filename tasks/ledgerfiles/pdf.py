"""A ledger PDF (the table attached to a published notice) into one grid per table.

The table is found by its ruling lines (``pdf_lines``: drawn lines, rectangles' sides and thin
filled bars). The x of every vertical line and the y of every horizontal line make a grid; two
neighbouring grid cells with no line between them belong to one drawn cell, which becomes a
merge. The text comes from pdfium (``pdf_text``: visible characters only, lines joined as typed)
and goes to the drawn cell holding each character's centre.

A table that runs over several pages (the same columns, first on the next page) is one sheet:
- the header printed again at the top of each page is left out (the rows equal to the first
  rows of the table on its first page);
- a drawn cell open at the bottom of a page (no ruling line under it: a merged cell the page
  break cut) continues in the cell below the header on the next page;
- a row cut by the page break and closed by a line on both pages (Word, WPS) is one row again
  when the next page's first row has an empty first column (序号) and the text above does not
  end a sentence (。；;！？) while the text below starts no new item (①, 1., (1)…): a new row
  under a merged 序号 starts a new sentence or item instead;
- text above the table on its first page (附件2, the title with its years) becomes rows above
  the header; page numbers, running headers and footers around the table are left out.

A page without ruling lines is read by text positions: columns where the characters leave a
gap down the whole table, rows where a line starts in the first column (see ``_unruled_table``).

A PDF with no text at all (a scan) is refused: OCR is not done here.
"""

import bisect
import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium

from .errors import LedgerError
from .grid import Sheet, build_sheet
from .limits import WorkbookLimits, check_extent
from .pdf_lines import TOLERANCE, ruling_lines
from .pdf_text import LIST_START, Line, cell_text, char_lines, page_chars, text_line, text_lines

PDF_SIGNATURE = b"%PDF-"

_COVERED = 0.6  # share of a cell side a ruling line must cover to separate two cells
_SENTENCE_END = tuple("。；;！!？?")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d+\s*(?:页)?\s*[,，]?\s*(?:[/／]\s*\d+|共\s*\d+\s*页)?[-—–\s]*$")


@dataclass
class _Cell:
    """A drawn cell of a page's table: its grid span there, its lines and whether a side is open."""

    top: int
    left: int
    bottom: int
    right: int
    x0: float
    x1: float
    lines: list[Line] = field(default_factory=list)
    open_bottom: bool = False


@dataclass
class _PageTable:
    """One table as one page shows it."""

    xs: list[float]  # column boundaries
    top: float
    bottom: float
    rows: int
    cells: list[_Cell]
    page: int  # 1-based


@dataclass
class _SheetCell:
    """A drawn cell of the whole table: rows counted over all its pages."""

    top: int
    left: int
    bottom: int
    right: int
    x0: float
    x1: float
    lines: list[Line]
    open_bottom: bool

    def text(self) -> str:
        return cell_text(self.lines, self.x0, self.x1)


@dataclass
class _Table:
    """One table over all its pages, as it is put together."""

    xs: list[float]
    first_page: int
    last_page: int
    title_rows: list[str]
    cells: list[_SheetCell] = field(default_factory=list)
    height: int = 0  # rows so far
    header_rows: list[tuple] = field(default_factory=list)  # the first rows' texts, to know them again


def pdf_sheets(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()) -> list[Sheet]:
    """One sheet per table of the PDF ``data``; refused when it is a scan, or beyond ``limits``."""
    document = _open(data, file_name)
    pages, has_text = [], False
    try:
        if len(document) > limits.max_pages:
            raise LedgerError(f"PDF 有 {len(document)} 页，超过上限 {limits.max_pages} 页", file=file_name)
        for index in range(len(document)):
            chars, horizontal, vertical = _read_page(document, index, file_name)
            has_text = has_text or bool(chars)
            pages.append(_page_tables(horizontal, vertical, chars, index + 1))
    finally:
        document.close()
    if not has_text:
        raise LedgerError(
            "PDF 中没有文字（可能是扫描件或图片）；本系统不做文字识别，请提供原始表格文件或可复制文字的 PDF",
            file=file_name,
        )
    sheets = [_sheet(table) for table in _join_pages(pages)]
    for sheet in sheets:
        check_extent(len(sheet.grid), len(sheet.grid[0]) if sheet.grid else 0, file_name, sheet.name, limits)
    return sheets


def _open(data, file_name):
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise LedgerError("PDF 已加密（需要密码），请提供未加密的文件", file=file_name) from error
        raise LedgerError(f"不是可读取的 PDF 文件，或文件已损坏（{error}）", file=file_name) from error


def _read_page(document, index, file_name):
    """(visible characters, horizontal lines, vertical lines) of one page."""
    try:
        page = document[index]
    except pdfium.PdfiumError as error:
        raise LedgerError(f"PDF 第 {index + 1} 页已损坏（{error}）", file=file_name) from error
    text_page = page.get_textpage()
    try:
        return (page_chars(page, text_page), *ruling_lines(page))
    finally:
        text_page.close()
        page.close()


# ---------------------------------------------------------------- one page


def _page_tables(horizontal, vertical, chars, number):
    """(tables top to bottom, lines of text outside them) of one page."""
    tables = sorted((_ruled_table(h, v, chars, number) for h, v in _line_groups(horizontal, vertical)), key=lambda t: t.top)
    if not tables:
        tables = [table for table in [_unruled_table(chars, number)] if table]
    outside = [char for char in chars if not any(_inside(table, char) for table in tables)]
    return tables, text_lines(outside)


def _inside(table, char) -> bool:
    return table.xs[0] <= char.centre <= table.xs[-1] and table.top <= char.middle <= table.bottom


def _line_groups(horizontal, vertical):
    """The ruling lines that touch each other, one group per table (at least 2 × 2 lines)."""
    parent = list(range(len(horizontal) + len(vertical)))
    for i, (y, x0, x1) in enumerate(horizontal):
        for j, (x, y0, y1) in enumerate(vertical):
            if x0 - TOLERANCE <= x <= x1 + TOLERANCE and y0 - TOLERANCE <= y <= y1 + TOLERANCE:
                _union(parent, i, len(horizontal) + j)
    groups = {}
    for i in range(len(parent)):
        h, v = groups.setdefault(_find(parent, i), ([], []))
        if i < len(horizontal):
            h.append(horizontal[i])
        else:
            v.append(vertical[i - len(horizontal)])
    return [(h, v) for h, v in groups.values() if len(h) >= 2 and len(v) >= 2]


def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent, i, j):
    parent[_find(parent, i)] = _find(parent, j)


def _positions(values) -> list[float]:
    result = []
    for value in sorted(values):
        if not result or value - result[-1] > TOLERANCE:
            result.append(value)
    return result


def _by_position(lines, positions) -> list[list[tuple[float, float]]]:
    """The spans of ``lines`` ((position, begin, end)) filed under the position each lies at."""
    spans = [[] for _ in positions]
    for position, begin, end in lines:
        index = bisect.bisect_left(positions, position - TOLERANCE)
        if index < len(positions) and abs(positions[index] - position) <= TOLERANCE:
            spans[index].append((begin, end))
    return spans


def _covered(spans, start, end) -> bool:
    """Whether the ruling lines ``spans`` (at one position) cover most of start…end."""
    length = sum(max(0.0, min(end, stop) - max(start, begin)) for begin, stop in spans)
    return length >= _COVERED * (end - start)


def _ruled_table(horizontal, vertical, chars, number) -> _PageTable:
    """The drawn cells between one group of ruling lines, with the characters inside each."""
    xs = _positions(x for x, _, _ in vertical)
    ys = _positions([y for y, _, _ in horizontal] + [min(y0 for _, y0, _ in vertical), max(y1 for _, _, y1 in vertical)])
    rows, columns = len(ys) - 1, len(xs) - 1
    across, down = _by_position(horizontal, ys), _by_position(vertical, xs)
    parent = list(range(rows * columns))
    for r in range(rows):
        for c in range(columns):
            if c + 1 < columns and not _covered(down[c + 1], ys[r], ys[r + 1]):
                _union(parent, r * columns + c, r * columns + c + 1)
            if r + 1 < rows and not _covered(across[r + 1], xs[c], xs[c + 1]):
                _union(parent, r * columns + c, (r + 1) * columns + c)
    spans = {}
    for r in range(rows):
        for c in range(columns):
            top, left, bottom, right = spans.get(_find(parent, r * columns + c), (r, c, r, c))
            spans[_find(parent, r * columns + c)] = (min(top, r), min(left, c), max(bottom, r), max(right, c))
    cells, at = [], {}
    for top, left, bottom, right in sorted(spans.values()):
        cell = _Cell(top, left, bottom, right, xs[left], xs[right + 1])
        cell.open_bottom = bottom == rows - 1 and not _covered(across[-1], xs[left], xs[right + 1])
        cells.append(cell)
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                at[r, c] = cell
    table = _PageTable(xs, ys[0], ys[-1], rows, cells, number)
    inside = {}
    for char in chars:
        if _inside(table, char):
            row = min(max(bisect.bisect_right(ys, char.middle) - 1, 0), rows - 1)
            column = min(max(bisect.bisect_right(xs, char.centre) - 1, 0), columns - 1)
            inside.setdefault(id(at[row, column]), []).append(char)
    for cell in cells:
        cell.lines = text_lines(inside.get(id(cell), []))
    return table


def _unruled_table(chars, number):
    """A table printed without ruling lines, read from where its text stands; None when no line
    of the page has three or more separate pieces of text (a header) to take the columns from.

    Columns start where the header's pieces start (cells aligned left, as Word and WPS set
    them). A row starts where a column's text starts again after a gap of more than a line
    (cells are taken as aligned to their top and padded below); text that goes on without a
    gap in its column belongs to the cell it started in, which a merge may carry into the rows
    below.
    """
    lines = [line for line in _segmented_lines(chars) if not _PAGE_NUMBER.match(" ".join(piece.text for piece in line))]
    header = next((index for index, line in enumerate(lines) if len(line) >= 3), None)
    if header is None:
        return None
    body = lines[header:]
    xs = [piece.x0 - 1 for piece in body[0]] + [max(piece.x1 for line in body for piece in line) + 1]
    columns = len(xs) - 1
    pitch = _line_pitch(body)
    rows, last_top, owner = [], {}, {}
    for line in body:
        placed = {}
        for piece in line:
            placed.setdefault(min(max(bisect.bisect_right(xs, piece.x0) - 1, 0), columns - 1), []).append(piece)
        starts = {column for column, pieces in placed.items() if pieces[0].top - last_top.get(column, -1e9) > 1.25 * pitch}
        if starts:
            rows.append({})
        for column, pieces in placed.items():
            if column in starts:
                owner[column] = len(rows) - 1
            rows[owner[column]].setdefault(column, []).extend(pieces)  # a cell merged down goes on in its row
            last_top[column] = pieces[0].top
    cells = []
    for index, row in enumerate(rows):
        spanning = len(row) == 1 and 0 in row and max(piece.x1 for piece in row[0]) > xs[1]
        if spanning:  # a section or note row written across the table
            cells.append(_Cell(index, 0, index, columns - 1, xs[0], xs[-1], row[0]))
            continue
        cells.extend(_Cell(index, c, index, c, xs[c], xs[c + 1], row.get(c, [])) for c in range(columns))
    return _PageTable(xs, body[0][0].top - 1, max(piece.bottom for piece in body[-1]) + 1, len(rows), cells, number)


def _segmented_lines(chars) -> list[list[Line]]:
    """The page's printed lines, each cut into pieces where the text leaves a gap wider than a character."""
    lines = []
    for line in char_lines(chars):
        pieces = [[line[0]]]
        for before, char in zip(line, line[1:]):
            if char.x0 - before.x1 > max(char.size, before.size):
                pieces.append([])
            pieces[-1].append(char)
        lines.append([text_line(piece) for piece in pieces if "".join(c.text for c in piece).strip()])
    return [line for line in lines if line]


def _line_pitch(lines) -> float:
    """The usual distance from one printed line to the next."""
    steps = sorted(b[0].top - a[0].top for a, b in zip(lines, lines[1:]) if b[0].top > a[0].top)
    return steps[len(steps) // 4] if steps else 12.0


# ---------------------------------------------------------------- pages into tables


def _join_pages(pages):
    """Tables of consecutive pages with the same columns joined into one, in page order."""
    running = _running_lines(pages)
    tables = []
    for page_number, (page_tables, outside) in enumerate(pages, start=1):
        above = [line for line in outside if _line_key(line) not in running and not _PAGE_NUMBER.match(line.text)]
        for index, page_table in enumerate(page_tables):
            titles = [line for line in above if line.bottom <= page_table.top]
            above = [line for line in above if line.top >= page_table.bottom]
            current = tables[-1] if tables else None
            if index == 0 and current and current.last_page == page_number - 1 and _same_columns(current.xs, page_table.xs):
                _continue(current, page_table)
                continue
            table = _Table(page_table.xs, page_number, page_number, [line.text for line in titles])
            _append(table, page_table, 0)
            table.header_rows = _row_texts(table, range(min(3, table.height)))
            tables.append(table)
    return tables


def _line_key(line) -> tuple:
    """A line outside the tables, as it would show again on other pages (numbers may change)."""
    return re.sub(r"\d+", "#", line.text), round(line.top / 6)


def _running_lines(pages) -> set:
    """Running headers and footers: lines outside the tables that stand at the same place on
    more than one page (with page numbers in them changing)."""
    seen = {}
    for _, outside in pages:
        for key in {_line_key(line) for line in outside}:
            seen[key] = seen.get(key, 0) + 1
    return {key for key, count in seen.items() if count > 1}


def _same_columns(xs, other) -> bool:
    """Whether two tables divide their columns at the same places (their outer edges may differ
    where the columns are known from text alone)."""
    return len(xs) == len(other) and all(abs(a - b) <= 3 * TOLERANCE for a, b in zip(xs[1:-1], other[1:-1]))


def _append(table, page_table, skip_rows, first_row=None):
    """Add the rows of ``page_table`` from ``skip_rows`` on below the table (``first_row``: where its first lands)."""
    offset = (table.height if first_row is None else first_row) - skip_rows
    for cell in page_table.cells:
        if cell.bottom < skip_rows:
            continue
        top = max(cell.top, skip_rows)
        table.cells.append(_SheetCell(
            top + offset, cell.left, cell.bottom + offset, cell.right, cell.x0, cell.x1, cell.lines, cell.open_bottom
        ))
    table.height = max(table.height, page_table.rows + offset)
    table.last_page = page_table.page


def _row_texts(table, rows) -> list[tuple]:
    return [tuple((cell.left, cell.right, cell.text()) for cell in table.cells if cell.top == row) for row in rows]


def _continue(table, page_table):
    """The next page's part of ``table``: header left out, cut cells and rows joined up."""
    skip = 0
    while skip < page_table.rows and _page_row_text(page_table, skip) in table.header_rows:
        skip += 1
    last = table.height - 1
    above = {(cell.left, cell.right): cell for cell in table.cells if cell.bottom == last}
    below = [cell for cell in page_table.cells if cell.top == skip]
    joined = []
    for cell in below:
        previous = above.get((cell.left, cell.right))
        if previous is not None and previous.open_bottom:
            joined.append((previous, cell))
    if not joined and _is_cut_row(above, below):
        joined = [(above[(cell.left, cell.right)], cell) for cell in below if (cell.left, cell.right) in above]
        first_row = last
    else:
        first_row = None
    start = table.height if first_row is None else first_row
    for previous, cell in joined:
        previous.lines = previous.lines + cell.lines
        previous.bottom = start + cell.bottom - skip
        previous.open_bottom = cell.open_bottom
        page_table.cells.remove(cell)
    _append(table, page_table, skip, first_row)


def _page_row_text(page_table, row) -> tuple:
    return tuple(
        (cell.left, cell.right, cell_text(cell.lines, cell.x0, cell.x1)) for cell in page_table.cells if cell.top == row
    )


def _is_cut_row(above, below) -> bool:
    """Whether the first row of a page is the rest of the last row of the page before."""
    if not below or not above:
        return False
    first = min(below, key=lambda cell: cell.left)
    if first.lines or any((cell.left, cell.right) not in above for cell in below):
        return False
    pairs = [(above[(cell.left, cell.right)], cell) for cell in below if cell.lines]
    if not pairs:
        return False
    for previous, cell in pairs:
        before = previous.text()
        after = cell_text(cell.lines, cell.x0, cell.x1)
        if not before or before.endswith(_SENTENCE_END) or LIST_START.match(after):
            return False
    return True


# ---------------------------------------------------------------- the sheet


def _sheet(table) -> Sheet:
    width = len(table.xs) - 1
    titles = table.title_rows
    values = [[text] + [None] * (width - 1) for text in titles]
    merges = [((r, 0), (r, width - 1)) for r in range(len(titles))]
    offset = len(titles)
    grid = [[None] * width for _ in range(table.height)]
    for cell in table.cells:
        grid[cell.top][cell.left] = cell.text()
        if cell.bottom > cell.top or cell.right > cell.left:
            merges.append(((cell.top + offset, cell.left), (cell.bottom + offset, cell.right)))
    pages = f"第{table.first_page}页" if table.first_page == table.last_page else f"第{table.first_page}–{table.last_page}页"
    return build_sheet(pages, values + grid, merges)
