"""Supervisors' figures on the real ledgers: counted again from the spreadsheet itself and by hand."""

import datetime
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.renderers import JSONRenderer

from departments.models import Department
from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import MilestoneKind, ProgressSource, ProgressStatus, ReviewState
from tasks.standing.dashboard import Scope, summary
from tasks.deadlines.phrases import parse_deadline
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import (
    Deadline, Item, Measure, MeasureUnit, Milestone, OpenMilestone, Plan, Progress, ProgressEntry, Section, Task,
)
from tasks.workflow.progress import record_progress
from tasks.ledgerfiles.sheets import read_ledger
from tasks.standing.kept import refresh_plan_standing, refresh_standing
from tasks.standing.counts import (
    BY_DEPARTMENT, FIGURE_NAMES, department_milestone_counts, figures, milestone_counts, tally,
)
from tasks.standing.on_date import overdue_now, overdue_trend, with_standing

from .conftest import ANSHAN
from .helpers import PASSWORD, login

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2024, 12, 1)
DATED = {MilestoneKind.DATE, MilestoneKind.RECURRING}


def counted_from_the_spreadsheet(as_of, year=2024, department=None):
    """Overdue and due-soon figures for Anshan, counted straight from the workbook rows."""
    overdue_milestones = 0
    overdue_measures = due_soon = done = measures = 0
    for row in read_ledger(ANSHAN).rows:
        if department and department not in row.responsible_units + row.lead_units:
            continue
        measures += 1
        is_done = bool(row.done)
        done += is_done
        dates = [
            m.date
            for m in parse_deadline(row.deadlines.get(year, ""), year=year, plan_years=[2023, 2024, 2025])
            if m.kind in DATED
        ]
        late = [d for d in dates if d < as_of]
        if not is_done:
            overdue_milestones += len(late)
            overdue_measures += bool(late)
            due_soon += any(as_of <= d <= as_of + datetime.timedelta(days=30) for d in dates)
    return {
        "measures": measures,
        "done": done,
        "overdue_measures": overdue_measures,
        "overdue_milestones": overdue_milestones,
        "due_soon_measures": due_soon,
    }


@pytest.fixture
def supervisor(client):
    create_account("eye", SUPERVISOR, password="pw")
    client.login(username="eye", password="pw")
    return client


@pytest.fixture
def fagui(client):
    """Staff of 政策法规科, the Anshan office that owns most measures."""
    create_account("fagui", STAFF, departments=["政策法规科"], password="pw")
    client.login(username="fagui", password="pw")
    return client


def scope(plan, **params):
    return Scope.from_params(params, plans=list(Plan.objects.filter(slug=plan)))


def test_figures_match_the_spreadsheet_counted_independently(anshan):
    user = create_account("eye", SUPERVISOR)[0]
    for as_of in (AS_OF, datetime.date(2024, 9, 30), datetime.date(2024, 3, 1)):
        figures = summary(user, scope("anshan", year="2024", as_of=as_of.isoformat()))
        expected = counted_from_the_spreadsheet(as_of)
        assert {key: figures[key] for key in expected} == expected, as_of
        assert figures["completion_rate"] == round(expected["done"] / expected["measures"], 4)


#: Anshan's 2024 figures on three days, fixed: the test above checks the figures against a count
#: that itself uses the reader and the deadline parser; these hold whatever both do.
ANSHAN_2024 = {
    "2024-12-01": {"measures": 75, "done": 37, "not_started": 38, "overdue_measures": 17, "overdue_milestones": 19, "due_soon_measures": 8},
    "2024-09-30": {"measures": 75, "done": 37, "not_started": 38, "overdue_measures": 3, "overdue_milestones": 4, "due_soon_measures": 1},
    "2024-03-01": {"measures": 75, "done": 37, "not_started": 38, "overdue_measures": 0, "overdue_milestones": 0, "due_soon_measures": 1},
}
ANSHAN_2024_DEPARTMENTS_ON_1_DECEMBER = {  # a measure of two departments counts for each
    "政策法规科": {"measures": 62, "done": 31, "overdue_measures": 15, "overdue_milestones": 15, "due_soon_measures": 5},
    "机关党总支": {"measures": 9, "done": 7, "overdue_measures": 1, "overdue_milestones": 3, "due_soon_measures": 1},
    "人防管理科": {"measures": 5, "done": 0, "overdue_measures": 1, "overdue_milestones": 1, "due_soon_measures": 2},
}


