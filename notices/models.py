"""Chasing what is due (催办): reminder rules, the sent-log, supervisors' nudges and the inbox.

- ``ReminderRule``: when a digest mentions a milestone (days before it, on the day, every week
  while overdue) or asks for progress on an open-ended measure (every quarter).
- ``SentReminder``: what went to whom for which milestone, rule and day; ``send_reminders``
  reads it so that a second run on the same day sends nothing.
- ``Nudge``: a supervisor's 催办 of a measure or a department, with a message.
- ``Notification``: one line in a user's inbox (reminders, nudges, review results, extension
  decisions), read or unread, and whether a digest has carried it by mail yet.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from tasks.models import Measure, Milestone


class RuleKind(models.TextChoices):
    BEFORE = "before", _("到期前提醒")
    OVERDUE = "overdue", _("逾期催办")
    PROGRESS = "progress", _("定期请报进展")


class ReminderRule(models.Model):
    """One reason to put a milestone in a digest on a given day."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=RuleKind.choices)
    days = models.PositiveSmallIntegerField(
        _("天数"),
        default=0,
        help_text=_("到期前提醒：提前天数（0 为到期当天）；逾期催办：逾期后第一天起每隔几天一次；定期请报进展：不用。"),
    )
    months = models.PositiveSmallIntegerField(
        _("间隔月数"),
        default=3,
        help_text=_("定期请报进展：每隔几个月在月初请持续推进、长期类措施报告进展（3 为每季度：1、4、7、10 月 1 日）。"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("提醒规则")
        verbose_name_plural = _("提醒规则")
        ordering = ["kind", "-days", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == RuleKind.OVERDUE and self.days < 1:
            raise ValidationError({"days": _("逾期催办的间隔天数至少为 1。")})
        if self.kind == RuleKind.PROGRESS and not 1 <= self.months <= 12:
            raise ValidationError({"months": _("间隔月数应在 1 到 12 之间。")})


class Nudge(models.Model):
    """A supervisor's 催办 of one measure or of a whole department's open measures."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("催办人"), on_delete=models.PROTECT)
    message = models.TextField(_("催办内容"))
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.SET_NULL, related_name="nudges"
    )
    measures = models.ManyToManyField(Measure, verbose_name=_("工作措施"), related_name="nudges")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催办")
        verbose_name_plural = _("催办")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.message[:60]


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("到期提醒")
    NUDGE = "nudge", _("催办")
    REVIEW = "review", _("审核结果")
    EXTENSION = "extension", _("延期审批")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a user's inbox (站内通知)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    measure = models.ForeignKey(
        Measure, verbose_name=_("工作措施"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nudge = models.ForeignKey(
        Nudge, verbose_name=_("催办"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    mailed_on = models.DateField(_("随摘要邮件发出"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.title


class SentReminder(models.Model):
    """The sent-log: a milestone put in a user's digest (and inbox) by a rule on a day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="sent_reminders"
    )
    rule = models.ForeignKey(ReminderRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="sent")
    measure = models.ForeignKey(Measure, verbose_name=_("工作措施"), on_delete=models.CASCADE, related_name="+")
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("节点"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(_("节点日期"), null=True, blank=True)
    day = models.DateField(_("提醒日期"))
    emailed = models.BooleanField(_("已发邮件"), default=False)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        ordering = ["-day", "user_id", "measure_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "milestone", "rule", "day"], name="sentreminder_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.user} {self.rule}"


class Recipient(User):
    """Users seen as recipients of reminders: the admin lists who cannot be reached by mail."""

    class Meta:
        proxy = True
        verbose_name = _("提醒收件人")
        verbose_name_plural = _("提醒收件人")


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉自定义机器人")
    FEISHU = "feishu", _("飞书自定义机器人")
    WEBHOOK = "webhook", _("通用 JSON Webhook")


class Channel(models.Model):
    """A way to reach people: a department's group robot, a person's own robot or mailbox.

    ``address`` is what the kind needs: the WeCom robot key, the DingTalk access token, the
    Feishu hook token, the full URL of a generic webhook, or an e-mail address (for a person's
    own e-mail channel it may stay empty: their own address is used). A full ``https://…`` URL
    is accepted for the robots too (a government deployment's own host).
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=ChannelKind.choices)
    address = models.CharField(_("地址 / 密钥"), max_length=500, blank=True)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    departments = models.ManyToManyField(Department, verbose_name=_("服务部门"), blank=True, related_name="channels")
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("服务人员"), blank=True, related_name="channels"
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"

    def clean(self):
        if self.kind in (ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.FEISHU, ChannelKind.WEBHOOK):
            if not self.address:
                raise ValidationError({"address": _("请填写机器人的 Webhook 地址或密钥。")})
        if self.kind == ChannelKind.WEBHOOK and not self.address.startswith(("http://", "https://")):
            raise ValidationError({"address": _("通用 Webhook 需填写完整的 http(s):// 地址。")})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("失败")


class Delivery(models.Model):
    """The delivery log: one event through one channel, with the service's answer and retries.

    ``event`` names the event and its recipient (``digest:2024-11-29:user:7``); a channel carries
    an event once, so a second run or a retry never sends it twice.
    """

    channel = models.ForeignKey(Channel, verbose_name=_("渠道"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("事件"), max_length=200)
    recipient = models.CharField(_("收件人"), max_length=300)
    title = models.CharField(_("标题"), max_length=300)
    message = models.JSONField(_("消息"))
    status = models.CharField(_("状态"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    answer = models.TextField(_("对方应答"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "event"], name="delivery_once_per_channel")]

    def __str__(self):
        return f"{self.event} → {self.channel}"


class EscalationKind(models.TextChoices):
    OVERDUE = "overdue", _("逾期升级")
    REVIEW = "review", _("待审核超时")


class Escalation(models.Model):
    """A milestone overdue too long, or a report waiting too long for review, escalated once."""

    kind = models.CharField(_("类型"), max_length=20, choices=EscalationKind.choices)
    subject = models.PositiveBigIntegerField(_("对象编号"), help_text=_("逾期升级：节点编号；待审核超时：审核记录编号。"))
    measure = models.ForeignKey(Measure, verbose_name=_("工作措施"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("升级日期"))

    class Meta:
        verbose_name = _("升级记录")
        verbose_name_plural = _("升级记录")
        ordering = ["-day", "kind", "measure_id"]
        constraints = [models.UniqueConstraint(fields=["kind", "subject"], name="escalation_once")]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()} {self.measure_id}"
