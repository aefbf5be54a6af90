"""Fixed vocabularies of the ledger: milestone kinds, progress statuses, unit roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MilestoneKind(models.TextChoices):
    DATE = "date", _("日期")
    ONGOING = "ongoing", _("持续推进")
    LONG_TERM = "long_term", _("长期")
    AS_NEEDED = "as_needed", _("适时")
    RECURRING = "recurring", _("定期")
    UNPARSED = "unparsed", _("无法识别")


#: Kinds that never make a measure overdue: they show as ongoing.
OPEN_ENDED_KINDS = (MilestoneKind.ONGOING, MilestoneKind.LONG_TERM, MilestoneKind.AS_NEEDED)
#: Kinds with a date that can pass: they make a measure overdue or due soon.
DATED_KINDS = (MilestoneKind.DATE, MilestoneKind.RECURRING)


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    ONGOING = "ongoing", _("持续推进")


class UnitRole(models.TextChoices):
    LEAD = "lead", _("牵头单位")
    RESPONSIBLE = "responsible", _("责任单位")


class ProgressSource(models.TextChoices):
    WEB = "web", _("网页填报")
    IMPORT = "import", _("台账导入")
    API = "api", _("接口")
    ADMIN = "admin", _("后台")


class ReviewState(models.TextChoices):
    NONE = "", _("无需审核")
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


class Signal(models.TextChoices):
    """Red / amber / green of a measure on a date."""

    OVERDUE = "overdue", _("逾期")
    DUE_SOON = "due_soon", _("即将到期")
    ON_TRACK = "on_track", _("正常")
    ONGOING = "ongoing", _("持续推进")
    DONE = "done", _("已完成")
