"""The ledger export: each real ledger in its own layout, progress filled in, read back by the importer."""

import codecs
import csv
import datetime
import io
import re
from collections import Counter
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import F

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import ProgressSource, ProgressStatus
from tasks.exporting.ledger_layout import export_ledger
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Measure, Plan, Section
from tasks.workflow.progress import record_progress
from tasks.standing.on_date import with_standing

from .conftest import ANSHAN, GUANGYUAN, GUANGYUAN_OPTIONS
from .test_importing import measure_at, plan_snapshot

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2024, 12, 31)


def sheet_of(data):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def fill(cell):
    """The cell's fill colour as RRGGBB (openpyxl writes 00RRGGBB, XlsxWriter FFRRGGBB)."""
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type else None


def original(path, sheet):
    return openpyxl.load_workbook(path)[sheet]


def row_values(sheet, row):
    return [cell.value for cell in sheet[row]]


def report(measure, year, status, note=""):
    current = measure.progress.filter(year=year).first()
    record_progress(
        measure, year, status=status, note=note, source=ProgressSource.WEB,
        expected_version=current.version if current else None,
    )
    return measure


def anshan_row(sheet, item_number):
    """The sheet row of Anshan item (n): its C cell starts with the marker."""
    return next(cell.row for cell in sheet["C"] if re.match(rf"\({item_number}\)(\s|$)", str(cell.value or "")))


def guangyuan_first():
    return Measure.objects.get(item__task__title="全面提升政治能力")


# -- Anshan: the layout it came in -----------------------------------------------------------


def test_anshan_export_has_the_title_header_sections_and_merges_of_the_original(anshan):
    sheet = sheet_of(export_ledger(Plan.objects.get(slug="anshan"), as_of=AS_OF))
    source = original(ANSHAN, "任务分解表")
    assert sheet.title == "任务分解表"
    assert sheet["A1"].value == source["A1"].value == "鞍山市国动办提升行政执法质量三年行动工作方案(2023—2025年)任务分解表"
    assert row_values(sheet, 2) == row_values(source, 2)
    assert {str(r) for r in sheet.merged_cells.ranges} == {str(r) for r in source.merged_cells.ranges}
    section_rows = [cell.value for cell in sheet["A"] if str(cell.value or "").startswith("(")]
    assert section_rows == [cell.value for cell in source["A"] if str(cell.value or "").startswith("(")]
    assert section_rows[0] == "(一) 全面提升行政执法人员能力素质"
    assert sheet.max_row == source.max_row


def test_anshan_item_1_shows_its_measures_keyed_deadlines_and_both_done(anshan):
    sheet = sheet_of(export_ledger(Plan.objects.get(slug="anshan"), as_of=AS_OF))
    row = anshan_row(sheet, 1)
    assert sheet.cell(row, 1).value == 1
    assert sheet.cell(row, 2).value == "加强政治能力建设"
    assert sheet.cell(row, 5).value.split("\n")[1].startswith("② 每年组织开展一次习近平法治思想学习培训")
    assert sheet.cell(row, 7).value == "①11月30日\n②6月30日"
    assert sheet.cell(row, 9).value == "①机关党总支\n②政策法规科"
    assert sheet.cell(row, 11).value == "① ②"


def test_progress_reported_in_the_app_is_what_the_ledger_shows(anshan):
    report(measure_at("anshan", 2, 1), 2024, ProgressStatus.DONE)
    report(measure_at("anshan", 2, 3), 2023, ProgressStatus.IN_PROGRESS, "初稿完成")
    sheet = sheet_of(export_ledger(Plan.objects.get(slug="anshan"), as_of=AS_OF))
    row = anshan_row(sheet, 2)
    assert sheet.cell(row, 11).value == "① ③"
    assert sheet.cell(row, 6).value == "①已完成\n②已完成\n③进行中：初稿完成"


def test_overdue_measures_have_their_deadline_and_status_cells_filled_red(anshan):
    plan = Plan.objects.get(slug="anshan")
    sheet = sheet_of(export_ledger(plan, year=2024, as_of=AS_OF))
    overdue_items = set(
        with_standing(Measure.objects.filter(item__task__section__plan=plan), as_of=AS_OF, year=2024)
        .filter(is_overdue=True)
        .values_list("item__number", flat=True)
    )
    assert overdue_items
    for item in range(1, 46):
        row = anshan_row(sheet, item)
        red = {fill(sheet.cell(row, column)) for column in (7, 11)} == {"FFC7CE"}
        assert red == (item in overdue_items), item
        assert fill(sheet.cell(row, 5)) != "FFC7CE"


def test_the_export_prints_landscape_one_page_wide_with_the_header_repeated_and_frozen(anshan):
    sheet = sheet_of(export_ledger(Plan.objects.get(slug="anshan")))
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert (sheet.page_setup.fitToWidth or 1) == 1  # left out when 1, the default
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.freeze_panes == "A3"


