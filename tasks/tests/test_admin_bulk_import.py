"""The admin's bulk import (批量导入): upload, a preview that writes nothing, confirm; and the
row-by-row page sending ledgers above its limit there."""

import pytest

from departments.roles import STAFF, create_account
from tasks.choices import ProgressSource, ProgressStatus
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Deadline, Measure, Plan
from tasks.workflow.progress import record_progress

from .conftest import ANSHAN, GUANGYUAN
from .helpers import anshan_with_a_note_row, guangyuan_without_years
from .test_admin_import import BAD_CELLS, anshan_with_two_bad_cells
from .test_ledger_sync import edited_anshan

pytestmark = pytest.mark.django_db

BULK_URL = "/admin/tasks/measure/bulk-import/"
ROW_BY_ROW_URL = "/admin/tasks/measure/import/"


def preview(client, path, **fields):
    with open(path, "rb") as handle:
        return client.post(BULK_URL, {"import_file": handle, **fields})


def confirm(client, response):
    form = response.context["confirm_form"]
    return client.post(BULK_URL, {name: form.initial.get(name, "") for name in form.fields})


def test_the_preview_counts_and_lists_what_would_change_and_writes_nothing(admin_client):
    response = preview(admin_client, ANSHAN, plan_slug="anshan")
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.counts["new"], report.counts["update"], report.counts["skip"]) == (75, 0, 0)
    first = report.changes[0]
    assert (first.kind, first.place) == ("new", ("一", 1, 1, 1))
    assert "习近平法治思想" in first.text
    assert [change.row for change in report.changes] == sorted(change.row for change in report.changes)
    page = response.content.decode()
    assert "确认导入" in page and "新增" in page
    assert not Plan.objects.exists() and not Measure.objects.exists()


def test_confirming_imports_the_whole_file_and_keeps_the_workbook(admin_client):
    response = confirm(admin_client, preview(admin_client, GUANGYUAN, plan_slug="guangyuan", years="2023-2025"))
    assert response.status_code == 302
    assert response["Location"].endswith("/admin/tasks/measure/")
    plan = Plan.objects.get(slug="guangyuan")
    assert (plan.start_year, plan.end_year) == (2023, 2025)
    assert Measure.objects.filter(item__task__section__plan=plan).count() == 35
    assert plan.source_file
    message = str(list(admin_client.get(response["Location"]).context["messages"])[0])
    assert "新增 35 条" in message


def test_a_second_preview_of_the_same_file_finds_nothing_to_change(admin_client):
    confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))
    report = preview(admin_client, ANSHAN, plan_slug="anshan").context["report"]
    assert (report.counts["new"], report.counts["update"], report.counts["skip"]) == (0, 0, 75)
    assert report.changes == []


def test_an_edited_file_previews_its_two_changes_and_keeps_progress_entered_in_the_app(admin_client, tmp_path):
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    first = Measure.objects.get(item__task__section__plan__slug="anshan", item__number=1, number=1)
    record_progress(first, 2025, status=ProgressStatus.IN_PROGRESS, note="已报送方案", source=ProgressSource.WEB)
    response = preview(admin_client, edited_anshan(tmp_path), plan_slug="anshan")
    report = response.context["report"]
    assert report.counts["update"] == 2
    assert [change.kind for change in report.changes] == ["updated", "reworded"]  # #17: each change says what it is
    texts = dict(Measure.objects.values_list("pk", "text"))
    phrases = {(measure, year): text for measure, year, text in Deadline.objects.values_list("measure", "year", "text")}
    (reworded,) = [pk for pk, text in texts.items() if "人手一册" in text]
    confirm(admin_client, response)
    texts_after = dict(Measure.objects.values_list("pk", "text"))
    phrases_after = {(measure, year): text for measure, year, text in Deadline.objects.values_list("measure", "year", "text")}
    assert {pk: text for pk, text in texts_after.items() if texts[pk] != text} == {
        reworded: texts[reworded].replace("人手一册", "人手一册并组织研读")
    }
    moved = {key: (phrases[key], text) for key, text in phrases_after.items() if phrases[key] != text}
    assert list(moved.values()) == [("6月30日", "9月30日")]
    kept = first.progress.get(year=2025)
    assert (kept.status, kept.note) == (ProgressStatus.IN_PROGRESS, "已报送方案")


