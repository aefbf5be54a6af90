"""Exports keep the levels a ledger has: the numbers as written (1.1, (3), ①) and no section, task
or item rows or columns for levels a flat ledger does not have. Every corpus ledger imported and
exported in its own layout reads back to the same measures, texts, labels, units and deadlines."""

import csv
import datetime
import io
import json

import openpyxl
import pytest

from tasks.exporting.ledger_layout import export_ledger
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Measure, Plan
from tasks.ledgerfiles.sheets import read_ledger

from .conftest import ANSHAN, FIXTURES
from .helpers import flat_export

pytestmark = pytest.mark.django_db

CORPUS = FIXTURES / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
AS_OF = datetime.date(2024, 12, 31)


def content(rows):
    """What a reader of the ledger checks of each measure: numbers as written, text, units, person, deadlines."""
    return [
        (row.task_label, row.task_title, row.item_label, row.item_text, row.measure_label, row.measure_text,
         row.lead_units, row.responsible_units, row.person, row.deadlines)
        for row in rows
    ]


def imported(path):
    import_ledger(path, options=ImportOptions(plan_slug="ledger"))
    return Plan.objects.get(slug="ledger")


def exported_rows(plan):
    """The exported sheet's rows below its header (values only, blank cells as None)."""
    sheet = openpyxl.load_workbook(io.BytesIO(export_ledger(plan, as_of=AS_OF))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(index for index, row in enumerate(rows) if row[0] in ("序号", "编号", "序\u3000号"))
    return rows[header + 1 :]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_corpus_ledger_exported_in_its_own_layout_reads_back_the_same(name):
    plan = imported(CORPUS / name)
    data = export_ledger(plan, as_of=AS_OF)
    again = read_ledger(data, file_name="export.xlsx")
    assert len(again.rows) == EXPECTED[name]["counts"]["measures"]
    assert content(again.rows) == content(read_ledger(CORPUS / name).rows)


def test_the_anshan_ledger_reads_back_with_its_numbers_as_written():
    plan = imported(ANSHAN)
    rows = read_ledger(export_ledger(plan, as_of=AS_OF), file_name="export.xlsx").rows
    assert len(rows) == 75
    assert content(rows) == content(read_ledger(ANSHAN).rows)
    assert (rows[0].task_label, rows[0].item_label, rows[0].measure_label) == ("1", "(1)", "①")


def test_an_outline_ledger_is_exported_one_level_a_row_numbered_as_written():
    rows = exported_rows(imported(CORPUS / "08_anshan_three_levels.xlsx"))
    assert [row[0] for row in rows[:5]] == ["1", "1.1", "1.1.1", "1.2", "1.2.1"]
    assert rows[0][1] == "完善行政执法监督制度" and rows[0][2:6] == (None, None, None, None)
    assert rows[2][1].startswith("适时按照修订后《辽宁省行政执法监督规定》")
    assert rows[2][2:6] == ("政策法规科", "尹忠新", "适时进行", "2025年底取得阶段性成果")


def test_a_flat_ledger_gets_no_rows_for_levels_it_does_not_have():
    rows = exported_rows(imported(CORPUS / "11_anshan_flat_measures.xlsx"))
    assert len(rows) == 10
    assert [row[0] for row in rows] == [str(number) for number in range(1, 11)]
    assert rows[2][1:6] == ("明确法制审核机构。", "机关党总支", "杨舒屹", "11月30日", "持续推进")


def test_measures_on_rows_of_their_own_stay_on_their_own_rows():
    rows = exported_rows(imported(CORPUS / "06_guangyuan_synonyms.ods"))
    sixth = next(index for index, row in enumerate(rows) if row[0] == 6)
    assert [row[2] for row in rows[sixth : sixth + 3]] == [
        "发布“一目录、五清单”。",
        *[Measure.objects.get(item__task__number=6, number=number).text for number in (2, 3)],
    ]
    assert rows[sixth + 1][2].startswith("全面落实《四川省行政裁量权基准管理规定》")


def csv_table(data):
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return header, rows


def test_the_flat_export_of_a_flat_ledger_has_no_section_task_or_item_columns():
    plan = imported(CORPUS / "11_anshan_flat_measures.xlsx")
    header, rows = csv_table(flat_export(Measure.objects.filter(item__task__section__plan=plan), "csv", as_of=AS_OF)[0])
    assert header[:6] == ["台账", "措施编号", "工作措施", "牵头单位", "责任单位", "负责人"]
    assert [row[1] for row in rows] == [str(number) for number in range(1, 11)]


def test_the_flat_export_writes_outline_numbers_as_written():
    plan = imported(CORPUS / "08_anshan_three_levels.xlsx")
    header, rows = csv_table(flat_export(Measure.objects.filter(item__task__section__plan=plan), "csv", as_of=AS_OF)[0])
    assert header[:7] == ["台账", "序号", "重点任务", "要求编号", "具体要求", "措施编号", "工作措施"]
    assert [row[1:2] + row[3:4] + row[5:6] for row in rows[:3]] == [["1", "1.1", "1.1.1"], ["1", "1.2", "1.2.1"], ["2", "2.1", "2.1.1"]]
