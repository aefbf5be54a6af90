"""Ledgers read from PDF: the two fixtures printed by LibreOffice read and import like the .xlsx.

The PDFs are made in the test setup, once per session, from fixtures/anshan.xlsx and
fixtures/guangyuan.xlsx:
- printed from Calc as offices print them (rows as tall as their text, fit to the page width,
  the header repeated on every page): merged 序号/task cells run over page breaks;
- the Guangyuan ledger as a Word table (python-docx), exported by Writer: ruled, the header
  repeated, and a row that the page break cuts in two;
- the same Word table without ruling lines (read by text positions);
- a scan (the pages as images only), refused.
Without LibreOffice these tests are skipped with a message, except under CI (``CI`` set): then
they fail.
"""

import dataclasses
import io
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl.utils import get_column_letter

from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.limits import WorkbookLimits
from tasks.ledgerfiles.reading import read_sheets
from tasks.models import Item, Measure, Section, Task
from tasks.ledgerfiles.sheets import read_ledger

from .conftest import ANSHAN, GUANGYUAN

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
#: Printed at the top right of every page of the Calc printouts (page numbers at the foot).
RUNNING_HEADER = "内部资料 注意保存"
#: Fields of a measure row that name where in the file it was, not what it says.
POSITIONS = {"row", "cells"}


def _soffice_pdfs(sources, out: Path) -> dict[str, Path]:
    """Every source printed to PDF by one LibreOffice run (a first start takes seconds), by stem."""
    profile = (out / "lo-profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out),
         *map(str, sources)],
        check=True, capture_output=True, timeout=300,
    )
    return {source.stem: out / f"{source.stem}.pdf" for source in sources}


def _text_lines(text: str, width: float, size: float) -> int:
    """Lines a cell's text takes when wrapped: a Chinese character is as wide as the font size,
    a column-width unit about 5.6 pt; estimated high, as row heights set by hand are."""
    per_line = max(1, int(width * 5.6 / size * 0.85) - 1)
    lines = 0
    for line in str(text).split("\n"):
        units = sum(1 if ord(char) > 0x2E80 else 0.6 for char in line)
        lines += max(1, math.ceil(units / per_line))
    return lines


def _fit_rows(sheet):
    """Row heights that show every cell's whole text (what Excel's AutoFit does before printing)."""
    spans = {(cells.min_row, cells.min_col): cells for cells in sheet.merged_cells.ranges}
    needed = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            span = spans.get((cell.row, cell.column))
            columns = range(cell.column, (span.max_col if span else cell.column) + 1)
            rows = span.max_row - span.min_row + 1 if span else 1
            width = sum(sheet.column_dimensions[get_column_letter(c)].width or 9 for c in columns)
            size = cell.font.sz or 11
            height = _text_lines(cell.value, width, size) * size * 1.4 + 6
            for number in range(cell.row, cell.row + rows):
                needed[number] = max(needed.get(number, 0), height / rows)
    for number, height in needed.items():
        sheet.row_dimensions[number].height = max(sheet.row_dimensions[number].height or 0, height)


def _printable_workbook(source: Path, out: Path) -> Path:
    """A copy of the workbook set up to print as offices print it."""
    workbook = openpyxl.load_workbook(source)
    for sheet in workbook.worksheets:
        _fit_rows(sheet)
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.oddHeader.right.text = RUNNING_HEADER
        sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    copy = out / source.name
    workbook.save(copy)
    return copy


def _word_table(out: Path, name: str, *, ruled: bool) -> Path:
    """The Guangyuan ledger (sheet 附件2) as a Word document: title paragraphs, then the table
    with its header row repeated on every page; without ruling lines unless ``ruled``."""
    grid = read_sheets(GUANGYUAN.read_bytes(), GUANGYUAN.name)[1].grid
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for row in grid[:2]:
        document.add_paragraph(row[0].text)
    rows = grid[2:]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    if ruled:
        table.style = "Table Grid"
    else:
        _cell_margins(table, bottom=120)
    widths = [1.2, 3.2, 9.0, 2.4, 6.0, 3.4]
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    for row_number, row in enumerate(rows):
        for column, cell in enumerate(row):
            target = table.cell(row_number, column)
            target.width = Cm(widths[column])
            if (cell.row, cell.column) != (row_number + 3, column + 1):
                continue  # covered by a merge, filled from its anchor
            bottom, right = _span(rows, row_number, column)
            if (bottom, right) != (row_number, column):
                target = target.merge(table.cell(bottom, right))
            first, *more = cell.text.split("\n")
            target.text = first
            for line in more:
                target.add_paragraph(line)
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    for paragraph in _paragraphs(document):
        for run in paragraph.runs:
            run.font.size = Pt(10.5)
    path = out / f"{name}.docx"
    document.save(path)
    return path


