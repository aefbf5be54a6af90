"""Whom an event about a measure reaches beyond the inbox: its departments' group channels, the
people's own channels, the mobile numbers to @-mention, and the supervisors."""

from django.contrib.auth.models import User

from departments.models import Department, Person
from departments.roles import ROLE_GROUPS, SUPERVISOR

from .messages import mobile_numbers


def measure_departments(measure_ids):
    """The lead and responsible departments of the measures."""
    return list(Department.objects.filter(measure_units__measure_id__in=measure_ids).distinct().order_by("pk"))


def mobiles_of(user_ids, measure_ids=()):
    """The mobile numbers of the people behind ``user_ids`` and of the measures' persons (负责人)."""
    phones = Person.objects.filter(user_id__in=user_ids).order_by("pk").values_list("phone", flat=True)
    own = Person.objects.filter(measures__pk__in=measure_ids).order_by("pk").values_list("phone", flat=True)
    return mobile_numbers([*phones, *own])


def supervisors():
    """The active users in the 督查人员 role."""
    return list(User.objects.filter(is_active=True, groups__name=ROLE_GROUPS[SUPERVISOR]).order_by("pk"))


def active_users(user_ids):
    return list(User.objects.filter(pk__in=set(user_ids), is_active=True).order_by("pk"))
