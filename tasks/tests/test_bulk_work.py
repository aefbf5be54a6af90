"""Bulk work on the real Anshan ledger: supervisors accept, return or nudge many reports from the
review queue (and one row inline), staff report one status for several measures (my/report-many/).
Each measure gets its own history entry; stale ones are refused and listed; closed years and other
people's measures are refused; nothing else changes."""

import datetime

import pytest
import time_machine
from django.test import Client

from departments.models import Department
from departments.roles import ADMIN, STAFF, SUPERVISOR
from notices.models import Notification, Nudge
from tasks.choices import ProgressStatus, ReviewState
from tasks.models import Measure, Progress, ProgressEntry, ReviewRecord
from tasks.tests.helpers import login, measures_of
from tasks.workflow.year_close import close_year

pytestmark = pytest.mark.django_db

# a working day of the Anshan reporting year's successor, while 2025 is open
TODAY = datetime.datetime(2025, 6, 16, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def fagui(anshan):
    return login("fagui", STAFF, ["政策法规科"])


@pytest.fixture
def chief(anshan):
    return login("chief", SUPERVISOR)


def report(client, measure, year, status, note="", version=""):
    return client.post(
        f"/measures/{measure.pk}/progress/{year}/",
        {f"{year}-status": status, f"{year}-note": note, f"{year}-version": version, f"{year}-confirm_done": "1"},
    )


def pending_2025(client, count):
    """``count`` 政策法规科 measures reported done for 2025 by ``client``; their Progress rows."""
    measures = list(measures_of("政策法规科")[:count])
    for measure in measures:
        assert report(client, measure, 2025, "done", "全年工作已完成").status_code == 302
    return list(Progress.objects.filter(measure__in=measures, year=2025).order_by("measure_id"))


def selected(rows):
    return [f"{p.pk}:{p.version}" for p in rows]


def messages_after(client, response):
    return client.get(response["Location"]).content.decode()


# -- the review queue -----------------------------------------------------------------------------


def test_the_queue_shows_a_checkbox_and_inline_forms_per_report_in_a_fixed_number_of_queries(
    fagui, chief, django_assert_max_num_queries
):
    rows = pending_2025(fagui, 6)
    with django_assert_max_num_queries(7):  # the same with 1 or 20 reports; one is the top bar's 待审核 count
        page = chief.get("/review/").content.decode()
    for progress in rows:
        assert f'name="selected" value="{progress.pk}:{progress.version}" form="bulk-review"' in page
        assert f'id="report-{progress.pk}"' in page
    assert page.count('name="action" value="return"') == 6 + 1  # six rows' buttons, the bulk form's radio
    assert 'id="bulk-review"' in page and 'value="nudge"' in page


def test_bulk_accept_writes_one_review_per_report_and_lists_the_stale_one(fagui, chief):
    rows = pending_2025(fagui, 4)
    seen = selected(rows)
    changed = rows[1]  # staff edit one report after the supervisor opened the queue
    assert report(fagui, changed.measure, 2025, "done", "补充了佐证说明", version=changed.version).status_code == 302
    response = chief.post("/review/bulk/", {"selected": seen, "action": "accept"})
    assert response.status_code == 302 and response["Location"] == "/review/"
    page = messages_after(chief, response)
    assert "已通过 3 份报告。" in page
    assert "版本已变化，未处理" in page and "该年度完成情况已由 fagui 于" in page
    for progress in rows:
        progress.refresh_from_db()
        records = list(progress.reviews.order_by("pk").values_list("user__username", "old_state", "new_state"))
        if progress.pk == changed.pk:
            assert progress.review == ReviewState.PENDING
            assert records == [("fagui", "", "pending")]
        else:
            assert progress.review == ReviewState.ACCEPTED
            assert records == [("fagui", "", "pending"), ("chief", "pending", "accepted")]


def test_bulk_return_gives_every_report_the_one_reason_in_its_own_history(fagui, chief):
    rows = pending_2025(fagui, 3)
    entries_before = ProgressEntry.objects.count()
    response = chief.post("/review/bulk/", {"selected": selected(rows), "action": "return", "reason": "缺少签到表"})
    assert "已退回 3 份报告。" in messages_after(chief, response)
    assert ProgressEntry.objects.count() == entries_before + 3
    for progress in rows:
        progress.refresh_from_db()
        assert (progress.status, progress.review) == (ProgressStatus.IN_PROGRESS, ReviewState.RETURNED)
        last = progress.entries.order_by("-version").first()
        assert (last.user.username, last.comment) == ("chief", "审核退回：缺少签到表")
        assert progress.reviews.get(new_state=ReviewState.RETURNED).reason == "缺少签到表"


def test_a_bulk_return_without_a_reason_changes_nothing(fagui, chief):
    rows = pending_2025(fagui, 2)
    response = chief.post("/review/bulk/", {"selected": selected(rows), "action": "return", "reason": "  "})
    assert "退回时请说明理由（对所选报告统一适用）。" in messages_after(chief, response)
    assert set(Progress.objects.filter(pk__in=[p.pk for p in rows]).values_list("review", flat=True)) == {ReviewState.PENDING}
    assert ReviewRecord.objects.filter(new_state=ReviewState.RETURNED).count() == 0


def test_bulk_nudge_sends_one_nudge_per_measure_to_its_people(fagui, chief):
    rows = pending_2025(fagui, 3)
    response = chief.post("/review/bulk/", {"selected": selected(rows), "action": "nudge", "reason": "请补充佐证材料"})
    assert "已对 3 份报告的工作措施发出催办。" in messages_after(chief, response)
    nudges = Nudge.objects.order_by("pk")
    assert [(n.sender.username, n.message, list(n.measures.values_list("pk", flat=True))) for n in nudges] == [
        ("chief", "请补充佐证材料", [p.measure_id]) for p in rows
    ]
    assert Notification.objects.filter(user__username="fagui", nudge__in=nudges).count() == 3
    assert set(Progress.objects.filter(pk__in=[p.pk for p in rows]).values_list("review", flat=True)) == {ReviewState.PENDING}


def test_a_closed_year_refuses_the_bulk_review_and_names_the_closure(fagui, chief):
    rows = pending_2025(fagui, 2)
    close_year(rows[0].measure.plan, 2025)
    response = chief.post("/review/bulk/", {"selected": selected(rows), "action": "accept"})
    page = messages_after(chief, response)
    assert "2025 年度（全部部门）已由" in page and "已通过" not in page
    assert ReviewRecord.objects.filter(new_state=ReviewState.ACCEPTED).count() == 0


def test_a_department_closure_refuses_only_that_departments_reports(anshan, chief):
    fagui = login("fagui", STAFF, ["政策法规科"])
    renfang = login("renfang", STAFF, ["人防管理科"])
    own = pending_2025(fagui, 1)[0]
    other_measure = measures_of("人防管理科").exclude(units__department__name="政策法规科").first()
    report(renfang, other_measure, 2025, "done", "已完成")
    other = Progress.objects.get(measure=other_measure, year=2025)
    close_year(own.measure.plan, 2025, departments=[Department.objects.get(name="政策法规科")])
    response = chief.post("/review/bulk/", {"selected": selected([own, other]), "action": "accept"})
    page = messages_after(chief, response)
    assert "已通过 1 份报告。" in page and "2025 年度（政策法规科）已由" in page
    assert Progress.objects.get(pk=own.pk).review == ReviewState.PENDING
    assert Progress.objects.get(pk=other.pk).review == ReviewState.ACCEPTED


def test_staff_and_strangers_cannot_bulk_review_and_nobody_reviews_their_own(anshan):
    fagui = login("fagui", STAFF, ["政策法规科"])
    rows = pending_2025(fagui, 2)
    assert fagui.post("/review/bulk/", {"selected": selected(rows), "action": "accept"}).status_code == 403
    assert fagui.get("/review/").status_code == 403
    anonymous = Client().post("/review/bulk/", {"selected": selected(rows), "action": "accept"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert set(Progress.objects.filter(pk__in=[p.pk for p in rows]).values_list("review", flat=True)) == {ReviewState.PENDING}
    # an admin reports a measure and may not accept it in bulk; another admin may
    admin = login("chief-admin", ADMIN)
    measure = measures_of("人防管理科").first()
    report(admin, measure, 2025, "done", "管理员代填")
    own = Progress.objects.get(measure=measure, year=2025)
    page = admin.get("/review/").content.decode()
    assert f'value="{own.pk}:{own.version}"' not in page and "本人填报，请由其他督查人员审核。" in page
    response = admin.post("/review/bulk/", {"selected": selected([own, *rows]), "action": "accept"})
    page = messages_after(admin, response)
    assert "已通过 2 份报告。" in page and "不能审核自己填报的进展" in page
    assert Progress.objects.get(pk=own.pk).review == ReviewState.PENDING
    other_admin = login("deputy", ADMIN)
    other_admin.post("/review/bulk/", {"selected": selected([own]), "action": "accept"})
    assert Progress.objects.get(pk=own.pk).review == ReviewState.ACCEPTED


def test_an_unknown_report_id_is_refused_without_saying_what_it_is(fagui, chief):
    rows = pending_2025(fagui, 1)
    response = chief.post("/review/bulk/", {"selected": [*selected(rows), "999999:1"], "action": "accept"})
    page = messages_after(chief, response)
    assert "已通过 1 份报告。" in page and "该报告不存在或您无权查看。" in page
    assert chief.post("/review/bulk/", {"selected": ["x"], "action": "accept"}).status_code == 302
    assert "请至少选择一份报告。" in messages_after(chief, chief.post("/review/bulk/", {"action": "accept"}))


def test_inline_review_with_htmx_swaps_only_its_row(fagui, chief):
    first, second = pending_2025(fagui, 2)
    htmx = {"HX-Request": "true"}
    response = chief.post(
        "/review/bulk/", {"selected": selected([first]), "action": "return", "reason": ""}, headers=htmx
    )
    row = response.content.decode()
    assert response.status_code == 200 and row.startswith(f'<tr id="report-{first.pk}">') and "<html" not in row
    assert "退回时请说明理由" in row and 'role="alert"' in row and 'name="action" value="return"' in row
    response = chief.post(
        "/review/bulk/", {"selected": selected([first]), "action": "return", "reason": "请附会议纪要"}, headers=htmx
    )
    row = response.content.decode()
    assert "已退回。" in row and 'role="status"' in row and "<form" not in row
    assert Progress.objects.get(pk=first.pk).review == ReviewState.RETURNED
    assert Progress.objects.get(pk=second.pk).review == ReviewState.PENDING
    # without JavaScript the same form posts and comes back to the queue
    response = chief.post("/review/bulk/", {"selected": selected([second]), "action": "accept"})
    assert response["Location"] == "/review/" and "已通过 1 份报告。" in messages_after(chief, response)


# -- staff's bulk report --------------------------------------------------------------------------


def chosen(measures, year):
    versions = dict(Progress.objects.filter(measure__in=measures, year=year).values_list("measure_id", "version"))
    return [f"{m.pk}:{versions.get(m.pk, 0)}" for m in measures]


def report_many(client, measures, year, status, note="", done_on="", choices=None):
    return client.post(
        f"/my/report-many/?year={year}",
        {"year": year, "chosen": choices or chosen(measures, year), "status": status, "note": note, "done_on": done_on},
    )


def test_the_page_lists_only_ones_own_measures_in_a_fixed_number_of_queries(anshan, django_assert_max_num_queries):
    renfang = login("renfang", STAFF, ["人防管理科"])
    own = list(measures_of("人防管理科"))
    with django_assert_max_num_queries(10):  # the same for 政策法规科's 62 measures
        response = renfang.get("/my/report-many/?year=2025")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('name="chosen"') == len(own) == 5
    others = Measure.objects.exclude(pk__in=[m.pk for m in own])
    assert others.count() == 70 and not any(f'value="{m.pk}:' in page for m in others)
    assert '<option value="2024" selected>' in renfang.get("/my/report-many/").content.decode()  # the reporting year


def test_staff_report_one_status_for_several_measures_each_with_its_own_entry(fagui):
    measures = list(measures_of("政策法规科")[:3])
    response = report_many(fagui, measures, 2025, "in_progress", "已制定工作方案")
    assert response.status_code == 302 and response["Location"] == "/my/report-many/?year=2025"
    assert "已为 3 项工作措施保存进展。" in messages_after(fagui, response)
    for measure in measures:
        progress = Progress.objects.get(measure=measure, year=2025)
        assert (progress.status, progress.note, progress.version) == (ProgressStatus.IN_PROGRESS, "已制定工作方案", 1)
        assert list(progress.entries.values_list("version", "user__username", "comment")) == [(1, "fagui", "批量填报")]


def test_done_needs_a_date_and_goes_to_review(fagui):
    measures = list(measures_of("政策法规科")[:2])
    response = report_many(fagui, measures, 2025, "done", "已完成")
    assert response.status_code == 400 and "标记为“已完成”时请填写完成日期。" in response.content.decode()
    assert not Progress.objects.filter(measure__in=measures, year=2025).exists()
    report_many(fagui, measures, 2025, "done", "已完成", done_on="2025-06-10")
    done = Progress.objects.filter(measure__in=measures, year=2025)
    assert {(p.status, p.done_on, p.review) for p in done} == {(ProgressStatus.DONE, datetime.date(2025, 6, 10), ReviewState.PENDING)}


def test_a_measure_changed_meanwhile_is_refused_and_listed_the_rest_are_saved(fagui):
    measures = list(measures_of("政策法规科")[:3])
    seen = chosen(measures, 2025)
    report(fagui, measures[2], 2025, "in_progress", "另一人先填了")
    response = report_many(fagui, measures, 2025, "ongoing", "持续推进中", choices=seen)
    page = messages_after(fagui, response)
    assert "已为 2 项工作措施保存进展。" in page and "版本已变化，未处理" in page
    assert Progress.objects.get(measure=measures[2], year=2025).note == "另一人先填了"
    assert Progress.objects.filter(measure__in=measures[:2], year=2025, status=ProgressStatus.ONGOING).count() == 2


def test_a_closed_year_is_shown_closed_and_refused(fagui):
    measures = list(measures_of("政策法规科")[:2])
    close_year(measures[0].plan, 2025, departments=[Department.objects.get(name="政策法规科")])
    page = fagui.get("/my/report-many/?year=2025").content.decode()
    assert 'name="chosen"' not in page and "已关账" in page
    response = report_many(fagui, measures, 2025, "in_progress", "补填")
    page = messages_after(fagui, response)
    assert "2025 年度（政策法规科）已由" in page and "已为" not in page
    assert not Progress.objects.filter(measure__in=measures, year=2025).exists()


def test_nobody_reports_for_another_departments_measure_and_supervisors_have_no_such_page(fagui, chief):
    own = measures_of("政策法规科").first()
    foreign = Measure.objects.exclude(pk__in=measures_of("政策法规科").values("pk")).first()
    response = report_many(fagui, [own, foreign], 2025, "in_progress", "填报")
    page = messages_after(fagui, response)
    assert "已为 1 项工作措施保存进展。" in page and "该措施不存在或不是您部门的措施。" in page
    assert not Progress.objects.filter(measure=foreign).exclude(year__lt=2025).exists()
    assert chief.get("/my/report-many/").status_code == 403
    assert report_many(chief, [own], 2025, "in_progress", "督查代填").status_code == 403
    assert Progress.objects.get(measure=own, year=2025).updated_by.username == "fagui"


def test_a_plan_that_requires_evidence_refuses_done_without_it(fagui):
    measures = list(measures_of("政策法规科")[:2])
    plan = measures[0].plan
    plan.requires_evidence = True
    plan.save()
    response = report_many(fagui, measures, 2025, "done", "已完成", done_on="2025-06-10")
    page = messages_after(fagui, response)
    assert page.count("本台账要求完成时附佐证材料") == 2
    assert not Progress.objects.filter(measure__in=measures, year=2025).exists()
