"""我的任务 as a to-do: tabs 已逾期 / 本周到期 / 30天内 / 待补充材料 with counts, on the real Anshan ledger."""

import datetime

import pytest
import time_machine

from departments.roles import STAFF, SUPERVISOR
from tasks.choices import ProgressSource, ProgressStatus
from tasks.models import Measure
from tasks.workflow.reporting import report_progress
from tasks.workflow.review import review_report
from tasks.tests.helpers import login

pytestmark = pytest.mark.django_db


def on(day):
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T09:00+08:00"), tick=False)


@pytest.fixture
def fagui(anshan):
    return login("fagui", STAFF, ["政策法规科"])


def counts(response):
    return {tab["key"]: tab["count"] for tab in response.context["tabs"]}


def test_the_tabs_count_the_departments_measures_by_their_open_milestones(fagui):
    with on("2024-12-01"):
        response = fagui.get("/my/")
    assert counts(response) == {"overdue": 15, "week": 0, "month": 5, "returned": 0}
    assert response.context["tab"] == "overdue"  # the first tab holding something
    page = response.content.decode()
    assert '<a href="?tab=overdue" aria-current="page">已逾期 <span class="count">15</span></a>' in page
    assert '<a href="?tab=all">全部 <span class="count">62</span></a>' in page
    rows = response.context["page"].object_list
    assert len(rows) == 15
    assert [row["date"] for row in rows] == sorted(row["date"] for row in rows)  # the longest overdue first
    assert all(row["date"] < datetime.date(2024, 12, 1) for row in rows)
    first = rows[0]
    assert f'href="/measures/{first["measure"].pk}/?year={first["year"]}#year-{first["year"]}">填报进展</a>' in page


def test_the_due_tabs_hold_the_next_7_and_30_days(fagui):
    with on("2024-12-01"):
        month = fagui.get("/my/", {"tab": "month"}).context["page"].object_list
    # up to 31 December, as the due-soon signal counts 30 days ahead
    assert [(row["date"], row["year"]) for row in month] == [(datetime.date(2024, 12, 30), 2024)] * 2 + [
        (datetime.date(2024, 12, 31), 2024)
    ] * 3
    with on("2024-12-23"):  # the 30 December milestones are within the week now, the 31 December ones not yet
        response = fagui.get("/my/", {"tab": "week"})
    assert counts(response)["week"] == 2
    assert {row["measure"].text[:6] for row in response.context["page"].object_list} == {"领导干部坚持", "组织机关处级"}


def test_a_measure_reported_done_leaves_the_overdue_tab(fagui):
    with on("2024-12-01"):
        row = fagui.get("/my/", {"tab": "overdue"}).context["page"].object_list[0]
        measure, year = row["measure"], row["year"]
        user = fagui.get("/my/").wsgi_request.user
        report_progress(measure, year, user=user, status=ProgressStatus.DONE, note="已完成", done_on=datetime.date(2024, 11, 30),
                        expected_version=measure.progress.filter(year=year).values_list("version", flat=True).first(),
                        source=ProgressSource.WEB)
        after = fagui.get("/my/", {"tab": "overdue"})
    assert counts(after)["overdue"] == 14
    assert measure.pk not in [r["measure"].pk for r in after.context["page"].object_list]


def test_a_returned_report_is_in_待补充材料_with_its_reason(fagui):
    chief = login("chief", SUPERVISOR)
    measure = Measure.objects.filter(units__department__name="政策法规科").first()
    staff = fagui.get("/my/").wsgi_request.user
    progress = report_progress(measure, 2025, user=staff, status=ProgressStatus.DONE, note="已完成", done_on=datetime.date(2025, 1, 2),
                               expected_version=None, source=ProgressSource.WEB)
    review_report(measure, 2025, user=chief.get("/").wsgi_request.user, accept=False, reason="缺少签到表", version=progress.version)
    response = fagui.get("/my/", {"tab": "returned"})
    assert counts(response)["returned"] == 1
    assert "缺少签到表" in response.content.decode()


def test_long_tabs_come_a_page_at_a_time(fagui, monkeypatch):
    monkeypatch.setattr("tasks.views.todo.TODO_PER_PAGE", 10)
    with on("2024-12-01"):
        first, second = fagui.get("/my/", {"tab": "overdue"}), fagui.get("/my/", {"tab": "overdue", "page": 2})
    assert (len(first.context["page"].object_list), len(second.context["page"].object_list)) == (10, 5)
    assert "?tab=overdue&page=2" in first.content.decode()
    shown = {row["measure"].pk for page in (first, second) for row in page.context["page"].object_list}
    assert len(shown) == 15


@pytest.mark.parametrize("tab", ["overdue", "week", "month", "returned", "all"])
def test_every_tab_costs_a_fixed_number_of_queries(fagui, tab, django_assert_max_num_queries):
    with on("2024-12-01"), django_assert_max_num_queries(11):
        assert fagui.get("/my/", {"tab": tab}).status_code == 200


def test_a_supervisor_without_departments_sees_no_tab_holding_anything(anshan):
    client = login("eye", SUPERVISOR)
    response = client.get("/my/")
    assert response.context["tab"] == "all"
    assert set(counts(response).values()) == {0}
