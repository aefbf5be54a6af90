"""Who is responsible for a measure, and how to reach them.

The responsible people of a measure are the active users who are members of a department that
is lead or responsible on it, plus the login of the measure's person (负责人) when there is one.
"""

from collections import defaultdict

from django.contrib.auth.models import User
from django.db.models import Q

from departments.models import Membership
from tasks.models import Measure


def responsible_users(measure_ids):
    """``{user_id: {measure_id, …}}`` for the given measures, in two queries."""
    owners = defaultdict(set)
    members = Membership.objects.filter(
        department__measure_units__measure_id__in=measure_ids,
        department__measure_units__measure__removed_at__isnull=True,  # a removed measure reaches nobody
        user__is_active=True,
    ).values_list("user_id", "department__measure_units__measure_id")
    for user_id, measure_id in members:
        owners[user_id].add(measure_id)
    people = Measure.objects.filter(pk__in=measure_ids, person__user__is_active=True).values_list("person__user_id", "pk")
    for user_id, measure_id in people:
        owners[user_id].add(measure_id)
    return dict(owners)


def department_users(department):
    """The active members of a department: whom a department-wide nudge reaches."""
    return list(User.objects.filter(memberships__department=department, is_active=True).order_by("pk"))


def mail_address(user):
    """The user's own e-mail address, else the one of the person linked to the login; "" when none."""
    if user.email:
        return user.email
    person = getattr(user, "person", None)
    return person.email if person is not None else ""


def unreachable_by_mail():
    """A filter for users with no e-mail address of their own nor on their person record."""
    no_person_mail = Q(person__isnull=True) | Q(person__email="")
    return Q(email="") & no_person_mail
