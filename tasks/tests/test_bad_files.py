"""Bad spreadsheets (tasks/tests/data/bad/, made by make_bad_files.py beside them).

Each refused file: a message naming the file (and sheet, row, column where they apply), a
non-zero exit on the command line, an error in the admin's import form or preview, and the
database exactly as it was. Files that are odd but readable (control characters, formulas,
Excel dates) import with what a person saw in Excel.
"""

import hashlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings

from departments.roles import ADMIN
from tasks.importing.errors import ImportFailed
from tasks.importing.ledger_import import import_ledger
from tasks.models import Measure, Plan
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.sheets import read_ledger
from tasks.tests.data.bad import make_bad_files
from tasks.ledgerfiles.limits import WorkbookLimits
from tasks.ledgerfiles.xlsx_guard import check_workbook

from .helpers import login

pytestmark = pytest.mark.django_db

BAD = Path(__file__).resolve().parent / "data" / "bad"
IMPORT_URL = "/admin/tasks/measure/import/"

#: File → words the message must contain (besides the file's name).
REFUSED = {
    "renamed_text.xlsx": ["「renamed_text」", "没有找到台账表头"],  # text is read as CSV, whatever its name
    "old_format.xls": ["Excel 97-2003 工作簿", "已损坏"],
    "truncated.xlsx": ["不是 .xlsx 工作簿", "已损坏"],
    "billion_laughs.xlsx": ["xl/worksheets/sheet1.xml", "DTD"],
    "external_entity.xlsx": ["xl/workbook.xml", "DTD"],
    "zip_bomb.xlsx": ["xl/worksheets/sheet1.xml", "压缩炸弹"],
    "far_cell.xlsx": ["工作表「台账」", "XFD1048576", "100000 行"],
    "empty.xlsx": ["没有找到台账表头", "「台账」"],
    "no_header.xlsx": ["没有找到台账表头", "「台账」"],
    "missing_column.xlsx": ["工作表「台账」", "第 2 行", "缺少必需的列", "落实工作措施"],
    "duplicate_measures.xlsx": ["工作表「台账」", "列「措施编号」", "第 5 行与第 4 行", "编号重复"],
    "long_cell.xlsx": ["工作表「台账」", "第 4 行", "列「重点任务」", "500"],
}


def database_fingerprint():
    """Row counts and a checksum of every row of every table, each model's rows ordered by pk."""
    digest = hashlib.sha256()
    counts = {}
    for model in apps.get_models():
        rows = list(model._base_manager.order_by("pk").values_list())
        counts[model._meta.label] = len(rows)
        digest.update(model._meta.label.encode())
        digest.update(repr(rows).encode())
    return counts, digest.hexdigest()


@pytest.fixture
def before(anshan):
    """A database holding the Anshan ledger; returns its fingerprint."""
    return database_fingerprint()


def test_the_corpus_is_what_the_script_makes(tmp_path):
    make_bad_files.main(tmp_path)
    for name in make_bad_files.CORPUS:
        assert (tmp_path / name).read_bytes()[:4] == (BAD / name).read_bytes()[:4], name
        assert (BAD / name).stat().st_size < 10_000, f"{name} is kept small"


@pytest.mark.parametrize("name", REFUSED)
def test_the_command_line_refuses_it_and_writes_nothing(name, before):
    with pytest.raises(CommandError) as refused:
        call_command("import_ledger", str(BAD / name), "--years", "2023-2025")
    message = str(refused.value)
    assert name in message
    for words in REFUSED[name]:
        assert words in message
    assert database_fingerprint() == before


@pytest.mark.parametrize("name", REFUSED)
def test_the_admin_import_shows_the_error_and_writes_nothing(name, before):
    client = login("chief", ADMIN)
    before = database_fingerprint()  # the account is part of the state now
    with open(BAD / name, "rb") as handle:
        response = client.post(IMPORT_URL, {"import_file": handle, "format": "0", "resource": "0", "years": "2023-2025"})
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert REFUSED[name][-1] in page
    form_errors = " ".join(response.context["form"].errors.get("import_file", []))
    if form_errors:  # refused as a file: the form names it
        assert name in form_errors
    else:  # read, then refused row by row in the preview
        result = response.context["result"]
        assert result.has_errors() or result.has_validation_errors()
    assert database_fingerprint() == before


