"""Staff (填报人员) in a real browser: 我的任务 → a measure → report with evidence → done → history; no other department.

Every page passes ``check_page`` (axe-core, no sideways scroll at desk, 200% zoom and phone width)."""

import datetime

import pytest
from playwright.sync_api import expect

from departments.roles import STAFF, create_account
from tasks.models import Progress
from tasks.tests.helpers import measures_of

from .conftest import PASSWORD, check_page, log_in, small_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2025


@pytest.fixture
def fagui(anshan):
    return create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)


@pytest.fixture
def own_measure(anshan):
    """A 政策法规科 measure nobody has reported on for 2025 yet."""
    reported = Progress.objects.filter(year=YEAR).values("measure_id")
    return measures_of("政策法规科").exclude(pk__in=reported).first()


def test_staff_reports_progress_with_evidence_and_marks_it_done(page, shots, console_errors, fagui, own_measure):
    log_in(page, "fagui", check=True)
    # a login lands staff on their to-do, on the first tab holding something
    expect(page.get_by_role("heading", name="我的任务", level=1)).to_be_visible()
    tabs = page.get_by_role("navigation", name="待办")
    expect(tabs.locator('[aria-current="page"]')).to_have_count(1)
    check_page(page)
    shots(page, "staff-todo-tab")
    tabs.get_by_role("link", name="全部").click()
    page.wait_for_url("**/my/?tab=all")
    expect(page.locator("table.my-measures").first).to_contain_text(own_measure.text[:20])
    check_page(page)
    shots(page, "staff-my")

    page.locator(f'a[href="/measures/{own_measure.pk}/"]').first.click()
    page.wait_for_url(f"**/measures/{own_measure.pk}/")
    page.goto(f"/measures/{own_measure.pk}/?year={YEAR}")  # the year open with its form, whatever today is
    year = page.locator(f"#year-{YEAR}")
    check_page(page)

    # Choosing a status saves nothing: the 保存 button does (and htmx swaps the year's section in place).
    year.get_by_label("状态").select_option(label="进行中")
    page.wait_for_timeout(500)
    assert not Progress.objects.filter(measure=own_measure, year=YEAR).exists()
    year.get_by_role("button", name="保存").click()
    expect(year).to_contain_text("已保存（版本 1）")
    expect(year.get_by_role("heading")).to_contain_text("进行中")

    year.get_by_label("完成情况").fill("已起草自查报告，报分管领导审定。")
    year.get_by_label("佐证材料").set_input_files(
        {"name": "自查报告.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
    )
    year.get_by_role("button", name="保存").click()
    expect(year).to_contain_text("已保存（版本 2）")
    expect(year.get_by_role("link", name="自查报告.pdf")).to_be_visible()
    check_page(page)  # the year's section as htmx swapped it in

    # 已完成 asks for the date done (today, editable) and the button becomes 确认完成: nothing is written before it
    expect(year.get_by_label("完成日期")).to_be_hidden()
    year.get_by_label("状态").select_option(label="已完成")
    expect(year.get_by_label("完成日期")).to_be_visible()
    expect(year.get_by_label("完成日期")).to_have_value(datetime.date.today().isoformat())
    page.wait_for_timeout(500)
    assert Progress.objects.get(measure=own_measure, year=YEAR).version == 2
    check_page(page)
    year.get_by_role("button", name="确认完成").click()
    expect(year).to_contain_text("已保存（版本 3）")
    expect(year.get_by_role("heading")).to_contain_text("已完成")
    expect(year.get_by_role("heading")).to_contain_text("待审核")

    page.reload()
    history = page.locator("table.history")
    expect(history).to_contain_text("自查报告.pdf")
    expect(history.get_by_role("row").filter(has_text="已完成").filter(has_text="fagui")).to_have_count(1)
    expect(history.get_by_role("row").filter(has_text="已起草自查报告")).to_have_count(2)
    check_page(page)
    shots(page, "staff-measure")

    progress = Progress.objects.get(measure=own_measure, year=YEAR)
    assert (progress.status, progress.version, progress.evidence.count()) == ("done", 3, 1)

    # sent by mistake: the author withdraws it before review, and it is back to 进行中
    page.locator(f"#year-{YEAR}").get_by_role("button", name="撤回").click()
    expect(page.locator(".message.success")).to_contain_text(f"{YEAR} 年度的报告已撤回")
    expect(page.locator(f"#year-{YEAR}").get_by_role("heading")).to_contain_text("进行中")
    expect(page.locator(f"#year-{YEAR}").get_by_role("button", name="撤回")).to_have_count(0)
    check_page(page)
    progress.refresh_from_db()
    assert (progress.status, progress.review, progress.version) == ("in_progress", "", 4)


def test_staff_cannot_open_another_departments_measure(page, shots, console_errors, fagui):
    other = measures_of("机关党总支").first()
    log_in(page, "fagui")
    console_errors.allow("status of 404")  # the browser logs the refused page itself
    response = page.goto(f"/measures/{other.pk}/")
    assert response.status == 404
    expect(page.get_by_text(other.text[:20])).to_have_count(0)
    expect(page.get_by_role("heading", name="页面不存在（404）")).to_be_visible()
    expect(page.get_by_role("link", name="返回总览")).to_be_visible()
    check_page(page)
    shots(page, "staff-refused")
