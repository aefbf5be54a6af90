"""The forms a deadline phrase takes (``2024年6月底``, ``每季度末``, ``春节前``, ``10个工作日内``,
``长期坚持`` …): each a pattern and what it reads into milestones, with the numbers, years and
parts of a year they name. ``phrases`` finds them in a phrase's clauses.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tasks.deadlines.festivals import NAMES as FESTIVALS
from tasks.deadlines.festivals import NoCalendar, festival_day
from tasks.deadlines.workdays import add_workdays, first_workday_after
from tasks.deadlines.milestones import AS_NEEDED, DATE, LONG_TERM, MAX_YEAR, MIN_YEAR, ONGOING, RECURRING


# ---------------------------------------------------------------------------------------------
# Folding: one character in, at most one character out, so spans map back through a list.

_CIRCLED = (
    (0x2460, 0x249B),  # ①…⑳ ⑴…⒇ ⒈…⒛
    (0x2776, 0x2793),  # ❶…❿ ➀…➉ ➊…➓
    (0x3220, 0x3229),  # ㈠…㈩
    (0x3251, 0x325F),  # ㉑…㉟
    (0x32B1, 0x32BF),  # ㊱…㊿
)
_DASHES = {"—": "-", "–": "-", "−": "-", "〜": "~"}
MARKER = "①"


def _fold(char: str) -> str:
    code = ord(char)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if any(low <= code <= high for low, high in _CIRCLED):
        return MARKER
    return _DASHES.get(char, char)


def _normalize(text: str) -> tuple[str, list[int]]:
    """The folded text without whitespace, and for each of its characters the original offset."""
    chars, offsets = [], []
    for offset, char in enumerate(text):
        if not char.isspace():
            chars.append(_fold(char))
            offsets.append(offset)
    return "".join(chars), offsets


# ---------------------------------------------------------------------------------------------
# Numbers and dates.


class _Unreadable(Exception):
    """A clause names something that cannot be turned into a real date."""


_CN_DIGITS = "〇一二三四五六七八九"


def _number(text: str) -> int:
    """``11`` / ``十一`` / ``三十一`` → int (the numbers used for months, days and counts)."""
    if text.isdigit():
        return int(text)
    tens, ten, units = text.partition("十")
    if not ten:
        tens, units = "", text
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        raise _Unreadable(text)
    value = (_CN_DIGITS.index(tens) if tens else 1) * 10 if ten else 0
    return value + (_CN_DIGITS.index(units) if units else 0)


def _year_number(text: str) -> int:
    """``2024`` / ``二〇二四`` / ``二零二四`` → 2024, only within MIN_YEAR..MAX_YEAR."""
    digits = text if text.isdigit() else "".join(str(_CN_DIGITS.index(c)) for c in text.replace("零", "〇"))
    return _checked_year(int(digits))


def _checked_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Unreadable(str(year))
    return year


def _make_date(year: int, month: int, day: int | None = None) -> datetime.date:
    """A real date; ``day=None`` is the month's last day. Raises _Unreadable for impossible ones."""
    if not MIN_YEAR <= year <= MAX_YEAR or not 1 <= month <= 12:
        raise _Unreadable(f"{year}-{month}-{day}")
    try:
        return datetime.date(year, month, calendar.monthrange(year, month)[1] if day is None else day)
    except ValueError as error:
        raise _Unreadable(f"{year}-{month}-{day}") from error


def _day_of_month(match: re.Match, year: int) -> datetime.date:
    return _make_date(year, _number(match["m"]), _number(match["d"]))


_TEN_DAYS = {"上旬": 10, "中旬": 20, "下旬": None}


def _part_of_month(match: re.Match, year: int) -> datetime.date:
    return _make_date(year, _number(match["m"]), _TEN_DAYS[match["part"]])


def _end_of_month(match: re.Match, year: int) -> datetime.date:
    return _make_date(year, _number(match["m"]))


def _end_of_quarter(match: re.Match, year: int) -> datetime.date:
    return _make_date(year, 3 * ("一二三四".find(match["q"]) + 1 or int(match["q"])))


def _end_of_half(match: re.Match, year: int) -> datetime.date:
    return _make_date(year, 6 if match["h"] == "上" else 12)


_PARTS_OF_YEAR = {"初": 1, "中": 6, "底": 12, "末": 12, "内": 12}


def _part_of_year(match: re.Match, year: int) -> datetime.date:
    """年初 → end of January, 年中 → 30 June, 年底 / 年末 / 年内 → 31 December."""
    return _make_date(year, _PARTS_OF_YEAR[match["part"]])


