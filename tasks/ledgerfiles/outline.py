"""Numbering as ledgers write it, and the levels it gives a ledger with one text column.

A ledger with one text column numbers its rows to show their level: `一、` / `（一）` / `1.` / `(1)`
/ `①` mixed in one column, or outline numbers (`1`, `1.1`, `1.1.1`) in the 序号 column. A row
followed by a deeper one is a heading; the others are measures. The heading styles, in the order
they first appear, become the ledger's levels (section, task, item), so the levels a ledger has
are the levels it gets, and every number is kept as written.
"""

import re
from dataclasses import dataclass

CHINESE_NUMERALS = "一二三四五六七八九十百零〇"
CIRCLED_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

_PATTERNS = (
    ("part", re.compile(rf"^第([{CHINESE_NUMERALS}\d]+)(部分|章|篇|项)[、.．:：\s]*")),
    ("cn", re.compile(rf"^([{CHINESE_NUMERALS}]+)\s*[、.．]\s*")),
    ("cn_paren", re.compile(rf"^[（(]\s*([{CHINESE_NUMERALS}]+)\s*[)）]\s*[、.．]?\s*")),
    ("paren", re.compile(r"^[（(]\s*(\d+)\s*[)）]\s*[、.．]?\s*")),
    ("circled", re.compile(f"^([{CIRCLED_NUMBERS}])\\s*")),
    ("num", re.compile(r"^(\d+(?:\s*[.．]\s*\d+)*)(?:\s*[、.．](?!\d)|\s+|$)\s*")),
)
_TRAILING = " \t、.．:："
#: Where a heading level may go, from the top, for Chinese-numbered headings and for the others.
LEVELS = ("section", "task", "item")


@dataclass(frozen=True)
class Marker:
    """A row's number as written: its style, its numbers and the label to show."""

    style: tuple  # ("cn",), ("num", depth), …: rows of one style are at one level
    numbers: tuple[int, ...]
    label: str  # as written, without trailing punctuation: 一, （一）, 1.1, (2), ①

    @property
    def chinese(self) -> bool:
        return self.style[0] in ("part", "cn", "cn_paren")


def read_marker(text: str) -> tuple[Marker | None, str]:
    """The marker at the start of ``text`` and the text after it; (None, text) if it has none."""
    stripped = text.strip()
    for style, pattern in _PATTERNS:
        match = pattern.match(stripped)
        if not match:
            continue
        token = match.group(1)
        numbers = _numbers(style, token)
        if numbers is None:
            continue
        label = stripped[: match.end()].rstrip(_TRAILING).strip()
        key = ("num", len(numbers)) if style == "num" else (style,)
        return Marker(key, numbers, label), stripped[match.end():].strip()
    return None, stripped


def _numbers(style, token) -> tuple[int, ...] | None:
    if style == "circled":
        return (CIRCLED_NUMBERS.index(token) + 1,)
    if style == "num":
        numbers = tuple(int(part) for part in re.split(r"\s*[.．]\s*", token))
        return numbers if all(number < 1000 for number in numbers) else None  # 2024 年… is a year
    if token.isdigit():
        return (int(token),)
    number = chinese_number(token)
    return (number,) if number else None


def chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23, 一〇 → 10; None for anything else."""
    digits = {char: index for index, char in enumerate("零一二三四五六七八九")} | {"〇": 0}
    if not text:
        return None
    if all(char in digits for char in text):
        return int("".join(str(digits[char]) for char in text)) or None
    total, current = 0, 0
    for char in text:
        if char in digits:
            current = digits[char]
        elif char in "十百":
            total += (current or 1) * (10 if char == "十" else 100)
            current = 0
        else:
            return None
    return total + current or None


def levels(rows) -> list[str]:
    """The level of each row: ``section``, ``task``, ``item``, ``measure``, or ``task+measure`` for
    a row numbered like the tasks with no measures below it (the task is its own one measure).

    ``rows``: (marker or None, has values) per row, in order. A row is a heading when the row after
    it is deeper (its style first appeared later), or is an unnumbered row with values; a row
    without a marker and without values is a heading of its own unnumbered style.
    """
    styles = []
    for marker, has_values in rows:
        style = _style_of(marker, has_values)
        if style is not None and style not in styles:
            styles.append(style)
    rank = {style: index for index, style in enumerate(styles)}
    heading = []
    for index, (marker, has_values) in enumerate(rows):
        style = _style_of(marker, has_values)
        following = rows[index + 1] if index + 1 < len(rows) else None
        if style is None or following is None:
            heading.append(style == ("plain",) if style else False)
            continue
        next_style = _style_of(*following)
        deeper = next_style is None or rank[next_style] > rank[style]
        heading.append(deeper or style == ("plain",))
    heading_styles = sorted({_style_of(*row) for row, is_heading in zip(rows, heading) if is_heading}, key=rank.get)
    places = _heading_places(heading_styles)
    kinds = []
    for row, is_heading in zip(rows, heading):
        place = places.get(_style_of(*row))
        if is_heading:
            kinds.append(place)
        elif place is not None and rank[_style_of(*row)] < rank[heading_styles[-1]] or place == "task":
            kinds.append(f"{place}+measure")  # a task with nothing below it is its own one measure
        else:
            kinds.append("measure")
    return kinds


def _style_of(marker, has_values):
    if marker is not None:
        return marker.style
    return None if has_values else ("plain",)


def _heading_places(styles) -> dict:
    """Heading styles (top first) → section / task / item: Chinese numerals and unnumbered
    headings on top, the rest below; more styles than levels share the lowest."""
    if not styles:
        return {}
    top = [style for style in styles if style[0] in ("part", "cn", "cn_paren", "plain")]
    if len(styles) == 1:
        return {styles[0]: "section" if top else "task"}
    if len(styles) == 2:
        return dict(zip(styles, ("section", "task") if styles[0] in top else ("task", "item")))
    return {style: LEVELS[min(index, len(LEVELS) - 1)] for index, style in enumerate(styles)}
