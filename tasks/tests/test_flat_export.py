"""Flat exports: one row per measure of any queryset, as xlsx or csv, and the admin's export."""

import csv
import datetime
import io

import openpyxl
import pytest

from departments.roles import ADMIN, create_account
from tasks.choices import ProgressStatus
from tasks.models import Measure
from tasks.standing.on_date import with_standing

from .helpers import flat_export
from .test_exporting import report
from .test_importing import measure_at

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2024, 12, 31)


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_one_row_per_measure_with_years_and_the_overdue_flag(anshan):
    report(measure_at("anshan", 1, 2), 2025, ProgressStatus.IN_PROGRESS, "已排期")
    measures = Measure.objects.filter(item__task__section__plan__slug="anshan")
    data, content_type, filename = flat_export(measures, "csv", as_of=AS_OF)
    assert content_type.startswith("text/csv") and filename.endswith(".csv")
    header, *rows = csv_rows(data)
    assert len(rows) == 75
    assert header[:8] == ["台账", "部分", "序号", "重点任务", "要求编号", "具体要求", "措施编号", "工作措施"]
    assert header[-1] == "逾期"
    second = next(row for row in rows if row[4] == "(1)" and row[6] == "②")  # numbers as the ledger writes them
    record = dict(zip(header, second))
    assert record["责任单位"] == "政策法规科" and record["负责人"] == "尹忠新"
    assert (record["2024年完成时限"], record["2024年状态"]) == ("6月30日", "已完成")
    assert (record["2025年状态"], record["2025年完成情况"]) == ("进行中", "已排期")
    overdue = set(with_standing(measures, as_of=AS_OF).filter(is_overdue=True).values_list("text", flat=True))
    assert {row[7] for row in rows if row[-1] == "是"} == overdue


def test_a_filtered_queryset_gives_only_its_measures_and_one_year(anshan, guangyuan):
    measures = Measure.objects.filter(departments__name="市司法局")
    data, _type, _name = flat_export(measures, "xlsx", year=2024, as_of=AS_OF)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in sheet[1]]
    assert [h for h in header if h.startswith("20")] == ["2024年完成时限", "2024年状态", "2024年完成情况"]
    texts = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(texts) == sorted(measures.values_list("text", flat=True))


#: The plans and their years, the overdue measures, the items, the measures, their deadlines,
#: progress and units.
FLAT_EXPORT_QUERIES = 8


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_flat_export_costs_the_same_queries_for_three_measures_or_two_plans(anshan, guangyuan, fmt, django_assert_max_num_queries):
    for measures in (Measure.objects.filter(item__task__number=1, item__number=1), Measure.objects.all()):
        with django_assert_max_num_queries(FLAT_EXPORT_QUERIES):
            flat_export(measures, fmt, as_of=AS_OF)


def test_an_unknown_format_is_refused(anshan):
    with pytest.raises(ValueError):
        flat_export(Measure.objects.all(), "pdf")


def test_admin_exports_the_filtered_measure_list(anshan, guangyuan, client):
    create_account("chief", ADMIN, password="pw")
    client.login(username="chief", password="pw")
    plan_id = Measure.objects.filter(item__task__section__plan__slug="guangyuan").first().plan.pk
    response = client.post(
        f"/admin/tasks/measure/export/?item__task__section__plan__id__exact={plan_id}",
        {"format": "1", "resource": "0"},
    )
    assert response.status_code == 200
    header, *rows = csv_rows(response.content)
    assert len(rows) == 35 and header[0] == "台账"
    assert {row[0] for row in rows} == {"广元市提升行政执法质量三年行动计划工作台账"}
