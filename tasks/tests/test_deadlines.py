"""The deadline-phrase parser: every phrase of the two seed ledgers, each rule, and properties.

Plain tests: no database, no Django.
"""

import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.deadlines.milestones import KINDS, Milestone, needs_review
from tasks.deadlines.phrases import parse_deadline

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"  # the published texts the ledgers came from
ANSHAN_SEED = SEEDS / "anshan.txt"
GUANGYUAN_SEED = SEEDS / "guangyuan.txt"
PLAN = (2023, 2024, 2025)
MONTH_LENGTHS_2024 = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

D, ON, LT, AN, RE, UN = "date", "ongoing", "long_term", "as_needed", "recurring", "unparsed"


def read(text, year=None, plan_years=()):
    """Milestones as (date or None, kind, label) tuples: what the JSON interchange carries."""
    return [tuple(m.as_json().values()) for m in parse_deadline(text, year=year, plan_years=plan_years)]


def quarters(year, kind=RE):
    return [(f"{year}-{month_day}", kind, "") for month_day in ("03-31", "06-30", "09-30", "12-31")]


# Anshan (000_…): each measure's part of a cell, with the year of the column it sits in.
# 省政府完成时限 has no year of its own (None); the 2024 / 2025 columns give theirs.
ANSHAN = [
    # 省政府完成时限
    ("持续推进", None, [(None, ON, "")]),
    ("2024年6月", None, [("2024-06-30", D, "")]),
    ("2023年底", None, [("2023-12-31", D, "")]),
    ("2024年11月底", None, [("2024-11-30", D, "")]),
    ("2024年底", None, [("2024-12-31", D, "")]),
    ("2025年底", None, [("2025-12-31", D, "")]),
    ("2024年底取得阶段性成果", None, [("2024-12-31", D, "取得阶段性成果")]),
    ("2025年底取得阶段性成果", None, [("2025-12-31", D, "取得阶段性成果")]),
    # 2024年完成任务时限
    ("11月30日", 2024, [("2024-11-30", D, "")]),
    ("① 11月30日", 2024, [("2024-11-30", D, "")]),
    ("②11月30日", 2024, [("2024-11-30", D, "")]),
    ("② 6月30日", 2024, [("2024-06-30", D, "")]),
    ("③ 4月30日", 2024, [("2024-04-30", D, "")]),
    ("① 3月30日", 2024, [("2024-03-30", D, "")]),
    ("② 12月30日", 2024, [("2024-12-30", D, "")]),
    ("②5月30日", 2024, [("2024-05-30", D, "")]),
    ("①4月20日", 2024, [("2024-04-20", D, "")]),
    ("①适时组织", 2024, [(None, AN, "组织")]),
    ("②适时更新和申领", 2024, [(None, AN, "更新和申领")]),
    ("③适时公示", 2024, [(None, AN, "公示")]),
    ("①每季度、12月底", 2024, quarters(2024) + [("2024-12-31", D, "")]),
    ("②持续推进", 2024, [(None, ON, "")]),
    ("②适时落实", 2024, [(None, AN, "")]),
    ("①适时调整", 2024, [(None, AN, "调整")]),
    ("①2024年底", 2024, [("2024-12-31", D, "")]),
    ("①11月底前完成", 2024, [("2024-11-30", D, "")]),
    ("①2024年底取得阶段性成果", 2024, [("2024-12-31", D, "取得阶段性成果")]),
    ("①适时调整、报送", 2024, [(None, AN, "调整、报送")]),
    ("①2024年底取得阶段性成果并持续推进", 2024, [("2024-12-31", D, "取得阶段性成果"), (None, ON, "")]),
    ("①适时进行", 2024, [(None, AN, "")]),
    ("①持续开展, 11月30日", 2024, [(None, ON, ""), ("2024-11-30", D, "")]),
    ("①4月公开电话", 2024, [("2024-04-30", D, "公开电话")]),
    # status words and results of the 2023 column (columns shift at page breaks): not deadlines
    ("已完成", 2024, [(None, UN, "已完成")]),
    ("① 已完成", 2024, [(None, UN, "已完成")]),
    ("已开展", 2024, [(None, UN, "已开展")]),
    ("开展1次联合执法", 2024, [(None, UN, "开展1次联合执法")]),
    ("制定相关制度", 2024, [(None, UN, "制定相关制度")]),
    # 2025年完成任务时限
    ("① 11月30日", 2025, [("2025-11-30", D, "")]),
    ("② 7月31日", 2025, [("2025-07-31", D, "")]),
    ("①6月30日", 2025, [("2025-06-30", D, "")]),
    ("①10月30日", 2025, [("2025-10-30", D, "")]),
    ("③ 12月30日", 2025, [("2025-12-30", D, "")]),
    ("④11月30日", 2025, [("2025-11-30", D, "")]),
    ("①每季度、12月底", 2025, quarters(2025) + [("2025-12-31", D, "")]),
    ("①根据省司法厅要求,适时开展", 2025, [(None, AN, "")]),
    ("①2024年11月底", 2025, [("2024-11-30", D, "")]),
    ("①根据需要合理规划", 2025, [(None, AN, "合理规划")]),
    ("①2025年底取得阶段性成果", 2025, [("2025-12-31", D, "取得阶段性成果")]),
    ("①2025年底", 2025, [("2025-12-31", D, "")]),
    ("2025年底", 2025, [("2025-12-31", D, "")]),
    ("①持续推进", 2025, [(None, ON, "")]),
    ("持续推进", 2025, [(None, ON, "")]),
    ("①适时调整", 2025, [(None, AN, "调整")]),
    ("①适时进行", 2025, [(None, AN, "")]),
]

