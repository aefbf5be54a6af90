"""Accounts, logged-in clients, small evidence files, edited ledgers and export bytes for the tests."""

import contextlib
import io
import sqlite3
import zipfile

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from departments.roles import create_account
from tasks.exporting.flat import write_flat_export
from tasks.ledgerfiles.sheets import read_ledger
from tasks.models import Measure

PASSWORD = "a-long-test-password"

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def login(username, role, departments=(), *, csrf=False):
    """A test client logged in as a new account with ``role`` (and ``departments`` for staff)."""
    create_account(username, role, departments=departments, password=PASSWORD)
    client = Client(enforce_csrf_checks=csrf)
    assert client.login(username=username, password=PASSWORD)
    return client


def api_client(username, role, departments=()):
    """An API client authenticated as a new account with ``role`` (and ``departments`` for staff)."""
    user, _created = create_account(username, role, departments=departments, password=PASSWORD)
    client = APIClient()
    client.force_authenticate(user)
    return client


def measures_of(department):
    return Measure.objects.filter(units__department__name=department).order_by("pk")


def office_zip(*parts):
    """A zip holding ``parts`` (names), like a .docx/.xlsx/.pptx does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in parts:
            archive.writestr(part, "<xml/>")
    return buffer.getvalue()


def docx_bytes():
    return office_zip("[Content_Types].xml", "word/document.xml")


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def flat_export(queryset, fmt, *, year=None, as_of=None):
    """``(bytes, content_type, filename)`` of the flat export of ``queryset`` as ``fmt`` (xlsx or csv)."""
    output = io.BytesIO()
    content_type, filename = write_flat_export(queryset, fmt, output, year=year, as_of=as_of)
    return output.getvalue(), content_type, filename


def guangyuan_without_years(folder, guangyuan):
    """The Guangyuan ledger with nothing that names a year: a plain title, every deadline 长期."""
    workbook = openpyxl.load_workbook(guangyuan)
    sheet = workbook["附件2"]
    sheet["A2"] = "广元市工作台账"
    for row in sheet.iter_rows(min_row=3):
        if row[5].value:
            row[5].value = "长期"
    path = folder / "no_years.xlsx"
    workbook.save(path)
    return path


def anshan_with_a_note_row(folder, anshan_file):
    """Anshan's measures one per row with a 备注 column, and a note on a row of its own below item
    1's second measure. Returns the file and the note's row."""
    ledger = read_ledger(anshan_file)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([ledger.title])
    sheet.append(["序号", "重点任务", "具体要求", "措施序号", "落实工作措施", "责任部门", "负责人", "备注"])
    note_row = None
    for row in ledger.rows:
        sheet.append([row.task_number, row.task_title, f"({row.item_number}){row.item_text}", row.measure_number,
                      row.measure_text, row.responsible_text, row.person, ""])
        if note_row is None and row.item_number == 1 and row.measure_number == 2:
            sheet.append(["", "", "", "", "", "", "", "与市委组织部共同推进"])
            note_row = sheet.max_row
    path = folder / "anshan-notes.xlsx"
    workbook.save(path)
    return path, note_row


@contextlib.contextmanager
def database_for_threads(folder, **sqlite_options):
    """Where the connections of new threads go, made from the test database as it is now; yields
    the SQLite file (None on PostgreSQL).

    PostgreSQL: the test database itself. SQLite: the suite's database lives in memory (a shared
    cache, whose table locks are not SQLite's file locks), so it is copied to a file that the
    threads open, with the project's SQLite options (``transaction_mode``, ``timeout``) updated by
    ``sqlite_options``."""
    if connection.vendor != "sqlite":
        yield None
        return
    path = folder / "ledger.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")  # as the project's connections keep a database file (settings)
    settings_dict = connection.settings_dict  # the dict every new connection is made from
    memory, options = settings_dict["NAME"], settings_dict.get("OPTIONS", {})
    settings_dict["NAME"], settings_dict["OPTIONS"] = str(path), {**options, **sqlite_options}
    try:
        yield path
    finally:
        settings_dict["NAME"], settings_dict["OPTIONS"] = memory, options
