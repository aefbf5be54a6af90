"""Large ledgers confirmed on the admin's bulk import page (批量导入) are imported by the real
worker: the confirmation answers at once with a status page whose bar htmx polls, which ends
with the report ``import_ledger`` prints, or with why the import failed; one import of a plan
at a time; only its owner and superusers see it; a job whose worker died does not poll forever.

These tests commit (``transaction=True``): the worker runs in autocommit as in production."""

import datetime
import io
import re
import sqlite3
import threading
from contextlib import closing

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from departments.roles import STAFF
from jobs.import_progress import ProgressFile, heartbeat, last_beat
from jobs.imports import run
from jobs.models import ImportJob, ImportState
from tasks.models import Measure, Plan
from tasks.tests.conftest import ANSHAN, GUANGYUAN
from tasks.tests.helpers import database_for_threads, login
from tasks.tests.test_admin_import import BAD_CELLS, anshan_with_two_bad_cells
from tasks.tests.test_import_lock import in_a_thread

from .helpers import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

BULK_URL = "/admin/tasks/measure/bulk-import/"
STATUS = re.compile(r"^/imports/[0-9a-f-]{36}/$")
BAR = re.compile(r'role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="(\d+)"')


@pytest.fixture(autouse=True)
def job_above_ten_measures(settings):
    settings.LEDGER_IMPORT_JOB_ABOVE = 10


def preview(client, path, **fields):
    with open(path, "rb") as handle:
        response = client.post(BULK_URL, {"import_file": handle, **fields})
    assert response.status_code == 200 and "confirm_form" in response.context, response.context.get("errors")
    return response


def confirm(client, response):
    form = response.context["confirm_form"]
    return client.post(BULK_URL, {name: form.initial.get(name, "") for name in form.fields})


def clerk(username):
    """An admin-site user who may import (staff, not a superuser): the owner, or another like them."""
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    client = Client()
    assert client.login(username=username, password="pw")
    return user, client


def command_report(path, *args):
    out = io.StringIO()
    call_command("import_ledger", str(path), *args, stdout=out)
    return out.getvalue().splitlines()


def test_a_large_import_answers_at_once_and_ends_with_the_report_of_import_ledger(admin_client, django_assert_max_num_queries):
    response = confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))
    assert response.status_code == 302 and STATUS.match(response["Location"])
    status = response["Location"]
    assert not Measure.objects.exists()  # nothing imported inside the request
    page = admin_client.get(status).content.decode()
    assert "anshan.xlsx：75 项工作措施，导入到台账 anshan" in page
    assert BAR.search(page).group(1) == "0" and "等待后台进程开始导入" in page
    assert 'hx-get="%s" hx-trigger="every 2s"' % status in page
    fragment = admin_client.get(status, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="import-state"') and "<html" not in fragment

    run_worker()

    with django_assert_max_num_queries(4):
        page = admin_client.get(status).content.decode()
    assert "已导入" in page and "台账 anshan 新增 75 条措施，更新 0 条" in page and "hx-trigger" not in page
    assert Measure.objects.filter(item__task__section__plan__slug="anshan").count() == 75
    job = ImportJob.objects.get()
    assert job.state == ImportState.DONE and not job.file  # the upload is gone; the plan keeps the workbook
    assert Plan.objects.get(slug="anshan").source_file

    call_command("flush", interactive=False)  # the same file into a fresh database, by the command line
    expected = command_report(ANSHAN, "--plan", "anshan")
    assert job.report.splitlines() == expected
    assert expected[0] == "imported anshan.xlsx (sheet 任务分解表) into plan anshan"
    for line in expected:
        assert line.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;") in page


def test_a_ledger_at_or_below_the_threshold_is_still_imported_inside_the_request(admin_client, settings):
    settings.LEDGER_IMPORT_JOB_ABOVE = 35
    response = confirm(admin_client, preview(admin_client, GUANGYUAN, plan_slug="guangyuan", years="2023-2025"))
    assert response.status_code == 302 and response["Location"].endswith("/admin/tasks/measure/")
    assert Measure.objects.count() == 35 and not ImportJob.objects.exists()


def test_the_bar_moves_while_the_import_holds_the_write_lock(admin_client, monkeypatch, tmp_path):
    """Mid-import, inside its transaction, another connection asks for the status page: it answers
    with the step the worker is at. On SQLite the worker and the page use a database file, as in
    production (the suite's own database lives in memory), with a page cache so small that the
    import writes into the file early, as a large one does; only the write-ahead log lets the
    page read then (``ledger/settings.py``)."""
    status = confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))["Location"]
    job = ImportJob.objects.get()
    seen = []
    step = ProgressFile.__call__

    def poll():
        try:
            seen.append(admin_client.get(status, headers={"HX-Request": "true"}))
        except Exception as error:  # noqa: BLE001 - without WAL: "database is locked"
            seen.append(error)
        finally:
            connection.close()  # this thread's own connection

    def step_then_poll(progress, name, done=0, total=0):
        step(progress, name, done, total)
        if name == "write" and done == 6:  # the measures, their progress and history written, uncommitted
            assert connection.in_atomic_block
            thread = threading.Thread(target=poll)
            thread.start()
            thread.join(timeout=60)

    monkeypatch.setattr(ProgressFile, "__call__", step_then_poll)
    with database_for_threads(tmp_path, timeout=3, init_command="PRAGMA journal_mode=WAL; PRAGMA cache_size=10") as path:
        # the job as the worker runs it, in a thread of its own (the worker command wants the main thread)
        result, error = in_a_thread(lambda: run(str(job.pk)))
        assert error is None and result == "done", error
    [answer] = seen
    assert not isinstance(answer, Exception), answer
    fragment = answer.content.decode()
    assert answer.status_code == 200 and BAR.search(fragment).group(1) == "73"
    assert "73%</strong> · 正在写入变化：第 7 步，共 9 步" in fragment
    if path is None:  # PostgreSQL: the test database itself
        assert ImportJob.objects.get().state == ImportState.DONE
    else:
        with closing(sqlite3.connect(path)) as reader:
            assert reader.execute(f'SELECT state FROM "{ImportJob._meta.db_table}"').fetchall() == [("done",)]


