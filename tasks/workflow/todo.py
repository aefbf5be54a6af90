"""A staff member's to-do (待办): their measures that are overdue, due this week, due within 30
days, and the reports returned to them for more material, as plain data.

A measure is in a date tab when one of its open milestones (``OpenMilestone``: dated, the
measure not done for that milestone's year) falls in the tab's days, in any plan year; its row
names the earliest such milestone and its year, which the row's action opens. A measure is in
待补充材料 for each open year whose report a supervisor returned.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from tasks.choices import ReviewState
from tasks.models import Progress, ReviewRecord
from tasks.standing.on_date import kept_open
from tasks.workflow.year_close import in_closed_year

OVERDUE, WEEK, MONTH, RETURNED = "overdue", "week", "month", "returned"

#: Days ahead of the two due tabs: from today to today plus these days, as the due-soon signal counts them.
WEEK_DAYS, MONTH_DAYS = 7, 30


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    hint: str


TABS = (
    Tab(OVERDUE, _("已逾期"), _("完成时限已过、尚未完成的措施。")),
    Tab(WEEK, _("本周到期"), _("今后 7 天内到期、尚未完成的措施。")),
    Tab(MONTH, _("30天内"), _("今后 30 天内到期、尚未完成的措施。")),
    Tab(RETURNED, _("待补充材料"), _("督查人员退回的报告：请按退回理由补充后重新提交。")),
)
TAB_KEYS = tuple(tab.key for tab in TABS)


def date_window(tab, as_of):
    """The conditions on an open milestone's date that put its measure in ``tab``."""
    if tab == OVERDUE:
        return {"lt": as_of}
    days = WEEK_DAYS if tab == WEEK else MONTH_DAYS
    return {"gte": as_of, "lte": as_of + datetime.timedelta(days=days)}


def open_milestones(**dates):
    """Open milestones (``kept_open``) of years still open: a closed year's take no action."""
    return kept_open(**dates).exclude(in_closed_year("measure", "year", plan_path="plan"))


def returned_reports(measures):
    """The reports of ``measures`` returned to their writers, oldest return first, each with ``return_reason``."""
    reasons = ReviewRecord.objects.filter(progress=OuterRef("pk"), new_state=ReviewState.RETURNED).order_by("-created_at", "-pk")
    return (
        Progress.objects.filter(measure__in=measures.values("pk"), review=ReviewState.RETURNED)
        .exclude(in_closed_year("measure", "year"))
        .annotate(return_reason=Subquery(reasons.values("reason")[:1]))
        .order_by("updated_at", "pk")
    )


def counts(measures, as_of):
    """How many measures each tab holds: two queries, whatever the number of measures."""
    dated = open_milestones().filter(measure__in=measures.values("pk")).aggregate(
        **{tab: Count("measure", distinct=True, filter=date_condition(tab, as_of)) for tab in (OVERDUE, WEEK, MONTH)}
    )
    return {**dated, RETURNED: returned_reports(measures).count()}


def date_condition(tab, as_of):
    return Q(**{f"date__{lookup}": day for lookup, day in date_window(tab, as_of).items()})


def dated_rows(measures, tab, as_of):
    """The measures of a date tab, by their earliest milestone in it: ``{"measure", "first"}`` rows."""
    return (
        open_milestones(**date_window(tab, as_of))
        .filter(measure__in=measures.values("pk"))
        .values("measure")
        .annotate(first=Min("date"))
        .order_by("first", "measure")
    )


def first_milestones(measure_ids, tab, as_of):
    """For each of ``measure_ids``, its earliest open milestone in the tab: ``{measure id: (date, year)}``."""
    found = {}
    rows = open_milestones(**date_window(tab, as_of)).filter(measure__in=measure_ids).order_by("date", "year")
    for measure_id, date, year in rows.values_list("measure", "date", "year"):
        found.setdefault(measure_id, (date, year))
    return found
