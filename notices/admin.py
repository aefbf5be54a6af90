import datetime

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .conf import setting
from .messages import Message
from .models import Channel, Delivery, DeliveryStatus, Escalation, Notification, Nudge, Recipient, ReminderRule, SentReminder
from .outbox import post, retry
from .recipients import mail_address, unreachable_by_mail
from .outbox import deliver


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


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "active", "serves"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "departments__name", "users__username"]
    filter_horizontal = ["departments", "users"]
    actions = ["send_test_message"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("departments", "users")

    @admin.display(description=_("服务对象"))
    def serves(self, channel):
        return "、".join([d.name for d in channel.departments.all()] + [u.get_username() for u in channel.users.all()])

    @admin.action(description=_("发送测试消息"))
    def send_test_message(self, request, queryset):
        sent_by = request.user.get_username()
        for channel in queryset:
            message = Message(
                "test",
                str(_("任务台账测试消息")),
                [str(_("这是一条测试消息：渠道“%(name)s”配置正确。")) % {"name": channel.name}, str(_("发送人：%(user)s")) % {"user": sent_by}],
                "/",
                emails=[request.user.email] if request.user.email else [],
            )
            delivery = Delivery.objects.create(
                channel=channel,
                event=f"test:{timezone.now():%Y%m%dT%H%M%S.%f}",
                recipient=sent_by,
                title=message.title,
                message=message.as_dict(),
                status=DeliveryStatus.SENDING,
            )
            if post(delivery) is not None:  # a 5xx or a timeout: the worker tries again after the delay
                deliver.using(run_after=timezone.now() + datetime.timedelta(seconds=setting("NOTICE_RETRY_DELAYS")[0])).enqueue([delivery.pk])
            level = messages.SUCCESS if delivery.status == DeliveryStatus.SENT else messages.ERROR
            self.message_user(request, f"{channel.name}：{delivery.get_status_display()}（{delivery.answer[:200]}）", level)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "channel", "recipient", "title", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel__kind", "channel"]
    search_fields = ["event", "recipient", "title", "answer"]
    list_select_related = ["channel"]
    readonly_fields = ["channel", "event", "recipient", "title", "message", "status", "attempts", "answer", "created_at", "sent_at"]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新发送失败的消息"))
    def resend(self, request, queryset):
        count = retry(list(queryset))
        self.message_user(request, _("已将 %(count)s 条失败的消息交给后台任务重新发送，请稍后刷新查看结果。") % {"count": count})


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "measure", "subject"]
    list_filter = ["kind", "day"]
    raw_id_fields = ["measure"]
