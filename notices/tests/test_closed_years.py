"""Reminders, escalations and the supervisors' digest say nothing about a closed year, on the real
Anshan ledger (reporting year 2024): its figures went upward and can no longer change. A reopened
year is reminded of again; a department's closure silences only that department's measures."""

import datetime
import io

import pytest
from django.core.management import call_command

from departments.models import Department
from notices.daily import escalate_overdue, supervisor_lines, waiting_reports
from notices.models import Escalation, SentReminder
from tasks.choices import ProgressSource, ProgressStatus
from tasks.models import Plan
from tasks.workflow.progress import record_progress
from tasks.workflow.reporting import set_review
from tasks.tests.helpers import measures_of
from tasks.workflow.year_close import close_year, reopen_year

from .helpers import linked_measures, measure_at

pytestmark = pytest.mark.django_db


def run(day):
    call_command("send_reminders", "--as-of", day, stdout=io.StringIO())


@pytest.fixture
def plan(anshan):
    return Plan.objects.get(slug="anshan")


def test_a_closed_year_gets_no_digest_until_it_is_reopened(plan, fagui, mailoutbox):
    close_year(plan, 2024)
    run("2024-11-29")  # the eve of 11月30日, the due date of many 2024 milestones
    assert mailoutbox == [] and not SentReminder.objects.exists()
    reopen_year(plan, 2024, reason="补报漏填的措施")
    run("2024-11-29")
    [mail] = mailoutbox
    assert "还有 1 天到期（2024-11-30" in mail.body
    assert SentReminder.objects.filter(milestone__deadline__year=2024).exists()


def test_a_departments_closure_silences_only_its_measures(plan, fagui, renfang, mailoutbox):
    close_year(plan, 2024, departments=[Department.objects.get(name="政策法规科")])
    run("2024-11-29")
    assert [mail.to for mail in mailoutbox] == [["renfang@example.cn"]]
    closed = set(measures_of("政策法规科").values_list("pk", flat=True))
    reminded = linked_measures(mailoutbox[0])
    assert reminded and not reminded & closed
    assert not SentReminder.objects.filter(measure__in=closed).exists()


def test_no_overdue_escalation_and_no_digest_line_for_a_closed_year(plan, fagui):
    late_measure = measure_at("anshan", 1, 2, 4).text[:40]  # 政策法规科's 11月30日 milestone, not done
    assert late_measure in "\n".join(supervisor_lines(datetime.date(2024, 12, 1)))
    close_year(plan, 2024, departments=[Department.objects.get(name="政策法规科")])
    day = datetime.date(2024, 12, 31)  # 11月30日 milestones are 31 days late
    escalate_overdue(day)
    escalated = set(Escalation.objects.values_list("measure_id", flat=True))
    closed = set(measures_of("政策法规科").values_list("pk", flat=True))
    assert escalated and not escalated & closed  # other departments' late milestones still escalate
    lines = "\n".join(supervisor_lines(datetime.date(2024, 12, 1)))
    assert "新增逾期" in lines
    assert late_measure not in lines


def test_a_report_waiting_in_a_closed_year_is_no_longer_escalated(plan, fagui):
    measure = measure_at("anshan", 1, 2, 4)
    progress = record_progress(measure, 2024, status=ProgressStatus.DONE, user=fagui, source=ProgressSource.WEB, done_on=datetime.date(2024, 9, 30))
    set_review(progress, "pending", user=fagui)
    day = datetime.date(2024, 12, 31)
    assert [p.pk for p, _record in waiting_reports(day)] == [progress.pk]
    close_year(plan, 2024)
    assert waiting_reports(day) == []
    assert "待审核完成报告" not in "\n".join(supervisor_lines(day))
