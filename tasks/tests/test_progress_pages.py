"""我的任务, the measure page and progress reports, on the real Anshan and Guangyuan ledgers."""

import datetime
import re

import pytest
import time_machine

from django.contrib.auth import get_user_model

from departments.roles import STAFF, SUPERVISOR
from tasks.standing.kept import refresh_standing
from tasks.choices import DATED_KINDS, ProgressSource, ProgressStatus, ReviewState
from tasks.models import Evidence, Measure, Milestone, Plan, Progress, ProgressEntry
from tasks.workflow.reporting import report_progress
from tasks.workflow.review import request_extension
from tasks.workflow.year_close import close_year
from tasks.tests.helpers import EXE_BYTES, PDF_BYTES, login, measures_of, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def fagui(anshan):
    return login("fagui", STAFF, ["政策法规科"])


@pytest.fixture
def measure(anshan):
    """A 政策法规科 measure of Anshan; 2025 has no report yet."""
    return measures_of("政策法规科").first()


def post_report(client, measure, year, *, version="", headers=None, **fields):
    """Post a year's report; a "done" comes confirmed (the 确认完成 step) unless ``confirm_done`` says otherwise."""
    fields.setdefault("confirm_done", "1")
    data = {f"{year}-{name}": value for name, value in fields.items()}
    data[f"{year}-version"] = version
    return client.post(f"/measures/{measure.pk}/progress/{year}/", data, headers=headers or {})


# -- 我的任务 ---------------------------------------------------------------------------


def test_my_measures_lists_every_measure_of_the_department_grouped_by_plan_and_section(fagui):
    response = fagui.get("/my/?tab=all")
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["page"].paginator.count == 62
    assert "我的任务" in page
    assert Plan.objects.get(slug="anshan").title in page
    for section in {m.item.task.section for m in measures_of("政策法规科")}:
        assert section.title in page
    civil_defence_only = measures_of("人防管理科").exclude(units__department__name="政策法规科").first()
    assert f'href="/measures/{civil_defence_only.pk}/"' not in page


def on(day):
    """``day`` (``YYYY-MM-DD``) at 9 in the morning in China, frozen: the day the pages judge by."""
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T09:00+08:00"), tick=False)


def test_my_measures_show_this_years_deadline_and_a_signal(fagui):
    with on("2025-01-15"):  # after the 2024 deadlines: some done, some overdue
        page = fagui.get("/my/?tab=all").content.decode()
    measure = measures_of("政策法规科").first()
    deadline_2024 = measure.deadlines.get(year=2024)
    assert deadline_2024.text in page
    assert 'class="badge done"' in page
    assert 'class="badge overdue"' in page


@pytest.mark.parametrize(
    "today, badge",
    [
        ("2024-10-30", '<span class="badge on-track">正常</span>'),  # 31 days before
        ("2024-10-31", '<span class="badge due-soon">即将到期</span>'),  # within the 30 days
        ("2024-11-30", '<span class="badge due-soon">即将到期</span>'),  # due today: not late yet
        ("2024-12-01", '<span class="badge overdue">逾期</span>'),
    ],
)
def test_the_badge_before_on_and_after_a_deadline(fagui, today, badge):
    """Item (8) measure ③ of Anshan (政策法规科, not done in 2024, the reporting year): its only
    2024 milestone is 11月30日."""
    measure = Measure.objects.get(item__task__section__plan__slug="anshan", item__number=8, number=3)
    assert [(m.date, m.kind) for m in Milestone.objects.filter(deadline__measure=measure, deadline__year=2024)] == [
        (datetime.date(2024, 11, 30), "date")
    ]
    with on(today):
        detail = fagui.get(f"/measures/{measure.pk}/").content.decode()
        listed = fagui.get("/my/?tab=all").content.decode()
    heading = detail[detail.index("<h1>") : detail.index("</h1>")]
    assert badge in heading
    row = listed[listed.index(f'href="/measures/{measure.pk}/"') :]
    assert badge in row[: row.index("</tr>")]


def test_guangyuan_lead_unit_sees_its_measures(guangyuan):
    client = login("sifaju", STAFF, ["市司法局"])
    response = client.get("/my/?tab=all")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == measures_of("市司法局").count() == 35


