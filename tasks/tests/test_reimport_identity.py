"""A re-import keeps every report on the measure it was made for (#17).

The real ledgers are edited as offices edit them (a copy, through openpyxl): a measure deleted
and the ones below renumbered, two swapped, one reworded, one split in two, one moved to
another task, one deleted and brought back. Each report, evidence file and history entry must
stay with its measure, and the dry run must list what the import then does.
"""

import datetime
import re

import openpyxl
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.choices import ProgressSource, ProgressStatus, ReviewState
from tasks.standing.dashboard import Scope, summary
from tasks.workflow.evidence import check_evidence_file
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Evidence, Measure, MeasureChange, MeasureChangeKind, Progress, Task
from tasks.workflow.reporting import report_progress
from tasks.workflow.review import review_report

from .conftest import ANSHAN, GUANGYUAN, GUANGYUAN_OPTIONS
from .helpers import PDF_BYTES, upload

pytestmark = pytest.mark.django_db

OPTIONS = ImportOptions(plan_slug="anshan")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"

#: Anshan's columns that give each measure of a row its own value, keyed ① ② ③ (E to K).
KEYED_COLUMNS = range(5, 12)

#: Anshan, task 1, item (2) (sheet row 5): ① 发放图书… ② 在行政处罚告知书… ③ 建立执法人员新信息库。 ④ 每年结合系统执法督导…
ITEM_2 = 5


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def rekey(text, mapping, added=None):
    """A cell keyed by circled numbers with its parts re-keyed: ``mapping`` {old: new, or None to
    drop}; ``added`` {number: text} new parts. A cell without keys is left as it is."""
    if not isinstance(text, str) or not re.match(r"\s*[①-⑩]", text):
        return text
    pieces = re.split(r"([①-⑩])", text.strip())
    parts = {}
    for key, body in zip(pieces[1::2], pieces[2::2]):
        old = CIRCLED.index(key) + 1
        new = mapping.get(old, old)
        if new is not None:
            parts[new] = body.strip()
    parts.update(added or {})
    separator = "\n" if "\n" in text else " "
    return separator.join(f"{CIRCLED[number - 1]} {body}".strip() for number, body in sorted(parts.items()))


def edited(tmp_path, name, source=ANSHAN, *, sheet=0, rows=None, replace=None, delete_rows=()):
    """A copy of a fixture ledger: ``rows`` {sheet row: (mapping, {column: {number: text}})} re-keys
    Anshan's measures; ``replace`` {old text: new text} rewrites cells; ``delete_rows`` deletes
    Guangyuan requirement rows (merged cells shrink or move up with them)."""
    workbook = openpyxl.load_workbook(source)
    ws = workbook.worksheets[sheet] if isinstance(sheet, int) else workbook[sheet]
    for row, (mapping, added) in (rows or {}).items():
        for column in KEYED_COLUMNS:
            cell = ws.cell(row, column)
            cell.value = rekey(cell.value, mapping, (added or {}).get(column))
    for line in ws.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                for old, new in (replace or {}).items():
                    cell.value = cell.value.replace(old, new)
    for row in sorted(delete_rows, reverse=True):
        delete_row(ws, row)
    path = tmp_path / name
    workbook.save(path)
    return path


def delete_row(ws, row):
    """Delete a sheet row as Excel does: a merge over it loses the row, merges below move up."""
    merges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    for r in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(r))
    top_values = {(r0, c0): ws.cell(r0, c0).value for r0, c0, _r1, _c1 in merges}
    ws.delete_rows(row)
    for (r0, c0, r1, c1) in merges:
        if r0 == r1 == row:
            continue
        value = top_values[(r0, c0)]
        r0 = r0 - 1 if r0 > row else r0
        r1 = r1 - 1 if r1 >= row else r1
        ws.cell(r0, c0).value = value
        if (r0, c0) != (r1, c1):
            ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)


def measure(text, slug="anshan"):
    """The measure (active or removed) whose text starts with ``text``."""
    return Measure.all_objects.get(item__task__section__plan__slug=slug, text__startswith=text)