# Whole keyed cells (another module splits them per measure; read whole, they give the union).
ANSHAN_CELLS = [
    ("① 11月30日 ② 6月30日", 2024, [("2024-11-30", D, ""), ("2024-06-30", D, "")]),
    ("①持续推进 ②11月30日 ③11月30日 ④11月30日", 2025, [(None, ON, ""), ("2025-11-30", D, "")]),
    (
        "①适时组织 ②适时更新和申领 ③适时公示 ④11月30日",
        2025,
        [(None, AN, "组织"), (None, AN, "更新和申领"), (None, AN, "公示"), ("2025-11-30", D, "")],
    ),
    ("①根据省司法厅要求,适时开展 ②11月30日", 2025, [(None, AN, ""), ("2025-11-30", D, "")]),
]

# Guangyuan (004_…, 附件2): one 完成时限 column for the whole plan, so no column year; the
# extracted text splits some phrases over lines.
GUANGYUAN = [
    ("长期", [(None, LT, "")]),
    (
        "长期\n\n（2024年6月底前完成全员轮训，7月1日前将轮训情况报市司法局）",
        [(None, LT, ""), ("2024-06-30", D, "完成全员轮训"), ("2024-07-01", D, "将轮训情况报市司法局")],
    ),
    ("2025年\n\n9月底前", [("2025-09-30", D, "")]),
    ("2024年\n\n9月底前", [("2024-09-30", D, "")]),
    ("2024年12月底前", [("2024-12-31", D, "")]),
    ("2024年12月底前完成试点，2025年推广", [("2024-12-31", D, "完成试点"), ("2025-12-31", D, "推广")]),
    ("2024年10月底前完成试点，2025年推广", [("2024-10-31", D, "完成试点"), ("2025-12-31", D, "推广")]),
    ("2025年12月底前", [("2025-12-31", D, "")]),
    ("2025年底前", [("2025-12-31", D, "")]),
    ("2024年\n\n2月底前", [("2024-02-29", D, "")]),
    ("2024年9月底中期评估；2025年9月底终期评估", [("2024-09-30", D, "中期评估"), ("2025-09-30", D, "终期评估")]),
    ("2024年\n\n6月底前", [("2024-06-30", D, "")]),
]

