"""The evaluation report (评估总结报告): a .docx holding the dashboard's figures for the same scope,
completion by section and department with charts, overdue and extended measures, measures done
with evidence counts, the writer's sections; PDF through LibreOffice; supervisors and admins only."""

import datetime
import io

import docx
import docx.table
import pytest
import time_machine
from django.core.management import CommandError, call_command

from departments.roles import ADMIN, STAFF, SUPERVISOR, create_account
from tasks.choices import MilestoneKind
from tasks.ledgerfiles import libreoffice
from tasks.models import Milestone
from tasks.workflow.review import decide_extension, request_extension
from tasks.tests.helpers import PDF_BYTES, login, measures_of, upload
from tasks.tests.test_ledger_formats import require_soffice

pytestmark = pytest.mark.django_db

#: The day the figures are judged on in these tests (as_of defaults to today).
TODAY = datetime.date(2024, 12, 1)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2024, 12, 1, 10, 0), tick=False):
        yield


@pytest.fixture
def chief(anshan):
    return login("chief", SUPERVISOR)


def opened(response):
    assert response.status_code == 200
    return docx.Document(io.BytesIO(response.content))


def rows(table):
    return [[cell.text for cell in row.cells] for row in table.rows[1:]]


def table_after(document, heading):
    """The first table after the paragraph whose text is ``heading``."""
    found = False
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            if found:
                return block
        elif block.text == heading:
            found = True
    raise AssertionError(f"no table after {heading!r}")


def test_the_report_holds_the_figures_of_the_summary_for_the_same_scope(chief):
    document = opened(chief.get("/plans/anshan/report/"))
    summary = chief.get("/api/summary/?plan=anshan").json()
    figures = dict(rows(table_after(document, "一、总体情况")))
    assert figures == {
        "工作措施总数": "75", "已完成": "37", "进行中": "0", "未开始": "38", "持续推进": "0",
        "逾期措施": "17", "逾期节点": "19", "即将到期措施": "8", "待审核": "0", "完成率": "49.3%",
    }
    assert (summary["measures"], summary["done"], summary["overdue_measures"], summary["overdue_milestones"]) == (75, 37, 17, 19)
    assert summary["due_soon_measures"] == 8 and summary["completion_rate"] == 0.4933
    sections = rows(table_after(document, "二、分部分完成情况"))
    assert len(sections) == 6
    assert sections[:2] == [
        ["1", "一、全面提升行政执法人员能力素质", "30", "15", "50.0%", "9"],
        ["2", "二、全面推进严格规范公正文明执法", "14", "8", "57.1%", "4"],
    ]
    departments = {row[1]: row[2:5] for row in rows(table_after(document, "三、分部门完成情况"))}
    assert departments == {"机关党总支": ["9", "7", "77.8%"], "政策法规科": ["62", "31", "50.0%"], "人防管理科": ["5", "0", "0.0%"]}
    assert len(rows(table_after(document, "（一）逾期的工作措施"))) == 17
    assert len(rows(table_after(document, "五、已完成的工作措施"))) == 37
    text = "\n".join(p.text for p in document.paragraphs)
    for heading in ("六、主要做法和成效", "七、存在的问题和不足", "八、下一步工作打算"):
        assert heading in text
    assert "2024 年度共 75 项工作措施，已完成 37 项，完成率 49.3%" in text
    assert "17 项措施逾期（逾期节点 19 个）" in text
    assert document.paragraphs[0].text.startswith("鞍山市国动办提升行政执法质量三年行动工作方案")
    assert "2024 年度评估总结报告（全部部门）" in text


def test_the_charts_are_pictures_with_their_figures_as_alternative_text(chief):
    document = opened(chief.get("/plans/anshan/report/"))
    pictures = document.inline_shapes
    assert len(pictures) == 2
    descriptions = [shape._inline.docPr.get("descr") for shape in pictures]
    assert descriptions[0].startswith("各部分完成率：") and "50.0%" in descriptions[0]
    assert "机关党总支 77.8%" in descriptions[1]
    blobs = [part.blob for part in document.part.package.parts if part.partname.endswith(".png")]
    assert len(blobs) == 2 and all(blob.startswith(b"\x89PNG") for blob in blobs)


