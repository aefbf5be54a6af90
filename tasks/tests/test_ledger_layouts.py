"""Reading ledgers laid out the way other offices keep them: header names, multi-row headers,
columns judged by content, flat ledgers, numbering as levels, plan years from the file.

The rows are real ones: measures, units and deadline phrases of the Anshan and Guangyuan
ledgers (../shared/seeds/), laid out as other offices lay out theirs.
"""

import csv
import io

import openpyxl
import pytest

from tasks.ledgerfiles.headers import read_name
from tasks.ledgerfiles.outline import chinese_number, levels, read_marker
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.sheets import read_ledger

GY_TASK_1 = "把加强党的政治建设放在首位，加强行政执法单位党组织建设"
GY_TASK_3 = "组织行政执法队伍开展岗位技能比武练兵"
GY_UNITS = "市级各行政执法部门按职责分工负责，各县（区）政府"


def workbook(rows, merges=(), *, before=(), title="台账"):
    """Bytes of a workbook: optional sheets ``before`` (name, rows), then the ledger sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, sheet_rows in before:
        sheet = book.create_sheet(name)
        for row in sheet_rows:
            sheet.append(row)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def fields(ledger):
    return {reading.header: reading.field for reading in ledger.readings}


# ---------------------------------------------------------------- header names


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("序　号", "task_number"),
        ("省级重点任务", "task_title"),
        ("县政府落实措施", "measure"),
        ("市国动办落实工作措施", "measure"),
        ("具体要求（工作举措）", "item"),
        ("主要举措", "measure"),
        ("重点举措", "measure"),
        ("工作举措", "item"),
        ("责任\n单位", "responsible"),
        ("牵头\n部门", "lead"),
        ("配合单位", "responsible"),
        ("责任领导", "person"),
        ("联 络 员", "person"),
        ("2025年\n完成时间", "deadline:2025"),
        ("2024年度完成任务时限", "deadline:2024"),
        ("2023年完成任务", "result:2023"),
        ("2024年进展情况", "result:2024"),
        ("省政府完成时限", "upstream_deadline"),
        ("时间节点", "deadline"),
        ("已完成任务", "done"),
        ("是否完成", "done"),
        ("工作事项", "task_title"),
        ("备注", None),
        ("民生实事", None),
    ],
)
def test_header_names_are_read_by_their_words(header, field):
    assert read_name(header)[0] == field


def test_lines_above_an_instruction_sheet_and_qualified_headers(tmp_path):
    data = workbook(
        [
            ["附件1"],
            ["某县提升行政执法质量三年行动任务分解表（2023—2025年）"],
            ["填报单位：县司法局（盖章）", None, None, None, "填报日期：2024年3月1日"],
            ["序　号", "省级重点任务", "县级落实措施", "牵头\n单位", "责任\n单位", "2024年\n完成时间", "2025年\n完成时间", "备注"],
            ["一、全面提升行政执法人员能力素质"],
            [1, "全面提升政治能力", GY_TASK_1 + "；", "县司法局", GY_UNITS, "长期", "长期", ""],
            [2, "全面提升实战能力", GY_TASK_3 + "。", "县司法局", GY_UNITS, "2024年6月底前", "2025年9月底前", "比武"],
        ],
        ["A1:H1", "A2:H2", "A5:H5"],
        before=[("填表说明", [["填表说明：1. 每项措施一行"], ["2. 不得改动表头"]])],
    )
    ledger = read_ledger(data, file_name="county.xlsx")
    assert ledger.sheet == "台账" and ledger.header_row == 4
    assert ledger.title == "某县提升行政执法质量三年行动任务分解表（2023—2025年）"
    assert ledger.plan_years == [2023, 2024, 2025]
    assert fields(ledger) == {  # the full-width space inside 序　号 reads as a space
        "序 号": "task_number", "省级重点任务": "task_title", "县级落实措施": "measure", "牵头\n单位": "lead",
        "责任\n单位": "responsible", "2024年\n完成时间": "deadline:2024", "2025年\n完成时间": "deadline:2025", "备注": None,
    }
    first, second = ledger.rows
    assert (first.section_number, first.section_title) == ("一", "全面提升行政执法人员能力素质")
    assert first.measure_text == GY_TASK_1 + "；"  # every character kept
    assert second.measure_text == GY_TASK_3 + "。"
    assert second.deadlines == {2024: "2024年6月底前", 2025: "2025年9月底前"}
    assert second.extra == {"备注": "比武"}
    reasons = {reading.header: reading.reason for reading in ledger.readings}
    assert "牵头" in reasons["牵头\n单位"] and reasons["备注"] == "表头未识别"


def test_a_header_over_two_rows_with_group_cells():
    data = workbook(
        [
            ["鞍山市国动办提升行政执法质量三年行动工作方案(2023—2025年)任务分解表"],
            ["序号", "重点任务", "落实工作措施", "责任分工", None, "完成时限", None],
            [None, None, None, "牵头单位", "责任单位", "2024年", "2025年"],
            ["（一）全面提升行政执法人员能力素质"],
            [1, "加强政治能力建设", "① 将学法用法工作纳入党组中心组学习计划；\n② 开展法治为民理念党课教育。",
             "政策法规科", "① 机关党总支\n② 政策法规科", "① 11月30日\n② 6月30日", "① 11月30日\n② 7月31日"],
        ],
        ["A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:G2", "A4:G4"],
    )
    ledger = read_ledger(data)
    assert ledger.header_row == 3
    assert fields(ledger) == {
        "序号": "task_number", "重点任务": "task_title", "落实工作措施": "measure", "责任分工 / 牵头单位": "lead",
        "责任分工 / 责任单位": "responsible", "完成时限 / 2024年": "deadline:2024", "完成时限 / 2025年": "deadline:2025",
    }
    first, second = ledger.rows
    assert (first.measure_label, first.measure_text) == ("①", "将学法用法工作纳入党组中心组学习计划；")
    assert second.responsible_units == ["政策法规科"] and second.deadlines == {2024: "6月30日", 2025: "7月31日"}


def test_a_column_named_for_nothing_is_read_by_what_it_holds():
    rows = [["序号", "工作任务", "具体要求", "单位名称", "办理人", "要求"]]
    phrases = ["长期", "2024年6月底前", "2025年9月底前", "每季度", "2024年12月底前"]
    units = ["市司法局", "市财政局", "市人力资源社会保障局", "市政务服务中心", "市委编办"]
    people = ["尹忠新", "杨舒屹", "王磊", "李晓梅", "张伟"]
    for number, (phrase, unit, person) in enumerate(zip(phrases, units, people), start=1):
        rows.append([number, f"任务{number}", f"要求{number}", unit, person, phrase])
    ledger = read_ledger(workbook(rows))
    readings = {reading.header: reading for reading in ledger.readings}
    assert readings["要求"].field == "deadline" and "5/5" in readings["要求"].reason
    assert readings["单位名称"].field == "responsible"
    assert readings["办理人"].field == "person"
    assert ledger.rows[2].deadlines == {None: "2025年9月底前"} and ledger.rows[2].person == "王磊"


# ---------------------------------------------------------------- flat ledgers and numbering


def test_a_flat_ledger_of_work_items_lists_measures_without_sections_or_tasks():
    data = workbook([
        ["2024年全市优化营商环境重点工作台账"],
        ["序号", "工作事项", "责任单位", "责任领导", "完成时限"],
        [1, "开展涉企收费专项检查", "市市场监管局、市发展改革委", "张三", "2024年6月底前"],
        [2, "推行“一件事一次办”集成服务", "市政务服务中心", "李四", "2024年12月底前"],
        [3, "清理妨碍统一市场和公平竞争的规定", "市司法局", "王五", "2025年6月底前"],
    ])
    ledger = read_ledger(data)
    assert fields(ledger)["工作事项"] == "measure" and fields(ledger)["序号"] == "measure_number"
    assert [(row.section_title, row.task_title, row.item_text) for row in ledger.rows] == [("", "", "")] * 3
    assert [(row.measure_label, row.measure_text[:6]) for row in ledger.rows] == [
        ("1", "开展涉企收费"), ("2", "推行“一件事"), ("3", "清理妨碍统一"),
    ]
    assert ledger.rows[0].responsible_units == ["市市场监管局", "市发展改革委"]
    assert ledger.plan_years == [2024]


def test_outline_numbers_make_tasks_of_their_headings():
    data = workbook([
        ["某区提升行政执法质量三年行动计划（2023—2025年）任务分解表"],
        ["序号", "工作任务", "责任单位", "完成时限"],
        ["1", "全面提升行政执法人员能力素质", None, None],
        ["1.1", "开展行政执法人员全员轮训", "区司法局", "2024年6月底前"],
        ["1.2", "组织岗位技能比武练兵", "区司法局、区人社局", "2025年9月底前"],
        ["2", "全面推进严格规范公正文明执法", None, None],
        ["2.1", "全面推行行政执法公示制度", "各执法部门", "长期"],
        ["3", "健全行政执法监督机制", "区司法局", "2025年底前"],
    ])
    rows = read_ledger(data).rows
    assert [(row.task_number, row.task_label, row.measure_label, row.measure_text) for row in rows] == [
        (1, "1", "1.1", "开展行政执法人员全员轮训"),
        (1, "1", "1.2", "组织岗位技能比武练兵"),
        (2, "2", "2.1", "全面推行行政执法公示制度"),
        (3, "3", "", "健全行政执法监督机制"),  # a task with nothing below: its own one measure
    ]
    assert rows[0].task_title == "全面提升行政执法人员能力素质"
    assert rows[1].responsible_units == ["区司法局", "区人社局"]


def test_mixed_numbering_in_one_column_gives_sections_tasks_and_measures():
    data = workbook([
        ["广元市提升行政执法质量三年行动计划工作台账"],
        ["序号", "工作内容", "牵头单位", "时间节点"],
        ["一、全面提升行政执法人员能力素质"],
        ["（一）", "全面提升政治能力", None, None],
        ["1.", "把加强党的政治建设放在首位", "市司法局", "长期"],
        ["2.", "开展法治为民理念教育", "市司法局", "2024年6月底前"],
        ["（二）", "全面提升业务水平", None, None],
        ["1.", "建立健全行政执法标准化制度化培训机制", "市司法局", "2025年9月底前"],
        ["二、全面推进严格规范公正文明执法"],
        ["（一）", "规范行政执法行为", None, None],
        ["1.", "全面落实行政执法三项制度", "市司法局", "长期"],
    ], ["A3:D3", "A9:D9"])
    rows = read_ledger(data).rows
    assert [(row.section_number, row.task_label, row.measure_label) for row in rows] == [
        ("一", "（一）", "1"), ("一", "（一）", "2"), ("一", "（二）", "1"), ("二", "（一）", "1"),
    ]
    assert rows[2].task_title == "全面提升业务水平"
    assert rows[3].section_title == "全面推进严格规范公正文明执法"


def test_section_rows_written_in_the_first_column_only_or_in_the_number_column():
    data = workbook([
        ["序号", "工作任务", "具体要求", "责任单位", "完成时限"],
        ["一、全面提升行政执法人员能力素质", None, None, None, None],
        [1, "全面提升政治能力", GY_TASK_1, "市司法局", "长期"],
        ["二", "全面推进严格规范公正文明执法", None, None, None],
        [2, "规范行政执法行为", "全面落实行政执法三项制度", "市司法局", "2024年底前"],
    ])
    rows = read_ledger(data).rows
    assert [(row.section_number, row.section_title, row.task_title) for row in rows] == [
        ("一", "全面提升行政执法人员能力素质", "全面提升政治能力"),
        ("二", "全面推进严格规范公正文明执法", "规范行政执法行为"),
    ]


@pytest.mark.parametrize(
    ("text", "style", "numbers", "label", "rest"),
    [
        ("一、总体要求", ("cn",), (1,), "一", "总体要求"),
        ("（三）加强监督", ("cn_paren",), (3,), "（三）", "加强监督"),
        ("第二部分 重点任务", ("part",), (2,), "第二部分", "重点任务"),
        ("1.1 开展轮训", ("num", 2), (1, 1), "1.1", "开展轮训"),
        ("1.1.2、制定方案", ("num", 3), (1, 1, 2), "1.1.2", "制定方案"),
        ("12．加强培训", ("num", 1), (12,), "12", "加强培训"),
        ("(3)严格执法", ("paren",), (3,), "(3)", "严格执法"),
        ("②组织考试", ("circled",), (2,), "②", "组织考试"),
        ("二十三、其他", ("cn",), (23,), "二十三", "其他"),
    ],
)
def test_markers_as_written(text, style, numbers, label, rest):
    marker, after = read_marker(text)
    assert (marker.style, marker.numbers, marker.label, after) == (style, numbers, label, rest)


@pytest.mark.parametrize("text", ["2024年底前完成", "2025 年全面推开", "全面推行", "十分重要"])
def test_text_that_only_starts_with_a_number_is_no_marker(text):
    assert read_marker(text)[0] is None


def test_chinese_numbers():
    assert [chinese_number(text) for text in ("一", "十", "十二", "二十三", "一百零五", "二〇二五", "甲")] == [
        1, 10, 12, 23, 105, 2025, None,
    ]


def test_levels_follow_the_order_styles_first_appear():
    one, one_one, one_two, two = (read_marker(text)[0] for text in ("1", "1.1", "1.2", "2"))
    assert levels([(one, False), (one_one, True), (one_two, True), (two, True)]) == [
        "task", "measure", "measure", "task+measure",
    ]


# ---------------------------------------------------------------- plan years


def test_plan_years_from_a_three_year_action_with_its_start_year():
    data = workbook([
        ["2024年某市优化法治化营商环境三年行动任务清单"],
        ["序号", "重点任务", "责任单位", "完成时限"],
        [1, "开展涉企行政执法专项监督", "市司法局", "长期"],
    ])
    ledger = read_ledger(data)
    assert ledger.plan_years == [2024, 2025, 2026] and "三年行动" in ledger.years_from


def test_plan_years_from_the_deadline_phrases_alone():
    data = workbook([
        ["工作台账"],
        ["序号", "重点任务", "责任单位", "完成时限"],
        [1, "开展全员轮训", "市司法局", "2024年6月底前"],
        [2, "开展中期评估", "市司法局", "2025年9月底前"],
    ])
    ledger = read_ledger(data)
    assert ledger.plan_years == [2024, 2025] and ledger.years_from == "完成时限中的年份"


def test_a_header_without_a_text_column_names_what_it_found():
    data = workbook([["序号", "责任单位", "完成时限"], [1, "市司法局", "长期"]])
    with pytest.raises(LedgerError) as caught:
        read_ledger(data, file_name="units.xlsx")
    assert "表头缺少必需的列：重点任务/具体要求/落实工作措施" in str(caught.value)
    assert "「责任单位」→责任单位" in str(caught.value)


def test_a_county_list_with_its_own_words_keeps_every_measure():
    """A GBK CSV laid out as no fixture is: 编号 / 重点工作 / 主要举措 / 牵头部门 / 配合部门 / 时间节点,
    a measure row under its task with the number and title left blank."""
    rows = [
        ["附件3"],
        ["某县2024年优化营商环境重点任务责任清单"],
        ["编号", "重点工作", "主要举措", "牵头部门", "配合部门", "时间节点", "推进情况"],
        ["一、提升政务服务效能", "", "", "", "", "", ""],
        ["1", "推行“一网通办”", "1.1 年底前实现90%以上事项网上可办。", "县行政审批局", "县大数据中心", "2024年12月底前", "正在推进"],
        ["", "", "1.2 建设县级政务服务中心综合窗口。", "县行政审批局", "各乡镇人民政府", "2024年6月30日前", "已完成"],
        ["2", "优化企业开办", "2.1 企业开办时间压缩至1个工作日。", "县市场监管局", "县税务局、县公安局", "持续推进", ""],
    ]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    ledger = read_ledger(text.getvalue().encode("gbk"), file_name="县清单.csv")
    assert [(row.task_title, row.measure_label, row.measure_text[:5], row.responsible_units) for row in ledger.rows] == [
        ("推行“一网通办”", "1.1", "年底前实现", ["县大数据中心"]),
        ("推行“一网通办”", "1.2", "建设县级政", ["各乡镇人民政府"]),
        ("优化企业开办", "2.1", "企业开办时", ["县税务局", "县公安局"]),
    ]
    assert ledger.rows[0].measure_text == "年底前实现90%以上事项网上可办。"  # every character after the number kept
    assert ledger.rows[1].deadlines == {None: "2024年6月30日前"}
    assert ledger.rows[0].extra == {"推进情况": "正在推进"}


@pytest.mark.parametrize("text", ["1.5亿元以上的项目全部开工。", "2024年底前完成。", "1.建立台账。", "1.1建立台账。"])
def test_a_measure_that_starts_with_a_figure_keeps_it_in_its_text(text):
    """Only an outline number followed by a space is the measure's own number (`1.1 …`)."""
    data = workbook([["序号", "重点任务", "工作措施", "责任单位"], [1, GY_TASK_1, text, GY_UNITS]])
    [row] = read_ledger(data).rows
    assert (row.measure_label, row.measure_text) == ("", text)


