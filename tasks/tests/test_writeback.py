"""Write-back (回填): the kept workbook with status cells filled in, everything else untouched."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import ProgressStatus
from tasks.models import Measure, Plan
from tasks.exporting.writeback import NoSourceFile, write_back

from .conftest import ANSHAN, GUANGYUAN
from .test_exporting import guangyuan_first, report
from .test_importing import measure_at

pytestmark = pytest.mark.django_db


def load(data_or_path):
    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    return openpyxl.load_workbook(source)


def status_positions(plan):
    return {
        tuple(position)
        for cells in Measure.objects.filter(item__task__section__plan=plan).values_list("source_cells", flat=True)
        for key, position in cells.items()
        if key == "done" or key.startswith("result:")
    }


def assert_only_cells_changed(before, after, allowed):
    """Every cell outside ``allowed`` has its value; merges, widths and print setup are the original's."""
    assert {str(r) for r in after.merged_cells.ranges} == {str(r) for r in before.merged_cells.ranges}
    for row in before.iter_rows():
        for cell in row:
            if (cell.row, cell.column) not in allowed:
                assert after.cell(cell.row, cell.column).value == cell.value, cell.coordinate
    for letter, dimension in before.column_dimensions.items():
        assert after.column_dimensions[letter].width == dimension.width
    assert after.page_setup.orientation == before.page_setup.orientation
    assert after.print_title_rows == before.print_title_rows
    assert after.freeze_panes == before.freeze_panes


def test_anshan_write_back_fills_the_status_cells_and_nothing_else(anshan):
    plan = Plan.objects.get(slug="anshan")
    report(measure_at("anshan", 2, 1), 2024, ProgressStatus.DONE)
    report(measure_at("anshan", 2, 3), 2023, ProgressStatus.DONE)
    after = load(write_back(plan))["任务分解表"]
    before = load(ANSHAN)["任务分解表"]
    assert_only_cells_changed(before, after, status_positions(plan))
    row = measure_at("anshan", 2, 1).source_row
    assert after.cell(row, 11).value == "① ③"
    assert after.cell(row, 6).value == "①已完成\n②已完成\n③已完成"
    first = measure_at("anshan", 1, 2).source_row
    assert after.cell(first, 11).value == "① ②"
    assert after.max_column == before.max_column


def test_guangyuan_write_back_adds_a_status_column_at_the_right_of_the_table(guangyuan):
    plan = Plan.objects.get(slug="guangyuan")
    measure = guangyuan_first()
    report(measure, plan.reporting_year, ProgressStatus.DONE)
    workbook = load(write_back(plan))
    after, before = workbook["附件2"], load(GUANGYUAN)["附件2"]
    assert workbook.sheetnames == ["附件1", "附件2"]
    assert after.cell(3, 7).value == "完成情况"
    assert after.cell(3, 7).font.b == before.cell(3, 6).font.b
    assert after.cell(measure.source_row, 7).value == "已完成"
    assert after.cell(measure.source_row + 1, 7).value in (None, "")
    added = {(row, 7) for row in range(1, before.max_row + 1)}
    assert_only_cells_changed(before, after, added)


def test_write_back_of_another_year_heads_the_added_column_with_the_year(guangyuan):
    plan = Plan.objects.get(slug="guangyuan")
    other = next(year for year in plan.years if year != plan.reporting_year)
    report(guangyuan_first(), other, ProgressStatus.ONGOING)
    after = load(write_back(plan, year=other))["附件2"]
    assert after.cell(3, 7).value == f"{other}年完成情况"
    assert after.cell(guangyuan_first().source_row, 7).value == "持续推进"


def test_a_plan_without_a_kept_workbook_has_nothing_to_write_back(anshan):
    plan = Plan.objects.get(slug="anshan")
    plan.source_file = ""
    plan.save()
    with pytest.raises(NoSourceFile):
        write_back(plan)


def login(client, name, role, departments=()):
    create_account(name, role, departments=departments, password="pw")
    client.login(username=name, password="pw")


def test_supervisor_downloads_the_write_back_and_gets_404_without_a_workbook(anshan, client):
    login(client, "chief", SUPERVISOR)
    response = client.get("/plans/anshan/writeback/")
    assert response.status_code == 200
    assert load(response.content)["任务分解表"]["A1"].value == load(ANSHAN)["任务分解表"]["A1"].value
    Plan.objects.filter(slug="anshan").update(source_file="")
    assert client.get("/plans/anshan/writeback/").status_code == 404


def test_staff_never_get_the_write_back_which_holds_every_department(anshan, client):
    login(client, "clerk", STAFF, ["政策法规科"])
    assert client.get("/plans/anshan/writeback/").status_code == 403


def test_the_command_writes_the_kept_workbook_back_with_the_status_filled_in(anshan, tmp_path):
    plan = Plan.objects.get(slug="anshan")
    report(measure_at("anshan", 2, 1), 2024, ProgressStatus.DONE)
    out = tmp_path / "回填.xlsx"
    said = io.StringIO()

    call_command("export_ledger", "--plan", "anshan", "--writeback", "-o", str(out), stdout=said)

    assert said.getvalue() == f"wrote {out} (xlsx, write-back) for plan anshan\n"
    after, before = load(out)["任务分解表"], load(ANSHAN)["任务分解表"]
    assert_only_cells_changed(before, after, status_positions(plan))
    assert after.cell(measure_at("anshan", 2, 1).source_row, 11).value == "① ③"


def test_the_command_refuses_a_write_back_it_cannot_make(anshan, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "回填.csv"
    with pytest.raises(CommandError, match="^--writeback writes the original workbook: use it with --format xlsx$"):
        call_command("export_ledger", "--writeback", "--format", "csv", "-o", str(out))
    plan = Plan.objects.get(slug="anshan")
    plan.source_file = ""
    plan.save()
    with pytest.raises(CommandError, match="^plan anshan was not imported from a workbook: nothing to write back into$"):
        call_command("export_ledger", "--writeback", "-o", str(folder / "回填.xlsx"))
    assert list(folder.iterdir()) == []
