import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from departments.models import Department, Membership
from departments.roles import ADMIN, STAFF, SUPERVISOR, role_of

pytestmark = pytest.mark.django_db


def test_it_creates_a_staff_user_in_named_departments(capsys):
    call_command("create_user", "yin", "--role", "staff", "--department", "政策法规科", "--department", "机关党总支", "--password", "pw-12345")
    user = get_user_model().objects.get(username="yin")
    assert role_of(user) == STAFF
    assert not user.is_staff
    assert user.check_password("pw-12345")
    assert sorted(Membership.objects.filter(user=user).values_list("department__name", flat=True)) == ["政策法规科", "机关党总支"]
    assert "created staff yin" in capsys.readouterr().out


def test_it_refuses_staff_without_a_department():
    with pytest.raises(CommandError, match="department"):
        call_command("create_user", "nobody", "--role", "staff")
    assert not get_user_model().objects.filter(username="nobody").exists()


def test_admin_may_use_the_admin_site_and_supervisor_may_not():
    call_command("create_user", "root", "--role", "admin", "--password", "x")
    call_command("create_user", "eye", "--role", "supervisor", "--password", "x")
    users = get_user_model().objects
    assert role_of(users.get(username="root")) == ADMIN and users.get(username="root").is_staff
    assert role_of(users.get(username="eye")) == SUPERVISOR and not users.get(username="eye").is_staff


def test_running_it_again_changes_the_role_and_keeps_one_department_row():
    call_command("create_user", "yin", "--role", "staff", "--department", "政策法规科")
    call_command("create_user", "yin", "--role", "supervisor", "--department", "政策法规科")
    user = get_user_model().objects.get(username="yin")
    assert role_of(user) == SUPERVISOR
    assert user.groups.count() == 1
    assert Department.objects.filter(name="政策法规科").count() == 1
    assert Membership.objects.filter(user=user).count() == 1


def test_without_password_the_account_cannot_log_in(client):
    call_command("create_user", "quiet", "--role", "supervisor")
    assert not get_user_model().objects.get(username="quiet").has_usable_password()