def test_importing_the_anshan_export_changes_nothing(anshan):
    report(measure_at("anshan", 2, 1), 2024, ProgressStatus.DONE)
    before = plan_snapshot("anshan")
    data = export_ledger(Plan.objects.get(slug="anshan"))
    again = import_ledger(data, file_name="anshan-2024.xlsx", options=ImportOptions(plan_slug="anshan"))
    assert again.counts.get("new", 0) == again.counts.get("update", 0) == 0
    assert again.counts["skip"] == 75
    assert plan_snapshot("anshan") == before


# -- Guangyuan: no status column, ledger on the second sheet ------------------------------------


def test_guangyuan_export_keeps_its_rows_above_the_header_and_adds_a_status_column(guangyuan):
    plan = Plan.objects.get(slug="guangyuan")
    report(guangyuan_first(), plan.reporting_year, ProgressStatus.DONE)
    sheet = sheet_of(export_ledger(plan, as_of=AS_OF))
    source = original(GUANGYUAN, "附件2")
    assert sheet.title == "附件2"
    assert [sheet["A1"].value, sheet["A2"].value] == ["附件2", "广元市提升行政执法质量三年行动计划工作台账"]
    assert row_values(sheet, 3)[:6] == row_values(source, 3)
    assert sheet.cell(3, 7).value == f"{plan.reporting_year}年完成情况（截至2024年12月31日）"
    assert sheet["A4"].value == "一、全面提升行政执法人员能力素质"
    assert "A4:G4" in {str(r) for r in sheet.merged_cells.ranges}
    first = next(cell.row for cell in sheet["B"] if cell.value == "全面提升政治能力")
    assert sheet.cell(first, 7).value == "已完成"
    assert sheet.cell(first + 1, 7).value is None
    assert sheet.freeze_panes == "A4" and sheet.print_title_rows == "$3:$3"


def test_importing_the_guangyuan_export_gives_the_same_plan(guangyuan):
    plan = Plan.objects.get(slug="guangyuan")
    report(guangyuan_first(), plan.reporting_year, ProgressStatus.IN_PROGRESS, "已部署")
    before = plan_snapshot("guangyuan")
    again = import_ledger(export_ledger(plan), file_name="guangyuan.xlsx", options=GUANGYUAN_OPTIONS)
    assert again.counts.get("new", 0) == again.counts.get("update", 0) == 0
    assert again.counts["skip"] == 35
    assert again.kept_app_progress == 0
    assert plan_snapshot("guangyuan") == before


def test_a_plan_without_its_workbook_exports_the_standard_layout_that_imports_to_the_same_plan(guangyuan):
    plan = Plan.objects.get(slug="guangyuan")
    plan.source_file = ""
    plan.save()
    data = export_ledger(plan)
    sheet = sheet_of(data)
    assert sheet["A1"].value == plan.title
    assert row_values(sheet, 2)[:4] == ["序号", "重点任务", "具体要求", "落实工作措施"]
    copy = import_ledger(data, file_name="copy.xlsx", options=ImportOptions(plan_slug="copy", years=plan.years))
    assert copy.counts["new"] == 35
    assert plan_snapshot("copy") == plan_snapshot("guangyuan")


def test_the_export_can_be_narrowed_to_some_measures(anshan):
    plan = Plan.objects.get(slug="anshan")
    mine = Measure.objects.filter(item__task__section__plan=plan, departments__name="机关党总支")
    sheet = sheet_of(export_ledger(plan, measures=mine))
    texts = "\n".join(str(cell.value) for row in sheet.iter_rows(min_row=3) for cell in row if cell.value)
    assert mine.exists()
    for measure in Measure.objects.filter(item__task__section__plan=plan):
        assert (measure.text in texts) == mine.filter(pk=measure.pk).exists()


# -- scale: a fixed number of queries, streamed ----------------------------------------------------

#: The plan's layout (kept workbook: first section, item numbering, first section's number style),
#: whether any measure has extra columns, the plans, the overdue measures, the items, the measures,
#: their deadlines, their progress and the year's milestones moved by approved extensions.
LEDGER_EXPORT_QUERIES = 11


def test_the_ledger_export_costs_the_same_queries_for_three_measures_or_the_whole_plan(anshan, django_assert_max_num_queries):
    plan = Plan.objects.get(slug="anshan")
    few = Measure.objects.filter(item__task__section__plan=plan, item__number__lte=1)
    for measures in (few, None):
        with django_assert_max_num_queries(LEDGER_EXPORT_QUERIES):
            export_ledger(plan, measures=measures, as_of=AS_OF)


