"""Reading deadline phrases (完成时限) into milestones.

A phrase such as ``2024年12月底前完成试点，2025年推广`` becomes a list of milestones: a date (or
none), a kind, a label saying what happens, and the span of the original text it came from.
Pure Python: no Django. The grammar and its conventions are described in ``docs/deadlines.md``.

How it reads a phrase:

1. Fold the text: drop all whitespace (PDF extraction splits ``2025年\\n\\n9月底前``), turn
   full-width characters into half-width ones, turn every circled number into ``①``. A position
   map keeps spans pointing into the original text.
2. Cut it into clauses at ``, ; 。 ( )`` and list markers (①, ``(1)``, a leading ``1、``).
3. In each clause, find anchors left to right: dates, recurring dates, festivals, counts of days
   and the open-ended keywords (持续推进, 长期, 适时…). The words after an anchor are its label.
4. Anything a clause leaves unexplained that still looks like a date (a digit, ``三月``, ``月初``,
   a festival) makes the whole clause unparsed: never a wrong date silently.
5. A dated milestone outside the plan's years is kept and marked for review.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tasks.deadlines.festivals import NAMES as FESTIVALS
from tasks.deadlines.festivals import NoCalendar, festival_day
from tasks.deadlines.workdays import add_workdays, first_workday_after

DATE = "date"
ONGOING = "ongoing"
LONG_TERM = "long_term"
AS_NEEDED = "as_needed"
RECURRING = "recurring"
UNPARSED = "unparsed"
KINDS = (DATE, ONGOING, LONG_TERM, AS_NEEDED, RECURRING, UNPARSED)

MIN_YEAR, MAX_YEAR = 2000, 2100
OUTSIDE_PLAN = "日期不在方案年度内"


@dataclass(frozen=True)
class Milestone:
    date: datetime.date | None
    kind: str
    label: str = ""
    span: tuple[int, int] = (0, 0)
    review: str = ""  # why a person should check this milestone although it was read ('' if no reason)

    def as_json(self) -> dict:
        data = {"date": self.date.isoformat() if self.date else None, "kind": self.kind, "label": self.label}
        if self.review:
            data["review"] = self.review
        return data


def needs_review(milestones) -> bool:
    """True if a person has to read the phrase: some part of it could not be parsed, or a date
    it gives lies outside the plan's years.

    ``parse_deadline`` returns an empty list only for a blank phrase, which needs no review.
    """
    return any(milestone.kind == UNPARSED or milestone.review for milestone in milestones)


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


# Periods of a year: each turns its match and a year into the date the period ends on.


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
        re.compile(rf"(?<![0-9.])(?P<m>[0-9]{{1,2}})[./](?P<d>[0-9]{{1,2}})(?![0-9./])日?(?:之前|以前|前(?![期置端沿提])|为止|止)"),
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


# ---------------------------------------------------------------------------------------------
# Clauses.

_SEPARATOR = re.compile(rf"\([0-9]{{1,2}}\)|[{_BREAKS}]")
_LIST_NUMBER = re.compile(r"[0-9]{1,2}(?:、|\.(?![0-9]))")  # only at the start of a clause; not 6.30
_RANGE = re.compile(r"起?[-~至到]")
_LIST_JOIN = re.compile(r"[、和及与]?")
# After a date: 6月30日后 and 7月起 name a start, not a deadline (6月底前开始实施 is one: by June)
_AFTER = re.compile(r"(?:结束|届满|到期|期满)?(?:以后|之后|后)")
_FROM = re.compile(r"起(?![草步诉])|开始|以来")
_BY = re.compile(rf"(?:{_SUFFIX_WORDS})$")
_EVERY_BEFORE = re.compile(r"每(?:年度?|个?月|个?季度|半年|周)$")  # 每年 + a form it cannot repeat
_LEAD_WORDS = re.compile(r"(?:截至|截止|务必于|务于|须于|应于|于|力争|争取|确保)")
_EDGES = re.compile(r"[、,.:;~\-!?'\"“”并及和且与]*(.*?)[、,.:;~\-!?'\"“”并及和且与]*$", re.DOTALL)
_EMPTY_LABELS = {"完成", "完成任务"}
# Left-over words that still talk about a date: the clause says more than the grammar read.
_DATE_RESIDUE = re.compile(
    rf"\d|[〇零一二三四五六七八九十两]+[年月日号]|[上中下]旬|月[底末初中]|年[底末初中内]|工作日|{'|'.join(FESTIVALS)}"
)


@dataclass(frozen=True)
class _Anchor:
    start: int
    end: int
    form: _Form
    match: re.Match


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    anchors: tuple[_Anchor, ...]


def _anchor_at(text: str, position: int, clause_start: int) -> _Anchor | None:
    for form in _FORMS:
        if form.leading and position != clause_start:
            continue
        match = form.pattern.match(text, position)
        if match:
            return _Anchor(match.start(), match.end(), form, match)
    return None


def _clauses(text: str) -> list[_Clause]:
    clauses, anchors, start, position = [], [], None, 0

    def close(end: int) -> None:
        if start is not None:
            clauses.append(_Clause(start, end, tuple(anchors)))

    while position < len(text):
        separator = _SEPARATOR.match(text, position) or (start is None and _LIST_NUMBER.match(text, position))
        if separator:
            close(position)
            anchors, start, position = [], None, separator.end()
            continue
        if start is None:
            start = position
        anchor = _anchor_at(text, position, start)
        if anchor:
            anchors.append(anchor)
            position = anchor.end
        else:
            position += 1
    close(len(text))
    return clauses


def _clean(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Strip edge punctuation and connectors from ``text[start:end]``: (label, start, end)."""
    match = _EDGES.match(text, start, end)
    label = match[1]
    if label in _EMPTY_LABELS:
        return "", match.start(1), match.start(1)
    return label, match.start(1), match.end(1)


