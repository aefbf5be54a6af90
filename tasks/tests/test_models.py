"""Invariants of the ledger model, on rows taken from the Anshan ledger (fixtures/anshan.xlsx)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from departments.models import Department, Person
from tasks.choices import MilestoneKind, ProgressSource, ProgressStatus, UnitRole
from tasks.models import Deadline, Item, Measure, MeasureUnit, Milestone, Plan, Progress, ProgressEntry, Section, Task
from tasks.workflow.progress import VersionConflict, record_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def anshan_item_1():
    """Anshan section （一）, task 1, item (1) with its two measures, as the ledger writes them."""
    plan = Plan.objects.create(
        title="鞍山市国动办提升行政执法质量三年行动工作方案(2023—2025年)任务分解表",
        slug="anshan",
        start_year=2023,
        end_year=2025,
        reporting_year=2024,
    )
    section = Section.objects.create(plan=plan, number="一", title="全面提升行政执法人员能力素质", order=1)
    task = Task.objects.create(section=section, number=1, label="1", title="加强政治能力建设", order=1)
    item = Item.objects.create(
        task=task,
        number=1,
        label="(1)",
        text="各级行政执法部门要把加强党的政治建设放在首位，全面践行习近平法治思想……",
        upstream_deadline="持续推进",
    )
    office = Department.objects.create(name="政策法规科")
    yin = Person.objects.create(name="尹忠新", department=office)
    first = Measure.objects.create(
        item=item, number=1, label="①", text="将学法用法工作纳入党组中心组学习计划……", responsible_text="机关党总支"
    )
    second = Measure.objects.create(
        item=item, number=2, label="②", text="每年组织开展一次习近平法治思想学习培训……", person=yin, responsible_text="政策法规科"
    )
    MeasureUnit.objects.create(measure=second, department=office, role=UnitRole.RESPONSIBLE)
    return plan, item, first, second


def test_measures_list_in_ledger_order_whatever_order_they_were_saved(anshan_item_1):
    plan, item, first, second = anshan_item_1
    third = Measure.objects.create(item=item, number=3, text="建立执法人员新信息库。")
    first.text = "edited later"
    first.save()
    assert list(Measure.objects.filter(item=item)) == [first, second, third]
    assert str(second).startswith("②")


def test_the_same_numbers_cannot_be_created_twice(anshan_item_1):
    plan, item, first, second = anshan_item_1
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.create(item=item, number=2, text="duplicate ②")
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(task=item.task, number=1, text="duplicate (1)")
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(section=item.task.section, number=1, title="duplicate 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Section.objects.create(plan=plan, number="一", title="duplicate 一")
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.bulk_create([Deadline(measure=second, year=2025, text="7月31日")] * 2)


def test_a_plan_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(title="broken", slug="broken", start_year=2025, end_year=2023)


def test_deleting_a_measure_with_progress_is_refused(anshan_item_1):
    plan, item, first, second = anshan_item_1
    record_progress(second, 2024, status=ProgressStatus.DONE, source=ProgressSource.IMPORT)
    with pytest.raises(ProtectedError):
        second.delete()
    with pytest.raises(ProtectedError):
        plan.delete()
    assert Progress.objects.filter(measure=second).count() == 1


def test_a_measure_without_progress_is_deleted_with_its_deadlines(anshan_item_1):
    plan, item, first, second = anshan_item_1
    deadline = Deadline.objects.create(measure=first, year=2025, text="11月30日")
    Milestone.objects.create(deadline=deadline, date=datetime.date(2025, 11, 30), kind=MilestoneKind.DATE)
    first.delete()
    assert not Deadline.objects.exists()
    assert not Milestone.objects.exists()


def test_a_department_with_measures_cannot_be_deleted(anshan_item_1):
    with pytest.raises(ProtectedError):
        Department.objects.get(name="政策法规科").delete()


def test_every_change_is_appended_to_the_history(anshan_item_1):
    plan, item, first, second = anshan_item_1
    record_progress(second, 2024, status=ProgressStatus.IN_PROGRESS, note="已制定方案", source=ProgressSource.WEB)
    record_progress(
        second, 2024, status=ProgressStatus.DONE, note="6月完成党课", source=ProgressSource.WEB, expected_version=1
    )
    progress = Progress.objects.get(measure=second, year=2024)
    assert progress.version == 2
    assert progress.status == ProgressStatus.DONE
    assert [(e.version, e.status, e.note) for e in progress.entries.all()] == [
        (1, ProgressStatus.IN_PROGRESS, "已制定方案"),
        (2, ProgressStatus.DONE, "6月完成党课"),
    ]


def test_writing_the_same_values_again_appends_nothing(anshan_item_1):
    plan, item, first, second = anshan_item_1
    record_progress(second, 2024, status=ProgressStatus.DONE, source=ProgressSource.IMPORT)
    record_progress(second, 2024, status=ProgressStatus.DONE, source=ProgressSource.IMPORT, expected_version=1)
    assert ProgressEntry.objects.count() == 1


def test_a_stale_or_missing_version_is_a_conflict(anshan_item_1):
    plan, item, first, second = anshan_item_1
    record_progress(second, 2024, status=ProgressStatus.IN_PROGRESS, source=ProgressSource.WEB)
    with pytest.raises(VersionConflict):
        record_progress(second, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB)
    with pytest.raises(VersionConflict):
        record_progress(second, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB, expected_version=0)
    assert Progress.objects.get(measure=second, year=2024).status == ProgressStatus.IN_PROGRESS


def test_history_can_be_neither_edited_nor_deleted(anshan_item_1):
    plan, item, first, second = anshan_item_1
    record_progress(second, 2024, status=ProgressStatus.DONE, note="已完成", source=ProgressSource.IMPORT)
    entry = ProgressEntry.objects.get()
    entry.note = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        ProgressEntry.objects.filter(pk=entry.pk).update(note="rewritten")
    with pytest.raises(ValidationError):
        ProgressEntry.objects.all().delete()
    assert ProgressEntry.objects.get().note == "已完成"
