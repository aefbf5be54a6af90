"""The three roles of the app and the one way accounts are made (``create_user``, ``load_demo``).

Roles are Django groups: 管理员 (admin) may use the admin site and import ledgers,
督查人员 (supervisor) sees every department, 填报人员 (staff) sees and reports on the
measures of the departments they are members of.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Department, Membership

ADMIN, SUPERVISOR, STAFF = "admin", "supervisor", "staff"
ROLE_GROUPS = {ADMIN: "管理员", SUPERVISOR: "督查人员", STAFF: "填报人员"}


class RoleError(ValueError):
    pass


def role_of(user):
    """The user's role name, or None for a user in no role group."""
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for role, group_name in ROLE_GROUPS.items():
        if group_name in names:
            return role
    return None


@transaction.atomic
def create_account(username, role, *, departments=(), password=None, email=""):
    """Create or update an account with exactly one role and the given departments.

    Staff must name at least one department; departments are matched by name and
    created when missing. Returns ``(user, created)``.
    """
    if role not in ROLE_GROUPS:
        raise RoleError(f"unknown role {role!r}; choose one of {', '.join(ROLE_GROUPS)}")
    if role == STAFF and not departments:
        raise RoleError("a staff account needs at least one --department")
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = role == ADMIN
    user.is_superuser = role == ADMIN
    if email:
        user.email = email
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS.values()))
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    user.groups.add(group)
    for name in departments:
        department, _ = Department.objects.get_or_create(name=name.strip())
        Membership.objects.get_or_create(user=user, department=department)
    return user, created