def test_a_department_report_has_that_departments_figures_and_name(chief):
    response = chief.get("/plans/anshan/report/?department=人防管理科")
    assert "%E4%BA%BA%E9%98%B2%E7%AE%A1%E7%90%86%E7%A7%91" in response["Content-Disposition"]  # 人防管理科
    document = opened(response)
    figures = dict(rows(table_after(document, "一、总体情况")))
    assert (figures["工作措施总数"], figures["已完成"], figures["逾期措施"]) == ("5", "0", "1")
    assert "本年度还没有已完成的工作措施。" in [p.text for p in document.paragraphs]


def test_extensions_with_their_reasons_and_evidence_counts_are_listed(chief):
    staff = login("fagui", STAFF, ["政策法规科"])
    measure = next(m for m in measures_of("政策法规科") if Milestone.objects.filter(deadline__measure=m, deadline__year=2024, kind=MilestoneKind.DATE).exists())
    milestone = Milestone.objects.filter(deadline__measure=measure, deadline__year=2024, kind=MilestoneKind.DATE).first()
    asked = request_extension(milestone, user=create_account("asker", STAFF, departments=["政策法规科"])[0], new_date=milestone.date + datetime.timedelta(days=45), reason="上级文件调整时间")
    decide_extension(asked, user=create_account("boss", SUPERVISOR)[0], approve=True, note="同意")
    undone = next(m for m in measures_of("政策法规科") if not m.progress.filter(year=2024).exists())
    response = staff.post(
        f"/measures/{undone.pk}/progress/2024/",
        {"2024-status": "done", "2024-note": "已印发制度", "2024-done_on": "2024-11-20", "2024-version": "", "2024-confirm_done": "1", "2024-evidence": [upload("制度.pdf", PDF_BYTES)]},
    )
    assert response.status_code == 302
    document = opened(chief.get("/plans/anshan/report/"))
    extended = rows(table_after(document, "（二）批准延期的工作措施"))
    assert [row[1:] for row in extended] == [[f"{milestone.date:%Y-%m-%d}", f"{milestone.date + datetime.timedelta(days=45):%Y-%m-%d}", "上级文件调整时间", "同意"]]
    done = {row[0]: row[2:] for row in rows(table_after(document, "五、已完成的工作措施"))}
    assert len(done) == 38
    assert next(value for label, value in done.items() if undone.text in label) == ["2024-11-20", "已印发制度", "1"]


def test_staff_cannot_generate_the_report(anshan):
    staff = login("fagui", STAFF, ["政策法规科"])
    assert staff.get("/plans/anshan/report/").status_code == 403
    assert login("root", ADMIN).get("/plans/anshan/report/").status_code == 200


def test_an_admin_replaces_the_template_and_its_placeholders_are_filled(chief, settings, tmp_path):
    template = docx.Document()
    template.add_paragraph("鞍山市国动办文件 {year} 年度 {scope}")
    path = tmp_path / "mine.docx"
    template.save(path)
    settings.EVALUATION_REPORT_TEMPLATE = path
    document = opened(chief.get("/plans/anshan/report/?year=2023"))
    assert document.paragraphs[0].text == "鞍山市国动办文件 2023 年度 全部部门"
    settings.EVALUATION_REPORT_TEMPLATE = tmp_path / "missing.docx"
    missing = chief.get("/plans/anshan/report/")
    assert missing.status_code == 503
    assert "missing.docx" in missing.content.decode()


def test_the_command_writes_the_report_for_a_supervisor_account(anshan, tmp_path):
    create_account("chief", SUPERVISOR)
    output = tmp_path / "report.docx"
    call_command("evaluation_report", "--plan", "anshan", "--user", "chief", "--year", "2024", "-o", str(output))
    figures = dict(rows(table_after(docx.Document(output), "一、总体情况")))
    assert figures["已完成"] == "37"
    create_account("fagui", STAFF, departments=["政策法规科"])
    with pytest.raises(CommandError, match="not a supervisor or admin"):
        call_command("evaluation_report", "--plan", "anshan", "--user", "fagui", "-o", str(output))


def test_libreoffice_converts_the_report_to_pdf(chief):
    require_soffice()
    response = chief.get("/plans/anshan/report/?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_without_libreoffice_the_pdf_is_refused_with_a_message(chief, monkeypatch):
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    response = chief.get("/plans/anshan/report/?format=pdf")
    assert response.status_code == 503
    assert "LibreOffice" in response.content.decode()