def _span(rows, row_number, column):
    anchor = rows[row_number][column]
    bottom, right = row_number, column
    while bottom + 1 < len(rows) and rows[bottom + 1][column] is anchor:
        bottom += 1
    while right + 1 < len(rows[row_number]) and rows[row_number][right + 1] is anchor:
        right += 1
    return bottom, right


def _cell_margins(table, **margins):
    properties = table._tbl.tblPr
    element = OxmlElement("w:tblCellMar")
    for side, twips in margins.items():
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        element.append(margin)
    properties.append(element)


def _paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _scan(pdf: Path, out: Path) -> Path:
    """The PDF's pages as images only, as a scanner makes them."""
    document = pdfium.PdfDocument(pdf)
    images = [document[index].render(scale=1).to_pil().convert("RGB") for index in range(len(document))]
    document.close()
    path = out / "scan.pdf"
    images[0].save(path, "PDF", save_all=True, append_images=images[1:])
    return path


@pytest.fixture(scope="session")
def printed(tmp_path_factory):
    """Paths of the PDFs made from the fixtures, by name."""
    if SOFFICE is None:
        message = "LibreOffice (soffice) is missing: run bin/setup-office to test reading PDF ledgers"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the PDF tests: {message}", pytrace=False)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("pdf")
    paths = _soffice_pdfs([
        _printable_workbook(ANSHAN, out),
        _printable_workbook(GUANGYUAN, out),
        _word_table(out, "guangyuan_word", ruled=True),
        _word_table(out, "guangyuan_unruled", ruled=False),
    ], out)
    paths["scan"] = _scan(paths["anshan"], out)
    return paths


def _pages(path) -> int:
    document = pdfium.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def _content(row) -> dict:
    """What a measure row says. A space just inside a bracket (the Guangyuan ledger has one:
    `乡镇( 街道)`) is not printed when Writer wraps the line there, so it is left out on both sides."""
    return {
        field.name: _printed(getattr(row, field.name)) for field in dataclasses.fields(row) if field.name not in POSITIONS
    }


def _printed(value):
    return re.sub(r"([（(]) +", r"\1", value) if isinstance(value, str) else value


# ---------------------------------------------------------------- the fixtures as PDF


@pytest.mark.parametrize(
    "pdf, xlsx",
    [("anshan", ANSHAN), ("guangyuan", GUANGYUAN), ("guangyuan_word", GUANGYUAN), ("guangyuan_unruled", GUANGYUAN)],
)
def test_pdf_reads_the_same_measures_as_the_workbook(printed, pdf, xlsx):
    from_pdf = read_ledger(printed[pdf])
    from_xlsx = read_ledger(xlsx)
    assert (from_pdf.title, from_pdf.columns, from_pdf.years) == (from_xlsx.title, from_xlsx.columns, from_xlsx.years)
    assert len(from_pdf.rows) == len(from_xlsx.rows)
    for pdf_row, xlsx_row in zip(from_pdf.rows, from_xlsx.rows):
        assert _content(pdf_row) == _content(xlsx_row)


def test_printed_ledgers_run_over_several_pages(printed):
    """What the other tests rely on: the page breaks are there to be read across."""
    assert _pages(printed["anshan"]) >= 3
    assert _pages(printed["guangyuan_word"]) >= 5


def test_running_headers_and_page_numbers_are_left_out(printed):
    sheet = read_sheets(printed["anshan"].read_bytes(), "anshan.pdf")[0]
    texts = {cell.text for row in sheet.grid for cell in row}
    assert not any(RUNNING_HEADER in text or "页" in text for text in texts)
    assert sheet.grid[0][0].text == "鞍山市国动办提升行政执法质量三年行动工作方案(2023—2025年)任务分解表"


def test_a_merged_cell_cut_by_a_page_break_is_read_whole(printed):
    """Anshan's task 10 (序号 and title merged over two rows) starts at the foot of one page and
    ends at the top of the next; its title and both items are read once, under one task."""
    rows = [row for row in read_ledger(printed["anshan"]).rows if row.task_number == 10]
    assert {row.task_title for row in rows} == {"协调推进行政执法体制改革"}
    assert [row.item_number for row in rows] == [25, 26]


