"""Flat exports of any set of measures: one row per measure, as xlsx or csv.

The measure list's download, ``export_ledger --format csv`` and the admin's export action
all come here. Every column is plain text or a number, written safely (``tasks.exporting.cells``):
xlsx strings are string cells, csv fields that look like formulas get a leading quote.
Both stream: the rows come from ``tasks.exporting.rows`` in a fixed number of queries, xlsx is
written by XlsxWriter in ``constant_memory`` mode and csv row by row, to a file or a response.

Numbers are written as the ledger wrote them (``1.1``, ``(3)``, ``①``; the number where it wrote
none), and the columns of a level the measures' ledgers do not have (a flat list of measures
has no sections, tasks or items) are left out.
"""

import csv
import io

import tablib
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from import_export import resources
from import_export.formats.base_formats import CSV, XLSX

from tasks.exporting.cells import csv_value, streaming_workbook, write_cell
from tasks.choices import ProgressStatus, UnitRole
from tasks.exporting.rows import measure_records
from tasks.exporting.ledger_layout import FORMATS, XLSX_TYPE
from tasks.exporting.layout_cells import STATUS_WORDS, task_number
from tasks.models import Measure, circled
from tasks.standing.on_date import overdue_milestones

FIXED_HEADERS = ["台账", "部分", "序号", "重点任务", "要求编号", "具体要求", "措施编号", "工作措施", "牵头单位", "责任单位", "负责人"]
#: The columns of each level a ledger may not have.
LEVEL_HEADERS = {"sections": ("部分",), "tasks": ("序号", "重点任务"), "items": ("要求编号", "具体要求")}
OVERDUE_HEADER = "逾期"
WIDE_HEADERS = ("具体要求", "工作措施")
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": "text/csv; charset=utf-8"}
CELL = {"font_name": "宋体", "font_size": 10, "text_wrap": True, "valign": "top"}


def write_flat_export(queryset, fmt, output, *, year=None, as_of=None):
    """Write the flat export to ``output`` (a binary file open for writing); ``(content_type, filename)``."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"format must be xlsx or csv, not {fmt!r}")
    as_of = as_of or timezone.localdate()
    headers, rows = flat_rows(queryset, year=year, as_of=as_of)
    (write_xlsx if fmt == "xlsx" else write_csv)(headers, rows, output)
    return CONTENT_TYPES[fmt], flat_filename(fmt, as_of)


def flat_filename(fmt, as_of):
    return f"measures-{as_of.isoformat()}.{fmt}"


def flat_rows(queryset, *, year=None, as_of):
    """The header and an iterator of rows; ``year`` limits the per-year columns to that year.

    逾期 judges the milestones of ``year``, or without one those of each plan's reporting year:
    a measure done for its reporting year is not overdue because of another year's milestone.
    Columns of a level none of the measures' ledgers has are left out (``LEVEL_HEADERS``).
    """
    found = ledger_span(queryset)
    years = [year] if year else found["years"]
    left_out = {header for level, headers in LEVEL_HEADERS.items() if not found[level] for header in headers}
    kept = [header not in left_out for header in FIXED_HEADERS]
    headers = [header for header in FIXED_HEADERS if header not in left_out]
    headers += [f"{y}年{part}" for y in years for part in ("完成时限", "状态", "完成情况")]
    headers.append(OVERDUE_HEADER)
    if year:
        records = measure_records(queryset, as_of=as_of, year=year, units=True)
        return headers, (flat_row(record, years, kept) for record in records)
    overdue = overdue_in_reporting_years(queryset, as_of)
    records = measure_records(queryset, units=True)
    return headers, (flat_row(record, years, kept, overdue=record.id in overdue) for record in records)


def overdue_in_reporting_years(measures, as_of):
    """The ids of ``measures`` with a milestone of their plan's reporting year (its first year when
    none is set) overdue on ``as_of``, in one query whatever the number of plans."""
    plan = "deadline__measure__item__task__section__plan__"
    return set(
        overdue_milestones(as_of)
        .filter(deadline__measure__in=measures.values("pk"))
        .filter(deadline__year=Coalesce(F(plan + "reporting_year"), F(plan + "start_year")))
        .order_by()
        .values_list("deadline__measure_id", flat=True)
        .distinct()
    )


def ledger_span(measures):
    """In one query: the plan years the measures span (``years``) and whether any of them sits in
    a section, task or item the ledger wrote (``sections``, ``tasks``, ``items``)."""
    span = measures.order_by().aggregate(
        first=Min("item__task__section__plan__start_year"),
        last=Max("item__task__section__plan__end_year"),
        sections=Count("pk", filter=~Q(item__task__section__number="") | ~Q(item__task__section__title="")),
        tasks=Count("pk", filter=~Q(item__task__title="")),
        items=Count("pk", filter=~Q(item__text="")),
    )
    span["years"] = list(range(span["first"], span["last"] + 1)) if span["first"] else []
    return span


def flat_row(measure, years, kept, *, overdue=None):
    """The row of one measure; ``kept`` says which of ``FIXED_HEADERS`` the export has;
    ``overdue`` (when given) instead of the record's own ``is_overdue``."""
    item = measure.item
    fixed = [
        item.task.section.plan.title,
        str(item.task.section),
        task_number(item.task),
        item.task.title,
        item.label or item.number,
        item.text,
        measure.label or circled(measure.number),
        measure.text,
        "、".join(u.department for u in measure.units if u.role == UnitRole.LEAD),
        "、".join(u.department for u in measure.units if u.role == UnitRole.RESPONSIBLE),
        measure.person,
    ]
    row = [value for value, keep in zip(fixed, kept) if keep]
    deadlines = {deadline.year: deadline.text for deadline in measure.deadlines}
    for year in years:
        progress = measure.progress_in(year)
        row += [
            deadlines.get(year, ""),
            STATUS_WORDS[progress.status] if progress else STATUS_WORDS[ProgressStatus.NOT_STARTED],
            progress.note if progress else "",
        ]
    row.append("是" if (measure.is_overdue if overdue is None else overdue) else "否")
    return row


def write_xlsx(headers, rows, output, *, sheet_title="工作措施"):
    """The rows under a frozen header row, streamed to ``output``."""
    workbook = streaming_workbook(output)
    header_format, cell_format = workbook.add_format(FORMATS["header"]), workbook.add_format(CELL)
    sheet = workbook.add_worksheet(sheet_title)
    for column, header in enumerate(headers):
        sheet.set_column(column, column, 40 if header in WIDE_HEADERS else 14)
    sheet.freeze_panes(1, 0)
    for column, header in enumerate(headers):
        write_cell(sheet, 0, column, header, header_format)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            write_cell(sheet, number, column, value, cell_format)
    workbook.close()


def write_csv(headers, rows, output):
    """UTF-8 with a byte-order mark, so Excel shows the Chinese text; written row by row to ``output``."""
    text = io.TextIOWrapper(output, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
    text.flush()
    text.detach()


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
        output = io.BytesIO()
        write_xlsx(dataset.headers, iter(dataset), output)
        return output.getvalue()


class SafeCSV(CSV):
    """csv with formula-like fields behind a leading quote, and a byte-order mark for Excel."""

    def export_data(self, dataset, **kwargs):
        output = io.BytesIO()
        write_csv(dataset.headers, iter(dataset), output)
        return output.getvalue().decode("utf-8")
