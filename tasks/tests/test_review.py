"""Review of done reports and deadline extensions, through the pages, on the real ledgers."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from departments.roles import ADMIN, STAFF, SUPERVISOR
from tasks.choices import ProgressStatus, ReviewState, Signal
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import ExtensionDecision, ExtensionRequest, Milestone, Progress, ReviewRecord
from tasks.standing.on_date import with_standing
from tasks.tests.conftest import ANSHAN
from tasks.tests.helpers import login, measures_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fagui(anshan):
    return login("fagui", STAFF, ["政策法规科"])


@pytest.fixture
def chief(anshan):
    return login("chief", SUPERVISOR)


@pytest.fixture
def measure(anshan):
    return measures_of("政策法规科").first()


@pytest.fixture
def open_2024(anshan):
    """A 政策法规科 measure not done in 2024, the Anshan reporting year."""
    done = Progress.objects.filter(year=2024, status=ProgressStatus.DONE).values("measure_id")
    return measures_of("政策法规科").exclude(pk__in=done).first()


def report(client, measure, year, status, note="", version=""):
    return client.post(
        f"/measures/{measure.pk}/progress/{year}/",
        {f"{year}-status": status, f"{year}-note": note, f"{year}-version": version, f"{year}-confirm_done": "1"},
    )


def review(client, measure, year, decision, reason="", version=None):
    if version is None:
        version = Progress.objects.get(measure=measure, year=year).version
    return client.post(
        f"/measures/{measure.pk}/progress/{year}/review/", {"decision": decision, "reason": reason, "version": version}
    )


# -- accepting and returning reports ------------------------------------------------------------


def test_a_supervisor_accepts_a_done_report(fagui, chief, measure):
    report(fagui, measure, 2025, "done", "全年培训已完成")
    queue = chief.get("/review/").content.decode()
    assert f'href="/measures/{measure.pk}/?year=2025#year-2025"' in queue
    page = chief.get(f"/measures/{measure.pk}/").content.decode()
    assert "提交审核" in page
    assert review(chief, measure, 2025, "accept").status_code == 302
    progress = Progress.objects.get(measure=measure, year=2025)
    assert (progress.status, progress.review) == (ProgressStatus.DONE, ReviewState.ACCEPTED)
    assert [(r.user.username, r.old_state, r.new_state) for r in progress.reviews.order_by("pk")] == [
        ("fagui", "", "pending"),
        ("chief", "pending", "accepted"),
    ]
    assert f'href="/measures/{measure.pk}/?year=2025#year-2025"' not in chief.get("/review/").content.decode()


def test_a_returned_report_goes_back_to_in_progress_and_shows_up_again_for_staff(fagui, chief, open_2024):
    report(fagui, open_2024, 2024, "done", "已完成")
    assert review(chief, open_2024, 2024, "return", "缺少培训签到表").status_code == 302
    progress = Progress.objects.get(measure=open_2024, year=2024)
    assert (progress.status, progress.review, progress.done_on) == (ProgressStatus.IN_PROGRESS, ReviewState.RETURNED, None)
    assert progress.entries.order_by("-version").first().comment == "审核退回：缺少培训签到表"
    my_page = fagui.get("/my/").content.decode()
    assert '<a href="?tab=returned">待补充材料 <span class="count">1</span></a>' in my_page
    my_page = fagui.get("/my/?tab=returned").content.decode()
    assert "缺少培训签到表" in my_page
    assert 'class="row-returned"' in my_page
    detail = fagui.get(f"/measures/{open_2024.pk}/").content.decode()
    assert "已退回" in detail and "缺少培训签到表" in detail
    # staff fix it and submit again: pending, and no longer in the returned list
    report(fagui, open_2024, 2024, "done", "已补充签到表", version=progress.version)
    assert Progress.objects.get(pk=progress.pk).review == ReviewState.PENDING
    assert fagui.get("/my/?tab=returned").context["page"].paginator.count == 0


def test_returning_needs_a_reason(fagui, chief, measure):
    report(fagui, measure, 2025, "done")
    response = review(chief, measure, 2025, "return", "  ")
    assert response.status_code == 302
    assert "退回时请说明理由。" in chief.get(response["Location"]).content.decode()
    assert Progress.objects.get(measure=measure, year=2025).review == ReviewState.PENDING


def test_a_review_of_a_version_that_changed_meanwhile_is_refused(fagui, chief, measure):
    report(fagui, measure, 2025, "done", "第一稿")
    seen = Progress.objects.get(measure=measure, year=2025).version
    report(fagui, measure, 2025, "done", "第二稿", version=seen)
    response = review(chief, measure, 2025, "accept", version=seen)
    assert "该年度完成情况已由 fagui 于" in chief.get(response["Location"]).content.decode()
    assert Progress.objects.get(measure=measure, year=2025).review == ReviewState.PENDING


def test_leaving_done_clears_the_review(fagui, measure):
    report(fagui, measure, 2025, "done")
    report(fagui, measure, 2025, "in_progress", version=1)
    assert Progress.objects.get(measure=measure, year=2025).review == ReviewState.NONE


def test_guangyuan_flow_report_and_accept(guangyuan):
    staff = login("sifaju", STAFF, ["市司法局"])
    supervisor = login("chief", SUPERVISOR)
    measure = measures_of("市司法局").first()
    assert report(staff, measure, 2024, "done", "已印发实施方案").status_code == 302
    assert review(supervisor, measure, 2024, "accept").status_code == 302
    assert Progress.objects.get(measure=measure, year=2024).review == ReviewState.ACCEPTED


# -- extensions ---------------------------------------------------------------------------------


def dated_milestone(measure, year):
    return Milestone.objects.filter(deadline__measure=measure, deadline__year=year).exclude(date=None).first()


def ask(client, measure, milestone, new_date, reason="上级文件推迟下发"):
    return client.post(
        f"/measures/{measure.pk}/extensions/", {"milestone": milestone.pk, "new_date": new_date, "reason": reason}
    )


def signal_on(measure, as_of):
    return with_standing(type(measure).objects.filter(pk=measure.pk), as_of=as_of, year=2025).get().signal


def test_an_approved_extension_moves_the_milestone_and_overdue_follows_it(fagui, chief, measure):
    milestone = dated_milestone(measure, 2025)
    old_date = milestone.date
    day_after = old_date + datetime.timedelta(days=1)
    assert signal_on(measure, day_after) == Signal.OVERDUE
    new_date = old_date + datetime.timedelta(days=60)
    assert ask(fagui, measure, milestone, new_date.isoformat()).status_code == 302
    request = ExtensionRequest.objects.get()
    assert (request.old_date, request.new_date, request.requested_by.username) == (old_date, new_date, "fagui")
    assert signal_on(measure, day_after) == Signal.OVERDUE  # not approved yet
    assert f"/extensions/{request.pk}/decision/" in chief.get(f"/measures/{measure.pk}/").content.decode()
    assert chief.post(f"/extensions/{request.pk}/decision/", {"decision": "approve", "note": "同意"}).status_code == 302
    milestone.refresh_from_db()
    assert (milestone.date, milestone.original_date) == (new_date, old_date)
    assert signal_on(measure, day_after) == Signal.ON_TRACK
    page = fagui.get(f"/measures/{measure.pk}/").content.decode()
    assert f"已批准延期，原定 {old_date.isoformat()}" in page
    assert "延期审批" in page and "批准" in page


def test_a_rejected_extension_leaves_the_date(fagui, chief, measure):
    milestone = dated_milestone(measure, 2025)
    ask(fagui, measure, milestone, (milestone.date + datetime.timedelta(days=30)).isoformat())
    request = ExtensionRequest.objects.get()
    response = chief.post(f"/extensions/{request.pk}/decision/", {"decision": "reject", "note": ""})
    assert "驳回时请说明理由。" in chief.get(response["Location"]).content.decode()
    chief.post(f"/extensions/{request.pk}/decision/", {"decision": "reject", "note": "时间充足"})
    assert ExtensionDecision.objects.get(request=request).approved is False
    assert Milestone.objects.get(pk=milestone.pk).date == milestone.date
    response = chief.post(f"/extensions/{request.pk}/decision/", {"decision": "approve", "note": ""})
    assert "该延期申请已审批。" in chief.get(response["Location"]).content.decode()
    assert ExtensionDecision.objects.count() == 1


def test_an_extension_must_move_later_and_only_one_may_wait(fagui, measure):
    milestone = dated_milestone(measure, 2025)
    response = ask(fagui, measure, milestone, (milestone.date - datetime.timedelta(days=1)).isoformat())
    assert "延期后的日期必须晚于原日期" in fagui.get(response["Location"]).content.decode()
    ask(fagui, measure, milestone, (milestone.date + datetime.timedelta(days=10)).isoformat())
    response = ask(fagui, measure, milestone, (milestone.date + datetime.timedelta(days=20)).isoformat())
    assert "该节点已有待审批的延期申请。" in fagui.get(response["Location"]).content.decode()
    assert ExtensionRequest.objects.count() == 1


# -- history is append-only -----------------------------------------------------------------------


def test_review_and_extension_records_cannot_be_changed_or_deleted(fagui, chief, measure):
    report(fagui, measure, 2025, "done")
    review(chief, measure, 2025, "accept")
    ask(fagui, measure, dated_milestone(measure, 2024), "2026-12-31")
    request = ExtensionRequest.objects.get()
    chief.post(f"/extensions/{request.pk}/decision/", {"decision": "approve", "note": ""})
    for model in (ReviewRecord, ExtensionRequest, ExtensionDecision):
        record = model.objects.first()
        with pytest.raises(ValidationError):
            model.objects.update(created_at=record.created_at)
        with pytest.raises(ValidationError):
            model.objects.all().delete()
        with pytest.raises(ValidationError):
            record.save()
        with pytest.raises(ValidationError):
            record.delete()


@pytest.mark.parametrize("model", [ReviewRecord, ExtensionRequest, ExtensionDecision])
def test_the_admin_shows_history_but_cannot_change_or_delete_it(fagui, chief, measure, model):
    report(fagui, measure, 2025, "done")
    review(chief, measure, 2025, "accept")
    ask(fagui, measure, dated_milestone(measure, 2024), "2026-12-31")
    chief.post(f"/extensions/{ExtensionRequest.objects.get().pk}/decision/", {"decision": "approve", "note": ""})
    admin = login("root", ADMIN)
    record = model.objects.first()
    base = f"/admin/tasks/{model._meta.model_name}/"
    assert admin.get(base).status_code == 200
    assert admin.get(f"{base}{record.pk}/change/").status_code == 200
    assert admin.post(f"{base}{record.pk}/change/", {}).status_code == 403
    assert admin.post(f"{base}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.get(f"{base}add/").status_code == 403
    assert model.objects.filter(pk=record.pk).exists()


def test_an_approved_extension_survives_importing_the_ledger_again_and_reparsing(fagui, chief, measure):
    milestone = dated_milestone(measure, 2025)
    old_date = milestone.date
    new_date = old_date + datetime.timedelta(days=45)
    ask(fagui, measure, milestone, new_date.isoformat())
    chief.post(f"/extensions/{ExtensionRequest.objects.get().pk}/decision/", {"decision": "approve", "note": "同意"})

    report = import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    call_command("reparse_deadlines", stdout=io.StringIO())

    assert report.counts["skip"] == 75
    moved = Milestone.objects.get(deadline__measure=measure, deadline__year=2025, original_date=old_date)
    assert moved.date == new_date
