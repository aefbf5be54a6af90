"""Every format an office saves its ledger in reads as the same ledger as the .xlsx (tasks.ledgerfiles).

The Anshan and Guangyuan fixtures are saved as each format here: as .xls and .ods by LibreOffice
(as WPS and LibreOffice users save them), as CSV the way Excel writes it (each merged range's
value in its first cell, the rest blank; GBK and UTF-8 with a BOM), as a Word table built with
python-docx with the cells merged that the workbook merges, and that table saved as .doc by
LibreOffice. Each must give the .xlsx's measures field by field (texts, units, persons,
deadlines, done marks), all but the cell positions. Without LibreOffice the tests that need it
are skipped with a message, unless the environment variable ``CI`` is set: then they fail.

Then the refusals: each with a message naming the file and what is wrong, per format.
"""

import codecs
import csv
import dataclasses
import functools
import io
import os
import stat
import subprocess
import time
import zipfile

import docx
import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from departments.roles import ADMIN
from tasks.importing.ledger_import import import_ledger
from tasks.ledgerfiles import libreoffice
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.grid import cell_text
from tasks.ledgerfiles.limits import WorkbookLimits
from tasks.ledgerfiles.ole import OLE_SIGNATURE
from tasks.ledgerfiles.reading import read_sheets
from tasks.models import Measure
from tasks.ledgerfiles.sheets import read_ledger

from .conftest import ANSHAN, FIXTURES, GUANGYUAN, GUANGYUAN_OPTIONS
from .helpers import login

FIXTURE_NAMES = ("anshan", "guangyuan")
#: Measures each fixture holds (as its .xlsx reads).
MEASURES = {"anshan": 75, "guangyuan": 35}
TITLES = {
    "anshan": "鞍山市国动办提升行政执法质量三年行动工作方案(2023—2025年)任务分解表",
    "guangyuan": "广元市提升行政执法质量三年行动计划工作台账",
}


# ---------------------------------------------------------------- the fixtures in every format


def require_soffice():
    if libreoffice.soffice() is None:
        message = "LibreOffice (soffice) is missing: run bin/setup-office"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the LibreOffice format tests: {message}", pytrace=False)
        pytest.skip(message)


