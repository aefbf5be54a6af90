"""Tests for the ledger spreadsheet reader (tasks.sheets) and department splitting (tasks.units)."""

import dataclasses
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.measure_cells import keyed_values, measure_value, split_measures
from tasks.ledgerfiles.plan_years import title_years
from tasks.ledgerfiles.sheets import read_ledger
from tasks.ledgerfiles.units import split_units

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ANSHAN = FIXTURES / "anshan.xlsx"
GUANGYUAN = FIXTURES / "guangyuan.xlsx"

def _tasks(ledger):
    return {(row.section_number, row.task_number, row.task_title) for row in ledger.rows}


def _items(ledger):
    return {(row.task_number, row.item_number, row.item_text) for row in ledger.rows}


def _measure(ledger, item_number, measure_number):
    return next(r for r in ledger.rows if r.item_number == item_number and r.measure_number == measure_number)


# ---------------------------------------------------------------- Anshan


@pytest.fixture(scope="module")
def anshan():
    return read_ledger(ANSHAN)


def test_anshan_counts(anshan):
    assert anshan.sheet == "任务分解表"
    assert len({row.section_number for row in anshan.rows}) == 6
    assert len(_tasks(anshan)) == 19
    assert len(_items(anshan)) == 45
    assert len(anshan.rows) == 75
    assert sorted({row.item_number for row in anshan.rows}) == list(range(1, 46))


def test_anshan_layout(anshan):
    assert anshan.title_years == [2023, 2024, 2025]
    assert anshan.years == [2023, 2024, 2025]
    for key in ("task_number", "task_title", "item", "upstream_deadline", "measure",
                "result:2023", "deadline:2024", "deadline:2025", "responsible", "person", "done"):
        assert key in anshan.columns
    assert anshan.columns["item"] == anshan.columns["task_title"] + 1


def test_anshan_item_1_has_two_measures(anshan):
    measures = [row for row in anshan.rows if row.item_number == 1]
    assert [row.measure_number for row in measures] == [1, 2]
    second = measures[1]
    assert second.section_number == "一"
    assert second.task_number == 1
    assert second.responsible_units == ["政策法规科"]
    assert second.person == "尹忠新"
    assert second.deadlines[2025] == "7月31日"
    assert second.deadlines[2024] == "6月30日"
    assert second.results[2023] == "已完成"
    assert second.done is True
    assert not second.measure_text.startswith("②")
    assert measures[0].responsible_units == ["机关党总支"]


def test_anshan_item_11_quarterly_deadlines(anshan):
    (measure,) = [row for row in anshan.rows if row.item_number == 11]
    assert measure.deadlines[2024] == "每季度、12月底"
    assert measure.deadlines[2025] == "每季度、12月底"


def test_anshan_done_lists_circled_numbers(anshan):
    done = {row.measure_number: row.done for row in anshan.rows if row.item_number == 2}
    assert done == {1: False, 2: False, 3: True, 4: False}


def test_anshan_cells_point_at_the_source(anshan):
    measure = _measure(anshan, 1, 2)
    row, column = measure.cells["deadline:2025"]
    assert column == anshan.columns["deadline:2025"]
    sheet = openpyxl.load_workbook(ANSHAN)[anshan.sheet]
    assert "7月31日" in str(sheet.cell(row, column).value)


# ---------------------------------------------------------------- Guangyuan


@pytest.fixture(scope="module")
def guangyuan():
    return read_ledger(GUANGYUAN)


def test_guangyuan_found_on_second_sheet(guangyuan):
    workbook = openpyxl.load_workbook(GUANGYUAN, read_only=True)
    assert guangyuan.sheet == workbook.sheetnames[1]
    assert guangyuan.title and not guangyuan.title.startswith("附件")


def test_guangyuan_counts(guangyuan):
    assert len({row.section_number for row in guangyuan.rows}) == 7
    assert len(_tasks(guangyuan)) == 21
    assert len(guangyuan.rows) == 35
    assert all(row.measure_number == 1 and row.measure_text == row.item_text for row in guangyuan.rows)
    assert all(row.done is None and row.results == {} for row in guangyuan.rows)


def test_guangyuan_task_6_carries_lead_down(guangyuan):
    rows = [row for row in guangyuan.rows if row.task_number == 6]
    assert len(rows) == 3
    assert all(row.lead_units == ["市司法局"] for row in rows)
    assert all(row.deadlines[None] == "长期" for row in rows)
    assert rows[0].responsible_units == ["市级各行政执法部门", "各县（区）政府", "广元经济技术开发区管委会"]


def test_guangyuan_task_20_deadline(guangyuan):
    rows = [row for row in guangyuan.rows if row.task_number == 20]
    assert [row.deadlines[None] for row in rows] == [
        "2024年2月底前", "2024年2月底前", "2024年9月底中期评估；2025年9月底终期评估",
    ]


