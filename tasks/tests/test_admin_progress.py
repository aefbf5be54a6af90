"""Progress edited in the admin: through ``record_progress`` like any other change, and refused
with the conflict message when someone changed the report after the page was opened."""

import pytest
from django.contrib.auth import get_user_model

from departments.roles import STAFF
from tasks.choices import ProgressSource, ProgressStatus
from tasks.models import ProgressEntry
from tasks.workflow.progress import record_progress

from .helpers import login, measures_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(anshan):
    """A 2025 report of a 政策法规科 measure, written by its staff: version 1 (the admin is ``chief``)."""
    measure = measures_of("政策法规科").first()
    login("fagui", STAFF, ["政策法规科"])
    staff = get_user_model().objects.get(username="fagui")
    return record_progress(
        measure, 2025, status=ProgressStatus.IN_PROGRESS, note="已起草方案", user=staff, source=ProgressSource.WEB
    )


def change_url(progress):
    return f"/admin/tasks/progress/{progress.pk}/change/"


def edit_form(admin_client, progress):
    """The change page's form as the admin opened it, ready to post back."""
    form = admin_client.get(change_url(progress)).context["adminform"].form
    return {
        "status": form["status"].value(),
        "note": form["note"].value(),
        "done_on": form["done_on"].value() or "",
        "seen_version": form["seen_version"].value(),
        **{f"entries-{name}": value for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))},
    }


def history(progress):
    return list(
        ProgressEntry.objects.filter(progress=progress).order_by("version").values_list("version", "status", "note", "source")
    )


def test_an_admins_edit_is_recorded_in_the_history_as_the_admins(admin_client, report):
    form = edit_form(admin_client, report)
    assert form["seen_version"] == 1

    response = admin_client.post(change_url(report), {**form, "status": ProgressStatus.DONE, "note": "已印发"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.version, report.status, report.note, report.updated_by.username) == (2, "done", "已印发", "chief")
    assert history(report) == [(1, "in_progress", "已起草方案", "web"), (2, "done", "已印发", "admin")]


def test_an_edit_over_a_report_changed_since_the_page_opened_is_refused_with_the_conflict(admin_client, report):
    form = edit_form(admin_client, report)
    record_progress(
        report.measure, 2025, status=ProgressStatus.IN_PROGRESS, note="已报送审核", source=ProgressSource.WEB, expected_version=1
    )

    response = admin_client.post(change_url(report), {**form, "status": ProgressStatus.DONE, "note": "管理员的改动"})

    assert response.status_code == 200  # the page again, with the admin's typing kept
    page = response.content.decode()
    assert "该年度完成情况已被他人修改（当前版本 2），请刷新后重试。" in page
    assert "管理员的改动" in page
    report.refresh_from_db()
    assert (report.version, report.note) == (2, "已报送审核")
    assert [version for version, *_rest in history(report)] == [1, 2]
