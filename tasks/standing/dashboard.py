"""What the supervisors' pages show, as plain data: the scope chosen in the URL, the figures,
the breakdowns and the milestone lists. Views render it; the API returns it.

Figures are computed in the database whatever the size of the ledger, and on both databases they
are remembered until the next committed write (``remembered``, ``committed_state``): in the
week before a deadline everyone opens the same dashboard, and between two reports it is the same.
A whole plan's statuses are read from its kept counts, a few hundred rows; the counts of its open
milestones (overdue, due soon), which scan them, are remembered until a write changes them
(``remembered_open``: most reports do not), the past of the trend until a write other than a
report or a review (``remembered_for_history``).
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department

from tasks.access import own_measures, sees_everything, visibility, visible_measures
from tasks.filtersets import ScopeForm, form_errors, is_id
from tasks.standing.kept import clock, history_clock, open_clock
from tasks.models import (
    ExtensionDecision, Measure, Milestone, Plan, Progress, ProgressEntry, ReviewRecord, Section, StandingClock,
)
from tasks.standing.counts import BY_DEPARTMENT, BY_SECTION, figures, summed, tally
from tasks.standing.on_date import DEFAULT_SOON_DAYS, history_start, in_scope, kept_open, overdue_now, overdue_trend

TREND_POINTS = 24

#: How long figures computed for a scope are kept. A committed write makes them stale at once
#: (``committed_state``); this only bounds the memory of scopes nobody asks for again.
REMEMBER_SECONDS = 600
#: The same for what only a write other than a report or a review changes (the past of the trend).
REMEMBER_HISTORY_SECONDS = 24 * 3600


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
    def from_params(cls, params, *, plans, default=None):
        """Read ``plan``, ``year``, ``as_of``, ``soon_days`` and ``department`` from query parameters
        (``ScopeForm``: each within its bounds); ``ScopeError`` names what cannot be read.

        Without ``plan`` the scope is the plan ``default()`` gives (one of ``plans``: the user's
        own, ``own_plan``; asked only then), else the first of ``plans``; the year is that plan's
        reporting year, the date today."""
        form = ScopeForm(params)
        if not form.is_valid():
            raise ScopeError(form_errors(form))
        data = form.cleaned_data
        plan = None
        if data["plan"]:
            plan = next((p for p in plans if p.slug == data["plan"]), None)
            if plan is None:
                raise ScopeError(_("没有代号为“%(slug)s”的台账。") % {"slug": data["plan"]})
        elif plans:
            chosen = default() if default is not None else None
            plan = chosen if chosen in plans else plans[0]
        return cls(
            plan=plan,
            year=data["year"] or (plan.reporting_year if plan else None),
            as_of=data["as_of"] or timezone.localdate(),
            soon_days=data["soon_days"] or DEFAULT_SOON_DAYS,
            department=data["department"],
            year_chosen=data["year"] is not None,
        )

    def measures(self, user):
        """The measures in scope that ``user`` may see."""
        measures = visible_measures(user, Measure.objects.all())
        if self.plan is not None:
            measures = measures.filter(item__task__section__plan=self.plan)
        return self.department_measures(measures)

    def department_measures(self, measures):
        """``measures`` in the department chosen, if one is."""
        if self.department:
            units = {"units__department_id": int(self.department)} if is_id(self.department) else {
                "units__department__name": self.department
            }
            measures = measures.filter(pk__in=Measure.objects.filter(**units).values("pk"))
        return measures

    def whole_plan(self, user):
        """The plan when ``user`` sees all of it here (every department), else None."""
        return self.plan if self.plan is not None and not self.department and sees_everything(user) else None

    def kept(self, user):
        """How the kept rows of the measures in scope are read (``tasks.standing.counts.tally``):
        by plan, and of the measures ``user`` may see (in the department chosen) unless that is
        all of them; the measures need no condition on their plan then."""
        if self.plan is None:
            return {"measures": self.measures(user), "plan": None}
        if self.whole_plan(user) is not None:
            return {"measures": None, "plan": self.plan}
        return {"measures": self.department_measures(visible_measures(user, Measure.objects.all())), "plan": self.plan}

    @property
    def standing(self):
        return {"as_of": self.as_of, "year": self.year, "soon_days": self.soon_days}

    def key(self):
        """The scope as a plain value, for remembering what was computed for it."""
        plan = self.plan.pk if self.plan else None
        return (plan, self.year, self.year_chosen, self.as_of, self.soon_days, self.department)

    def query(self, **extra):
        """Query parameters that reproduce this scope, plus ``extra``, for drill-down links."""
        params = {"plan": self.plan.slug if self.plan else "", "year": self.year or "", "as_of": self.as_of.isoformat()}
        if self.department:
            params["department"] = self.department
        if self.soon_days != DEFAULT_SOON_DAYS:
            params["soon_days"] = self.soon_days
        params.update(extra)
        return {key: value for key, value in params.items() if value not in ("", None)}


def own_plan(user, plans):
    """The plan of ``plans`` holding most of the measures the user's departments lead or are
    responsible for (the first of them on a tie), or None for a user without such measures."""
    if not plans:
        return None
    counts = dict(
        own_measures(user, Measure.objects.filter(item__task__section__plan__in=plans))
        .order_by()
        .values("item__task__section__plan")
        .annotate(n=Count("pk"))
        .values_list("item__task__section__plan", "n")
    )
    if not counts:
        return None
    return max(plans, key=lambda plan: (counts.get(plan.pk, 0), -plans.index(plan)))


#: Rows every report, review, extension decision and import writes: their newest marks the last write.
NEWEST_WRITES = ((ProgressEntry, "id"), (ReviewRecord, "id"), (ExtensionDecision, "id"), (Plan, "updated_at"))

#: The apps whose tables the figures are computed from (logins, sessions and the like are not).
LEDGER_APPS = ("tasks", "departments")


def ledger_tables():
    return [model._meta.db_table for app in LEDGER_APPS for model in apps.get_app_config(app).get_models()]


def committed_state():
    """A value that changes when a write to the ledger is committed, or None inside a transaction.

    On both databases the kept standing's clock (``tasks.standing.kept.tick``), which every
    report, review, extension, import and edit in the admin moves on in its own transaction.
    On PostgreSQL also the newest progress entry, review record and extension decision (every
    report, review and approved extension appends one), the plans' last change (every import
    touches its plan), and PostgreSQL's count of rows written to the ledger's tables, which
    follows any other write to them (an edit in the admin) within about ten seconds, the delay
    with which PostgreSQL publishes it. Writes elsewhere (sessions at every login, the login
    log) leave it alone. Inside a transaction (a request that writes, the tests) what is computed may include the
    transaction's own writes: there, nothing is remembered.
    """
    if connection.in_atomic_block:
        return None
    if connection.vendor != "postgresql":
        return (clock(),)
    newest = ", ".join(
        f"(SELECT MAX({column}) FROM {connection.ops.quote_name(model._meta.db_table)})"
        for model, column in NEWEST_WRITES
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {newest}, (SELECT tick FROM {connection.ops.quote_name(StandingClock._meta.db_table)}),"
            " (SELECT SUM(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables"
            " WHERE schemaname = current_schema() AND relname = ANY(%s))",
            [ledger_tables()],
        )
        return cursor.fetchone()


def remembered(name, user, scope, compute, *, state=committed_state, seconds=REMEMBER_SECONDS, keep_none=True):
    """``compute()``, or what it gave for the same scope and the same visible measures while
    ``state()`` stays the same (by default: since the last committed write; Django's cache,
    ``seconds`` at most). Nothing is remembered while ``state()`` is None (inside a
    transaction), nor a None that ``compute()`` gives unless ``keep_none``."""
    current = state()
    if current is None:
        return compute()
    parts = (name, current, visibility(user), scope.key())
    key = "ledger-figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        if value is not None or keep_none:
            cache.set(key, value, seconds)
    return value


def history_state():
    """What the past days of the trend are remembered for: the history clock, which every write
    but a report or a review moves on (None inside a transaction, as ``committed_state``)."""
    return None if connection.in_atomic_block else ("history", history_clock())


def remembered_for_history(name, user, scope, compute, *, keep_none=True):
    """``remembered`` until the next write other than a report or a review, for up to a day."""
    return remembered(name, user, scope, compute, state=history_state, seconds=REMEMBER_HISTORY_SECONDS, keep_none=keep_none)


def open_state():
    """What the overdue and due-soon counts are remembered for: the open milestones' clock, which
    a report moves on only when it enters or leaves "done" (None inside a transaction)."""
    return None if connection.in_atomic_block else ("open", open_clock())


def remembered_open(user, scope):
    """``tally``'s ``remember`` for ``user`` and ``scope``: the counts of the open milestones
    ``remembered`` until the open milestones change, not at every report."""
    return lambda name, compute: remembered(name, user, scope, compute, state=open_state)


def summary(user, scope):
    """The dashboard's figures and the same per department (the API's /api/summary/)."""

    def compute():
        totals = figures(**scope.kept(user), **scope.standing, remember=remembered_open(user, scope))
        totals["departments"] = department_figures(scope, user)
        return totals

    return remembered("summary", user, scope, compute)


def totals(user, scope):
    """The dashboard's figures alone (a department's page)."""
    return remembered(
        "totals", user, scope, lambda: figures(**scope.kept(user), **scope.standing, remember=remembered_open(user, scope))
    )


def department_figures(scope, user):
    """The figures of every department that leads or is responsible for a measure in scope, by id."""
    groups = tally(
        **scope.kept(user), years=[scope.year], by=BY_DEPARTMENT, as_of=scope.as_of, soon_days=scope.soon_days,
        remember=remembered_open(user, scope),
    )
    names = dict(Department.objects.filter(pk__in=[key for key, _year in groups]).values_list("pk", "name"))
    return [
        {"department_id": key, "department": names[key], **groups[key, year]} for key, year in sorted(groups)
    ]


def ranked(departments):
    """Departments most overdue first, then lowest completion, then by name."""
    return sorted(departments, key=lambda row: (-row["overdue_measures"], row["completion_rate"], row["department"]))


def overview(user, scope):
    """Everything the dashboard shows: totals, departments ranked, sections, each plan year and the trend."""
    return remembered("overview", user, scope, lambda: {**breakdowns(user, scope), "trend": trend(user, scope)})


def breakdowns(user, scope):
    """Totals, departments ranked, sections and each plan year.

    Sections share no measure, so the totals of each year (the chosen one included) are the
    sums of the sections' figures: one tally per section and year gives all three.
    """
    standing = {
        "by": BY_SECTION, "as_of": scope.as_of, "soon_days": scope.soon_days, "remember": remembered_open(user, scope),
        **scope.kept(user),
    }
    years = list(dict.fromkeys(year for year in [*scope.plan.years, scope.year] if year is not None))
    groups = tally(years=years, **standing)
    if scope.year is None:  # the plan's reporting year, which no plan year stands for
        groups.update(tally(years=[None], **standing))
    sections = list(Section.objects.filter(pk__in={key for key, _year in groups}).order_by("order", "pk"))
    per_year = {year: summed([groups[section.pk, year] for section in sections]) for year in {*years, scope.year}}
    totals = dict(per_year[scope.year], departments=department_figures(scope, user))
    return {
        "figures": totals,
        "departments": ranked(totals["departments"]),
        "sections": [
            {"section_id": section.pk, "order": section.order, "section_number": section.number,
             "section_title": section.title, **groups[section.pk, scope.year]}
            for section in sections
        ],
        "years": [{"year": year, **per_year[year]} for year in scope.plan.years],
    }


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
    start = remembered_for_history("start", user, scope, lambda: history_start(measures), keep_none=False)
    if start is None or start >= scope.as_of:
        return []
    points = trend_points(user, scope, measures, month_ends(start, scope.as_of)[-TREND_POINTS:])
    if len(points) < 2:
        return []
    highest = max(count for _day, count in points) or 1
    step = 100 / (len(points) - 1)
    return [
        {"day": day, "count": count, "x": round(i * step, 2), "y": round(40 - 36 * count / highest, 2)}
        for i, (day, count) in enumerate(points)
    ]


def trend_points(user, scope, measures, dates):
    """``overdue_trend`` of ``dates``: the days before today remembered until a write other than a
    report or a review (``history_clock``: none can change how the ledger stood on a past day),
    today and later counted now (``overdue_now``: no report can come after them yet)."""
    today = timezone.localdate()
    past = [day for day in dates if day < today]
    points = remembered_for_history(("trend", past), user, scope, lambda: overdue_trend(measures, past)) if past else []
    kept = scope.kept(user)
    return points + [(day, overdue_now(kept["measures"], day, plan=kept["plan"])) for day in dates if day >= today]


#: Orders of the overdue and due-soon lists, on the kept ``OpenMilestone`` rows.
SORTS = {
    "date": ("date", "measure__item__task__section__order"),
    "-date": ("-date",),
    "measure": ("measure__item__task__section__order", "measure__item__task__order", "measure__item__order",
                "measure__number"),
    "person": ("measure__person__name", "date"),
}


def milestone_list(user, scope, *, due_soon=False, sort="date"):
    """The ids of the overdue (or due-soon) milestones in scope, in the order asked for.

    Milestones of every plan year count unless the URL chose a year.
    """
    year = scope.year if scope.year_chosen else None
    if due_soon:
        milestones = kept_open(year, gte=scope.as_of, lte=scope.as_of + datetime.timedelta(days=scope.soon_days))
    else:
        milestones = kept_open(year, lt=scope.as_of)
    milestones = in_scope(milestones, **scope.kept(user))
    return milestones.order_by(*SORTS.get(sort, SORTS["date"]), "pk").values_list("pk", flat=True)


def milestone_rows(ids):
    """The milestones ``ids``, in that order, with what a supervisor needs on each line."""
    last_note = Progress.objects.filter(
        measure=OuterRef("deadline__measure"), year=OuterRef("deadline__year")
    ).values("note")[:1]
    rows = (
        Milestone.objects.annotate(last_note=Subquery(last_note))
        .select_related("deadline__measure__item__task__section__plan", "deadline__measure__person")
        .prefetch_related("deadline__measure__units__department")
        .in_bulk(ids)
    )
    return [rows[pk] for pk in ids]
