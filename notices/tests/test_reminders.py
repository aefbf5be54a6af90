"""Reminder digests on fixed dates, on the real Anshan and Guangyuan ledgers, through the locmem backend."""

import datetime
import io

import pytest
from django.core.management import call_command

from departments.models import Person
from departments.roles import STAFF, create_account
from notices.models import Notification, NotificationKind, ReminderRule, RuleKind, SentReminder
from tasks.choices import MilestoneKind, ProgressSource, ProgressStatus
from tasks.models import Milestone, Progress
from tasks.workflow.progress import record_progress

from tasks.tests.helpers import measures_of

from .helpers import linked_measures, measure_at

pytestmark = pytest.mark.django_db


def run(day, *args):
    out = io.StringIO()
    call_command("send_reminders", "--as-of", day, *args, stdout=out)
    return out.getvalue()


def open_on(department, date):
    """Measures of ``department`` with a milestone on ``date`` not done in its year (asked independently)."""
    done = Progress.objects.filter(status=ProgressStatus.DONE, year=date.year).values("measure_id")
    milestones = Milestone.objects.filter(
        date=date, deadline__year=date.year, deadline__measure__units__department__name=department
    ).exclude(deadline__measure__in=done)
    return set(milestones.values_list("deadline__measure_id", flat=True))


def test_the_day_before_each_person_gets_one_digest_of_their_own_measures(fagui, renfang, mailoutbox):
    due = open_on("政策法规科", datetime.date(2024, 11, 30))
    assert len(due) > 5
    run("2024-11-29")
    assert sorted(mail.to for mail in mailoutbox) == [["fagui@example.cn"], ["renfang@example.cn"]]
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert linked_measures(mails["renfang@example.cn"]) <= set(measures_of("人防管理科").values_list("pk", flat=True))
    mail = mails["fagui@example.cn"]
    assert "2024-11-29 催办提醒" in mail.subject
    assert due <= linked_measures(mail) <= set(measures_of("政策法规科").values_list("pk", flat=True))
    assert "还有 1 天到期（2024-11-30，完成时限：11月30日）" in mail.body
    assert mail.alternatives[0][1] == "text/html"
    assert mail.body.count("还有 1 天到期") == len(due)


def test_seven_days_before_on_the_day_and_weekly_while_overdue(fagui, mailoutbox):
    measure = measure_at("anshan", 1, 2, 4)  # 11月30日 in 2024, not done
    for day in ["2024-11-23", "2024-11-30", "2024-12-01", "2024-12-02", "2024-12-08"]:
        run(day)
    linked = {mail.subject[6:16]: mail for mail in mailoutbox}
    assert measure.pk in linked_measures(linked["2024-11-23"])
    assert "还有 7 天到期（2024-11-30" in linked["2024-11-23"].body
    assert "今天到期（2024-11-30" in linked["2024-11-30"].body
    assert "已逾期 1 天（应于 2024-11-30 完成" in linked["2024-12-01"].body
    assert "2024-12-02" not in linked or measure.pk not in linked_measures(linked["2024-12-02"])
    assert "已逾期 8 天（应于 2024-11-30 完成" in linked["2024-12-08"].body


def test_a_second_run_on_the_same_day_sends_nothing(fagui, mailoutbox):
    run("2024-11-29")
    logged = SentReminder.objects.count()
    inbox = Notification.objects.count()
    assert logged and len(mailoutbox) == 1
    output = run("2024-11-29")
    assert len(mailoutbox) == 1
    assert (SentReminder.objects.count(), Notification.objects.count()) == (logged, inbox)
    assert "0 digest(s) went out" in output


def test_a_dry_run_sends_and_records_nothing(fagui, mailoutbox):
    output = run("2024-11-29", "--dry-run")
    assert "would deliver: fagui <fagui@example.cn>" in output
    assert mailoutbox == [] and not SentReminder.objects.exists() and not Notification.objects.exists()


def test_nothing_is_sent_for_a_measure_done_that_year(fagui, mailoutbox):
    measure = measure_at("anshan", 1, 2, 4)
    record_progress(measure, 2024, status=ProgressStatus.DONE, source=ProgressSource.WEB, user=fagui)
    run("2024-11-29")
    assert measure.pk not in linked_measures(mailoutbox[0])
    run("2024-12-08")
    assert all(measure.pk not in linked_measures(mail) for mail in mailoutbox)


def test_ongoing_measures_get_the_quarterly_request_on_the_first_day_of_a_quarter(fagui, mailoutbox):
    ongoing = set(
        Milestone.objects.filter(
            kind=MilestoneKind.ONGOING, deadline__year=2024, deadline__measure__units__department__name="政策法规科"
        ).values_list("deadline__measure_id", flat=True)
    )
    done = set(Progress.objects.filter(year=2024, status=ProgressStatus.DONE).values_list("measure_id", flat=True))
    assert ongoing - done and ongoing & done
    run("2024-09-30")
    run("2024-10-01")
    by_day = {mail.subject[6:16]: mail for mail in mailoutbox}
    october = linked_measures(by_day["2024-10-01"])
    assert ongoing - done <= october
    assert not ongoing & done & october
    assert "请报告 2024 年度工作进展（持续推进：持续推进）" in by_day["2024-10-01"].body
    assert "2024-09-30" not in by_day or "年度工作进展" not in by_day["2024-09-30"].body


def test_long_term_guangyuan_measures_get_the_request_and_a_quarter_rule_can_be_turned_off(guangyuan, mailoutbox):
    create_account("sifaju", STAFF, departments=["市司法局"], email="sifaju@example.cn")
    run("2025-01-01")
    assert len(mailoutbox) == 1 and "年度工作进展（长期" in mailoutbox[0].body
    ReminderRule.objects.filter(kind=RuleKind.PROGRESS).update(active=False)
    run("2025-04-01")
    assert all("年度工作进展" not in mail.body for mail in mailoutbox[1:])


def test_the_person_of_a_measure_gets_it_through_their_login(anshan, mailoutbox):
    user, _ = create_account("wangqiang", STAFF, departments=["办公室"], email="wq@example.cn")
    wang = Person.objects.get(name="王强")
    wang.user = user
    wang.save()
    run("2024-12-01")
    [mail] = [m for m in mailoutbox if m.to == ["wq@example.cn"]]
    assert linked_measures(mail) and linked_measures(mail) <= set(wang.measures.values_list("pk", flat=True))


def test_people_without_an_e_mail_address_get_the_inbox_only(anshan, mailoutbox, admin_client):
    user, _ = create_account("nomail", STAFF, departments=["政策法规科"])
    run("2024-11-29")
    assert mailoutbox == []
    notes = Notification.objects.filter(user=user, kind=NotificationKind.REMINDER)
    notified = set(notes.values_list("measure_id", flat=True))
    assert open_on("政策法规科", datetime.date(2024, 11, 30)) <= notified
    assert notified == set(SentReminder.objects.filter(user=user).values_list("measure_id", flat=True))
    assert set(SentReminder.objects.values_list("emailed", flat=True)) == {False}
    page = admin_client.get("/admin/notices/recipient/?mail=no").content.decode()
    assert "nomail" in page and "无（仅站内通知）" in page
