"""Deliveries and the daily reminders through the real worker (``manage.py worker``), against
the local robot servers (``robots.Robot``), on the real Anshan ledger.

These tests commit (``transaction=True``): the worker runs in autocommit as in production, and
claims each job from the job table as a separate worker process would."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from departments.roles import SUPERVISOR, create_account
from jobs.models import DailyRun
from jobs.tests.helpers import EARLY, run_worker
from notices.models import Delivery, DeliveryStatus
from tasks.workflow.review import decide_extension, request_extension, review_report

from .helpers import measure_at
from .robots import Robot, feishu_sign
from .test_channels import add_channel, submitted_report

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "https://ledger.example.cn"


@pytest.fixture(autouse=True)
def quick(settings):
    settings.LEDGER_BASE_URL = BASE
    settings.NOTICE_RETRY_DELAYS = (0.5, 0.5)
    settings.NOTICE_HTTP_TIMEOUT = 0.5


@pytest.fixture
def robots():
    started = []

    def start(kind, secret="", answers=()):
        started.append(Robot(kind, secret, answers))
        return started[-1]

    yield start
    for robot in started:
        robot.close()


def test_a_returned_report_reaches_the_feishu_group_once_through_the_worker(robots, settings, fagui):
    robot = robots("feishu", secret="feishu-secret")
    settings.NOTICE_FEISHU_URL = robot.base + "/open-apis/bot/v2/hook/"
    add_channel("法规科飞书群", "--kind", "feishu", "--url", "hook-1", "--secret", "feishu-secret", "--department", "政策法规科")
    chief, _ = create_account("chief", SUPERVISOR)
    measure = measure_at("anshan", 1, 2, 4)
    with time_machine.travel(EARLY, tick=True):
        progress = submitted_report(measure, fagui)
        review_report(measure, 2024, user=chief, accept=False, reason="佐证材料缺少印发文件", version=progress.version)
        assert robot.requests == []  # the review's request has returned: nothing was posted inside it
        [delivery] = Delivery.objects.all()
        assert delivery.status == DeliveryStatus.PENDING
        run_worker()
        run_worker()  # a second worker pass finds nothing to send
    assert robot.problems == []
    [request] = robot.requests
    assert request["path"] == "/open-apis/bot/v2/hook/hook-1"
    body = request["json"]
    assert body["sign"] == feishu_sign(body["timestamp"], "feishu-secret")
    assert body["card"]["header"]["title"]["content"] == "2024 年度完成报告被退回：1.(2)④ " + measure.text[:40]
    assert body["card"]["elements"][0]["text"] == {"tag": "lark_md", "content": "退回理由：佐证材料缺少印发文件\n请修改后重新填报。"}
    assert body["card"]["elements"][1]["actions"][0]["url"] == f"{BASE}/measures/{measure.pk}/#year-2024"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    jobs = DBTaskResult.objects.filter(task_path="notices.outbox.deliver")
    assert [job.status for job in jobs] == [TaskResultStatus.SUCCESSFUL]


def test_an_extension_decision_reaches_the_webhook_signed_over_the_exact_body(robots, fagui):
    robot = robots("webhook", secret="hook-secret")
    add_channel("督办系统", "--kind", "webhook", "--url", robot.base + "/in", "--secret", "hook-secret", "--user", "fagui")
    chief, _ = create_account("chief", SUPERVISOR)
    measure = measure_at("anshan", 1, 2, 4)
    milestone = measure.deadlines.get(year=2024).milestones.get()
    with time_machine.travel(EARLY, tick=True):
        extension = request_extension(milestone, user=fagui, new_date=datetime.date(2024, 12, 31), reason="等待省厅批复")
        decide_extension(extension, user=chief, approve=True, note="同意")
        run_worker()
    assert robot.problems == []  # the robot checked X-Ledger-Signature against the body it received
    [body] = robot.bodies
    assert body["event"] == "extension_approved"
    assert body["title"].endswith("节点 2024-11-30 延至 2024-12-31")
    assert body["lines"] == ["申请理由：等待省厅批复", "审批意见：同意"]
    assert json.loads(robot.requests[0]["raw"]) == body


def test_a_5xx_is_retried_by_a_later_job_after_its_delay(robots, fagui):
    robot = robots("webhook", secret="s", answers=[503])
    add_channel("督办系统", "--kind", "webhook", "--url", robot.base + "/in", "--secret", "s", "--department", "政策法规科")
    chief, _ = create_account("chief", SUPERVISOR)
    measure = measure_at("anshan", 1, 2, 4)
    with time_machine.travel(EARLY, tick=False) as traveller:
        progress = submitted_report(measure, fagui)
        review_report(measure, 2024, user=chief, accept=True, version=progress.version)
        run_worker()  # first try: 503; the retry waits 0.5 s, so this pass ends without it
        [delivery] = Delivery.objects.all()
        assert (len(robot.requests), delivery.status, delivery.attempts) == (1, DeliveryStatus.PENDING, 1)
        assert "503" in delivery.answer
        traveller.shift(datetime.timedelta(seconds=1))
        run_worker()
    assert robot.problems == []
    assert len(robot.requests) == 2 and robot.bodies[0] == robot.bodies[1]
    assert robot.bodies[1]["event"] == "report_accepted"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_the_worker_runs_the_day_s_reminders_once_at_the_daily_hour_and_plans_the_next(robots, fagui):
    robot = robots("webhook", secret="g")
    add_channel("法规科群", "--kind", "webhook", "--url", robot.base + "/", "--secret", "g", "--department", "政策法规科")
    with time_machine.travel(EARLY, tick=False) as traveller:
        run_worker()  # 06:00: the day's run is planned for 07:30, nothing is sent
        assert robot.requests == [] and not DailyRun.objects.exists()
        traveller.move_to("2024-11-29T07:31:00+08:00")
        run_worker()
        titles = [body["title"] for body in robot.bodies]
        assert titles == ["政策法规科 2024-11-29 催办提醒：14 项工作措施", "逾期升级：政策法规科 有 2 个节点逾期超过 30 天"]
        assert DailyRun.objects.get().day == datetime.date(2024, 11, 29)
        [waiting] = DBTaskResult.objects.filter(task_path="jobs.schedule.daily_reminders", status=TaskResultStatus.READY)
        assert waiting.args_kwargs["args"] == ["2024-11-30"]
        assert waiting.run_after == datetime.datetime(2024, 11, 29, 23, 30, tzinfo=datetime.timezone.utc)
        run_worker()  # a restarted worker the same day runs nothing again
        call_command("send_reminders", "--as-of", "2024-11-29", stdout=io.StringIO())  # nor does cron
    assert len(robot.requests) == 2 and robot.problems == []