@dataclass
class _Piece:
    """An anchor read into dates, with the stretch of text that belongs to it."""

    items: Items
    start: int
    end: int
    form: _Form
    label: str = ""
    range_start: str = ""  # 2025年4月至9月: the start of the range, kept in the label


def _read_clause(text: str, clause: _Clause, context: _Context) -> list[_Piece] | None:
    """The clause's pieces; [] if it holds nothing; None if it cannot be read with confidence."""
    if not clause.anchors:
        return [] if not _clean(text, clause.start, clause.end)[0] else None
    bounds = [anchor.start for anchor in clause.anchors[1:]] + [clause.end]
    gaps = [text[clause.start : clause.anchors[0].start]] + [
        text[anchor.end : bound] for anchor, bound in zip(clause.anchors, bounds)
    ]
    if any(_DATE_RESIDUE.search(gap) for gap in gaps) or any(_EVERY_BEFORE.search(gap) for gap in gaps[:-1]):
        return None
    try:
        pieces = _join_ranges(text, _read_anchors(text, clause, context))
    except _Unreadable:
        return None
    if any(piece.items and _is_a_start(text, piece) for piece in pieces):
        return None
    for piece, bound in zip(pieces, [p.start for p in pieces[1:]] + [clause.end]):
        piece.label, _, label_end = _clean(text, piece.end, bound)
        if piece.form.keeps_text and all(kind in (AS_NEEDED, ONGOING) for _, kind in piece.items):
            piece.label = text[piece.start : piece.end] + piece.label
        if piece.range_start:
            piece.label = f"{piece.range_start}起{piece.label}"
        if label_end > piece.end:
            piece.end = label_end
    if any(piece.label for piece in pieces if not piece.items):  # 2024年起实施: a start, but of what?
        return None
    dated = [piece for piece in pieces if piece.items]  # a start year is kept in the context only
    if dated:  # the lead words of the first dated piece begin after any start year before it
        lead_from = max([clause.start, *(p.end for p in pieces if not p.items and p.end <= dated[0].start)])
        _add_lead(text, lead_from, dated[0])
    return dated


def _is_a_start(text: str, piece: _Piece) -> bool:
    if _AFTER.match(text, piece.end):
        return True
    return bool(_FROM.match(text, piece.end)) and not _BY.search(text, piece.start, piece.end)


def _read_anchors(text: str, clause: _Clause, context: _Context) -> list[_Piece]:
    """Each anchor read in order; a period listed after a 每年 one (每年3月、9月) recurs too."""
    pieces: list[_Piece] = []
    every_year = False
    for anchor in clause.anchors:
        form, match = anchor.form, anchor.match
        listed = pieces and _LIST_JOIN.fullmatch(text, pieces[-1].end, anchor.start)
        named = match.groupdict().get("year") or match.groupdict().get("rel")
        if every_year and listed and form.period and not named:
            items = _every_year(form.period)(match, context)
        else:
            items = form.read(match, context)
            every_year = form.every_year
        for date, kind in items:
            if kind == DATE:
                context.last_date = date
        pieces.append(_Piece(items, anchor.start, anchor.end, form))
    return pieces


