"""Bulk review (批量审核): a supervisor accepts, returns (one reason for all) or nudges many reports at once.

Each selected report is handled on its own, exactly as one review on the measure page would be
(``tasks.review.review_report``): its own history entry, its own check against the version the
supervisor saw, its year's closure and the rule that nobody reviews their own report. A report
refused for any of these is listed with the reason and changes nothing; the others go through.
Nudging (催办) sends each selected measure's responsible people the message, one nudge per measure.

A selection is ``"<progress id>:<version>"``, as the review queue's checkboxes send it.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notices.notify import nudge_measure

from tasks.access import can_review, visible_measures
from tasks.models import Measure, Progress
from .picked import parse_picked
from .reporting import ReportConflict
from .review import ReviewRefused, review_report
from .year_close import YearClosed

ACCEPT, RETURN, NUDGE = "accept", "return", "nudge"
ACTIONS = {
    ACCEPT: gettext_lazy("通过"),
    RETURN: gettext_lazy("退回"),
    NUDGE: gettext_lazy("催办"),
}
#: The most reports one bulk action takes: a page of the queue, with room to spare.
MOST_SELECTED = 500


class BulkRefused(Exception):
    """The bulk action as a whole cannot be done (no permission, no reason, nothing selected)."""


@dataclass
class Refusal:
    """A selected report that was not changed, and why."""

    progress: Progress | None
    reason: str
    stale: bool = False

    @property
    def measure(self):
        return self.progress.measure if self.progress is not None else None


@dataclass
class BulkOutcome:
    action: str
    done: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    @property
    def stale(self):
        return [refusal for refusal in self.refused if refusal.stale]


def parse_selections(values):
    """The selections among ``values`` (duplicates dropped, order kept); ``BulkRefused`` for none or too many."""
    return parse_picked(
        values,
        most=MOST_SELECTED,
        refused=BulkRefused,
        unreadable=_("所选报告无法识别，请刷新页面后重新选择。"),
        none=_("请至少选择一份报告。"),
        too_many=_("一次最多处理 %(count)s 份报告。"),
    )


def selected_reports(user, selections):
    """``{progress id: Progress}`` of the selected reports on measures ``user`` may see."""
    visible = visible_measures(user, Measure.objects.all()).values("pk")
    reports = Progress.objects.filter(pk__in=[s.pk for s in selections], measure__in=visible).select_related(
        "measure__item__task__section__plan", "updated_by"
    )
    return reports.in_bulk()


def bulk_review(user, values, *, action, reason=""):
    """Apply ``action`` (accept, return or nudge) to each selected report; returns a ``BulkOutcome``.

    ``values`` are the ``"<progress id>:<version>"`` strings sent by the page. ``reason`` is the
    return reason, or the nudge's message; both are required for those actions.
    """
    if not can_review(user):
        raise BulkRefused(_("只有督查人员和管理员可以审核和催办。"))
    if action not in ACTIONS:
        raise BulkRefused(_("请选择通过、退回或催办。"))
    reason = reason.strip()
    if action == RETURN and not reason:
        raise BulkRefused(_("退回时请说明理由（对所选报告统一适用）。"))
    if action == NUDGE and not reason:
        raise BulkRefused(_("请填写催办内容。"))
    selections = parse_selections(values)
    reports = selected_reports(user, selections)
    outcome = BulkOutcome(action)
    nudged = set()
    for selection in selections:
        progress = reports.get(selection.pk)
        if progress is None:
            outcome.refused.append(Refusal(None, _("该报告不存在或您无权查看。")))
            continue
        if action == NUDGE:
            if progress.measure_id not in nudged:
                nudge_measure(progress.measure, sender=user, message=reason)
                nudged.add(progress.measure_id)
            outcome.done.append(progress)
            continue
        if progress.version != selection.version:  # changed since the supervisor saw it: whatever it is now
            outcome.refused.append(Refusal(progress, str(ReportConflict(progress)), stale=True))
            continue
        try:
            # each review is its own transaction (review_report is atomic): a refusal undoes only its own writes
            review_report(progress.measure, progress.year, user=user, accept=action == ACCEPT, reason=reason, version=selection.version)
        except ReportConflict as conflict:
            outcome.refused.append(Refusal(progress, str(conflict), stale=True))
        except (ReviewRefused, YearClosed) as error:
            outcome.refused.append(Refusal(progress, str(error)))
        else:
            outcome.done.append(progress)
    return outcome
