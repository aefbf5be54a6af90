"""Check a zip package (.xlsx, .ods, .docx) before any reader expands it.

Everything here works from the zip directory and a bounded stream of each part:

- not a zip, or a damaged one;
- encrypted entries, too many entries, entries or a total that expand past the limits, and
  compression ratios that only zip bombs reach;
- XML with a document type declaration (billion laughs, external entities): every XML part's
  prolog is parsed with defusedxml, which refuses DTDs, up to its root element.

Every refusal is a ``LedgerError`` naming the file.
"""

import io
import zipfile
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .errors import LedgerError
from .limits import MB, WorkbookLimits, check_size, size_text

ZIP_SIGNATURE = b"PK\x03\x04"
XML_PARTS = (".xml", ".rels", ".vml")

_PROLOG_LIMIT = 64 * 1024


def open_package(data: bytes, file_name: str, limits: WorkbookLimits, kind: str) -> zipfile.ZipFile:
    """The zip ``data`` opened, its directory checked against ``limits``; ``kind`` names the format in messages."""
    check_size(data, file_name, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise LedgerError(f"不是{kind}，或文件已损坏（{error}）", file=file_name) from error
    try:
        check_entries(entries, file_name, limits)
    except LedgerError:
        archive.close()
        raise
    return archive


def check_entries(entries, file_name: str, limits: WorkbookLimits) -> None:
    if len(entries) > limits.max_entries:
        raise LedgerError(f"压缩包内有 {len(entries)} 个部件，超过上限 {limits.max_entries}", file=file_name)
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise LedgerError("文件已加密，请去掉密码后重新保存", file=file_name)
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MB and ratio > limits.max_ratio:
            raise LedgerError(
                f"部件 {entry.filename} 解压后 {size_text(entry.file_size)}，压缩比 {ratio:.0f}:1，疑似压缩炸弹，已拒绝",
                file=file_name,
            )
    if total > limits.max_uncompressed_bytes:
        raise LedgerError(
            f"解压后共 {size_text(total)}，超过上限 {size_text(limits.max_uncompressed_bytes)}", file=file_name
        )


def check_prologs(archive: zipfile.ZipFile, file_name: str) -> None:
    """Refuse the package if any XML part declares a DTD or entities before its root element."""
    for entry in archive.infolist():
        if entry.filename.endswith(XML_PARTS):
            check_prolog(archive, entry, file_name)


class _RootReached(Exception):
    pass


class _StopAtRoot:
    """ElementTree parser target that stops at the root element: a DTD can only come before it."""

    def start(self, tag, attrib):
        raise _RootReached

    def close(self):
        return None


def check_prolog(archive, entry, file_name):
    parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    read = 0
    try:
        with archive.open(entry) as stream:
            while read < _PROLOG_LIMIT:
                chunk = stream.read(4096)
                if not chunk:
                    break
                read += len(chunk)
                parser.feed(chunk)
            else:
                raise LedgerError(f"部件 {entry.filename} 的 XML 开头异常（超过 64 KB 仍无根元素）", file=file_name)
    except _RootReached:
        return
    except DefusedXmlException as error:
        raise LedgerError(
            f"部件 {entry.filename} 含有 DTD/实体声明（{type(error).__name__}），可能是 XML 攻击，已拒绝", file=file_name
        ) from error
    except (ParseError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise LedgerError(f"部件 {entry.filename} 已损坏（{error}）", file=file_name) from error
