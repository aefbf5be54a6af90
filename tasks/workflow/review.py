"""Review (审核) of "done" reports and deadline extensions (延期申请), as plain functions.

- A supervisor accepts a pending report, or returns it with a reason: the status goes back to
  in progress (appended to the progress history) and the report shows up again, highlighted,
  in the staff user's list.
- Staff ask to move a dated milestone to a later date with a reason; a supervisor approves
  (the milestone's ``date`` moves, ``original_date`` keeps the first date, so overdue counts
  follow the approved date) or rejects. Requests and decisions are append-only records.

Who may call what is decided by ``tasks.access``; these functions only keep the rules of
the records themselves.
"""

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from notices.notify import extension_decided, report_reviewed

from tasks.choices import ProgressSource, ProgressStatus, ReviewState
from tasks.standing.kept import refresh_standing
from tasks.models import ExtensionDecision, ExtensionRequest, MeasureStanding, Milestone, Progress
from tasks.workflow.progress import VersionConflict, record_progress
from tasks.workflow.reporting import ReportConflict, set_review, stored_progress
from tasks.standing.on_date import DATED_KINDS
from tasks.workflow.year_close import ensure_open


class ReviewRefused(Exception):
    """The review or extension cannot be done as asked; the message says why."""


@transaction.atomic
def review_report(measure, year, *, user, accept, reason="", version):
    """Accept or return the pending report of ``measure`` for ``year`` that the reviewer saw at ``version``."""
    ensure_open(measure, year)
    progress = Progress.objects.select_for_update().filter(measure=measure, year=year).first()
    if progress is None or progress.review != ReviewState.PENDING:
        raise ReviewRefused(_("该年度没有待审核的完成报告。"))
    if progress.updated_by_id == user.pk:
        raise ReviewRefused(_("不能审核自己填报的进展：请由其他督查人员或管理员审核。"))
    if progress.version != version:
        raise ReportConflict(stored_progress(measure, year))
    if accept:
        set_review(progress, ReviewState.ACCEPTED, user=user, reason=reason)
        report_reviewed(progress, reviewer=user, accepted=True, reason=reason)
        return progress
    if not reason.strip():
        raise ReviewRefused(_("退回时请说明理由。"))
    try:
        progress = record_progress(
            measure,
            year,
            status=ProgressStatus.IN_PROGRESS,
            note=progress.note,
            done_on=None,
            user=user,
            source=ProgressSource.WEB,
            comment=(_("审核退回：%(reason)s") % {"reason": reason})[:500],
            expected_version=version,
        )
    except VersionConflict:
        raise ReportConflict(stored_progress(measure, year)) from None
    set_review(progress, ReviewState.RETURNED, user=user, reason=reason)
    report_reviewed(progress, reviewer=user, accepted=False, reason=reason)
    return progress


def pending_requests(queryset=None):
    """Extension requests not decided yet."""
    queryset = ExtensionRequest.objects.all() if queryset is None else queryset
    return queryset.filter(~Exists(ExtensionDecision.objects.filter(request=OuterRef("pk"))))


def waiting_for_review(measures=None):
    """How many reports and extension requests of ``measures`` (None: every measure in its
    ledger) wait for a supervisor (the rows of the review queue), counted in one query. Reports
    are counted from the kept standing's rows waiting for review (``standing_waiting_review``,
    a partial index: the top bar of every supervisor's page reads it)."""
    reports = MeasureStanding.objects.filter(review=ReviewState.PENDING)
    requests = ExtensionRequest.objects.filter(measure__removed_at__isnull=True)
    if measures is not None:
        reports = reports.filter(measure__in=measures.values("pk"))
        requests = requests.filter(measure__in=measures.values("pk"))
    requests = pending_requests(requests)
    return reports.order_by().values_list("pk").union(requests.order_by().values_list("pk"), all=True).count()


@transaction.atomic
def request_extension(milestone, *, user, new_date, reason):
    """Ask to move a dated milestone to ``new_date``."""
    milestone = Milestone.objects.select_for_update().select_related("deadline__measure").get(pk=milestone.pk)
    ensure_open(milestone.deadline.measure, milestone.deadline.year)
    if milestone.date is None or milestone.kind not in DATED_KINDS:
        raise ReviewRefused(_("只有具体日期的节点可以申请延期。"))
    if new_date <= milestone.date:
        raise ReviewRefused(_("延期后的日期必须晚于原日期（%(date)s）。") % {"date": milestone.date.isoformat()})
    if not reason.strip():
        raise ReviewRefused(_("请说明延期理由。"))
    if pending_requests().filter(milestone=milestone).exists():
        raise ReviewRefused(_("该节点已有待审批的延期申请。"))
    return ExtensionRequest.objects.create(
        measure_id=milestone.deadline.measure_id,
        milestone=milestone,
        year=milestone.deadline.year,
        old_date=milestone.date,
        new_date=new_date,
        reason=reason,
        requested_by=user,
    )


@transaction.atomic
def decide_extension(request, *, user, approve, note=""):
    """Approve (the milestone moves to the new date) or reject a pending extension request."""
    request = ExtensionRequest.objects.select_for_update().select_related("measure").get(pk=request.pk)
    ensure_open(request.measure, request.year)
    if ExtensionDecision.objects.filter(request=request).exists():
        raise ReviewRefused(_("该延期申请已审批。"))
    if not approve and not note.strip():
        raise ReviewRefused(_("驳回时请说明理由。"))
    if approve:
        moved = Milestone.objects.filter(pk=request.milestone_id, date=request.old_date).update(
            date=request.new_date, original_date=Coalesce(F("original_date"), F("date"))
        )
        if not moved:
            raise ReviewRefused(_("该节点的日期已经改变（例如台账重新导入），请重新申请延期。"))
        refresh_standing([request.measure_id])
    decision = ExtensionDecision.objects.create(request=request, approved=approve, note=note, user=user)
    extension_decided(decision)
    return decision
