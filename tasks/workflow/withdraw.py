"""Withdrawing a report (撤回): a "done" report sent for review by mistake goes back to what it was.

Only its author withdraws it, only while it waits for review, and never in a closed year. The
status, note and date done return to the version before the report, and the review to the
state it was in before (none, returned, accepted); both changes are appended to the history
like any other (a progress entry noted 撤回, a review record). Evidence uploaded with the report
stays: it is part of the history and may serve the next report.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.choices import ProgressStatus, ReviewState
from tasks.models import Progress, ProgressEntry, ReviewRecord
from tasks.workflow.progress import VersionConflict, record_progress
from tasks.workflow.reporting import ReportConflict, ReportRefused, set_review, stored_progress
from tasks.workflow.year_close import ensure_open

WITHDRAWN = gettext_lazy("撤回报告")


def may_withdraw(progress, user):
    """Whether ``user`` may withdraw ``progress`` (the year being open is checked on withdrawal)."""
    return progress is not None and progress.review == ReviewState.PENDING and progress.updated_by_id == user.pk


@transaction.atomic
def withdraw_report(measure, year, *, user, expected_version, source):
    """Withdraw ``user``'s pending report of ``measure`` for ``year``; returns the ``Progress``.

    Raises ``ReportRefused`` when there is no pending report of the user's, ``ReportConflict``
    when the report changed since ``expected_version``, ``YearClosed`` in a closed year.
    """
    ensure_open(measure, year)
    progress = Progress.objects.select_for_update().filter(measure=measure, year=year).first()
    if progress is None or progress.review != ReviewState.PENDING:
        raise ReportRefused(_("该报告不在待审核状态（已审核或未提交），不能撤回。"))
    if progress.updated_by_id != user.pk:
        raise ReportRefused(_("只有提交报告的本人可以撤回。"))
    if expected_version is not None and expected_version != progress.version:
        raise ReportConflict(stored_progress(measure, year))
    before = ProgressEntry.objects.filter(progress=progress, version__lt=progress.version).order_by("-version").first()
    sent = ReviewRecord.objects.filter(progress=progress, new_state=ReviewState.PENDING).order_by("-created_at", "-pk").first()
    try:
        progress = record_progress(
            measure,
            year,
            status=before.status if before else ProgressStatus.NOT_STARTED,
            note=before.note if before else "",
            done_on=before.done_on if before else None,
            user=user,
            source=source,
            comment=str(WITHDRAWN),
            expected_version=progress.version,
        )
    except VersionConflict:
        raise ReportConflict(stored_progress(measure, year)) from None
    set_review(progress, sent.old_state if sent else ReviewState.NONE, user=user, reason=str(WITHDRAWN))
    return progress
