"""Reading deadline phrases (完成时限) into milestones.

A phrase such as ``2024年12月底前完成试点，2025年推广`` becomes a list of milestones: a date (or
none), a kind, a label saying what happens, and the span of the original text it came from.
Pure Python: no Django. The grammar and its conventions are described in ``docs/deadlines.md``.

How it reads a phrase:

1. Fold the text: drop all whitespace (PDF extraction splits ``2025年\\n\\n9月底前``), turn
   full-width characters into half-width ones, turn every circled number into ``①``. A position
   map keeps spans pointing into the original text.
2. Cut it into clauses at ``, ; 。 ( )`` and list markers (①, ``(1)``, a leading ``1、``).
3. In each clause, find anchors left to right: dates, recurring dates and the open-ended
   keywords (持续推进, 长期, 适时…). The words after an anchor are its label.
4. Anything a clause leaves unexplained that still looks like a date (a digit, ``三月``, ``月初``)
   makes the whole clause unparsed: never a wrong date silently.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

DATE = "date"
ONGOING = "ongoing"
LONG_TERM = "long_term"
AS_NEEDED = "as_needed"
RECURRING = "recurring"
UNPARSED = "unparsed"
KINDS = (DATE, ONGOING, LONG_TERM, AS_NEEDED, RECURRING, UNPARSED)

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Milestone:
    date: datetime.date | None
    kind: str
    label: str = ""
    span: tuple[int, int] = (0, 0)

    def as_json(self) -> dict:
        return {"date": self.date.isoformat() if self.date else None, "kind": self.kind, "label": self.label}


def needs_review(milestones) -> bool:
    """True if a person has to read the phrase: some part of it could not be parsed.

    ``parse_deadline`` returns an empty list only for a blank phrase, which needs no review.
    """
    return any(milestone.kind == UNPARSED for milestone in milestones)


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
    """``11`` / ``十一`` / ``三十一`` → int (the numbers used for months and days)."""
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
    """``2024`` / ``二〇二四`` → 2024, only within MIN_YEAR..MAX_YEAR."""
    digits = text if text.isdigit() else "".join(str(_CN_DIGITS.index(c)) for c in text.replace("零", "〇"))
    year = int(digits)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Unreadable(text)
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


def _end_of_year(match: re.Match, year: int) -> datetime.date:
    return _make_date(year, 12)


_NUM = "[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_NUMERALS = "0-9〇零一二三四五六七八九十"
_PERIODS: tuple[tuple[str, Callable[[re.Match, int], datetime.date]], ...] = (
    (rf"(?P<m>{_NUM})月(?P<d>{_NUM})[日号]", _day_of_month),
    (rf"(?P<m>{_NUM})月份?(?P<part>上旬|中旬|下旬)", _part_of_month),
    (rf"(?P<m>{_NUM})月份?(?:底|末|(?![{_NUMERALS}初中]|[上下]旬))", _end_of_month),
    (r"第?(?P<q>[1-4一二三四])季度(?:末|底)?", _end_of_quarter),
    (r"(?P<h>[上下])半年(?:末|底)?", _end_of_half),
    (r"(?:(?<=年)|[本当今]?年)(?:底|末|内)", _end_of_year),
)

_YEAR = "(?P<year>[0-9]{4}|[〇零一二三四五六七八九]{4})"
_START = f"(?<![{_NUMERALS}])"  # a number starts here, not inside a longer one
_SUFFIX = "(?:之前|以前|前|为止|止|内)?"


# ---------------------------------------------------------------------------------------------
# Forms: what an anchor can be, and how it reads into (date, kind) pairs.

Items = list[tuple[datetime.date | None, str]]


@dataclass
class _Context:
    year: int | None  # the year of dates that name none: the column's, then the last one named
    plan_years: tuple[int, ...]

    def named_year(self, match: re.Match) -> int:
        """The year a match names (which then carries over to later dates), else the context's."""
        named = match.groupdict().get("year")
        if named:
            self.year = _year_number(named)
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
        """Years a 每年 phrase recurs in: each plan year, else this year."""
        years = list(self.plan_years) or ([self.year] if self.year is not None else [])
        if not years:
            raise _Unreadable("no year")
        return years


@dataclass(frozen=True)
class _Form:
    pattern: re.Pattern
    read: Callable[[re.Match, _Context], Items]


def _numeric_date(match: re.Match, context: _Context) -> Items:
    year = context.named_year(match)
    return [(_make_date(year, int(match["m"]), int(match["d"])), DATE)]


def _dated(period: Callable[[re.Match, int], datetime.date]) -> Callable[[re.Match, _Context], Items]:
    def read(match: re.Match, context: _Context) -> Items:
        return [(period(match, context.named_year(match)), DATE)]

    return read


def _bare_year(match: re.Match, context: _Context) -> Items:
    return [(_make_date(context.named_year(match), 12), DATE)]


def _every_year(period: Callable[[re.Match, int], datetime.date]) -> Callable[[re.Match, _Context], Items]:
    def read(match: re.Match, context: _Context) -> Items:
        return [(period(match, year), RECURRING) for year in context.yearly_years()]

    return read


def _every(months: Sequence[int]) -> Callable[[re.Match, _Context], Items]:
    def read(match: re.Match, context: _Context) -> Items:
        return [(_make_date(year, month), RECURRING) for year in context.cycle_years() for month in months]

    return read


