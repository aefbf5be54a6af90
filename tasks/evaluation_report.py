"""The evaluation report (评估总结报告) of a plan, year and optionally department, as an editable .docx.

The document starts from ``settings.EVALUATION_REPORT_TEMPLATE``, a Word file an admin may
replace: its styles, page setup, header and footer are the report's, and its opening text is
kept with the placeholders ``{plan}``, ``{year}``, ``{scope}``, ``{issuing_body}``,
``{document_number}``, ``{as_of}`` and ``{date}`` filled in. Then come, with the figures of the
dashboard for the same scope (``tasks.dashboard.breakdowns``, what ``/api/summary/`` gives):

一、总体情况 — the figures; 二、分部分完成情况 and 三、分部门完成情况 — tables and a bar chart
(PNG drawn here with Pillow); 四、逾期和延期的工作措施 — overdue measures with the note of the
year (their explanation), and the approved extensions with their reasons; 五、已完成的工作措施
— with notes and evidence counts; then the headed sections the writer fills in, each opening
with the figures it is about.

``report_pdf`` converts the .docx through LibreOffice when it is installed.
"""

import io
import re
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm
from PIL import Image, ImageDraw, ImageFont

from departments.models import Department

from .choices import ProgressStatus
from .dashboard import breakdowns
from .filtersets import is_id
from .ledgerfiles.errors import LedgerError
from .ledgerfiles.libreoffice import convert, soffice
from .models import ExtensionDecision, Measure, MeasureUnit, Progress
from .standing import overdue_milestones

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
PLACEHOLDER = re.compile(r"\{(plan|year|scope|issuing_body|document_number|as_of|date)\}")

#: The sections the writer fills in: heading, and what the opening sentence puts in place.
WRITER_SECTIONS = (
    (gettext_lazy("六、主要做法和成效"), "done"),
    (gettext_lazy("七、存在的问题和不足"), "open"),
    (gettext_lazy("八、下一步工作打算"), "next"),
)


class ReportError(Exception):
    """The report cannot be made as asked (no template, no LibreOffice for PDF); the message says why."""


def department_name(scope):
    """The name of the scope's department (given by id or name), empty for every department."""
    if not scope.department:
        return ""
    if is_id(scope.department):
        return Department.objects.filter(pk=int(scope.department)).values_list("name", flat=True).first() or ""
    return scope.department


def percent(rate):
    return f"{rate * 100:.1f}%"


def scope_label(scope):
    return department_name(scope) or _("全部部门")


def open_template():
    path = Path(settings.EVALUATION_REPORT_TEMPLATE)
    if not path.is_file():
        raise ReportError(_("评估报告模板“%(path)s”不存在：请在设置 EVALUATION_REPORT_TEMPLATE 中指定 .docx 文件。") % {"path": path})
    try:
        return Document(str(path))
    except Exception as error:  # python-docx raises several kinds for a file that is not a .docx
        raise ReportError(_("评估报告模板“%(path)s”不是可读取的 .docx 文件：%(error)s") % {"path": path, "error": error}) from error


def fill_placeholders(document, values):
    """Replace ``{name}`` in the template's paragraphs (body, tables, header, footer), keeping the first run's format."""
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    for section in document.sections:
        paragraphs += list(section.header.paragraphs) + list(section.footer.paragraphs)
    for paragraph in paragraphs:
        text = paragraph.text
        if not PLACEHOLDER.search(text) or not paragraph.runs:
            continue
        paragraph.runs[0].text = PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)
        for run in paragraph.runs[1:]:
            run.text = ""


def style_or_none(document, name):
    try:
        return document.styles[name]
    except KeyError:
        return None


def heading(document, text, level=1):
    if style_or_none(document, f"Heading {level}") is not None:
        return document.add_heading(text, level=level)
    paragraph = document.add_paragraph()
    paragraph.add_run(text).bold = True
    return paragraph


def table(document, header, rows, widths=None):
    """A table with a header row; the template's "Table Grid" style when it has one."""
    grid = document.add_table(rows=1, cols=len(header))
    if style_or_none(document, "Table Grid") is not None:
        grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    for row in rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = str(value)
    if widths:
        for row in grid.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = Cm(width)
    return grid


FIGURE_LABELS = (
    ("measures", gettext_lazy("工作措施总数")),
    ("done", gettext_lazy("已完成")),
    ("in_progress", gettext_lazy("进行中")),
    ("not_started", gettext_lazy("未开始")),
    ("ongoing", gettext_lazy("持续推进")),
    ("overdue_measures", gettext_lazy("逾期措施")),
    ("overdue_milestones", gettext_lazy("逾期节点")),
    ("due_soon_measures", gettext_lazy("即将到期措施")),
    ("awaiting_review", gettext_lazy("待审核")),
)


def figure_rows(figures):
    rows = [(str(label), figures[key]) for key, label in FIGURE_LABELS]
    rows.append((_("完成率"), percent(figures["completion_rate"])))
    return rows


def chart_font(size):
    for path in settings.REPORT_CHART_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size), False