def test_the_ledger_follows_the_plan_order_when_the_ids_do_not(anshan):
    plan = Plan.objects.get(slug="anshan")
    Section.objects.filter(plan=plan).update(order=100 - F("order"))
    report(measure_at("anshan", 1, 2), 2023, ProgressStatus.IN_PROGRESS, "第一项最后导出")
    sheet = sheet_of(export_ledger(plan, as_of=AS_OF))
    sections = [cell.value for cell in sheet["A"] if str(cell.value or "").startswith("(")]
    assert sections == [f"({s.number}) {s.title}" for s in plan.sections.order_by("order")]
    row = anshan_row(sheet, 1)
    assert row > anshan_row(sheet, 45)
    assert sheet.cell(row, 6).value == "①已完成\n②第一项最后导出"
    assert sheet.cell(row, 7).value == "①11月30日\n②6月30日"


# -- the command and the download ----------------------------------------------------------------


def test_export_ledger_command_writes_each_format(anshan, tmp_path):
    for fmt in ("xlsx", "csv", "json"):
        out = tmp_path / f"anshan.{fmt}"
        call_command("export_ledger", "--format", fmt, "-o", str(out), stdout=io.StringIO())
        assert out.stat().st_size > 0
    assert import_ledger(tmp_path / "anshan.json").counts["skip"] == 75
    assert sheet_of((tmp_path / "anshan.xlsx").read_bytes())["A1"].value.startswith("鞍山市国动办")


def test_export_ledger_command_writes_one_csv_row_per_measure_with_each_years_status(anshan, tmp_path):
    out = tmp_path / "anshan.csv"
    with time_machine.travel(datetime.datetime(2025, 1, 15, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        call_command("export_ledger", "--format", "csv", "-o", str(out), stdout=io.StringIO())

    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # so Excel on Chinese Windows reads it as UTF-8
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    assert header == [
        "台账", "部分", "序号", "重点任务", "要求编号", "具体要求", "措施编号", "工作措施", "牵头单位", "责任单位", "负责人",
        "2023年完成时限", "2023年状态", "2023年完成情况", "2024年完成时限", "2024年状态", "2024年完成情况",
        "2025年完成时限", "2025年状态", "2025年完成情况", "逾期",
    ]
    assert len(rows) == 75
    second = rows[1]
    assert second[:5] == [Plan.objects.get(slug="anshan").title, "一、全面提升行政执法人员能力素质", "1", "加强政治能力建设", "(1)"]  # the item number as the ledger writes it
    assert second[6:] == [
        "②", measure_at("anshan", 1, 2).text, "", "政策法规科", "尹忠新",
        "", "已完成", "已完成", "6月30日", "已完成", "", "7月31日", "未开始", "", "否",
    ]
    assert Counter(row[15] for row in rows) == {"已完成": 37, "未开始": 38}  # 2024: the 已完成任务 column
    assert Counter(row[-1] for row in rows) == {"是": 24, "否": 51}  # overdue on 15 January 2025


def test_export_ledger_command_needs_the_plan_named_when_there_are_two(anshan, guangyuan, tmp_path):
    with pytest.raises(CommandError, match="--plan"):
        call_command("export_ledger", "-o", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="not a year"):
        call_command("export_ledger", "--plan", "anshan", "--year", "2030", "-o", str(tmp_path / "x.xlsx"))


def downloaded(response):
    """The body of a download, whether it was sent at once or streamed."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def login(client, name, role, departments=()):
    create_account(name, role, departments=departments, password="pw")
    client.login(username=name, password="pw")


def test_staff_download_holds_only_their_departments_measures_in_every_format(anshan, client):
    login(client, "clerk", STAFF, ["机关党总支"])
    plan = Plan.objects.get(slug="anshan")
    theirs = Measure.objects.filter(item__task__section__plan=plan, departments__name="机关党总支")
    others = Measure.objects.filter(item__task__section__plan=plan).exclude(pk__in=theirs.values("pk"))
    for fmt in ("xlsx", "csv", "json"):
        response = client.get(f"/plans/anshan/export/?format={fmt}")
        assert response.status_code == 200
        body = downloaded(response)
        text = body.decode("utf-8-sig") if fmt != "xlsx" else "\n".join(
            str(cell.value) for row in sheet_of(body).iter_rows() for cell in row if cell.value
        )
        assert all(m.text in text for m in theirs)
        assert not any(m.text in text for m in others), fmt


def test_supervisor_downloads_the_ledger_of_a_year(anshan, client):
    login(client, "chief", SUPERVISOR)
    response = client.get("/plans/anshan/export/?format=xlsx&year=2025")
    assert response.status_code == 200
    assert "anshan-2025.xlsx" in response["Content-Disposition"]
    assert sheet_of(downloaded(response)).cell(2, 12).value.startswith("2025年完成情况")
    assert client.get("/plans/anshan/export/?format=pdf").status_code == 404
    assert client.get("/plans/anshan/export/?year=1999").status_code == 404


def test_the_download_needs_a_login(anshan, client):
    assert client.get("/plans/anshan/export/").status_code == 302
