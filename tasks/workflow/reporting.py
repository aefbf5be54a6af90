"""Progress reports (进展填报) from people: status, note, date done and evidence, for one measure and year.

Pages and API both call ``report_progress``. It keeps the rules in one place: the year must be
a plan year, a plan that requires evidence refuses "done" without it, a writer that read an old
version is refused (``ReportConflict`` names who changed it and when), and a "done" report
goes to review (pending) with the change appended to the review history.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notices.models import Nudge

from tasks.choices import ProgressStatus, ReviewState
from tasks.standing.kept import review_written
from tasks.models import Evidence, ExtensionRequest, MeasureUnit, Progress, ProgressEntry, ReviewRecord, YearClosure
from tasks.workflow.progress import VersionConflict, record_progress


class ReportRefused(Exception):
    """The report breaks a rule of the plan; the message says which."""


class ReportConflict(Exception):
    """Someone changed the report since the writer read it."""

    def __init__(self, progress):
        self.progress = progress
        who = progress.updated_by.get_username() if progress.updated_by else _("导入")
        when = formats.date_format(timezone.localtime(progress.updated_at), "Y-m-d H:i")
        super().__init__(
            _("该年度完成情况已由 %(user)s 于 %(time)s 修改（当前版本 %(version)s），请刷新页面后重新填报。")
            % {"user": who, "time": when, "version": progress.version}
        )


def stored_progress(measure, year):
    return Progress.objects.select_related("updated_by").get(measure=measure, year=year)


def has_evidence(measure, year):
    return Evidence.objects.filter(progress__measure=measure, progress__year=year).exists()


def review_after_report(current, status, rewritten):
    """The review state after a report: a new "done" waits for review; leaving "done" clears it.

    A returned report stays returned (and highlighted) until it is submitted as done again.
    """
    if status == ProgressStatus.DONE:
        return ReviewState.PENDING if rewritten else current
    if current == ReviewState.RETURNED:
        return current
    return ReviewState.NONE


def set_review(progress, new_state, *, user, reason=""):
    """Move a report to ``new_state`` and append the change to its review history."""
    if progress.review == new_state:
        return
    ReviewRecord.objects.create(
        progress=progress,
        version=progress.version,
        old_state=progress.review,
        new_state=new_state,
        reason=reason,
        user=user,
    )
    Progress.objects.filter(pk=progress.pk).update(review=new_state)
    progress.review = new_state
    review_written(progress)


@transaction.atomic
def report_progress(measure, year, *, user, status, note="", done_on=None, expected_version, files=(), source, comment=""):
    """Record a person's report; ``files`` are ``(uploaded file, CheckedFile)`` pairs already checked."""
    if year not in measure.plan.years:
        raise ReportRefused(_("%(year)s 年不在本台账的年度范围内。") % {"year": year})
    if status == ProgressStatus.DONE and measure.plan.requires_evidence and not files and not has_evidence(measure, year):
        raise ReportRefused(_("本台账要求完成时附佐证材料：请先上传佐证材料，再标记为“已完成”。"))
    try:
        progress = record_progress(
            measure,
            year,
            status=status,
            note=note,
            done_on=done_on,
            user=user,
            source=source,
            comment=comment,
            expected_version=expected_version,
        )
    except VersionConflict:
        raise ReportConflict(stored_progress(measure, year)) from None
    for uploaded, checked in files:
        Evidence.objects.create(
            progress=progress,
            file=uploaded,
            name=uploaded.name[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=user,
        )
    rewritten = progress.version != (expected_version or 0)
    set_review(progress, review_after_report(progress.review, status, rewritten), user=user)
    return progress


@dataclass
class Event:
    """One line of a measure's history."""

    when: datetime.datetime
    user: object
    year: int
    what: str
    old: str
    new: str
    note: str


PROGRESS_CHANGE = gettext_lazy("填报")
REVIEW_CHANGE = gettext_lazy("审核")
EVIDENCE_ADDED = gettext_lazy("佐证材料")
EXTENSION_ASKED = gettext_lazy("延期申请")
EXTENSION_DECIDED = gettext_lazy("延期审批")
NUDGED = gettext_lazy("催办")
YEAR_CLOSED = gettext_lazy("关账")
YEAR_REOPENED = gettext_lazy("重新开放")
ALL_DEPARTMENTS = gettext_lazy("全部部门")


def measure_history(measure):
    """Every change to the measure's progress, review, evidence and deadlines, and the closing and
    reopening of its years, newest first."""
    events = []
    previous = {}
    entries = ProgressEntry.objects.filter(progress__measure=measure).select_related("progress", "user")
    for entry in entries.order_by("progress__year", "version"):
        before = previous.get(entry.progress_id)
        old = before.get_status_display() if before else ""
        new = entry.get_status_display()
        if entry.done_on:
            new = f"{new}（{entry.done_on:%Y-%m-%d}）"
        note = "；".join(part for part in (entry.note, entry.comment) if part)
        what = f"{PROGRESS_CHANGE}（{entry.get_source_display()}）"
        events.append(Event(entry.created_at, entry.user, entry.progress.year, what, old, new, note))
        previous[entry.progress_id] = entry
    for record in ReviewRecord.objects.filter(progress__measure=measure).select_related("progress", "user"):
        events.append(
            Event(
                record.created_at,
                record.user,
                record.progress.year,
                str(REVIEW_CHANGE),
                record.get_old_state_display(),
                record.get_new_state_display(),
                record.reason,
            )
        )
    for evidence in Evidence.objects.filter(progress__measure=measure).select_related("progress", "uploaded_by"):
        events.append(
            Event(evidence.uploaded_at, evidence.uploaded_by, evidence.progress.year, str(EVIDENCE_ADDED), "", evidence.name, "")
        )
    requests = ExtensionRequest.objects.filter(measure=measure).select_related("requested_by", "decision__user")
    for request in requests:
        events.append(
            Event(
                request.created_at,
                request.requested_by,
                request.year,
                str(EXTENSION_ASKED),
                f"{request.old_date:%Y-%m-%d}",
                f"{request.new_date:%Y-%m-%d}",
                request.reason,
            )
        )
        decision = getattr(request, "decision", None)
        if decision is not None:
            events.append(
                Event(
                    decision.created_at,
                    decision.user,
                    request.year,
                    str(EXTENSION_DECIDED),
                    f"{request.old_date:%Y-%m-%d}",
                    f"{request.new_date:%Y-%m-%d}（{decision}）",
                    decision.note,
                )
            )
    for nudge in Nudge.objects.filter(measures=measure).select_related("sender", "department"):
        scope = nudge.department.name if nudge.department else ""
        events.append(Event(nudge.created_at, nudge.sender, measure.plan.reporting_year, str(NUDGED), "", scope, nudge.message))
    events.extend(closure_events(measure))
    events.sort(key=lambda event: event.when, reverse=True)
    return events


def closure_events(measure):
    """The closing and reopening of the measure's years: the whole plan's, and its departments'."""
    departments = MeasureUnit.objects.filter(measure=measure).values("department_id")
    closures = YearClosure.objects.filter(plan=measure.plan).filter(
        Q(department__isnull=True) | Q(department__in=departments)
    ).select_related("department", "closed_by", "reopened_by")
    for closure in closures:
        scope = closure.department.name if closure.department_id else str(ALL_DEPARTMENTS)
        yield Event(closure.closed_at, closure.closed_by, closure.year, str(YEAR_CLOSED), "", scope, "")
        if closure.reopened_at:
            yield Event(closure.reopened_at, closure.reopened_by, closure.year, str(YEAR_REOPENED), "", scope, closure.reopen_reason)