@pytest.mark.parametrize("as_of", sorted(ANSHAN_2024))
def test_anshans_figures_are_the_fixed_ones_on_the_dashboard_and_in_the_api(anshan, supervisor, as_of):
    params = {"plan": "anshan", "year": 2024, "as_of": as_of}
    shown = supervisor.get("/", params).context["figures"]
    answered = supervisor.get("/api/summary/", params).json()
    expected = ANSHAN_2024[as_of]
    assert {key: shown[key] for key in expected} == {key: answered[key] for key in expected} == expected
    assert answered["completion_rate"] == 0.4933  # 37 of 75


def test_anshans_figures_per_department_are_the_fixed_ones(anshan, supervisor):
    answered = supervisor.get("/api/summary/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"}).json()
    rows = {row["department"]: row for row in answered["departments"]}
    assert set(rows) == set(ANSHAN_2024_DEPARTMENTS_ON_1_DECEMBER)
    got = {name: {key: rows[name][key] for key in expected} for name, expected in ANSHAN_2024_DEPARTMENTS_ON_1_DECEMBER.items()}
    assert got == ANSHAN_2024_DEPARTMENTS_ON_1_DECEMBER


def test_figures_per_department_match_the_spreadsheet(anshan):
    user = create_account("eye", SUPERVISOR)[0]
    figures = summary(user, scope("anshan", year="2024", as_of=AS_OF.isoformat()))
    by_name = {row["department"]: row for row in figures["departments"]}
    assert set(by_name) == {"政策法规科", "机关党总支", "人防管理科"}
    for name, row in by_name.items():
        expected = counted_from_the_spreadsheet(AS_OF, department=name)
        assert {key: row[key] for key in expected if key != "overdue_milestones"} == {
            key: value for key, value in expected.items() if key != "overdue_milestones"
        }, name


def test_hand_counted_item_1_on_1_december_2024(anshan):
    """Item (1): both measures are listed done in 已完成任务, so neither is overdue although
    ①'s 2024 deadline (11月30日) has passed; item (6)'s single measure is done too."""
    user = create_account("eye", SUPERVISOR)[0]
    first_item = Item.objects.get(task__section__plan__slug="anshan", number=1)
    scope_ = scope("anshan", year="2024", as_of="2024-12-01")
    standing = with_standing(first_item.measures.all(), **scope_.standing)
    assert [(m.number, m.status, m.signal) for m in standing] == [(1, "done", "done"), (2, "done", "done")]
    record_progress(
        first_item.measures.get(number=1), 2024, status=ProgressStatus.IN_PROGRESS, source=ProgressSource.WEB,
        expected_version=1,
    )
    standing = with_standing(first_item.measures.all(), **scope_.standing)
    assert [(m.number, m.signal) for m in standing] == [(1, "overdue"), (2, "done")]
    assert summary(user, scope_)["overdue_milestones"] == counted_from_the_spreadsheet(AS_OF)["overdue_milestones"] + 1


def test_an_approved_later_date_is_what_counts(anshan):
    user = create_account("eye", SUPERVISOR)[0]
    before = summary(user, scope("anshan", year="2024", as_of="2024-12-01"))
    late = Milestone.objects.filter(
        deadline__measure__item__task__section__plan__slug="anshan", deadline__year=2024,
        kind=MilestoneKind.DATE, date__lt=AS_OF,
    ).exclude(deadline__measure__progress__year=2024, deadline__measure__progress__status="done").first()
    late.date = datetime.date(2024, 12, 31)
    late.save()
    refresh_standing([late.deadline.measure_id])  # what every writer of milestones does
    after = summary(user, scope("anshan", year="2024", as_of="2024-12-01"))
    assert after["overdue_milestones"] == before["overdue_milestones"] - 1


def test_ongoing_measures_are_never_overdue(guangyuan):
    long_term_only = Measure.objects.filter(
        item__task__section__plan__slug="guangyuan", deadlines__year=2025, deadlines__text="长期"
    )
    assert long_term_only.exists()
    standing = with_standing(long_term_only, as_of=datetime.date(2026, 1, 1), year=2025)
    assert {m.signal for m in standing} == {"ongoing"}


