"""Evidence files are accepted by their content, with the size and kinds of the settings."""

import pytest
from django.core.exceptions import ValidationError

from tasks.workflow.evidence import check_evidence_file
from tasks.tests.conftest import ANSHAN
from tasks.tests.helpers import EXE_BYTES, PDF_BYTES, PNG_BYTES, docx_bytes, office_zip, upload


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type"),
    [
        ("报告.pdf", PDF_BYTES, "pdf", "application/pdf"),
        ("现场照片.PNG", PNG_BYTES, "image", "image/png"),
        ("照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "image", "image/jpeg"),
        ("通知.docx", docx_bytes(), "word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("旧通知.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "word", "application/msword"),
        ("台账.xlsx", ANSHAN.read_bytes(), "excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("汇报.pptx", office_zip("[Content_Types].xml", "ppt/presentation.xml"), "powerpoint",
         "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ],
)
def test_it_accepts_pdf_images_and_office_documents(name, content, kind, content_type):
    checked = check_evidence_file(upload(name, content))
    assert (checked.kind, checked.content_type, checked.size) == (kind, content_type, len(content))
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", EXE_BYTES),  # a program renamed to .pdf
        ("报告.pdf", ANSHAN.read_bytes()),  # a spreadsheet renamed to .pdf
        ("通知.docx", PDF_BYTES),  # a pdf renamed to .docx
        ("通知.docx", ANSHAN.read_bytes()),  # a workbook renamed to .docx
        ("资料.docx", office_zip("readme.txt")),  # a plain zip
        ("资料.zip", office_zip("readme.txt")),
        ("setup.exe", EXE_BYTES),
        ("脚本.html", b"<html><script>alert(1)</script></html>"),
        ("无扩展名", PDF_BYTES),
    ],
)
def test_it_refuses_content_that_is_not_what_the_name_says(name, content):
    with pytest.raises(ValidationError) as refused:
        check_evidence_file(upload(name, content))
    assert refused.value.code == "bad_type"
    assert name in refused.value.messages[0]


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as refused:
        check_evidence_file(upload("空.pdf", b""))
    assert refused.value.code == "empty"


def test_it_refuses_a_file_over_the_configured_size(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    check_evidence_file(upload("小.pdf", PDF_BYTES.ljust(1024, b" ")))
    with pytest.raises(ValidationError) as refused:
        check_evidence_file(upload("大.pdf", PDF_BYTES.ljust(1025, b" ")))
    assert refused.value.code == "too_large"
    assert "1.0 KB" in refused.value.messages[0].replace("\xa0", " ")


def test_the_accepted_kinds_come_from_the_settings(settings):
    settings.EVIDENCE_KINDS = ["pdf"]
    check_evidence_file(upload("报告.pdf", PDF_BYTES))
    with pytest.raises(ValidationError) as refused:
        check_evidence_file(upload("照片.png", PNG_BYTES))
    assert "PDF" in refused.value.messages[0]
    assert "PNG" not in refused.value.messages[0]
