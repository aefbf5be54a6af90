"""Channels against real local HTTP servers standing in for each robot (``robots.Robot``), which
check the body and signature as each service documents them, on the real Anshan ledger.
Events sent by the worker (reviews, extension decisions) are in ``test_worker``."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from departments.models import Department, Person
from departments.roles import SUPERVISOR, create_account
from notices.models import Channel, Delivery, DeliveryStatus, Escalation
from tasks.choices import ProgressSource, ProgressStatus
from tasks.models import Plan
from tasks.workflow.reporting import report_progress

from .helpers import measure_at
from .robots import STALL, Robot, dingtalk_sign

pytestmark = pytest.mark.django_db

BASE = "https://ledger.example.cn"


@pytest.fixture(autouse=True)
def quick(settings):
    settings.LEDGER_BASE_URL = BASE
    settings.NOTICE_RETRY_DELAYS = (0.05, 0.05)
    settings.NOTICE_HTTP_TIMEOUT = 0.5
    settings.NOTICE_ESCALATE_OVERDUE_DAYS = 30
    settings.NOTICE_ESCALATE_REVIEW_WORKDAYS = 5


@pytest.fixture
def robots():
    started = []

    def start(kind, secret="", answers=()):
        robot = Robot(kind, secret, answers)
        started.append(robot)
        return robot

    yield start
    for robot in started:
        robot.close()


@pytest.fixture
def wang_fagui(fagui):
    """fagui's person record, with a mobile number written the way offices write it."""
    return Person.objects.create(name="王法规", department=Department.objects.get(name="政策法规科"), user=fagui, phone="138 0000 0001")


def add_channel(*args):
    out = io.StringIO()
    call_command("add_channel", *args, stdout=out)
    return out.getvalue()


def run(day):
    out = io.StringIO()
    call_command("send_reminders", "--as-of", day, stdout=out)
    return out.getvalue()


def submitted_report(measure, staff, year=2024, day=datetime.date(2024, 11, 25)):
    Plan.objects.update(requires_evidence=False)
    return report_progress(
        measure, year, user=staff, status=ProgressStatus.DONE, note="已印发实施方案", done_on=day,
        expected_version=None, source=ProgressSource.WEB,
    )


def test_dingtalk_group_robot_gets_the_department_digest_signed_with_a_mention_once(robots, settings, wang_fagui, mailoutbox):
    robot = robots("dingtalk", secret="SEC0123456789abcdef")
    settings.NOTICE_DINGTALK_URL = robot.base + "/robot/send"
    add_channel("法规科钉钉群", "--kind", "dingtalk", "--url", "TOKEN-fagui", "--secret", "SEC0123456789abcdef", "--department", "政策法规科")
    run("2024-11-29")
    assert robot.problems == []
    titles = [body["markdown"]["title"] for body in robot.bodies]
    assert titles == ["政策法规科 2024-11-29 催办提醒：14 项工作措施", "逾期升级：政策法规科 有 2 个节点逾期超过 30 天"]
    request = robot.requests[0]
    assert request["path"] == "/robot/send" and request["query"]["access_token"] == "TOKEN-fagui"
    assert request["query"]["sign"] == dingtalk_sign(request["query"]["timestamp"], "SEC0123456789abcdef")
    body = request["json"]
    assert body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    text = body["markdown"]["text"]
    assert "还有 1 天到期（2024-11-30，完成时限：11月30日）" in text and text.endswith("@13800000001")
    department = Department.objects.get(name="政策法规科")
    assert f"[点击办理]({BASE}/departments/{department.pk}/)" in text
    assert len(mailoutbox) == 1  # fagui's own digest still goes by mail
    run("2024-11-29")
    assert len(robot.requests) == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_wecom_own_robot_gets_the_digest_as_markdown_and_the_group_a_text_mentioning_by_mobile(robots, settings, wang_fagui):
    robot = robots("wecom", answers=[500])
    settings.NOTICE_WECOM_URL = robot.base + "/cgi-bin/webhook/send"
    add_channel("王法规企业微信", "--kind", "wecom", "--url", "key-own", "--user", "fagui")
    add_channel("法规科企业微信群", "--kind", "wecom", "--url", "key-group", "--department", "政策法规科")
    run("2024-11-29")
    assert robot.problems == []
    by_key = {}
    for request in robot.requests:
        by_key.setdefault(request["query"]["key"], []).append(request["json"])
    own = by_key["key-own"][-1]
    assert own["msgtype"] == "markdown"
    assert own["markdown"]["content"].startswith("### 【任务台账】2024-11-29 催办提醒：")
    assert f"[点击办理]({BASE}/my/)" in own["markdown"]["content"]
    [group] = [body for body in by_key["key-group"] if body["msgtype"] == "text"]
    assert group["msgtype"] == "text" and group["text"]["mentioned_mobile_list"] == ["13800000001"]
    assert "还有 1 天到期（2024-11-30，完成时限：11月30日）" in group["text"]["content"]
    # the first post met a 500 and was retried once: four posts for three messages, each delivered once
    assert len(robot.requests) == 4
    attempts = sorted(Delivery.objects.values_list("attempts", "status"))
    assert attempts == [(1, DeliveryStatus.SENT), (1, DeliveryStatus.SENT), (2, DeliveryStatus.SENT)]