def test_errors_are_listed_and_nothing_can_be_confirmed(admin_client, tmp_path):
    response = preview(admin_client, guangyuan_without_years(tmp_path, GUANGYUAN))  # no years, none given
    assert any("文件中没有方案年度" in error for error in response.context["errors"])
    assert "confirm_form" not in response.context
    assert "未写入任何内容" in response.content.decode()
    assert not Plan.objects.exists()


def test_a_file_that_is_not_a_ledger_is_an_error_naming_it(admin_client, tmp_path):
    bad = tmp_path / "report.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")  # read by its content (text, so as CSV), not its name
    response = preview(admin_client, bad)
    assert any(error.startswith("report.xlsx: 没有找到台账表头") for error in response.context["errors"])
    assert "confirm_form" not in response.context
    assert not Plan.objects.exists()


def test_a_file_no_reader_takes_is_a_form_error_naming_it(admin_client, tmp_path):
    bad = tmp_path / "report.xlsx"
    bad.write_bytes(bytes(range(256)) * 4)  # binary, no known format
    response = preview(admin_client, bad)
    assert any("report.xlsx" in error for error in response.context["form"].errors["import_file"])
    assert not Plan.objects.exists()


def test_a_note_row_is_listed_in_the_preview_as_not_read(admin_client, tmp_path):
    path, note_row = anshan_with_a_note_row(tmp_path, ANSHAN)
    response = preview(admin_client, path, plan_slug="anshan-notes", years="2023-2025")
    page = response.content.decode()
    assert "未读作措施的行（1 行" in page
    assert f"第 {note_row} 行只在未识别的列中有内容，未读作措施：「备注」列「与市委组织部共同推进」" in page
    assert response.context["report"].counts["new"] == 75


def test_a_confirmation_naming_another_file_imports_nothing(admin_client):
    response = preview(admin_client, ANSHAN, plan_slug="anshan")
    form = response.context["confirm_form"]
    fields = {name: form.initial.get(name, "") for name in form.fields}
    response = admin_client.post(BULK_URL, {**fields, "import_file_name": "../../etc/passwd"})
    assert response.status_code == 400
    assert not Plan.objects.exists()


def test_staff_cannot_reach_the_bulk_import(client):
    create_account("clerk", STAFF, departments=["政策法规科"], password="pw")
    client.login(username="clerk", password="pw")
    assert client.get(BULK_URL).status_code == 302
    with open(ANSHAN, "rb") as handle:
        client.post(BULK_URL, {"import_file": handle, "plan_slug": "anshan"})
    assert not Plan.objects.exists()


def test_the_row_by_row_page_sends_a_ledger_above_its_limit_to_the_bulk_import(admin_client, settings):
    settings.LEDGER_ROW_PREVIEW_LIMIT = 50
    with open(ANSHAN, "rb") as handle:
        response = admin_client.post(ROW_BY_ROW_URL, {"import_file": handle, "format": "0", "resource": "0"})
    errors = response.context["form"].errors["import_file"]
    assert any("75 条措施" in error and "批量导入" in error for error in errors)
    assert not Plan.objects.exists()
    assert "批量导入" in admin_client.get("/admin/tasks/measure/").content.decode()


def test_each_bad_row_is_named_in_the_bulk_preview_and_nothing_can_be_confirmed(admin_client, tmp_path):
    response = preview(admin_client, anshan_with_two_bad_cells(tmp_path), plan_slug="anshan")

    assert response.context["errors"] == BAD_CELLS
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert all(line in page for line in BAD_CELLS) and "未写入任何内容" in page
    assert not Plan.objects.exists() and not Measure.objects.exists()