# ---------------------------------------------------------------- one row per measure


ONE_ROW_HEADER = [
    "序号", "重点任务", "具体要求", "省政府完成时限", "措施序号", "落实工作措施",
    "2023年完成任务", "2024年完成任务时限", "2025年完成任务时限", "责任部门", "负责人", "已完成任务",
]


def _save_one_row_per_measure(rows, path):
    """The rows as a ledger with one row per measure, on the workbook's second sheet."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active["A1"] = "填表说明：每行一项措施"
    sheet = workbook.create_sheet("台账")
    sheet.append(["测试台账（2023—2025年）"])
    sheet.append(ONE_ROW_HEADER)
    previous = None
    for row in rows:
        if previous is None or row.section_number != previous.section_number:
            sheet.append([f"（{row.section_number}）{row.section_title}"])
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=12)
            previous = None
        new_task = previous is None or row.task_number != previous.task_number
        new_item = new_task or row.item_number != previous.item_number
        sheet.append([
            row.task_number if new_task else None,
            row.task_title if new_task else None,
            f"（{row.item_number}）{row.item_text}" if new_item else None,
            row.upstream_deadline if new_item else None,
            row.measure_number,
            row.measure_text,
            row.results[2023],
            row.deadlines[2024],
            row.deadlines[2025],
            row.responsible_text,
            row.person,
            "已完成" if row.done else "",
        ])
        previous = row
    workbook.save(path)


def _comparable(row):
    """A row's content; the numbers as written differ here by design (（1） for (1), 2 for ②)."""
    ignored = ("row", "cells", "extra", "item_label", "measure_label")
    return {key: value for key, value in dataclasses.asdict(row).items() if key not in ignored}


def test_one_row_per_measure_gives_the_same_rows(anshan, tmp_path):
    path = tmp_path / "one_row.xlsx"
    _save_one_row_per_measure(anshan.rows, path)
    again = read_ledger(path)
    assert again.sheet == "台账"
    assert "measure_number" in again.columns
    assert [_comparable(row) for row in again.rows] == [_comparable(row) for row in anshan.rows]


# ---------------------------------------------------------------- small workbooks


