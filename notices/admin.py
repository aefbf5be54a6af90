from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Notification, Nudge, Recipient, ReminderRule, SentReminder
from .recipients import mail_address, unreachable_by_mail


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "days", "months", "active"]
    list_editable = ["active"]
    list_filter = ["kind", "active"]


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = ["day", "user", "measure", "due_date", "rule", "emailed", "sent_at"]
    list_filter = ["day", "rule", "emailed"]
    search_fields = ["user__username", "measure__text"]
    list_select_related = ["user", "measure", "rule"]
    raw_id_fields = ["user", "measure", "milestone"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at", "mailed_on"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "title"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "measure", "nudge"]


@admin.register(Nudge)
class NudgeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "sender", "department", "message"]
    list_select_related = ["sender", "department"]
    raw_id_fields = ["sender", "department", "measures"]


class MailReachFilter(admin.SimpleListFilter):
    title = _("邮件可达")
    parameter_name = "mail"

    def lookups(self, request, model_admin):
        return [("no", _("无邮箱（仅站内通知）")), ("yes", _("有邮箱"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(unreachable_by_mail())
        if self.value() == "yes":
            return queryset.exclude(unreachable_by_mail())
        return queryset


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    """Who reminders reach, and by what: users without an e-mail address get the inbox only."""

    list_display = ["username", "get_full_name", "address", "departments"]
    list_filter = [MailReachFilter, "is_active"]
    search_fields = ["username", "email", "person__email", "memberships__department__name"]

    def get_queryset(self, request):
        users = super().get_queryset(request).select_related("person").prefetch_related("memberships__department")
        return users.filter(Q(memberships__isnull=False) | Q(person__isnull=False)).distinct()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("邮箱"))
    def address(self, user):
        return mail_address(user) or _("无（仅站内通知）")

    @admin.display(description=_("部门"))
    def departments(self, user):
        return "、".join(m.department.name for m in user.memberships.all())
