"""Admin (管理员) in a real browser: import a ledger workbook in the admin (preview, confirm), a bad file, and the bulk import."""

import pytest
from playwright.sync_api import expect

from departments.roles import ADMIN, create_account
from tasks.models import Measure, Plan
from tasks.tests.conftest import GUANGYUAN

from .conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORT_URL = "/admin/tasks/measure/import/"


@pytest.fixture
def admin_account(transactional_db):
    return create_account("chief", ADMIN, password=PASSWORD)


def test_admin_imports_a_ledger_with_preview_and_confirmation(page, shots, admin_account):
    log_in(page, "chief")
    page.get_by_role("link", name="管理后台").click()
    expect(page.get_by_role("heading", name="站点管理")).to_be_visible()
    page.goto(IMPORT_URL)
    page.get_by_label("导入文件").set_input_files(GUANGYUAN)
    page.get_by_label("方案年度").fill("2023-2025")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("button", name="确认导入")).to_be_visible()
    preview = page.locator("table.import-preview")
    expect(preview.locator("tbody tr")).to_have_count(35)
    expect(preview).to_contain_text("市司法局")
    assert not Measure.objects.exists()
    shots(page, "admin-import-preview", full_page=False)

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messagelist")).to_contain_text("新增35条记录")
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
    shots(page, "admin-import-error")
    assert not Plan.objects.exists()


def test_admin_bulk_imports_a_ledger_from_the_measure_list(page, shots, admin_account):
    log_in(page, "chief")
    page.goto("/admin/tasks/measure/")
    page.get_by_role("link", name="批量导入").click()
    page.get_by_label("台账文件").set_input_files(GUANGYUAN)
    page.get_by_label("方案年度").fill("2023-2025")
    page.get_by_role("button", name="检查并预览").click()

    expect(page.locator("td.bulk-new")).to_have_text("35")
    expect(page.locator("table.bulk-changes tbody tr")).to_have_count(35)
    assert not Measure.objects.exists()
    shots(page, "admin-bulk-import-preview", full_page=False)

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messagelist")).to_contain_text("新增 35 条措施")
    plan = Plan.objects.get()
    assert Measure.objects.filter(item__task__section__plan=plan).count() == 35