def test_the_admin_refuses_a_file_over_the_size_limit_before_reading_it(anshan):
    client = login("chief", ADMIN)
    with override_settings(LEDGER_MAX_UPLOAD_BYTES=1024), open(BAD / "far_cell.xlsx", "rb") as handle:
        response = client.post(IMPORT_URL, {"import_file": handle, "format": "0", "resource": "0"})
    errors = response.context["form"].errors["import_file"]
    assert any("far_cell.xlsx" in error and "文件过大" in error for error in errors)


def test_200000_rows_are_refused_from_the_zip_directory_alone(tmp_path, before):
    path = tmp_path / "huge.xlsx"
    path.write_bytes(make_bad_files.many_rows(200_000))
    with pytest.raises(ImportFailed) as refused:
        import_ledger(path)
    assert "huge.xlsx, 工作表「台账」" in refused.value.messages[0]
    assert "上限为 100000 行" in refused.value.messages[0]
    assert database_fingerprint() == before


def test_rows_without_references_are_counted_after_reading(tmp_path):
    """Cell references are optional in the file format: the limit is applied again to what was read."""
    data = make_bad_files.many_rows(300, with_references=False)
    check_workbook(data, "rows.xlsx", WorkbookLimits(max_rows=100))  # nothing declared to judge by
    with pytest.raises(LedgerError) as refused:
        read_ledger(data, file_name="rows.xlsx", limits=WorkbookLimits(max_rows=100))
    assert str(refused.value) == "rows.xlsx, 工作表「台账」: 工作表有 302 行，超过上限 100 行"


def test_the_row_limit_comes_from_the_settings(tmp_path):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(make_bad_files.many_rows(50))
    with override_settings(LEDGER_MAX_ROWS=20), pytest.raises(ImportFailed) as refused:
        import_ledger(path, dry_run=True)
    assert "上限为 20 行" in refused.value.messages[0]


def test_a_real_deflate_bomb_is_refused_by_its_ratio():
    sheet = make_bad_files.sheet("<row/>" * 2_000_000)  # 12 MB of rows that compress to a few KB
    data = make_bad_files.package(sheet)
    assert len(data) < 100_000
    with pytest.raises(LedgerError) as refused:
        check_workbook(data, "bomb.xlsx")
    assert "压缩炸弹" in str(refused.value)


def test_an_encrypted_entry_is_refused():
    data = bytearray(make_bad_files.package(make_bad_files.sheet("")))
    offset = data.find(b"PK\x01\x02")
    while offset != -1:  # set the "encrypted" flag on every entry of the central directory
        data[offset + 8] |= 0x1
        offset = data.find(b"PK\x01\x02", offset + 4)
    with pytest.raises(LedgerError) as refused:
        check_workbook(bytes(data), "locked.xlsx")
    assert "加密" in str(refused.value)


def imported_measure(name):
    import_ledger(BAD / name)
    return Measure.objects.select_related("item__task").get(item__task__section__plan__slug=Path(name).stem)


def test_control_characters_are_dropped_and_the_text_kept():
    measure = imported_measure("control_characters.xlsx")
    assert measure.item.task.title == "规范执法行为"
    assert measure.item.text == "严格执法程序"
    assert measure.text == "组织专题 培训"


def test_formula_cells_give_the_value_excel_showed_and_formula_text_stays_text():
    measure = imported_measure("formulas.xlsx")
    assert measure.item.task.title == "规范执法行为"
    assert measure.text == "组织专题培训"
    assert measure.item.text == '=HYPERLINK("http://example.com","严格执法程序")'


def test_a_deadline_stored_as_an_excel_date_reads_as_that_date():
    measure = imported_measure("excel_dates.xlsx")
    deadline = measure.deadlines.get()
    assert deadline.text == "2024年6月30日"
    assert [str(m.date) for m in deadline.milestones.all()] == ["2024-06-30"]
    assert Plan.objects.filter(slug="excel_dates").exists()
