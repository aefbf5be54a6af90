"""Who may see and change what: the one place pages, API and exports ask.

Admins and supervisors see every measure; staff see the measures where one of their
departments is lead or responsible. Staff and admins report progress; supervisors review.
"""

from departments.models import Membership
from departments.roles import ADMIN, STAFF, SUPERVISOR, role_of

from .models import Measure, MeasureUnit, Plan, Section, Task


def user_role(user):
    """The user's role, looked up once per user object."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_ledger_role"):
        user._ledger_role = role_of(user)
    return user._ledger_role


def department_ids(user):
    if not hasattr(user, "_ledger_departments"):
        user._ledger_departments = set(Membership.objects.filter(user=user).values_list("department_id", flat=True))
    return user._ledger_departments


def sees_everything(user):
    return user_role(user) in (ADMIN, SUPERVISOR)


def visible_measures(user, queryset=None):
    """The measures ``user`` may see, as a filter on ``queryset`` (no DISTINCT, safe to annotate)."""
    queryset = Measure.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return queryset
    if user_role(user) == STAFF:
        own = MeasureUnit.objects.filter(department__memberships__user=user).values("measure_id")
        return queryset.filter(pk__in=own)
    return queryset.none()


def holding_visible_measures(user, queryset, path):
    """The rows of ``queryset`` (plans, sections or tasks) holding a measure ``user`` may see;
    ``path`` leads from a measure to the row's id. Admins and supervisors see every row, even
    one without measures; the filters' drop-downs list these, so no title of a plan one cannot
    see reaches the page."""
    if sees_everything(user):
        return queryset
    return queryset.filter(pk__in=visible_measures(user).values(path))


def visible_plans(user, queryset=None):
    return holding_visible_measures(user, Plan.objects.all() if queryset is None else queryset, "item__task__section__plan_id")


def visible_sections(user, queryset=None):
    return holding_visible_measures(user, Section.objects.all() if queryset is None else queryset, "item__task__section_id")


def visible_tasks(user, queryset=None):
    return holding_visible_measures(user, Task.objects.all() if queryset is None else queryset, "item__task_id")


def visibility(user):
    """What decides the measures ``user`` sees, as a plain value: users with the same value see the same."""
    if sees_everything(user):
        return ("all",)
    if user_role(user) == STAFF:
        return ("departments", tuple(sorted(department_ids(user))))
    return ("none",)


def can_report(user, measure):
    """Staff of one of the measure's departments, or an admin, may report its progress."""
    role = user_role(user)
    if role == ADMIN:
        return True
    if role != STAFF:
        return False
    return any(unit.department_id in department_ids(user) for unit in measure.units.all())


def can_review(user):
    return user_role(user) in (ADMIN, SUPERVISOR)


def own_measures(user, queryset=None):
    """The measures one of the user's departments leads or is responsible for (我的任务), whatever the role."""
    queryset = Measure.objects.all() if queryset is None else queryset
    own = MeasureUnit.objects.filter(department__memberships__user=user).values("measure_id")
    return queryset.filter(pk__in=own)



def can_close_year(user):
    """Supervisors and admins close a plan's year (年度关账) and move its reporting year forward."""
    return user_role(user) in (ADMIN, SUPERVISOR)


def can_reopen_year(user):
    """Only an admin reopens a closed year, with a reason."""
    return user_role(user) == ADMIN