# The other forms the parser must read (column year 2024 unless given).
FORMS = [
    ("①11月30日", 2024, (), [("2024-11-30", D, "")]),
    ("6月底", 2024, (), [("2024-06-30", D, "")]),
    ("2024年6月底前", None, (), [("2024-06-30", D, "")]),
    ("2025年9月底前", None, (), [("2025-09-30", D, "")]),
    ("2024年9月底前", None, (), [("2024-09-30", D, "")]),
    ("2025年6月底前", None, (), [("2025-06-30", D, "")]),
    ("2024年", None, (), [("2024-12-31", D, "")]),
    ("2025年", None, (), [("2025-12-31", D, "")]),
    ("7月1日前", 2024, (), [("2024-07-01", D, "")]),
    ("12月31日前", 2024, (), [("2024-12-31", D, "")]),
    ("12月30日", 2024, (), [("2024-12-30", D, "")]),
    ("3月30日", 2024, (), [("2024-03-30", D, "")]),
    ("2024年6月30日", None, (), [("2024-06-30", D, "")]),
    ("2024.6.30", None, (), [("2024-06-30", D, "")]),
    ("2024-06-30", None, (), [("2024-06-30", D, "")]),
    ("2024/6/30", None, (), [("2024-06-30", D, "")]),
    ("2024年6月至12月", None, (), [("2024-12-31", D, "2024年6月起")]),
    ("十二月底", 2024, (), [("2024-12-31", D, "")]),
    ("１１月３０日", 2024, (), [("2024-11-30", D, "")]),
    ("每年6月", 2024, PLAN, [("2023-06-30", RE, ""), ("2024-06-30", RE, ""), ("2025-06-30", RE, "")]),
    ("每月", 2024, (), [(f"2024-{m:02d}-{d}", RE, "") for m, d in enumerate(MONTH_LENGTHS_2024, start=1)]),
    ("每半年", 2024, (), [("2024-06-30", RE, ""), ("2024-12-31", RE, "")]),
    ("每季度", 2024, (), quarters(2024)),
    ("上半年", 2024, (), [("2024-06-30", D, "")]),
    ("下半年", 2024, (), [("2024-12-31", D, "")]),
    ("年内", 2024, (), [("2024-12-31", D, "")]),
    ("第一季度", 2024, (), [("2024-03-31", D, "")]),
    ("第二季度", 2024, (), [("2024-06-30", D, "")]),
    ("第三季度", 2024, (), [("2024-09-30", D, "")]),
    ("第四季度", 2024, (), [("2024-12-31", D, "")]),
    ("一季度", 2024, (), [("2024-03-31", D, "")]),
    ("2024年第三季度", None, (), [("2024-09-30", D, "")]),
    ("6月上旬", 2024, (), [("2024-06-10", D, "")]),
    ("6月中旬", 2024, (), [("2024-06-20", D, "")]),
    ("6月下旬", 2024, (), [("2024-06-30", D, "")]),
    ("持续开展", 2024, (), [(None, ON, "")]),
    ("适时调整", 2024, (), [(None, AN, "调整")]),
    ("2月30日", 2024, (), [(None, UN, "2月30日")]),
]


@pytest.mark.parametrize(("text", "year", "expected"), ANSHAN + ANSHAN_CELLS)
def test_anshan_phrases(text, year, expected):
    assert read(text, year=year, plan_years=PLAN) == expected


@pytest.mark.parametrize(("text", "expected"), GUANGYUAN)
def test_guangyuan_phrases(text, expected):
    assert read(text, plan_years=PLAN) == expected


@pytest.mark.parametrize(("text", "year", "plan_years", "expected"), FORMS)
def test_forms(text, year, plan_years, expected):
    assert read(text, year=year, plan_years=plan_years) == expected


def test_table_phrases_come_from_the_seeds():
    def squeeze(text):
        return "".join(text.split())

    anshan, guangyuan = squeeze(ANSHAN_SEED.read_text()), squeeze(GUANGYUAN_SEED.read_text())
    assert [t for t, _, _ in ANSHAN + ANSHAN_CELLS if squeeze(t) not in anshan] == []
    assert [t for t, _ in GUANGYUAN if squeeze(t) not in guangyuan] == []


# --- one test per rule -----------------------------------------------------------------------


def test_month_end_is_the_months_last_day_leap_years_included():
    assert read("2024年2月底") == [("2024-02-29", D, "")]
    assert read("2025年2月底") == [("2025-02-28", D, "")]
    assert read("2100年2月底") == [("2100-02-28", D, "")]
    assert read("4月底", year=2024) == [("2024-04-30", D, "")]
    assert read("4月末", year=2024) == [("2024-04-30", D, "")]


