"""Column names of the import dataset: one row per measure, as the admin's preview shows it."""

SOURCE_ROW = "原表行号"
SECTION_NUMBER = "部分编号"
SECTION_TITLE = "部分"
TASK_NUMBER = "序号"
TASK_LABEL = "序号（原文）"
TASK_TITLE = "重点任务"
ITEM_NUMBER = "要求编号"
ITEM_LABEL = "要求编号（原文）"
ITEM_TEXT = "具体要求"
UPSTREAM_DEADLINE = "上级完成时限"
MEASURE_NUMBER = "措施编号"
MEASURE_LABEL = "措施编号（原文）"
MEASURE_TEXT = "工作措施"
LEAD_UNITS = "牵头单位"
RESPONSIBLE_UNITS = "责任单位"
LEAD_TEXT = "牵头单位（原文）"
RESPONSIBLE_TEXT = "责任单位（原文）"
PERSON = "负责人"
DONE = "已完成任务"
EXTRA = "其他列"
CELLS = "原表单元格"

FIXED = [
    SOURCE_ROW,
    SECTION_NUMBER,
    SECTION_TITLE,
    TASK_NUMBER,
    TASK_LABEL,
    TASK_TITLE,
    ITEM_NUMBER,
    ITEM_LABEL,
    ITEM_TEXT,
    UPSTREAM_DEADLINE,
    MEASURE_NUMBER,
    MEASURE_LABEL,
    MEASURE_TEXT,
    LEAD_UNITS,
    RESPONSIBLE_UNITS,
    LEAD_TEXT,
    RESPONSIBLE_TEXT,
    PERSON,
    DONE,
    EXTRA,
    CELLS,
]

YES, NO = "是", "否"

DEADLINE_PREFIX = "完成时限"
RESULT_PREFIX = "完成情况"


def deadline_column(year):
    """``完成时限:2024`` for a per-year column, ``完成时限`` for a single one."""
    return DEADLINE_PREFIX if year is None else f"{DEADLINE_PREFIX}:{year}"


def result_column(year):
    return f"{RESULT_PREFIX}:{year}"


def year_of(header, prefix):
    """The year of a per-year column of ``prefix``; None for the single column; False if not one."""
    if header == prefix:
        return None
    head, sep, year = header.partition(":")
    if head == prefix and sep and year.isdigit():
        return int(year)
    return False
