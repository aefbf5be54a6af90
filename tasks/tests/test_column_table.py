"""The column table of the admin import previews: how each column of a corpus ledger was read and
why, a column set to another field by hand read again at once, and the mapping remembered by the
plan for its next import, through the admin and ``import_ledger`` alike."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.importing.column_table import EXTRA, chosen_column_map, column_rows, columns_as_read
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Measure, Plan

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db

BULK_URL = "/admin/tasks/measure/bulk-import/"
ROW_BY_ROW_URL = "/admin/tasks/measure/import/"
CORPUS = FIXTURES / "corpus"
XIANAN = CORPUS / "03_xianan_flat_gbk.csv"  # 序号, 工作事项, 责任领导, 牵头单位, 责任单位: 12 measures, 2023
THREE_ROWS = CORPUS / "13_anshan_three_row_header.xlsx"


def preview(client, path, **fields):
    with open(path, "rb") as handle:
        return client.post(BULK_URL, {"import_file": handle, **fields})


def hidden_fields(response):
    form = response.context["confirm_form"]
    return {name: form.initial.get(name, "") for name in form.fields}


def reread(client, response, **choices):
    """Submit the column table with ``column_N=field`` choices, as the select's change does."""
    data = {**hidden_fields(response), "columns_as_read": response.context["columns_as_read"], "reread": "1"}
    data.update({name: value for name, value in choices.items()})
    return client.post(BULK_URL, data)


def confirm(client, response):
    return client.post(BULK_URL, hidden_fields(response))


def table(response):
    return [(row["letter"], row["header"], row["field"], row["reason"]) for row in response.context["columns"]]


def test_the_preview_shows_each_column_with_its_field_and_reason(admin_client):
    response = preview(admin_client, XIANAN, plan_slug="xianan")
    assert response.status_code == 200
    assert table(response) == [
        ("A", "序号", "measure_number", "表头“序号”；唯一文字列的编号，作为措施编号"),
        ("B", "工作事项", "measure", "表头“事项”；唯一的文字列，作为工作措施"),
        ("C", "责任领导", "person", "表头“领导”"),
        ("D", "牵头单位", "lead", "表头“牵头”"),
        ("E", "责任单位", "responsible", "表头“责任单位”"),
    ]
    page = response.content.decode()
    assert '<select name="column_3"' in page and '<option value="person" selected>负责人</option>' in page
    assert '<option value="extra">其他列（保留）</option>' in page
    assert "表头“领导”" in page
    # the summary line above the rows, the confirm button after the rows
    assert page.index('class="bulk-summary"') < page.index('class="measure-lines bulk-changes"') < page.index('value="确认导入"')
    assert '<span class="bulk-new">12</span>' in page and '<span class="bulk-flagged">0</span>' in page
    assert not Plan.objects.exists()


def test_a_three_row_header_lists_every_row_of_each_column(admin_client):
    response = preview(admin_client, THREE_ROWS, plan_slug="anshan3")
    rows = table(response)
    assert rows[4][:3] == ("E", "责任分工及完成时限 / 完成时限 / 2024年", "deadline:2024")
    assert rows[6][:3] == ("G", "责任分工及完成时限 / 责任分工 / 责任部门", "responsible")
    assert [key for key, _name in response.context["columns"][4]["choices"]][-7:] == [
        "deadline:2023", "result:2023", "deadline:2024", "result:2024", "deadline:2025", "result:2025", EXTRA,
    ]


def test_changing_a_column_reads_the_file_again_and_confirming_remembers_it_for_the_plan(admin_client):
    first = preview(admin_client, XIANAN, plan_slug="xianan")
    second = reread(admin_client, first, column_3=EXTRA)
    assert second.status_code == 200
    assert table(second)[2] == ("C", "责任领导", EXTRA, "按列映射保留为其他列")
    assert second.context["confirm_form"].initial["column_map"] == "责任领导=extra"
    assert second.context["report"].counts["new"] == 12
    assert not Plan.objects.exists()

    done = confirm(admin_client, second)
    assert done.status_code == 302
    plan = Plan.objects.get(slug="xianan")
    assert plan.column_map == {"责任领导": "extra"}
    measure = Measure.objects.get(item__task__section__plan=plan, number=1)
    assert measure.person is None
    assert measure.extra == {"责任领导": "杜新国"}

    again = preview(admin_client, XIANAN, plan_slug="xianan")
    assert "按上次导入的列映射" in again.content.decode()
    assert table(again)[2][2:] == (EXTRA, "按列映射保留为其他列")
    assert again.context["report"].counts["skip"] == 12


def test_a_remembered_mapping_naming_a_header_the_file_no_longer_has_is_left_out_of_the_next_one(admin_client):
    import_ledger(XIANAN, options=ImportOptions(plan_slug="xianan", column_map={"责任领导": "extra"}))
    Plan.objects.filter(slug="xianan").update(column_map={"责任领导": "extra", "分管领导": "person"})
    first = preview(admin_client, XIANAN, plan_slug="xianan")
    assert first.context["confirm_form"].initial["column_map"] == "责任领导=extra"
    second = reread(admin_client, first, column_5="lead")
    assert second.status_code == 200
    assert second.context["confirm_form"].initial["column_map"] == "责任领导=extra\n责任单位=lead\n牵头单位=extra"


