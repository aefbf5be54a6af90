"""Admin (管理员) in a real browser: import a ledger workbook in the admin (preview, confirm), a bad file, and the bulk import.

Every page passes ``check_page`` (axe-core, no sideways scroll at desk, 200% zoom and phone width)."""

import pytest
from playwright.sync_api import expect

from departments.roles import ADMIN, create_account
from tasks.models import Measure, Plan
from tasks.tests.conftest import FIXTURES, GUANGYUAN

from .conftest import PASSWORD, check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORT_URL = "/admin/tasks/measure/import/"
XIANAN = FIXTURES / "corpus" / "03_xianan_flat_gbk.csv"


@pytest.fixture
def admin_account(transactional_db):
    return create_account("chief", ADMIN, password=PASSWORD)


def test_admin_imports_a_ledger_with_preview_and_confirmation(page, shots, admin_account):
    log_in(page, "chief", check=True)
    check_page(page)
    page.get_by_role("link", name="管理后台").click()
    expect(page.get_by_role("heading", name="管理首页")).to_be_visible()
    expect(page).to_have_title("管理首页 | 任务台账管理后台")
    check_page(page)
    page.goto(IMPORT_URL)
    check_page(page)
    page.get_by_label("导入文件").set_input_files(GUANGYUAN)
    page.get_by_label("方案年度").fill("2023-2025")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("button", name="确认导入")).to_be_visible()
    preview = page.locator("table.import-preview")
    expect(preview.locator("tbody tr")).to_have_count(35)
    expect(preview).to_contain_text("市司法局")
    assert not Measure.objects.exists()
    check_page(page)
    shots(page, "admin-import-preview", full_page=False)

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messagelist")).to_contain_text("新增35条记录")
    check_page(page)
    shots(page, "admin-import", full_page=False)
    plan = Plan.objects.get()
    assert (plan.start_year, plan.end_year) == (2023, 2025)
    assert Measure.objects.filter(item__task__section__plan=plan).count() == 35


def test_admin_reads_the_error_of_a_file_that_is_not_a_ledger(page, shots, admin_account):
    log_in(page, "chief")
    page.goto(IMPORT_URL)
    page.get_by_label("导入文件").set_input_files(
        {"name": "季度报表.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": "这不是一个工作簿".encode()}
    )
    page.get_by_role("button", name="提交").click()
    error = page.locator(".errorlist")
    expect(error).to_contain_text("季度报表.xlsx")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    check_page(page)
    shots(page, "admin-import-error")
    assert not Plan.objects.exists()


def test_admin_bulk_imports_a_ledger_from_the_measure_list(page, shots, admin_account):
    log_in(page, "chief")
    page.goto("/admin/tasks/measure/")
    check_page(page)
    page.get_by_role("link", name="批量导入").click()
    check_page(page)
    page.get_by_label("台账文件").set_input_files(GUANGYUAN)
    page.get_by_label("方案年度").fill("2023-2025")
    page.get_by_role("button", name="检查并预览").click()

    expect(page.locator(".bulk-summary .bulk-new")).to_have_text("35")
    expect(page.locator("table.bulk-changes tbody tr")).to_have_count(35)
    check_page(page)
    assert not Measure.objects.exists()
    shots(page, "admin-bulk-import-preview", full_page=False)

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messagelist")).to_contain_text("新增 35 条措施")
    check_page(page)
    plan = Plan.objects.get()
    assert Measure.objects.filter(item__task__section__plan=plan).count() == 35


def test_admin_corrects_a_column_in_the_bulk_preview_and_the_plan_remembers_it(page, shots, admin_account):
    log_in(page, "chief")
    page.goto("/admin/tasks/measure/bulk-import/")
    page.get_by_label("导入到台账（标识）").fill("xianan")
    page.get_by_label("台账文件").set_input_files(XIANAN)
    page.get_by_role("button", name="检查并预览").click()

    table = page.locator("table.column-table")
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.locator("tr.column-3")).to_contain_text("表头“领导”")
    column = page.get_by_label("第 3 列「责任领导」读作")
    expect(column).to_have_value("person")
    column.focus()
    column.select_option("extra")  # the change re-reads the upload at once (static/js/column_table.js)
    expect(table.locator("tr.column-3 .column-reason")).to_have_text("按列映射保留为其他列")
    expect(page.get_by_label("第 3 列「责任领导」读作")).to_have_value("extra")
    expect(page.locator(".bulk-summary .bulk-new")).to_have_text("12")
    assert not Plan.objects.exists()
    check_page(page)
    shots(page, "admin-column-table", full_page=False)

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messagelist")).to_contain_text("新增 12 条措施")
    assert Plan.objects.get(slug="xianan").column_map == {"责任领导": "extra"}

    page.goto("/admin/tasks/measure/bulk-import/")
    page.get_by_label("导入到台账（标识）").fill("xianan")
    page.get_by_label("台账文件").set_input_files(XIANAN)
    page.get_by_role("button", name="检查并预览").click()
    expect(page.locator(".column-map-remembered")).to_contain_text("按上次导入的列映射")
    expect(page.get_by_label("第 3 列「责任领导」读作")).to_have_value("extra")
    expect(page.locator(".bulk-summary .bulk-skip")).to_have_text("12")


def test_the_column_table_fits_a_phone(page, shots, admin_account):
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, "chief")
    page.goto("/admin/tasks/measure/bulk-import/")
    page.get_by_label("台账文件").set_input_files(XIANAN)
    page.get_by_role("button", name="检查并预览").click()
    expect(page.locator("table.column-table")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    shots(page, "admin-column-table-phone")


def test_admin_follows_a_large_bulk_import_on_its_progress_bar_until_the_report(page, shots, admin_account, settings):
    """Above LEDGER_IMPORT_JOB_ABOVE the confirmation answers with the job's status page; htmx
    polls it, and once the real worker has run, the bar gives way to the report without a reload."""
    from jobs.tests.helpers import run_worker

    settings.LEDGER_IMPORT_JOB_ABOVE = 10
    log_in(page, "chief")
    page.goto("/admin/tasks/measure/bulk-import/")
    page.get_by_label("台账文件").set_input_files(GUANGYUAN)
    page.get_by_label("方案年度").fill("2023-2025")
    page.get_by_role("button", name="检查并预览").click()
    page.get_by_role("button", name="确认导入").click()

    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(page.locator("#import-step")).to_contain_text("等待后台进程开始导入")
    expect(page.locator("#content")).to_contain_text("guangyuan.xlsx：35 项工作措施，导入到台账 guangyuan")
    shots(page, "admin-import-job-queued", full_page=False)
    assert not Measure.objects.exists()

    run_worker()
    expect(page.locator(".import-state")).to_contain_text("台账 guangyuan 新增 35 条措施", timeout=10_000)  # htmx, no reload
    expect(bar).to_have_count(0)
    expect(page.locator(".import-report")).to_contain_text("imported guangyuan.xlsx (sheet 附件2) into plan guangyuan")
    shots(page, "admin-import-job-done", full_page=False)
    assert Measure.objects.filter(item__task__section__plan__slug="guangyuan").count() == 35
