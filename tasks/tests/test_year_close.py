"""Closing a year (年度关账): read-only for every role on pages, API and admin; reopened only by an admin with a reason."""

import datetime

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from departments.models import Department
from departments.roles import ADMIN, STAFF, SUPERVISOR, create_account
from tasks.choices import MilestoneKind
from tasks.importing.errors import ImportFailed
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import ExtensionRequest, Milestone, Plan, Progress, ProgressEntry, YearClosure
from tasks.workflow.reporting import measure_history
from tasks.workflow.review import request_extension
from tasks.tests.conftest import ANSHAN
from tasks.tests.helpers import api_client, login, measures_of
from tasks.workflow.year_close import CloseRefused, YearClosed, close_year, reopen_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(anshan):
    return Plan.objects.get(slug="anshan")


@pytest.fixture
def measure(anshan):
    """The first 政策法规科 measure of Anshan: reported done for 2024 (version 1) in the ledger."""
    return measures_of("政策法规科").first()


def snapshot(measure):
    """What a refused write must leave as it was: the measure's reports and its history."""
    return (
        list(Progress.objects.filter(measure=measure).order_by("year").values_list("year", "status", "note", "version")),
        ProgressEntry.objects.filter(progress__measure=measure).count(),
    )


def test_the_api_refuses_a_write_into_a_closed_year_for_staff_and_admin_with_403_year_closed(plan, measure):
    close_year(plan, 2024)
    before = snapshot(measure)
    assert Progress.objects.get(measure=measure, year=2024).version == 1
    for client in (api_client("fagui", STAFF, ["政策法规科"]), api_client("root", ADMIN)):
        response = client.post(
            f"/api/measures/{measure.pk}/progress/",
            {"year": 2024, "status": "not_started", "note": "改回未开始", "version": 1},
            format="json",
        )
        assert response.status_code == 403
        body = response.json()
        assert body["code"] == "year_closed"
        assert body["year"] == 2024
        assert "2024 年度（全部部门）" in body["detail"] and "关账" in body["detail"]
    assert snapshot(measure) == before


def test_an_open_year_of_the_same_plan_still_takes_reports(plan, measure):
    close_year(plan, 2024)
    client = api_client("fagui", STAFF, ["政策法规科"])
    response = client.post(f"/api/measures/{measure.pk}/progress/", {"year": 2025, "status": "in_progress"}, format="json")
    assert response.status_code == 200
    assert response.json()["progress"]["2025"]["status"] == "in_progress"