def place(m):
    return (m.item.task.section.number, m.item.task.number, m.item.number, m.number)


@pytest.fixture
def people(anshan):
    staff, _created = create_account("fagui", STAFF, departments=["政策法规科"], password="pw")
    chief, _created = create_account("chief", SUPERVISOR, password="pw")
    return staff, chief


def accepted_report(m, staff, chief, year=2025, note="信息库已建成"):
    """Staff report ``m`` done for ``year`` with an evidence file, and a supervisor accepts it."""
    files = [(upload("信息库截图.pdf", PDF_BYTES), check_evidence_file(upload("信息库截图.pdf", PDF_BYTES)))]
    progress = report_progress(
        m, year, user=staff, status=ProgressStatus.DONE, note=note, done_on=datetime.date(2025, 3, 1),
        expected_version=None, files=files, source=ProgressSource.WEB,
    )
    review_report(m, year, user=chief, accept=True, version=progress.version)
    return Progress.objects.get(measure=m, year=year)


def kept_report(m, year=2025):
    """(status, note, review, evidence names, history versions) of ``m``'s report for ``year``."""
    progress = Progress.objects.get(measure=m, year=year)
    return (
        progress.status,
        progress.note,
        progress.review,
        [e.name for e in Evidence.objects.filter(progress=progress)],
        [e.version for e in progress.entries.all()],
    )


def lines_of(report):
    return [(c.kind, c.place, c.text, c.old_place, c.old_text) for c in report.changes]


# -- the scenarios of the issue ----------------------------------------------------------------


def test_deleting_the_first_measure_of_an_item_keeps_each_report_on_its_measure(anshan, people, tmp_path):
    staff, chief = people
    info = measure("建立执法人员新信息库")
    guide = measure("每年结合系统执法督导")
    first = measure("发放图书")
    accepted_report(info, staff, chief)
    before = kept_report(info)
    path = edited(tmp_path, "deleted.xlsx", rows={ITEM_2: ({1: None, 2: 1, 3: 2, 4: 3}, None)})

    report = import_ledger(path, options=OPTIONS)

    assert report.counts["removed"] == 1
    assert report.counts["new"] == 0
    info.refresh_from_db()
    guide.refresh_from_db()
    first.refresh_from_db()
    assert place(info) == ("一", 1, 2, 2)  # was ③, now ②
    assert place(guide) == ("一", 1, 2, 3)
    assert kept_report(info) == before == (ProgressStatus.DONE, "信息库已建成", ReviewState.ACCEPTED, ["信息库截图.pdf"], [1])
    assert first.removed_at is not None
    assert not Measure.objects.filter(pk=first.pk).exists()
    assert Progress.objects.filter(measure=first).count() == 1  # its 2023 result is kept
    assert [(c.kind, c.old_value) for c in MeasureChange.objects.filter(measure=first)] == [
        (MeasureChangeKind.REMOVED, "发放图书《习近平法治思想学习纲要》，做到机关工作人员人手一册。")
    ]
    moved = MeasureChange.objects.get(measure=info)
    assert (moved.kind, moved.old_value, moved.new_value, moved.file_name) == (
        MeasureChangeKind.PLACE, "部分一 序号1 要求2 措施3", "部分一 序号1 要求2 措施2", "deleted.xlsx",
    )
    kinds = [(c.kind, c.place[3], c.text[:6]) for c in report.changes]
    assert kinds == [("moved", 1, "在行政处罚告"), ("moved", 2, "建立执法人员"), ("moved", 3, "每年结合系统"), ("removed", 1, "发放图书《习")]


