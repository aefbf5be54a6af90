"""Deadlines as stored: the parse_deadline and reparse_deadlines commands, and flagging for review."""

import datetime
import json

import openpyxl
import pytest
from django.core.management import call_command

from departments.roles import ADMIN, create_account
from tasks.choices import MilestoneKind
from tasks.importing import import_ledger
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
