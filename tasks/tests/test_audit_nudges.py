"""The audit export holds the nudges (催办): who nudged whom, when, about which measure — for a
measure nudged from its page, a department nudged as a whole, and reports nudged in bulk from the
review queue; on the real Anshan ledger."""

import csv
import datetime
import io

import pytest
import time_machine

from departments.models import Department
from departments.roles import STAFF, SUPERVISOR, create_account
from notices.notify import nudge_department
from tasks.tests.helpers import login, measures_of

pytestmark = pytest.mark.django_db

NUDGED_AT = datetime.datetime(2024, 12, 2, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def nudge_rows(response):
    header, *rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert header[5] == "事项"
    return [row for row in rows if row[5] == "催办"]


def test_the_audit_export_lists_each_nudge_with_sender_recipients_time_and_measure(anshan):
    create_account("renfang", STAFF, departments=["人防管理科"])
    create_account("renfang2", STAFF, departments=["人防管理科"])
    chief = login("chief", SUPERVISOR)
    measure = measures_of("人防管理科").exclude(units__department__name="政策法规科").first()
    with time_machine.travel(NUDGED_AT, tick=False):
        assert chief.post(f"/measures/{measure.pk}/nudge/", {"message": "请于本周五前报送进展"}).status_code == 302
    rows = nudge_rows(chief.get("/measures/audit/?format=csv&department=人防管理科"))
    label = f"{measure.item.task.number}.({measure.item.number})"
    assert [(r[0], r[1], r[3].startswith(label) and measure.text in r[3], r[7], r[8]) for r in rows] == [
        ("2024-12-02 09:30:00", "chief", True, "renfang、renfang2", "请于本周五前报送进展")
    ]
    # a department nudge: one row per measure of the department not done in 2024, naming the department
    boss = create_account("boss", SUPERVISOR)[0]
    with time_machine.travel(NUDGED_AT + datetime.timedelta(hours=1), tick=False):
        nudge, _count = nudge_department(Department.objects.get(name="人防管理科"), sender=boss, message="年底前全部完成")
    rows = nudge_rows(chief.get("/plans/anshan/audit/?format=csv"))
    department_rows = [r for r in rows if r[1] == "boss"]
    assert len(department_rows) == nudge.measures.count() > 0
    assert {(r[0], r[7], r[8]) for r in department_rows} == {("2024-12-02 10:30:00", "人防管理科：renfang、renfang2", "年底前全部完成")}
    # the measure nudged on its page is not 政策法规科's: that department's audit leaves its nudge out
    assert [r[1] for r in nudge_rows(chief.get("/measures/audit/?format=csv&department=政策法规科"))].count("chief") == 0
