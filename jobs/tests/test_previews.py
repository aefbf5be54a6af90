"""Large uploads to the admin's bulk import page (批量导入) are previewed by the real worker: the
upload answers at once with a status page whose bar htmx polls, which ends with the same preview
the request shows for a smaller file (counts, the column table, the changed measures, the
deadlines to look at) and its confirm button, which queues the import of the kept file; the
preview writes nothing; a failing file says which file, sheet, row and column; only the owner
and superusers see or confirm it.

These tests commit (``transaction=True``): the worker runs in autocommit as in production."""

import datetime
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from departments.roles import STAFF
from jobs.import_progress import ProgressFile, job_folder
from jobs.models import ImportJob, ImportKind, ImportState
from jobs.previews import drop_unconfirmed
from tasks.importing.column_table import EXTRA
from tasks.models import Measure, Plan
from tasks.tests.conftest import ANSHAN, FIXTURES
from tasks.tests.helpers import login
from tasks.tests.test_admin_import import BAD_CELLS, anshan_with_two_bad_cells

from .helpers import run_worker
from .test_imports import BAR, BULK_URL, STATUS, clerk, command_report

pytestmark = pytest.mark.django_db(transaction=True)

XIANAN = FIXTURES / "corpus" / "03_xianan_flat_gbk.csv"  # 序号, 工作事项, 责任领导, 牵头单位, 责任单位: 12 measures
#: The parts of the preview a person reads, the same whoever compared the file.
PARTS = {
    "heading": re.compile(r"<h2>预览：.*?</h2>", re.S),
    "columns": re.compile(r'<table class="column-table".*?</table>', re.S),
    "counts": re.compile(r'<p class="bulk-summary".*?</p>', re.S),
    "changes": re.compile(r'<table class="measure-lines bulk-changes">.*?</table>', re.S),
}


@pytest.fixture(autouse=True)
def jobs_above_a_kilobyte(settings):
    settings.LEDGER_PREVIEW_JOB_ABOVE_BYTES = 1024
    settings.LEDGER_IMPORT_JOB_ABOVE = 10


def upload(client, path, **fields):
    with open(path, "rb") as handle:
        return client.post(BULK_URL, {"import_file": handle, **fields})


def started(response):
    assert response.status_code == 302 and STATUS.match(response["Location"]), response.context and response.context.get("errors")
    return response["Location"]


def rows_stored():
    """How many rows each table of the app holds (the jobs' own excepted)."""
    return {
        model._meta.label: model.objects.count()
        for label in ("tasks", "departments", "notices")
        for model in apps.get_app_config(label).get_models()
    }


def parts(page):
    found = {name: pattern.search(page) for name, pattern in PARTS.items()}
    assert all(found.values()), [name for name, match in found.items() if not match]
    return {name: match.group(0) for name, match in found.items()}


