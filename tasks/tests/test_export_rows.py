"""The measures the exports read: in ledger order, with their related rows, in a fixed number of queries."""

import datetime
from types import SimpleNamespace

import pytest
from django.db.models import F

from tasks.choices import ProgressStatus
from tasks.exporting.rows import MeasureRecord, _InOrder, _Related, measure_records
from tasks.exporting.interchange import interchange_queryset
from tasks.models import Measure, Section
from tasks.standing.on_date import with_standing

from .test_exporting import report
from .test_importing import measure_at

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2024, 12, 31)


def ledger_order(measures):
    return list(
        measures.order_by(
            "item__task__section__plan_id", "item__task__section__order", "item__task__order", "item__order", "number"
        ).values_list("pk", flat=True)
    )


def test_each_record_is_the_measure_as_its_model_instance_gives_it(anshan, guangyuan):
    report(measure_at("anshan", 1, 2), 2025, ProgressStatus.IN_PROGRESS, "已排期")
    measures = Measure.objects.all()
    records = list(measure_records(measures, source=True, units=True, milestones=True))
    instances = {m.pk: MeasureRecord.from_instance(m) for m in interchange_queryset(measures)}
    assert [record.id for record in records] == ledger_order(measures)
    assert records == [instances[record.id] for record in records]


def test_a_measure_is_overdue_as_the_dashboard_judges_it(anshan):
    measures = Measure.objects.filter(item__task__section__plan__slug="anshan")
    for year in (2024, None):
        overdue = set(with_standing(measures, as_of=AS_OF, year=year).filter(is_overdue=True).values_list("pk", flat=True))
        assert overdue
        assert {r.id for r in measure_records(measures, as_of=AS_OF, year=year) if r.is_overdue} == overdue


def test_the_ledger_order_need_not_follow_the_ids(anshan):
    Section.objects.update(order=100 - F("order"))
    measures = Measure.objects.all()
    records = list(measure_records(measures, source=True, units=True, milestones=True))
    instances = {m.pk: MeasureRecord.from_instance(m) for m in interchange_queryset(measures)}
    assert [record.id for record in records] == ledger_order(measures)
    assert records == [instances[record.id] for record in records]


def test_the_queries_do_not_grow_with_the_measures(anshan, guangyuan, django_assert_max_num_queries):
    """Plans, items, measures, deadlines, progress, overdue, units, milestones."""
    for measures in (Measure.objects.filter(item__number=1, number=1), Measure.objects.all()):
        with django_assert_max_num_queries(8):
            list(measure_records(measures, as_of=AS_OF, source=True, units=True, milestones=True))


def test_related_rows_are_handed_out_by_measure_in_any_order():
    rows = _Related([(1, "a"), (1, "b"), (2, "c"), (4, "d")])
    assert rows.take(2) == [(2, "c")]
    assert rows.take(1) == [(1, "a"), (1, "b")]
    assert rows.take(3) == []
    assert rows.take(4) == [(4, "d")]
    assert rows.take(5) == []


def test_records_asked_for_out_of_turn_are_found_and_the_missing_are_none():
    items = _InOrder(SimpleNamespace(id=number) for number in (10, 20, 30))
    assert items.take(20).id == 20
    assert items.take(10).id == 10
    assert items.take(99) is None
    assert items.take(30).id == 30
