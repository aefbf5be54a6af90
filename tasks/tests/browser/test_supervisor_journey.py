"""Supervisor (督查人员) in a real browser: dashboard → overdue list → filter → review → ledger export.

Every page passes ``check_page`` (axe-core, no sideways scroll at desk, 200% zoom and phone width)."""

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import ProgressSource, ProgressStatus, ReviewState
from tasks.models import Progress
from tasks.workflow.reporting import report_progress
from tasks.tests.helpers import measures_of

from .conftest import PASSWORD, check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCOPE = "plan=anshan&year=2024&as_of=2024-12-01"


@pytest.fixture
def chief(anshan):
    return create_account("chief", SUPERVISOR, password=PASSWORD)


@pytest.fixture
def done_reports(anshan):
    """Two 政策法规科 measures that staff marked done for 2024, waiting for review."""
    fagui, _created = create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)
    done = Progress.objects.filter(year=2024, status=ProgressStatus.DONE).values("measure_id")
    measures = list(measures_of("政策法规科").exclude(pk__in=done)[:2])
    for measure in measures:
        stored = Progress.objects.filter(measure=measure, year=2024).first()
        report_progress(
            measure, 2024, user=fagui, status=ProgressStatus.DONE, note="已按期完成。",
            expected_version=stored.version if stored else None, source=ProgressSource.WEB,
        )
    return measures


def test_supervisor_follows_the_overdue_count_and_filters_by_department(page, shots, chief):
    log_in(page, "chief")
    page.goto(f"/?{SCOPE}")
    expect(page.get_by_role("heading", name="督查总览")).to_be_visible()
    overdue = page.locator("a.figure.overdue")
    expect(overdue.locator(".value")).not_to_have_text("0")
    measures = int(overdue.locator(".value").inner_text())
    milestones = re.search(r"（(\d+) 个节点）", overdue.locator(".label").inner_text()).group(1)
    check_page(page)
    shots(page, "supervisor-dashboard")

    overdue.click()
    expect(page.get_by_role("heading", name="逾期清单")).to_be_visible()
    expect(page.locator(".hint")).to_contain_text(f"共 {milestones} 个节点")
    expect(page.locator("table.grid tbody tr.row-overdue")).not_to_have_count(0)
    check_page(page)
    shots(page, "supervisor-overdue")

    page.goto(f"/measures/?{SCOPE}&overdue=true")
    expect(page.locator(".hint")).to_contain_text(f"共 {measures} 项措施")
    page.get_by_label("部门").fill("政策法规科")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(lambda url: "department=" in url and "overdue=true" in url)
    rows = page.locator("table.grid tbody tr")
    expect(rows.first).to_contain_text("政策法规科")
    assert 0 < rows.count() < measures
    expect(page.locator(".hint")).to_contain_text(f"共 {rows.count()} 项措施")
    for row in rows.all():
        expect(row.locator("td.units")).to_contain_text("政策法规科")
    check_page(page)
    shots(page, "supervisor-filtered")


def test_supervisor_accepts_one_report_returns_another_and_exports_the_ledger(page, shots, chief, done_reports, tmp_path):
    first, second = done_reports
    log_in(page, "chief")
    page.goto("/review/")
    reports = page.get_by_role("table").first.locator("tbody tr")
    expect(reports).to_have_count(2)
    check_page(page)
    shots(page, "supervisor-review")

    reports.locator(f'a[href^="/measures/{first.pk}/"]').click()
    year = page.locator("#year-2024")
    check_page(page)
    year.get_by_label("审核").select_option(label="通过")
    year.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("审核意见已保存。")).to_be_visible()
    expect(year.get_by_role("heading")).to_contain_text("已通过")

    page.goto("/review/")
    expect(reports).to_have_count(1)
    reports.locator(f'a[href^="/measures/{second.pk}/"]').click()
    year.get_by_label("审核").select_option(label="退回")
    year.get_by_label("意见").fill("佐证材料不全，请补充会议纪要。")
    year.get_by_role("button", name="提交审核").click()
    expect(year.get_by_role("heading")).to_contain_text("已退回")
    expect(page.locator("table.history")).to_contain_text("佐证材料不全，请补充会议纪要。")
    check_page(page)
    shots(page, "supervisor-returned")

    page.goto("/review/")
    expect(page.get_by_text("没有待审核的报告。")).to_be_visible()
    check_page(page)
    reviews = dict(Progress.objects.filter(measure__in=done_reports, year=2024).values_list("measure_id", "review"))
    assert reviews == {first.pk: ReviewState.ACCEPTED, second.pk: ReviewState.RETURNED}

    page.goto(f"/?{SCOPE}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel（台账原格式）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path)
    cells = [str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert any("政策法规科" in cell for cell in cells)
    assert any(first.text[:20] in cell for cell in cells)
