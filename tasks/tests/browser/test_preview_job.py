"""A large upload to the admin's bulk import in a real browser: the upload answers with the preview
job's status page, htmx swaps in the preview once the real worker has run it, a column corrected
there previews the file again as a job, and 确认导入 queues the import of the kept file.

Every finished page passes ``check_page`` (axe-core, no sideways scroll at desk, 200% zoom and phone width)."""

import pytest
from playwright.sync_api import expect

from departments.roles import ADMIN, create_account
from jobs.tests.helpers import run_worker
from tasks.models import Measure, Plan
from tasks.tests.conftest import FIXTURES

from .conftest import PASSWORD, check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XIANAN = FIXTURES / "corpus" / "03_xianan_flat_gbk.csv"  # 992 bytes, 12 measures


@pytest.fixture
def admin_account(transactional_db):
    return create_account("chief", ADMIN, password=PASSWORD)


def test_admin_follows_a_large_upload_to_its_preview_corrects_a_column_and_confirms(page, shots, admin_account, settings):
    settings.LEDGER_PREVIEW_JOB_ABOVE_BYTES = 100
    settings.LEDGER_IMPORT_JOB_ABOVE = 10
    log_in(page, "chief")
    page.goto("/admin/tasks/measure/bulk-import/")
    page.get_by_label("导入到台账（标识）").fill("xianan")
    page.get_by_label("台账文件").set_input_files(XIANAN)
    page.get_by_role("button", name="检查并预览").click()

    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    expect(page.locator("#import-step")).to_contain_text("等待后台进程开始预览")
    expect(page.locator("#content")).to_contain_text("由后台进程读取并与台账比对（预览不写入任何内容）")
    first = page.url

    run_worker()
    table = page.locator("table.column-table")
    expect(table.locator("tbody tr")).to_have_count(5, timeout=10_000)  # htmx, no reload
    expect(page.get_by_role("progressbar")).to_have_count(0)
    expect(page.locator(".bulk-summary .bulk-new")).to_have_text("12")
    expect(page.locator(".column-reread-job")).to_contain_text("由后台进程重新预览")
    check_page(page)
    shots(page, "admin-preview-job-done", full_page=False)
    assert not Plan.objects.exists()

    page.get_by_label("第 3 列「责任领导」读作").select_option("extra")  # static/js/column_table.js, on the swapped-in form
    expect(page.locator("#import-step")).to_contain_text("等待后台进程开始预览")
    assert page.url != first
    run_worker()
    expect(table.locator("tr.column-3 .column-reason")).to_have_text("按列映射保留为其他列", timeout=10_000)
    expect(page.get_by_label("第 3 列「责任领导」读作")).to_have_value("extra")

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("#content")).to_contain_text("xianan")
    expect(page.locator("#import-step")).to_contain_text("等待后台进程开始导入")
    assert not Measure.objects.exists()
    run_worker()
    expect(page.locator(".import-state")).to_contain_text("台账 xianan 新增 12 条措施", timeout=10_000)
    check_page(page)
    assert Plan.objects.get(slug="xianan").column_map == {"责任领导": "extra"}
