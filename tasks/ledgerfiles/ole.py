"""What an OLE compound file (.xls, .et, .doc, .wps, an encrypted Office file) holds, by its streams.

Every one of these formats starts with the same eight bytes; the names of the streams in the
file's directory tell them apart: ``Workbook``/``Book`` (Excel and WPS spreadsheets),
``WordDocument`` (Word and WPS documents), ``EncryptedPackage`` (an .xlsx/.docx with a password).
A directory entry is 128 bytes and sectors are multiples of 128 bytes, so an entry starts at an
offset divisible by 128: its name (UTF-16, NUL-terminated), the name's length in bytes at 0x40
and its type (1 storage, 2 stream, 5 root) at 0x42. That is all this reads.
"""

import struct

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENTRY_SIZE = 128

WORKBOOK_STREAMS = ("Workbook", "Book")
DOCUMENT_STREAMS = ("WordDocument",)
ENCRYPTED_STREAMS = ("EncryptedPackage",)


def stream_names(data: bytes, candidates) -> set[str]:
    """Which of the names ``candidates`` are entries of the compound file ``data``'s directory."""
    found = set()
    for name in candidates:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        offset = data.find(encoded, ENTRY_SIZE)
        while offset != -1 and name not in found:
            if offset % ENTRY_SIZE == 0 and _is_entry(data, offset, len(encoded)):
                found.add(name)
            offset = data.find(encoded, offset + 2)
    return found


def _is_entry(data, offset, name_bytes):
    header = data[offset + 0x40 : offset + 0x43]
    if len(header) < 3:
        return False
    length, kind = struct.unpack("<HB", header)
    return length == name_bytes and kind in (1, 2, 5)