def test_a_supervisor_without_department_gets_an_empty_list_and_the_review_link(anshan):
    client = login("chief", SUPERVISOR)
    page = client.get("/my/").content.decode()
    assert "您所在的部门目前没有需要填报的工作措施。" in page
    assert 'href="/review/"' in page


def test_my_measures_costs_the_same_queries_for_62_measures_as_for_5(anshan, django_assert_max_num_queries):
    many = login("fagui", STAFF, ["政策法规科"])
    few = login("renfang", STAFF, ["人防管理科"])
    with django_assert_max_num_queries(11):
        assert many.get("/my/?tab=all").context["page"].paginator.count == 62
    with django_assert_max_num_queries(11):
        assert few.get("/my/?tab=all").context["page"].paginator.count == 5


def test_my_measures_come_a_page_at_a_time_in_plan_order(fagui, monkeypatch):
    monkeypatch.setattr("tasks.views.todo.MY_MEASURES_PER_PAGE", 25)
    first, third = fagui.get("/my/?tab=all"), fagui.get("/my/", {"tab": "all", "page": 3})
    assert len(first.context["page"].object_list) == 25
    assert len(third.context["page"].object_list) == 12
    assert "page=2" in first.content.decode()
    shown = [m.pk for page in (1, 2, 3) for m in fagui.get("/my/", {"tab": "all", "page": page}).context["page"].object_list]
    in_plan_order = measures_of("政策法规科").order_by(
        "item__task__section__order", "item__task__order", "item__order", "number"
    )
    assert shown == [m.pk for m in in_plan_order]
    assert {m.signal for m in first.context["page"].object_list} >= {"done", "overdue"}


def test_a_returned_report_is_in_its_tab_with_a_link_to_its_year(fagui, measure):
    Progress.objects.filter(measure=measure, year=2024).update(review=ReviewState.RETURNED)
    refresh_standing([measure.pk])  # a write beside the services: the kept standing follows it
    response = fagui.get("/my/", {"tab": "returned"})
    assert [(p.measure_id, p.year) for p in response.context["page"].object_list] == [(measure.pk, 2024)]
    assert f'href="/measures/{measure.pk}/?year=2024#year-2024">补充材料</a>' in response.content.decode()


# -- the measure page ---------------------------------------------------------------------


