"""Any ledger file into its sheets: the format judged by content first and name second, the limits checked first.

=============================  ====================================  ==========================
format                         judged by                             read by
=============================  ====================================  ==========================
.xlsx                          zip with ``xl/workbook.xml``          ``xlsx`` (calamine)
.ods                           zip with ``mimetype`` …spreadsheet    ``ods`` (calamine + merges)
.docx                          zip with ``word/document.xml``        ``word`` (python-docx)
.xls, .et (Excel 97–2003/WPS)  OLE file with a ``Workbook`` stream   ``xlsx`` (calamine); LibreOffice if that fails
.doc, .wps                     OLE file with a ``WordDocument``      LibreOffice → .docx
.odt, .xlsb, HTML/XML tables   zip parts / first characters          LibreOffice → .docx / .xlsx
.csv, .tsv, .txt               text (UTF-8, GB18030, UTF-16)         ``csv_text``
.pdf                           ``%PDF-``                             ``pdf`` (pdfplumber lines, pdfium text)
=============================  ====================================  ==========================

The file's name decides only where its content does not (an OLE file whose streams say
nothing, a damaged zip). A file of no format read here is refused with one message listing
the formats that are.
"""

import codecs
import zipfile
from io import BytesIO
from pathlib import PurePath

from tasks.ledgerfiles.native_memory import release_freed_memory
from . import libreoffice, ods, ole, xlsx, xlsx_guard
from .csv_text import UTF16_BOMS, csv_sheets
from .errors import LedgerError, UnreadableFile
from .grid import Sheet
from .limits import WorkbookLimits, check_size
from .pdf import PDF_SIGNATURE, pdf_sheets
from .word import word_sheets
from .zip_guard import ZIP_SIGNATURE

XLSX, XLS, ODS, DOCX, CSV, PDF = "xlsx", "xls", "ods", "docx", "csv", "pdf"
#: Read through LibreOffice, converted to .xlsx / .docx.
OFFICE_SPREADSHEET, OFFICE_DOCUMENT = "office-spreadsheet", "office-document"

FORMATS_READ = ".xlsx、.xls、.et、.ods、.csv、.tsv、.txt、.docx（表格）、.pdf（表格），以及经 LibreOffice 转换的 .doc、.wps"
XLS_KIND = " Excel 97-2003 工作簿（.xls/.et）"

_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_ZIP_SUFFIXES = {".xlsx": XLSX, ".xlsm": XLSX, ".ods": ODS, ".docx": DOCX}
_DOCUMENT_SUFFIXES = (".doc", ".dot", ".wps", ".wpt")
_TEXT_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
_TEXT_SAMPLE = 64 * 1024


def read_sheets(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()) -> list[Sheet]:
    """The sheets of the ledger file ``data`` (named ``file_name``), refused unless within ``limits``."""
    check_size(data, file_name, limits)
    sheets = _READERS[judge_format(data, file_name)](data, file_name, limits)
    release_freed_memory()  # the reader's own copy of the file is gone now
    return sheets


def judge_format(data: bytes, file_name: str) -> str:
    """Which format ``data`` is in (one of the constants above); ``LedgerError`` when none read here."""
    suffix = PurePath(file_name or "").suffix.lower()
    if data.startswith(ZIP_SIGNATURE):
        return _zip_format(data, file_name, suffix)
    if data.startswith(ole.OLE_SIGNATURE):
        return _ole_format(data, file_name, suffix)
    if data.startswith(PDF_SIGNATURE):
        return PDF
    if _is_text(data, suffix):
        return _text_format(data)
    raise unknown_format(data, file_name)


def unknown_format(data, file_name) -> LedgerError:
    head = data[:8].hex(" ").upper() or "空文件"
    return LedgerError(f"无法识别的文件格式（开头字节 {head}）。可读取的格式：{FORMATS_READ}", file=file_name)


def _zip_format(data, file_name, suffix):
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):  # damaged: the reader says so
        return _ZIP_SUFFIXES.get(suffix, XLSX)
    if xlsx_guard.WORKBOOK_PART in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    if mimetype.startswith(ods.MIMETYPE) or ("content.xml" in names and suffix == ".ods"):
        return ODS
    if mimetype.startswith(_ODT_MIMETYPE):
        return OFFICE_DOCUMENT
    if "xl/workbook.bin" in names:  # .xlsb
        return OFFICE_SPREADSHEET
    if suffix in _ZIP_SUFFIXES:  # a package missing its main part: the reader names it
        return _ZIP_SUFFIXES[suffix]
    raise unknown_format(data, file_name)


def _ole_format(data, file_name, suffix):
    streams = ole.stream_names(data, ole.ENCRYPTED_STREAMS + ole.WORKBOOK_STREAMS + ole.DOCUMENT_STREAMS)
    if streams & set(ole.ENCRYPTED_STREAMS):
        raise LedgerError("文件已加密：请在 Excel/WPS 中去掉密码后重新保存", file=file_name)
    if streams & set(ole.WORKBOOK_STREAMS):
        return XLS
    if streams & set(ole.DOCUMENT_STREAMS) or suffix in _DOCUMENT_SUFFIXES:
        return OFFICE_DOCUMENT
    if suffix in (".et", ".ett"):
        return OFFICE_SPREADSHEET
    return XLS  # no stream says what it is: most likely a damaged workbook, and calamine will say so


def _is_text(data, suffix):
    """Text a CSV reader should see: a UTF-16 BOM, or no NUL and a start that decodes (a .csv always)."""
    if data.startswith(UTF16_BOMS) or (suffix in _TEXT_SUFFIXES and data):
        return True
    sample = data[:_TEXT_SAMPLE]
    if not sample or b"\x00" in sample:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _text_format(data):
    """HTML and XML tables (what many systems export as ".xls") go to LibreOffice; other text is CSV."""
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        return OFFICE_SPREADSHEET
    if start.startswith(b"{\\rtf"):
        return OFFICE_DOCUMENT
    return CSV


def _read_xls(data, file_name, limits):
    """calamine reads .xls and most .et; a workbook it cannot read goes to LibreOffice when that is installed
    (not a file without a workbook stream: LibreOffice would take it for text and make a sheet of it)."""
    try:
        return xlsx.calamine_sheets(data, file_name, XLS_KIND, limits)
    except UnreadableFile as refused:
        if libreoffice.soffice() is None or not ole.stream_names(data, ole.WORKBOOK_STREAMS):
            raise
        try:
            return _read_office_spreadsheet(data, file_name, limits)
        except LedgerError:
            raise refused from None


def _read_xlsx(data, file_name, limits):
    xlsx_guard.check_workbook(data, file_name, limits)
    return xlsx.calamine_sheets(data, file_name, " .xlsx 工作簿", limits)


def _read_office_spreadsheet(data, file_name, limits):
    return _read_xlsx(libreoffice.convert(data, file_name, libreoffice.SPREADSHEET, limits, save_as=".xlsx"), file_name, limits)


def _read_office_document(data, file_name, limits):
    return word_sheets(libreoffice.convert(data, file_name, libreoffice.DOCUMENT, limits, save_as=".docx"), file_name, limits)


_READERS = {
    XLSX: _read_xlsx,
    XLS: _read_xls,
    ODS: ods.ods_sheets,
    DOCX: word_sheets,
    CSV: csv_sheets,
    PDF: pdf_sheets,
    OFFICE_SPREADSHEET: _read_office_spreadsheet,
    OFFICE_DOCUMENT: _read_office_document,
}