def _join_ranges(text: str, pieces: list[_Piece]) -> list[_Piece]:
    """``2025年4月至9月``: two single dates joined by 至/到/-/~ become one, the end of the range;
    the start stays in the label. A range that ends before it starts cannot be read."""
    joined = pieces[:1]
    for piece in pieces[1:]:
        last = joined[-1]
        single = len(last.items) == len(piece.items) == 1 and last.items[0][1] == piece.items[0][1] == DATE
        if single and _RANGE.fullmatch(text, last.end, piece.start):
            if piece.items[0][0] < last.items[0][0]:
                raise _Unreadable(text[last.start : piece.end])
            start = re.sub(f"(?:{_SUFFIX_WORDS})$", "", text[last.start : last.end])
            joined[-1] = _Piece(piece.items, last.start, piece.end, piece.form, range_start=start)
        else:
            joined.append(piece)
    return joined


def _add_lead(text: str, start: int, piece: _Piece) -> None:
    """Words before the first anchor (``中期评估2024年9月底``) join its label; 截至/于/力争… go."""
    lead = _LEAD_WORDS.match(text, start, piece.start)
    label, lead_start, _ = _clean(text, lead.end() if lead else start, piece.start)
    if label:
        piece.label = label + piece.label
        piece.start = lead_start


# ---------------------------------------------------------------------------------------------
# The phrase.


def parse_deadline(text: str, year: int | None = None, plan_years: Sequence[int] = ()) -> list[Milestone]:
    """Read a deadline phrase into milestones; see ``docs/deadlines.md``. Never raises on a str.

    ``year``: the year of the column the phrase sits in, for dates that name none.
    ``plan_years``: the plan's years, for ``每年X月``; a dated milestone outside them is marked
    for review (``Milestone.review``).
    """
    if not text or text.isspace():
        return []
    folded, offsets = _normalize(text)

    def span(start: int, end: int) -> tuple[int, int]:
        return offsets[start], offsets[end - 1] + 1

    plan = tuple(sorted(set(plan_years)))
    context = _Context(year, year, plan)
    milestones: list[Milestone] = []
    unread: tuple[int, int] | None = None  # consecutive unreadable clauses, as one stretch
    for clause in _clauses(folded):
        before = (context.year, context.start_year, context.last_date)
        pieces = _read_clause(folded, clause, context)
        if pieces is None:
            context.year, context.start_year, context.last_date = before
            unread = (unread[0] if unread else clause.start, clause.end)
            continue
        if unread and pieces:
            milestones.append(_unparsed(text, span(*unread)))
            unread = None
        for piece in pieces:
            where = span(piece.start, piece.end)
            milestones.extend(Milestone(date, kind, piece.label, where) for date, kind in piece.items)
    if unread:
        milestones.append(_unparsed(text, span(*unread)))
    if not milestones:  # only separators and filler words
        stripped = text.strip()
        start = text.index(stripped)
        return [Milestone(None, UNPARSED, stripped, (start, start + len(stripped)))]
    return [_checked_against_plan(m, plan) for m in _merge_duplicates(milestones)]


def _checked_against_plan(milestone: Milestone, plan_years: tuple[int, ...]) -> Milestone:
    if plan_years and milestone.date and milestone.date.year not in plan_years:
        return dataclasses.replace(milestone, review=OUTSIDE_PLAN)
    return milestone


def _unparsed(text: str, span: tuple[int, int]) -> Milestone:
    return Milestone(None, UNPARSED, text[span[0] : span[1]].strip(), span)


def _merge_duplicates(milestones: list[Milestone]) -> list[Milestone]:
    """One milestone per (date, kind), unless both carry different labels (then both are kept).

    The first keeps its place; if only the later one has a label, the later one takes that place.
    """
    merged: list[Milestone] = []
    for milestone in milestones:
        for index, kept in enumerate(merged):
            same = (kept.date, kept.kind) == (milestone.date, milestone.kind) and kept.kind != UNPARSED
            if same and (not kept.label or not milestone.label or kept.label == milestone.label):
                if milestone.label and not kept.label:
                    merged[index] = milestone
                break
        else:
            merged.append(milestone)
    return merged