def completion_chart(rows):
    """A horizontal bar chart of completion rates, as PNG bytes. ``rows``: ``(label, done, measures, rate)``.

    Without a font that has Chinese, bars are labelled by their row number in the table above.
    """
    font, has_chinese = chart_font(22)
    label_width, bar_width, row_height, margin = 360, 520, 40, 16
    height = margin * 2 + row_height * max(len(rows), 1)
    image = Image.new("RGB", (label_width + bar_width + 170, height), "white")
    draw = ImageDraw.Draw(image)
    for index, (label, done, measures, rate) in enumerate(rows):
        top = margin + index * row_height
        name = label if has_chinese else str(index + 1)
        if draw.textlength(name, font=font) > label_width - 12:
            while name and draw.textlength(name + "…", font=font) > label_width - 12:
                name = name[:-1]
            name += "…"
        draw.text((8, top + 6), name, fill="#222222", font=font)
        draw.rectangle([label_width, top + 6, label_width + bar_width, top + row_height - 6], outline="#bbbbbb", fill="#f2f2f2")
        if rate:
            draw.rectangle([label_width, top + 6, label_width + round(bar_width * rate), top + row_height - 6], fill="#2e7d32")
        draw.text((label_width + bar_width + 10, top + 6), f"{percent(rate)} ({done}/{measures})", fill="#222222", font=font)
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def add_chart(document, rows, description):
    """The chart, centred, with ``description`` as its alternative text (screen readers, Word's 替换文字)."""
    if not rows:
        return
    picture = document.add_picture(io.BytesIO(completion_chart(rows)), width=Cm(15.5))
    picture._inline.docPr.set("descr", description)
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def chart_description(title, rows):
    return f"{title}：" + "；".join(f"{label} {percent(rate)}" for label, _done, _measures, rate in rows)


def section_label(section):
    number = section["section_number"]
    title = section["section_title"]
    return f"{number}、{title}" if number else (title or _("（未分部分）"))


def plan_order(prefix=""):
    return [prefix + name for name in ("item__task__section__order", "item__task__order", "item__order", "number", "pk")]


def measure_label(measure):
    task, item = measure.item.task, measure.item
    return f"{task.label or task.number}.{item.label or f'({item.number})'}{measure.label or measure.number} {measure.text}"


def units_text(measure):
    return "、".join(unit.department.name for unit in measure.units.all())


def overdue_rows(scope, measures):
    """Overdue milestones of the year, one row per measure: the dates, status and the year's note."""
    milestones = (
        overdue_milestones(scope.as_of, scope.year)
        .filter(deadline__measure__in=measures.values("pk"))
        .order_by("date", "pk")
        .values_list("deadline__measure_id", "date")
    )
    dates = {}
    for measure_id, date in milestones:
        dates.setdefault(measure_id, []).append(date)
    if not dates:
        return []
    progress = {
        p.measure_id: p for p in Progress.objects.filter(measure__in=list(dates), year=scope.year)
    }
    rows = []
    listed = Measure.objects.filter(pk__in=list(dates)).select_related("item__task").prefetch_related(Prefetch("units", queryset=units_queryset()))
    for measure in listed.order_by(*plan_order()):
        report_row = progress.get(measure.pk)
        status = report_row.get_status_display() if report_row else _("未填报")
        reason = (report_row.note if report_row else "") or _("（未说明）")
        rows.append(
            (measure_label(measure), units_text(measure), "、".join(f"{d:%Y-%m-%d}" for d in dates[measure.pk]), status, reason)
        )
    return rows


def units_queryset():
    return MeasureUnit.objects.select_related("department").order_by("role", "order")


def extension_rows(scope, measures):
    """Approved extensions of the year: the milestone's first and new date, and why."""
    decisions = (
        ExtensionDecision.objects.filter(approved=True, request__year=scope.year, request__measure__in=measures.values("pk"))
        .select_related("request__measure__item__task")
        .order_by("request__old_date", "pk")
    )
    return [
        (
            measure_label(decision.request.measure),
            f"{decision.request.old_date:%Y-%m-%d}",
            f"{decision.request.new_date:%Y-%m-%d}",
            decision.request.reason,
            decision.note,
        )
        for decision in decisions
    ]


def done_rows(scope, measures):
    """Measures done in the year with the note and the number of evidence files."""
    done = (
        Progress.objects.filter(measure__in=measures.values("pk"), year=scope.year, status=ProgressStatus.DONE)
        .annotate(evidence_count=Count("evidence"))
        .select_related("measure__item__task")
        .prefetch_related(Prefetch("measure__units", queryset=units_queryset()))
        .order_by(*plan_order("measure__"))
    )
    return [
        (
            measure_label(p.measure),
            units_text(p.measure),
            f"{p.done_on:%Y-%m-%d}" if p.done_on else "—",
            p.note or "—",
            p.evidence_count,
        )
        for p in done
    ]


