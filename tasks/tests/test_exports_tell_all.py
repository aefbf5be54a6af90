"""Exports that tell all: the layout export carries notes and approved extensions, the flat 逾期
judges the reporting year, supervisors reach every export from the pages, the audit export."""

import csv
import datetime
import io

import openpyxl
import pytest

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import MilestoneKind, ProgressSource, ProgressStatus
from tasks.exporting.ledger_layout import export_ledger
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Measure, Milestone, Plan, Progress
from tasks.workflow.progress import record_progress
from tasks.workflow.review import decide_extension, request_extension
from tasks.tests.helpers import flat_export, login, measures_of
from tasks.workflow.year_close import close_year, reopen_year

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2024, 12, 31)


def measure_with_dated_2024_milestone(department="政策法规科"):
    return next(
        m for m in measures_of(department)
        if Milestone.objects.filter(deadline__measure=m, deadline__year=2024, kind=MilestoneKind.DATE).exists()
        and not Progress.objects.filter(measure=m, year=2024).exists()
    )


def row_of(sheet, measure):
    """The row whose measure cell holds the measure's text, and the header's columns by name."""
    header_row = next(row for row in sheet.iter_rows() if any(cell.value == "已完成任务" for cell in row))
    columns = {cell.value: cell.column for cell in header_row if cell.value}
    measure_column = next(column for name, column in columns.items() if "措施" in name)
    row = next(cell.row for cell in sheet.iter_cols(min_col=measure_column, max_col=measure_column).__next__()
               if cell.value and measure.text in str(cell.value))
    return row, columns


def approve_extension(measure, days=45):
    milestone = Milestone.objects.filter(deadline__measure=measure, deadline__year=2024, kind=MilestoneKind.DATE).first()
    asked = request_extension(
        milestone, user=create_account("asker", STAFF, departments=["政策法规科"])[0],
        new_date=milestone.date + datetime.timedelta(days=days), reason="上级文件调整时间",
    )
    decide_extension(asked, user=create_account("boss", SUPERVISOR)[0], approve=True, note="同意")
    return milestone.date, milestone.date + datetime.timedelta(days=days)


def test_the_anshan_layout_carries_the_years_notes_and_approved_extensions(anshan):
    plan = Plan.objects.get(slug="anshan")
    measure = measure_with_dated_2024_milestone()
    record_progress(measure, 2024, status=ProgressStatus.IN_PROGRESS, note="已起草制度，待党组审议", source=ProgressSource.WEB)
    original, moved = approve_extension(measure)
    sheet = openpyxl.load_workbook(io.BytesIO(export_ledger(plan, as_of=AS_OF))).active
    row, columns = row_of(sheet, measure)
    done_cell = sheet.cell(row, columns["已完成任务"])
    assert done_cell.comment is not None
    assert "进行中：已起草制度，待党组审议" in done_cell.comment.text
    deadline_column = next(column for name, column in columns.items() if name.startswith("2024") and "时限" in name)
    deadline_cell = sheet.cell(row, deadline_column)
    assert f"已批准延期：原定 {original:%Y-%m-%d}，延至 {moved:%Y-%m-%d}" in deadline_cell.comment.text
    assert "延" not in str(deadline_cell.value)  # the phrase stays as written


def test_the_anshan_export_with_notes_and_extensions_still_reads_back_unchanged(anshan):
    plan = Plan.objects.get(slug="anshan")
    measure = measure_with_dated_2024_milestone()
    record_progress(measure, 2024, status=ProgressStatus.IN_PROGRESS, note="已部署", source=ProgressSource.WEB)
    _original, moved = approve_extension(measure)
    again = import_ledger(export_ledger(plan, as_of=AS_OF), file_name="anshan-2024.xlsx", options=ImportOptions(plan_slug="anshan"))
    assert again.counts.get("new", 0) == again.counts.get("update", 0) == 0
    assert again.counts["skip"] == 75
    assert Milestone.objects.filter(deadline__measure=measure, deadline__year=2024, date=moved).exists()
    assert Progress.objects.get(measure=measure, year=2024).note == "已部署"


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_flat_overdue_column_judges_the_reporting_year_without_year(anshan):
    """As of 2025-08-01, 28 Anshan measures have an overdue milestone in some year, 4 of them only in
    2025 while done for 2024 (the reporting year): 24 are overdue for 2024."""
    measures = Measure.objects.filter(item__task__section__plan__slug="anshan")
    day = datetime.date(2025, 8, 1)
    header, *rows = csv_rows(flat_export(measures, "csv", as_of=day)[0])
    overdue = [row for row in rows if row[-1] == "是"]
    assert len(overdue) == 24
    assert not [row for row in overdue if row[header.index("2024年状态")] == "已完成"]
    _header, *for_2024 = csv_rows(flat_export(measures, "csv", as_of=day, year=2024)[0])
    assert sum(row[-1] == "是" for row in for_2024) == 24


