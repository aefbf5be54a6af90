"""The kept standing (``MeasureStanding``, ``OpenMilestone``) equals what progress and milestones
say after every kind of write, on the real ledgers, and after ``manage.py rebuild_standing``."""

import datetime

import pytest
from django.core.management import call_command
from django.db.models import Sum

from departments.models import Department
from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import MilestoneKind, ProgressSource, ProgressStatus, ReviewState
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.standing.kept import computed_standing, kept_standing
from tasks.standing.kept_counts import counted
from tasks.models import (
    DepartmentStanding, Item, Measure, MeasureStanding, MeasureUnit, Milestone, OpenMilestone, Progress, Section,
    StandingCount, Task,
)
from tasks.workflow.reporting import report_progress
from tasks.workflow.review import decide_extension, request_extension, review_report

from .conftest import ANSHAN, GUANGYUAN, GUANGYUAN_OPTIONS
from .test_reimport_identity import ITEM_2, bound_values, edited

pytestmark = pytest.mark.django_db


def assert_kept_equals_computed():
    every = Measure.all_objects.values_list("pk", flat=True)
    kept, computed = kept_standing(every), computed_standing(every)
    assert kept.standings == computed.standings
    assert kept.open_rows == sorted(computed.open_rows, key=lambda row: row["milestone"])
    assert kept.department_rows == computed.department_rows
    kept_counts = {
        (row.plan_id, row.year, row.by, row.group, row.status, row.review): row.n for row in StandingCount.objects.all()
    }
    assert kept_counts == counted()


@pytest.fixture
def both(db):
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    import_ledger(GUANGYUAN, options=GUANGYUAN_OPTIONS)


@pytest.fixture
def people(both):
    staff = create_account("fagui", STAFF, departments=["政策法规科"])[0]
    chief = create_account("chief", SUPERVISOR)[0]
    return staff, chief


def not_done_with_a_date(year=2024):
    """A measure of Anshan with a dated milestone in ``year`` and no "done" for it."""
    milestones = Milestone.objects.filter(
        deadline__measure__item__task__section__plan__slug="anshan", deadline__year=year, kind="date"
    ).exclude(deadline__measure__progress__year=year, deadline__measure__progress__status=ProgressStatus.DONE)
    return milestones.select_related("deadline__measure").order_by("pk").first()


def test_an_import_of_the_real_ledgers_keeps_one_row_per_measure_and_plan_year(both):
    assert MeasureStanding.objects.count() == 3 * Measure.objects.count() == 3 * (75 + 35)
    assert OpenMilestone.objects.filter(plan__slug="anshan", year=2024, date__lt="2024-12-01").count() == 19
    departments_of_measures = MeasureUnit.objects.order_by().values_list("measure", "department").distinct().count()
    assert DepartmentStanding.objects.count() == 3 * departments_of_measures
    assert_kept_equals_computed()


def test_a_first_import_writes_from_memory_what_the_file_says(both):
    """The rows a first import makes from what it holds (not read back): the file's 已完成任务
    marks and results as status (no review yet), no open milestone in a year marked done, the
    open-ended phrases (持续推进 in Anshan, 长期坚持 in Guangyuan) as has_open_ended."""
    done = MeasureStanding.objects.filter(plan__slug="anshan", year=2024, status=ProgressStatus.DONE)
    assert done.count() == Progress.objects.filter(
        measure__item__task__section__plan__slug="anshan", year=2024, status=ProgressStatus.DONE
    ).count() > 0
    assert set(MeasureStanding.objects.values_list("review", flat=True)) == {ReviewState.NONE}
    done_dated = done.filter(has_dated=True).values_list("measure", flat=True)
    assert done_dated
    assert not OpenMilestone.objects.filter(measure__in=done_dated, year=2024).exists()
    assert OpenMilestone.objects.filter(plan__slug="anshan", year=2024).exists()
    for slug, kind in (("anshan", MilestoneKind.ONGOING), ("guangyuan", MilestoneKind.LONG_TERM)):
        open_ended = Milestone.objects.filter(deadline__measure__item__task__section__plan__slug=slug, kind=kind)
        assert open_ended.exists()
        for milestone in open_ended.select_related("deadline"):
            standing = MeasureStanding.objects.get(measure=milestone.deadline.measure_id, year=milestone.deadline.year)
            assert standing.has_open_ended
    assert_kept_equals_computed()