def test_swapping_two_measures_moves_them_with_their_reports(anshan, people, tmp_path):
    staff, chief = people
    study = measure("将学法用法工作纳入")
    training = measure("每年组织开展一次习近平法治思想学习培训")
    accepted_report(training, staff, chief, note="党课已开展")
    path = edited(tmp_path, "swapped.xlsx", rows={4: ({1: 2, 2: 1}, None)})

    report = import_ledger(path, options=OPTIONS)

    study.refresh_from_db()
    training.refresh_from_db()
    assert (study.number, training.number) == (2, 1)
    assert (report.counts["new"], report.counts["removed"]) == (0, 0)
    assert kept_report(training)[:4] == (ProgressStatus.DONE, "党课已开展", ReviewState.ACCEPTED, ["信息库截图.pdf"])
    assert [u.department.name for u in study.units.all()] == ["机关党总支"]
    assert [(c.kind, c.old_place[3], c.place[3]) for c in report.changes] == [("moved", 2, 1), ("moved", 1, 2)]


def test_a_reworded_measure_keeps_its_accepted_report_and_asks_for_a_second_look(anshan, people, tmp_path, client):
    staff, chief = people
    info = measure("建立执法人员新信息库")
    accepted_report(info, staff, chief)
    path = edited(tmp_path, "reworded.xlsx", replace={"建立执法人员新信息库。": "建立健全执法人员信息库。"})

    report = import_ledger(path, options=OPTIONS)

    info.refresh_from_db()
    assert info.text == "建立健全执法人员信息库。"
    assert info.reworded_after_acceptance
    assert kept_report(info)[:3] == (ProgressStatus.DONE, "信息库已建成", ReviewState.ACCEPTED)
    change = MeasureChange.objects.get(measure=info)
    assert (change.kind, change.old_value, change.new_value) == (
        MeasureChangeKind.TEXT, "建立执法人员新信息库。", "建立健全执法人员信息库。",
    )
    assert lines_of(report) == [
        ("reworded", ("一", 1, 2, 3), "建立健全执法人员信息库。", ("一", 1, 2, 3), "建立执法人员新信息库。")
    ]
    client.login(username="chief", password="pw")
    page = client.get(f"/measures/{info.pk}/").content.decode()
    assert "验收后改写" in page
    assert "建立执法人员新信息库。" in page


def test_a_split_measure_keeps_its_identity_in_the_closer_half(anshan, people, tmp_path):
    staff, chief = people
    citing = measure("在行政处罚告知书和决定书中")
    accepted_report(citing, staff, chief, note="文书已规范")
    text = "在行政处罚告知书和决定书中，正确引用自由裁量权基准并适当说明理由，进一步落实《辽宁省国防动员行政执法工作指南》。"
    path = edited(
        tmp_path,
        "split.xlsx",
        rows={ITEM_2: ({3: 4, 4: 5}, {5: {3: "进一步落实《辽宁省国防动员行政执法工作指南》。"}})},
        replace={text: "在行政处罚告知书和决定书中，正确引用自由裁量权基准并适当说明理由。"},
    )

    report = import_ledger(path, options=OPTIONS)

    citing.refresh_from_db()
    assert (citing.number, citing.text) == (2, "在行政处罚告知书和决定书中，正确引用自由裁量权基准并适当说明理由。")
    assert kept_report(citing)[1] == "文书已规范"
    new = measure("进一步落实《辽宁省国防动员行政执法工作指南》")
    assert place(new) == ("一", 1, 2, 3)
    assert not Progress.objects.filter(measure=new).exists()
    assert sorted(c.kind for c in report.changes) == ["moved", "moved", "new", "reworded"]


def test_a_measure_moved_to_another_task_takes_its_report_along(anshan, people, tmp_path):
    staff, chief = people
    guide = measure("每年结合系统执法督导")
    accepted_report(guide, staff, chief, note="督导已开展")
    text = guide.text
    path = edited(
        tmp_path,
        "moved.xlsx",
        rows={ITEM_2: ({4: None}, None), 6: ({}, {5: {5: text}})},
    )

    report = import_ledger(path, options=OPTIONS)

    guide.refresh_from_db()
    assert place(guide) == ("一", 2, 3, 5)
    assert guide.removed_at is None
    assert kept_report(guide)[:4] == (ProgressStatus.DONE, "督导已开展", ReviewState.ACCEPTED, ["信息库截图.pdf"])
    assert [(c.kind, c.old_place, c.place) for c in report.changes] == [("moved", ("一", 1, 2, 4), ("一", 2, 3, 5))]