def test_the_measure_page_shows_the_whole_context_every_year_and_the_history(fagui, measure):
    response = fagui.get(f"/measures/{measure.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    item = measure.item
    for text in (item.task.section.plan.title, item.task.section.title, item.task.title, item.text[:30], measure.text[:30]):
        assert text in page
    for deadline in measure.deadlines.all():
        assert deadline.text in page
        for milestone in deadline.milestones.exclude(date=None):
            assert milestone.date.isoformat() in page
    for year in (2023, 2024, 2025):
        assert f'id="year-{year}"' in page
    assert "填报（台账导入）" in page
    assert len(response.context["history"]) == ProgressEntry.objects.filter(progress__measure=measure).count()


def test_the_measure_page_costs_a_fixed_number_of_queries(fagui, measure, django_assert_max_num_queries):
    with django_assert_max_num_queries(22):  # 21, and the year the page opens (the earliest overdue)
        assert fagui.get(f"/measures/{measure.pk}/").status_code == 200


def test_the_report_form_works_without_javascript(fagui, measure):
    page = fagui.get(f"/measures/{measure.pk}/").content.decode()
    assert f'action="/measures/{measure.pk}/progress/2025/"' in page
    assert 'enctype="multipart/form-data"' in page
    assert ">保存</button>" in page
    assert "/static/vendor/htmx.min.js" in page
    assert "https://" not in page.split('<main id="main"')[1]


# -- reporting progress ---------------------------------------------------------------------


def test_staff_report_progress_and_the_history_keeps_it(fagui, measure):
    response = post_report(fagui, measure, 2025, status="in_progress", note="已制定年度培训计划", done_on="")
    assert response.status_code == 302
    assert response["Location"] == f"/measures/{measure.pk}/?year=2025#year-2025"  # opened at that year
    progress = Progress.objects.get(measure=measure, year=2025)
    assert (progress.status, progress.note, progress.version, progress.updated_by.username) == (
        ProgressStatus.IN_PROGRESS, "已制定年度培训计划", 1, "fagui",
    )
    entry = progress.entries.get()
    assert (entry.user.username, entry.source, entry.note) == ("fagui", "web", "已制定年度培训计划")
    page = fagui.get(f"/measures/{measure.pk}/").content.decode()
    assert "已制定年度培训计划" in page
    assert "进行中" in page


def test_done_goes_to_review_with_the_date_done(fagui, measure):
    post_report(fagui, measure, 2025, status="done", note="培训已完成", done_on="2025-06-20")
    progress = Progress.objects.get(measure=measure, year=2025)
    assert (progress.status, progress.done_on.isoformat(), progress.review) == ("done", "2025-06-20", ReviewState.PENDING)
    assert "待审核" in fagui.get(f"/measures/{measure.pk}/").content.decode()


def test_evidence_is_stored_through_the_storage_and_downloadable(fagui, measure, media):
    response = fagui.post(
        f"/measures/{measure.pk}/progress/2025/",
        {"2025-status": "in_progress", "2025-note": "见附件", "2025-version": "", "2025-evidence": [
            upload("培训签到表.pdf", PDF_BYTES), upload("通知.pdf", PDF_BYTES)
        ]},
    )
    assert response.status_code == 302
    evidence = list(Evidence.objects.filter(progress__measure=measure, progress__year=2025).order_by("name"))
    assert [e.name for e in evidence] == ["培训签到表.pdf", "通知.pdf"]
    stored = media / evidence[0].file.name
    assert stored.read_bytes() == PDF_BYTES
    assert evidence[0].file.name.startswith(f"evidence/anshan/{measure.pk}/2025/")
    download = fagui.get(f"/evidence/{evidence[0].pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert "培训签到表.pdf" in fagui.get(f"/measures/{measure.pk}/").content.decode()


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_saved(fagui, measure, media):
    response = fagui.post(
        f"/measures/{measure.pk}/progress/2025/",
        {"2025-status": "done", "2025-note": "", "2025-version": "", "2025-evidence": upload("佐证.pdf", EXE_BYTES)},
    )
    assert response.status_code == 400
    assert "佐证.pdf" in response.content.decode()
    assert not Progress.objects.filter(measure=measure, year=2025).exists()
    assert not (media / "evidence").exists()


def test_a_plan_that_requires_evidence_refuses_done_without_it(fagui, measure):
    Plan.objects.filter(slug="anshan").update(requires_evidence=True)
    response = post_report(fagui, measure, 2025, status="done", note="已完成")
    assert response.status_code == 400
    assert "本台账要求完成时附佐证材料" in response.content.decode()
    assert not Progress.objects.filter(measure=measure, year=2025).exists()
    response = fagui.post(
        f"/measures/{measure.pk}/progress/2025/",
        {"2025-status": "done", "2025-note": "已完成", "2025-version": "", "2025-confirm_done": "1",
         "2025-evidence": upload("总结.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    assert Progress.objects.get(measure=measure, year=2025).status == ProgressStatus.DONE


# -- lost updates ------------------------------------------------------------------------------


def test_the_second_of_two_concurrent_edits_is_refused_with_who_and_when(anshan, measure):
    first = login("fagui", STAFF, ["政策法规科"])
    second = login("yin", STAFF, ["政策法规科"])
    post_report(first, measure, 2025, status="in_progress", note="第一稿")
    # both open the page at version 1
    assert first.get(f"/measures/{measure.pk}/").context["years"][2].form.initial["version"] == 1
    assert post_report(first, measure, 2025, version=1, status="in_progress", note="第一人修改").status_code == 302
    response = post_report(second, measure, 2025, version=1, status="done", note="第二人修改")
    assert response.status_code == 409
    page = response.content.decode()
    assert "该年度完成情况已由 fagui 于" in page
    assert "请刷新页面后重新填报" in page
    progress = Progress.objects.get(measure=measure, year=2025)
    assert (progress.note, progress.version) == ("第一人修改", 2)


def test_a_report_without_version_to_a_year_already_reported_is_a_conflict(fagui, measure):
    reported = Progress.objects.get(measure=measure, year=2023)
    response = post_report(fagui, measure, 2023, status="in_progress", note="覆盖")
    assert response.status_code == 409
    assert Progress.objects.get(pk=reported.pk).version == reported.version


# -- htmx --------------------------------------------------------------------------------------


def test_htmx_saves_a_status_inline_and_gets_the_year_back(fagui, measure):
    response = post_report(fagui, measure, 2025, status="in_progress", note="", headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith('<section class="year card') and "<html" not in page
    assert 'id="year-2025"' in page
    assert "已保存（版本 1）" in page
    assert 'name="2025-version" value="1"' in page


def test_htmx_conflict_returns_the_year_with_the_message(fagui, measure):
    post_report(fagui, measure, 2025, status="in_progress", note="")
    response = post_report(fagui, measure, 2025, version=0, status="done", note="", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "请刷新页面后重新填报" in response.content.decode()


def test_a_year_outside_the_plan_is_not_found(fagui, measure):
    assert post_report(fagui, measure, 2030, status="in_progress", note="").status_code == 404


def test_no_id_appears_twice_on_the_measure_page_whatever_forms_it_holds(anshan):
    """Each year's review form has ids of its own, the forms drawn once per milestone or request
    none (their fields sit in their labels): a label always names its own field."""
    staff = login("fagui", STAFF, ["政策法规科"])
    user = get_user_model().objects.get(username="fagui")
    measure = next(
        m for m in measures_of("政策法规科")
        if Milestone.objects.filter(deadline__measure=m, date__isnull=False, kind__in=DATED_KINDS).count() >= 2
    )
    for year in (2024, 2025):
        stored = Progress.objects.filter(measure=measure, year=year).first()
        report_progress(measure, year, user=user, status=ProgressStatus.DONE, note="已完成。",
                        expected_version=stored.version if stored else None, source=ProgressSource.WEB)
    milestones = Milestone.objects.filter(deadline__measure=measure, date__isnull=False, kind__in=DATED_KINDS)
    for milestone in milestones[:2]:
        request_extension(milestone, user=user, new_date=milestone.date + datetime.timedelta(days=30), reason="等待上级批复。")
    supervisor = login("chief", SUPERVISOR)
    for client, forms in ((staff, "progress-form"), (supervisor, "review-form")):
        page = client.get(f"/measures/{measure.pk}/").content.decode()
        assert page.count(f'class="{forms}"') >= 2
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
        for target in re.findall(r'\sfor="([^"]+)"', page):
            assert target in ids, target


# -- explicit saving: "done" needs its date confirmed; a report sent by mistake is withdrawn ----


def test_done_without_confirmation_writes_nothing_and_asks_for_the_date(fagui, measure):
    with on("2025-06-20"):
        response = post_report(fagui, measure, 2025, status="done", note="培训已完成", confirm_done="")
    assert response.status_code == 200
    assert not Progress.objects.filter(measure=measure, year=2025).exists()
    page = response.content.decode()
    assert "确认已完成" in page and ">确认完成</button>" in page
    assert 'name="2025-done_on" value="2025-06-20"' in page  # today, editable
    assert 'max="2025-06-20"' in page
    assert 'name="2025-confirm_done" value="1"' in page
    assert 'name="2025-evidence"' in page  # the upload in the same step
    assert "培训已完成" in page  # the note is kept


def test_a_done_date_in_the_future_is_refused(fagui, measure):
    with on("2025-06-20"):
        response = post_report(fagui, measure, 2025, status="done", note="", done_on="2025-06-21")
    assert response.status_code == 400
    assert "完成日期不能晚于今天。" in response.content.decode()
    assert not Progress.objects.filter(measure=measure, year=2025).exists()


def test_the_status_select_saves_nothing_by_itself(fagui, measure):
    page = fagui.get(f"/measures/{measure.pk}/").content.decode()
    form = page[page.index('<form method="post" action="/measures/%d/progress/2025/"' % measure.pk):]
    form = form[: form.index("</form>")]
    assert "hx-trigger" not in form  # only the 保存 button sends the form


def test_the_author_withdraws_a_report_waiting_for_review(fagui, measure):
    post_report(fagui, measure, 2025, status="in_progress", note="起草中")
    post_report(fagui, measure, 2025, version=1, status="done", note="已完成", done_on="2025-01-02")
    progress = Progress.objects.get(measure=measure, year=2025)
    assert (progress.status, progress.review, progress.version) == ("done", ReviewState.PENDING, 2)
    page = fagui.get(f"/measures/{measure.pk}/").content.decode()
    assert f'action="/measures/{measure.pk}/progress/2025/withdraw/"' in page
    response = fagui.post(f"/measures/{measure.pk}/progress/2025/withdraw/", {"version": 2})
    assert response.status_code == 302
    progress.refresh_from_db()
    assert (progress.status, progress.note, progress.done_on, progress.review, progress.version) == (
        "in_progress", "起草中", None, ReviewState.NONE, 3
    )
    assert progress.entries.get(version=3).comment == "撤回报告"
    history = fagui.get(f"/measures/{measure.pk}/").content.decode()
    assert history.count("撤回报告") == 2  # the progress entry and the review record, both in the history
    assert '/progress/2025/withdraw/"' not in history


def test_a_reviewed_report_or_another_persons_cannot_be_withdrawn(fagui, measure):
    post_report(fagui, measure, 2025, status="done", note="已完成")
    colleague = login("fagui2", STAFF, ["政策法规科"])
    response = colleague.post(f"/measures/{measure.pk}/progress/2025/withdraw/", {"version": 1}, follow=True)
    assert "只有提交报告的本人可以撤回。" in response.content.decode()
    chief = login("chief", SUPERVISOR)
    chief.post(f"/measures/{measure.pk}/progress/2025/review/", {"decision": "accept", "reason": "", "version": 1})
    response = fagui.post(f"/measures/{measure.pk}/progress/2025/withdraw/", {"version": 1}, follow=True)
    assert "不能撤回" in response.content.decode()
    assert Progress.objects.get(measure=measure, year=2025).review == ReviewState.ACCEPTED


def test_a_report_cannot_be_withdrawn_once_its_year_is_closed(fagui, measure):
    post_report(fagui, measure, 2025, status="done", note="已完成")
    close_year(Plan.objects.get(slug="anshan"), 2025)
    response = fagui.post(f"/measures/{measure.pk}/progress/2025/withdraw/", {"version": 1})
    assert response.status_code == 403
    assert Progress.objects.get(measure=measure, year=2025).review == ReviewState.PENDING


# -- the measure page: titled by its text, its place as a breadcrumb, the year that matters open ----


def test_the_measure_page_is_titled_by_its_text_with_its_place_as_written(fagui, anshan):
    """Anshan item (8) measure ③: 部分 › 任务 › 要求, numbered as the ledger writes them."""
    measure = Measure.objects.get(item__task__section__plan__slug="anshan", item__number=8, number=3)
    page = fagui.get(f"/measures/{measure.pk}/").content.decode()
    first_line = measure.text.strip().splitlines()[0]
    title = page[page.index("<title>") + 7 : page.index("</title>")]
    assert title == (first_line if len(first_line) <= 40 else first_line[:39] + "…")
    heading = page[page.index("<h1>") : page.index("</h1>")]
    assert first_line[:20] in heading and measure.place_label not in heading
    assert f"编号：{measure.place_label}" in page
    crumbs = page[page.index('<nav class="crumbs breadcrumb"') : page.index("</nav>", page.index('<nav class="crumbs breadcrumb"'))]
    assert crumbs.count("<li>") == 4  # plan, section, task, item: the Anshan ledger has every level
    assert f"<li>{measure.item.label}</li>" in crumbs  # the item has a number and no text of its own


def test_the_measure_page_opens_the_overdue_year_and_folds_the_others(fagui, anshan):
    measure = Measure.objects.get(item__task__section__plan__slug="anshan", item__number=8, number=3)
    with on("2025-01-15"):  # its 2024 milestone (11月30日) is overdue
        page = fagui.get(f"/measures/{measure.pk}/").content.decode()
        asked = fagui.get(f"/measures/{measure.pk}/", {"year": 2025}).content.decode()
    folded = {int(year) for year in re.findall(r'<details class="year"><summary>(\d{4}) 年度 · ', page)}
    assert folded == {2023, 2025}  # each summary says the year's status
    assert 'id="year-2024"' in page and 'name="2024-status"' in page
    assert {int(year) for year in re.findall(r'<details class="year"><summary>(\d{4}) 年度 · ', asked)} == {2023, 2024}


def test_lists_number_measures_as_their_ledger_does(fagui, anshan):
    measure = Measure.objects.get(item__task__section__plan__slug="anshan", item__number=8, number=3)
    listed = fagui.get("/measures/", {"plan": "anshan"}).content.decode()
    assert f"编号 {measure.place_label} · " in listed  # under the measure's text, as its ledger numbers it
    assert ".(8)3<" not in listed