def test_a_reimport_that_adds_measures_to_the_plan(both, tmp_path):
    """New measures beside stored ones: one done in the reporting year (2024, no open milestone
    then), one with a 2023 result, dated and open-ended deadlines."""
    added = {
        5: {5: "新增措施甲：编制执法案卷评查标准。", 6: "新增措施乙：开展执法人员轮训。"},  # the measures
        6: {5: "已完成", 6: "正在推进"},  # 2023 results
        7: {5: "11月30日", 6: "持续推进"},  # 2024 deadlines
        8: {5: "6月30日", 6: "长期坚持"},  # 2025 deadlines
        9: {5: "政策法规科", 6: "政策法规科"},
        11: {5: ""},  # 已完成任务: ⑤ done (in the reporting year, 2024)
    }
    more = edited(tmp_path, "more.xlsx", rows={ITEM_2: ({}, added)})
    report = import_ledger(more, options=ImportOptions(plan_slug="anshan"))
    assert report.counts["new"] == 2
    first = Measure.objects.get(text__startswith="新增措施甲")
    second = Measure.objects.get(text__startswith="新增措施乙")
    assert MeasureStanding.objects.get(measure=first, year=2024).status == ProgressStatus.DONE
    assert MeasureStanding.objects.get(measure=first, year=2023).status == ProgressStatus.DONE
    assert not OpenMilestone.objects.filter(measure=first, year=2024).exists()
    assert OpenMilestone.objects.filter(measure=first, year=2025).count() == 1
    assert MeasureStanding.objects.get(measure=second, year=2024).has_open_ended
    assert not OpenMilestone.objects.filter(measure=second).exists()
    assert MeasureStanding.objects.filter(measure__in=[first, second]).count() == 6
    assert_kept_equals_computed()


def test_a_report_done_closes_its_milestones_and_a_return_opens_them(people):
    staff, chief = people
    milestone = not_done_with_a_date()
    measure = milestone.deadline.measure
    version = Progress.objects.filter(measure=measure, year=2024).values_list("version", flat=True).first()
    report_progress(measure, 2024, user=staff, status=ProgressStatus.DONE, expected_version=version, source=ProgressSource.WEB)
    assert not OpenMilestone.objects.filter(milestone=milestone).exists()
    assert MeasureStanding.objects.get(measure=measure, year=2024).review == "pending"
    assert_kept_equals_computed()
    progress = Progress.objects.get(measure=measure, year=2024)
    review_report(measure, 2024, user=chief, accept=False, reason="佐证不足", version=progress.version)
    assert OpenMilestone.objects.filter(milestone=milestone).exists()
    assert MeasureStanding.objects.get(measure=measure, year=2024).review == "returned"
    assert_kept_equals_computed()


def test_an_accepted_review_is_kept(people):
    staff, chief = people
    measure = not_done_with_a_date().deadline.measure
    version = Progress.objects.filter(measure=measure, year=2024).values_list("version", flat=True).first()
    report_progress(measure, 2024, user=staff, status=ProgressStatus.DONE, expected_version=version, source=ProgressSource.WEB)
    progress = Progress.objects.get(measure=measure, year=2024)
    review_report(measure, 2024, user=chief, accept=True, version=progress.version)
    assert MeasureStanding.objects.get(measure=measure, year=2024).review == "accepted"
    assert_kept_equals_computed()


def test_an_approved_extension_moves_the_open_date(people):
    staff, chief = people
    milestone = not_done_with_a_date()
    later = milestone.date + datetime.timedelta(days=40)
    request = request_extension(milestone, user=staff, new_date=later, reason="试点推迟")
    decide_extension(request, user=chief, approve=True)
    assert OpenMilestone.objects.get(milestone=milestone).date == later
    assert_kept_equals_computed()