def test_a_deleted_measure_comes_back_with_its_report_evidence_and_history(anshan, people, tmp_path):
    staff, chief = people
    info = measure("建立执法人员新信息库")
    accepted_report(info, staff, chief)
    before = kept_report(info)
    without = edited(tmp_path, "without.xlsx", rows={ITEM_2: ({3: None, 4: 3}, None)})

    import_ledger(without, options=OPTIONS)
    info.refresh_from_db()
    assert info.removed_at is not None
    assert info.pk not in set(Measure.objects.values_list("pk", flat=True))
    report = import_ledger(ANSHAN, options=OPTIONS)

    info.refresh_from_db()
    assert info.removed_at is None
    assert place(info) == ("一", 1, 2, 3)
    assert kept_report(info) == before
    assert report.counts["restored"] == 1
    assert [c.kind for c in MeasureChange.objects.filter(measure=info)] == [
        MeasureChangeKind.REMOVED, MeasureChangeKind.RESTORED,
    ]
    assert import_ledger(ANSHAN, options=OPTIONS).changed is False


def test_dashboard_figures_change_only_by_the_removed_measure(anshan, people, tmp_path):
    supervisor = people[1]

    def figures():
        cache.clear()
        scope = Scope.from_params({"plan": "anshan", "year": "2024", "as_of": "2024-12-01"}, plans=[anshan_plan()])
        values = summary(supervisor, scope)
        return {name: value for name, value in values.items() if name not in ("departments", "completion_rate")}

    before = figures()
    import_ledger(edited(tmp_path, "deleted.xlsx", rows={ITEM_2: ({1: None, 2: 1, 3: 2, 4: 3}, None)}), options=OPTIONS)
    after = figures()

    # 发放图书… has no 2024 deadline and no 2024 report: one measure fewer, one fewer not started
    assert (before["measures"], after["measures"]) == (75, 74)
    assert after == {**before, "measures": 74, "not_started": before["not_started"] - 1}


def anshan_plan():
    from tasks.models import Plan

    return Plan.objects.get(slug="anshan")


def test_guangyuan_first_requirement_deleted_and_two_swapped(guangyuan, tmp_path):
    """The issue's case: the first requirement of task 6 deleted, two requirements of task 9 swapped."""
    staff, _created = create_account("sifa", STAFF, departments=["市司法局"], password="pw")
    second = measure("全面落实《四川省行政裁量权基准管理规定》", "guangyuan")
    report_progress(second, 2024, user=staff, status=ProgressStatus.IN_PROGRESS, note="基准已梳理",
                    expected_version=None, source=ProgressSource.WEB)
    workbook = openpyxl.load_workbook(GUANGYUAN)
    ws = workbook["附件2"]
    task_9 = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == 9]
    first_9, second_9 = ws.cell(task_9[0], 3).value, ws.cell(task_9[0] + 1, 3).value
    swapped = {first_9: "〈对调〉", second_9: first_9}
    path = edited(tmp_path, "guangyuan.xlsx", GUANGYUAN, sheet="附件2", delete_rows=[11], replace=swapped)
    path = edited(tmp_path, "guangyuan2.xlsx", path, sheet="附件2", replace={"〈对调〉": second_9})
    a, b = measure(first_9, "guangyuan"), measure(second_9, "guangyuan")

    report = import_ledger(path, options=GUANGYUAN_OPTIONS)

    second.refresh_from_db()
    a.refresh_from_db()
    b.refresh_from_db()
    assert place(second) == ("二", 6, 1, 1)
    assert Progress.objects.get(measure=second, year=2024).note == "基准已梳理"
    assert (a.item.number, b.item.number) == (2, 1)
    assert measure("发布“一目录、五清单”", "guangyuan").removed_at is not None
    assert report.counts["removed"] == 1
    assert report.counts["new"] == 0