def test_the_dashboard_shows_the_figures_and_links_to_the_lists_behind_them(anshan, supervisor):
    response = supervisor.get("/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"})
    assert response.status_code == 200
    page = response.content.decode()
    expected = counted_from_the_spreadsheet(AS_OF)
    assert f'<span class="value">{expected["overdue_measures"]}</span>' in page
    assert "/overdue/?plan=anshan&amp;year=2024&amp;as_of=2024-12-01" in page
    assert "政策法规科" in page and "机关党总支" in page


def test_the_overdue_list_shows_every_overdue_milestone_with_days(anshan, supervisor):
    response = supervisor.get("/overdue/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"})
    page = response.context["page"]
    assert page.paginator.count == counted_from_the_spreadsheet(AS_OF)["overdue_milestones"]
    first = page.object_list[0]
    assert first.date < AS_OF
    assert f">{(AS_OF - first.date).days}<" in response.content.decode()
    by_date = [m.date for m in page.object_list]
    assert by_date == sorted(by_date)
    newest_first = supervisor.get("/overdue/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01", "sort": "-date"})
    assert [m.date for m in newest_first.context["page"].object_list] == sorted(by_date, reverse=True)


def test_what_was_overdue_at_the_end_of_q3(anshan, supervisor):
    response = supervisor.get("/overdue/", {"plan": "anshan", "year": 2024, "as_of": "2024-09-30"})
    assert response.context["page"].paginator.count == counted_from_the_spreadsheet(
        datetime.date(2024, 9, 30)
    )["overdue_milestones"]


def test_due_soon_lists_milestones_in_the_next_days(guangyuan, supervisor):
    response = supervisor.get("/due-soon/", {"plan": "guangyuan", "as_of": "2024-08-01", "soon_days": 90})
    dates = {m.date for m in response.context["page"].object_list}
    assert datetime.date(2024, 9, 30) in dates
    assert all(datetime.date(2024, 8, 1) <= d <= datetime.date(2024, 10, 30) for d in dates)
    week = supervisor.get("/due-soon/", {"plan": "guangyuan", "as_of": "2024-08-01", "soon_days": 7})
    assert week.context["page"].paginator.count == 0


def test_a_bad_scope_is_a_400_with_the_reason(anshan, supervisor):
    response = supervisor.get("/overdue/", {"plan": "nowhere"})
    assert response.status_code == 400
    assert "nowhere" in response.content.decode()
    assert supervisor.get("/", {"as_of": "2024-13-45"}).status_code == 400


def test_staff_see_their_departments_figures_only(anshan, fagui):
    response = fagui.get("/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"})
    figures = response.context["figures"]
    expected = counted_from_the_spreadsheet(AS_OF, department="政策法规科")
    assert figures["measures"] == expected["measures"] == 62
    assert [row["department"] for row in figures["departments"]] != []
    overdue = fagui.get("/overdue/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"})
    for milestone in overdue.context["page"].object_list:
        assert "政策法规科" in [u.department.name for u in milestone.deadline.measure.units.all()]
    api = fagui.get("/api/summary/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"}).json()
    assert api["measures"] == 62


def test_staff_cannot_open_another_departments_page(anshan, fagui):
    other = MeasureUnit.objects.filter(department__name="机关党总支").first().department
    assert fagui.get(f"/departments/{other.pk}/").status_code == 404
    own = MeasureUnit.objects.filter(department__name="政策法规科").first().department
    assert fagui.get(f"/departments/{own.pk}/").status_code == 200