def test_a_reimport_that_removes_a_measure_and_brings_it_back(people, tmp_path):
    without = edited(tmp_path, "without.xlsx", rows={ITEM_2: ({3: None, 4: 3}, None)})
    import_ledger(without, options=ImportOptions(plan_slug="anshan"))
    removed = Measure.all_objects.get(removed_at__isnull=False)
    assert not MeasureStanding.objects.filter(measure=removed).exists()
    assert not OpenMilestone.objects.filter(measure=removed).exists()
    assert_kept_equals_computed()
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    assert MeasureStanding.objects.filter(measure=removed).count() == 3
    assert_kept_equals_computed()


def test_a_reimport_with_a_new_deadline_phrase(people, tmp_path):
    changed = edited(tmp_path, "later.xlsx", replace={"11月30日": "12月31日"})
    import_ledger(changed, options=ImportOptions(plan_slug="anshan"))
    assert_kept_equals_computed()


def test_the_rebuild_command_puts_back_what_was_lost(people):
    OpenMilestone.objects.filter(year=2024).delete()
    MeasureStanding.objects.filter(year=2025).update(status=ProgressStatus.DONE)
    call_command("rebuild_standing", stdout=open("/dev/null", "w"))
    assert MeasureStanding.objects.count() == 3 * (75 + 35)
    assert_kept_equals_computed()


def posted(admin_client, url, **changes):
    """Post the admin's change form at ``url`` back as the page shows it, with ``changes``."""
    page = admin_client.get(url)
    data = bound_values(page.context["adminform"].form)
    for formset in page.context["inline_admin_formsets"]:
        data.update(bound_values(formset.formset.management_form))
        for inline_form in formset.formset.forms:
            data.update(bound_values(inline_form))
    data.update(changes)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""


def test_a_task_moved_to_another_section_in_the_admin_takes_its_measures_kept_rows_along(both, admin_client):
    task = Task.objects.filter(section__plan__slug="anshan", section__number="一").order_by("order").first()
    other = Section.objects.get(plan__slug="anshan", number="二")
    measures = list(Measure.objects.filter(item__task=task).values_list("pk", flat=True))

    posted(admin_client, f"/admin/tasks/task/{task.pk}/change/", section=str(other.pk), order="99")

    assert set(MeasureStanding.objects.filter(measure__in=measures).values_list("section", flat=True)) == {other.pk}
    assert_kept_equals_computed()


def test_a_measures_departments_changed_in_the_admin_are_kept_per_department(both, admin_client):
    measure = Measure.objects.filter(item__task__section__plan__slug="anshan").order_by("pk").first()
    unit = measure.units.order_by("role", "order").first()
    other = Department.objects.exclude(pk__in=measure.units.values("department")).order_by("pk").first()
    prefix = next(
        form.prefix
        for form_set in admin_client.get(f"/admin/tasks/measure/{measure.pk}/change/").context["inline_admin_formsets"]
        for form in form_set.formset.forms
        if form.instance.pk == unit.pk
    )

    posted(admin_client, f"/admin/tasks/measure/{measure.pk}/change/", **{f"{prefix}-department": str(other.pk)})

    kept = set(DepartmentStanding.objects.filter(measure=measure).values_list("department", flat=True))
    assert other.pk in kept and unit.department_id not in kept
    assert_kept_equals_computed()


def test_measures_deleted_with_their_item_leave_the_kept_counts(both):
    item = (
        Item.objects.filter(task__section__plan__slug="anshan", measures__progress__isnull=True)
        .exclude(measures__progress__isnull=False)
        .order_by("pk")
        .first()
    )
    section, measures = item.task.section, item.measures.count()
    before = StandingCount.objects.filter(by="section", group=section.pk, year=2023).aggregate(n=Sum("n"))["n"]

    item.delete()

    after = StandingCount.objects.filter(by="section", group=section.pk, year=2023).aggregate(n=Sum("n"))["n"]
    assert measures > 0 and after == before - measures
    assert_kept_equals_computed()