def soffice_convert(sources, target, directory):
    """``sources`` saved by LibreOffice as ``target`` (xls, ods, doc) into ``directory``, in one run."""
    profile = (directory / "profile").as_uri()
    subprocess.run(
        [libreoffice.soffice(), f"-env:UserInstallation={profile}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(directory), *map(str, sources)],
        check=True, capture_output=True, timeout=180,
    )
    return {source.stem: (directory / f"{source.stem}.{target}").read_bytes() for source in sources}


@pytest.fixture(scope="session")
def saved_by_libreoffice(tmp_path_factory):
    """{format: {fixture: bytes}} for .xls and .ods (from the .xlsx) and .doc (from the Word table)."""
    require_soffice()
    directory = tmp_path_factory.mktemp("libreoffice")
    documents = []
    for name in FIXTURE_NAMES:
        documents.append(directory / f"{name}.docx")
        documents[-1].write_bytes(word_table(name))
    return {
        "xls": soffice_convert([ANSHAN, GUANGYUAN], "xls", directory),
        "ods": soffice_convert([ANSHAN, GUANGYUAN], "ods", directory),
        # LibreOffice drops the table of python-docx's document when it writes .doc straight from
        # .docx; through .odt it keeps it, merges and all (as Word's own .doc files have them)
        "doc": soffice_convert(soffice_convert_paths(documents, "odt", directory / "odt"), "doc", directory / "doc"),
    }


def soffice_convert_paths(sources, target, directory):
    soffice_convert(sources, target, directory)
    return [directory / f"{source.stem}.{target}" for source in sources]


def ledger_sheet(name):
    """(values, merges, header row) of the fixture's ledger sheet as its .xlsx holds them."""
    ledger = read_ledger(FIXTURES / f"{name}.xlsx")
    sheet = CalamineWorkbook.from_path(str(FIXTURES / f"{name}.xlsx")).get_sheet_by_name(ledger.sheet)
    return sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges, ledger.header_row


def csv_text(name, delimiter=","):
    """The ledger sheet as Excel writes a CSV: a merged range's value in its first cell only."""
    values, _, _ = ledger_sheet(name)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([[cell_text(v) for v in row] for row in values])
    return out.getvalue()


@functools.cache
def word_table(name):
    """A .docx with the ledger as a Word table: the lines above the header as paragraphs (附件2,
    the title), the cells merged as the workbook merges them (Word writes gridSpan and vMerge)."""
    values, merges, header_row = ledger_sheet(name)
    above, table_rows = values[: header_row - 1], values[header_row - 1 :]
    document = docx.Document()
    for row in above:
        document.add_paragraph(next(text for text in map(cell_text, row) if text))
    table = document.add_table(rows=len(table_rows), cols=len(values[0]))
    for row, cells in zip(table_rows, table.rows):
        for value, cell in zip(row, cells.cells):
            if cell_text(value):
                cell.text = cell_text(value)
    top_of_table = header_row - 1
    for (top, left), (bottom, right) in merges:
        if top >= top_of_table:
            table.cell(top - top_of_table, left).merge(table.cell(bottom - top_of_table, right))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def comparable(ledger):
    """The ledger's measures field by field, without where each cell sits in the file."""
    return [{k: v for k, v in dataclasses.asdict(row).items() if k not in ("row", "cells")} for row in ledger.rows]


def assert_reads_as_the_xlsx(name, data, file_name):
    expected = read_ledger(FIXTURES / f"{name}.xlsx")
    read = read_ledger(data, file_name=file_name)
    assert len(read.rows) == MEASURES[name]
    assert read.title == TITLES[name]
    assert (read.years, read.title_years) == (expected.years, expected.title_years)
    assert comparable(read) == comparable(expected)


# ---------------------------------------------------------------- every format reads as the .xlsx


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@pytest.mark.parametrize("suffix", ["xls", "ods"])
def test_a_workbook_saved_by_wps_or_libreoffice_reads_as_the_xlsx(saved_by_libreoffice, suffix, name):
    assert_reads_as_the_xlsx(name, saved_by_libreoffice[suffix][name], f"{name}.{suffix}")


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_a_csv_saved_by_excel_reads_as_the_xlsx(encoding, name):
    assert_reads_as_the_xlsx(name, csv_text(name).encode(encoding), f"{name}.csv")


def test_unicode_text_from_excel_is_read_utf16_and_tab_separated():
    data = codecs.BOM_UTF16_LE + csv_text("guangyuan", delimiter="\t").encode("utf-16-le")
    assert_reads_as_the_xlsx("guangyuan", data, "guangyuan.txt")


def test_a_csv_named_xls_is_read_by_its_content():
    assert_reads_as_the_xlsx("guangyuan", csv_text("guangyuan").encode("gbk"), "导出.xls")


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_a_word_table_reads_as_the_xlsx(name):
    assert_reads_as_the_xlsx(name, word_table(name), f"{name}.docx")


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_a_doc_is_read_through_libreoffice(saved_by_libreoffice, name):
    assert_reads_as_the_xlsx(name, saved_by_libreoffice["doc"][name], f"{name}.doc")


def test_an_html_table_exported_as_xls_is_read_through_libreoffice():
    """What many systems export as "Excel": an HTML table in a file named .xls, merges as colspan/rowspan."""
    require_soffice()
    html = (
        '<html><head><meta charset="utf-8"></head><body><table>'
        f'<tr><td colspan="3">{TITLES["guangyuan"]}</td></tr><tr><td>序号</td><td>工作任务</td><td>牵头单位</td></tr>'
        '<tr><td rowspan="2">1</td><td>建立行政执法人员培训制度</td><td>市司法局</td></tr>'
        "<tr><td>开展执法案卷评查</td><td>市司法局</td></tr></table></body></html>"
    )
    sheet = read_sheets(html.encode("utf-8"), "导出.xls")[0]
    assert [[cell.text for cell in row] for row in sheet.grid] == [
        [TITLES["guangyuan"]] * 3,
        ["序号", "工作任务", "牵头单位"],
        ["1", "建立行政执法人员培训制度", "市司法局"],
        ["1", "开展执法案卷评查", "市司法局"],
    ]
    assert sheet.grid[3][0] is sheet.grid[2][0]


def test_word_merges_become_merges_of_the_grid():
    """Anshan's task 1 (序号 1, 加强政治能力建设) is merged down over rows 4 and 5 of the sheet."""
    sheet = read_sheets(word_table("anshan"), "anshan.docx")[0]
    assert sheet.name == "表格1"
    title, header, section, task_row, next_row = sheet.grid[:5]
    assert {cell.text for cell in title} == {TITLES["anshan"]}  # the paragraph above, across the table
    assert header[1].text == header[2].text == "省政府重点任务"  # gridSpan
    assert section[10].text == "(一) 全面提升行政执法人员能力素质"
    assert next_row[1] is task_row[1] and task_row[1].text == "加强政治能力建设"  # vMerge
    assert next_row[2].text.startswith("(2) 推进行政执法队伍")  # not merged: its own cell


def test_every_table_of_a_document_is_a_sheet():
    document = docx.Document(io.BytesIO(word_table("guangyuan")))
    document.add_paragraph("附件3")
    document.add_table(rows=2, cols=2).cell(0, 0).text = "联系人"
    out = io.BytesIO()
    document.save(out)
    sheets = read_sheets(out.getvalue(), "guangyuan.docx")
    assert [sheet.name for sheet in sheets] == ["表格1", "表格2"]
    assert sheets[1].grid[0][0].text == "附件3" and sheets[1].grid[1][0].text == "联系人"
    assert len(read_ledger(out.getvalue(), file_name="guangyuan.docx").rows) == 35


@pytest.mark.django_db
def test_the_command_line_imports_a_word_table_like_the_workbook(tmp_path):
    path = tmp_path / "guangyuan.docx"
    path.write_bytes(word_table("guangyuan"))
    call_command("import_ledger", str(path), "--years", "2023-2025", stdout=io.StringIO())
    from_word = sorted(Measure.objects.values_list("text", flat=True))
    Measure.objects.all().delete()
    import_ledger(GUANGYUAN, options=GUANGYUAN_OPTIONS)
    assert len(from_word) == 35
    assert from_word == sorted(Measure.objects.values_list("text", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/admin/tasks/measure/import/", "/admin/tasks/measure/bulk-import/"])
def test_the_admin_import_pages_take_a_csv(page):
    client = login("chief", ADMIN)
    upload = io.BytesIO(csv_text("guangyuan").encode("gbk"))
    upload.name = "guangyuan.csv"
    response = client.post(page, {"import_file": upload, "format": "0", "resource": "0", "years": "2023-2025"})
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert "confirm_form" in response.context
    assert not Measure.objects.exists()  # a preview writes nothing


@pytest.mark.django_db
def test_a_doc_uploaded_through_the_admin_is_converted_within_the_readers_memory_cap(saved_by_libreoffice):
    """Uploads are read in a child process capped at LEDGER_READER_MEMORY_MB: LibreOffice runs under that cap."""
    client = login("chief", ADMIN)
    upload = io.BytesIO(saved_by_libreoffice["doc"]["guangyuan"])
    upload.name = "guangyuan.doc"
    response = client.post("/admin/tasks/measure/bulk-import/", {"import_file": upload, "years": "2023-2025"})
    assert not response.context.get("errors")
    assert response.context["report"].counts["new"] == 35


# ---------------------------------------------------------------- refusals, per format


def refusal(data, file_name, limits=WorkbookLimits()):
    with pytest.raises(LedgerError) as refused:
        read_sheets(data, file_name, limits)
    return str(refused.value)


def test_a_gbk_csv_with_bytes_that_are_no_text_names_the_byte():
    data = csv_text("guangyuan").encode("gbk")
    at = data.index("牵头单位".encode("gbk"))
    message = refusal(data[:at] + b"\xff\xfe" + data[at:], "广元.csv")
    assert message.startswith("广元.csv, 第 3 行: ")
    assert f"第 {at} 字节（FF FE" in message
    assert "UTF-8 或 GBK/GB18030" in message


def test_a_csv_line_over_the_limit_is_refused():
    data = csv_text("guangyuan").replace(TITLES["guangyuan"], TITLES["guangyuan"] + "很长" * 60_000).encode("utf-8")
    message = refusal(data, "广元.csv")
    assert "广元.csv, 工作表「广元」" in message
    assert "超过上限 100,000" in message


def test_a_csv_over_the_row_limit_is_refused():
    message = refusal(csv_text("anshan").encode("gbk"), "鞍山.csv", WorkbookLimits(max_rows=20))
    assert message == "鞍山.csv, 工作表「鞍山」, 第 21 行: 文件超过 20 行（上限）"


def test_a_document_without_a_table_is_refused():
    document = docx.Document()
    document.add_paragraph("附件2")
    document.add_paragraph(TITLES["guangyuan"])
    out = io.BytesIO()
    document.save(out)
    message = refusal(out.getvalue(), "通知.docx")
    assert message.startswith("通知.docx: 文档中没有表格")


def test_a_word_table_over_the_row_limit_is_refused():
    message = refusal(word_table("anshan"), "鞍山.docx", WorkbookLimits(max_rows=20))
    assert message == "鞍山.docx, 工作表「表格1」: 工作表有 53 行，超过上限 20 行"


def test_an_xls_over_the_row_limit_is_refused_before_its_grid_is_built(saved_by_libreoffice):
    message = refusal(saved_by_libreoffice["xls"]["anshan"], "鞍山.xls", WorkbookLimits(max_rows=20))
    assert message == "鞍山.xls, 工作表「任务分解表」: 工作表有 53 行，超过上限 20 行"


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>{doctype}'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    '<office:body><office:spreadsheet><table:table table:name="台账">{rows}</table:table>'
    "</office:spreadsheet></office:body></office:document-content>"
)


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_package(rows, doctype=""):
    """A minimal .ods (as LibreOffice writes one) whose one sheet 台账 has ``rows``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("content.xml", ODS_CONTENT.format(rows=rows, doctype=doctype))
    return out.getvalue()


def text_row(text, repeated=1):
    return (f'<table:table-row table:number-rows-repeated="{repeated}"><table:table-cell office:value-type="string">'
            f"<text:p>{text}</text:p></table:table-cell></table:table-row>")


def test_an_ods_zip_bomb_is_refused_by_its_ratio():
    data = ods_package("<table:table-row/>" * 2_000_000)  # 36 MB of rows in a few KB
    assert len(data) < 200_000
    message = refusal(data, "炸弹.ods")
    assert "炸弹.ods: 部件 content.xml 解压后" in message and "疑似压缩炸弹" in message


def test_an_ods_row_repeated_past_the_limit_is_refused_before_it_is_expanded():
    data = ods_package(text_row("序号") + text_row("组织专题培训", repeated=1_000_000))
    assert len(data) < 2_000
    message = refusal(data, "重复.ods")
    assert message == "重复.ods, 工作表「台账」: 工作表有 1000001 行，超过上限 10000 行"


def test_an_ods_with_a_dtd_is_refused():
    doctype = '<!DOCTYPE office:document-content [<!ENTITY lol "lol">]>'
    message = refusal(ods_package(text_row("&lol;"), doctype=doctype), "实体.ods")
    assert "实体.ods: 部件 content.xml 含有 DTD/实体声明" in message


def test_empty_rows_libreoffice_repeats_to_the_end_of_a_sheet_are_not_counted():
    data = ods_package(text_row("序号") + '<table:table-row table:number-rows-repeated="1048575"><table:table-cell/></table:table-row>')
    sheet = read_sheets(data, "空行.ods")[0]
    assert [[cell.text for cell in row] for row in sheet.grid] == [["序号"]]


def ole_file(stream):
    """The start of an OLE compound file whose directory (sector 1) names one stream ``stream``."""
    header = (OLE_SIGNATURE + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00").ljust(512, b"\x00")
    name = stream.encode("utf-16-le") + b"\x00\x00"
    entry = name.ljust(0x40, b"\x00") + len(name).to_bytes(2, "little") + b"\x02" + b"\x00" * 61
    root = "Root Entry".encode("utf-16-le").ljust(0x40, b"\x00") + (22).to_bytes(2, "little") + b"\x05" + b"\x00" * 61
    return header + root + entry + b"\x00" * 256


def test_an_encrypted_workbook_is_named_as_such():
    assert refusal(ole_file("EncryptedPackage"), "台账.xlsx") == "台账.xlsx: 文件已加密：请在 Excel/WPS 中去掉密码后重新保存"


def test_without_libreoffice_a_doc_is_refused_saying_what_to_do(monkeypatch):
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    message = refusal(ole_file("WordDocument"), "台账.doc")
    assert message.startswith("台账.doc: 服务器未安装 LibreOffice（运行 bin/setup-office 安装）")
    assert "另存为 .docx" in message


def fake_soffice(tmp_path, script):
    path = tmp_path / "soffice"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_a_conversion_over_its_time_is_stopped_with_everything_it_started(tmp_path, monkeypatch):
    pid_file = tmp_path / "child.pid"
    program = fake_soffice(tmp_path, f"sleep 60 &\necho $! > {pid_file}\nwait\n")
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: program)
    started = time.monotonic()
    message = refusal(ole_file("WordDocument"), "台账.wps", WorkbookLimits(conversion_seconds=1))
    assert time.monotonic() - started < 10
    assert message == "台账.wps: LibreOffice 转换超过 1 秒，已中止；请在 WPS/Office 中另存为 .xlsx"
    assert not is_running(int(pid_file.read_text()))


def is_running(pid):
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has stopped: only its exit status waits to be collected


def test_a_conversion_runs_with_its_memory_capped(tmp_path, monkeypatch):
    limit_file = tmp_path / "limit"
    program = fake_soffice(tmp_path, f"ulimit -v > {limit_file}\n")
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: program)
    message = refusal(ole_file("WordDocument"), "台账.doc", WorkbookLimits(conversion_memory_bytes=512 * 2**20))
    assert int(limit_file.read_text()) == 512 * 1024  # KB
    assert message == "台账.doc: LibreOffice 无法读取此文件（可能已损坏或加密）；请在 WPS/Office 中另存为 .docx"


def test_a_file_of_no_known_format_gets_one_message_listing_the_formats():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
    message = refusal(png, "截图.png")
    assert message.startswith("截图.png: 无法识别的文件格式（开头字节 89 50 4E 47 0D 0A 1A 0A）。可读取的格式：")
    for suffix in (".xlsx", ".xls", ".et", ".ods", ".csv", ".docx", ".doc", ".wps"):
        assert suffix in message
