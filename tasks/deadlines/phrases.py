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

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tasks.deadlines.festivals import NAMES as FESTIVALS
from tasks.deadlines.milestones import AS_NEEDED, DATE, Milestone, ONGOING, OUTSIDE_PLAN, UNPARSED
from tasks.deadlines.phrase_forms import Items, _BREAKS, _Context, _FORMS, _Form, _SUFFIX_WORDS, _Unreadable, _every_year, _normalize


# ---------------------------------------------------------------------------------------------
# Numbers and dates.
# Periods of a year: each turns its match and a year into the date the period ends on.
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
