"""Importing the real ledgers: counts, real rows, re-imports, other layouts, and errors that write nothing."""

import datetime

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command

from tasks.choices import MilestoneKind, ProgressSource, ProgressStatus, UnitRole
from tasks.importing.errors import ImportFailed
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Deadline, Item, Measure, Plan, Progress, ProgressEntry, Section, Task
from tasks.workflow.progress import record_progress
from tasks.ledgerfiles.sheets import read_ledger

from .conftest import ANSHAN, GUANGYUAN, GUANGYUAN_OPTIONS
from .helpers import anshan_with_a_note_row, guangyuan_without_years

pytestmark = pytest.mark.django_db


def measure_at(plan, item_number, measure_number):
    return Measure.objects.get(item__task__section__plan__slug=plan, item__number=item_number, number=measure_number)


def plan_snapshot(slug):
    """Everything an import writes for a plan, independent of ids and source rows."""
    rows = []
    measures = (
        Measure.objects.filter(item__task__section__plan__slug=slug)
        .select_related("item__task__section", "person")
        .prefetch_related("units__department", "deadlines__milestones", "progress")
    )
    for m in measures:
        rows.append(
            (
                m.item.task.section.number, m.item.task.section.title, m.item.task.number, m.item.task.title,
                m.item.number, m.item.text, m.item.upstream_deadline, m.number, m.text,
                m.person.name if m.person else "",
                sorted((u.role, u.department.name) for u in m.units.all()),
                sorted(
                    (d.year, d.text, [(x.date, x.kind, x.label) for x in d.milestones.all()]) for d in m.deadlines.all()
                ),
                sorted((p.year, p.status, p.note) for p in m.progress.all()),
            )
        )
    return rows


def table_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Plan, Section, Task, Item, Measure, Deadline, Progress, ProgressEntry)
    }


# -- the Anshan ledger ---------------------------------------------------------------------


def test_anshan_imports_every_section_task_item_and_measure(anshan):
    plan = Plan.objects.get(slug="anshan")
    assert (plan.start_year, plan.end_year, plan.reporting_year) == (2023, 2025, 2024)
    assert Section.objects.filter(plan=plan).count() == 6
    assert Task.objects.filter(section__plan=plan).count() == 19
    assert sorted(Item.objects.filter(task__section__plan=plan).values_list("number", flat=True)) == list(range(1, 46))
    assert Measure.objects.filter(item__task__section__plan=plan).count() == 75
    assert anshan.counts["new"] == 75


def on(day):
    """``day`` (``YYYY-MM-DD``) at 9 in the morning in China, frozen."""
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T09:00+08:00"), tick=False)


@pytest.mark.parametrize(
    "today, year",
    [("2022-12-31", 2023), ("2023-01-01", 2023), ("2024-06-30", 2024), ("2025-12-31", 2025), ("2027-01-01", 2025)],
)
def test_a_ledger_without_result_columns_reports_on_the_year_it_is_imported_in_kept_within_the_plan(db, today, year):
    with on(today):
        import_ledger(GUANGYUAN, options=GUANGYUAN_OPTIONS)
    assert Plan.objects.get(slug="guangyuan").reporting_year == year


@pytest.mark.parametrize("today", ["2023-03-01", "2027-01-01"])
def test_anshans_reporting_year_comes_from_its_result_columns_whatever_the_day(db, today):
    with on(today):
        import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    assert Plan.objects.get(slug="anshan").reporting_year == 2024


def test_anshan_item_1_measure_2_is_owned_dated_and_done(anshan):
    item = Item.objects.get(task__section__plan__slug="anshan", number=1)
    assert item.measures.count() == 2
    assert item.task.title == "加强政治能力建设"
    second = measure_at("anshan", 1, 2)
    assert second.person.name == "尹忠新"
    assert [u.department.name for u in second.units.filter(role=UnitRole.RESPONSIBLE)] == ["政策法规科"]
    deadline_2025 = second.deadlines.get(year=2025)
    assert deadline_2025.text == "7月31日"
    assert [(m.date, m.kind) for m in deadline_2025.milestones.all()] == [(datetime.date(2025, 7, 31), MilestoneKind.DATE)]
    assert second.deadlines.get(year=2024).milestones.get().date == datetime.date(2024, 6, 30)
    assert second.progress.get(year=2024).status == ProgressStatus.DONE
    assert second.progress.get(year=2023).status == ProgressStatus.DONE
    first = measure_at("anshan", 1, 1)
    assert first.person.name == "杨舒屹"
    assert first.departments.get().name == "机关党总支"
    entry = ProgressEntry.objects.filter(progress__measure=second, progress__year=2024).get()
    assert entry.source == ProgressSource.IMPORT


def test_anshan_item_11_deadlines_are_quarterly(anshan):
    deadlines = Deadline.objects.filter(measure__item__task__section__plan__slug="anshan", measure__item__number=11)
    assert deadlines.exists()
    for deadline in deadlines.exclude(text=""):
        dates = [m.date for m in deadline.milestones.filter(kind=MilestoneKind.RECURRING)]
        assert [datetime.date(deadline.year, month, day) for month, day in ((3, 31), (6, 30), (9, 30), (12, 31))] == sorted(
            set(dates)
        ), deadline.text


