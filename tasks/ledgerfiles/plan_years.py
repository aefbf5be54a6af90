"""The years a plan covers, as its ledger file tells them: the title's range (`（2023—2025年）`), its
`2024年…三年行动`, the header's year columns, a year in the title, then the deadline phrases.

Pure Python, no Django; used by ``sheets.read_ledger``.
"""

import re

from tasks.ledgerfiles.outline import chinese_number

_YEAR_RANGE = re.compile(r"(\d{4})\s*年?\s*[—–\-~～至到－]+\s*(\d{4})")
_YEAR = re.compile(r"(\d{4})\s*年")

#: Where plan years may be found, in the order they are looked for (said when none is found).
YEARS_LOOKED_AT = "标题中的年度范围（如 2023—2025年）或“N年行动”及起始年、表头中的年度列、完成时限中的年份"
_ACTION = re.compile(r"(20\d{2})\s*年?.{0,40}?([一二两三四五六七八九十\d]+)\s*年\s*(?:行动|计划|规划|攻坚)")
_PHRASE_YEAR = re.compile(r"(20\d{2})\s*年")
_ACTION_LENGTH = re.compile(r"([一二两三四五六七八九十])\s*年\s*(?:行动|计划|规划|攻坚)")


def years_of_plan(title, header_years, rows) -> tuple[list[int], str]:
    """The years the plan covers as the file tells them, and where: the title's range, its
    `2024年…三年行动`, the header's year columns, a year in the title, then the deadline phrases."""
    span = _YEAR_RANGE.search(title)
    if span and int(span.group(1)) <= int(span.group(2)):
        return list(range(int(span.group(1)), int(span.group(2)) + 1)), f"标题「{span.group(0)}」"
    action = _ACTION.search(title)
    if action:
        count = int(action.group(2)) if action.group(2).isdigit() else chinese_number(action.group(2).replace("两", "二"))
        if count and 1 <= count <= 10:
            start = int(action.group(1))
            return list(range(start, start + count)), f"标题「{action.group(0)}」"
    if header_years:
        return list(range(header_years[0], header_years[-1] + 1)), "表头的年度列"
    named = title_years(title)
    if named:
        return named, "标题中的年份"
    phrase_years = sorted({int(year) for row in rows for text in row.deadlines.values() for year in _PHRASE_YEAR.findall(text)})
    phrase_years = [year for year in phrase_years if 2000 <= year <= 2100]
    if not phrase_years:
        return [], ""
    first, last = phrase_years[0], phrase_years[-1]
    action = _ACTION_LENGTH.search(title)
    count = chinese_number(action.group(1).replace("两", "二")) if action else None
    if count and last - first + 1 < count <= 10:
        return list(range(last - count + 1, last + 1)), f"标题「{action.group(0)}」和完成时限中的最后年份 {last}"
    return list(range(first, last + 1)), "完成时限中的年份"


def title_years(title: str) -> list[int]:
    """Years a title names: `(2023—2025年)` → [2023, 2024, 2025]; `2016年…` → [2016]."""
    span = _YEAR_RANGE.search(title)
    if span:
        first, last = int(span.group(1)), int(span.group(2))
        if first <= last:
            return list(range(first, last + 1))
    return sorted({int(year) for year in _YEAR.findall(title)})