@pytest.mark.parametrize("numbered", [True, False])
def test_a_row_with_text_only_in_a_column_not_understood_is_named_not_read_or_lost(numbered):
    """A note under a measure, written in a 备注 column the reader does not know, is neither a
    measure nor a heading: the measures around it are all read, and the row is named for the report."""
    header = ["序号", "工作措施", "责任单位", "完成时限", "备注"] if numbered else ["序号", "重点任务", "工作措施", "责任单位", "备注"]
    first = ["1", GY_TASK_1, GY_UNITS, "长期", ""] if numbered else ["1", "提升执法能力", GY_TASK_1, GY_UNITS, ""]
    note = ["", "", "", "", "此项与市委组织部共同推进"]
    second = ["2", GY_TASK_3, "市司法局", "2025年9月底前", ""] if numbered else ["2", "练兵", GY_TASK_3, "市司法局", ""]
    ledger = read_ledger(workbook([header, first, note, second]), file_name="台账.xlsx")
    assert [row.measure_text for row in ledger.rows] == [GY_TASK_1, GY_TASK_3]
    assert ledger.unread_rows == ["第 3 行只在未识别的列中有内容，未读作措施：「备注」列「此项与市委组织部共同推进」"]


def test_a_section_title_in_the_first_column_alone_is_still_a_section():
    data = workbook([
        ["序号", "工作任务", "责任单位", "备注"],
        ["一、加强党的领导", None, None, None],
        ["1", GY_TASK_1, GY_UNITS, None],
    ])
    ledger = read_ledger(data)
    assert [(row.section_title, row.measure_text) for row in ledger.rows] == [("加强党的领导", GY_TASK_1)]
    assert ledger.unread_rows == []