def test_a_deleted_task_and_the_renumbered_tasks_after_it_keep_their_measures(guangyuan, tmp_path):
    """Task 1 of Guangyuan deleted, 序号 2…21 renumbered 1…20: tasks are recognised by their title."""
    staff, _created = create_account("sifa", STAFF, departments=["市司法局"], password="pw")
    training = measure("建立健全行政执法标准化制度化培训机制", "guangyuan")  # task 2
    report_progress(training, 2024, user=staff, status=ProgressStatus.IN_PROGRESS, note="轮训已开始",
                    expected_version=None, source=ProgressSource.WEB)
    task_ids = {t.title: t.pk for t in Task.objects.filter(section__plan__slug="guangyuan")}
    workbook = openpyxl.load_workbook(GUANGYUAN)
    ws = workbook["附件2"]
    for row in range(6, ws.max_row + 1):
        if isinstance(ws.cell(row, 1).value, int):
            ws.cell(row, 1).value -= 1
    renumbered = tmp_path / "renumbered.xlsx"
    workbook.save(renumbered)
    path = edited(tmp_path, "guangyuan.xlsx", renumbered, sheet="附件2", delete_rows=[5])

    report = import_ledger(path, options=GUANGYUAN_OPTIONS)

    training.refresh_from_db()
    assert place(training) == ("一", 1, 1, 1)
    assert training.item.task_id == task_ids["全面提升业务水平"]
    assert Progress.objects.get(measure=training, year=2024).note == "轮训已开始"
    assert (report.counts["new"], report.counts["removed"]) == (0, 1)
    assert {t.title: t.pk for t in Task.objects.filter(section__plan__slug="guangyuan")} == task_ids
    assert measure("把加强党的政治建设放在首位", "guangyuan").removed_at is not None
    assert import_ledger(path, options=GUANGYUAN_OPTIONS).changed is False


# -- what is shown before writing ---------------------------------------------------------------


def test_the_dry_run_lists_what_the_import_then_does(anshan, people, tmp_path):
    path = edited(
        tmp_path,
        "many.xlsx",
        rows={ITEM_2: ({1: None, 2: 1, 3: 2, 4: 3}, None), 4: ({1: 2, 2: 1}, None)},
        replace={"领导干部坚持每年年终述法。": "领导干部坚持每年年终述法，并报市司法局。"},
    )
    dry = import_ledger(path, options=OPTIONS, dry_run=True)
    assert not MeasureChange.objects.exists()

    done = import_ledger(path, options=OPTIONS)

    assert lines_of(dry) == lines_of(done)
    assert dry.counts == done.counts
    assert len(dry.unchanged) == 75 - 1 - 3 - 2 - 1
    removed = {m.text for m in Measure.all_objects.filter(removed_at__isnull=False)}
    assert removed == {c.text for c in done.changes if c.kind == "removed"}
    for change in done.changes:
        if change.kind != "removed":
            assert place(measure(change.text)) == change.place


def test_the_command_line_dry_run_names_each_measure(anshan, tmp_path, capsys):
    path = edited(tmp_path, "deleted.xlsx", rows={ITEM_2: ({1: None, 2: 1, 3: 2, 4: 3}, None)})

    call_command("import_ledger", str(path), "--plan", "anshan", "--dry-run")

    out = capsys.readouterr().out.splitlines()
    assert "measures: 0 created, 3 updated, 0 restored, 1 removed, 71 unchanged" in out
    assert "removed 部分一 序号1 要求2 措施1 「发放图书《习近平法治思想学习纲要》，做到机关工作人员人手一册…」" in out
    assert "moved 部分一 序号1 要求2 措施3 → 部分一 序号1 要求2 措施2 「建立执法人员新信息库。」" in out
    assert sum(line.startswith("unchanged ") for line in out) == 71
    assert not Measure.all_objects.filter(removed_at__isnull=False).exists()


