"""Moving a plan's reporting year forward (年度结转), the guided way.

``rollover_preview`` says what the move means before anything is written: what is still open
in the old year (not done: not started, in progress, ongoing; reports waiting for review;
extension requests not decided), whether the old year is closed, and which measures carry
over. ``roll_over`` then moves the reporting year and carries over:

- measures **in progress** in the old year start the new year in progress, with their note;
- measures **ongoing** in the old year (持续推进, 长期: the work never ends) start it ongoing;

each as a new-year report (version 1, one history entry saying where it came from), only where
the new year has no report yet. Measures never started or done start the new year with nothing.
The move itself is kept (``ReportingYearChange``). The pages, figures and reminders read the
plan's reporting year, so they follow at once.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.choices import ProgressSource, ProgressStatus, ReviewState
from tasks.models import ExtensionDecision, ExtensionRequest, Measure, Plan, Progress, ProgressEntry, ReportingYearChange
from tasks.workflow.year_close import open_closures

#: Old-year statuses that carry over into the new year, as they are.
CARRIED_STATUSES = (ProgressStatus.IN_PROGRESS, ProgressStatus.ONGOING)


class RolloverRefused(Exception):
    """The reporting year cannot move as asked; the message says why."""


@dataclass
class RolloverPreview:
    plan: Plan
    old_year: int | None
    new_year: int | None
    measures: int
    done: int
    in_progress: int
    ongoing: int
    not_started: int
    awaiting_review: int
    pending_extensions: int
    old_year_closed: bool
    carried_over: int

    @property
    def still_open(self):
        return self.measures - self.done

    @property
    def refusal(self):
        """Why the move cannot be done, or an empty string."""
        if self.new_year is None:
            return _("填报年度已是台账的最后一年（%(year)s），不能再结转。") % {"year": self.plan.end_year}
        return ""


def next_year(plan):
    """The year the reporting year moves to: the next plan year, the first one when none is set, None past the end."""
    if plan.reporting_year is None:
        return plan.start_year
    return plan.reporting_year + 1 if plan.reporting_year < plan.end_year else None


def plan_measures(plan):
    return Measure.objects.filter(item__task__section__plan=plan)


def carried_progress(plan, old_year, new_year):
    """The old year's reports that carry over: in progress or ongoing, on measures with no new-year report."""
    taken = Progress.objects.filter(measure=OuterRef("measure"), year=new_year)
    return Progress.objects.filter(
        measure__in=plan_measures(plan), year=old_year, status__in=CARRIED_STATUSES
    ).filter(~Exists(taken))


def rollover_preview(plan):
    """What moving ``plan``'s reporting year forward would leave open and carry over."""
    old_year, new_year = plan.reporting_year, next_year(plan)
    measures = plan_measures(plan)
    counts = dict.fromkeys(ProgressStatus.values, 0)
    awaiting = pending = carried = 0
    if old_year is not None:
        reports = Progress.objects.filter(measure__in=measures, year=old_year)
        for status in counts:
            counts[status] = reports.filter(status=status).count()
        awaiting = reports.filter(review=ReviewState.PENDING).count()
        undecided = ~Exists(ExtensionDecision.objects.filter(request=OuterRef("pk")))
        pending = ExtensionRequest.objects.filter(measure__in=measures, year=old_year).filter(undecided).count()
        if new_year is not None:
            carried = carried_progress(plan, old_year, new_year).count()
    total = measures.count()
    reported = sum(counts.values()) - counts[ProgressStatus.NOT_STARTED]
    return RolloverPreview(
        plan=plan,
        old_year=old_year,
        new_year=new_year,
        measures=total,
        done=counts[ProgressStatus.DONE],
        in_progress=counts[ProgressStatus.IN_PROGRESS],
        ongoing=counts[ProgressStatus.ONGOING],
        not_started=total - reported,
        awaiting_review=awaiting,
        pending_extensions=pending,
        old_year_closed=old_year is not None and open_closures(plan).filter(year=old_year, department__isnull=True).exists(),
        carried_over=carried,
    )


@transaction.atomic
def roll_over(plan, *, user=None, expected_year):
    """Move ``plan``'s reporting year from ``expected_year`` (what the person saw) to the next year.

    Returns the ``ReportingYearChange``. Refused when the year moved meanwhile, when the plan is
    in its last year, or when the new year is closed.
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.reporting_year != expected_year:
        raise RolloverRefused(
            _("填报年度已改为 %(year)s，请刷新页面后重新确认。") % {"year": plan.reporting_year or "—"}
        )
    old_year, new_year = plan.reporting_year, next_year(plan)
    if new_year is None:
        raise RolloverRefused(_("填报年度已是台账的最后一年（%(year)s），不能再结转。") % {"year": plan.end_year})
    if open_closures(plan).filter(year=new_year).exists():
        raise RolloverRefused(_("%(year)s 年度已关账，不能结转到该年度。") % {"year": new_year})
    carried = 0
    if old_year is not None:
        carried = carry_over(plan, old_year, new_year, user)
    plan.reporting_year = new_year
    plan.save(update_fields=["reporting_year", "updated_at"])
    return ReportingYearChange.objects.create(plan=plan, old_year=old_year, new_year=new_year, carried_over=carried, user=user)


def carry_over(plan, old_year, new_year, user):
    """Write the carried reports of the new year (version 1) and their history entries, in bulk."""
    old = list(carried_progress(plan, old_year, new_year).values_list("measure_id", "status", "note"))
    now = timezone.now()
    created = Progress.objects.bulk_create(
        [
            Progress(measure_id=measure_id, year=new_year, status=status, note=note, version=1, updated_by=user)
            for measure_id, status, note in old
        ],
        batch_size=1000,
    )
    comment = _("由 %(year)s 年度结转") % {"year": old_year}
    ProgressEntry.objects.bulk_create(
        [
            ProgressEntry(
                progress_id=progress.pk,
                version=1,
                status=progress.status,
                note=progress.note,
                user=user,
                source=ProgressSource.WEB,
                comment=comment,
                created_at=now,
            )
            for progress in created
        ],
        batch_size=1000,
    )
    return len(created)