def test_a_row_cut_by_a_page_break_is_one_row(printed):
    """In the Word export the first page break cuts the third requirement of Guangyuan's task 6
    (序号, task, units and deadline merged down over its three rows): the rest of its text starts
    the second page under the repeated header, with empty cells beside it. It is read as the
    end of that requirement, while the requirements above it, under the same merged 序号 on
    one page, stay rows of their own."""
    rows = [row for row in read_ledger(printed["guangyuan_word"]).rows if row.task_number == 6]
    assert [row.item_text for row in rows] == [
        "发布“一目录、五清单”。",
        "全面落实《四川省行政裁量权基准管理规定》，及时对行政裁量权基准进行调整，推行“一目录、五清单”精准高效监管执法。",
        "规范运用四川省行政执法程序标准、行政执法文书标准、行政执法用语规则、行政执法案件编号规则、重大执法决定法制审核规则、"
        "行政裁决规则等地方标准。落实国家制定的行政执法装备配备标准及技术规范指引。",
    ]
    assert {(row.lead_text, row.deadlines[None]) for row in rows} == {("市司法局", "长期")}


@pytest.mark.parametrize("pdf, xlsx, options", [
    ("anshan", ANSHAN, {}),
    ("guangyuan_word", GUANGYUAN, {"years": [2023, 2024, 2025]}),
])
def test_pdf_imports_the_same_plan_as_the_workbook(db, printed, pdf, xlsx, options):
    from_xlsx = import_ledger(xlsx, options=ImportOptions(plan_slug="from-xlsx", **options))
    from_pdf = import_ledger(printed[pdf], options=ImportOptions(plan_slug="from-pdf", **options))
    assert from_pdf.counts == from_xlsx.counts
    assert from_pdf.flagged == from_xlsx.flagged
    for model, plan_path in ((Section, "plan"), (Task, "section__plan"), (Item, "task__section__plan"), (Measure, "item__task__section__plan")):
        counts = [model.objects.filter(**{f"{plan_path}__slug": slug}).count() for slug in ("from-xlsx", "from-pdf")]
        assert counts[0] == counts[1] > 0, model.__name__
    texts = [
        sorted(map(_printed, Measure.objects.filter(item__task__section__plan__slug=slug).values_list("text", flat=True)))
        for slug in ("from-xlsx", "from-pdf")
    ]
    assert texts[0] == texts[1]


def test_importing_the_same_pdf_twice_changes_nothing(db, printed):
    import_ledger(printed["anshan"], options=ImportOptions(plan_slug="anshan"))
    again = import_ledger(printed["anshan"], options=ImportOptions(plan_slug="anshan"))
    assert not again.changed
    assert again.counts["skip"] == 75


# ---------------------------------------------------------------- refused


def test_a_scanned_pdf_is_refused(printed):
    with pytest.raises(LedgerError) as refused:
        read_ledger(printed["scan"])
    assert str(refused.value) == (
        "scan.pdf: PDF 中没有文字（可能是扫描件或图片）；本系统不做文字识别，请提供原始表格文件或可复制文字的 PDF"
    )


def test_a_pdf_over_the_page_limit_is_refused(printed):
    pages = _pages(printed["anshan"])
    with pytest.raises(LedgerError) as refused:
        read_ledger(printed["anshan"], limits=WorkbookLimits(max_pages=pages - 1))
    assert str(refused.value) == f"anshan.pdf: PDF 有 {pages} 页，超过上限 {pages - 1} 页"


def test_a_damaged_pdf_is_refused_with_a_message():
    with pytest.raises(LedgerError) as refused:
        read_ledger(io.BytesIO(b"%PDF-1.7\n1 0 obj << /Type /Catalog"), file_name="通知附件.pdf")
    assert str(refused.value).startswith("通知附件.pdf: 不是可读取的 PDF 文件，或文件已损坏")


def test_the_admin_previews_an_uploaded_pdf_like_the_workbook(db, admin_client, printed):
    """Uploaded through the admin's bulk import the PDF is read in the isolated reader (capped
    memory and time) and previews the same 75 new measures as the .xlsx."""
    with open(printed["anshan"], "rb") as handle:
        response = admin_client.post("/admin/tasks/measure/bulk-import/", {"import_file": handle, "plan_slug": "anshan"})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.counts["new"], report.counts["update"], report.counts["skip"]) == (75, 0, 0)
    assert not Measure.objects.exists()
