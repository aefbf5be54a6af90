"""Deadlines as stored: the parse_deadline and reparse_deadlines commands, and flagging for review."""

import datetime
import json

import openpyxl
import pytest
from django.core.management import call_command

from departments.roles import ADMIN, create_account
from tasks.choices import MilestoneKind
from tasks.importing.ledger_import import import_ledger
from tasks.models import Deadline, Milestone

from .conftest import GUANGYUAN, GUANGYUAN_OPTIONS

pytestmark = pytest.mark.django_db


def test_parse_deadline_prints_the_milestones_as_json(capsys):
    call_command("parse_deadline", "2024年12月底前完成试点，2025年推广")
    assert json.loads(capsys.readouterr().out) == [
        {"date": "2024-12-31", "kind": "date", "label": "完成试点"},
        {"date": "2025-12-31", "kind": "date", "label": "推广"},
    ]


def test_parse_deadline_takes_the_columns_year(capsys):
    call_command("parse_deadline", "①11月30日", "--year", "2025")
    assert json.loads(capsys.readouterr().out) == [{"date": "2025-11-30", "kind": "date", "label": ""}]


def test_reparse_restores_what_the_parser_reads_and_reports_it(guangyuan, capsys):
    deadline = Deadline.objects.filter(text="2024年9月底中期评估；2025年9月底终期评估", year=2024).first()
    Milestone.objects.filter(deadline=deadline).delete()
    Milestone.objects.create(deadline=deadline, kind=MilestoneKind.UNPARSED, label="stale")

    call_command("reparse_deadlines")
    out = capsys.readouterr().out
    assert "stale" in out and "1 of" in out and "changed" in out
    assert [(m.date, m.label) for m in deadline.milestones.all()] == [(datetime.date(2024, 9, 30), "中期评估")]

    call_command("reparse_deadlines")
    assert capsys.readouterr().out.startswith("0 of")


def test_an_unreadable_phrase_is_kept_flagged_and_does_not_stop_the_import(db, tmp_path, client):
    workbook = openpyxl.load_workbook(GUANGYUAN)
    sheet = workbook["附件2"]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "2024年12月底前")
    cell.value = "视上级部署情况而定"
    edited = tmp_path / "guangyuan.xlsx"
    workbook.save(edited)

    report = import_ledger(edited, options=GUANGYUAN_OPTIONS)

    assert any("视上级部署情况而定" in line for line in report.flagged)
    flagged = Deadline.objects.filter(needs_review=True)
    assert flagged.exists()
    assert set(flagged.values_list("text", flat=True)) == {"视上级部署情况而定"}
    create_account("chief", ADMIN, password="pw")
    client.login(username="chief", password="pw")
    page = client.get("/admin/tasks/deadline/", {"needs_review__exact": "1"}).content.decode()
    assert "视上级部署情况而定" in page


def test_parse_deadline_marks_a_date_outside_the_plan_years(capsys):
    call_command("parse_deadline", "2026年6月底前", "--plan-years", "2023-2025")
    assert json.loads(capsys.readouterr().out) == [
        {"date": "2026-06-30", "kind": "date", "label": "", "review": "日期不在方案年度内"}
    ]


def stored_as(deadline, text, rows, needs_review=False):
    """Give a stored deadline a phrase and milestones as an older parser left them."""
    deadline.text, deadline.needs_review = text, needs_review
    deadline.save()
    deadline.milestones.all().delete()
    for order, (date, kind, label) in enumerate(rows):
        Milestone.objects.create(deadline=deadline, order=order, date=date, kind=kind, label=label)


def test_reparse_reports_each_phrase_the_parser_now_reads_differently(anshan, capsys):
    relative, outside, same = Deadline.objects.filter(year=2024, covers_plan=False).order_by("pk")[:3]
    # 次年 was read as the column's year; a date after the plan was not flagged
    stored_as(relative, "次年2月底前", [(datetime.date(2024, 2, 29), MilestoneKind.DATE, "")])
    stored_as(outside, "2026年6月底前", [(datetime.date(2026, 6, 30), MilestoneKind.DATE, "")])
    call_command("reparse_deadlines")
    capsys.readouterr()

    stored_as(relative, "次年2月底前", [(datetime.date(2024, 2, 29), MilestoneKind.DATE, "")])
    stored_as(outside, "2026年6月底前", [(datetime.date(2026, 6, 30), MilestoneKind.DATE, "")])
    call_command("reparse_deadlines", "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"measure {relative.measure_id} 2024 「次年2月底前」: 2024-02-29 → 2025-02-28",
        f"measure {outside.measure_id} 2024 「2026年6月底前」: 2026-06-30 → 2026-06-30，待复核",
        f"2 of {Deadline.objects.count()} deadlines would change",
    ]
    relative.refresh_from_db()
    assert [m.date for m in relative.milestones.all()] == [datetime.date(2024, 2, 29)]  # a dry run keeps them

    call_command("reparse_deadlines")
    capsys.readouterr()
    relative.refresh_from_db()
    outside.refresh_from_db()
    assert [m.date for m in relative.milestones.all()] == [datetime.date(2025, 2, 28)]
    assert (relative.needs_review, outside.needs_review) == (False, True)
    same.refresh_from_db()
    assert not same.needs_review
