"""Rollover (年度结转): the plan's reporting year moves forward as a guided action, and the pages,
figures and nudges follow; what was unfinished or ongoing carries over."""

import pytest
from rest_framework.test import APIClient

from departments.models import Department
from departments.roles import ADMIN, STAFF, SUPERVISOR, create_account
from notices.notify import nudge_department
from tasks.models import Plan, Progress, ProgressEntry, ReportingYearChange
from tasks.workflow.rollover import RolloverRefused, roll_over, rollover_preview
from tasks.tests.helpers import login
from tasks.workflow.year_close import close_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(anshan):
    return Plan.objects.get(slug="anshan")


@pytest.fixture
def plan_in_2023(plan):
    """Anshan as it stood while 2023 was its reporting year (the ledger's 2023 column: 45 done,
    7 in progress, 14 ongoing; 9 of its 75 measures have no 2023 result)."""
    Plan.objects.filter(pk=plan.pk).update(reporting_year=2023)
    plan.refresh_from_db()
    return plan


def test_the_preview_says_what_is_still_open_and_what_carries_over(plan_in_2023):
    preview = rollover_preview(plan_in_2023)
    assert (preview.old_year, preview.new_year) == (2023, 2024)
    assert (preview.measures, preview.done, preview.in_progress, preview.ongoing, preview.not_started) == (75, 45, 7, 14, 9)
    assert preview.still_open == 30
    # 21 in progress or ongoing in 2023; 12 of them are already reported done for 2024 in the ledger
    assert preview.carried_over == 9
    assert preview.old_year_closed is False


def test_rollover_carries_unfinished_and_ongoing_measures_into_the_new_year(plan_in_2023):
    entries_before = ProgressEntry.objects.count()
    change = roll_over(plan_in_2023, user=create_account("chief", SUPERVISOR)[0], expected_year=2023)
    assert (change.old_year, change.new_year, change.carried_over, change.user.username) == (2023, 2024, 9, "chief")
    assert Plan.objects.get(pk=plan_in_2023.pk).reporting_year == 2024
    carried = Progress.objects.filter(year=2024, entries__comment="由 2023 年度结转")
    assert sorted(carried.values_list("status", flat=True)) == ["in_progress"] * 4 + ["ongoing"] * 5
    assert set(carried.values_list("version", flat=True)) == {1}
    assert ProgressEntry.objects.count() == entries_before + 9
    for progress in carried:
        assert progress.note == Progress.objects.get(measure=progress.measure, year=2023).note
    assert Progress.objects.filter(year=2024, status="done").count() == 37  # the ledger's 2024 reports untouched


def test_the_pages_and_nudges_follow_the_new_reporting_year(plan):
    staff = login("fagui", STAFF, ["政策法规科"])
    api = APIClient()
    api.force_authenticate(create_account("chief", SUPERVISOR)[0])
    assert api.get("/api/summary/?plan=anshan").json()["year"] == 2024
    before = staff.get("/my/?tab=all").content.decode()
    # 我的任务 shows the reporting year's milestones: the department's 34 dated 2024 milestones
    assert (before.count('class="milestone">2024-'), before.count('class="milestone">2025-')) == (34, 0)
    roll_over(plan, expected_year=2024)
    summary = api.get("/api/summary/?plan=anshan").json()
    assert (summary["year"], summary["done"], summary["measures"]) == (2025, 0, 75)
    after = staff.get("/my/?tab=all").content.decode()
    assert (after.count('class="milestone">2024-'), after.count('class="milestone">2025-')) == (0, 23)
    nudge, _count = nudge_department(Department.objects.get(name="政策法规科"), sender=create_account("boss", SUPERVISOR)[0], message="请报送 2025 年进展")
    assert nudge.measures.count() == 62  # nothing of the department is done for 2025 yet


def test_the_page_previews_then_moves_and_a_stale_or_last_year_move_is_refused(plan):
    supervisor = login("chief", SUPERVISOR)
    page = supervisor.get("/plans/anshan/years/").content.decode()
    assert "填报年度将从 2024 改为 2025" in page
    assert "2024 年度尚未关账" in page
    assert supervisor.post("/plans/anshan/years/rollover/", {"expected_year": 2024}).status_code == 302
    assert Plan.objects.get(pk=plan.pk).reporting_year == 2025
    stale = supervisor.post("/plans/anshan/years/rollover/", {"expected_year": 2024}, follow=True)
    assert "请刷新页面后重新确认" in stale.content.decode()
    assert ReportingYearChange.objects.count() == 1
    last = supervisor.get("/plans/anshan/years/").content.decode()
    assert "已是台账的最后一年（2025）" in last
    with pytest.raises(RolloverRefused):
        roll_over(Plan.objects.get(pk=plan.pk), expected_year=2025)


def test_rollover_into_a_closed_year_is_refused(plan_in_2023):
    close_year(plan_in_2023, 2024)
    with pytest.raises(RolloverRefused, match="2024 年度已关账"):
        roll_over(plan_in_2023, expected_year=2023)
    assert Plan.objects.get(pk=plan_in_2023.pk).reporting_year == 2023


def test_staff_cannot_roll_over_and_the_admin_no_longer_edits_the_year(plan):
    staff = login("fagui", STAFF, ["政策法规科"])
    assert staff.post("/plans/anshan/years/rollover/", {"expected_year": 2024}).status_code == 403
    assert Plan.objects.get(pk=plan.pk).reporting_year == 2024
    admin = login("root", ADMIN)
    change_page = admin.get(f"/admin/tasks/plan/{plan.pk}/change/").content.decode()
    assert 'name="reporting_year"' not in change_page
