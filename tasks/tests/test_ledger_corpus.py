"""The ledger corpus (fixtures/corpus/): ledgers laid out and saved the ways other offices keep them.

Every ledger is read and imported without being told its layout or its years; what it must read
as is fixtures/corpus/expected.json, written by hand from the source text (fixtures/README.md).
"""

import functools
import json
from pathlib import Path

import pytest

from tasks.importing.ledger_import import import_ledger
from tasks.models import Item, Measure, Plan, Section, Task
from tasks.ledgerfiles.sheets import read_ledger

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
LEDGERS = sorted(EXPECTED)


def one_line(text):
    """A cell's text as compared: lines joined, whitespace at the ends dropped."""
    return "".join(line.strip() for line in (text or "").splitlines()).strip()


def number_as_written(label):
    return (label or "").strip().rstrip(".、．").strip()


def deadlines_by_key(deadlines):
    return {("all" if year is None else str(year)): phrase for year, phrase in deadlines.items() if phrase}


def level_counts(rows):
    """The distinct sections, tasks and items the rows name (a level a ledger lacks counts 0)."""
    sections = {(row.section_number, row.section_title) for row in rows if row.section_title}
    tasks = {(row.section_title, row.task_label, row.task_title) for row in rows if row.task_title}
    items = {(row.task_label, row.task_title, row.item_label, row.item_text) for row in rows
             if row.item_label or row.item_text}
    return {"measures": len(rows), "sections": len(sections), "tasks": len(tasks), "items": len(items)}


def as_read(row):
    """A row in the terms of expected.json."""
    return {
        "number": number_as_written(row.measure_label),
        "text": one_line(row.measure_text),
        "section": one_line(row.section_title),
        "task": one_line(row.task_title),
        "task_label": number_as_written(row.task_label),
        "item": one_line(row.item_text),
        "item_label": number_as_written(row.item_label),
        "lead_units": row.lead_units,
        "responsible_units": row.responsible_units,
        "person": row.person,
        "deadlines": deadlines_by_key(row.deadlines),
        "done": row.done,
    }


def with_defaults(expected):
    """A chosen measure from expected.json; a field it leaves out is empty in the ledger."""
    defaults = {"section": "", "task": "", "task_label": "", "item": "", "item_label": "", "lead_units": [],
                "responsible_units": [], "person": "", "deadlines": {}, "done": None}
    return {**defaults, **{key: value for key, value in expected.items() if key != "index"}}


@functools.cache
def read(name):
    return read_ledger(CORPUS / name)


@pytest.fixture(params=LEDGERS)
def ledger(request):
    name = request.param
    return name, EXPECTED[name], read(name)


def test_every_format_and_enough_ledgers_are_in_the_corpus():
    assert len(LEDGERS) >= 12
    assert {Path(name).suffix for name in LEDGERS} == {".xlsx", ".xls", ".ods", ".csv", ".docx"}
    assert all((CORPUS / name).is_file() for name in LEDGERS)


def test_plan_years_come_from_the_file(ledger):
    name, expected, ledger_read = ledger
    assert ledger_read.plan_years == expected["plan_years"], name


def test_measures_and_levels_are_counted(ledger):
    name, expected, ledger_read = ledger
    assert level_counts(ledger_read.rows) == expected["counts"], name


@pytest.mark.parametrize("name,index", [(name, m["index"]) for name in LEDGERS for m in EXPECTED[name]["measures"]])
def test_chosen_measure_reads_as_written(name, index):
    rows = read(name).rows
    expected = next(m for m in EXPECTED[name]["measures"] if m["index"] == index)
    assert len(rows) >= index, f"{name}: {len(rows)} measures read, measure {index} expected"
    assert as_read(rows[index - 1]) == with_defaults(expected)


@pytest.mark.django_db
def test_import_stores_the_levels_and_numbers_the_ledger_has(ledger):
    name, expected, _ = ledger
    report = import_ledger(CORPUS / name)
    plan = Plan.objects.get(slug=report.plan)
    counts = expected["counts"]
    assert list(range(plan.start_year, plan.end_year + 1)) == expected["plan_years"]
    assert Measure.objects.filter(item__task__section__plan=plan).count() == counts["measures"]
    assert Section.objects.filter(plan=plan).exclude(title="").count() == counts["sections"]
    assert Task.objects.filter(section__plan=plan).exclude(title="").count() == counts["tasks"]
    assert Item.objects.filter(task__section__plan=plan).exclude(text="", label="").count() == counts["items"]
    for chosen in expected["measures"]:
        stored = Measure.objects.filter(item__task__section__plan=plan, text=chosen["text"])
        assert [number_as_written(measure.label) for measure in stored] == [chosen["number"]], chosen["text"]


@pytest.mark.django_db
def test_importing_twice_changes_nothing(ledger):
    name, _, _ = ledger
    import_ledger(CORPUS / name)
    again = import_ledger(CORPUS / name)
    assert not again.changed, again.lines()