def test_the_api_summary_is_the_dashboards_figures(anshan, supervisor):
    params = {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"}
    api = supervisor.get("/api/summary/", params).json()
    page = supervisor.get("/", params).context["figures"]
    for key in ("measures", "done", "in_progress", "not_started", "ongoing", "overdue_measures",
                "overdue_milestones", "due_soon_measures", "awaiting_review", "completion_rate"):
        assert api[key] == page[key], key
    assert {row["department"] for row in api["departments"]} == {"政策法规科", "机关党总支", "人防管理科"}


def test_sections_and_years_add_up_to_the_figures_of_their_measures(anshan, supervisor):
    """The dashboard counts sections and years in one tally; each row is what the measures of
    that section, or that year, count on their own."""
    params = {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"}
    context = supervisor.get("/", params).context
    user = create_account("eye", SUPERVISOR)[0]
    measures = scope("anshan", year="2024", as_of="2024-12-01").measures(user)
    for row in context["sections"]:
        alone = figures(measures.filter(item__task__section=row["section_id"]), as_of=AS_OF, year=2024)
        assert {key: row[key] for key in alone} == alone, row["section_title"]
    for row in context["years"]:
        assert {key: row[key] for key in FIGURE_NAMES} == figures(measures, as_of=AS_OF, year=row["year"])
    assert [row["year"] for row in context["years"]] == [2023, 2024, 2025]
    assert context["figures"]["measures"] == sum(row["measures"] for row in context["sections"]) == 75


@pytest.mark.parametrize("year", [2024, None])
def test_each_departments_figures_are_what_its_measures_count_on_their_own(anshan, year):
    """Departments are counted from the kept rows per department, read by plan; each is what the
    measures it leads or is responsible for count alone (across years too: milestones of every
    year, the status of the reporting year)."""
    plan = Plan.objects.get(slug="anshan")
    measures = Measure.objects.filter(item__task__section__plan=plan)
    groups = tally(None, as_of=AS_OF, years=[year], by=BY_DEPARTMENT, plan=plan)
    assert len(groups) == 3
    for (department, _year), counted in groups.items():
        alone = figures(measures.filter(units__department=department).distinct(), as_of=AS_OF, year=year)
        assert counted == alone, Department.objects.get(pk=department).name


def test_the_department_ranking_comes_twenty_at_a_time_most_overdue_first(db, supervisor):
    grow_plan(400)
    params = {"plan": "big-400", "year": 2024, "as_of": "2024-12-01"}
    response = supervisor.get("/", params)
    first = response.context["page"]
    assert first.paginator.count == 20
    assert len(first.object_list) == 20
    assert "共 20 个部门" in response.content.decode()
    Department.objects.bulk_create(Department(name=f"另一部门{i}") for i in range(30))
    MeasureUnit.objects.bulk_create(
        MeasureUnit(measure=measure, department=department, role="lead")
        for measure, department in zip(Measure.objects.filter(item__task__section__plan__slug="big-400"),
                                       Department.objects.filter(name__startswith="另一部门"))
    )
    refresh_plan_standing(Plan.objects.get(slug="big-400"))  # units written around the app's writers
    response = supervisor.get("/", params)
    ranked = response.context["page"]
    assert ranked.paginator.count == 50
    assert [row["overdue_measures"] for row in ranked.object_list] == sorted(
        (row["overdue_measures"] for row in ranked.object_list), reverse=True
    )
    assert "page=2" in response.content.decode()
    rest = supervisor.get("/", {**params, "page": 3}).context["page"].object_list
    assert len(rest) == 10
    pages = [supervisor.get("/", {**params, "page": page}).context["page"] for page in (1, 2, 3)]
    every = [row["department"] for page in pages for row in page]
    assert sorted(every) == sorted(row["department"] for row in response.context["figures"]["departments"])


@pytest.mark.django_db(transaction=True)
def test_figures_are_remembered_until_the_next_committed_write(django_assert_num_queries):
    cache.clear()
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    user = create_account("eye", SUPERVISOR)[0]
    scope_ = scope("anshan", year="2024", as_of="2024-12-01")
    before = summary(user, scope_)
    with django_assert_num_queries(1):  # what was written last, nothing else
        assert summary(user, scope_) == before
    not_done = Measure.objects.exclude(progress__year=2024, progress__status=ProgressStatus.DONE)
    measure = not_done.first()
    version = Progress.objects.filter(measure=measure, year=2024).values_list("version", flat=True).first()
    record_progress(measure, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB, expected_version=version)
    assert summary(user, scope_)["done"] == before["done"] + 1
    late = Milestone.objects.filter(
        deadline__year=2024, kind=MilestoneKind.DATE, date__lt=AS_OF, deadline__measure__in=not_done.exclude(pk=measure.pk)
    ).first()
    publish_statistics()  # what the admin's save below writes would reach the count of rows written later
    late.date = datetime.date(2024, 12, 31)
    late.save()
    refresh_standing([late.deadline.measure_id])  # as the admin's save does
    assert summary(user, scope_)["overdue_milestones"] == before["overdue_milestones"] - 1


@pytest.mark.django_db(transaction=True)
def test_the_overdue_counts_are_remembered_across_reports_that_close_no_milestone():
    """A report in progress changes the statuses, which are counted again from the kept counts,
    not the open milestones, whose counts are remembered; a report of "done" closes milestones
    and they are counted again."""
    cache.clear()
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    user = create_account("eye", SUPERVISOR)[0]
    scope_ = scope("anshan", year="2024", as_of="2024-12-01")
    before = summary(user, scope_)
    assert (before["overdue_measures"], before["in_progress"], before["done"]) == (17, 0, 37)  # as ANSHAN_2024 holds them
    late = Measure.objects.filter(open_milestones__year=2024, open_milestones__date__lt=AS_OF).exclude(
        progress__year=2024, progress__status=ProgressStatus.IN_PROGRESS
    ).distinct().order_by("pk")
    started, finished = late[0], late[1]
    counted = []
    with (
        mock.patch("tasks.standing.counts.milestone_counts", side_effect=lambda *a: counted.append(a) or milestone_counts(*a)),
        mock.patch(
            "tasks.standing.counts.department_milestone_counts",
            side_effect=lambda *a: counted.append(a) or department_milestone_counts(*a),
        ),
    ):
        record_progress(started, 2024, status=ProgressStatus.IN_PROGRESS, source=ProgressSource.WEB, expected_version=None)
        after = summary(user, scope_)
        assert counted == []
        assert (after["overdue_measures"], after["in_progress"], after["done"]) == (17, 1, 37)
        assert after["departments"] != before["departments"]  # the started measure's departments count it in progress

        record_progress(finished, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB, expected_version=None)
        done = summary(user, scope_)
        assert len(counted) == 2  # the whole plan's and its departments'
        assert (done["overdue_measures"], done["in_progress"], done["done"]) == (16, 1, 38)


@pytest.mark.django_db(transaction=True)
def test_logging_in_does_not_make_remembered_figures_stale(client, django_assert_num_queries):
    cache.clear()
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    user = create_account("eye", SUPERVISOR, password=PASSWORD)[0]
    scope_ = scope("anshan", year="2024", as_of="2024-12-01")
    publish_statistics()  # the import's writes reach the count of rows written
    before = summary(user, scope_)
    assert client.login(username="eye", password=PASSWORD)  # writes a session and the user's last login
    publish_statistics()
    with django_assert_num_queries(1):
        assert summary(user, scope_) == before


@pytest.mark.django_db(transaction=True)
def test_the_summary_api_answers_from_what_it_remembered_until_a_report_changes_it(django_assert_max_num_queries):
    cache.clear()
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    client = login("eye", SUPERVISOR)
    params = {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"}
    publish_statistics()
    with mock.patch.object(JSONRenderer, "render", autospec=True, side_effect=JSONRenderer.render) as encode:
        first = client.get("/api/summary/", params)
        with django_assert_max_num_queries(5):  # session, user, plans, what was written last, the user's role
            again = client.get("/api/summary/", params)
    assert encode.call_count == 1  # half a megabyte for a province: encoded once, not per request
    assert again.content == first.content and again["Content-Type"] == "application/json"
    measure = Measure.objects.exclude(progress__year=2024, progress__status=ProgressStatus.DONE).first()
    version = Progress.objects.filter(measure=measure, year=2024).values_list("version", flat=True).first()
    record_progress(measure, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB, expected_version=version)
    assert client.get("/api/summary/", params).json()["done"] == first.json()["done"] + 1
    assert "text/html" in client.get("/api/summary/", {**params, "format": "api"})["Content-Type"]


@pytest.mark.django_db(transaction=True)
def test_a_staff_member_never_gets_a_supervisors_remembered_figures():
    cache.clear()
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    supervisor = login("eye", SUPERVISOR)
    staff = login("fagui", STAFF, ["政策法规科"])
    params = {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"}
    publish_statistics()
    for path in ("/", "/api/summary/"):
        assert figures_on(supervisor, path, params) == 75
        assert figures_on(staff, path, params) == 62  # the same scope, remembered for the supervisor first
        assert figures_on(supervisor, path, params) == 75
    overdue = {who: supervisor_or_staff.get("/overdue/", params).context["page"].paginator.count
               for who, supervisor_or_staff in (("supervisor", supervisor), ("staff", staff))}
    assert overdue == {"supervisor": 19, "staff": 15}  # overdue milestones: all of Anshan, and 政策法规科's


def figures_on(client, path, params):
    response = client.get(path, params)
    return response.json()["measures"] if path.startswith("/api/") else response.context["figures"]["measures"]


def publish_statistics():
    """Make PostgreSQL publish this connection's counts of rows written now, not within seconds
    (SQLite has none: there the standing clock alone tells a write)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")


def test_pages_and_api_require_login(client, anshan):
    for path in ("/", "/overdue/", "/due-soon/", "/measures/"):
        assert client.get(path).status_code == 302
    assert client.get("/api/summary/").status_code in (401, 403)


def grow_plan(size):
    """A plan of ``size`` measures (slug ``big-<size>``) shaped like a province's ledger: 5 sections,
    tasks, items and 20 departments of its own; 2023 and 2024 deadlines with a dated milestone
    (every fifth measure an ongoing one too); 2024 progress for two thirds of the measures, a third
    done, the first returned and the fourth awaiting review; a history entry for each report,
    spread over 2024 so that the dashboard draws its trend."""
    plan = Plan.objects.create(
        title=f"规模测试台账{size}", slug=f"big-{size}", start_year=2023, end_year=2025, reporting_year=2024
    )
    departments = [Department.objects.create(name=f"测试部门{size}-{i}") for i in range(20)]
    sections = Section.objects.bulk_create(
        Section(plan=plan, number=str(i), title=f"部分{i}", order=i) for i in range(5)
    )
    tasks = Task.objects.bulk_create(
        Task(section=sections[i % 5], number=i + 1, title=f"任务{i}", order=i) for i in range(max(size // 10, 1))
    )
    items = Item.objects.bulk_create(
        Item(task=tasks[i % len(tasks)], number=i + 1, text=f"要求{i}") for i in range(size // 2)
    )
    measures = Measure.objects.bulk_create(
        Measure(item=items[i % len(items)], number=i // len(items) + 1, text=f"措施{i}") for i in range(size)
    )
    MeasureUnit.objects.bulk_create(
        MeasureUnit(measure=m, department=departments[i % 20], role="responsible") for i, m in enumerate(measures)
    )
    deadlines = Deadline.objects.bulk_create(
        Deadline(measure=m, year=year, text="11月30日") for m in measures for year in (2023, 2024)
    )
    Milestone.objects.bulk_create(
        [Milestone(deadline=d, date=datetime.date(d.year, 11, 30), kind=MilestoneKind.DATE) for d in deadlines]
        + [Milestone(deadline=d, order=1, kind=MilestoneKind.ONGOING) for d in deadlines[::10]]
    )
    statuses = {0: ProgressStatus.DONE, 1: ProgressStatus.IN_PROGRESS}
    reviews = {0: ReviewState.RETURNED, 3: ReviewState.PENDING}
    progress = Progress.objects.bulk_create(
        Progress(measure=m, year=2024, version=1, status=statuses[i % 3] if i else ProgressStatus.IN_PROGRESS,
                 review=reviews.get(i, ReviewState.NONE))
        for i, m in enumerate(measures) if i % 3 < 2
    )
    with mock.patch.object(ProgressEntry._meta.get_field("created_at"), "auto_now_add", False):
        ProgressEntry.objects.bulk_create(
            ProgressEntry(
                progress=p, version=1, status=p.status, source=ProgressSource.WEB,
                created_at=datetime.datetime(2024, 1 + i % 10, 15, 10, tzinfo=datetime.timezone.utc),
            )
            for i, p in enumerate(progress)
        )
    refresh_plan_standing(plan)  # rows written around the app's writers: their kept standing as the writers keep it
    return plan


#: Queries each page may make, whatever the size of the ledger (a supervisor's pages, and a staff
#: member's 我的任务 and dashboard). Pages include one query for the unread count of the inbox in
#: the header (notices), for supervisors one for the 待审核 count in the top bar, and the session
#: and user of the login. The first page naming a plan writes it into the session (three queries,
#: once: the next page without a plan opens it): here the dashboard, the first page of each user.
QUERY_CEILINGS = {
    "/": 18,
    "/overdue/": 11,  # with rows: their milestones, units and departments (grow_plan keeps the standing now)
    "/due-soon/?as_of=2024-11-15": 11,
    "/measures/": 14,
    "/measures/?overdue=true&status=in_progress": 14,
    "/api/summary/": 9,
    "/departments/": 10,
    "/my/": 11,
    "/my/?tab=overdue": 11,
    "/my/?tab=month": 11,
    "/my/?tab=returned": 10,
    "/ (staff)": 17,
}


def queries_of(client, url, params):
    """How many queries the page at ``url`` makes."""
    queries = []
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        assert client.get(url, params).status_code == 200, url
    return len(queries)


def test_queries_per_page_do_not_grow_with_the_ledger(db):
    """Every page makes the same number of queries, within its ceiling, for 10 measures as for 3,000."""
    counts = {}
    for size in (10, 3000):
        plan = grow_plan(size)
        supervisor = login(f"eye{size}", SUPERVISOR)
        staff = login(f"clerk{size}", STAFF, [f"测试部门{size}-0"])
        department = Department.objects.get(name=f"测试部门{size}-0")
        params = {"plan": plan.slug, "year": 2024, "as_of": "2024-12-01"}
        for page in QUERY_CEILINGS:
            path, _, query = page.removesuffix(" (staff)").partition("?")
            url = f"/departments/{department.pk}/" if path == "/departments/" else path
            client = staff if page.endswith("(staff)") or path == "/my/" else supervisor
            extra = dict(part.split("=") for part in query.split("&")) if query else {}
            counts.setdefault(page, []).append(queries_of(client, url, {**params, **extra}))
    grew = {page: sizes for page, sizes in counts.items() if sizes[0] != sizes[1]}
    assert not grew, f"queries grew from 10 to 3,000 measures: {grew}"
    over = {page: sizes[0] for page, sizes in counts.items() if sizes[0] > QUERY_CEILINGS[page]}
    assert not over, f"pages over their ceiling {QUERY_CEILINGS}: {over}"


def at(year, month, day):
    return mock.patch(
        "django.utils.timezone.now",
        return_value=datetime.datetime(year, month, day, 10, tzinfo=datetime.timezone.utc),
    )


def overdue_by_hand(day):
    """Dated milestones due before ``day`` whose year no report had marked done by then."""
    count = 0
    for milestone in Milestone.objects.filter(kind__in=DATED).select_related("deadline"):
        if milestone.date >= day:
            continue
        done_by_then = ProgressEntry.objects.filter(
            progress__measure_id=milestone.deadline.measure_id,
            progress__year=milestone.deadline.year,
            status=ProgressStatus.DONE,
            created_at__date__lte=day,
        ).exists()
        count += not done_by_then
    return count


def test_the_overdue_trend_follows_the_history_of_reports(db, supervisor):
    with at(2024, 1, 15):
        import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    public_phone = Milestone.objects.get(deadline__year=2024, label="公开电话").deadline.measure
    with at(2024, 6, 10):
        record_progress(public_phone, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB)
    days = [datetime.date(2024, 5, 31), datetime.date(2024, 6, 30), datetime.date(2024, 12, 1)]
    points = overdue_trend(Measure.objects.all(), days)
    assert points == [(day, overdue_by_hand(day)) for day in days]
    assert points[0][1] - points[1][1] >= 1

    response = supervisor.get("/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"})
    trend_points = response.context["trend"]
    assert trend_points[0]["day"] == datetime.date(2024, 1, 31)
    assert trend_points[-1]["day"] == datetime.date(2024, 12, 1)
    assert "逾期节点走势" in response.content.decode()


def test_the_trend_counts_from_the_first_done_of_a_year(db):
    """Reported done in June, back to in progress in July, done again in September: the
    milestones of that year stop counting in June, as the history of the time said."""
    with at(2024, 1, 15):
        import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    late_in_may = Milestone.objects.filter(
        deadline__year=2024, kind=MilestoneKind.DATE, date__lt=datetime.date(2024, 6, 1)
    ).exclude(deadline__measure__progress__year=2024, deadline__measure__progress__status=ProgressStatus.DONE)
    measure = late_in_may.first().deadline.measure
    version = Progress.objects.filter(measure=measure, year=2024).values_list("version", flat=True).first()
    for (month, day), status in (((6, 10), ProgressStatus.DONE), ((7, 5), ProgressStatus.IN_PROGRESS),
                                 ((9, 20), ProgressStatus.DONE)):
        with at(2024, month, day):
            version = record_progress(
                measure, 2024, status=status, source=ProgressSource.WEB, expected_version=version
            ).version
    days = [datetime.date(2024, *day) for day in ((5, 31), (6, 10), (8, 31), (12, 1))]
    points = overdue_trend(Measure.objects.all(), days)
    assert points == [(day, overdue_by_hand(day)) for day in days]
    assert points[1][1] < points[0][1]


def test_todays_point_of_the_trend_is_counted_from_the_kept_open_milestones(db):
    """On today or later no report can come after the day: the kept open milestones whose year
    was never reported done give the same figure as the history (a year done and taken back
    stays cleared, as in the history)."""
    with at(2024, 1, 15):
        import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    late = Milestone.objects.filter(
        deadline__year=2024, kind=MilestoneKind.DATE, date__lt=datetime.date(2024, 6, 1)
    ).exclude(deadline__measure__progress__year=2024, deadline__measure__progress__status=ProgressStatus.DONE)
    taken_back, done = [m.deadline.measure for m in late.order_by("pk")[:2]]
    with at(2024, 6, 10):
        version = record_progress(taken_back, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB).version
        record_progress(done, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB)
    with at(2024, 7, 5):
        record_progress(taken_back, 2024, status=ProgressStatus.IN_PROGRESS, source=ProgressSource.WEB,
                        expected_version=version)
    with at(2024, 12, 1):
        for day in (datetime.date(2024, 12, 1), datetime.date(2025, 3, 31)):
            history = overdue_trend(Measure.objects.all(), [day])[0][1]
            assert overdue_now(Measure.objects.all(), day) == history == overdue_by_hand(day)
            assert overdue_now(None, day, plan=Plan.objects.get(slug="anshan")) == history


@pytest.mark.django_db(transaction=True)
def test_the_trends_past_is_remembered_across_reports_and_worked_out_again_after_other_writes(supervisor):
    """A report changes today's point only: the days before are remembered until a write that
    can change them (here a later date approved for a milestone)."""
    cache.clear()
    with at(2024, 1, 15):
        import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    params = {"plan": "anshan", "year": 2024}
    calls = []

    def counted(*args):
        calls.append(args)
        return overdue_trend(*args)

    with at(2024, 12, 1), mock.patch("tasks.standing.dashboard.overdue_trend", counted):
        before = supervisor.get("/", params).context["trend"]
        not_done = Measure.objects.filter(open_milestones__year=2024, open_milestones__date__lt=AS_OF).distinct()
        measure = not_done.order_by("pk").first()
        late = measure.open_milestones.filter(year=2024, date__lt=AS_OF).count()
        version = Progress.objects.filter(measure=measure, year=2024).values_list("version", flat=True).first()
        record_progress(measure, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB, expected_version=version)
        after = supervisor.get("/", params).context["trend"]
        assert len(calls) == 1
        assert [p["count"] for p in after[:-1]] == [p["count"] for p in before[:-1]]
        assert after[-1]["count"] == before[-1]["count"] - late

        milestone = Milestone.objects.filter(
            deadline__year=2024, kind=MilestoneKind.DATE, date__lt=datetime.date(2024, 6, 1), pk__in=OpenMilestone.objects.values("milestone")
        ).order_by("pk").first()
        milestone.date = datetime.date(2024, 12, 31)
        milestone.save()
        refresh_standing([milestone.deadline.measure_id])  # as the admin's save does
        moved = supervisor.get("/", params).context["trend"]
        assert len(calls) == 2
        assert moved[5]["count"] == after[5]["count"] - 1  # 30 June: no longer due by then


def test_no_trend_before_the_history_begins(anshan, supervisor):
    response = supervisor.get("/", {"plan": "anshan", "year": 2024, "as_of": "2024-12-01"})
    assert response.context["trend"] == []