def test_year_end_is_31_december():
    for text in ("2024年底", "2024年末", "2024年年底", "2024年底前", "2024年内"):
        assert read(text) == [("2024-12-31", D, "")], text
    assert read("年底", year=2025) == [("2025-12-31", D, "")]


def test_month_without_day_is_the_months_last_day():
    assert read("2024年6月") == [("2024-06-30", D, "")]
    assert read("6月份", year=2024) == [("2024-06-30", D, "")]
    assert read("4月公开电话", year=2024) == [("2024-04-30", D, "公开电话")]


def test_bare_year_is_31_december():
    assert read("2025年推广") == [("2025-12-31", D, "推广")]
    assert read("2024年度") == [("2024-12-31", D, "")]


def test_every_quarter_gives_the_four_quarter_ends_of_the_year():
    assert read("每季度", year=2025) == quarters(2025)
    assert read("每个季度", year=2024) == quarters(2024)
    # no column year: each plan year; neither: unparsed
    assert read("每季度", plan_years=(2024, 2025)) == quarters(2024) + quarters(2025)
    assert read("每季度") == [(None, UN, "每季度")]


def test_every_year_gives_one_milestone_per_plan_year():
    assert read("每年6月", year=2024, plan_years=PLAN) == [
        ("2023-06-30", RE, ""),
        ("2024-06-30", RE, ""),
        ("2025-06-30", RE, ""),
    ]
    assert read("每年年底", plan_years=(2024, 2025)) == [("2024-12-31", RE, ""), ("2025-12-31", RE, "")]
    assert read("每年6月30日", plan_years=(2024,)) == [("2024-06-30", RE, "")]
    assert read("每年6月", year=2024) == [("2024-06-30", RE, "")]
    assert read("每年6月") == [(None, UN, "每年6月")]


@pytest.mark.parametrize(
    ("full", "half"),
    [
        ("１１月３０日", "11月30日"),
        ("２０２４年６月底前完成试点，２０２５年推广", "2024年6月底前完成试点,2025年推广"),
        ("２０２４．６．３０", "2024.6.30"),
        ("持续开展，１１月３０日", "持续开展, 11月30日"),
        ("２０２４年９月底中期评估；２０２５年９月底终期评估", "2024年9月底中期评估;2025年9月底终期评估"),
        ("长期（２０２４年６月底前完成全员轮训，７月１日前报送）", "长期(2024年6月底前完成全员轮训,7月1日前报送)"),
        ("每季度、１２月底", "每季度、12月底"),
        ("适时调整：报送", "适时调整:报送"),
        ("2024年6月至12月", "2024年6月—12月"),
    ],
)
def test_full_and_half_width_read_the_same(full, half):
    assert read(full, year=2024) == read(half, year=2024)
    assert not needs_review(parse_deadline(full, year=2024))


def test_chinese_numerals_in_months_and_days():
    assert read("十二月底", year=2024) == [("2024-12-31", D, "")]
    assert read("十一月三十日", year=2024) == [("2024-11-30", D, "")]
    assert read("六月二十日", year=2024) == [("2024-06-20", D, "")]
    assert read("三月三十一日", year=2024) == [("2024-03-31", D, "")]
    assert read("二〇二四年十月底") == [("2024-10-31", D, "")]
    assert read("十三月", year=2024) == [(None, UN, "十三月")]
    assert read("二二月", year=2024) == [(None, UN, "二二月")]


def test_a_range_ends_at_its_end_and_keeps_its_start_in_the_label():
    assert read("2024年6月至12月") == [("2024-12-31", D, "2024年6月起")]
    assert read("2024年6月到2025年3月") == [("2025-03-31", D, "2024年6月起")]
    assert read("6月30日-9月30日", year=2024) == [("2024-09-30", D, "6月30日起")]
    assert read("2024年6月~12月完成试点") == [("2024-12-31", D, "2024年6月起完成试点")]
    assert read("11月至次年3月", year=2024) == [("2025-03-31", D, "11月起")]
    # an end before the start cannot be read
    assert read("12月至3月", year=2024) == [(None, UN, "12月至3月")]


