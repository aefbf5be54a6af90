"""The evaluation report built by the real worker (``jobs.reports``): a report of more measures than
``LEDGER_EXPORT_BACKGROUND_ABOVE`` answers at once with the export status page, the worker writes
the .docx (the figures of /api/summary/ for the same scope), and only the person who asked fetches
it; asking again for the same scope gets the same build, another scope a new one; a failure says why.

These tests commit (``transaction=True``): the worker runs in autocommit as in production."""

import io
import re

import docx
import pytest
import time_machine
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from departments.roles import ADMIN, STAFF, SUPERVISOR
from jobs.models import Export, ExportState
from tasks.tests.helpers import login
from tasks.tests.test_evaluation_report import rows, table_after

from .helpers import EARLY, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

STATUS = re.compile(r"^/exports/[0-9a-f-]{36}/$")
REPORT = "/plans/anshan/report/?year=2024&as_of=2024-12-01"


@pytest.fixture(autouse=True)
def background_above_ten_measures(settings):
    settings.LEDGER_EXPORT_BACKGROUND_ABOVE = 10


def test_a_large_report_is_built_by_the_worker_with_the_summarys_figures(anshan, django_assert_max_num_queries):
    chief = login("chief", SUPERVISOR)
    with time_machine.travel(EARLY, tick=True):
        response = chief.get(REPORT)
        assert response.status_code == 302 and STATUS.match(response["Location"])
        status = response["Location"]
        page = chief.get(status).content.decode()
        assert "正在生成" in page and "75 项工作措施，DOCX 格式" in page
        assert chief.get(REPORT)["Location"] == status  # the same build while it waits
        other_scope = chief.get(REPORT + "&department=政策法规科")["Location"]
        assert other_scope != status
        run_worker()
        summary = chief.get("/api/summary/?plan=anshan&year=2024&as_of=2024-12-01").json()
    with django_assert_max_num_queries(6):  # 4, and the top bar's 待审核 entry: the user's role and the queue's count
        page = chief.get(status).content.decode()
    assert "已生成" in page and f'href="{status}download/"' in page
    download = chief.get(status + "download/")
    assert "anshan-2024-%E8%AF%84%E4%BC%B0%E6%80%BB%E7%BB%93%E6%8A%A5%E5%91%8A.docx" in download["Content-Disposition"]  # 评估总结报告
    document = docx.Document(io.BytesIO(b"".join(download.streaming_content)))
    figures = dict(rows(table_after(document, "一、总体情况")))
    assert (figures["工作措施总数"], figures["已完成"], figures["逾期措施"], figures["逾期节点"]) == (
        str(summary["measures"]), str(summary["done"]), str(summary["overdue_measures"]), str(summary["overdue_milestones"])
    ) == ("75", "37", "17", "19")
    department = docx.Document(io.BytesIO(b"".join(chief.get(other_scope + "download/").streaming_content)))
    assert dict(rows(table_after(department, "一、总体情况")))["工作措施总数"] == "62"
    assert set(Export.objects.values_list("state", flat=True)) == {ExportState.READY}
    jobs = DBTaskResult.objects.filter(task_path="jobs.reports.build_report")
    assert list(jobs.values_list("status", flat=True)) == [TaskResultStatus.SUCCESSFUL] * 2
    for other in (login("deputy", SUPERVISOR), login("root", ADMIN)):  # nobody else fetches another's report
        assert other.get(status).status_code == 404 and other.get(status + "download/").status_code == 404


def test_staff_get_no_report_and_no_job(anshan):
    fagui = login("fagui", STAFF, ["政策法规科"])
    assert fagui.get(REPORT).status_code == 403
    assert not Export.objects.exists() and not DBTaskResult.objects.exists()


def test_a_missing_template_fails_the_build_with_its_path_on_the_status_page(anshan, settings, tmp_path):
    settings.EVALUATION_REPORT_TEMPLATE = str(tmp_path / "gone.docx")
    chief = login("chief", SUPERVISOR)
    with time_machine.travel(EARLY, tick=True):
        status = chief.get(REPORT)["Location"]
        run_worker()
    page = chief.get(status).content.decode()
    assert "导出失败" in page and "gone.docx" in page
    assert chief.get(status + "download/").status_code == 404
    assert DBTaskResult.objects.get(task_path="jobs.reports.build_report").status == TaskResultStatus.FAILED
