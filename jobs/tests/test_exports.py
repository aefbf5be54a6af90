"""Large plan exports built by the real worker: the page answers at once with a status page that
becomes the download; only the person who asked may fetch it; a failed build says why there.

These tests commit (``transaction=True``): the worker runs in autocommit as in production."""

import csv
import io
import re

import pytest
import time_machine
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from departments.roles import STAFF, SUPERVISOR
from jobs.models import Export, ExportState
from tasks.models import Measure
from tasks.tests.helpers import login

from .helpers import EARLY, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

STATUS = re.compile(r"^/exports/[0-9a-f-]{36}/$")


@pytest.fixture(autouse=True)
def background_above_ten_measures(settings):
    settings.LEDGER_EXPORT_BACKGROUND_ABOVE = 10


def rows_of(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_a_large_export_is_built_by_the_worker_and_fetched_by_its_owner_only(anshan, django_assert_max_num_queries):
    fagui = login("fagui", STAFF, ["政策法规科"])
    renfang = login("renfang", STAFF, ["人防管理科"])
    chief = login("chief", SUPERVISOR)
    with time_machine.travel(EARLY, tick=True):
        response = fagui.get("/plans/anshan/export/?format=csv&year=2024")
        assert response.status_code == 302 and STATUS.match(response["Location"])
        status = response["Location"]
        page = fagui.get(status).content.decode()
        assert "正在生成" in page and "62 项工作措施，CSV 格式" in page
        assert 'hx-get="%s" hx-trigger="every 2s"' % status in page
        fragment = fagui.get(status, headers={"HX-Request": "true"}).content.decode()
        assert fragment.startswith('<div id="export-state"') and "<html" not in fragment
        assert fagui.get(status + "download/").status_code == 404  # not built yet
        assert fagui.get("/plans/anshan/export/?format=csv&year=2024")["Location"] == status  # the same build
        run_worker()
    with django_assert_max_num_queries(5):  # 4, and the user's role (the top bar's 待审核 entry is for supervisors)
        page = fagui.get(status).content.decode()
    assert "已生成" in page and f'href="{status}download/"' in page and "hx-trigger" not in page
    download = fagui.get(status + "download/")
    assert 'filename="anshan-2024.csv"' in download["Content-Disposition"]
    rows = rows_of(download)
    assert len(rows) == 62
    theirs = set(Measure.objects.filter(departments__name="政策法规科").values_list("text", flat=True))
    assert {row["工作措施"] for row in rows} == theirs
    for other in (renfang, chief):  # nobody else gets another's export, however they got its address
        assert other.get(status).status_code == 404
        assert other.get(status + "download/").status_code == 404
    assert Export.objects.get().state == ExportState.READY


def test_a_small_export_is_still_downloaded_at_once(anshan):
    renfang = login("renfang", STAFF, ["人防管理科"])
    response = renfang.get("/plans/anshan/export/?format=csv&year=2024")
    assert response.status_code == 200 and len(rows_of(response)) == 5
    assert not Export.objects.exists() and not DBTaskResult.objects.exists()


def test_a_failed_export_says_why_on_its_status_page(anshan, monkeypatch):
    fagui = login("fagui", STAFF, ["政策法规科"])

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("jobs.exports.write_plan_export", disk_full)
    with time_machine.travel(EARLY, tick=True):
        status = fagui.get("/plans/anshan/export/?format=xlsx")["Location"]
        run_worker()
    page = fagui.get(status).content.decode()
    assert "导出失败" in page
    assert "导出文件未能写入服务器（No space left on device）。请稍后重新导出；如仍失败，请联系系统管理员检查磁盘空间。" in page
    assert "hx-trigger" not in page and fagui.get(status + "download/").status_code == 404
    [job] = DBTaskResult.objects.filter(task_path="jobs.exports.build_export")
    assert job.status == TaskResultStatus.FAILED
    assert fagui.get("/plans/anshan/export/?format=xlsx")["Location"] != status  # asking again starts a new build


def test_the_admin_lists_background_exports_without_changing_them(anshan, admin_client):
    fagui = login("fagui", STAFF, ["政策法规科"])
    with time_machine.travel(EARLY, tick=True):
        fagui.get("/plans/anshan/export/?format=json")
        run_worker()
    export = Export.objects.get()
    page = admin_client.get("/admin/jobs/export/").content.decode()
    assert "anshan-2024.json" in page and "已生成" in page
    assert admin_client.post(f"/admin/jobs/export/{export.pk}/change/", {"state": "queued"}).status_code == 403
    assert Export.objects.get().state == ExportState.READY
