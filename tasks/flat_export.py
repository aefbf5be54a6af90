"""Flat exports of any set of measures: one row per measure, as xlsx or csv.

The measure list's download, ``export_ledger --format csv`` and the admin's export action
all come here. Every column is plain text or a number, written safely (``tasks.cells``):
xlsx strings are string cells, csv fields that look like formulas get a leading quote.
xlsx is streamed through openpyxl's write-only mode; csv is written row by row.
"""

import csv
import io

import tablib
from django.db.models import Max, Min
from django.utils import timezone
from import_export import resources
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .cells import csv_value, text_cell
from .choices import ProgressStatus, UnitRole
from .exporting import HEADER, STATUS_WORDS, XLSX_TYPE, CellStyle, progress_of
from .models import Measure, Plan, circled
from .standing import with_standing

FIXED_HEADERS = ["台账", "部分", "序号", "重点任务", "要求编号", "具体要求", "措施编号", "工作措施", "牵头单位", "责任单位", "负责人"]
OVERDUE_HEADER = "逾期"
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": "text/csv; charset=utf-8"}
CELL = CellStyle(Font(name="宋体", size=10), Alignment(wrap_text=True, vertical="top"))


def flat_export(queryset, fmt, *, year=None, as_of=None):
    """``(bytes, content_type, filename)`` of the measures in ``queryset`` as ``fmt`` (xlsx or csv)."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"format must be xlsx or csv, not {fmt!r}")
    as_of = as_of or timezone.localdate()
    headers, rows = flat_rows(queryset, year=year, as_of=as_of)
    data = write_xlsx(headers, rows) if fmt == "xlsx" else write_csv(headers, rows)
    return data, CONTENT_TYPES[fmt], f"measures-{as_of.isoformat()}.{fmt}"


def flat_rows(queryset, *, year=None, as_of):
    """The header and an iterator of rows; ``year`` limits the per-year columns to that year."""
    measures = Measure.objects.filter(pk__in=queryset.values("pk"))
    years = [year] if year else plan_years(measures)
    headers = FIXED_HEADERS + [f"{y}年{part}" for y in years for part in ("完成时限", "状态", "完成情况")]
    headers.append(OVERDUE_HEADER)
    standing = (
        with_standing(measures, as_of=as_of, year=year)
        .select_related("item__task__section__plan", "person")
        .prefetch_related("units__department", "deadlines", "progress")
        .order_by(
            "item__task__section__plan__slug", "item__task__section__order", "item__task__order",
            "item__order", "item_id", "number",
        )
    )
    return headers, (flat_row(measure, years) for measure in standing.iterator(chunk_size=2000))


def plan_years(measures):
    span = Plan.objects.filter(pk__in=measures.values("item__task__section__plan")).aggregate(
        first=Min("start_year"), last=Max("end_year")
    )
    return list(range(span["first"], span["last"] + 1)) if span["first"] else []


def flat_row(measure, years):
    item = measure.item
    units = sorted(measure.units.all(), key=lambda unit: unit.order)
    row = [
        item.task.section.plan.title,
        str(item.task.section),
        item.task.number,
        item.task.title,
        item.number,
        item.text,
        circled(measure.number),
        measure.text,
        "、".join(u.department.name for u in units if u.role == UnitRole.LEAD),
        "、".join(u.department.name for u in units if u.role == UnitRole.RESPONSIBLE),
        measure.person.name if measure.person else "",
    ]
    deadlines = {deadline.year: deadline.text for deadline in measure.deadlines.all()}
    for year in years:
        progress = progress_of(measure, year)
        row += [
            deadlines.get(year, ""),
            STATUS_WORDS[progress.status] if progress else STATUS_WORDS[ProgressStatus.NOT_STARTED],
            progress.note if progress else "",
        ]
    row.append("是" if measure.is_overdue else "否")
    return row


def write_xlsx(headers, rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工作措施")
    for column, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = 40 if header in ("具体要求", "工作措施") else 14
    sheet.freeze_panes = "A2"
    sheet.append([text_cell(sheet, header, HEADER) for header in headers])
    for row in rows:
        sheet.append([text_cell(sheet, value, CELL) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def write_csv(headers, rows):
    """UTF-8 with a byte-order mark, so Excel shows the Chinese text."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
    return output.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- admin (django-import-export)


class FlatMeasureResource(resources.ModelResource):
    """The admin's export: the flat rows above, whatever the admin list is filtered to."""

    class Meta:
        model = Measure
        fields = ()

    def export(self, queryset=None, **kwargs):
        queryset = Measure.objects.all() if queryset is None else queryset
        headers, rows = flat_rows(queryset, as_of=timezone.localdate())
        return tablib.Dataset(*rows, headers=headers)


class SafeXLSX(XLSX):
    """xlsx through the app's own writer: strings are string cells, never formulas."""

    def export_data(self, dataset, **kwargs):
        return write_xlsx(dataset.headers, iter(dataset))


class SafeCSV(CSV):
    """csv with formula-like fields behind a leading quote, and a byte-order mark for Excel."""

    def export_data(self, dataset, **kwargs):
        return write_csv(dataset.headers, iter(dataset)).decode("utf-8")
