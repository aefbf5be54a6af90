"""The measure list's filters, one by one, on the real ledgers."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from departments.roles import STAFF, create_account
from tasks.standing.kept import refresh_standing
from tasks.access import visible_measures
from tasks.choices import MilestoneKind, ProgressSource, ProgressStatus, ReviewState, Signal
from tasks.filtersets import MeasureFilter
from tasks.models import Deadline, Measure, Plan, Progress, Section, Task
from tasks.workflow.progress import record_progress
from tasks.standing.on_date import with_standing

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(anshan, guangyuan):
    return Measure.objects.all()


def filtered(**params):
    measures = MeasureFilter({key: str(value) for key, value in params.items()}, queryset=Measure.objects.all())
    assert measures.is_valid(), measures.errors
    return measures.qs


def test_plan(both):
    assert filtered(plan="anshan").count() == 75
    assert filtered(plan="guangyuan").count() == 35


def test_department_by_name_or_id_as_lead_or_responsible(both):
    party = filtered(department="机关党总支")
    assert party.count() == 9
    assert all("机关党总支" in [d.name for d in m.departments.all()] for m in party)
    by_id = filtered(department=party.first().departments.get(name="机关党总支").pk)
    assert set(by_id) == set(party)
    justice_leads = filtered(plan="guangyuan", department="市司法局")
    assert justice_leads.count() == Measure.objects.filter(units__department__name="市司法局").distinct().count() > 0


def test_person(both):
    yang = filtered(person="杨舒屹")
    assert yang.count() > 0
    assert {m.person.name for m in yang} == {"杨舒屹"}


def test_section_and_task(both):
    section = Section.objects.get(plan__slug="guangyuan", number="一")
    assert filtered(section=section.pk).count() == Measure.objects.filter(item__task__section=section).count() == 4
    task = Task.objects.get(section__plan__slug="guangyuan", number=6)
    assert filtered(task=task.pk).count() == 3


def test_status_of_the_chosen_year(both):
    done_2024 = filtered(plan="anshan", year=2024, status="done")
    assert done_2024.count() == Progress.objects.filter(measure__item__task__section__plan__slug="anshan", year=2024, status="done").count()
    ongoing_2023 = filtered(plan="anshan", year=2023, status="ongoing")
    assert set(ongoing_2023) == set(
        Measure.objects.filter(progress__year=2023, progress__status=ProgressStatus.ONGOING)
    )
    assert filtered(plan="anshan", year=2025, status="not_started").count() == 75


def test_overdue_due_soon_and_signal_on_a_chosen_date(both):
    as_of = "2024-12-01"
    overdue = filtered(plan="anshan", year=2024, as_of=as_of, overdue="true")
    assert overdue.count() > 0
    assert set(overdue) == set(filtered(plan="anshan", year=2024, as_of=as_of, signal="overdue"))
    for measure in overdue:
        assert measure.deadlines.get(year=2024).milestones.filter(date__lt=datetime.date(2024, 12, 1)).exists()
        assert not measure.progress.filter(year=2024, status="done").exists()
    on_track = filtered(plan="anshan", year=2024, as_of=as_of, overdue="false")
    assert overdue.count() + on_track.count() == 75
    soon = filtered(plan="guangyuan", year=2024, as_of="2024-08-01", soon_days=90, due_soon="true")
    assert soon.count() > 0
    assert filtered(plan="guangyuan", year=2024, as_of="2024-08-01", soon_days=7, due_soon="true").count() == 0


def test_awaiting_review(both):
    measure = Measure.objects.filter(item__task__section__plan__slug="guangyuan").first()
    record_progress(measure, 2025, status=ProgressStatus.DONE, source=ProgressSource.WEB)
    Progress.objects.filter(measure=measure, year=2025).update(review=ReviewState.PENDING)
    refresh_standing([measure.pk])  # a write beside the services: the kept standing follows it
    assert list(filtered(plan="guangyuan", year=2025, review="pending")) == [measure]


def test_needs_review_and_deadline_kind(both):
    assert filtered(needs_review="true").count() == 0
    flagged = Deadline.objects.filter(measure__item__task__section__plan__slug="guangyuan").first()
    Deadline.objects.filter(pk=flagged.pk).update(needs_review=True)
    assert list(filtered(needs_review="true")) == [flagged.measure]
    long_term = filtered(plan="guangyuan", year=2024, kind=MilestoneKind.LONG_TERM)
    assert long_term.count() == Measure.objects.filter(
        deadlines__year=2024, deadlines__milestones__kind=MilestoneKind.LONG_TERM
    ).distinct().count() > 0


def test_milestone_date_range(both):
    september = filtered(plan="guangyuan", year=2024, due_from="2024-09-01", due_to="2024-09-30")
    assert september.count() > 0
    for measure in september:
        dates = [m.date for d in measure.deadlines.filter(year=2024) for m in d.milestones.all() if m.date]
        assert any(datetime.date(2024, 9, 1) <= d for d in dates)
        assert any(d <= datetime.date(2024, 9, 30) for d in dates)


def test_free_text_over_task_item_and_measure(both):
    assert [m.number for m in filtered(q="党课")] == [2]
    task_words = filtered(q="加强政治能力建设")
    assert task_words.count() == Measure.objects.filter(item__task__title="加强政治能力建设").count()
    both_words = filtered(q="全员轮训 60学时")
    assert both_words.count() >= 1
    for measure in both_words:
        searched = " ".join([measure.text, measure.item.text, measure.item.task.title])
        assert "全员轮训" in searched and "60学时" in searched
    assert filtered(q="不存在的词语").count() == 0


def test_staff_filters_never_reach_another_departments_measures(both):
    clerk = create_account("clerk", STAFF, departments=["人防管理科"])[0]
    own = MeasureFilter({"q": "执法"}, queryset=visible_measures(clerk)).qs
    assert own.count() > 0
    for measure in own:
        assert "人防管理科" in [d.name for d in measure.departments.all()]
    assert MeasureFilter({"department": "政策法规科"}, queryset=visible_measures(clerk)).qs.count() == 0


def test_the_list_page_keeps_filters_in_the_url_and_paginates(both, client):
    create_account("eye", "supervisor", password="pw")
    client.login(username="eye", password="pw")
    response = client.get("/measures/", {"plan": "anshan", "department": "政策法规科"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 62
    assert len(page.object_list) == 50
    assert "page=2" in response.content.decode()
    assert "department=%E6%94%BF" in response.content.decode()
    second = client.get("/measures/", {"plan": "anshan", "department": "政策法规科", "page": 2})
    assert len(second.context["page"].object_list) == 12


def test_the_current_view_exports_to_xlsx_and_csv(both, client):
    create_account("clerk", STAFF, departments=["机关党总支"], password="pw")
    client.login(username="clerk", password="pw")
    params = {"plan": "anshan", "year": 2024, "as_of": "2024-12-01", "status": "done"}
    listed = client.get("/measures/", params).context["page"].paginator.count
    assert 0 < listed < 9
    csv_text = b"".join(client.get("/measures/export/", {**params, "format": "csv"}).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert len(rows) == 1 + listed
    assert all("机关党总支" in ",".join(row) for row in rows[1:])
    response = client.get("/measures/export/", {**params, "format": "xlsx"})
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('filename="measures-2024-12-01.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1 + listed
    assert client.get("/measures/export/", {**params, "format": "pdf"}).status_code == 400


def test_the_signals_split_the_measures_as_the_list_shows_them(both):
    for params in ({"plan": "anshan", "year": 2024, "as_of": "2024-12-01"},
                   {"plan": "guangyuan", "year": 2025, "as_of": "2026-01-01"},
                   {"as_of": "2024-08-01", "soon_days": 90}):
        shown = with_standing(filtered(**params), as_of=datetime.date.fromisoformat(params["as_of"]),
                              year=params.get("year"), soon_days=params.get("soon_days", 30))
        for signal in Signal.values:
            assert set(filtered(**params, signal=signal)) == {m for m in shown if m.signal == signal}, (params, signal)
        for status in ProgressStatus.values:
            assert set(filtered(**params, status=status)) == {m for m in shown if m.status == status}, (params, status)


def test_a_plan_with_hundreds_of_tasks_offers_them_a_section_at_a_time(db):
    plan = Plan.objects.create(title="全省台账", slug="province", start_year=2023, end_year=2025, reporting_year=2024)
    sections = Section.objects.bulk_create(
        Section(plan=plan, number=number, title=f"部分{number}", order=i) for i, number in enumerate("一二")
    )
    Task.objects.bulk_create(Task(section=sections[i % 2], number=i + 1, title=f"任务{i + 1}") for i in range(150))

    def offered(**params):
        form = MeasureFilter({"plan": "province", **params}, queryset=Measure.objects.all()).form
        return [label for _value, label in form.fields["task"].widget.choices]

    assert offered() == ["（请先选择部分）"]
    chosen = Task.objects.get(number=7)
    assert offered(task=chosen.pk) == ["（请先选择部分）", str(chosen)]
    assert len(offered(section=sections[0].pk)) == 1 + 75
    assert MeasureFilter({"plan": "province", "task": chosen.pk}, queryset=Measure.objects.all()).is_valid()


def page_text(client, path, params=None):
    response = client.get(path, params or {})
    assert response.status_code == 200
    return response.content.decode()


def test_the_drop_downs_offer_a_staff_member_only_the_plans_sections_and_tasks_of_their_measures(
    both, client, django_assert_max_num_queries
):
    """机关党总支 has measures in Anshan only: no Guangyuan plan, section or task title, and no
    Anshan section or task without one of its measures, reaches its pages."""
    create_account("fagui", STAFF, departments=["机关党总支"], password="pw-for-the-test")
    create_account("eye", "supervisor", password="pw-for-the-test")
    own = visible_measures(get_user_model().objects.get(username="fagui"))
    own_sections = set(Section.objects.filter(tasks__items__measures__in=own))
    own_tasks = set(Task.objects.filter(items__measures__in=own))
    assert (len(own_sections), len(own_tasks)) == (2, 4)
    others_sections = set(Section.objects.all()) - own_sections
    others_tasks = set(Task.objects.all()) - own_tasks
    assert {s.plan.slug for s in others_sections} == {"anshan", "guangyuan"}
    shown = {str(level) for level in own_sections | own_tasks}  # both plans have a section 一、全面提升行政执法人员能力素质
    hidden = sorted({str(level) for level in others_sections | others_tasks} - shown) + [Plan.objects.get(slug="guangyuan").title]
    assert len(hidden) == 45

    assert client.login(username="eye", password="pw-for-the-test")
    seen_by_supervisor = page_text(client, "/measures/") + page_text(client, "/")
    assert all(title in seen_by_supervisor for title in hidden)  # the test can tell: they are there for a supervisor

    assert client.login(username="fagui", password="pw-for-the-test")
    with django_assert_max_num_queries(12):
        measure_list = page_text(client, "/measures/")
    dashboard = page_text(client, "/", {"plan": "anshan"})
    assert [title for title in hidden if title in measure_list] == []
    assert [title for title in hidden if title in dashboard] == []
    assert all(str(section) in measure_list for section in own_sections)
    assert all(str(task) in measure_list for task in own_tasks)
    guangyuan = Section.objects.get(plan__slug="guangyuan", number="七")
    refused = client.get("/measures/", {"section": guangyuan.pk})
    assert refused.status_code == 400
    assert guangyuan.title not in refused.content.decode()
    assert client.get("/", {"plan": "guangyuan"}).status_code == 400