def test_a_measure_not_listed_as_done_has_no_done_progress_for_the_reporting_year(anshan):
    """Item (2): the 已完成任务 cell lists ③ only."""
    assert measure_at("anshan", 2, 3).progress.get(year=2024).status == ProgressStatus.DONE
    assert not measure_at("anshan", 2, 4).progress.filter(year=2024, status=ProgressStatus.DONE).exists()


# -- the Guangyuan ledger ------------------------------------------------------------------


def test_guangyuan_is_found_on_its_second_sheet_and_fully_imported(guangyuan):
    plan = Plan.objects.get(slug="guangyuan")
    assert guangyuan.sheet == "附件2"
    assert Section.objects.filter(plan=plan).count() == 7
    assert Task.objects.filter(section__plan=plan).count() == 21
    assert Item.objects.filter(task__section__plan=plan).count() == 35
    assert Measure.objects.filter(item__task__section__plan=plan).count() == 35


def test_guangyuan_task_6_has_three_requirements_led_by_the_justice_bureau(guangyuan):
    task = Task.objects.get(section__plan__slug="guangyuan", number=6)
    items = list(task.items.all())
    assert len(items) == 3
    for item in items:
        measure = item.measures.get()
        assert [u.department.name for u in measure.units.filter(role=UnitRole.LEAD)] == ["市司法局"]
        assert "各县（区）政府" in [u.department.name for u in measure.units.filter(role=UnitRole.RESPONSIBLE)]
        assert set(measure.deadlines.values_list("text", flat=True)) == {"长期"}


def test_guangyuan_task_20_has_its_two_evaluations(guangyuan):
    measure = Measure.objects.get(
        item__task__section__plan__slug="guangyuan", item__task__number=20, deadlines__text__contains="中期评估",
        deadlines__year=2024,
    )
    dated = [
        (m.date, m.label)
        for d in measure.deadlines.all()
        for m in d.milestones.all()
        if m.kind == MilestoneKind.DATE
    ]
    assert sorted(dated) == [(datetime.date(2024, 9, 30), "中期评估"), (datetime.date(2025, 9, 30), "终期评估")]


def test_a_long_term_phrase_with_dates_gives_every_year_and_its_dates(guangyuan):
    """Task 2: 长期（2024年6月底前完成全员轮训，7月1日前将轮训情况报市司法局）."""
    measure = Measure.objects.get(item__task__section__plan__slug="guangyuan", item__task__number=2)
    assert sorted(measure.deadlines.values_list("year", flat=True)) == [2023, 2024, 2025]
    dates_2024 = sorted(m.date for m in measure.deadlines.get(year=2024).milestones.all() if m.date)
    assert dates_2024 == [datetime.date(2024, 6, 30), datetime.date(2024, 7, 1)]


# -- importing again -----------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(anshan):
    before = (table_counts(), plan_snapshot("anshan"))
    report = import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    assert report.counts["skip"] == 75
    assert report.counts["new"] == report.counts["update"] == 0
    assert "nothing changed" in "\n".join(report.lines())
    assert (table_counts(), plan_snapshot("anshan")) == before


def test_an_edited_file_updates_what_changed_and_keeps_progress_from_the_app(anshan, tmp_path):
    second = measure_at("anshan", 1, 2)
    record_progress(second, 2025, status=ProgressStatus.IN_PROGRESS, note="已报送方案", source=ProgressSource.WEB)
    workbook = openpyxl.load_workbook(ANSHAN)
    sheet = workbook.worksheets[0]
    cell = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("① 发放图书") or (isinstance(c.value, str) and c.value.startswith("①发放图书")))
    cell.value = cell.value.replace("人手一册", "人手一册并组织研读")
    edited = tmp_path / "anshan.xlsx"
    workbook.save(edited)

    report = import_ledger(edited, options=ImportOptions(plan_slug="anshan"))

    assert report.counts["update"] == 1
    assert report.counts["new"] == 0
    assert "并组织研读" in measure_at("anshan", 2, 1).text
    assert Measure.objects.filter(item__task__section__plan__slug="anshan").count() == 75
    kept = second.progress.get(year=2025)
    assert (kept.status, kept.note) == (ProgressStatus.IN_PROGRESS, "已报送方案")


def test_one_row_per_measure_on_a_second_sheet_imports_to_the_same_ledger(anshan, tmp_path):
    ledger = read_ledger(ANSHAN)
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表按措施逐行填写"])
    sheet = workbook.create_sheet("台账")
    sheet.append([ledger.title])
    sheet.append(["序号", "重点任务", "具体要求", "省政府完成时限", "措施序号", "落实工作措施", "2023年完成任务",
                  "2024年完成任务时限", "2025年完成任务时限", "责任部门", "负责人", "已完成任务"])
    section = None
    for row in ledger.rows:
        if row.section_number != section:
            section = row.section_number
            sheet.append([f"（{row.section_number}）{row.section_title}"])
        sheet.append([
            row.task_number, row.task_title, f"({row.item_number}){row.item_text}", row.upstream_deadline,
            row.measure_number, row.measure_text, row.results.get(2023, ""), row.deadlines.get(2024, ""),
            row.deadlines.get(2025, ""), row.responsible_text, row.person, "已完成" if row.done else "",
        ])
    flat = tmp_path / "anshan-flat.xlsx"
    workbook.save(flat)

    report = import_ledger(flat, options=ImportOptions(plan_slug="anshan-flat"))

    assert report.sheet == "台账"
    assert report.counts["new"] == 75
    assert plan_snapshot("anshan-flat") == plan_snapshot("anshan")