def test_two_equally_good_matches_stop_the_import_naming_both(anshan, tmp_path):
    twins = edited(tmp_path, "twins.xlsx", replace={"建立执法人员新信息库。": "每年结合系统执法督导，指导各县(市)国动部门落实《辽宁省国防动员行政执法工作指南》，按照规范程序开展执法工作。"})
    import_ledger(twins, options=OPTIONS)
    removed = list(Measure.all_objects.filter(removed_at__isnull=False))
    # both twins (③ and ④) go; the text comes back once, at ①: which of the two is it?
    path = edited(tmp_path, "one.xlsx", twins, rows={ITEM_2: ({1: 4, 3: None, 4: 1}, None)})

    with pytest.raises(CommandError) as failure:
        call_command("import_ledger", str(path), "--plan", "anshan")

    message = str(failure.value)
    assert "不作猜测" in message
    assert "部分一 序号1 要求2 措施3「每年结合系统执法督导" in message
    assert "部分一 序号1 要求2 措施4「每年结合系统执法督导" in message
    assert list(Measure.all_objects.filter(removed_at__isnull=False)) == removed


# -- exports ---------------------------------------------------------------------------------


def test_removed_measures_leave_the_exports_unless_asked_for(anshan, tmp_path):
    import json

    import jsonschema

    from .test_interchange import SCHEMA

    import_ledger(edited(tmp_path, "deleted.xlsx", rows={ITEM_2: ({1: None, 2: 1, 3: 2, 4: 3}, None)}), options=OPTIONS)
    plain, full = tmp_path / "plain.json", tmp_path / "full.json"

    call_command("export_ledger", "--plan", "anshan", "--format", "json", "-o", str(plain))
    call_command("export_ledger", "--plan", "anshan", "--format", "json", "--include-removed", "-o", str(full))

    plain_doc, full_doc = json.loads(plain.read_text("utf-8")), json.loads(full.read_text("utf-8"))
    assert len(plain_doc["measures"]) == 74
    assert not any("removed" in m for m in plain_doc["measures"])
    removed = [m for m in full_doc["measures"] if m.get("removed")]
    assert [(m["measure"]["text"][:4], m["removed"], m["progress"]["2023"]["status"]) for m in removed] == [
        ("发放图书", True, ProgressStatus.DONE)
    ]
    assert len(full_doc["measures"]) == 75
    jsonschema.Draft202012Validator(SCHEMA).validate(full_doc)
    # the document read back leaves the removed measure removed and changes nothing
    assert import_ledger(full.read_bytes(), file_name="full.json").changed is False
    assert measure("发放图书").removed_at is not None
    with pytest.raises(CommandError):
        call_command("export_ledger", "--plan", "anshan", "--format", "csv", "--include-removed", "-o", str(plain))


# -- the admin: the row-by-row import uses the same matcher; removed measures and edits --------

IMPORT_URL = "/admin/tasks/measure/import/"
CONFIRM_URL = "/admin/tasks/measure/process_import/"


def admin_upload(client, path):
    with open(path, "rb") as handle:
        return client.post(IMPORT_URL, {"import_file": handle, "format": "0", "resource": "0", "plan_slug": "anshan"})


def test_the_row_by_row_import_recognises_the_same_measures_and_shows_what_it_does(anshan, people, tmp_path, admin_client):
    staff, chief = people
    info = measure("建立执法人员新信息库")
    accepted_report(info, staff, chief)
    path = edited(tmp_path, "deleted.xlsx", rows={ITEM_2: ({1: None, 2: 1, 3: 2, 4: 3}, None)})
    expected = lines_of(import_ledger(path, options=OPTIONS, dry_run=True))

    response = admin_upload(admin_client, path)

    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [(c.kind, c.place, c.text, c.old_place, c.old_text) for c in result.measure_lines] == expected
    page = response.content.decode()
    assert "移除" in page and "发放图书《习近平法治思想学习纲要》" in page
    assert Measure.objects.count() == 75  # a preview writes nothing
    confirm = response.context["confirm_form"]
    admin_client.post(CONFIRM_URL, {name: confirm.initial.get(name, "") for name in confirm.fields})
    info.refresh_from_db()
    assert place(info) == ("一", 1, 2, 2)
    assert kept_report(info)[:4] == (ProgressStatus.DONE, "信息库已建成", ReviewState.ACCEPTED, ["信息库截图.pdf"])
    assert measure("发放图书").removed_at is not None
    assert Measure.objects.count() == 74
    assert import_ledger(path, options=OPTIONS).changed is False


