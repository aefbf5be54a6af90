"""Closing a plan's year (年度关账) once its figures went upward, and reopening it.

A year is closed for the whole plan or for named departments. While it is closed, the
progress, evidence and extensions of that year are read-only for everyone: every write path
(``tasks.workflow.progress.record_progress``, the review and extension functions) calls
``ensure_open`` first, which raises ``YearClosed``; the API answers it with 403 and
``"code": "year_closed"``, the pages with 403 and the message. A department's closure covers
the measures where that department is lead or responsible unit.

Supervisors and admins close; only an admin reopens, with a reason (``tasks.access``). Each
closure row keeps who closed and who reopened, when and why; closing again adds a new row.
"""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tasks.models import MeasureUnit, YearClosure


class YearClosed(Exception):
    """A write hit a closed year; ``closure`` is the closure that refuses it."""

    code = "year_closed"

    def __init__(self, closure):
        self.closure = closure
        who = closure.closed_by.get_username() if closure.closed_by else _("系统管理员")
        when = formats.date_format(timezone.localtime(closure.closed_at), "Y-m-d H:i")
        scope = closure.department.name if closure.department_id else _("全部部门")
        super().__init__(
            _(
                "%(year)s 年度（%(scope)s）已由 %(user)s 于 %(time)s 关账：该年度的进展、佐证材料和延期不能再修改。"
                "如需更正，请管理员说明理由后重新开放。"
            )
            % {"year": closure.year, "scope": scope, "user": who, "time": when}
        )


class CloseRefused(Exception):
    """Closing or reopening cannot be done as asked; the message says why."""


def open_closures(plan):
    """The closures of ``plan`` in force (not reopened)."""
    return YearClosure.objects.filter(plan=plan, reopened_at__isnull=True)


def closures_of_measure(measure, years=None):
    """``{year: closure}`` of the closures in force over ``measure`` (the whole plan's first)."""
    departments = MeasureUnit.objects.filter(measure=measure).values("department_id")
    closures = open_closures(measure.plan).filter(Q(department__isnull=True) | Q(department__in=departments))
    if years is not None:
        closures = closures.filter(year__in=list(years))
    found = {}
    for closure in closures.select_related("department", "closed_by").order_by("department_id", "closed_at"):
        found.setdefault(closure.year, closure)
    return found


def in_closed_year(measure_path, year_path, plan_path=None):
    """A condition on rows (milestones, progress, extension requests) that holds when the row's year
    is closed for its measure: ``measure_path`` leads from the row to the measure, ``year_path`` to
    the year, ``plan_path`` to the plan where the row names it (else through the measure). For
    reminders and escalations, which say nothing about a closed year."""
    plan = plan_path or f"{measure_path}__item__task__section__plan"
    whole_plan = YearClosure.objects.filter(
        plan=OuterRef(plan), year=OuterRef(year_path), department__isnull=True, reopened_at__isnull=True
    )
    own_department = MeasureUnit.objects.filter(
        measure=OuterRef(measure_path),
        department__year_closures__plan=OuterRef(plan),
        department__year_closures__year=OuterRef(year_path),
        department__year_closures__reopened_at__isnull=True,
    )
    return Exists(whole_plan) | Exists(own_department)


def ensure_open(measure, year):
    """Raise ``YearClosed`` when ``year`` of ``measure`` is closed."""
    closure = closures_of_measure(measure, [year]).get(year)
    if closure is not None:
        raise YearClosed(closure)


def check_year(plan, year):
    if year not in plan.years:
        raise CloseRefused(
            _("%(year)s 年不在台账“%(plan)s”的年度范围内（%(start)s—%(end)s）。")
            % {"year": year, "plan": plan.title, "start": plan.start_year, "end": plan.end_year}
        )


@transaction.atomic
def close_year(plan, year, *, user=None, departments=()):
    """Close ``year`` of ``plan`` (for ``departments`` only, when given).

    Returns ``(closed, already)``: the scopes closed now and those already closed (a department
    is already closed when the whole plan's year is).
    """
    check_year(plan, year)
    in_force = {closure.department_id: closure for closure in open_closures(plan).filter(year=year)}
    closed, already = [], []
    for department in departments or [None]:
        key = department.pk if department else None
        if key in in_force or None in in_force:
            already.append(in_force.get(key) or in_force[None])
            continue
        try:
            with transaction.atomic():
                closure = YearClosure.objects.create(plan=plan, year=year, department=department, closed_by=user)
        except IntegrityError:  # closed by someone else a moment ago
            already.append(open_closures(plan).get(year=year, department=department))
            continue
        in_force[key] = closure
        closed.append(closure)
    return closed, already


@transaction.atomic
def reopen_year(plan, year, *, user=None, reason, departments=()):
    """Reopen ``year`` of ``plan``: every closure in force, or those of ``departments``. Returns the closures reopened."""
    check_year(plan, year)
    if not reason.strip():
        raise CloseRefused(_("重新开放已关账的年度时请说明理由。"))
    closures = open_closures(plan).filter(year=year).select_for_update()
    if departments:
        closures = closures.filter(department__in=[department.pk for department in departments])
    reopened = list(closures)
    if not reopened:
        raise CloseRefused(_("%(year)s 年度没有可重新开放的关账。") % {"year": year})
    now = timezone.now()
    for closure in reopened:
        closure.reopened_by, closure.reopened_at, closure.reopen_reason = user, now, reason.strip()
        closure.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    return reopened