def test_a_note_row_in_a_column_not_understood_is_reported_and_no_measure_is_lost(db, tmp_path, capsys):
    """A note on a row of its own, in a 备注 column: all 75 measures import and the report names the row."""
    path, note_row = anshan_with_a_note_row(tmp_path, ANSHAN)

    call_command("import_ledger", str(path), "--plan", "anshan-notes", "--years", "2023-2025")

    out = capsys.readouterr().out
    assert "measures: 75 created" in out
    assert f"not read as a measure: 第 {note_row} 行只在未识别的列中有内容，未读作措施：「备注」列「与市委组织部共同推进」" in out
    assert Measure.objects.filter(item__task__section__plan__slug="anshan-notes").count() == 75


# -- errors write nothing ------------------------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused_by_name(anshan, tmp_path):
    before = table_counts()
    fake = tmp_path / "ledger.xlsx"
    fake.write_text("序号,重点任务\n1,加强政治能力建设\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        import_ledger(fake)
    assert "ledger.xlsx" in failure.value.messages[0]
    assert table_counts() == before


def test_duplicate_measure_numbers_name_both_rows_and_write_nothing(db, tmp_path):
    workbook = openpyxl.load_workbook(GUANGYUAN)
    sheet = workbook["附件2"]
    last = sheet.max_row
    sheet.append([sheet.cell(last, c).value for c in range(1, sheet.max_column + 1)])
    for column in range(1, sheet.max_column + 1):
        if sheet.cell(last + 1, column).value is None:
            sheet.cell(last + 1, column).value = sheet.cell(last, column).value
    broken = tmp_path / "guangyuan.xlsx"
    workbook.save(broken)
    with pytest.raises(ImportFailed) as failure:
        import_ledger(broken, options=GUANGYUAN_OPTIONS)
    message = "\n".join(failure.value.messages)
    assert "guangyuan.xlsx" in message and "附件2" in message
    assert f"第 {last + 1} 行" in message
    assert not Plan.objects.exists()
    assert not Measure.objects.exists()


def test_plan_years_come_from_the_title_and_the_deadline_phrases(db):
    """广元 says 三年行动 and its last deadline is in 2025: the plan is 2023–2025, no --years needed."""
    import_ledger(GUANGYUAN)
    plan = Plan.objects.get()
    assert (plan.start_year, plan.end_year) == (2023, 2025)


def test_a_ledger_that_names_no_year_asks_for_them(db, tmp_path):
    with pytest.raises(ImportFailed, match="--years") as failure:
        import_ledger(guangyuan_without_years(tmp_path, GUANGYUAN))
    assert "完成时限中的年份" in str(failure.value)
    assert not Plan.objects.exists()


# -- the command line ----------------------------------------------------------------------


def test_dry_run_reports_and_writes_nothing(db, capsys):
    call_command("import_ledger", str(ANSHAN), "--dry-run")
    out = capsys.readouterr().out
    assert "would import" in out and "75 created" in out
    assert not Measure.objects.exists()
    assert not Plan.objects.exists()


def test_the_command_exits_non_zero_naming_the_file(db, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CommandError, match="notes.xlsx"):
        call_command("import_ledger", str(bad))
    assert not Plan.objects.exists()


def test_the_command_imports_and_a_second_run_says_nothing_changed(db, capsys):
    call_command("import_ledger", str(GUANGYUAN), "--years", "2023-2025")
    assert "35 created" in capsys.readouterr().out
    call_command("import_ledger", str(GUANGYUAN), "--years", "2023-2025")
    assert "nothing changed" in capsys.readouterr().out


def test_load_demo_loads_both_ledgers_once(db):
    call_command("load_demo")
    call_command("load_demo")
    assert sorted(Plan.objects.values_list("slug", flat=True)) == ["anshan", "guangyuan"]
    assert Measure.objects.count() == 75 + 35


def test_the_imported_workbook_and_each_measures_cells_are_kept_for_write_back(anshan):
    plan = Plan.objects.get(slug="anshan")
    with plan.source_file.open("rb") as kept:
        assert kept.read() == ANSHAN.read_bytes()
    sheet = openpyxl.load_workbook(plan.source_file.path)[plan.source_sheet]
    second = measure_at("anshan", 1, 2)
    row, column = second.source_cells["measure"]
    assert "每年组织开展一次习近平法治思想学习培训" in sheet.cell(row, column).value
    row, column = second.source_cells["done"]
    assert "②" in sheet.cell(row, column).value
