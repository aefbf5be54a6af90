"""The text a PDF page shows, as pdfium lays it out: characters with their boxes, and cell text.

Only characters that are visible count. LibreOffice (and other exporters) write the whole text
of a merged cell on every page the cell crosses and clip it to the part of the cell on that
page; pdfminer ignores clipping, pdfium reports each text object's clip path, so a character
whose centre lies outside its clip box is left out here.

Text within a cell is joined back as it was typed: a line that wrapped because the cell was
full continues without a space between Chinese characters (one space between Latin words);
a line that ends short of the cell's edge, or a next line that starts a list item (①, 1.,
(1), 一、), was a line break of its own and stays one.
"""

import ctypes
import re
import unicodedata
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

#: A character's centre may lie this far (pt) outside its clip box and still be visible.
_CLIP_TOLERANCE = 0.5
#: A line with room for this many more characters (times the font size) ended on purpose.
_SHORT_LINE = 2.0
#: Padding (pt) between a cell's ruling line and its text that exporters leave.
_PADDING = 3.0
#: What starts an item of a list or ledger (①, (1), 1., 一、): a line starting so was its own line.
LIST_START = re.compile(r"^(?:[①-⑳]|[（(]\s*[\d一二三四五六七八九十]+\s*[)）]|\d+\s*[.、．](?!\d)|[一二三四五六七八九十]+、)")


@dataclass(frozen=True, slots=True)
class Char:
    """A visible character and its box, in points from the page's top left."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    middle: float  # (top + bottom) / 2, kept: lines are grouped by it
    centre: float  # (x0 + x1) / 2


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line of text: its words and where it starts and ends."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


def page_chars(page, text_page) -> list[Char]:
    """The visible characters of a pypdfium2 page (generated spaces and line ends left out)."""
    height = page.get_height()
    count = pdfium_c.FPDFText_CountChars(text_page)
    codes = _codes(text_page, count)
    box = pdfium_c.FS_RECTF()
    objects = {}  # text object → (clip box, font size)
    chars = []
    for index, code in enumerate(codes):
        if code < 32 or (code == 32 and pdfium_c.FPDFText_IsGenerated(text_page, index) == 1):
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(text_page, index, ctypes.byref(box)):
            continue
        obj = pdfium_c.FPDFText_GetTextObject(text_page, index)
        key = ctypes.cast(obj, ctypes.c_void_p).value
        if key not in objects:
            objects[key] = (_clip_box(obj), pdfium_c.FPDFText_GetFontSize(text_page, index))
        clip, size = objects[key]
        x, y = (box.left + box.right) / 2, (box.top + box.bottom) / 2
        if clip and not (clip[0] - _CLIP_TOLERANCE <= x <= clip[2] + _CLIP_TOLERANCE
                         and clip[1] - _CLIP_TOLERANCE <= y <= clip[3] + _CLIP_TOLERANCE):
            continue
        top, bottom = height - box.top, height - box.bottom
        chars.append(Char(chr(code), box.left, box.right, top, bottom, size or (bottom - top), height - y, x))
    return chars


def _codes(text_page, count) -> list[int]:
    """The code point of every character of the text page, in one call where pdfium allows."""
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(text_page, 0, count, buffer)
    units = list(buffer[: max(written - 1, 0)])
    if len(units) == count and not any(0xD800 <= unit <= 0xDFFF for unit in units):
        return units
    return [pdfium_c.FPDFText_GetUnicode(text_page, index) for index in range(count)]  # characters beyond the BMP


def _clip_box(obj):
    """The box (left, bottom, right, top) a text object is clipped to, or None when it is not."""
    clip = pdfium_c.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    result = None
    x, y = ctypes.c_float(), ctypes.c_float()
    for path in range(pdfium_c.FPDFClipPath_CountPaths(clip)):
        xs, ys = [], []
        for index in range(pdfium_c.FPDFClipPath_CountPathSegments(clip, path)):
            segment = pdfium_c.FPDFClipPath_GetPathSegment(clip, path, index)
            if pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
                xs.append(x.value)
                ys.append(y.value)
        if xs:
            box = (min(xs), min(ys), max(xs), max(ys))
            result = box if result is None else (
                max(result[0], box[0]), max(result[1], box[1]), min(result[2], box[2]), min(result[3], box[3])
            )
    return result


def char_lines(chars) -> list[list[Char]]:
    """Characters grouped into printed lines, top to bottom, each left to right."""
    lines, middles = [], []  # middles: [sum of middles, count] of each line
    for char in sorted(chars, key=lambda char: char.middle):
        if lines and abs(char.middle - middles[-1][0] / middles[-1][1]) <= 0.45 * max(char.size, lines[-1][0].size):
            lines[-1].append(char)
            middles[-1][0] += char.middle
            middles[-1][1] += 1
        else:
            lines.append([char])
            middles.append([char.middle, 1])
    return [sorted(group, key=lambda char: char.x0) for group in lines]


def text_lines(chars) -> list[Line]:
    """The printed lines of ``chars``, top to bottom."""
    return [text_line(group) for group in char_lines(chars)]


def text_line(chars) -> Line:
    """One printed line from its characters, left to right."""
    text = chars[0].text
    for before, char in zip(chars, chars[1:]):
        gap = char.x0 - before.x1
        if gap > 0.8 * char.size and " " not in (before.text, char.text):
            text += " "  # words set apart by position, not by a space character
        text += char.text
    visible = [char for char in chars if not char.text.isspace()] or chars
    sizes = sorted(char.size for char in visible)
    return Line(
        re.sub(r"\s+", " ", text).lstrip(), visible[0].x0, visible[-1].x1,
        min(char.top for char in chars), max(char.bottom for char in chars), sizes[len(sizes) // 2],
    )


def cell_text(lines, left: float, right: float) -> str:
    """The lines of one cell between ruling lines at ``left`` and ``right``, joined as typed."""
    lines = [line for line in lines if line.text]
    if not lines:
        return ""
    room = _wrap_width(lines, right - left - 2 * _PADDING)
    text = lines[0].text
    for before, line in zip(lines, lines[1:]):
        text = text.rstrip() + line_break(before, line, room) + line.text
    return text.rstrip()


def _wrap_width(lines, inner) -> float:
    """Where the cell's lines wrapped: its widest line when one nearly fills the cell (exporters
    pad cells differently), else the cell's width inside its padding."""
    widest = max(lines, key=lambda line: line.x1 - line.x0)
    width = widest.x1 - widest.x0
    return width if width >= inner - 3 * widest.size else inner


def line_break(before: Line, line: Line, room: float) -> str:
    """What stood between two lines of a cell: a line break, a space or nothing.

    A line that wrapped at a space keeps it (exporters print the space at the line's end)."""
    if LIST_START.match(line.text) or room - (before.x1 - before.x0) > _SHORT_LINE * before.size:
        return "\n"
    if before.text.endswith(" "):
        return " "
    return "" if _is_wide(before.text.rstrip()[-1]) or _is_wide(line.text[0]) else " "


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"
