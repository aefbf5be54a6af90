"""The Content-Security-Policy in a real browser (issue #24): the app's pages, htmx, the admin
(django-import-export's pages too) and DRF's browsable API all work under it, and Chromium
reports no violation (the ``page`` fixture fails on any console error; the pages' own
``securitypolicyviolation`` events are collected too). A script injected into a page is refused."""

import pytest
from playwright.sync_api import expect

from departments.roles import ADMIN, STAFF, create_account
from tasks.models import Measure, Progress
from tasks.tests.helpers import measures_of

from .conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def visit(page, path):
    response = page.goto(path)
    assert response.status == 200, path
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    assert page.evaluate("window.__violations") == [], path


@pytest.fixture
def watched(page):
    page.context.add_init_script(WATCH_VIOLATIONS)
    return page


def test_the_admin_the_import_pages_and_the_browsable_api_work_under_the_policy(watched, anshan):
    create_account("chief", ADMIN, password=PASSWORD)
    page = watched
    log_in(page, "chief")
    measure = Measure.objects.order_by("pk").first()
    for path in ("/", "/measures/", f"/measures/{measure.pk}/", "/overdue/", "/review/", "/admin/",
                 "/admin/tasks/measure/", f"/admin/tasks/measure/{measure.pk}/change/", "/admin/tasks/measure/import/",
                 "/admin/tasks/measure/bulk-import/", "/admin/tasks/plan/", "/api/measures/", "/api/summary/",
                 f"/api/measures/{measure.pk}/"):
        visit(page, path)

    # the admin's own scripts run: the change list's "select all" box ticks every row
    visit(page, "/admin/tasks/measure/")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()

    # the browsable API's scripts run: its format menu opens
    visit(page, "/api/measures/")
    page.locator(".format-selection .dropdown-toggle").first.click()
    expect(page.get_by_role("link", name="json").first).to_be_visible()


def test_htmx_saves_a_report_in_place_and_the_language_menu_works_under_the_policy(watched, anshan):
    create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)
    page = watched
    log_in(page, "fagui")
    own = measures_of("政策法规科").exclude(pk__in=Progress.objects.values("measure_id")).first()
    visit(page, f"/measures/{own.pk}/?year=2025")
    year = page.locator("#year-2025")
    year.get_by_label("状态").select_option(label="进行中")
    year.get_by_role("button", name="保存").click()
    expect(year).to_contain_text("已保存（版本 1）")
    assert page.evaluate("document.querySelectorAll('style').length") == 0  # htmx inserted no indicator style
    assert page.evaluate("window.__violations") == []

    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_an_injected_inline_script_is_refused(watched, anshan, console_errors):
    create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)
    page = watched
    log_in(page, "fagui")
    visit(page, "/my/")
    console_errors.allow("Content Security Policy")  # the refusal itself, announced
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.appendChild(script);
    }"""
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