def test_the_dashboard_links_every_export_for_a_supervisor_and_each_link_works(anshan):
    supervisor = login("chief", SUPERVISOR)
    page = supervisor.get("/").content.decode()
    links = [
        "/plans/anshan/export/?format=xlsx&amp;year=2024", "/plans/anshan/writeback/?year=2024",
        "/plans/anshan/export/?format=csv&amp;year=2024", "/plans/anshan/export/?format=json",
        "/plans/anshan/report/?year=2024", "/plans/anshan/audit/?format=xlsx", "/plans/anshan/audit/?format=csv",
        "/plans/anshan/years/",
    ]
    for link in links:
        assert link in page
        assert supervisor.get(link.replace("&amp;", "&")).status_code == 200, link
    measure_list = supervisor.get("/measures/?department=人防管理科").content.decode()
    assert "/measures/audit/?department=%E4%BA%BA%E9%98%B2%E7%AE%A1%E7%90%86%E7%A7%91&format=csv" in measure_list


def test_staff_see_only_their_ledger_export_and_no_audit(anshan):
    staff = login("fagui", STAFF, ["政策法规科"])
    page = staff.get("/").content.decode()
    assert "/plans/anshan/audit/" not in page and "/plans/anshan/report/" not in page
    assert staff.get("/plans/anshan/audit/?format=csv").status_code == 403
    assert staff.get("/measures/audit/?format=csv").status_code == 403
    assert "/measures/audit/" not in staff.get("/measures/").content.decode()


def test_the_audit_export_lists_who_when_what_old_and_new(anshan):
    plan = Plan.objects.get(slug="anshan")
    measure = measures_of("人防管理科").first()
    staff = create_account("renfang", STAFF, departments=["人防管理科"])[0]
    record_progress(measure, 2024, status=ProgressStatus.IN_PROGRESS, note="已制定计划", user=staff, source=ProgressSource.WEB)
    record_progress(measure, 2024, status=ProgressStatus.DONE, note="已完成检查", user=staff, source=ProgressSource.WEB, expected_version=1)
    admin = create_account("root", "admin")[0]
    close_year(plan, 2024, user=create_account("boss", SUPERVISOR)[0])
    reopen_year(plan, 2024, user=admin, reason="补录佐证")
    supervisor = login("chief", SUPERVISOR)
    response = supervisor.get("/measures/audit/?format=csv&department=人防管理科")
    header, *rows = csv_rows(response.getvalue())
    assert header == ["时间", "操作人", "台账", "工作措施", "年度", "事项", "原值", "新值", "说明"]
    # the import wrote 5 人防管理科 reports for 2023; the two reports made here follow
    assert len(rows) == 7
    assert [row[1] for row in rows[-2:]] == ["renfang", "renfang"]
    assert [row[5:8] for row in rows[-2:]] == [["填报（网页填报）", "", "进行中"], ["填报（网页填报）", "进行中", "已完成"]]
    assert rows[-1][8] == "已完成检查"
    whole = supervisor.get("/plans/anshan/audit/?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(whole.getvalue())).active
    acts = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert acts[-2][1] == "boss" and acts[-2][5] == "关账" and acts[-2][7] == "全部部门"
    assert acts[-1][1] == "root" and acts[-1][5] == "重新开放" and acts[-1][8] == "补录佐证"
    # 66 reports for 2023 and 37 for 2024 came with the ledger, then 2 reports, a closing and a reopening
    assert len(acts) == 66 + 37 + 4