@pytest.mark.parametrize("suffix", ["", "前", "以前", "之前", "为止", "止"])
def test_suffixes_do_not_change_the_date(suffix):
    assert read(f"2024年6月底{suffix}") == [("2024-06-30", D, "")]
    assert read(f"6月30日{suffix}", year=2024) == [("2024-06-30", D, "")]
    assert read(f"2024年底{suffix}") == [("2024-12-31", D, "")]


def test_label_is_what_remains_of_the_clause():
    assert read("2024年12月底前完成试点") == [("2024-12-31", D, "完成试点")]
    assert read("11月底前完成", year=2024) == [("2024-11-30", D, "")]
    assert read("2024年底完成任务") == [("2024-12-31", D, "")]
    assert read("2024年底：取得阶段性成果。") == [("2024-12-31", D, "取得阶段性成果")]
    assert read("中期评估2024年9月底") == [("2024-09-30", D, "中期评估")]
    assert read("截至2024年底") == [("2024-12-31", D, "")]
    assert read("力争2024年底前建成") == [("2024-12-31", D, "建成")]
    # a generic verb after a keyword says nothing more; other words stay
    assert read("持续推进") == [(None, ON, "")]
    assert read("适时开展") == [(None, AN, "")]
    assert read("适时更新和申领") == [(None, AN, "更新和申领")]


def test_a_later_date_without_year_takes_the_year_named_before_it():
    text = "长期（2024年6月底前完成全员轮训，7月1日前将轮训情况报市司法局）"
    assert read(text, year=2025) == [
        (None, LT, ""),
        ("2024-06-30", D, "完成全员轮训"),
        ("2024-07-01", D, "将轮训情况报市司法局"),
    ]
    assert read("2024年6月至12月", year=2025) == [("2024-12-31", D, "2024年6月起")]


def test_a_date_without_any_year_is_unparsed():
    assert read("11月30日") == [(None, UN, "11月30日")]
    assert read("6月底") == [(None, UN, "6月底")]
    assert read("11月30日", year=2025) == [("2025-11-30", D, "")]


def test_invalid_dates_are_unparsed_never_rolled():
    for text in ("2月30日", "2025年2月29日", "4月31日", "13月", "0月5日", "6月0日", "2024.13.1", "2024-02-30"):
        assert read(text, year=2025) == [(None, UN, text)], text


def test_years_outside_2000_to_2100_are_unparsed():
    for text in ("1999年底", "2101年6月", "9999-01-01", "0001年"):
        assert read(text) == [(None, UN, text)], text
    assert read("6月底", year=1990) == [(None, UN, "6月底")]


def test_anything_that_still_looks_like_a_date_makes_the_clause_unparsed():
    for text in ("2024年6月30", "6月初", "6月中", "6.30", "每月15号后", "2023—2025年", "12024年底"):
        assert read(text, year=2024) == [(None, UN, text)], text


def test_a_readable_clause_is_kept_beside_an_unreadable_one():
    assert read("6月底, 已完成", year=2024) == [("2024-06-30", D, ""), (None, UN, "已完成")]
    assert read("2024年底，待定；另行通知") == [("2024-12-31", D, ""), (None, UN, "待定；另行通知")]
    assert read("已开展, 2024年底") == [(None, UN, "已开展"), ("2024-12-31", D, "")]


def test_blank_text_gives_nothing_and_other_text_always_something():
    assert parse_deadline("") == []
    assert parse_deadline(" \n\t　") == []
    assert read("①") == [(None, UN, "①")]
    assert read("—") == [(None, UN, "—")]


def test_list_markers_are_ignored():
    for text in ("①11月30日", "① 11月30日", "❶11月30日", "(1)11月30日", "（1）11月30日", "1、11月30日"):
        assert read(text, year=2024) == [("2024-11-30", D, "")], text
    assert read("1.持续推进") == [(None, ON, "")]
    # 1. before a digit may be a date (6.30): not taken for a marker
    assert read("1.11月30日", year=2024) == [(None, UN, "1.11月30日")]