def test_a_failing_import_says_which_file_sheet_row_and_column_and_writes_nothing(admin_client, tmp_path):
    status = confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))["Location"]
    job = ImportJob.objects.get()
    job.file.open("wb").write(anshan_with_two_bad_cells(tmp_path).read_bytes())  # changed after the preview
    run_worker()
    page = admin_client.get(status).content.decode()
    assert "导入失败，未写入任何内容" in page and "hx-trigger" not in page
    for line in BAD_CELLS:  # as the request path words them
        assert line in page
    assert ImportJob.objects.get().error.splitlines() == BAD_CELLS
    assert not Plan.objects.exists() and not Measure.objects.exists()


def test_a_second_import_of_the_plan_is_refused_naming_the_one_under_way(admin_client, settings):
    first, second = (preview(admin_client, ANSHAN, plan_slug="anshan") for _ in range(2))
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))):
        status = confirm(admin_client, first)["Location"]
    refused = confirm(admin_client, second)
    assert refused.status_code == 409
    message = "台账 anshan 已有一项导入排队中：anshan.xlsx（chief 于 2026-12-04 09:30 提交）。同一台账一次只能进行一项导入，请等它完成后再导入。"
    assert message in refused.content.decode()
    settings.LEDGER_IMPORT_JOB_ABOVE = 1000  # nor inside the request
    assert confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan")).status_code == 409
    assert ImportJob.objects.count() == 1 and not Measure.objects.exists()
    other_plan = confirm(admin_client, preview(admin_client, GUANGYUAN, plan_slug="guangyuan", years="2023-2025"))
    assert other_plan.status_code == 302  # another plan is not held up
    run_worker()
    assert admin_client.get(status).status_code == 200 and ImportJob.objects.get().state == ImportState.DONE
    settings.LEDGER_IMPORT_JOB_ABOVE = 10
    again = confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))  # once done, the plan takes the next
    assert STATUS.match(again["Location"]) and again["Location"] != status


def test_two_confirmations_at_the_same_moment_cannot_both_queue(admin_client, monkeypatch):
    """The unique index holds when both pass the check before either is saved."""
    first, second = (preview(admin_client, ANSHAN, plan_slug="anshan") for _ in range(2))
    confirm(admin_client, first)
    checks = []
    real = __import__("jobs.imports", fromlist=["under_way"]).under_way

    def not_seen_the_first_time(slug):
        checks.append(slug)
        return None if len(checks) <= 2 else real(slug)  # the page's check and start_import's: both pass

    monkeypatch.setattr("jobs.imports.under_way", not_seen_the_first_time)
    monkeypatch.setattr("tasks.views.bulk_import.under_way", not_seen_the_first_time)
    refused = confirm(admin_client, second)
    assert refused.status_code == 409 and "台账 anshan 已有一项导入排队中" in refused.content.decode()
    assert ImportJob.objects.count() == 1


