"""Make the corpus of bad ledger files beside this script: ``python make_bad_files.py``.

Each builder returns the file's bytes, so the tests can also build the large cases
(200,000 rows) in a temporary directory instead of keeping them here. The workbooks are
written part by part with zipfile so that each attack is exactly the one described.
"""

import datetime
import io
import struct
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

HERE = Path(__file__).resolve().parent
TITLE = "某市提升行政执法质量三年行动台账（2023—2025年）"
HEADER = ["序号", "重点任务", "具体要求", "落实工作措施", "责任部门", "完成时限"]
SECTION = ["一、规范执法行为"]
ROW = [1, "规范执法行为", "（1）严格执法程序", "①组织专题培训", "政策法规科", "2024年6月底前"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
    '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def package(sheet_xml, *, workbook=_WORKBOOK):
    """A minimal .xlsx whose one worksheet (台账) is ``sheet_xml``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def sheet(rows_xml, *, dimension=None, prolog='<?xml version="1.0" encoding="UTF-8"?>'):
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'{prolog}<worksheet xmlns="{_MAIN}">{dimension_xml}<sheetData>{rows_xml}</sheetData></worksheet>'


def text_cell(ref, text):
    where = f' r="{ref}"' if ref else ""
    return f'<c{where} t="inlineStr"><is><t>{escape(str(text))}</t></is></c>'


def workbook(rows, *, title=TITLE):
    """A ledger workbook made the way offices make them (openpyxl), rows under a title and header."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "台账"
    if title:
        ws.append([title])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- not a workbook at all


def renamed_text():
    return "这是一份会议纪要，不是台账。\n".encode()


def csv_file():
    return ("\n".join(",".join(str(cell) for cell in row) for row in [HEADER, ROW]) + "\n").encode("utf-8-sig")


def old_xls():
    """The first bytes of an OLE compound file, as every .xls (and every encrypted .xlsx) starts."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 488


def truncated():
    whole = workbook([HEADER, ROW])
    return whole[: len(whole) // 2]


# ---------------------------------------------------------------- attacks


def billion_laughs():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10)
    )
    prolog = f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [{entities}]>'
    return package(sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', prolog=prolog))


def external_entity():
    prolog = '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    book = prolog + _WORKBOOK.split("?>", 1)[1].replace('name="台账"', 'name="&xxe;"')
    return package(sheet(f'<row r="1">{text_cell("A1", "x")}</row>'), workbook=book)


def zip_bomb():
    """A small file whose worksheet says it expands to almost 4 GB (the zip directory is all a guard may trust)."""
    data = bytearray(package(sheet(f'<row r="1">{text_cell("A1", "x")}</row>')))
    name = b"xl/worksheets/sheet1.xml"
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]) == name:
            struct.pack_into("<I", data, central + 24, 0xFFFF0000)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def far_cell():
    """About 5 KB: one cell at XFD1048576, the last cell a sheet can have."""
    rows = f'<row r="1">{text_cell("A1", TITLE)}</row><row r="1048576">{text_cell("XFD1048576", "x")}</row>'
    return package(sheet(rows, dimension="A1:XFD1048576") + "<!-- " + "padding " * 500 + "-->")


def many_rows(count=200_000, *, with_references=True):
    """``count`` measure rows under a real header; without references the rows are only counted by reading them."""
    def ref(column, row):
        return f"{column}{row}" if with_references else ""

    def row_xml(number, cells):
        where = f' r="{number}"' if with_references else ""
        return f"<row{where}>" + "".join(text_cell(ref(col, number), value) for col, value in cells) + "</row>"

    letters = "ABCDEF"
    parts = [row_xml(1, zip(letters, HEADER)), row_xml(2, zip(letters, SECTION))]
    for number in range(3, count + 3):
        parts.append(row_xml(number, zip(letters, [1, "任务", "（1）要求", f"措施{number}", "政策法规科", "长期"])))
    return package(sheet("".join(parts), dimension=f"A1:F{count + 2}" if with_references else None))


# ---------------------------------------------------------------- readable workbooks with bad content


def empty_workbook():
    return workbook([], title="")


def no_header():
    return workbook([["会议纪要"], ["时间", "地点", "参会人员"], ["3月1日", "三楼会议室", "张三"]])


def missing_column():
    return workbook([["序号", "责任部门", "完成时限"], [1, "政策法规科", "2024年底"]])


def duplicate_measures():
    header = ["序号", "重点任务", "具体要求", "措施序号", "落实工作措施", "责任部门", "完成时限"]
    return workbook(
        [
            header,
            SECTION,
            [1, "规范执法行为", "（1）严格执法程序", 1, "组织专题培训", "政策法规科", "2024年底"],
            [1, "规范执法行为", "（1）严格执法程序", 1, "开展案卷评查", "政策法规科", "2024年底"],
        ]
    )


def long_cell():
    return workbook([HEADER, SECTION, [1, "长" * 10_000, "（1）严格执法程序", "①组织专题培训", "政策法规科", "2024年底"]])


def control_characters():
    """Control characters as Excel writes them into XML (``_x0007_``: XML 1.0 cannot hold them raw)."""
    values = [1, "规范_x0007_执法_x001B_行为", "（1）严格_x0000_执法程序", "①组织_x000B_专题\t培训", "政策法规科", "2024年底"]
    header = "".join(text_cell(f"{col}2", value) for col, value in zip("ABCDEF", HEADER))
    cells = "".join(text_cell(f"{col}4", value) for col, value in zip("ABCDEF", values))
    return package(sheet(_rows(header, cells), dimension="A1:F4"))


def formulas():
    """Formula cells with the values Excel cached for them; the reader takes the value, never the formula."""
    header = "".join(text_cell(f"{col}2", value) for col, value in zip("ABCDEF", HEADER))
    cells = (
        text_cell("A4", "1")
        + '<c r="B4" t="str"><f>"规范"&amp;"执法行为"</f><v>规范执法行为</v></c>'
        + text_cell("C4", '=HYPERLINK("http://example.com","严格执法程序")')
        + '<c r="D4" t="str"><f>CONCATENATE("①","组织专题培训")</f><v>①组织专题培训</v></c>'
        + text_cell("E4", "政策法规科")
        + text_cell("F4", "2024年底")
    )
    return package(sheet(_rows(header, cells), dimension="A1:F4"))


def _rows(header_cells, cells):
    """Title, header, section and one measure row, as sheet XML."""
    section = text_cell("A3", SECTION[0])
    return (
        f'<row r="1">{text_cell("A1", TITLE)}</row><row r="2">{header_cells}</row>'
        f'<row r="3">{section}</row><row r="4">{cells}</row>'
    )


def excel_dates():
    return workbook([HEADER, SECTION, [1, "规范执法行为", "（1）严格执法程序", "①组织专题培训", "政策法规科", datetime.date(2024, 6, 30)]])


#: File name → builder, for every file kept in this directory.
CORPUS = {
    "renamed_text.xlsx": renamed_text,
    "ledger.csv": csv_file,
    "old_format.xls": old_xls,
    "truncated.xlsx": truncated,
    "billion_laughs.xlsx": billion_laughs,
    "external_entity.xlsx": external_entity,
    "zip_bomb.xlsx": zip_bomb,
    "far_cell.xlsx": far_cell,
    "empty.xlsx": empty_workbook,
    "no_header.xlsx": no_header,
    "missing_column.xlsx": missing_column,
    "duplicate_measures.xlsx": duplicate_measures,
    "long_cell.xlsx": long_cell,
    "control_characters.xlsx": control_characters,
    "formulas.xlsx": formulas,
    "excel_dates.xlsx": excel_dates,
}


def main(directory=HERE):
    for name, build in CORPUS.items():
        (Path(directory) / name).write_bytes(build())
        print(name, (Path(directory) / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main(*sys.argv[1:])