def test_a_stalled_webhook_is_retried_then_failed_without_blocking_the_others(robots, wang_fagui):
    stalled = robots("webhook", secret="s1", answers=[STALL, STALL, STALL])
    working = robots("webhook", secret="s2")
    add_channel("督办系统", "--kind", "webhook", "--url", stalled.base + "/hooks/ledger", "--secret", "s1", "--department", "政策法规科")
    add_channel("王法规的系统", "--kind", "webhook", "--url", working.base + "/in", "--secret", "s2", "--user", "fagui")
    with pytest.raises(CommandError, match="1 channel message\\(s\\) failed after retries"):
        run("2024-11-29")
    assert stalled.problems == [] and working.problems == []
    assert len(stalled.requests) == 4 and len(working.requests) == 1  # the digest 3 times, then the escalation
    failed = Delivery.objects.get(channel__name="督办系统", status=DeliveryStatus.FAILED)
    assert failed.event.startswith("digest:2024-11-29:department:")
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 3)
    assert "timed out" in failed.answer
    body = working.bodies[0]
    assert body["event"] == "digest" and body["key"] == f"digest:2024-11-29:user:{wang_fagui.user_id}"
    assert body["link"] == f"{BASE}/my/"
    run("2024-11-29")  # nothing new: the failed one waits for 重新发送 in the admin
    assert (len(stalled.requests), len(working.requests)) == (4, 1)


def test_overdue_escalation_reaches_the_department_group_and_the_supervisors_once(robots, fagui):
    group = robots("webhook", secret="g")
    chiefs = robots("webhook", secret="c")
    create_account("chief", SUPERVISOR)
    add_channel("法规科群", "--kind", "webhook", "--url", group.base + "/", "--secret", "g", "--department", "政策法规科")
    add_channel("督查组", "--kind", "webhook", "--url", chiefs.base + "/", "--secret", "c", "--user", "chief")
    measure = measure_at("anshan", 1, 2, 4)  # 2024 milestone 11月30日, not done
    run("2024-12-30")  # 30 days late: not yet
    assert not Escalation.objects.filter(measure=measure).exists()
    run("2024-12-31")  # 31 days late
    escalations = [b for b in group.bodies if b["event"] == "overdue_escalation" and "已逾期 31 天" in "".join(b["lines"])]
    assert len(escalations) == 1
    assert any(line.startswith(f"1.(2)④ {measure.text[:40]}：应于 2024-11-30 完成，已逾期 31 天") for line in escalations[0]["lines"])
    to_chiefs = [b for b in chiefs.bodies if b["event"] == "overdue_escalation"][-1]
    assert to_chiefs["link"] == f"{BASE}/overdue/?as_of=2024-12-31"
    assert group.problems == [] and chiefs.problems == []
    run("2025-01-01")
    assert len([b for b in group.bodies if b["event"] == "overdue_escalation" and measure.text[:40] in "".join(b["lines"])]) == 1


