"""Nudges (催办) from the measure and department pages, and the inbox, on the real Anshan ledger."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from departments.models import Department
from departments.roles import STAFF, create_account
from notices.models import Notification, NotificationKind, Nudge
from tasks.choices import ProgressSource, ProgressStatus
from tasks.workflow.progress import record_progress
from tasks.workflow.review import review_report
from tasks.tests.helpers import PASSWORD, login, measures_of

from .helpers import measure_at

pytestmark = pytest.mark.django_db


def csrf_post(client, path, data):
    """A form post the way a browser makes it: with the CSRF token of the page."""
    client.get("/inbox/")
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


@pytest.fixture
def fagui_client(fagui):
    fagui.set_password(PASSWORD)
    fagui.save()
    client = Client()
    assert client.login(username="fagui", password=PASSWORD)
    return client


def test_a_department_nudge_reaches_exactly_the_department_s_people(fagui, renfang, chief_client, mailoutbox):
    colleague, _ = create_account("fagui2", STAFF, departments=["政策法规科", "人防管理科"])
    department = Department.objects.get(name="政策法规科")
    page = chief_client.get(f"/departments/{department.pk}/").content.decode()
    assert f'action="/departments/{department.pk}/nudge/"' in page
    response = csrf_post(chief_client, f"/departments/{department.pk}/nudge/", {"message": "请于本周五前报送进展"})
    assert response.status_code == 302
    reached = set(Notification.objects.filter(kind=NotificationKind.NUDGE).values_list("user__username", flat=True))
    assert reached == {"fagui", "fagui2"}
    measure = measure_at("anshan", 1, 2, 4)  # not done in 2024, the reporting year
    history = chief_client.get(f"/measures/{measure.pk}/").content.decode()
    assert "请于本周五前报送进展" in history
    call_command("send_reminders", "--as-of", "2024-06-03", stdout=io.StringIO())
    [mail] = [m for m in mailoutbox if m.to == ["fagui@example.cn"]]
    assert "请于本周五前报送进展" in mail.body and "督查催办" in mail.alternatives[0][0]
    assert all("请于本周五前报送进展" not in m.body for m in mailoutbox if m.to != ["fagui@example.cn"])


def test_a_measure_nudge_reaches_the_measure_s_people_and_its_history(fagui, renfang, chief_client):
    measure = measures_of("人防管理科").exclude(units__department__name="政策法规科").first()
    page = chief_client.get(f"/measures/{measure.pk}/").content.decode()
    assert f'action="/measures/{measure.pk}/nudge/"' in page
    assert csrf_post(chief_client, f"/measures/{measure.pk}/nudge/", {"message": "尽快上传佐证"}).status_code == 302
    assert list(Notification.objects.values_list("user__username", "link")) == [("renfang", f"/measures/{measure.pk}/")]
    assert "尽快上传佐证" in chief_client.get(f"/measures/{measure.pk}/").content.decode()


def test_staff_cannot_nudge_and_an_empty_message_sends_nothing(fagui_client, chief_client):
    measure = measures_of("政策法规科").first()
    department = Department.objects.get(name="政策法规科")
    assert "nudge-form" not in fagui_client.get(f"/measures/{measure.pk}/").content.decode()
    assert fagui_client.post(f"/measures/{measure.pk}/nudge/", {"message": "x"}).status_code == 403
    assert fagui_client.post(f"/departments/{department.pk}/nudge/", {"message": "x"}).status_code == 403
    assert chief_client.post(f"/departments/{department.pk}/nudge/", {"message": "x"}).status_code == 403  # no CSRF token
    response = csrf_post(chief_client, f"/measures/{measure.pk}/nudge/", {"message": ""})
    assert response.status_code == 302
    assert not Nudge.objects.exists() and not Notification.objects.exists()


def test_the_inbox_shows_the_unread_count_and_marks_read(fagui, fagui_client, chief_client, django_assert_max_num_queries):
    measure = measures_of("政策法规科").first()
    for text in ("第一次催办", "第二次催办"):
        csrf_post(chief_client, f"/measures/{measure.pk}/nudge/", {"message": text})
    header = fagui_client.get("/my/").content.decode()
    assert '<span class="count" title="未读">2</span>' in header
    with django_assert_max_num_queries(8):
        inbox = fagui_client.get("/inbox/").content.decode()
    assert "第一次催办" in inbox and "第二次催办" in inbox
    first = Notification.objects.get(body="第一次催办")
    assert fagui_client.post(f"/inbox/{first.pk}/read/").status_code == 302
    assert '<span class="count" title="未读">1</span>' in fagui_client.get("/my/").content.decode()
    response = fagui_client.post(f"/inbox/{first.pk}/read/", {"open": "1"})
    assert response["Location"] == f"/measures/{measure.pk}/"
    fagui_client.post("/inbox/read-all/")
    assert 'title="未读"' not in fagui_client.get("/my/").content.decode()


def test_nobody_reads_or_marks_another_user_s_inbox(fagui, renfang, chief_client):
    measure = measures_of("政策法规科").exclude(units__department__name="人防管理科").first()
    csrf_post(chief_client, f"/measures/{measure.pk}/nudge/", {"message": "只给法规科"})
    other = login("renfang2", STAFF, ["人防管理科"])
    assert "只给法规科" not in other.get("/inbox/").content.decode()
    note = Notification.objects.get(user=fagui)
    assert other.post(f"/inbox/{note.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None
    assert other.get(f"/inbox/{note.pk}/read/").status_code == 405


def test_review_results_and_extension_decisions_reach_the_inbox(fagui, anshan):
    supervisor = create_account("boss", "supervisor")[0]
    measure = measures_of("政策法规科").first()
    progress = record_progress(measure, 2025, status=ProgressStatus.DONE, source=ProgressSource.WEB, user=fagui)
    progress.review = "pending"
    progress.save()
    review_report(measure, 2025, user=supervisor, accept=False, reason="缺少签到表", version=progress.version)
    note = Notification.objects.get(user=fagui, kind=NotificationKind.REVIEW)
    assert "被退回" in note.title and note.body == "缺少签到表"
    assert not Notification.objects.filter(user=supervisor).exists()