_NUM = "[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_NUMERALS = "0-9〇零一二三四五六七八九十"
_BREAKS = rf",;。()\[\]【】{MARKER}"  # characters that end a clause
_SUFFIX_WORDS = "之前|以前|前|为止|止|之内|以内|内"
_SUFFIX = f"(?:{_SUFFIX_WORDS})?"
_YEAR = "(?P<year>[0-9]{4}|[〇零一二三四五六七八九]{4})"
_START = f"(?<![{_NUMERALS}])"  # a number starts here, not inside a longer one
#: Years named relative to the column's year (or to the year the phrase named last).
RELATIVE_YEARS = {
    **dict.fromkeys(("次年", "翌年", "第二年", "明年", "下年", "下一年", "下年度", "下一年度"), 1),
    **dict.fromkeys(("当年", "当年度", "同年", "本年", "本年度", "今年"), 0),
    **dict.fromkeys(("上年", "上一年", "上年度", "上一年度", "去年", "前一年"), -1),
}
_REL = "|".join(sorted(RELATIVE_YEARS, key=len, reverse=True))
_ANY_YEAR = f"(?:{_YEAR}年|(?P<rel>{_REL}))"
# A relative year that is a deadline by itself (次年推广, 本年度内); 上年 / 去年 alone never are.
_BARE_REL = "|".join(sorted((w for w, offset in RELATIVE_YEARS.items() if offset >= 0), key=len, reverse=True))
# 底 / 初 / 内 right after a year the phrase names (2024年底, 次年初, 每年底); 年底 alone only where
# no other word ends in its 年 (前年底, 下半年初 are not read)
_AFTER_A_YEAR = "|".join(
    f"(?<={before})" for before in ("[0-9〇零一二三四五六七八九]年", "[0-9〇零一二三四五六七八九]年度", "每年", *RELATIVE_YEARS)
)
# 年初 / 年中 only where the words after them cannot make another word of them (年中期, 年初步)
_YEAR_PART_END = rf"(?=前|之前|以前|为止|止|完成|[{_BREAKS}、]|$)"


_PERIODS: tuple[tuple[str, Callable[[re.Match, int], datetime.date]], ...] = (
    (rf"(?P<m>{_NUM})月(?P<d>{_NUM})[日号]", _day_of_month),
    (rf"(?P<m>{_NUM})月份?(?P<part>上旬|中旬|下旬)", _part_of_month),
    (rf"(?P<m>{_NUM})月份?(?:底|末|(?![{_NUMERALS}初中]|[上下]旬))", _end_of_month),
    (r"第?(?P<q>[1-4一二三四])季度(?:末|底|(?![初中]))", _end_of_quarter),
    (r"(?P<h>[上下])半年(?:末|底|(?![初中]))", _end_of_half),
    (
        rf"(?:(?:{_AFTER_A_YEAR}|[本当今]|(?<![\u4e00-\u9fff]))年度?|{_AFTER_A_YEAR})"
        rf"(?P<part>[底末内]|[初中]{_YEAR_PART_END})",
        _part_of_year,
    ),
)
# ---------------------------------------------------------------------------------------------
# Forms: what an anchor can be, and how it reads into (date, kind) pairs.

Items = list[tuple[datetime.date | None, str]]


@dataclass
class _Context:
    year: int | None  # the year of dates that name none: the column's, then the last one named
    column_year: int | None
    plan_years: tuple[int, ...]
    start_year: int | None = None  # 2022年起每年…
    last_date: datetime.date | None = None  # the last dated milestone read, for 逾期5个工作日内

    def named_year(self, match: re.Match) -> int:
        """The year a match names (which then carries over to later dates), else the context's."""
        groups = match.groupdict()
        if groups.get("year"):
            self.year = _year_number(groups["year"])
        elif groups.get("rel"):
            if self.year is None:
                raise _Unreadable(match[0])
            self.year = _checked_year(self.year + RELATIVE_YEARS[groups["rel"]])
        if self.year is None:
            raise _Unreadable(match[0])
        return self.year

    def cycle_years(self) -> list[int]:
        """Years a 每季度/每月/每半年 phrase recurs in: this year, else each plan year."""
        years = [self.year] if self.year is not None else list(self.plan_years)
        if not years:
            raise _Unreadable("no year")
        return years

    def yearly_years(self) -> list[int]:
        """Years a 每年 phrase recurs in: each plan year, else this year.

        After a start year (``2022年起每年…``): the column's year if it is not before the start,
        else the plan years from the start on.
        """
        if self.start_year is None:
            years = list(self.plan_years) or ([self.year] if self.year is not None else [])
        elif self.column_year is not None:
            years = [self.column_year] if self.column_year >= self.start_year else []
        else:
            years = [year for year in self.plan_years if year >= self.start_year]
        if not years:
            raise _Unreadable("no year")
        return years


