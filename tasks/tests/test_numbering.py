"""A measure is named by the numbers its ledger gives it, and by none it does not: the admin's
lists, the messages and the audit export show Anshan's ``1.(1)①``, an outline ledger's ``1.1`` and a
flat list's ``3``, never a ``1.(1)①`` made up for levels a flat ledger does not have."""

import pytest

from notices.notify import measure_label
from tasks.importing.ledger_import import import_ledger
from tasks.importing.options import ImportOptions
from tasks.models import Measure
from tasks.numbering import place_label

from .conftest import ANSHAN

CORPUS = ANSHAN.parent / "corpus"

pytestmark = pytest.mark.django_db


def measures(slug):
    return Measure.objects.filter(item__task__section__plan__slug=slug).select_related("item__task__section")


@pytest.mark.parametrize(
    ("labels", "place"),
    [(("1", "(2)", "④"), "1.(2)④"), (("1", "", "1.1"), "1.1"), (("", "", "3"), "3"), (("2", "2.1", "2.1.3"), "2.1.3"),
     (("", "", ""), ""), (("一", "（一）", "1"), "一（一）1")],
)
def test_places_join_the_labels_a_ledger_has(labels, place):
    assert place_label(*labels) == place


def test_anshans_measures_are_named_as_anshan_numbers_them(anshan):
    measure = measures("anshan").get(item__task__number=1, item__number=2, number=1)
    assert measure.place_label == "1.(2)①"
    assert str(measure) == "① 发放图书《习近平法治思想学习纲要》，做到机关工作人员人手一册。"
    assert measure_label(measure).startswith("1.(2)① 发放图书《习近平法治思想学习纲要》")


def test_a_flat_list_gets_no_task_or_item_number(db):
    import_ledger(CORPUS / "11_anshan_flat_measures.xlsx", options=ImportOptions(plan_slug="flat", years=[2024, 2025]))
    measure = measures("flat").get(number=3)
    assert (measure.place_label, str(measure.item), str(measure.item.task), str(measure.item.task.section)) == ("3", "—", "—", "—")
    assert measure_label(measure) == "3 " + measure.text[:40]


def test_an_outline_ledger_keeps_its_outline_numbers(db):
    import_ledger(CORPUS / "01_guangyuan_outline.xlsx", options=ImportOptions(plan_slug="outline", years=[2023, 2024, 2025]))
    labels = [measure.place_label for measure in measures("outline")[:8]]
    assert labels == ["1.1", "2.1", "3.1", "4.1", "5.1", "6.1", "6.2", "6.3"]


def test_an_import_report_places_a_flat_lists_measures_by_the_levels_it_has(db, anshan):
    flat = import_ledger(CORPUS / "11_anshan_flat_measures.xlsx", options=ImportOptions(plan_slug="flat", years=[2024, 2025]))
    assert [line.where for line in flat.changes[:3]] == ["措施1", "措施2", "措施3"]
    assert flat.changes[2].describe().startswith("new 措施3 「")
    assert anshan.changes[0].where == "部分一 序号1 要求1 措施1"