def test_a_large_upload_answers_at_once_and_ends_with_the_preview_the_request_shows(admin_client, settings, django_assert_max_num_queries):
    settings.LEDGER_PREVIEW_JOB_ABOVE_BYTES = 10**9
    in_request = upload(admin_client, ANSHAN, plan_slug="anshan").content.decode()
    settings.LEDGER_PREVIEW_JOB_ABOVE_BYTES = 1024
    before = rows_stored()

    status = started(upload(admin_client, ANSHAN, plan_slug="anshan"))
    job = ImportJob.objects.get()
    assert (job.kind, job.state) == (ImportKind.PREVIEW, ImportState.QUEUED) and job.file
    page = admin_client.get(status).content.decode()
    assert "anshan.xlsx：文件较大，由后台进程读取并与台账比对（预览不写入任何内容）" in page
    assert BAR.search(page).group(1) == "0" and "等待后台进程开始预览" in page and "hx-trigger" in page

    run_worker()

    with django_assert_max_num_queries(4):
        page = admin_client.get(status).content.decode()
    assert "hx-trigger" not in page and 'value="确认导入"' in page
    assert parts(page) == parts(in_request)
    assert "新增 <span class=\"bulk-new\">75</span>" in page
    assert rows_stored() == before  # the preview wrote nothing
    job.refresh_from_db()
    assert (job.state, job.plan_slug, job.measures) == (ImportState.DONE, "anshan", 75) and job.file

    confirmed = admin_client.post(BULK_URL, {"preview_job": str(job.pk)})
    import_status = started(confirmed)
    assert import_status != status and rows_stored() == before  # queued, not imported in the request
    job.refresh_from_db()
    assert not job.file  # the import has its own copy
    assert "此预览的文件已确认导入" in admin_client.get(status).content.decode()
    again = admin_client.post(BULK_URL, {"preview_job": str(job.pk)})
    assert again.status_code == 400 and "请重新上传文件" in again.content.decode()

    run_worker()

    imported = ImportJob.objects.get(kind=ImportKind.IMPORT)
    assert imported.state == ImportState.DONE and Measure.objects.count() == 75
    page = admin_client.get(import_status).content.decode()
    assert "台账 anshan 新增 75 条措施，更新 0 条" in page
    call_command("flush", interactive=False)  # the same file into a fresh database, by the command line
    assert imported.report.splitlines() == command_report(ANSHAN, "--plan", "anshan")


def test_choosing_another_column_previews_the_kept_file_again_as_a_job(admin_client, settings):
    settings.LEDGER_PREVIEW_JOB_ABOVE_BYTES = 100
    status = started(upload(admin_client, XIANAN, plan_slug="xianan"))
    run_worker()
    page = admin_client.get(status).content.decode()
    assert "文件较大：按新的列映射重新读取时，由后台进程重新预览" in page
    first = ImportJob.objects.get()
    fields = {"preview_job": str(first.pk), "columns_as_read": first.preview["columns_as_read"], "reread": "1"}

    second = started(admin_client.post(BULK_URL, {**fields, "column_3": EXTRA}))
    run_worker()
    page = admin_client.get(second).content.decode()
    assert re.search(r'<tr class="column-3 column-by-hand">.*?按列映射保留为其他列', page, re.S)
    job = ImportJob.objects.get(pk=second.split("/")[2])
    assert job.preview["column_map_used"] == {"责任领导": "extra"} and job.preview["counts"]["new"] == 12
    assert not Plan.objects.exists()

    started(admin_client.post(BULK_URL, {"preview_job": str(job.pk)}))
    run_worker()
    plan = Plan.objects.get(slug="xianan")
    assert plan.column_map == {"责任领导": "extra"}  # remembered, as the request path does
    assert Measure.objects.get(item__task__section__plan=plan, number=1).extra == {"责任领导": "杜新国"}


def test_a_failing_preview_says_which_file_sheet_row_and_column_and_writes_nothing(admin_client, tmp_path):
    before = rows_stored()
    status = started(upload(admin_client, anshan_with_two_bad_cells(tmp_path), plan_slug="anshan"))
    run_worker()
    page = admin_client.get(status).content.decode()
    assert "文件未通过检查，未写入任何内容" in page and "hx-trigger" not in page and 'value="确认导入"' not in page
    for line in BAD_CELLS:  # as the request path words them
        assert line in page
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED and not job.file
    assert rows_stored() == before


def test_the_bar_of_a_running_preview(admin_client):
    status = started(upload(admin_client, ANSHAN, plan_slug="anshan"))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING)
    ProgressFile(job.pk)("read")
    assert "正在读取文件" in admin_client.get(status).content.decode()
    ProgressFile(job.pk)("compare", 50, 75)
    fragment = admin_client.get(status, headers={"HX-Request": "true"}).content.decode()
    assert BAR.search(fragment).group(1) == "96" and "正在与台账比对：已比对 50 / 75 条措施" in fragment


