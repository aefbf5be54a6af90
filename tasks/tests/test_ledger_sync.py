"""The bulk import (command line, load_demo) and the row-by-row import (admin page) write the same plan."""

import openpyxl
import pytest
from django.db import connection

from tasks.choices import ProgressSource, ProgressStatus
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger, ledger_dataset
from tasks.models import Measure, MeasureUnit, Milestone, ProgressEntry
from tasks.workflow.progress import record_progress
from tasks.importing.resources import MeasureResourceWithoutPreview
from tasks.ledgerfiles.sheets import read_ledger

from .conftest import ANSHAN, GUANGYUAN

pytestmark = pytest.mark.django_db

LEDGERS = [(ANSHAN, []), (GUANGYUAN, [2023, 2024, 2025])]


def import_row_by_row(path, options):
    """What the admin's import page does on confirm: the dataset through django-import-export."""
    dataset = ledger_dataset(read_ledger(path))
    dataset.source = path.read_bytes()
    resource = MeasureResourceWithoutPreview(options=options)
    result = resource.import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True, file_name=path.name)
    return result.totals


def full_snapshot(slug):
    """Every stored value of a plan's measures but ids: cells, units in order, milestones, progress and history."""
    rows = []
    measures = (
        Measure.objects.filter(item__task__section__plan__slug=slug)
        .select_related("item__task__section", "person")
        .prefetch_related("units__department", "deadlines__milestones", "progress__entries")
        .order_by("item__task__section__number", "item__task__number", "item__number", "number")
    )
    for m in measures:
        item, task, section = m.item, m.item.task, m.item.task.section
        rows.append(
            (
                (section.number, section.title, section.order, task.number, task.title, task.order),
                (item.number, item.text, item.upstream_deadline, item.order),
                (m.number, m.text, m.lead_text, m.responsible_text, m.source_row, m.source_cells, m.extra),
                (m.person.name, m.person.department.name if m.person.department else None) if m.person else None,
                [(u.role, u.order, u.department.name) for u in m.units.all()],
                [
                    (d.year, d.text, d.needs_review, d.covers_plan,
                     [(x.order, x.date, x.kind, x.label, x.span_start, x.span_end) for x in d.milestones.all()])
                    for d in m.deadlines.all()
                ],
                [
                    (p.year, p.status, p.note, p.version, p.review,
                     [(e.version, e.status, e.note, e.source) for e in p.entries.all()])
                    for p in m.progress.all()
                ],
            )
        )
    return rows


@pytest.mark.parametrize(("path", "years"), LEDGERS, ids=["anshan", "guangyuan"])
def test_both_paths_write_the_same_plan(path, years):
    bulk = import_ledger(path, options=ImportOptions(plan_slug="bulk", years=years))
    totals = import_row_by_row(path, ImportOptions(plan_slug="row", years=years))

    assert bulk.counts["new"] == totals["new"] > 30
    assert full_snapshot("bulk") == full_snapshot("row")


@pytest.mark.parametrize(("path", "years"), LEDGERS, ids=["anshan", "guangyuan"])
def test_each_path_finds_nothing_to_change_in_what_the_other_wrote(path, years):
    options = ImportOptions(plan_slug="plan", years=years)
    import_row_by_row(path, options)
    before = full_snapshot("plan")

    assert import_ledger(path, options=options).counts["update"] == 0
    assert full_snapshot("plan") == before
    assert import_row_by_row(path, options)["update"] == 0
    assert full_snapshot("plan") == before


def edited_anshan(tmp_path):
    """Anshan with a measure reworded and a deadline moved."""
    workbook = openpyxl.load_workbook(ANSHAN)
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = (
                    cell.value.replace("人手一册", "人手一册并组织研读").replace("② 6月30日", "② 9月30日")
                )
    path = tmp_path / "anshan.xlsx"
    workbook.save(path)
    return path


def test_an_edited_file_gives_the_same_plan_on_both_paths_and_keeps_app_progress(tmp_path):
    edited = edited_anshan(tmp_path)
    for slug, importer in (("bulk", import_ledger), ("row", None)):
        options = ImportOptions(plan_slug=slug)
        import_ledger(ANSHAN, options=options)
        first = Measure.objects.get(item__task__section__plan__slug=slug, item__number=1, number=1)
        record_progress(first, 2025, status=ProgressStatus.IN_PROGRESS, note="已报送方案", source=ProgressSource.WEB)
        if importer:
            report = importer(edited, options=options)
            counts = report.counts
        else:
            counts = import_row_by_row(edited, options)
        assert counts["new"] == 0
        assert counts["update"] == 2  # the reworded measure; the item whose 2024 deadline moved
    assert full_snapshot("bulk") == full_snapshot("row")
    first = Measure.objects.get(item__task__section__plan__slug="bulk", item__number=1, number=1)
    kept = first.progress.get(year=2025)
    assert (kept.status, kept.note) == (ProgressStatus.IN_PROGRESS, "已报送方案")


def test_reworded_section_and_task_titles_are_updated_in_place_on_both_paths(tmp_path):
    workbook = openpyxl.load_workbook(ANSHAN)
    for row in workbook.worksheets[0].iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = cell.value.replace("全面提升行政执法人员能力素质", "全面提升执法人员能力素质").replace(
                    "加强政治能力建设", "切实加强政治能力建设"
                )
    edited = tmp_path / "anshan.xlsx"
    workbook.save(edited)
    for slug, importer in (("bulk", import_ledger), ("row", None)):
        options = ImportOptions(plan_slug=slug)
        import_ledger(ANSHAN, options=options)
        ids = set(Measure.objects.filter(item__task__section__plan__slug=slug).values_list("id", flat=True))
        in_section = Measure.objects.filter(item__task__section__plan__slug=slug, item__task__section__number="一").count()
        counts = importer(edited, options=options).counts if importer else import_row_by_row(edited, options)
        assert (counts["new"], counts["update"]) == (0, in_section)  # the renamed task lies in the renamed section
        assert set(Measure.objects.filter(item__task__section__plan__slug=slug).values_list("id", flat=True)) == ids
        task = Measure.objects.filter(item__task__section__plan__slug=slug, item__task__title="切实加强政治能力建设")
        assert task.count() == 6
        assert task.first().item.task.section.title == "全面提升执法人员能力素质"
    assert full_snapshot("bulk") == full_snapshot("row")


def test_a_dry_run_of_the_bulk_import_counts_and_writes_nothing(db):
    report = import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"), dry_run=True)

    assert report.counts["new"] == 75
    assert not Measure.objects.exists()
    assert not MeasureUnit.objects.exists()
    assert not Milestone.objects.exists()
    assert not ProgressEntry.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
def test_a_large_import_leaves_the_planner_statistics_of_what_it_wrote(monkeypatch):
    monkeypatch.setattr("tasks.importing.sync.STATISTICS_AFTER", 50)
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Measure._meta.db_table])
        assert cursor.fetchone()[0] == 75