def test_a_field_given_to_another_column_leaves_the_column_that_had_it(admin_client):
    first = preview(admin_client, XIANAN, plan_slug="xianan")
    second = reread(admin_client, first, column_5="lead")
    assert [row[2] for row in table(second)][3:] == [EXTRA, "lead"]
    assert second.context["confirm_form"].initial["column_map"] == "责任单位=lead\n牵头单位=extra"


def test_a_choice_that_is_no_field_is_refused_naming_the_column(admin_client):
    first = preview(admin_client, XIANAN, plan_slug="xianan")
    response = reread(admin_client, first, column_2="measure_text")
    assert response.status_code == 400
    assert "第 2 列：没有字段「measure_text」" in response.content.decode()


def test_chosen_map_names_a_multi_row_column_by_all_its_header_rows():
    from tasks.ledgerfiles.sheets import read_ledger

    rows = column_rows(read_ledger(THREE_ROWS).readings, [2024, 2025])
    mapping = chosen_column_map({}, columns_as_read(rows), {"column_6": EXTRA})
    assert mapping == {"责任分工及完成时限完成时限2025年": EXTRA}
    ledger = read_ledger(THREE_ROWS, column_map=mapping)
    assert ledger.columns["deadline:2024"] == 5 and "deadline:2025" not in ledger.columns
    # row 6 of the sheet: 2024年 ①持续推进, 2025年 ①持续推进 (now kept as it is written, with the other columns)
    assert (ledger.rows[0].row, ledger.rows[0].deadlines) == (6, {2024: "持续推进"})
    assert list(ledger.rows[0].extra.values()) == ["①持续推进"]


def test_the_command_line_remembers_a_mapping_and_prints_the_readings(capsys):
    call_command("import_ledger", str(XIANAN), "--plan", "xianan", "--column", "责任领导=extra")
    out = capsys.readouterr().out
    assert "columns mapped by hand: 责任领导=extra" in out
    assert "第 3 列「责任领导」→ 其他列（保留）（按列映射保留为其他列）" in out
    assert Plan.objects.get(slug="xianan").column_map == {"责任领导": "extra"}

    call_command("import_ledger", str(XIANAN), "--plan", "xianan", "--dry-run")
    out = capsys.readouterr().out
    assert "columns mapped as at the last import of this plan (按上次导入的列映射): 责任领导=extra" in out
    assert "measures: 0 created, 0 updated, 0 restored, 0 removed, 12 unchanged" in out
    assert Measure.objects.filter(person__isnull=False).count() == 0


def test_the_command_line_prints_how_each_column_was_read_in_a_dry_run(capsys):
    call_command("import_ledger", str(XIANAN), "--plan", "xianan", "--dry-run")
    out = capsys.readouterr().out
    assert "第 2 列「工作事项」→ 工作措施（表头“事项”；唯一的文字列，作为工作措施）" in out
    assert "第 5 列「责任单位」→ 责任单位（表头“责任单位”）" in out
    assert not Plan.objects.exists()


def test_a_column_option_naming_no_header_or_no_field_is_an_error_and_writes_nothing():
    with pytest.raises(CommandError, match="表头中没有列映射所写的列「民生实事」"):
        call_command("import_ledger", str(XIANAN), "--plan", "xianan", "--column", "民生实事=measure")
    with pytest.raises(CommandError, match="列映射「责任领导」→「leader」：没有这个字段"):
        call_command("import_ledger", str(XIANAN), "--plan", "xianan", "--column", "责任领导=leader")
    with pytest.raises(CommandError, match="HEADER=FIELD"):
        call_command("import_ledger", str(XIANAN), "--plan", "xianan", "--column", "责任领导")
    assert not Plan.objects.exists()


def test_the_row_by_row_page_shows_the_readings_and_applies_the_plan_mapping(admin_client):
    import_ledger(XIANAN, options=ImportOptions(plan_slug="xianan", column_map={"责任领导": "extra"}))
    with open(XIANAN, "rb") as handle:
        response = admin_client.post(ROW_BY_ROW_URL, {"import_file": handle, "format": "0", "plan_slug": "xianan"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "各列的读取" in page and "按上次导入的列映射" in page
    assert [(row.header, row.field) for row in response.context["result"].column_rows][2] == ("责任领导", EXTRA)
    assert all(row.import_type == "skip" for row in response.context["result"].rows)


def test_a_first_upload_with_the_optional_fields_empty_previews(admin_client):
    with open(XIANAN, "rb") as handle:
        response = admin_client.post(ROW_BY_ROW_URL, {"import_file": handle, "format": "0", "plan_slug": "", "years": "", "column_map": ""})
    assert response.status_code == 200
    assert len(response.context["result"].rows) == 12
    response = preview(admin_client, XIANAN, plan_slug="", years="", column_map="")
    assert response.context["report"].counts["new"] == 12


@pytest.mark.parametrize("role", [STAFF, SUPERVISOR])
def test_only_admins_preview_or_reread(client, admin_client, role):
    first = preview(admin_client, XIANAN, plan_slug="xianan")
    create_account("someone", role, departments=["区发改局"] if role == STAFF else (), password="pw")
    client.login(username="someone", password="pw")
    data = {**hidden_fields(first), "columns_as_read": first.context["columns_as_read"], "reread": "1", "column_3": EXTRA}
    response = client.post(BULK_URL, data)
    assert response.status_code in (302, 403)
    with open(XIANAN, "rb") as handle:
        assert client.post(BULK_URL, {"import_file": handle}).status_code in (302, 403)
    assert not Plan.objects.exists()