def test_only_the_owner_and_superusers_see_or_confirm_a_preview(admin_client):
    owner, owner_client = clerk("clerk")
    status = started(upload(owner_client, ANSHAN, plan_slug="anshan"))
    run_worker()
    job = ImportJob.objects.get()
    assert job.owner == owner and owner_client.get(status).status_code == 200
    assert admin_client.get(status).status_code == 200  # chief: 管理员, a superuser
    _other, other_client = clerk("clerk2")  # may import too, but this preview is not theirs
    staff = login("fagui", STAFF, ["政策法规科"])
    for client in (other_client, staff):
        assert client.get(status).status_code == 404
        assert client.get(status, headers={"HX-Request": "true"}).status_code == 404
    assert other_client.post(BULK_URL, {"preview_job": str(job.pk)}).status_code == 404
    assert other_client.post(BULK_URL, {"preview_job": "not-an-id"}).status_code == 404
    assert staff.post(BULK_URL, {"preview_job": str(job.pk)})["Location"].startswith("/admin/login/")  # not the admin site
    assert Client().get(status).status_code == 302  # to the login
    assert ImportJob.objects.count() == 1 and ImportJob.objects.get().file  # nothing queued, the upload kept


def test_the_preview_page_in_english(admin_client):
    status = started(upload(admin_client, ANSHAN, plan_slug="anshan"))
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(status).content.decode()
    assert "anshan.xlsx: a large file, read and compared with the plan by the background worker" in page
    assert "Waiting for the background worker to start the preview" in page and "Background preview" in page
    assert "等待后台进程" not in page and "文件较大" not in page
    run_worker()
    page = admin_client.get(status).content.decode()
    assert 'value="Confirm import"' in page and "read again with other columns, it is previewed again" in page
    admin_client.post(BULK_URL, {"preview_job": str(ImportJob.objects.get().pk)})
    assert "This preview's file has been confirmed for import" in admin_client.get(status).content.decode()


def test_the_daily_run_drops_the_uploads_of_previews_never_confirmed(admin_client):
    started(upload(admin_client, ANSHAN, plan_slug="anshan"))
    run_worker()
    job = ImportJob.objects.get()
    assert drop_unconfirmed() == 0 and ImportJob.objects.get().file  # today's is kept for its owner
    assert drop_unconfirmed(now=job.finished_at + datetime.timedelta(days=1, minutes=1)) == 1
    assert not ImportJob.objects.get().file and not job_folder(job.pk).exists()
    refused = admin_client.post(BULK_URL, {"preview_job": str(job.pk)})
    assert refused.status_code == 400 and not ImportJob.objects.filter(kind=ImportKind.IMPORT).exists()


def test_confirming_a_preview_while_an_import_of_the_plan_is_under_way_is_refused_and_keeps_it(admin_client, settings):
    settings.LEDGER_PREVIEW_JOB_ABOVE_BYTES = 10**9
    with open(ANSHAN, "rb") as handle:
        in_request = admin_client.post(BULK_URL, {"import_file": handle, "plan_slug": "anshan"})
    form = in_request.context["confirm_form"]
    started(admin_client.post(BULK_URL, {name: form.initial.get(name, "") for name in form.fields}))  # queued
    settings.LEDGER_PREVIEW_JOB_ABOVE_BYTES = 1024
    status = started(upload(admin_client, ANSHAN, plan_slug="anshan"))
    run_worker()  # the queued import, then the preview (which compares with what the import wrote)
    job = ImportJob.objects.get(kind=ImportKind.PREVIEW)
    assert job.preview["counts"]["skip"] == 75
    ImportJob.objects.filter(kind=ImportKind.IMPORT).update(state=ImportState.QUEUED)  # as if another were waiting
    refused = admin_client.post(BULK_URL, {"preview_job": str(job.pk)})
    assert refused.status_code == 409 and "台账 anshan 已有一项导入排队中" in refused.content.decode()
    assert ImportJob.objects.get(pk=job.pk).file and 'value="确认导入"' in admin_client.get(status).content.decode()
