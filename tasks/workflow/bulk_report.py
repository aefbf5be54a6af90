"""Bulk report (批量填报): staff report the same status and note for several of their measures in one year.

Each chosen measure is reported on its own, exactly as on its page (``tasks.reporting.report_progress``):
its own history entry, its own check against the version the writer saw, the plan's rules (the year
must be a plan year, a plan that requires evidence refuses "done" without it) and the year's
closure (``tasks.year_close``). A measure refused for any of these is listed with the reason and
keeps what it had; the others go through. "Done" needs the date it was done: the form asks for it.

A choice is ``"<measure id>:<version>"``: the version of the measure's progress in that year
the page showed (0 when it had none).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tasks.access import can_report, own_measures
from tasks.choices import ProgressSource, ProgressStatus
from tasks.models import Measure
from .picked import parse_picked
from .reporting import ReportConflict, ReportRefused, report_progress
from .year_close import YearClosed

#: The most measures one bulk report takes: a page of the list, with room to spare.
MOST_CHOSEN = 500


class BulkReportRefused(Exception):
    """The bulk report as a whole cannot be done (nothing chosen, done without a date …)."""


@dataclass
class Refusal:
    measure: Measure | None
    reason: str
    stale: bool = False


@dataclass
class BulkReportOutcome:
    year: int
    done: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    @property
    def stale(self):
        return [refusal for refusal in self.refused if refusal.stale]


def parse_choices(values):
    return parse_picked(
        values,
        most=MOST_CHOSEN,
        refused=BulkReportRefused,
        unreadable=_("所选措施无法识别，请刷新页面后重新选择。"),
        none=_("请至少选择一项工作措施。"),
        too_many=_("一次最多填报 %(count)s 项工作措施。"),
    )


def bulk_report(user, year, values, *, status, note="", done_on=None):
    """Report ``status`` and ``note`` (and ``done_on`` for done) for each chosen measure in ``year``."""
    if status not in ProgressStatus.values:
        raise BulkReportRefused(_("请选择状态。"))
    if status == ProgressStatus.DONE and done_on is None:
        raise BulkReportRefused(_("标记为“已完成”时请填写完成日期。"))
    if status != ProgressStatus.DONE:
        done_on = None
    choices = parse_choices(values)
    measures = (
        own_measures(user, Measure.objects.filter(pk__in=[c.pk for c in choices]))
        .select_related("item__task__section__plan")
        .prefetch_related("units")
        .in_bulk()
    )
    outcome = BulkReportOutcome(year)
    for choice in choices:
        measure = measures.get(choice.pk)
        if measure is None or not can_report(user, measure):
            outcome.refused.append(Refusal(None, _("该措施不存在或不是您部门的措施。")))
            continue
        try:
            # each report is its own transaction (report_progress is atomic): a refusal undoes only its own writes
            report_progress(
                measure,
                year,
                user=user,
                status=status,
                note=note,
                done_on=done_on,
                expected_version=choice.version,
                source=ProgressSource.WEB,
                comment=_("批量填报"),
            )
        except ReportConflict as conflict:
            outcome.refused.append(Refusal(measure, str(conflict), stale=True))
        except (ReportRefused, YearClosed) as error:
            outcome.refused.append(Refusal(measure, str(error)))
        else:
            outcome.done.append(measure)
    return outcome
