"""Split a ledger's department cell into department names.

`市级各行政执法部门按职责分工负责，各县（区）政府、广元经济技术开发区管委会落实。`
→ ["市级各行政执法部门", "各县（区）政府", "广元经济技术开发区管委会"]
"""

import re

SEPARATORS = "、，,；;\n"
OPENING_BRACKETS = "（([【〔"
CLOSING_BRACKETS = "）)]】〕"

# Duty phrases that follow a unit's name; longest first so that
# 按职责分工负责 is removed whole rather than as 负责.
DUTY_SUFFIXES = (
    "按职责分工负责",
    "按照职责分工负责",
    "按职责负责",
    "分工负责",
    "负责",
    "落实",
    "配合",
    "牵头",
    "参与",
    "等",
)
TRAILING_PUNCTUATION = "。.．:："

# Whitespace between two Chinese characters separates two names
# (`政策法规科 机关党总支`); whitespace elsewhere is kept.
_SPACE_BETWEEN_NAMES = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000]+(?=[\u4e00-\u9fff])")


def split_units(text: str) -> list[str]:
    """Department names in a cell, in order, without duty phrases or duplicates."""
    text = _SPACE_BETWEEN_NAMES.sub("\n", (text or "").replace("\r", "\n"))
    names = []
    for part in _split_outside_brackets(text):
        name = _strip_duty(part)
        if name and name not in names:
            names.append(name)
    return names


def _split_outside_brackets(text: str) -> list[str]:
    """Split on separators, leaving bracketed parts such as （区） whole."""
    parts, current, depth = [], [], 0
    for char in text:
        if char in OPENING_BRACKETS:
            depth += 1
        elif char in CLOSING_BRACKETS:
            depth = max(depth - 1, 0)
        if char in SEPARATORS and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _strip_duty(part: str) -> str:
    """Remove trailing duty phrases and punctuation until none is left."""
    name = part.strip()
    while True:
        stripped = name.rstrip(TRAILING_PUNCTUATION).strip()
        for suffix in DUTY_SUFFIXES:
            if stripped.endswith(suffix):
                stripped = stripped[: -len(suffix)].strip()
                break
        if stripped == name:
            return name
        name = stripped