def test_a_report_waiting_more_than_five_working_days_over_national_day_reminds_the_supervisors(robots, fagui):
    chiefs = robots("webhook", secret="c")
    create_account("chief", SUPERVISOR)
    add_channel("督查组", "--kind", "webhook", "--url", chiefs.base + "/", "--secret", "c", "--user", "chief")
    measure = measure_at("anshan", 1, 2, 4)
    with time_machine.travel(datetime.datetime(2024, 9, 30, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))), tick=False):
        submitted_report(measure, fagui, day=datetime.date(2024, 9, 30))
    # 1–7 Oct are the holiday; 8, 9, 10, 11 Oct and Saturday 12 Oct (调休) are the five working days after
    run("2024-10-13")
    assert not [b for b in chiefs.bodies if b["event"] == "review_escalation"]
    digest = [b for b in chiefs.bodies if b["event"] == "supervisor_digest"][-1]
    assert "待审核完成报告 1 份：" in digest["lines"]
    assert f"1.(2)④ {measure.text[:40]}（2024 年度，2024-09-30 提交）" in digest["lines"]
    run("2024-10-14")
    [escalation] = [b for b in chiefs.bodies if b["event"] == "review_escalation"]
    assert escalation["title"] == "审核超时：1 份完成报告等待审核超过 5 个工作日"
    assert escalation["lines"] == [f"1.(2)④ {measure.text[:40]}：2024 年度完成报告 2024-09-30 提交，已等待 6 个工作日"]
    assert escalation["link"] == f"{BASE}/review/"
    run("2024-10-15")
    assert len([b for b in chiefs.bodies if b["event"] == "review_escalation"]) == 1


def test_add_channel_makes_or_updates_and_names_what_is_wrong(anshan, fagui):
    assert add_channel("办公室群", "--kind", "dingtalk", "--url", "T1", "--department", "人防管理科").startswith("created: 办公室群")
    output = add_channel("办公室群", "--kind", "dingtalk", "--secret", "SEC1", "--department", "政策法规科", "--user", "fagui")
    assert output == "updated: 办公室群 (dingtalk); serves: 政策法规科, fagui\n"
    channel = Channel.objects.get(name="办公室群")
    assert (channel.address, channel.secret) == ("T1", "SEC1")
    with pytest.raises(CommandError, match="没有名为 '不存在的科' 的部门"):
        add_channel("x", "--kind", "wecom", "--url", "k", "--department", "不存在的科")
    with pytest.raises(CommandError, match="通用 Webhook 需填写完整的 http"):
        add_channel("y", "--kind", "webhook", "--url", "example.cn/hook")
    assert not Channel.objects.filter(name__in=["x", "y"]).exists()


def test_the_admin_sends_a_test_message_and_logs_it(robots, settings, admin_client):
    robot = robots("dingtalk", secret="SECtest")
    add_channel("测试群", "--kind", "dingtalk", "--url", robot.base + "/robot/send?access_token=abc", "--secret", "SECtest")
    channel = Channel.objects.get()
    page = admin_client.post(
        "/admin/notices/channel/", {"action": "send_test_message", "_selected_action": [channel.pk]}, follow=True
    ).content.decode()
    assert "测试群：已送达" in page
    assert robot.problems == [] and robot.requests[0]["query"]["access_token"] == "abc"
    assert robot.bodies[0]["markdown"]["title"] == "任务台账测试消息"
    log = admin_client.get("/admin/notices/delivery/").content.decode()
    assert "测试群" in log and "已送达" in log
