"""Write-back (回填): the workbook a plan was imported from, with its status cells filled in.

The kept workbook is loaded as it is (openpyxl, normal mode keeps merges, styles, column
widths and print settings), only the status cells are written, and it is saved as a copy.
Each measure knows the cells it came from (``Measure.source_cells``); a cell several measures
share (the 已完成任务 cell ``① ②`` of an item row) is rebuilt from all of them. When the
ledger has no status column for the year asked for, one is added at the right end of the
table, headed 完成情况 (``N年完成情况`` for a year other than the reporting year).
"""

import io
from collections import defaultdict
from copy import copy

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tasks.exporting.cells import set_text
from tasks.exporting.layout_cells import done_marks, keyed_text, progress_of, status_text
from tasks.exporting.layout_of_plan import status_key
from tasks.models import Measure
from tasks.ledgerfiles.sheets import read_ledger


class NoSourceFile(Exception):
    """The plan was not imported from a workbook (or the file is gone)."""


def write_back(plan, *, year=None):
    """The kept workbook with every measure's status filled in, as xlsx bytes."""
    if not plan.source_file or not plan.source_file.storage.exists(plan.source_file.name):
        raise NoSourceFile(plan.slug)
    year = year or plan.reporting_year or plan.start_year
    with plan.source_file.open("rb") as handle:
        data = handle.read()
    ledger = read_ledger(data, file_name=plan.source_file.name)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[ledger.sheet]
    measures = list(
        Measure.objects.filter(item__task__section__plan=plan).prefetch_related("progress").order_by("number")
    )
    cells = status_cells(measures)
    if not {status_key(plan, year), f"result:{year}"} & {key for _, key in cells}:
        cells.update(add_status_column(sheet, ledger.header_row, plan, measures, year))
    for (position, key), sharing in cells.items():
        set_text(sheet.cell(*position), cell_text(key, sharing, plan))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def status_cells(measures):
    """``{((row, column), key): [measures]}`` for every status cell the measures came from."""
    cells = defaultdict(list)
    for measure in measures:
        for key, position in (measure.source_cells or {}).items():
            if key == "done" or key.startswith("result:"):
                cells[(tuple(position), key)].append(measure)
    return cells


def cell_text(key, measures, plan):
    """A status cell rebuilt from all the measures that share it."""
    if key == "done":
        return done_marks(measures, plan.reporting_year)
    year = int(key.partition(":")[2])
    return keyed_text([(m.number, status_text(progress_of(m, year))) for m in measures])


def add_status_column(sheet, header_row, plan, measures, year):
    """A 完成情况 column right of the table's last header cell, styled like its neighbour."""
    last = max(cell.column for cell in sheet[header_row] if cell.value not in (None, ""))
    column = last + 1
    header = sheet.cell(header_row, column)
    set_text(header, "完成情况" if year == plan.reporting_year else f"{year}年完成情况")
    header._style = copy(sheet.cell(header_row, last)._style)
    sheet.column_dimensions[get_column_letter(column)].width = sheet.column_dimensions[get_column_letter(last)].width
    cells = defaultdict(list)
    for measure in measures:
        row = measure.source_row or (measure.source_cells or {}).get("measure", [None])[0]
        if row:
            cells[((row, column), f"result:{year}")].append(measure)
    for (row, _column), _key in cells:
        sheet.cell(row, column)._style = copy(sheet.cell(row, last)._style)
    return cells
