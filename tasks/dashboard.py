"""What the supervisors' pages show, as plain data: the scope chosen in the URL, the figures,
the breakdowns and the milestone lists. Views render it; the API returns it."""

import datetime
from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from .access import visible_measures
from .models import Measure, Plan, Progress
from .standing import (
    DEFAULT_SOON_DAYS,
    due_soon_milestones,
    figures,
    figures_by,
    figures_by_department,
    history_start,
    overdue_milestones,
    overdue_trend,
)

TREND_POINTS = 24


class ScopeError(ValueError):
    """A scope parameter in the URL that cannot be read."""


@dataclass
class Scope:
    """Which plan, year, date and departments a page looks at."""

    plan: Plan | None
    year: int | None
    as_of: datetime.date
    soon_days: int = DEFAULT_SOON_DAYS
    department: str = ""
    year_chosen: bool = False

    @classmethod
    def from_params(cls, params, *, plans):
        """Read ``plan``, ``year``, ``as_of``, ``soon_days`` and ``department`` from query parameters."""
        plan = None
        slug = params.get("plan")
        if slug:
            plan = next((p for p in plans if p.slug == slug), None)
            if plan is None:
                raise ScopeError(f"unknown plan {slug!r}")
        elif len(plans) >= 1:
            plan = plans[0]
        try:
            year = int(params["year"]) if params.get("year") else (plan.reporting_year if plan else None)
            as_of = datetime.date.fromisoformat(params["as_of"]) if params.get("as_of") else timezone.localdate()
            soon_days = int(params.get("soon_days") or DEFAULT_SOON_DAYS)
        except ValueError as error:
            raise ScopeError(str(error)) from error
        if soon_days < 1 or soon_days > 366:
            raise ScopeError("soon_days must be between 1 and 366")
        return cls(
            plan=plan,
            year=year,
            as_of=as_of,
            soon_days=soon_days,
            department=params.get("department", ""),
            year_chosen=bool(params.get("year")),
        )

    def measures(self, user):
        """The measures in scope that ``user`` may see."""
        measures = visible_measures(user, Measure.objects.all())
        if self.plan is not None:
            measures = measures.filter(item__task__section__plan=self.plan)
        if self.department:
            units = {"units__department_id": int(self.department)} if self.department.isdigit() else {
                "units__department__name": self.department
            }
            measures = measures.filter(pk__in=Measure.objects.filter(**units).values("pk"))
        return measures

    @property
    def standing(self):
        return {"as_of": self.as_of, "year": self.year, "soon_days": self.soon_days}

    def query(self, **extra):
        """Query parameters that reproduce this scope, plus ``extra``, for drill-down links."""
        params = {"plan": self.plan.slug if self.plan else "", "year": self.year or "", "as_of": self.as_of.isoformat()}
        if self.department:
            params["department"] = self.department
        if self.soon_days != DEFAULT_SOON_DAYS:
            params["soon_days"] = self.soon_days
        params.update(extra)
        return {key: value for key, value in params.items() if value not in ("", None)}


def summary(user, scope):
    """The dashboard's figures and the same per department (the API's /api/summary/)."""
    measures = scope.measures(user)
    totals = figures(measures, **scope.standing)
    totals["departments"] = figures_by_department(measures, **scope.standing)
    return totals


def breakdowns(user, scope, department_figures):
    """Departments ranked (most overdue first, then lowest completion), sections, and each plan year."""
    measures = scope.measures(user)
    departments = sorted(
        department_figures, key=lambda row: (-row["overdue_measures"], row["completion_rate"], row["department"])
    )
    sections = figures_by(
        measures,
        order=F("item__task__section__order"),
        section_id=F("item__task__section_id"),
        section_number=F("item__task__section__number"),
        section_title=F("item__task__section__title"),
        **scope.standing,
    )
    years = []
    if scope.plan is not None:
        for year in scope.plan.years:
            row = figures(measures, as_of=scope.as_of, year=year, soon_days=scope.soon_days)
            row["year"] = year
            years.append(row)
    return {"departments": departments, "sections": sections, "years": years}


def month_ends(first, last):
    """The last day of every month from ``first``'s month to before ``last``, then ``last`` itself."""
    days = []
    month = first.replace(day=1)
    while True:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        end = following - datetime.timedelta(days=1)
        if end >= last:
            break
        days.append(end)
        month = following
    return days + [last]


def trend(user, scope):
    """Overdue milestones at each month end since the history began, up to the scope's date.

    Empty when the history is too short to draw a line (it starts when progress is first
    recorded, so a freshly imported ledger has none before its import).
    """
    measures = scope.measures(user)
    start = history_start(measures)
    if start is None or start >= scope.as_of:
        return []
    points = overdue_trend(measures, month_ends(start, scope.as_of)[-TREND_POINTS:])
    if len(points) < 2:
        return []
    highest = max(count for _day, count in points) or 1
    step = 100 / (len(points) - 1)
    return [
        {"day": day, "count": count, "x": round(i * step, 2), "y": round(40 - 36 * count / highest, 2)}
        for i, (day, count) in enumerate(points)
    ]


SORTS = {
    "date": ("date", "deadline__measure__item__task__section__order"),
    "-date": ("-date",),
    "measure": ("deadline__measure__item__task__section__order", "deadline__measure__item__task__order",
                "deadline__measure__item__order", "deadline__measure__number"),
    "person": ("deadline__measure__person__name", "date"),
}


def milestone_list(user, scope, *, due_soon=False, sort="date"):
    """Overdue (or due-soon) milestones in scope, with what a supervisor needs on each line.

    Milestones of every plan year count unless the URL chose a year.
    """
    year = scope.year if scope.year_chosen else None
    if due_soon:
        milestones = due_soon_milestones(scope.as_of, scope.soon_days, year)
    else:
        milestones = overdue_milestones(scope.as_of, year)
    last_note = Progress.objects.filter(
        measure=OuterRef("deadline__measure"), year=OuterRef("deadline__year")
    ).values("note")[:1]
    return (
        milestones.filter(deadline__measure__in=scope.measures(user).values("pk"))
        .annotate(last_note=Subquery(last_note))
        .select_related("deadline__measure__item__task__section__plan", "deadline__measure__person")
        .prefetch_related("deadline__measure__units__department")
        .order_by(*SORTS.get(sort, SORTS["date"]), "pk")
    )
