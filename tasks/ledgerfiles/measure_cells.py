"""The text of a ledger's cells: lines joined, numbers read, an item's marker (`(1)`), several measures in one cell (`①…②…` or
list markers at line starts), values keyed per measure by circled number (`① 11月30日 ② 6月30日`)
and the words that mean done.

Pure Python, no Django; used by ``sheets`` for each row.
"""

import re
import unicodedata
from functools import lru_cache

from tasks.ledgerfiles.outline import read_marker

CIRCLED_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
DONE_WORDS = {"已完成", "完成", "是", "✓", "√", "✔", "y", "yes", "done"}

_ITEM_MARKER = re.compile(r"^\s*(?:[（(]\s*(\d+)\s*[)）]|(\d+)\s*[.、．](?!\d))\s*")
_GLUED_ITEM = re.compile(r"^(.*?\S)\s*[（(]\s*(\d+)\s*[)）]\s*(\S.*)$", re.S)
_LIST_MARKER = re.compile(r"^[ \t]*(?:[（(]\s*(\d+)\s*[)）]|(\d+)\s*[.、．](?!\d))", re.M)
_CIRCLED = re.compile(f"[{CIRCLED_NUMBERS}]")
_KEY_SEPARATORS = " \t\n,，;；、"


def split_item_marker(text: str) -> tuple[int | None, str, str]:
    """`(1) 各级…` → (1, "(1)", "各级…"); text without a marker → (None, "", text)."""
    match = _ITEM_MARKER.match(text)
    if not match:
        return None, "", text.strip()
    return int(match.group(1) or match.group(2)), marker_label(match.group(0)), text[match.end():].strip()


def marker_label(text: str) -> str:
    """A number as written, for showing: `1、` → `1`, `（一）` stays, `①` stays."""
    return text.strip().rstrip(" \t、.．:：").strip()


def split_glued_item(title: str) -> tuple[str, str]:
    """`建立健全…体系。 (31) 强化…` → ("建立健全…体系。", "(31) 强化…")."""
    match = _GLUED_ITEM.match(title)
    if not match:
        return title, ""
    return match.group(1).strip(), title[match.start(2) - 1:].strip()


def split_measures(text: str) -> list[tuple[int | None, str]]:
    """Split a measure cell on circled numbers, else on ≥2 line-leading list markers.

    Returns (number, text) pairs, the number None for a single unnumbered measure.
    Text before the first marker joins the first measure.
    """
    return [(number, measure) for number, _label, measure in split_labelled_measures(text)]


def split_labelled_measures(text: str) -> list[tuple[int | None, str, str]]:
    """``split_measures`` with each measure's marker as written: (number, label, text). Every
    character of a measure is kept but the spaces around it (a closing `；` or `。` included)."""
    markers = list(_CIRCLED.finditer(text))
    if not markers:
        listed = list(_LIST_MARKER.finditer(text))
        markers = listed if len(listed) >= 2 else []
    if not markers:
        return [(None, *outline_label(text))]
    measures = [
        (_marker_number(marker), marker_label(marker.group(0)), segment)
        for marker, segment in _segments(text, markers, keep_end=True)
    ]
    preamble = text[: markers[0].start()].strip(_KEY_SEPARATORS)
    if preamble:
        number, label, first = measures[0]
        measures[0] = (number, label, f"{preamble} {first}".strip())
    return measures


def outline_label(text: str) -> tuple[str, str]:
    """A single measure's outline number as written and its text: `1.1 年底前…` → ("1.1", "年底前…");
    ("", text) for any other start (`1.5亿元`, `2024年`, a bare `1.`: none of them is an outline number)."""
    marker, rest = read_marker(text)
    if marker is None or marker.style[0] != "num" or len(marker.numbers) < 2 or not rest:
        return "", text.strip()
    return marker.label, rest


def _marker_number(marker) -> int:
    if marker.group()[0] in CIRCLED_NUMBERS:
        return CIRCLED_NUMBERS.index(marker.group()[0]) + 1
    return int(marker.group(1) or marker.group(2))


def _segments(text, markers, keep_end=False):
    """Each marker with the text after it up to the next marker; separators around it dropped
    (``keep_end``: only the leading ones and the spaces, for texts that keep their punctuation)."""
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        segment = text[marker.end():end]
        yield marker, segment.lstrip(_KEY_SEPARATORS).rstrip() if keep_end else segment.strip(_KEY_SEPARATORS)


def number_measures(measures, previous) -> list[tuple[int, str, str]]:
    """Give unnumbered measures the next number after those the item already has."""
    numbered = []
    for number, label, text in measures:
        if number is None:
            number = max([previous] + [n for n, _label, _text in numbered]) + 1
        numbered.append((number, label, text))
    return numbered


def strip_measure_marker(text: str) -> str:
    (_, measure), *rest = split_measures(text)
    return measure if not rest else text.strip()


@lru_cache(maxsize=4096)
def keyed_values(text: str) -> dict[int, str] | None:
    """`① 11月30日 ② 6月30日` → {1: "11月30日", 2: "6月30日"}; None if the cell has no keys.

    Cached: a cell shared by several measures is split once (do not change the dict returned)."""
    markers = list(_CIRCLED.finditer(text))
    if not markers:
        return None
    return {_marker_number(marker): segment for marker, segment in _segments(text, markers)}


def measure_value(text: str, number: int) -> str:
    """The part of a cell for measure `number`: its keyed value, or the whole unkeyed cell."""
    keyed = keyed_values(text)
    return text if keyed is None else keyed.get(number, "")


def is_done(text: str, number: int) -> bool:
    keyed = keyed_values(text)
    if keyed is None:
        return means_done(text)
    return number in keyed and (keyed[number] == "" or means_done(keyed[number]))


def means_done(text: str) -> bool:
    return text.strip().lower() in DONE_WORDS


def one_line(text: str, joiner: str = "") -> str:
    """Join a cell's lines; between two Chinese characters with `joiner`, else a space."""
    lines = text.split("\n")
    joined = lines[0]
    for line in lines[1:]:
        between = joiner if is_wide(joined[-1]) or is_wide(line[0]) else " "
        joined += between + line
    return joined


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def to_int(text: str) -> int | None:
    text = text.strip()
    if text and text[0] in CIRCLED_NUMBERS:
        return CIRCLED_NUMBERS.index(text[0]) + 1
    return int(text) if text.isdigit() else None
