"""The admin speaks the app's language: its name in the header and title, third-party apps
(django-axes, django-tasks) in Chinese, the column mapping in the ledger's words, and the
工作措施 list in pages one can read, with a query count that does not grow with the page."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from departments.models import Department
from departments.roles import STAFF, create_account
from tasks.importing.options import parse_column_map
from tasks.models import Measure, Plan

pytestmark = pytest.mark.django_db

MEASURES = "/admin/tasks/measure/"


def rows(response):
    return re.findall(r'<tr[^>]*>\s*<td class="action-checkbox">', response.content.decode())


def test_the_admin_is_named_after_the_app_not_django(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "<title>管理首页 | 任务台账管理后台</title>" in page
    assert "任务台账 · 管理后台" in page
    assert "Django" not in page
    assert "/static/css/admin.css" in page  # the app's admin stylesheet on every admin page
    assert "/static/js/file_inputs.js" in page


def test_the_admin_is_named_after_the_app_on_the_login_page_too(client):
    page = client.get("/admin/login/").content.decode()
    assert "任务台账 · 管理后台" in page and "Django" not in page


def test_login_protection_and_the_job_queue_are_listed_in_chinese(admin_client):
    page = admin_client.get("/admin/").content.decode()
    for label in ("登录保护", "登录尝试", "登录失败记录", "登录日志", "后台任务队列", "后台任务记录"):
        assert label in page
    for english in ("Axes", "Access attempts", "Access failures", "Access logs", "Tasks Database Backend", "Task Results"):
        assert english not in page


def test_a_locked_login_reads_in_chinese_in_the_admin_list(admin_client):
    AccessAttempt.objects.create(
        username="fagui", ip_address="10.0.0.8", user_agent="Chromium", http_accept="*/*",
        path_info="/accounts/login/", get_data="", post_data="", failures_since_start=5,
    )
    page = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "fagui" in page
    for label in ("尝试时间", "IP 地址", "浏览器标识", "访问路径", "失败次数", "状态", "已锁定"):
        assert label in page
    for english in ("Attempt Time", "IP Address", "User Agent", "Failed Logins", "Locked Out", ">Status<"):
        assert english not in page


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=2)
def test_a_locked_out_login_is_told_so_in_chinese(client):
    create_account("fagui", STAFF, departments=["政策法规科"], password="the-right-password")
    for guess in ("123456", "password"):
        client.post("/accounts/login/", {"username": "fagui", "password": guess})
    refused = client.post("/accounts/login/", {"username": "fagui", "password": "the-right-password"})
    assert refused.status_code == 429
    assert "账户已锁定：登录失败次数过多，请稍后再试。" in refused.content.decode()


def test_the_job_queue_columns_read_in_chinese(admin_client):
    DBTaskResult.objects.create(
        task_path="jobs.schedule.daily_reminders", args_kwargs={"args": [], "kwargs": {}},
        backend_name="default", run_after=timezone.now(), exception_class_path="", traceback="",
    )
    page = admin_client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    for label in ("后台任务记录", ">任务<", "待执行", "加入队列时间", "优先级", "队列"):
        assert label in page
    for english in ("Task name", "Enqueued at", "Queue name", "Task Result", "Ready"):
        assert english not in page


def test_the_column_mapping_help_names_the_ledgers_columns_not_field_keys(admin_client):
    page = admin_client.get("/admin/tasks/measure/import/").content.decode()
    help_text = re.search(r'<p class="help"[^>]*>([^<]*民生实事[^<]*)</p>', page).group(1)
    assert "民生实事=工作措施" in help_text
    for column in ("工作措施", "牵头单位", "责任单位", "完成时限", "2024年完成时限", "其他列（保留）"):
        assert column in help_text
    for key in ("measure", "task_number", "deadline:NNNN", "extra", "responsible"):
        assert key not in help_text


def test_a_column_mapped_by_its_ledger_name_is_read_as_that_column():
    mapping = parse_column_map(["民生实事=工作措施", "2026计划=2026年完成时限", "备注=其他列（保留）", "分管领导=person"])
    assert mapping == {"民生实事": "measure", "2026计划": "deadline:2026", "备注": "extra", "分管领导": "person"}


def test_the_measure_list_is_paged_and_names_each_measure_by_its_number_and_text(admin_client, anshan, guangyuan):
    total = Measure.all_objects.count()
    assert total > 100
    first = admin_client.get(MEASURES)
    assert len(rows(first)) == 50
    page = first.content.decode()
    assert f"{total} 工作措施" in page  # the paginator's count
    measure = Measure.objects.select_related("item__task").get(item__task__section__plan__slug="anshan", item__task__label="1", item__label="(1)", label="①")
    assert len(measure.text) > 40
    assert f'<span title="{escape(measure.text)}">{escape(measure.text[:40])}…</span>' in page  # shortened, whole on hover
    assert "1.(1)①" in page
    last_page = (total - 1) // 50
    last = admin_client.get(MEASURES, {"p": last_page + 1})
    assert len(rows(last)) == total - 50 * last_page


def test_the_measure_list_still_searches_and_filters(admin_client, anshan, guangyuan):
    found = admin_client.get(MEASURES, {"q": "执法人员新信息库"})
    assert len(rows(found)) == Measure.all_objects.filter(text__contains="执法人员新信息库").count() == 1
    department = Department.objects.get(name="政策法规科")
    filtered = admin_client.get(MEASURES, {"departments__id__exact": department.pk})
    expected = Measure.all_objects.filter(departments=department).distinct().count()
    assert f"{expected} 工作措施" in filtered.content.decode()
    guangyuan_plan = Plan.objects.get(slug="guangyuan")
    plan = admin_client.get(MEASURES, {"item__task__section__plan__id__exact": guangyuan_plan.pk})
    expected = Measure.all_objects.filter(item__task__section__plan=guangyuan_plan).count()
    assert f"{expected} 工作措施" in plan.content.decode()


@pytest.mark.parametrize("query", [{}, {"p": "2"}, {"q": "法治"}, {"removed": "no", "needs_review": "yes"}])
def test_the_measure_list_takes_the_same_few_queries_whatever_the_page(admin_client, anshan, guangyuan, django_assert_max_num_queries, query):
    with django_assert_max_num_queries(10):
        response = admin_client.get(MEASURES, query)
    assert response.status_code == 200


def test_admin_pages_load_the_slug_scripts_only_where_a_form_fills_a_slug(admin_client, anshan):
    """XRegExp (163 KB) and urlify are for prepopulated fields: only the plan's form has one."""
    measures = admin_client.get("/admin/tasks/measure/").content.decode()
    progress = admin_client.get("/admin/tasks/progress/").content.decode()
    plan_form = admin_client.get("/admin/tasks/plan/add/").content.decode()
    for page in (measures, progress):
        assert "xregexp" not in page and "urlify.js" not in page
        assert "admin/js/actions.js" in page  # the list's own scripts stay
    assert "xregexp" in plan_form and "urlify.js" in plan_form and "prepopulate" in plan_form
