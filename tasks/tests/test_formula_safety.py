"""Formula-like text comes out of every export as the same text, never as a formula."""

import csv
import io

import openpyxl
import pytest

from departments.roles import ADMIN, create_account
from tasks.exporting.cells import looks_like_formula
from tasks.choices import ProgressStatus
from tasks.exporting.ledger_layout import export_ledger
from tasks.models import Measure, Plan
from tasks.exporting.writeback import write_back

from .helpers import flat_export
from .test_exporting import report
from .test_importing import measure_at

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1"]


@pytest.fixture
def poisoned(anshan):
    """Item (1)'s two measures and item (2)'s first carry formula-like texts and notes."""
    targets = [measure_at("anshan", 1, 1), measure_at("anshan", 1, 2), measure_at("anshan", 2, 1)]
    for measure, text in zip(targets, DANGEROUS):
        Measure.objects.filter(pk=measure.pk).update(text=text)
    report(measure_at("anshan", 2, 2), 2024, ProgressStatus.IN_PROGRESS, DANGEROUS[3])
    report(measure_at("anshan", 2, 3), 2024, ProgressStatus.IN_PROGRESS, DANGEROUS[4])
    return Plan.objects.get(slug="anshan")


def string_cells(data):
    """Every cell of the first sheet: (value, data_type)."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [(cell.value, cell.data_type) for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_texts_are_strings(cells, expected):
    found = [value for value, _ in cells if any(text in str(value) for text in expected)]
    for text in expected:
        assert any(text in str(value) for value in found), text
    assert all(kind == "s" for value, kind in cells if value in found)
    assert not any(kind == "f" for _, kind in cells)


def test_flat_xlsx_writes_the_texts_as_string_cells(poisoned):
    data, _type, _name = flat_export(Measure.objects.all(), "xlsx")
    cells = string_cells(data)
    for text in DANGEROUS:
        assert (text, "s") in cells
    assert not any(kind == "f" for _, kind in cells)


def test_flat_csv_puts_a_quote_before_formula_like_fields_and_nothing_else(poisoned):
    data, _type, _name = flat_export(Measure.objects.all(), "csv")
    fields = [field for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for field in row]
    for text in DANGEROUS:
        assert f"'{text}" in fields and text not in fields
    assert not any(looks_like_formula(field) for field in fields)
    assert "'" + "政策法规科" not in fields


def test_the_ledger_export_keeps_the_texts_and_writes_them_as_strings(poisoned):
    assert_texts_are_strings(string_cells(export_ledger(poisoned)), DANGEROUS[:3])


def test_write_back_single_status_cell_keeps_a_formula_like_note(anshan):
    measure = measure_at("anshan", 1, 1)
    for number in (1, 2):
        report(measure_at("anshan", 1, number), 2023, ProgressStatus.IN_PROGRESS, "=1+1")
    cell = openpyxl.load_workbook(io.BytesIO(write_back(Plan.objects.get(slug="anshan"))))["任务分解表"].cell(
        measure.source_row, 6
    )
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_the_admin_export_keeps_the_texts(poisoned, client):
    create_account("chief", ADMIN, password="pw")
    client.login(username="chief", password="pw")
    xlsx = client.post("/admin/tasks/measure/export/", {"format": "0", "resource": "0"})
    cells = string_cells(xlsx.content)
    for text in DANGEROUS:
        assert (text, "s") in cells
    assert not any(kind == "f" for _, kind in cells)
    text = client.post("/admin/tasks/measure/export/", {"format": "1", "resource": "0"}).content.decode("utf-8-sig")
    fields = [field for row in csv.reader(io.StringIO(text)) for field in row]
    for value in DANGEROUS:
        assert f"'{value}" in fields