def writer_opening(kind, figures, year):
    if kind == "done":
        return _("%(year)s 年度共 %(measures)s 项工作措施，已完成 %(done)s 项，完成率 %(rate)s；持续推进 %(ongoing)s 项。") % {
            "year": year, "measures": figures["measures"], "done": figures["done"],
            "rate": percent(figures["completion_rate"]), "ongoing": figures["ongoing"],
        }
    if kind == "open":
        return _("尚有 %(in_progress)s 项进行中、%(not_started)s 项未开始，%(overdue)s 项措施逾期（逾期节点 %(milestones)s 个）。") % {
            "in_progress": figures["in_progress"], "not_started": figures["not_started"],
            "overdue": figures["overdue_measures"], "milestones": figures["overdue_milestones"],
        }
    return _("未来 30 天内到期的措施 %(soon)s 项，待审核的完成报告 %(review)s 项。") % {
        "soon": figures["due_soon_measures"], "review": figures["awaiting_review"]
    }


def build_report(user, scope):
    """The report as a python-docx ``Document`` for ``user``'s view of ``scope`` (a ``tasks.dashboard.Scope``)."""
    plan = scope.plan
    data = breakdowns(user, scope)
    figures = data["figures"]
    measures = scope.measures(user)
    document = open_template()
    fill_placeholders(
        document,
        {
            "plan": plan.title,
            "year": scope.year,
            "scope": scope_label(scope),
            "issuing_body": plan.issuing_body,
            "document_number": plan.document_number,
            "as_of": f"{scope.as_of:%Y年%m月%d日}",
            "date": f"{timezone.localdate():%Y年%m月%d日}",
        },
    )
    heading(document, _("一、总体情况"))
    document.add_paragraph(
        _("统计范围：%(plan)s，%(year)s 年度，%(scope)s；逾期截至 %(as_of)s 判定。")
        % {"plan": plan.title, "year": scope.year, "scope": scope_label(scope), "as_of": f"{scope.as_of:%Y-%m-%d}"}
    )
    table(document, [_("指标"), _("数值")], figure_rows(figures), widths=[6, 4])

    heading(document, _("二、分部分完成情况"))
    sections = [(section_label(s), s["done"], s["measures"], s["completion_rate"]) for s in data["sections"]]
    table(document, ["#", _("部分"), _("措施数"), _("已完成"), _("完成率"), _("逾期措施")], [
        (i + 1, label, s["measures"], s["done"], percent(s["completion_rate"]), s["overdue_measures"])
        for i, ((label, *_rest), s) in enumerate(zip(sections, data["sections"]))
    ])
    add_chart(document, sections, chart_description(_("各部分完成率"), sections))

    heading(document, _("三、分部门完成情况"))
    departments = sorted(figures["departments"], key=lambda row: (-row["completion_rate"], row["department"]))
    table(document, ["#", _("部门"), _("措施数"), _("已完成"), _("完成率"), _("逾期措施")], [
        (i + 1, d["department"], d["measures"], d["done"], percent(d["completion_rate"]), d["overdue_measures"])
        for i, d in enumerate(departments)
    ])
    department_rows = [(d["department"], d["done"], d["measures"], d["completion_rate"]) for d in departments]
    add_chart(document, department_rows, chart_description(_("各部门完成率"), department_rows))

    heading(document, _("四、逾期和延期的工作措施"))
    heading(document, _("（一）逾期的工作措施"), level=2)
    overdue = overdue_rows(scope, measures)
    if overdue:
        table(document, [_("工作措施"), _("责任单位"), _("逾期节点"), _("状态"), _("情况说明")], overdue)
    else:
        document.add_paragraph(_("截至 %(date)s 没有逾期的工作措施。") % {"date": f"{scope.as_of:%Y-%m-%d}"})
    heading(document, _("（二）批准延期的工作措施"), level=2)
    extended = extension_rows(scope, measures)
    if extended:
        table(document, [_("工作措施"), _("原定日期"), _("延至"), _("延期理由"), _("审批意见")], extended)
    else:
        document.add_paragraph(_("本年度没有批准延期的工作措施。"))

    heading(document, _("五、已完成的工作措施"))
    done = done_rows(scope, measures)
    if done:
        table(document, [_("工作措施"), _("责任单位"), _("完成日期"), _("完成情况"), _("佐证材料（份）")], done)
    else:
        document.add_paragraph(_("本年度还没有已完成的工作措施。"))

    for title, kind in WRITER_SECTIONS:
        heading(document, str(title))
        document.add_paragraph(writer_opening(kind, figures, scope.year))
        hint = document.add_paragraph()
        hint.add_run(_("（请在此处填写。）")).italic = True
    return document


def report_docx(user, scope):
    """The report as .docx bytes."""
    output = io.BytesIO()
    build_report(user, scope).save(output)
    return output.getvalue()


def report_pdf(docx_bytes):
    """The .docx converted to PDF by LibreOffice; ``ReportError`` when it is not installed or fails."""
    if soffice() is None:
        raise ReportError(_("服务器未安装 LibreOffice，无法生成 PDF；请下载 Word 版本。"))
    try:
        return convert(docx_bytes, "report.docx", "pdf", save_as="PDF")
    except LedgerError as error:
        raise ReportError(str(error)) from error


def report_filename(scope, fmt):
    name = department_name(scope)
    department = f"-{name}" if name else ""
    return f"{scope.plan.slug}-{scope.year}{department}-评估总结报告.{fmt}"

