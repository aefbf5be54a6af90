"""Bulk work in a real browser: a supervisor returns one report inline (htmx swaps only its row),
then ticks 全选 and accepts the rest; a staff member at phone width reports three measures at once."""

import pytest
from playwright.sync_api import expect

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import ProgressSource, ProgressStatus, ReviewState
from tasks.models import Progress
from tasks.workflow.reporting import report_progress
from tasks.tests.helpers import measures_of

from .conftest import PASSWORD, check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def fagui(anshan):
    return create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)[0]


@pytest.fixture
def three_reports(fagui):
    """Three 政策法规科 measures reported done for 2025, waiting for review."""
    measures = list(measures_of("政策法规科")[:3])
    for measure in measures:
        report_progress(measure, 2025, user=fagui, status=ProgressStatus.DONE, note="已完成。",
                        expected_version=None, source=ProgressSource.WEB)
    return list(Progress.objects.filter(measure__in=measures, year=2025).order_by("measure_id"))


def test_a_supervisor_returns_one_row_inline_and_accepts_the_rest_in_bulk(page, shots, three_reports):
    create_account("chief", SUPERVISOR, password=PASSWORD)
    log_in(page, "chief")
    page.goto("/review/")
    check_page(page)
    first = three_reports[0]
    row = page.locator(f"#report-{first.pk}")
    row.get_by_label("退回理由").fill("缺少签到表")
    row.get_by_role("button", name="退回").click()
    expect(page.locator(f"#report-{first.pk} [role=status]")).to_have_text("已退回。")
    assert page.url.endswith("/review/")  # the row was swapped, the page stayed
    check_page(page)
    page.get_by_label("全选").check()
    expect(page.locator('input[name="selected"][form="bulk-review"]:checked')).to_have_count(2)
    shots(page, "supervisor-bulk-review")
    page.get_by_role("button", name="处理所选报告").click()
    expect(page.locator(".message.success")).to_have_text("已通过 2 份报告。")
    check_page(page)
    reviews = dict(Progress.objects.filter(pk__in=[p.pk for p in three_reports]).values_list("pk", "review"))
    assert reviews == {first.pk: ReviewState.RETURNED, three_reports[1].pk: ReviewState.ACCEPTED, three_reports[2].pk: ReviewState.ACCEPTED}


def test_staff_report_three_measures_at_once_at_phone_width(page, shots, fagui):
    page.set_viewport_size(PHONE)
    log_in(page, "fagui")
    page.goto("/my/report-many/?year=2025")
    check_page(page)
    measures = list(measures_of("政策法规科")[:3])
    for measure in measures:
        page.locator(f"#chosen-{measure.pk}").check()
    page.get_by_label("状态").select_option("in_progress")
    page.get_by_label("完成情况").fill("已制定工作方案")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing pushes the page sideways
    shots(page, "staff-report-many")
    page.get_by_role("button", name="保存所选措施的进展").click()
    expect(page.locator(".message.success")).to_have_text("已为 3 项工作措施保存进展。")
    check_page(page)
    saved = Progress.objects.filter(measure__in=measures, year=2025)
    assert {(p.status, p.note) for p in saved} == {(ProgressStatus.IN_PROGRESS, "已制定工作方案")} and saved.count() == 3
