"""The evaluation report (评估总结报告) of a plan, year and optionally department, as an editable .docx.

The document starts from ``settings.EVALUATION_REPORT_TEMPLATE``, a Word file an admin may
replace: its styles, page setup, header and footer are the report's, and its opening text is
kept with the placeholders ``{plan}``, ``{year}``, ``{scope}``, ``{issuing_body}``,
``{document_number}``, ``{as_of}`` and ``{date}`` filled in. Then come, with the figures of the
dashboard for the same scope (``tasks.standing.dashboard.breakdowns``, what ``/api/summary/`` gives):

一、总体情况 — the figures; 二、分部分完成情况 and 三、分部门完成情况 — tables and a bar chart
(PNG drawn here with Pillow); 四、逾期和延期的工作措施 — overdue measures with the note of the
year (their explanation), and the approved extensions with their reasons; 五、已完成的工作措施
— with notes and evidence counts; then the headed sections the writer fills in, each opening
with the figures it is about.

``report_pdf`` converts the .docx through LibreOffice when it is installed.
"""

import io
import itertools
import re
from xml.sax.saxutils import escape
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm
from PIL import Image, ImageDraw, ImageFont

from departments.models import Department

from tasks.choices import ProgressStatus
from tasks.standing.dashboard import breakdowns
from tasks.filtersets import is_id
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.libreoffice import convert, soffice
from tasks.models import ExtensionDecision, Measure, MeasureUnit, Progress
from tasks.standing.on_date import overdue_milestones

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


#: Characters XML 1.0 cannot hold (a note pasted from elsewhere may carry them).
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
ROWS_PER_CHUNK = 1000
#: Rows fetched from the database at a time.
CHUNK_SIZE = 2000


def cell_xml(value):
    """A table cell holding ``value`` as one paragraph, its line breaks kept."""
    text = escape(NOT_IN_XML.sub("", str(value)))
    runs = '</w:t><w:br/><w:t xml:space="preserve">'.join(text.split("\n"))
    return f'<w:tc><w:p><w:r><w:t xml:space="preserve">{runs}</w:t></w:r></w:p></w:tc>'


def table(document, header, rows):
    """A table with a header row; the template's "Table Grid" style when it has one.

    The body rows are written as XML in chunks: python-docx's ``add_row`` and ``cell.text`` cost
    about a millisecond a cell, minutes for the 100,000 measures of a province's plan.
    """
    grid = document.add_table(rows=1, cols=len(header))
    if style_or_none(document, "Table Grid") is not None:
        grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, ROWS_PER_CHUNK)):
        body = "".join("<w:tr>" + "".join(cell_xml(value) for value in row) + "</w:tr>" for row in chunk)
        grid._tbl.extend(parse_xml(f"<w:tbl {nsdecls('w')}>{body}</w:tbl>").iterchildren())
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


#: A measure's fields for its label (``1.(2)③ text``), from a row of ``values_list``.
LABEL_FIELDS = ("item__task__label", "item__task__number", "item__label", "item__number", "label", "number", "text")


def measure_label(task_label, task_number, item_label, item_number, label, number, text):
    return f"{task_label or task_number}.{item_label or f'({item_number})'}{label or number} {text}"


def label_fields(prefix=""):
    return [prefix + name for name in LABEL_FIELDS]


def unit_names(measure_ids):
    """``{measure id: "A、B"}``: lead units first, as the ledger lists them."""
    names = {}
    units = (
        MeasureUnit.objects.filter(measure__in=measure_ids)
        .order_by("measure_id", "role", "order", "pk")
        .values_list("measure_id", "department__name")
    )
    for measure_id, name in units.iterator(chunk_size=CHUNK_SIZE):
        names.setdefault(measure_id, []).append(name)
    return {measure_id: "、".join(found) for measure_id, found in names.items()}


def overdue_rows(scope, measures):
    """Overdue milestones of the year, one row per measure: its units, the dates, status and the year's note."""
    milestones = overdue_milestones(scope.as_of, scope.year).filter(deadline__measure__in=measures.values("pk"))
    dates = {}
    for measure_id, date in milestones.order_by("date", "pk").values_list("deadline__measure_id", "date").iterator(chunk_size=CHUNK_SIZE):
        dates.setdefault(measure_id, []).append(date)
    if not dates:
        return []
    overdue = milestones.values("deadline__measure_id")
    reports = Progress.objects.filter(measure__in=overdue, year=scope.year).values_list("measure_id", "status", "note")
    progress = {measure_id: (status, note) for measure_id, status, note in reports.iterator(chunk_size=CHUNK_SIZE)}
    units = unit_names(overdue)
    statuses = dict(ProgressStatus.choices)
    listed = Measure.objects.filter(pk__in=overdue).order_by(*plan_order()).values_list("pk", *LABEL_FIELDS)
    rows = []
    for measure_id, *label in listed.iterator(chunk_size=CHUNK_SIZE):
        status, note = progress.get(measure_id, (None, ""))
        rows.append((
            measure_label(*label),
            units.get(measure_id, ""),
            "、".join(f"{d:%Y-%m-%d}" for d in dates[measure_id]),
            str(statuses[status]) if status else _("未填报"),
            note or _("（未说明）"),
        ))
    return rows


def extension_rows(scope, measures):
    """Approved extensions of the year: the milestone's first and new date, and why."""
    decisions = (
        ExtensionDecision.objects.filter(approved=True, request__year=scope.year, request__measure__in=measures.values("pk"))
        .order_by("request__old_date", "pk")
        .values_list(*label_fields("request__measure__"), "request__old_date", "request__new_date", "request__reason", "note")
    )
    return [
        (measure_label(*label), f"{old:%Y-%m-%d}", f"{new:%Y-%m-%d}", reason, note)
        for *label, old, new, reason, note in decisions
    ]


def done_rows(scope, measures):
    """Measures done in the year with their units, the date, the note and the number of evidence files."""
    done = Progress.objects.filter(measure__in=measures.values("pk"), year=scope.year, status=ProgressStatus.DONE)
    units = unit_names(done.values("measure_id"))
    listed = (
        done.annotate(evidence_count=Count("evidence"))
        .order_by(*plan_order("measure__"))
        .values_list("measure_id", *label_fields("measure__"), "done_on", "note", "evidence_count")
    )
    return (
        (
            measure_label(*label),
            units.get(measure_id, ""),
            f"{done_on:%Y-%m-%d}" if done_on else "—",
            note or "—",
            evidence_count,
        )
        for measure_id, *label, done_on, note, evidence_count in listed.iterator(chunk_size=CHUNK_SIZE)
    )


def writer_opening(kind, figures, scope):
    year = scope.year
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
    return _("未来 %(days)s 天内到期的措施 %(soon)s 项，待审核的完成报告 %(review)s 项。") % {
        "days": scope.soon_days, "soon": figures["due_soon_measures"], "review": figures["awaiting_review"]
    }


def build_report(user, scope):
    """The report as a python-docx ``Document`` for ``user``'s view of ``scope`` (a ``tasks.standing.dashboard.Scope``)."""
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
    table(document, [_("指标"), _("数值")], figure_rows(figures))

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
    if figures["done"]:
        table(document, [_("工作措施"), _("责任单位"), _("完成日期"), _("完成情况"), _("佐证材料（份）")], done_rows(scope, measures))
    else:
        document.add_paragraph(_("本年度还没有已完成的工作措施。"))

    for title, kind in WRITER_SECTIONS:
        heading(document, str(title))
        document.add_paragraph(writer_opening(kind, figures, scope))
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

