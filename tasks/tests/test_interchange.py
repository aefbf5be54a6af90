"""The JSON export of a plan: valid against docs/interchange.schema.json, and read back to the same plan."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.db.models import F

from tasks.choices import ProgressStatus
from tasks.importing.errors import ImportFailed
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.exporting.interchange import interchange_queryset, plan_json, to_interchange
from tasks.models import Measure, Plan, Section

from .test_exporting import guangyuan_first, report
from .test_importing import measure_at, plan_snapshot

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "interchange.schema.json").read_text("utf-8"))


def validate(document):
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)


@pytest.mark.parametrize("slug", ["anshan", "guangyuan"])
def test_the_json_export_of_each_ledger_validates_and_reimports_unchanged(slug, request):
    request.getfixturevalue(slug)
    plan = Plan.objects.get(slug=slug)
    data = plan_json(plan)
    document = json.loads(data)
    validate(document)
    assert len(document["measures"]) == Measure.objects.filter(item__task__section__plan=plan).count()
    before = plan_snapshot(slug)
    again = import_ledger(data, file_name=f"{slug}.json")
    assert again.plan == slug
    assert again.counts.get("new", 0) == again.counts.get("update", 0) == 0
    assert plan_snapshot(slug) == before


def test_the_json_export_builds_the_same_plan_in_a_new_place_and_keeps_the_kept_workbook(guangyuan):
    plan = Plan.objects.get(slug="guangyuan")
    report(guangyuan_first(), plan.reporting_year, ProgressStatus.DONE)
    kept = plan.source_sha256
    copy = import_ledger(plan_json(plan), file_name="guangyuan.json", options=ImportOptions(plan_slug="copy"))
    assert copy.counts["new"] == 35
    assert plan_snapshot("copy") == plan_snapshot("guangyuan")
    assert Plan.objects.get(slug="copy").title == plan.title
    assert Plan.objects.get(slug="guangyuan").source_sha256 == kept


def test_an_array_of_interchange_objects_from_the_api_imports_too(anshan):
    objects = [to_interchange(m) for m in interchange_queryset(Measure.objects.filter(item__number__lte=3))]
    data = json.dumps(objects, ensure_ascii=False).encode()
    result = import_ledger(data, file_name="measures.json", options=ImportOptions(plan_slug="part", years=[2023, 2024, 2025]))
    assert result.counts["new"] == len(objects) == 10
    measure = Measure.objects.get(item__task__section__plan__slug="part", item__number=1, number=2)
    assert measure.deadlines.get(year=2025).text == "7月31日"
    assert [u.department.name for u in measure.units.all()] == ["政策法规科"]


def test_a_measure_in_the_document_matches_the_design(anshan):
    document = json.loads(plan_json(Plan.objects.get(slug="anshan")))
    second = next(m for m in document["measures"] if (m["item"]["number"], m["measure"]["number"]) == (1, 2))
    assert second["deadlines"]["2024"]["text"] == "6月30日"
    assert second["deadlines"]["2024"]["milestones"] == [{"date": "2024-06-30", "kind": "date", "label": ""}]
    assert second["progress"]["2024"]["status"] == "done" and second["completed"] is True
    assert second["id"] == measure_at("anshan", 1, 2).pk


def test_a_broken_json_file_is_refused_naming_the_file_and_writes_nothing(db):
    with pytest.raises(ImportFailed, match="bad.json"):
        import_ledger(b'{"measures": [{"section": {}}]}', file_name="bad.json", options=ImportOptions(years=[2024]))
    with pytest.raises(ImportFailed, match="JSON"):
        import_ledger(b"[not json", file_name="worse.json")
    assert not Plan.objects.exists()


# -- scale: streamed, a fixed number of queries -------------------------------------------------

#: The plans, the items, the measures, their deadlines, milestones, units and progress.
DOCUMENT_QUERIES = 7


def test_the_document_costs_the_same_queries_for_three_measures_or_the_whole_plan(anshan, django_assert_max_num_queries):
    plan = Plan.objects.get(slug="anshan")
    few = Measure.objects.filter(item__task__section__plan=plan, item__number__lte=1)
    for measures in (few, None):
        with django_assert_max_num_queries(DOCUMENT_QUERIES):
            plan_json(plan, measures)


@pytest.mark.parametrize("narrowed", [False, True])
def test_the_document_has_one_measure_per_line(anshan, narrowed):
    plan = Plan.objects.get(slug="anshan")
    lines = plan_json(plan, Measure.objects.none() if narrowed else None).decode("utf-8").splitlines()
    document = json.loads("\n".join(lines))
    assert len(lines) == (1 if narrowed else len(document["measures"]) + 2)
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == document["measures"]


def test_the_document_follows_the_plan_order_when_the_ids_do_not(anshan):
    plan = Plan.objects.get(slug="anshan")
    Section.objects.filter(plan=plan).update(order=100 - F("order"))
    document = json.loads(plan_json(plan))
    sections = [m["section"]["number"] for m in document["measures"]]
    assert list(dict.fromkeys(sections)) == [s.number for s in plan.sections.order_by("order")]
    api = {m.pk: to_interchange(m) for m in interchange_queryset(Measure.objects.filter(item__task__section__plan=plan))}
    for obj in document["measures"]:
        del obj["source"]
        for deadline in obj["deadlines"].values():
            del deadline["covers_plan"]
        assert obj == api[obj["id"]]