def test_the_bulk_import_preview_shows_each_change_and_the_confirmed_import_does_it(anshan, tmp_path, admin_client):
    from .test_admin_bulk_import import confirm, preview

    path = edited(tmp_path, "deleted.xlsx", rows={ITEM_2: ({1: None, 2: 1, 3: 2, 4: 3}, None)})

    response = preview(admin_client, path, plan_slug="anshan")

    report = response.context["report"]
    assert (report.counts["removed"], report.counts["update"]) == (1, 3)
    page = response.content.decode()
    assert "移除" in page and "编号或位置变化" in page
    assert "部分一 序号1 要求2 措施3</td>" in page and "部分一 序号1 要求2 措施2</td>" in page  # ③ → ②, 建立执法人员新信息库
    assert Measure.objects.count() == 75
    confirm(admin_client, response)
    assert Measure.objects.count() == 74
    assert place(measure("建立执法人员新信息库")) == ("一", 1, 2, 2)


def test_the_row_by_row_import_refuses_two_equally_good_matches(anshan, tmp_path, admin_client):
    twins = edited(tmp_path, "twins.xlsx", replace={"建立执法人员新信息库。": "每年结合系统执法督导，指导各县(市)国动部门落实《辽宁省国防动员行政执法工作指南》，按照规范程序开展执法工作。"})
    import_ledger(twins, options=OPTIONS)
    path = edited(tmp_path, "one.xlsx", twins, rows={ITEM_2: ({1: 4, 3: None, 4: 1}, None)})

    response = admin_upload(admin_client, path)

    assert response.context["result"].has_errors()
    assert "不作猜测" in response.content.decode()


def test_admins_see_removed_measures_and_their_edits_go_into_the_history(anshan, tmp_path, admin_client):
    import_ledger(edited(tmp_path, "deleted.xlsx", rows={ITEM_2: ({1: None, 2: 1, 3: 2, 4: 3}, None)}), options=OPTIONS)
    gone = measure("发放图书")

    removed = admin_client.get("/admin/tasks/measure/", {"removed": "yes"})
    assert [m.pk for m in removed.context["cl"].result_list] == [gone.pk]
    assert admin_client.get("/admin/tasks/measure/", {"removed": "no"}).context["cl"].result_count == 74
    assert admin_client.get(f"/admin/tasks/measure/{gone.pk}/change/").status_code == 200

    info = measure("建立执法人员新信息库")
    page = admin_client.get(f"/admin/tasks/measure/{info.pk}/change/")
    form = page.context["adminform"].form
    data = bound_values(form)
    data["text"] = "建立执法人员信息库并每季度更新。"
    for formset in page.context["inline_admin_formsets"]:
        data.update(bound_values(formset.formset.management_form))
        for inline_form in formset.formset.forms:
            data.update(bound_values(inline_form))
    response = admin_client.post(f"/admin/tasks/measure/{info.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    change = MeasureChange.objects.filter(measure=info, source=ProgressSource.ADMIN).get()
    assert (change.kind, change.old_value, change.new_value, change.user.username) == (
        MeasureChangeKind.TEXT, "建立执法人员新信息库。", "建立执法人员信息库并每季度更新。", "chief",
    )


def bound_values(form):
    """What the browser would post back for ``form`` as the page shows it."""
    values = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        values[form.add_prefix(name)] = "on" if value is True else value
    return values
