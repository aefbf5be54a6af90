"""The admin's ledger import: upload, preview with each row's fate, confirm; a bad file is a form error."""

import openpyxl
import pytest

from departments.roles import STAFF, create_account
from tasks.models import Measure, Plan

from .conftest import ANSHAN, GUANGYUAN
from .helpers import guangyuan_without_years

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/tasks/measure/import/"
CONFIRM_URL = "/admin/tasks/measure/process_import/"


def upload(client, path, **fields):
    with open(path, "rb") as handle:
        return client.post(IMPORT_URL, {"import_file": handle, "format": "0", "resource": "0", **fields})


def test_preview_lists_each_row_and_writes_nothing_until_confirmed(admin_client):
    response = upload(admin_client, GUANGYUAN, plan_slug="guangyuan", years="2023-2025")
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 35
    assert "confirm_form" in response.context
    assert not Measure.objects.exists()

    confirm = response.context["confirm_form"]
    response = admin_client.post(CONFIRM_URL, {name: confirm.initial.get(name, "") for name in confirm.fields})
    assert response.status_code == 302
    plan = Plan.objects.get(slug="guangyuan")
    assert (plan.start_year, plan.end_year) == (2023, 2025)
    assert Measure.objects.filter(item__task__section__plan=plan).count() == 35


def test_a_second_preview_of_the_same_file_shows_every_row_unchanged(admin_client):
    upload_and_confirm = upload(admin_client, ANSHAN, plan_slug="anshan")
    confirm = upload_and_confirm.context["confirm_form"]
    admin_client.post(CONFIRM_URL, {name: confirm.initial.get(name, "") for name in confirm.fields})
    response = upload(admin_client, ANSHAN, plan_slug="anshan")
    assert response.context["result"].totals["skip"] == 75
    assert response.context["result"].totals["new"] == 0


def test_a_file_that_is_not_a_workbook_is_a_form_error_naming_it(admin_client, tmp_path):
    bad = tmp_path / "report.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    response = upload(admin_client, bad)
    assert response.status_code == 200
    errors = response.context["form"].errors["import_file"]
    assert any("report.xlsx" in error for error in errors)
    assert not Plan.objects.exists()


def test_missing_years_is_an_error_in_the_preview_and_nothing_can_be_confirmed(admin_client, tmp_path):
    response = upload(admin_client, guangyuan_without_years(tmp_path, GUANGYUAN))
    assert response.context["result"].has_errors()
    assert "confirm_form" not in response.context
    assert "文件中没有方案年度" in response.content.decode()
    assert not Plan.objects.exists()


def test_staff_cannot_reach_the_import_page(client):
    create_account("clerk", STAFF, departments=["政策法规科"], password="pw")
    client.login(username="clerk", password="pw")
    assert client.get(IMPORT_URL).status_code == 302
    with open(ANSHAN, "rb") as handle:
        client.post(IMPORT_URL, {"import_file": handle, "format": "0", "resource": "0"})
    assert not Plan.objects.exists()


def anshan_with_two_bad_cells(folder):
    """Anshan with a person's name of 101 characters (row 9) and an upstream deadline of 301 (row 10)."""
    workbook = openpyxl.load_workbook(ANSHAN)
    sheet = workbook["任务分解表"]
    sheet["J9"] = "尹" * 101
    sheet["D10"] = "持续推进" + "。" * 297
    path = folder / "anshan.xlsx"
    workbook.save(path)
    return path


BAD_CELLS = [
    "anshan.xlsx, 工作表「任务分解表」, 第 9 行, 列「负责人」: 确保该变量包含不超过 100 字符 (目前字符数 101)。",
    "anshan.xlsx, 工作表「任务分解表」, 第 10 行, 列「上级完成时限」: 确保该变量包含不超过 300 字符 (目前字符数 301)。",
]


def test_each_bad_row_is_named_in_the_preview_and_nothing_can_be_confirmed(admin_client, tmp_path):
    response = upload(admin_client, anshan_with_two_bad_cells(tmp_path), plan_slug="anshan")

    result = response.context["result"]
    assert result.has_errors()
    assert "confirm_form" not in response.context
    messages = [line for error in result.base_errors for line in str(error.error).splitlines()]
    assert messages == BAD_CELLS  # each bad cell once, though an item's cell is met with each of its measures
    assert not result.row_errors()  # no row is run against a plan that was never loaded
    page = response.content.decode()
    assert all(line in page for line in BAD_CELLS)
    assert "has no attribute" not in page
    assert not Plan.objects.exists() and not Measure.objects.exists()
