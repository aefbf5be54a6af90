"""Who may see and change what, page by page: every forbidden case has its test."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from departments.roles import ADMIN, STAFF, SUPERVISOR
from tasks.choices import ProgressSource, ProgressStatus, ReviewState
from tasks.models import Evidence, ExtensionRequest, Milestone, Progress
from tasks.workflow.reporting import report_progress
from tasks.tests.helpers import PDF_BYTES, login, measures_of, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def fagui(anshan):
    return login("fagui", STAFF, ["政策法规科"])


@pytest.fixture
def own(anshan):
    return measures_of("政策法规科").first()


@pytest.fixture
def other(anshan):
    """A measure of 人防管理科 that 政策法规科 has no part in."""
    return measures_of("人防管理科").exclude(units__department__name="政策法规科").first()


def report_form(year, status="in_progress", version=""):
    return {f"{year}-status": status, f"{year}-note": "说明", f"{year}-version": version, f"{year}-confirm_done": "1"}


def pending_report(measure, year=2025):
    """A done report waiting for review, made by an 人防管理科 staff user."""
    user = get_user_model().objects.get(username="renfang")
    return report_progress(
        measure, year, user=user, status=ProgressStatus.DONE, expected_version=None, source=ProgressSource.WEB
    )


# -- staff and other departments ----------------------------------------------------------------


def test_staff_get_404_for_another_departments_measure(fagui, other):
    assert fagui.get(f"/measures/{other.pk}/").status_code == 404


def test_staff_cannot_report_on_another_departments_measure(fagui, other):
    assert fagui.post(f"/measures/{other.pk}/progress/2025/", report_form(2025)).status_code == 404
    assert not Progress.objects.filter(measure=other, year=2025).exists()


def test_staff_cannot_ask_an_extension_for_another_departments_measure(fagui, other):
    milestone = Milestone.objects.filter(deadline__measure=other).exclude(date=None).first()
    response = fagui.post(
        f"/measures/{other.pk}/extensions/", {"milestone": milestone.pk, "new_date": "2027-01-01", "reason": "x"}
    )
    assert response.status_code == 404
    assert not ExtensionRequest.objects.exists()


def test_staff_cannot_use_a_milestone_of_another_measure_through_their_own(fagui, own, other):
    milestone = Milestone.objects.filter(deadline__measure=other).exclude(date=None).first()
    response = fagui.post(
        f"/measures/{own.pk}/extensions/", {"milestone": milestone.pk, "new_date": "2027-01-01", "reason": "x"}
    )
    assert response.status_code == 404
    assert not ExtensionRequest.objects.exists()


def test_staff_cannot_download_another_departments_evidence(fagui, other):
    renfang = login("renfang", STAFF, ["人防管理科"])
    renfang.post(
        f"/measures/{other.pk}/progress/2025/", {**report_form(2025), "2025-evidence": upload("签到表.pdf", PDF_BYTES)}
    )
    evidence = Evidence.objects.get()
    assert renfang.get(f"/evidence/{evidence.pk}/").status_code == 200
    assert fagui.get(f"/evidence/{evidence.pk}/").status_code == 404


def test_my_list_never_shows_another_departments_measure(fagui, other):
    page = fagui.get("/my/?tab=all").content.decode()
    assert f"/measures/{other.pk}/" not in page
    assert other not in fagui.get("/my/?tab=all").context["page"].object_list


def test_staff_cannot_review_or_decide(fagui, own, anshan):
    login("renfang", STAFF, ["人防管理科"])
    progress = pending_report(own)
    response = fagui.post(
        f"/measures/{own.pk}/progress/2025/review/", {"decision": "accept", "reason": "", "version": progress.version}
    )
    assert response.status_code == 403
    assert Progress.objects.get(pk=progress.pk).review == ReviewState.PENDING
    milestone = Milestone.objects.filter(deadline__measure=own).exclude(date=None).first()
    fagui.post(f"/measures/{own.pk}/extensions/", {"milestone": milestone.pk, "new_date": "2027-01-01", "reason": "x"})
    request = ExtensionRequest.objects.get()
    assert fagui.post(f"/extensions/{request.pk}/decision/", {"decision": "approve"}).status_code == 403
    assert not hasattr(ExtensionRequest.objects.get(), "decision")
    assert fagui.get("/review/").status_code == 403


# -- supervisors and admins ------------------------------------------------------------------------


def test_supervisors_see_every_measure_but_do_not_edit_reports(anshan, own, other):
    chief = login("chief", SUPERVISOR)
    assert chief.get(f"/measures/{other.pk}/").status_code == 200
    page = chief.get(f"/measures/{own.pk}/").content.decode()
    assert "保存进展" not in page
    assert chief.post(f"/measures/{own.pk}/progress/2025/", report_form(2025)).status_code == 403
    assert not Progress.objects.filter(measure=own, year=2025).exists()
    milestone = Milestone.objects.filter(deadline__measure=own).exclude(date=None).first()
    response = chief.post(
        f"/measures/{own.pk}/extensions/", {"milestone": milestone.pk, "new_date": "2027-01-01", "reason": "x"}
    )
    assert response.status_code == 403


def test_admins_report_and_review_anything(anshan, other):
    root = login("root", ADMIN)
    assert root.post(f"/measures/{other.pk}/progress/2025/", report_form(2025, "done")).status_code == 302
    login("renfang", STAFF, ["人防管理科"])
    progress = pending_report(other, 2024)
    response = root.post(
        f"/measures/{other.pk}/progress/2024/review/", {"decision": "accept", "reason": "", "version": progress.version}
    )
    assert response.status_code == 302
    assert Progress.objects.get(pk=progress.pk).review == ReviewState.ACCEPTED


@pytest.mark.parametrize("decision, reason", [("accept", ""), ("return", "材料不全")])
def test_nobody_reviews_their_own_report_whatever_the_role(anshan, other, decision, reason):
    root = login("root", ADMIN)
    assert root.post(f"/measures/{other.pk}/progress/2025/", report_form(2025, "done")).status_code == 302
    progress = Progress.objects.get(measure=other, year=2025)
    assert progress.review == ReviewState.PENDING
    page = root.get(f"/measures/{other.pk}/").content.decode()
    assert f"/measures/{other.pk}/progress/2025/review/" not in page  # no review form on one's own report
    response = root.post(
        f"/measures/{other.pk}/progress/2025/review/", {"decision": decision, "reason": reason, "version": progress.version},
        follow=True,
    )
    assert "不能审核自己填报的进展" in response.content.decode()
    stored = Progress.objects.get(pk=progress.pk)
    assert (stored.review, stored.version, stored.status) == (ReviewState.PENDING, progress.version, ProgressStatus.DONE)


# -- methods, CSRF and login --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/measures/{pk}/progress/2025/", "/measures/{pk}/progress/2025/review/", "/measures/{pk}/extensions/"],
)
def test_get_never_changes_anything(fagui, own, path):
    assert fagui.get(path.format(pk=own.pk), report_form(2025, "done")).status_code == 405
    assert not Progress.objects.filter(measure=own, year=2025).exists()


def test_posts_need_the_csrf_token(anshan, own):
    client = login("fagui", STAFF, ["政策法规科"], csrf=True)
    assert client.post(f"/measures/{own.pk}/progress/2025/", report_form(2025)).status_code == 403
    assert not Progress.objects.filter(measure=own, year=2025).exists()
    page = client.get(f"/measures/{own.pk}/")
    token = page.cookies["csrftoken"].value
    response = client.post(f"/measures/{own.pk}/progress/2025/", {**report_form(2025), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Progress.objects.filter(measure=own, year=2025).exists()


@pytest.mark.parametrize("path", ["/my/", "/measures/{pk}/", "/review/"])
def test_every_page_requires_login(anshan, own, path):
    response = Client().get(path.format(pk=own.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
