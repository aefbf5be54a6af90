"""The JSON API: measures as interchange objects, progress reports with versions, tokens."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import ProgressSource, ReviewState
from tasks.models import Measure, Plan, Progress
from tasks.standing.on_date import with_standing
from tasks.tests.helpers import PASSWORD, api_client, measures_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fagui(anshan, guangyuan):
    return api_client("fagui", STAFF, ["政策法规科"])


@pytest.fixture
def measure(anshan):
    return measures_of("政策法规科").first()


def test_the_list_is_paginated_interchange_objects_of_the_users_departments(fagui):
    response = fagui.get("/api/measures/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 62
    assert len(body["results"]) == 50 and body["next"]
    first = body["results"][0]
    assert set(first) >= {"id", "plan", "section", "task", "item", "measure", "lead_units", "responsible_units",
                          "person", "deadlines", "progress", "completed"}
    assert all("政策法规科" in m["lead_units"] + m["responsible_units"] for m in body["results"])


def test_the_list_takes_the_measure_lists_filters(anshan, guangyuan):
    supervisor = api_client("chief", SUPERVISOR)
    assert supervisor.get("/api/measures/").json()["count"] == Measure.objects.count()
    assert supervisor.get("/api/measures/?plan=guangyuan").json()["count"] == Measure.objects.filter(
        item__task__section__plan__slug="guangyuan"
    ).count() == 35
    by_department = supervisor.get("/api/measures/", {"department": "人防管理科"}).json()
    assert by_department["count"] == 5
    overdue = supervisor.get("/api/measures/", {"plan": "anshan", "overdue": "true", "as_of": "2024-12-31"}).json()
    expected = with_standing(
        Measure.objects.filter(item__task__section__plan__slug="anshan"), as_of=datetime.date(2024, 12, 31), year=2024
    ).filter(is_overdue=True)
    assert overdue["count"] == expected.count() == 19  # fixed for the real ledger, beside the consistency check
    word = measures_of("人防管理科").first().text[:6]
    assert supervisor.get("/api/measures/", {"q": word}).json()["count"] >= 1


def test_the_detail_is_one_interchange_object(fagui, measure):
    body = fagui.get(f"/api/measures/{measure.pk}/").json()
    assert body["id"] == measure.pk
    assert body["plan"] == "anshan"
    assert body["deadlines"]["2024"]["text"] == measure.deadlines.get(year=2024).text
    assert body["progress"]["2023"]["version"] == Progress.objects.get(measure=measure, year=2023).version


def test_a_report_with_the_version_read_is_saved(fagui, measure):
    response = fagui.post(
        f"/api/measures/{measure.pk}/progress/", {"year": 2025, "status": "in_progress", "note": "掌上执法填报"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["progress"]["2025"] == {"status": "in_progress", "note": "掌上执法填报", "version": 1}
    response = fagui.post(
        f"/api/measures/{measure.pk}/progress/", {"year": 2025, "status": "done", "note": "完成", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    progress = Progress.objects.get(measure=measure, year=2025)
    assert (progress.version, progress.review, progress.done_on is not None) == (2, ReviewState.PENDING, True)
    assert progress.entries.order_by("-version").first().source == ProgressSource.API


def test_a_stale_version_is_409(fagui, measure):
    url = f"/api/measures/{measure.pk}/progress/"
    fagui.post(url, {"year": 2025, "status": "in_progress", "note": "一"}, format="json")
    fagui.post(url, {"year": 2025, "status": "in_progress", "note": "二", "version": 1}, format="json")
    response = fagui.post(url, {"year": 2025, "status": "done", "note": "三", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["version"] == 2
    assert "fagui" in response.json()["detail"]
    assert Progress.objects.get(measure=measure, year=2025).note == "二"


def test_a_write_without_version_to_a_year_with_progress_is_409(fagui, measure):
    response = fagui.post(
        f"/api/measures/{measure.pk}/progress/", {"year": 2023, "status": "in_progress"}, format="json"
    )
    assert response.status_code == 409


def test_invalid_reports_are_400(fagui, measure):
    url = f"/api/measures/{measure.pk}/progress/"
    assert fagui.post(url, {"year": 2031, "status": "done"}, format="json").status_code == 400
    assert fagui.post(url, {"year": 2025, "status": "finished"}, format="json").status_code == 400
    Plan.objects.filter(slug="anshan").update(requires_evidence=True)
    response = fagui.post(url, {"year": 2025, "status": "done"}, format="json")
    assert response.status_code == 400
    assert "佐证材料" in response.json()["detail"]


def test_a_supervisor_may_read_but_not_report(anshan, measure):
    supervisor = api_client("chief", SUPERVISOR)
    assert supervisor.get(f"/api/measures/{measure.pk}/").status_code == 200
    response = supervisor.post(f"/api/measures/{measure.pk}/progress/", {"year": 2025, "status": "done"}, format="json")
    assert response.status_code == 403
    assert not Progress.objects.filter(measure=measure, year=2025).exists()


def test_another_departments_measure_is_404_and_never_listed(fagui):
    other = measures_of("人防管理科").exclude(units__department__name="政策法规科").first()
    assert fagui.get(f"/api/measures/{other.pk}/").status_code == 404
    response = fagui.post(f"/api/measures/{other.pk}/progress/", {"year": 2025, "status": "done"}, format="json")
    assert response.status_code == 404
    ids = set()
    url = "/api/measures/?q=" + other.text[:6]
    while url:
        page = fagui.get(url).json()
        ids |= {m["id"] for m in page["results"]}
        url = page["next"]
    assert other.pk not in ids
    assert not Progress.objects.filter(measure=other, year=2025).exists()


def test_token_auth_for_other_systems(fagui, measure):
    token = Token.objects.create(user=create_account("fagui", STAFF, departments=["政策法规科"])[0])
    client = APIClient()
    assert client.get("/api/measures/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/measures/").json()["count"] == 62
    response = client.post(f"/api/measures/{measure.pk}/progress/", {"year": 2025, "status": "ongoing"}, format="json")
    assert response.status_code == 200


def test_session_posts_need_csrf(anshan, measure):
    create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="fagui", password=PASSWORD)
    response = client.post(f"/api/measures/{measure.pk}/progress/", {"year": 2025, "status": "done"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_schema_describes_the_measure_endpoints(fagui):
    schema = fagui.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/measures/" in schema["paths"]
    assert "/api/measures/{id}/progress/" in schema["paths"]
    assert "409" in schema["paths"]["/api/measures/{id}/progress/"]["post"]["responses"]


def test_the_list_costs_a_fixed_number_of_queries(fagui, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert fagui.get("/api/measures/?page_size=50").status_code == 200
    with django_assert_max_num_queries(12):
        assert fagui.get("/api/measures/?page=2").status_code == 200


def test_the_author_withdraws_a_pending_report_through_the_api(fagui, measure):
    url = f"/api/measures/{measure.pk}/"
    fagui.post(url + "progress/", {"year": 2025, "status": "in_progress", "note": "一"}, format="json")
    fagui.post(url + "progress/", {"year": 2025, "status": "done", "note": "二", "version": 1}, format="json")
    assert fagui.post(url + "withdraw/", {"year": 2025, "version": 1}, format="json").status_code == 409
    response = fagui.post(url + "withdraw/", {"year": 2025, "version": 2}, format="json")
    assert response.status_code == 200
    progress = Progress.objects.get(measure=measure, year=2025)
    assert (progress.status, progress.note, progress.review, progress.version) == ("in_progress", "一", ReviewState.NONE, 3)
    assert progress.entries.get(version=3).source == ProgressSource.API
    again = fagui.post(url + "withdraw/", {"year": 2025, "version": 3}, format="json")
    assert again.status_code == 400 and "不能撤回" in again.json()["detail"]


def test_a_done_date_in_the_future_is_400(fagui, measure):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = fagui.post(f"/api/measures/{measure.pk}/progress/", {"year": 2025, "status": "done", "done_on": tomorrow}, format="json")
    assert response.status_code == 400
    assert not Progress.objects.filter(measure=measure, year=2025).exists()