@dataclass(frozen=True)
class _Form:
    pattern: re.Pattern
    read: Callable[[re.Match, _Context], Items]
    period: Callable[[re.Match, int], datetime.date] | None = None  # a dated period of a year
    every_year: bool = False  # a 每年 form: periods listed after it (每年3月、9月) recur too
    leading: bool = False  # an anchor only at the start of its clause
    keeps_text: bool = False  # an open-ended result keeps the anchor's words in its label


def _numeric_date(match: re.Match, context: _Context) -> Items:
    year = context.named_year(match)
    return [(_make_date(year, int(match["m"]), int(match["d"])), DATE)]


def _numeric_month(match: re.Match, context: _Context) -> Items:
    return [(_make_date(context.named_year(match), int(match["m"])), DATE)]


def _dated(period: Callable[[re.Match, int], datetime.date]) -> Callable[[re.Match, _Context], Items]:
    def read(match: re.Match, context: _Context) -> Items:
        return [(period(match, context.named_year(match)), DATE)]

    return read


def _bare_year(match: re.Match, context: _Context) -> Items:
    return [(_make_date(context.named_year(match), 12), DATE)]


def _start_year(match: re.Match, context: _Context) -> Items:
    context.start_year = _year_number(match["year"])
    return []


def _every_year(period: Callable[[re.Match, int], datetime.date]) -> Callable[[re.Match, _Context], Items]:
    def read(match: re.Match, context: _Context) -> Items:
        return [(period(match, year), RECURRING) for year in context.yearly_years()]

    return read


def _every(months: Sequence[int]) -> Callable[[re.Match, _Context], Items]:
    def read(match: re.Match, context: _Context) -> Items:
        return [(_make_date(year, month), RECURRING) for year in context.cycle_years() for month in months]

    return read


def _every_month_on(match: re.Match, context: _Context) -> Items:
    """每月25日 / 每月上旬: one per month; a day past a short month's end is that month's last day."""
    day = _TEN_DAYS[match["part"]] if match["part"] else _number(match["d"])
    if day is not None and not 1 <= day <= 31:
        raise _Unreadable(match[0])
    return [
        (_make_date(year, month, None if day is None else min(day, calendar.monthrange(year, month)[1])), RECURRING)
        for year in context.cycle_years()
        for month in range(1, 13)
    ]


_LISTED_MONTH = re.compile(rf"(?P<m>{_NUM})月(?:(?P<d>{_NUM})[日号])?")


def _listed_months(match: re.Match, context: _Context) -> Items:
    """每季度末（分别为3月、6月和9月底）: the months the parenthesis names, in each cycle year."""
    listed = [(_number(m["m"]), _number(m["d"]) if m["d"] else None) for m in _LISTED_MONTH.finditer(match["list"])]
    return [(_make_date(year, month, day), RECURRING) for year in context.cycle_years() for month, day in listed]


def _festival_date(match: re.Match, year: int, named: bool = False) -> datetime.date:
    """春节前 → the day before the festival; 国庆节后 → the first working day after it.

    元旦前 with no year named means the 元旦 that ends the year (31 December of ``year``).
    """
    try:
        if match["when"].endswith("前"):
            if match["fest"] == "元旦" and not named:
                return _make_date(year, 12, 31)
            day = festival_day(match["fest"], year) - datetime.timedelta(days=1)
        else:
            day = first_workday_after(festival_day(match["fest"], year))
    except NoCalendar as error:
        raise _Unreadable(match[0]) from error
    _checked_year(day.year)
    return day


def _festival(match: re.Match, context: _Context) -> Items:
    named = bool(match["year"] or match["rel"])
    return [(_festival_date(match, context.named_year(match), named), DATE)]


def _days_after(match: re.Match, context: _Context) -> Items:
    """逾期5个工作日内: counted from the date read before it; with none, as needed."""
    if context.last_date is None or match["unit"] not in ("工作日", "日", "天", "自然日"):
        return [(None, AS_NEEDED)]
    count = _number(match["n"])
    try:
        if match["unit"] == "工作日":
            day = add_workdays(context.last_date, count)
        else:
            day = context.last_date + datetime.timedelta(days=count)
    except NoCalendar as error:
        raise _Unreadable(match[0]) from error
    _checked_year(day.year)
    return [(day, DATE)]


def _open_ended(kind: str) -> Callable[[re.Match, _Context], Items]:
    def read(match: re.Match, context: _Context) -> Items:
        return [(None, kind)]

    return read


