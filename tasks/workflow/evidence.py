"""Evidence files (佐证材料): what may be uploaded, decided by the file's content.

A file is accepted when its first bytes (and, for zip-based office files, the parts inside)
say it is one of the accepted kinds, its name ends in an extension of that same kind, and it
is not larger than ``settings.EVIDENCE_MAX_BYTES``. A renamed executable or a spreadsheet
called ``report.pdf`` is refused. The kinds accepted are ``settings.EVIDENCE_KINDS``.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF, OFD, IMAGE, WORD, EXCEL, POWERPOINT = "pdf", "ofd", "image", "word", "excel", "powerpoint"

#: Extensions a name may end in, per kind and container (what the content turned out to be).
EXTENSIONS = {
    (PDF, "pdf"): {".pdf"},
    (OFD, "zip"): {".ofd"},
    (IMAGE, "png"): {".png"},
    (IMAGE, "jpeg"): {".jpg", ".jpeg"},
    (IMAGE, "gif"): {".gif"},
    (IMAGE, "webp"): {".webp"},
    (WORD, "ooxml"): {".docx"},
    (EXCEL, "ooxml"): {".xlsx"},
    (POWERPOINT, "ooxml"): {".pptx"},
    (WORD, "ole"): {".doc", ".wps"},
    (EXCEL, "ole"): {".xls", ".et"},
    (POWERPOINT, "ole"): {".ppt", ".dps"},
}

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".ofd": "application/ofd",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".doc": "application/msword",
    ".wps": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".et": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".dps": "application/vnd.ms-powerpoint",
}

#: The part inside an office zip that says which kind of document it is.
OOXML_PARTS = {"word/document.xml": WORD, "xl/workbook.xml": EXCEL, "ppt/presentation.xml": POWERPOINT}
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content_type: str
    size: int
    sha256: str


def containers(head):
    """The containers the first bytes of a file are: ``pdf``, ``png``, … ``zip``, ``ole``; empty when unknown."""
    if head.startswith(b"%PDF-"):
        return {"pdf"}
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return {"png"}
    if head.startswith(b"\xff\xd8\xff"):
        return {"jpeg"}
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return {"gif"}
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return {"webp"}
    if head.startswith(OLE_SIGNATURE):
        return {"ole"}
    if head.startswith(b"PK\x03\x04"):
        return {"zip", "ooxml"}
    return set()


def zip_kind(file):
    """What a zip file holds: an office document's kind, OFD, or None for any other zip."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if "OFD.xml" in names:
        return OFD
    if "[Content_Types].xml" in names:
        for part, kind in OOXML_PARTS.items():
            if part in names:
                return kind
    return None


def sniff(file, name):
    """The kind of ``file`` by its content, provided its ``name`` agrees; None otherwise."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    suffix = PurePath(name).suffix.lower()
    found = containers(head)
    if "zip" in found:
        kind = zip_kind(file)
        file.seek(0)
        container = "zip" if kind == OFD else "ooxml"
        return kind if kind and suffix in EXTENSIONS.get((kind, container), ()) else None
    for (kind, container), suffixes in EXTENSIONS.items():
        if container in found and suffix in suffixes:
            return kind
    return None


def digest(file):
    sha = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(64 * 1024), b""):
        sha.update(chunk)
    file.seek(0)
    return sha.hexdigest()


def check_evidence_file(uploaded):
    """Accept an uploaded file as evidence or raise ``ValidationError`` saying why not."""
    name = uploaded.name or ""
    if not uploaded.size:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name}, code="empty")
    if uploaded.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("文件“%(name)s”太大（%(size)s），单个文件不能超过 %(limit)s。")
            % {"name": name, "size": filesizeformat(uploaded.size), "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)},
            code="too_large",
        )
    kind = sniff(uploaded, name)
    if kind is None or kind not in settings.EVIDENCE_KINDS:
        raise ValidationError(
            _("文件“%(name)s”的内容不是可接受的格式（%(accepted)s），或与文件扩展名不符。")
            % {"name": name, "accepted": accepted_formats()},
            code="bad_type",
        )
    return CheckedFile(
        kind=kind,
        content_type=CONTENT_TYPES[PurePath(name).suffix.lower()],
        size=uploaded.size,
        sha256=digest(uploaded),
    )


def accepted_formats():
    """``PDF、PNG、JPG…``: the extensions people may upload under the current settings."""
    suffixes = []
    for (kind, _container), names in EXTENSIONS.items():
        if kind in settings.EVIDENCE_KINDS:
            suffixes.extend(sorted(names))
    return "、".join(s.lstrip(".").upper() for s in suffixes)
