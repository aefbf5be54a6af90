"""Deadline phrases as ledgers write them (tasks/tests/data/deadline_phrases.tsv), and properties of
the dates the parser reads: month ends, leap years, every numeral and notation.

Plain tests: no database, no Django.
"""

import calendar
import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.deadlines.milestones import needs_review
from tasks.deadlines.phrases import parse_deadline

PHRASES = Path(__file__).parent / "data" / "deadline_phrases.tsv"
PLAN = (2023, 2024, 2025)


def table():
    rows = []
    for number, line in enumerate(PHRASES.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#") or not line.strip():
            continue
        phrase, year, milestones, source = line.split("\t")
        rows.append(pytest.param(phrase.replace("\\n", "\n"), int(year) if year else None, milestones, id=f"line {number}"))
    return rows


def expected_milestones(text):
    """'2024-06-30 date 完成试点 ; - ongoing' → [("2024-06-30", "date", "完成试点", False), (None, "ongoing", "", False)]."""
    milestones = []
    for part in text.split(" ; "):
        date, kind, *label = part.split(" ", 2)
        milestones.append((None if date == "-" else date, kind.rstrip("!"), label[0] if label else "", kind.endswith("!")))
    return milestones


def read(text, year=None, plan_years=PLAN):
    return [
        (m.as_json()["date"], m.kind, m.label, bool(m.review))
        for m in parse_deadline(text, year=year, plan_years=plan_years)
    ]


def test_the_table_holds_at_least_150_phrases():
    assert len(table()) >= 150


@pytest.mark.parametrize(("text", "year", "milestones"), table())
def test_phrases_from_ledgers(text, year, milestones):
    assert read(text, year=year) == expected_milestones(milestones)


def test_a_date_outside_the_plan_is_kept_and_needs_review():
    milestones = parse_deadline("2024年底前完成，2026年全面完成", plan_years=PLAN)
    assert [m.as_json() for m in milestones] == [
        {"date": "2024-12-31", "kind": "date", "label": ""},
        {"date": "2026-12-31", "kind": "date", "label": "全面完成", "review": "日期不在方案年度内"},
    ]
    assert needs_review(milestones)
    # without plan years there is nothing to compare with
    assert not needs_review(parse_deadline("2026年底前"))


# --- properties of dates -------------------------------------------------------------------------

CN = "〇一二三四五六七八九"
DATES = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31))
YEARS = st.integers(min_value=2000, max_value=2100)
MONTHS = st.integers(min_value=1, max_value=12)


def chinese_number(n):
    """1..31 as written in Chinese: 九, 十, 十一, 二十, 三十一."""
    tens, units = divmod(n, 10)
    return ("" if tens < 2 else CN[tens]) + ("十" if tens else "") + (CN[units] if units else "")


def chinese_year(year, zero="〇"):
    return "".join(CN[int(d)] for d in str(year)).replace("〇", zero)


def full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def day_forms(day):
    y, m, d = day.year, day.month, day.day
    return [
        f"{y}年{m}月{d}日",
        f"{y}年{m:02d}月{d:02d}日",
        f"{y}年{m}月{d}号",
        f"{y}.{m}.{d}",
        f"{y}/{m}/{d}",
        f"{y}-{m:02d}-{d:02d}",
        f"{y}-{m:02d}-{d:02d}前",
        f"{chinese_year(y)}年{chinese_number(m)}月{chinese_number(d)}日",
        f"{chinese_year(y, '零')}年{chinese_number(m)}月{chinese_number(d)}日",
        full_width(f"{y}年{m}月{d}日"),
        full_width(f"{y}.{m}.{d}"),
    ]


@given(DATES)
def test_every_notation_of_a_day_reads_as_that_day(day):
    for text in day_forms(day):
        assert read(text, plan_years=()) == [(day.isoformat(), "date", "", False)], text


@given(DATES.filter(lambda day: day.year < 2100))
def test_a_day_without_year_takes_the_columns_year(day):
    m, d = day.month, day.day
    for text in (f"{m}月{d}日", f"{chinese_number(m)}月{chinese_number(d)}日前", f"{m}.{d}前", f"{m}/{d}前"):
        assert read(text, year=day.year, plan_years=()) == [(day.isoformat(), "date", "", False)], text


@given(YEARS, MONTHS)
def test_a_month_ends_on_its_last_day_leap_years_included(year, month):
    last = datetime.date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    for text in (
        f"{year}年{month}月",
        f"{year}年{month}月底",
        f"{year}年{month}月底前",
        f"{year}年{month}月末",
        f"{year}年{month}月份",
        f"{year}年{month}月下旬",
        f"{year}.{month}",
        f"{chinese_year(year)}年{chinese_number(month)}月底前",
    ):
        assert read(text, plan_years=()) == [(last, "date", "", False)], text
    assert read(f"{month}月底", year=year, plan_years=()) == [(last, "date", "", False)]


@given(YEARS)
def test_february_has_29_days_exactly_in_leap_years(year):
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    assert read(f"{year}年2月底", plan_years=()) == [(f"{year}-02-{29 if leap else 28}", "date", "", False)]
    feb29 = read(f"{year}年2月29日", plan_years=())
    assert feb29 == ([(f"{year}-02-29", "date", "", False)] if leap else [(None, "unparsed", f"{year}年2月29日", False)])


@given(YEARS, MONTHS, st.integers(min_value=29, max_value=32))
def test_a_day_past_the_months_end_is_unparsed_never_rolled(year, month, day):
    if day <= calendar.monthrange(year, month)[1]:
        return
    for text in (f"{year}年{month}月{day}日", f"{year}.{month}.{day}", f"{year}-{month:02d}-{day}"):
        assert read(text, plan_years=()) == [(None, "unparsed", text, False)], text


@given(YEARS.filter(lambda year: year < 2100), MONTHS)
def test_relative_years_count_from_the_columns_year(year, month):
    last = calendar.monthrange(year + 1, month)[1]
    for word in ("次年", "翌年", "下一年度", "第二年"):
        assert read(f"{word}{month}月底前", year=year, plan_years=()) == [
            (f"{year + 1}-{month:02d}-{last}", "date", "", False)
        ], word
    for word in ("当年", "同年", "本年度"):
        assert read(f"{word}{month}月", year=year + 1, plan_years=()) == [
            (f"{year + 1}-{month:02d}-{last}", "date", "", False)
        ], word


PART_ENDS = {
    "上半年": "06-30",
    "下半年": "12-31",
    "第一季度": "03-31",
    "二季度": "06-30",
    "三季度末": "09-30",
    "第四季度": "12-31",
    "年初": "01-31",
    "年中": "06-30",
    "年底": "12-31",
}


@given(YEARS, st.sampled_from(sorted(PART_ENDS)))
def test_parts_of_a_year_end_on_fixed_days(year, part):
    end = f"{year}-{PART_ENDS[part]}"
    assert read(f"{year}年{part}", plan_years=()) == [(end, "date", "", False)]
    assert read(part, year=year, plan_years=()) == [(end, "date", "", False)]
