"""Every page opens on the user's own scope: as each demo account, with both real ledgers loaded,
on a frozen day. An Anshan staff member sees the Anshan ledger (not the Guangyuan one, first in
the database) in its reporting year; the dashboard, the lists, 我的任务 and the API agree."""

import datetime

import pytest
import time_machine
from django.test import Client

from departments.roles import ADMIN, STAFF, SUPERVISOR, create_account
from tasks.tests.helpers import PASSWORD, api_client, login

pytestmark = pytest.mark.django_db

#: 1 June 2025, 9 in the morning in China: Anshan reports 2024 (its 2024 deadlines are past), Guangyuan 2025.
DAY = datetime.datetime.fromisoformat("2025-06-01T09:00+08:00")


@pytest.fixture
def ledgers(anshan, guangyuan):
    """Both real ledgers, as the demo loads them."""


@pytest.fixture
def today():
    with time_machine.travel(DAY, tick=False):
        yield


@pytest.fixture
def fagui(ledgers):
    return login("fagui", STAFF, ["政策法规科"])


@pytest.fixture
def sifaju(ledgers):
    return login("sifaju", STAFF, ["市司法局"])


def figures_of(response):
    return {key: response.context["figures"][key] for key in ("measures", "done", "overdue_measures")}


def test_an_anshan_staff_member_opens_the_anshan_ledger_everywhere(fagui, today):
    home = fagui.get("/")
    scope = home.context["scope"]
    assert (scope.plan.slug, scope.year, scope.as_of) == ("anshan", 2024, datetime.date(2025, 6, 1))
    assert figures_of(home) == {"measures": 62, "done": 31, "overdue_measures": 20}
    assert "广元市" not in home.content.decode()
    overdue = fagui.get("/overdue/")
    assert (overdue.context["scope"].plan.slug, overdue.context["page"].paginator.count) == ("anshan", 21)
    due_soon = fagui.get("/due-soon/")
    assert (due_soon.context["scope"].plan.slug, due_soon.context["page"].paginator.count) == ("anshan", 2)


def test_the_api_summary_answers_for_the_users_own_ledger_too(ledgers, today):
    """Staff may ask the API for every plan; without one they get their own, not the first."""
    body = api_client("fagui", STAFF, ["政策法规科"]).get("/api/summary/").json()
    assert (body["plan"], body["year"], body["measures"], body["overdue_measures"]) == ("anshan", 2024, 62, 20)
    body = api_client("sifaju", STAFF, ["市司法局"]).get("/api/summary/").json()
    assert (body["plan"], body["year"], body["measures"]) == ("guangyuan", 2025, 35)


def test_a_guangyuan_staff_member_opens_the_guangyuan_ledger(sifaju, today):
    home = sifaju.get("/")
    assert (home.context["scope"].plan.slug, home.context["scope"].year) == ("guangyuan", 2025)
    assert figures_of(home) == {"measures": 35, "done": 0, "overdue_measures": 0}
    assert sifaju.get("/overdue/").context["page"].paginator.count == 15  # 2023 and 2024 milestones still open


def test_staff_of_departments_in_both_ledgers_open_the_one_holding_most_of_their_measures(ledgers, today):
    client = login("both", STAFF, ["政策法规科", "市司法局"])  # 62 Anshan measures, 35 Guangyuan ones
    assert client.get("/").context["scope"].plan.slug == "anshan"


@pytest.mark.parametrize("role", [SUPERVISOR, ADMIN])
def test_supervisors_and_admins_open_the_first_ledger_and_the_one_they_chose_last(ledgers, today, role):
    client = login("eye", role)
    assert client.get("/").context["scope"].plan.slug == "guangyuan"
    assert client.get("/", {"plan": "anshan"}).context["scope"].plan.slug == "anshan"
    for path in ("/", "/overdue/", "/due-soon/"):  # remembered in the session
        assert client.get(path).context["scope"].plan.slug == "anshan", path
    assert client.get("/", {"plan": "guangyuan"}).context["scope"].plan.slug == "guangyuan"
    assert client.get("/overdue/").context["scope"].plan.slug == "guangyuan"


def test_a_remembered_plan_the_user_may_no_longer_see_is_not_opened(fagui, today):
    session = fagui.session
    session["ledger_scope_plan"] = "guangyuan"
    session.save()
    assert fagui.get("/").context["scope"].plan.slug == "anshan"


@pytest.mark.parametrize(
    "username, role, departments, landing",
    [("fagui", STAFF, ["政策法规科"], "/my/"), ("eye", SUPERVISOR, [], "/"), ("chief", ADMIN, [], "/")],
)
def test_a_login_lands_staff_on_their_to_do_and_supervisors_on_the_dashboard(ledgers, username, role, departments, landing):
    create_account(username, role, departments=departments, password=PASSWORD)
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == landing
