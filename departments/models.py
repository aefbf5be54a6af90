"""Departments (责任部门 / 单位), the people in them, and which user belongs to which department."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A unit that owns measures: a city body, an office, or a section inside one."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def ancestors(self):
        """The chain of parents from the top down, without this department."""
        chain = []
        node = self.parent
        while node is not None and node not in chain:
            chain.insert(0, node)
            node = node.parent
        return chain


class Person(models.Model):
    """A named responsible person (负责人 / 联络员), with or without a login."""

    name = models.CharField(_("姓名"), max_length=100)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    phone = models.CharField(_("电话"), max_length=50, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["department__order", "department__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "department"],
                name="person_unique_name_in_department",
                violation_error_message=_("该部门已有同名人员。"),
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.department}）" if self.department_id else self.name


class Membership(models.Model):
    """A user's membership of a department: what a staff user may see and report on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )

    class Meta:
        verbose_name = _("部门成员")
        verbose_name_plural = _("部门成员")
        ordering = ["department__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department"],
                name="membership_unique_user_department",
                violation_error_message=_("该用户已属于此部门。"),
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.department}"