_GENERIC_VERB = "(?:推进|开展|进行|落实|坚持)?"  # says nothing beyond the keyword: not kept as label
_FESTIVAL = rf"(?P<fest>{'|'.join(FESTIVALS)})(?P<when>之前|以前|前|之后|以后|后)(?![前后期])"
_COUNT = rf"(?P<n>{_NUM})个?(?P<unit>工作日|自然日|日|天|周|个月)(?:之内|以内|内)"
_MONTH_ITEM = rf"(?:{_NUM})月(?:(?:{_NUM})[日号]|份)?(?:底|末)?"


_FORMS: tuple[_Form, ...] = (
    _Form(re.compile(rf"(?:自|从)?{_START}{_YEAR}年(?:起|开始)(?![至到])"), _start_year),
    _Form(
        re.compile(
            rf"{_START}{_YEAR}(?P<sep>[./-])(?P<m>[0-9]{{1,2}})(?P=sep)(?P<d>[0-9]{{1,2}})(?![0-9])日?{_SUFFIX}"
        ),
        _numeric_date,
    ),
    _Form(re.compile(rf"{_START}{_YEAR}[./-](?P<m>[0-9]{{1,2}})(?![0-9./-])月?{_SUFFIX}"), _numeric_month),
    # M.D without a year only with 前 / 止 after it: a bare 1.1 is an outline number
    _Form(
        re.compile(r"(?<![0-9.])(?P<m>[0-9]{1,2})[./](?P<d>[0-9]{1,2})(?![0-9./])日?(?:之前|以前|前(?![期置端沿提])|为止|止)"),
        _numeric_date,
    ),
    _Form(re.compile(rf"{_START}{_ANY_YEAR}?{_FESTIVAL}"), _festival),
    *(
        _Form(re.compile(rf"{_START}{_ANY_YEAR}?(?:{period}){_SUFFIX}"), _dated(reader), period=reader)
        for period, reader in _PERIODS
    ),
    _Form(re.compile(rf"{_START}{_YEAR}年度?{_SUFFIX}"), _bare_year),
    _Form(re.compile(rf"(?P<rel>{_BARE_REL}){_SUFFIX}"), _bare_year, leading=True),
    *(
        _Form(re.compile(rf"每年(?:{period}){_SUFFIX}"), _every_year(reader), every_year=True)
        for period, reader in _PERIODS
    ),
    _Form(re.compile(f"每年{_FESTIVAL}"), _every_year(_festival_date), every_year=True),
    _Form(
        re.compile(
            rf"每个?(?:季度|月|半年)(?:末|底)?{_SUFFIX}\((?:分别为|分别是|具体为|即|为)?"
            rf"(?P<list>{_MONTH_ITEM}(?:[、和及与]{_MONTH_ITEM})*){_SUFFIX}\)"
        ),
        _listed_months,
    ),
    _Form(re.compile(rf"每个?季度(?:末|底|(?![初中])){_SUFFIX}"), _every((3, 6, 9, 12))),
    _Form(re.compile(rf"每个?月(?:(?P<d>{_NUM})[日号]|(?P<part>上旬|中旬|下旬)){_SUFFIX}"), _every_month_on),
    _Form(re.compile(rf"每个?月(?:底|末|(?![{_NUMERALS}初中]|[上下]旬)){_SUFFIX}"), _every(range(1, 13))),
    _Form(re.compile(rf"每半年(?:末|底|(?![初中])){_SUFFIX}"), _every((6, 12))),
    _Form(
        re.compile(rf"(?:逾期|超期|到期后|期满后|届满后|之后|此后|其后|随后){_COUNT}"),
        _days_after,
        leading=True,
        keeps_text=True,
    ),
    _Form(re.compile(_COUNT), _open_ended(AS_NEEDED), keeps_text=True),
    _Form(re.compile("(?:立行立改|立查立改|即知即改|即查即改|边查边改)"), _open_ended(ONGOING), keeps_text=True),
    _Form(re.compile(rf"(?:持续|常态化){_GENERIC_VERB}"), _open_ended(ONGOING)),
    _Form(re.compile(rf"长期{_GENERIC_VERB}"), _open_ended(LONG_TERM)),
    _Form(re.compile(rf"(?:即时|立即|随时){_GENERIC_VERB}"), _open_ended(AS_NEEDED)),
    _Form(
        re.compile(
            rf"(?:适时|根据需要|按需|视情|(?:根据|按照|依据|按)[^{_BREAKS}0-9]{{0,20}}?(?:(?:部署|安排)?要求|部署|安排)"
            rf"(?:的?(?:时间节点|时间|时限|节点|进度))?){_GENERIC_VERB}"
        ),
        _open_ended(AS_NEEDED),
    ),
)
