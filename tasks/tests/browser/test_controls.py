"""Controls in the app's language, in a real browser: a file input reads 选择文件 and lists the
files chosen (static/js/file_inputs.js), with the browser's own control when script is off, its
focus drawn by the app; dates read 2024-12-01 in Chinese and in English, in text and in fields,
never month first as an English browser's own date control writes them (12/01/2024)."""

import pytest
from playwright.sync_api import expect

from departments.roles import ADMIN, STAFF, SUPERVISOR, create_account
from tasks.tests.helpers import measures_of

from .conftest import PASSWORD, VIEWPORT, check_page, log_in, month_first_dates, small_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCOPE = "plan=anshan&year=2024&as_of=2024-12-01"


@pytest.fixture
def fagui(anshan):
    return create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)


@pytest.fixture
def measure(anshan):
    return measures_of("政策法规科").first()


def test_a_file_input_reads_choose_file_in_chinese_and_lists_the_chosen_names(page, fagui, measure):
    log_in(page, "fagui")
    page.goto(f"/measures/{measure.pk}/")
    year = page.locator("#year-2025")
    pick = year.locator(".file-pick")
    expect(pick.locator(".file-pick-button")).to_have_text("选择文件")
    expect(pick.locator(".file-pick-names")).to_have_text("未选择文件")

    year.get_by_label("佐证材料").set_input_files([
        {"name": "自查报告.pdf", "mimeType": "application/pdf", "buffer": small_pdf()},
        {"name": "现场照片.pdf", "mimeType": "application/pdf", "buffer": small_pdf()},
    ])
    expect(pick.locator(".file-pick-names")).to_have_text("自查报告.pdf、现场照片.pdf")

    # The focus is drawn by the app, on the button the transparent input lies over.
    year.get_by_label("佐证材料").focus()
    outline = pick.locator(".file-pick-button").evaluate("button => getComputedStyle(button).outlineStyle")
    assert outline == "solid"
    check_page(page)


def test_the_admin_file_input_reads_choose_file_too(page, transactional_db):
    create_account("chief", ADMIN, password=PASSWORD)
    log_in(page, "chief")
    page.goto("/admin/tasks/measure/import/")
    pick = page.locator(".file-pick")
    expect(pick.locator(".file-pick-button")).to_have_text("选择文件")
    page.get_by_label("导入文件").set_input_files({"name": "台账.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK"})
    expect(pick.locator(".file-pick-names")).to_have_text("台账.xlsx")


def test_without_script_the_browsers_own_file_input_shows(browser, live_server, fagui, measure):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, "fagui")
    page.goto(f"/measures/{measure.pk}/")
    evidence = page.locator("#year-2025").get_by_label("佐证材料")
    expect(evidence).to_be_visible()
    assert evidence.evaluate("input => getComputedStyle(input).opacity") == "1"
    expect(page.locator(".file-pick")).to_have_count(0)
    context.close()


def test_dates_read_year_first_in_english_too(browser, live_server, anshan):
    """An English browser with the app in English: every date as 2024-12-01, in text and fields."""
    create_account("chief", SUPERVISOR, password=PASSWORD)
    create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)
    measure = measures_of("政策法规科").first()
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    shown = {}
    for path in (f"/?{SCOPE}", f"/overdue/?{SCOPE}", f"/measures/?{SCOPE}&due_from=2024-06-01&due_to=2024-12-31",
                 f"/measures/{measure.pk}/", "/review/"):
        page.goto(path)
        shown[path] = month_first_dates(page)
    assert all(not found for found in shown.values()), shown
    page.goto(f"/?{SCOPE}")
    as_of = page.get_by_label("As of")
    expect(as_of).to_have_value("2024-12-01")
    expect(page.locator("h2.plan-title")).to_contain_text("2024-12-01")
    page.goto(f"/measures/?{SCOPE}&due_from=2024-06-01")
    expect(page.locator('input[name="due_from"]')).to_have_value("2024-06-01")
    context.close()


def test_a_date_field_asks_for_the_year_first_and_refuses_month_first(page, fagui, measure):
    log_in(page, "fagui")
    page.goto(f"/measures/{measure.pk}/?year=2025")
    page.locator("#year-2025").get_by_label("状态").select_option(label="已完成")  # the date-done step opens
    done_on = page.locator("#year-2025").get_by_label("完成日期")
    expect(done_on).to_have_attribute("placeholder", "年-月-日")
    done_on.fill("12/01/2025")
    assert not done_on.evaluate("field => field.checkValidity()")  # refused before it is sent
    for typed in ("2025-11-03", "2025/11/3", "2025年11月3日"):
        done_on.fill(typed)
        assert done_on.evaluate("field => field.checkValidity()"), typed