def _workbook_bytes(*sheets):
    """Bytes of a workbook with the given {title: rows} sheets; merges as (title, 'A1:C1')."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows, merges in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for merge in merges:
            sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_merged_cells_sections_and_repeated_headers():
    header = ["编号", "主要任务", "工作内容", "牵头部门", "配合单位", "时间节点", "备注"]
    data = _workbook_bytes(("表", [
        ["附件2"],
        ["某市2016年民生实事台账"],
        header,
        ["第一部分 总体要求"],
        [1.0, "任务甲", "1. 第一项", "市司法局", "市财政局、市人社局负责", "2024年6月底前", "备注甲"],
        [None, None, "2. 第二项", None, None, None, None],
        header,
        [2, "任务乙", "第三项", "市委编办", None, "长期", None],
    ], ["A2:G2", "A4:G4", "A5:A6", "B5:B6", "D5:D6"]))
    ledger = read_ledger(data, file_name="small.xlsx")
    assert ledger.title == "某市2016年民生实事台账"
    assert ledger.title_years == [2016]
    assert ledger.header_row == 3
    assert ledger.unknown_columns == ["备注"]
    first, second, third = ledger.rows
    assert (first.section_number, first.section_title) == ("一", "总体要求")
    assert (first.item_number, first.item_text) == (1, "第一项")
    assert second.task_number == 1 and second.task_title == "任务甲"
    assert second.lead_units == ["市司法局"]
    assert second.responsible_units == ["市财政局", "市人社局"]
    assert second.deadlines == {None: "2024年6月底前"}
    assert second.cells["lead"] == (5, 4)
    assert first.extra == {"备注": "备注甲"} and second.extra == {"备注": ""}
    assert (third.task_number, third.item_number, third.item_text) == (2, None, "第三项")
    assert third.responsible_units == [] and third.deadlines == {None: "长期"}


def test_task_title_with_glued_item_and_excel_date():
    import datetime

    data = _workbook_bytes(("表", [
        ["序号", "重点任务", "完成时限", "责任单位"],
        [13, "建立健全监督体系。 (31) 强化上级监督。", datetime.datetime(2024, 6, 30), "市司法局"],
    ], []))
    (row,) = read_ledger(data).rows
    assert (row.task_title, row.item_number, row.item_text) == ("建立健全监督体系。", 31, "强化上级监督。")
    assert row.measure_text == "强化上级监督。"
    assert row.deadlines == {None: "2024年6月30日"}


def test_column_map_names_a_column_by_hand():
    data = _workbook_bytes(("表", [["民生实事", "承办单位"], ["修路", "市交通局"]], []))
    ledger = read_ledger(data, column_map={"民生实事": "measure", "承办单位": "responsible"})
    assert [(row.measure_text, row.responsible_units) for row in ledger.rows] == [("修路", ["市交通局"])]


# ---------------------------------------------------------------- errors


def test_text_file_renamed_xlsx(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("这不是表格", encoding="utf-8")
    with pytest.raises(LedgerError) as caught:
        read_ledger(path)
    assert caught.value.file == "notes.xlsx"
    assert str(caught.value).startswith("notes.xlsx")


def test_truncated_zip(tmp_path):
    data = _workbook_bytes(("表", [["序号", "工作任务", "责任单位"], [1, "甲", "乙"]], []))
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LedgerError) as caught:
        read_ledger(path)
    assert caught.value.file == "cut.xlsx"


def test_missing_file_names_it(tmp_path):
    with pytest.raises(LedgerError, match="gone.xlsx"):
        read_ledger(tmp_path / "gone.xlsx")


def test_workbook_without_header_names_the_sheets():
    data = _workbook_bytes(("通讯录", [["姓名", "电话"], ["张三", "123"]], []), ("说明", [["无"]], []))
    with pytest.raises(LedgerError) as caught:
        read_ledger(io.BytesIO(data), file_name="people.xlsx")
    message = str(caught.value)
    assert message.startswith("people.xlsx")
    assert "通讯录" in message and "说明" in message and "责任" in message


def test_header_missing_a_required_column_names_it():
    data = _workbook_bytes(("表", [["序号", "工作任务", "备注"], [1, "甲", ""]], []))
    with pytest.raises(LedgerError) as caught:
        read_ledger(data, file_name="t.xlsx")
    assert caught.value.sheet == "表" and caught.value.row == 1
    assert "责任部门" in caught.value.message


def test_error_message_format():
    error = LedgerError("缺少值", file="anshan.xlsx", sheet="任务分解表", row=12, column="责任部门")
    assert str(error) == "anshan.xlsx, 工作表「任务分解表」, 第 12 行, 列「责任部门」: 缺少值"
    assert (error.message, error.row) == ("缺少值", 12)


# ---------------------------------------------------------------- splitting


def test_split_units():
    assert split_units("市级各行政执法部门按职责分工负责，各县（区）政府、广元经济技术开发区管委会落实。") == [
        "市级各行政执法部门", "各县（区）政府", "广元经济技术开发区管委会",
    ]
    assert split_units("政策法规科\n机关党总支；政策法规科") == ["政策法规科", "机关党总支"]
    assert split_units("市司法局、市人社局等") == ["市司法局", "市人社局"]
    assert split_units("乡镇（街道，社区）办事处") == ["乡镇（街道，社区）办事处"]
    assert split_units("") == []


def test_split_measures_on_circled_numbers():
    assert split_measures("① 甲。\n② 乙。") == [(1, "甲。"), (2, "乙。")]
    assert split_measures("①甲 ②乙 ③丙") == [(1, "甲"), (2, "乙"), (3, "丙")]
    assert split_measures("③ 只有一项") == [(3, "只有一项")]
    assert split_measures("没有编号的措施") == [(None, "没有编号的措施")]


measure_texts = st.text(
    alphabet=st.characters(whitelist_categories=("Lo",), max_codepoint=0x9FFF), min_size=1, max_size=20
)


@given(st.lists(measure_texts, min_size=1, max_size=20))
def test_split_measures_inverts_circled_numbering(texts):
    cell = "\n".join(f"{circled}{text}" for circled, text in zip("①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳", texts))
    assert split_measures(cell) == list(enumerate(texts, start=1))


def test_split_measures_on_line_markers():
    assert split_measures("1. 甲\n2、乙\n（3）丙") == [(1, "甲"), (2, "乙"), (3, "丙")]
    assert split_measures("1. 只有一行，提到2.5万元") == [(None, "1. 只有一行，提到2.5万元")]


def test_keyed_cells():
    assert keyed_values("① 11月30日 ② 6月30日") == {1: "11月30日", 2: "6月30日"}
    assert keyed_values("①持续开展, 11月30日") == {1: "持续开展, 11月30日"}
    assert keyed_values("① ②") == {1: "", 2: ""}
    assert keyed_values("长期") is None
    assert measure_value("③ 4月30日 ④ 11月30日", 1) == ""
    assert measure_value("政策法规科", 3) == "政策法规科"


def test_title_years():
    assert title_years("方案(2023—2025年)任务分解表") == [2023, 2024, 2025]
    assert title_years("2016年民生实事") == [2016]
    assert title_years("工作台账") == []