def test_the_measure_page_shows_no_form_for_a_closed_year_and_refuses_the_post(plan, measure):
    fagui = login("fagui", STAFF, ["政策法规科"])
    close_year(plan, 2024)
    page = fagui.get(f"/measures/{measure.pk}/").content.decode()
    assert 'action="/measures/%d/progress/2024/"' % measure.pk not in page
    assert 'action="/measures/%d/progress/2025/"' % measure.pk in page
    assert "本年度已关账（全部部门" in page
    before = snapshot(measure)
    response = fagui.post(
        f"/measures/{measure.pk}/progress/2024/", {"2024-status": "not_started", "2024-note": "", "2024-version": "1"}
    )
    assert response.status_code == 403
    assert "不能再修改" in response.content.decode()
    assert snapshot(measure) == before
    htmx = fagui.post(
        f"/measures/{measure.pk}/progress/2024/",
        {"2024-status": "not_started", "2024-note": "", "2024-version": "1"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 403
    assert 'role="alert"' in htmx.content.decode() and 'id="year-2024"' in htmx.content.decode()
    assert snapshot(measure) == before


def dated_milestone(measure, year):
    return Milestone.objects.filter(deadline__measure=measure, deadline__year=year, kind=MilestoneKind.DATE).first()


def test_extensions_of_a_closed_year_are_refused(plan):
    measure = next(m for m in measures_of("政策法规科") if dated_milestone(m, 2024))
    milestone = dated_milestone(measure, 2024)
    fagui = login("fagui", STAFF, ["政策法规科"])
    close_year(plan, 2024)
    response = fagui.post(
        f"/measures/{measure.pk}/extensions/",
        {"milestone": milestone.pk, "new_date": (milestone.date + datetime.timedelta(days=30)).isoformat(), "reason": "疫情"},
    )
    assert response.status_code == 403
    assert not ExtensionRequest.objects.exists()
    user = create_account("someone", STAFF, departments=["政策法规科"])[0]
    with pytest.raises(YearClosed):
        request_extension(milestone, user=user, new_date=milestone.date + datetime.timedelta(days=5), reason="再议")


def test_a_department_closure_covers_only_that_departments_measures(plan):
    close_year(plan, 2024, departments=[Department.objects.get(name="机关党总支")])
    party = measures_of("机关党总支").first()
    laws = measures_of("政策法规科").exclude(units__department__name="机关党总支").first()
    admin = api_client("root", ADMIN)
    refused = admin.post(f"/api/measures/{party.pk}/progress/", {"year": 2024, "status": "in_progress", "version": 1}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "year_closed"
    assert "机关党总支" in refused.json()["detail"]
    version = Progress.objects.get(measure=laws, year=2024).version
    allowed = admin.post(f"/api/measures/{laws.pk}/progress/", {"year": 2024, "status": "in_progress", "version": version}, format="json")
    assert allowed.status_code == 200


def test_staff_cannot_open_the_year_page_close_or_reopen(plan):
    fagui = login("fagui", STAFF, ["政策法规科"])
    assert fagui.get("/plans/anshan/years/").status_code == 403
    assert fagui.post("/plans/anshan/years/close/", {"year": 2024}).status_code == 403
    assert not YearClosure.objects.exists()
    close_year(plan, 2024)
    assert fagui.post("/plans/anshan/years/reopen/", {"reopen-year": 2024, "reopen-reason": "填错了"}).status_code == 403
    assert YearClosure.objects.get().is_closed


def test_a_supervisor_closes_from_the_page_but_cannot_reopen(plan):
    supervisor = login("chief", SUPERVISOR)
    page = supervisor.get("/plans/anshan/years/")
    assert page.status_code == 200
    assert "reopen-reason" not in page.content.decode()
    response = supervisor.post("/plans/anshan/years/close/", {"year": 2024, "departments": [Department.objects.get(name="人防管理科").pk]})
    assert response.status_code == 302
    closure = YearClosure.objects.get()
    assert (closure.year, closure.department.name, closure.closed_by.username) == (2024, "人防管理科", "chief")
    assert supervisor.post("/plans/anshan/years/reopen/", {"reopen-year": 2024, "reopen-reason": "更正"}).status_code == 403
    assert YearClosure.objects.get().is_closed


def test_an_admin_reopens_only_with_a_reason_and_both_acts_are_in_the_history(plan, measure):
    admin = login("root", ADMIN)
    admin.post("/plans/anshan/years/close/", {"year": 2024})
    without_reason = admin.post("/plans/anshan/years/reopen/", {"reopen-year": 2024, "reopen-reason": "  "}, follow=True)
    assert "重新开放理由" in without_reason.content.decode()
    assert YearClosure.objects.get().is_closed
    admin.post("/plans/anshan/years/reopen/", {"reopen-year": 2024, "reopen-reason": "市司法局要求补报佐证"})
    closure = YearClosure.objects.get()
    assert (closure.is_closed, closure.reopened_by.username, closure.reopen_reason) == (False, "root", "市司法局要求补报佐证")
    events = [(event.what, event.year, event.note) for event in measure_history(measure)]
    assert ("重新开放", 2024, "市司法局要求补报佐证") in events
    assert ("关账", 2024, "") in events
    page = admin.get("/plans/anshan/years/").content.decode()
    assert "市司法局要求补报佐证" in page
    fagui = api_client("fagui", STAFF, ["政策法规科"])
    response = fagui.post(f"/api/measures/{measure.pk}/progress/", {"year": 2024, "status": "in_progress", "version": 1}, format="json")
    assert response.status_code == 200


def test_close_year_command_closes_reports_and_reopens_with_a_reason(plan, capsys):
    call_command("close_year", "--plan", "anshan", "--year", "2024", "--department", "政策法规科")
    assert "closed anshan 2024 (政策法规科)" in capsys.readouterr().out
    call_command("close_year", "--plan", "anshan", "--year", "2024", "--department", "政策法规科")
    assert "already closed anshan 2024 (政策法规科)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="理由"):
        call_command("close_year", "--plan", "anshan", "--year", "2024", "--reopen")
    with pytest.raises(CommandError, match="2031"):
        call_command("close_year", "--plan", "anshan", "--year", "2031")
    with pytest.raises(CommandError, match="no department"):
        call_command("close_year", "--plan", "anshan", "--year", "2024", "--department", "不存在的科")
    call_command("close_year", "--plan", "anshan", "--year", "2024", "--reopen", "--reason", "数据更正")
    assert "reopened anshan 2024 (政策法规科): 数据更正" in capsys.readouterr().out
    assert not YearClosure.objects.filter(reopened_at__isnull=True).exists()


def test_closing_twice_adds_nothing_and_reopening_an_open_year_is_refused(plan):
    closed, already = close_year(plan, 2023)
    assert len(closed) == 1 and already == []
    closed, already = close_year(plan, 2023, departments=[Department.objects.get(name="政策法规科")])
    assert closed == [] and already[0].department is None
    assert YearClosure.objects.count() == 1
    with pytest.raises(CloseRefused):
        reopen_year(plan, 2025, reason="没有关账")


def test_the_admin_shows_a_closed_years_progress_read_only(plan, measure):
    admin = login("root", ADMIN)
    progress = Progress.objects.get(measure=measure, year=2024)
    close_year(plan, 2024)
    url = f"/admin/tasks/progress/{progress.pk}/change/"
    page = admin.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    admin.post(url, {"status": "not_started", "note": "", "done_on": "", "entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0"})
    assert Progress.objects.get(pk=progress.pk).status == "done"


def test_review_of_a_closed_year_is_refused(plan, measure):
    fagui = api_client("fagui", STAFF, ["政策法规科"])
    fagui.post(f"/api/measures/{measure.pk}/progress/", {"year": 2025, "status": "done", "note": "已完成"}, format="json")
    close_year(plan, 2025)
    supervisor = login("chief", SUPERVISOR)
    response = supervisor.post(f"/measures/{measure.pk}/progress/2025/review/", {"decision": "accept", "reason": "", "version": 1})
    assert response.status_code == 403
    assert Progress.objects.get(measure=measure, year=2025).review == "pending"



def test_the_year_page_and_a_closed_measure_page_cost_a_fixed_number_of_queries(plan, measure, django_assert_max_num_queries):
    admin = login("root", ADMIN)
    close_year(plan, 2024)
    close_year(plan, 2023, departments=[Department.objects.get(name="政策法规科")])
    with django_assert_max_num_queries(25):
        assert admin.get("/plans/anshan/years/").status_code == 200
    fagui = login("fagui", STAFF, ["政策法规科"])
    with django_assert_max_num_queries(22):  # 21, and the year the page opens (the earliest overdue)
        assert fagui.get(f"/measures/{measure.pk}/").status_code == 200


def anshan_with_2023_result(tmp_path, name, result):
    """The Anshan ledger with the 2023 results of sheet row 4 (① 机关党总支, ② 政策法规科) as ``result``."""
    workbook = openpyxl.load_workbook(ANSHAN)
    workbook.worksheets[0]["F4"] = result
    path = tmp_path / name
    workbook.save(path)
    return path


def test_an_import_cannot_change_a_closed_years_progress(plan, tmp_path):
    close_year(plan, 2023)
    changed = anshan_with_2023_result(tmp_path, "changed.xlsx", "① 已完成\n② 推进中")
    with pytest.raises(ImportFailed) as refused:
        import_ledger(changed, options=ImportOptions(plan_slug="anshan"))
    assert refused.value.messages == [
        "changed.xlsx, 工作表「任务分解表」, 第 4 行: 2023 年已关账，文件中的完成情况与系统中的不同，不能导入；"
        "请管理员先重新开放该年度，或改回文件中的完成情况"
    ]
    assert Progress.objects.get(measure=measures_of("政策法规科").first(), year=2023).status == "done"
    report = import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))  # the same progress as stored
    assert report.counts["skip"] == 75


def test_a_departments_closed_year_stops_only_its_own_measures_progress(plan, tmp_path):
    close_year(plan, 2023, departments=[Department.objects.get(name="政策法规科")])
    theirs = anshan_with_2023_result(tmp_path, "theirs.xlsx", "① 已完成\n② 推进中")
    with pytest.raises(ImportFailed, match="第 4 行: 2023 年已关账"):
        import_ledger(theirs, options=ImportOptions(plan_slug="anshan"))
    others = anshan_with_2023_result(tmp_path, "others.xlsx", "① 推进中\n② 已完成")  # 机关党总支's measure
    report = import_ledger(others, options=ImportOptions(plan_slug="anshan"))
    assert report.counts["update"] == 1