def test_duplicates_are_merged_unless_their_labels_differ():
    # same date and kind: one milestone, the one with a label wins
    assert read("11月30日, 11月30日报送", year=2024) == [("2024-11-30", D, "报送")]
    assert read("根据省司法厅要求,适时开展") == [(None, AN, "")]
    # different labels: both kept; different kinds on the same date: both kept
    assert read("2024年底完成A；2024年底完成B") == [("2024-12-31", D, "完成A"), ("2024-12-31", D, "完成B")]
    assert read("每季度、12月底", year=2024) == quarters(2024) + [("2024-12-31", D, "")]


def test_spans_point_into_the_original_text():
    text = "长期\n\n（2024年6月底前完成全员轮训，7月1日前将轮训情况报市司法局）"
    assert [text[slice(*m.span)] for m in parse_deadline(text)] == [
        "长期",
        "2024年6月底前完成全员轮训",
        "7月1日前将轮训情况报市司法局",
    ]
    text = "2025年\n\n9月底前"
    assert [m.span for m in parse_deadline(text)] == [(0, len(text))]
    text = "① 11月30日 ② 已完成"
    assert [text[slice(*m.span)] for m in parse_deadline(text, year=2024)] == ["11月30日", "已完成"]


def test_needs_review():
    assert needs_review(parse_deadline("已完成"))
    assert needs_review(parse_deadline("6月底, 已完成", year=2024))
    assert not needs_review(parse_deadline("持续推进"))
    assert not needs_review(parse_deadline(""))


def test_as_json():
    assert Milestone(datetime.date(2024, 6, 30), D, "完成试点", (0, 14)).as_json() == {
        "date": "2024-06-30",
        "kind": D,
        "label": "完成试点",
    }
    assert Milestone(None, ON).as_json() == {"date": None, "kind": ON, "label": ""}


# --- properties --------------------------------------------------------------------------------


def check_invariants(text, milestones):
    assert (milestones == []) == (text.strip() == "")
    for m in milestones:
        assert m.kind in KINDS
        assert 0 <= m.span[0] <= m.span[1] <= len(text)
        if m.kind in (D, RE):
            assert isinstance(m.date, datetime.date) and 2000 <= m.date.year <= 2100
        else:
            assert m.date is None
        if m.kind == UN:
            assert m.label


GRAMMAR = st.lists(
    st.sampled_from(
        list("0123456789０１２３４５６７８９〇零一二三四五六七八九十两年月日号底末前后至到-~./季度旬上中下半每个第初内")
        + list(",，;；、。()（）:： \n①②") + ["持续推进", "长期", "适时", "根据需要", "要求", "完成试点", "已完成", "2024", "2100", "1999"]
        + ["次年", "上年", "本年度", "起", "春节", "元旦", "国庆节", "工作日", "逾期", "分别为", "立行立改", "即时", "部署"]
    ),
    max_size=25,
).map("".join)
YEARS = st.none() | st.integers(min_value=-5, max_value=10000)
PLAN_YEARS = st.lists(st.integers(min_value=1990, max_value=2110), max_size=4)


@given(st.text(), YEARS, PLAN_YEARS)
def test_never_raises_on_any_text(text, year, plan_years):
    check_invariants(text, parse_deadline(text, year=year, plan_years=plan_years))


@given(GRAMMAR, YEARS, PLAN_YEARS)
def test_never_raises_on_date_like_text(text, year, plan_years):
    check_invariants(text, parse_deadline(text, year=year, plan_years=plan_years))


READABLE = [(t, y) for t, y, expected in ANSHAN if UN not in [k for _, k, _ in expected]] + [
    (t, None) for t, _ in GUANGYUAN
]


@given(st.sampled_from(READABLE), st.data())
def test_whitespace_anywhere_changes_nothing(case, data):
    text, year = case
    gaps = len(text) + 1
    spaces = data.draw(st.lists(st.sampled_from(["", " ", "\n", "\t", "　", "\n\n"]), min_size=gaps, max_size=gaps))
    spaced = "".join(space + char for space, char in zip(spaces, text)) + spaces[-1]
    assert read(spaced, year=year, plan_years=PLAN) == read(text, year=year, plan_years=PLAN)