def test_only_the_owner_and_superusers_see_an_import(admin_client):
    owner, owner_client = clerk("clerk")
    status = confirm(owner_client, preview(owner_client, ANSHAN, plan_slug="anshan"))["Location"]
    assert ImportJob.objects.get().owner == owner
    assert owner_client.get(status).status_code == 200
    assert admin_client.get(status).status_code == 200  # chief: 管理员, a superuser
    _other, other_client = clerk("clerk2")  # may import too, but this is not theirs
    staff = login("fagui", STAFF, ["政策法规科"])
    for client in (other_client, staff):
        assert client.get(status).status_code == 404
        assert client.get(status, headers={"HX-Request": "true"}).status_code == 404
    assert Client().get(status).status_code == 302  # to the login


def test_a_job_whose_worker_died_is_marked_failed_after_the_stuck_minutes(admin_client, settings):
    settings.LEDGER_JOB_STUCK_MINUTES = 10
    status = confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))["Location"]
    job = ImportJob.objects.get()
    assert "仍在排队" not in admin_client.get(status).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):  # no worker has taken it yet
        assert "仍在排队：请确认后台进程（worker）正在运行" in admin_client.get(status).content.decode()
    # a worker claimed it, compared 50 rows, then died
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, started_at=timezone.now())
    ProgressFile(job.pk)("compare", 50, 75)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=9)):
        page = admin_client.get(status).content.decode()
    assert "正在与台账比对：已比对 50 / 75 条措施" in page and BAR.search(page).group(1) == "38"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        page = admin_client.get(status).content.decode()
    assert "导入失败" in page and "hx-trigger" not in page
    assert "后台进程（worker）已有 10 分钟没有动静" in page and "请重新上传文件导入" in page
    assert ImportJob.objects.get().state == ImportState.FAILED
    again = confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))
    assert STATUS.match(again["Location"])  # the plan is free again


def test_a_live_worker_keeps_beating_during_a_long_step(settings, tmp_path):
    settings.LEDGER_JOB_HEARTBEAT_SECONDS = 0.05
    progress = ProgressFile("beating")
    progress("write", 2, 9)
    written = last_beat("beating")
    with heartbeat(progress):
        threading.Event().wait(0.3)
    assert last_beat("beating") > written


def test_the_status_page_in_english(admin_client):
    status = confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))["Location"]
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(status).content.decode()
    assert "anshan.xlsx: 75 measures, into plan anshan." in page and "Waiting for the background worker" in page
    assert "等待后台进程" not in page and "本页会自动更新" not in page and "项工作措施" not in page
    run_worker()
    page = admin_client.get(status).content.decode()
    assert "Imported" in page and "Plan anshan: 75 measures created, 0 updated" in page and "Import report" in page
    assert "已导入" not in page and "导入报告" not in page


def test_a_long_report_shows_its_first_lines_and_says_how_many_more(admin_client, monkeypatch):
    status = confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))["Location"]
    run_worker()
    lines = ImportJob.objects.get().report.splitlines()
    monkeypatch.setattr("jobs.views.REPORT_SHOWN", 3)
    page = admin_client.get(status).content.decode()
    assert lines[2] in page and lines[3] not in page
    assert f"另有 {len(lines) - 3} 行未在此显示：完整报告见 管理后台 → 后台任务 → 后台导入。" in page


def test_the_admin_lists_background_imports_without_changing_them(admin_client):
    confirm(admin_client, preview(admin_client, ANSHAN, plan_slug="anshan"))
    run_worker()
    job = ImportJob.objects.get()
    page = admin_client.get("/admin/jobs/importjob/").content.decode()
    assert "anshan.xlsx" in page and "已导入" in page
    assert admin_client.post(f"/admin/jobs/importjob/{job.pk}/change/", {"state": "queued"}).status_code == 403
    assert ImportJob.objects.get().state == ImportState.DONE