def _open_ended(kind: str) -> Callable[[re.Match, _Context], Items]:
    def read(match: re.Match, context: _Context) -> Items:
        return [(None, kind)]

    return read


_BREAKS = rf",;。()\[\]【】{MARKER}"  # characters that end a clause
_GENERIC_VERB = "(?:推进|开展|进行|落实|坚持)?"  # says nothing beyond the keyword: not kept as label
_FORMS: tuple[_Form, ...] = tuple(
    _Form(re.compile(pattern), read)
    for pattern, read in (
        (
            rf"{_START}{_YEAR}(?P<sep>[./-])(?P<m>[0-9]{{1,2}})(?P=sep)(?P<d>[0-9]{{1,2}})(?![0-9])日?{_SUFFIX}",
            _numeric_date,
        ),
        *((rf"{_START}(?:{_YEAR}年)?(?:{period}){_SUFFIX}", _dated(reader)) for period, reader in _PERIODS),
        (rf"{_START}{_YEAR}年度?{_SUFFIX}", _bare_year),
        *((rf"每年(?:{period}){_SUFFIX}", _every_year(reader)) for period, reader in _PERIODS),
        (rf"每个?季度(?:末|底)?{_SUFFIX}", _every((3, 6, 9, 12))),
        (rf"每个?月(?:底|末)?(?![{_NUMERALS}]){_SUFFIX}", _every(range(1, 13))),
        (rf"每半年(?:末|底)?{_SUFFIX}", _every((6, 12))),
        (rf"(?:持续|常态化){_GENERIC_VERB}", _open_ended(ONGOING)),
        (rf"长期{_GENERIC_VERB}", _open_ended(LONG_TERM)),
        (rf"(?:适时|根据需要|按需|视情|(?:根据|按照|依据)[^{_BREAKS}0-9]{{0,20}}?要求){_GENERIC_VERB}", _open_ended(AS_NEEDED)),
    )
)


# ---------------------------------------------------------------------------------------------
# Clauses.

_SEPARATOR = re.compile(rf"\([0-9]{{1,2}}\)|[{_BREAKS}]")
_LIST_NUMBER = re.compile(r"[0-9]{1,2}(?:、|\.(?![0-9]))")  # only at the start of a clause; not 6.30
_RANGE = re.compile(r"[-~至到]")
_LEAD_WORDS = re.compile(r"(?:截至|截止|于|力争|争取)")
_EDGES = re.compile(r"[、,.:;~\-!?'\"“”并及和且与]*(.*?)[、,.:;~\-!?'\"“”并及和且与]*$", re.DOTALL)
_EMPTY_LABELS = {"完成", "完成任务"}
# Left-over words that still talk about a date: the clause says more than the grammar read.
_DATE_RESIDUE = re.compile(r"\d|[〇零一二三四五六七八九十两]+[年月日号]|[上中下]旬|月[底末初中]|年[底末初中内]")


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


def _anchor_at(text: str, position: int) -> _Anchor | None:
    for form in _FORMS:
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
        anchor = _anchor_at(text, position)
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
    label: str = ""


def _read_clause(text: str, clause: _Clause, context: _Context) -> list[_Piece] | None:
    """The clause's pieces; [] if it holds nothing; None if it cannot be read with confidence."""
    if not clause.anchors:
        return [] if not _clean(text, clause.start, clause.end)[0] else None
    bounds = [anchor.start for anchor in clause.anchors[1:]] + [clause.end]
    gaps = [text[clause.start : clause.anchors[0].start]] + [
        text[anchor.end : bound] for anchor, bound in zip(clause.anchors, bounds)
    ]
    if any(_DATE_RESIDUE.search(gap) for gap in gaps):
        return None
    try:
        pieces = [_Piece(a.form.read(a.match, context), a.start, a.end) for a in clause.anchors]
    except _Unreadable:
        return None
    pieces = _join_ranges(text, pieces)
    for piece, bound in zip(pieces, [p.start for p in pieces[1:]] + [clause.end]):
        piece.label, _, label_end = _clean(text, piece.end, bound)
        if piece.label:
            piece.end = label_end
    _add_lead(text, clause.start, pieces[0])
    return pieces


def _join_ranges(text: str, pieces: list[_Piece]) -> list[_Piece]:
    """``2024年6月至12月``: two single dates joined by 至/到/-/~ become one, the later date."""
    joined = [pieces[0]]
    for piece in pieces[1:]:
        last = joined[-1]
        single = len(last.items) == len(piece.items) == 1 and last.items[0][1] == piece.items[0][1] == DATE
        if single and _RANGE.fullmatch(text, last.end, piece.start):
            joined[-1] = _Piece([max(last.items[0], piece.items[0])], last.start, piece.end)
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
    ``plan_years``: the plan's years, for ``每年X月``.
    """
    if not text or text.isspace():
        return []
    folded, offsets = _normalize(text)

    def span(start: int, end: int) -> tuple[int, int]:
        return offsets[start], offsets[end - 1] + 1

    context = _Context(year, tuple(sorted(set(plan_years))))
    milestones: list[Milestone] = []
    unread: tuple[int, int] | None = None  # consecutive unreadable clauses, as one stretch
    for clause in _clauses(folded):
        year_before = context.year
        pieces = _read_clause(folded, clause, context)
        if pieces is None:
            context.year = year_before
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
    return _merge_duplicates(milestones)


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
