"""What the worker leaves behind for people: a plan export built and a ledger imported in the
background, and the days the daily reminders have run.

- ``Export``: a plan download too large to build inside the request, with its owner (only they
  may fetch it: it holds the measures they may see), its state, the file once built, or the
  message saying why it failed.
- ``ImportJob``: a ledger too large for the admin's request, previewed or imported by the worker,
  with its progress and, once done, the preview to confirm (as the page shows it) or the same
  report as ``import_ledger`` prints, or why it failed.
- ``DailyRun``: a day whose reminders, escalations and digests the worker has run, so that a
  worker started late in the day runs that day's once and then waits for the next.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models import Plan


class ExportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在生成")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


def export_upload_to(export, filename):
    return f"exports/{export.created_at:%Y/%m}/{uuid.uuid4().hex}-{filename}"


class Export(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="+")
    format = models.CharField(_("格式"), max_length=10)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    measures = models.PositiveIntegerField(_("措施数"))
    state = models.CharField(_("状态"), max_length=20, choices=ExportState.choices, default=ExportState.QUEUED)
    file = models.FileField(_("文件"), upload_to=export_upload_to, max_length=300, blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=200, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台导出")
        verbose_name_plural = _("后台导出")
        ordering = ["-created_at"]

    def __str__(self):
        return self.filename

    @property
    def finished(self):
        return self.state in (ExportState.READY, ExportState.FAILED)


class DailyRun(models.Model):
    day = models.DateField(_("日期"), unique=True)
    finished_at = models.DateTimeField(_("完成时间"), auto_now_add=True)
    summary = models.CharField(_("结果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("每日提醒运行记录")
        verbose_name_plural = _("每日提醒运行记录")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day}"


class ImportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导入")
    DONE = "done", _("已导入")
    FAILED = "failed", _("导入失败")


#: The states of an import that may still write: one such import per plan at a time.
IMPORT_UNDER_WAY = (ImportState.QUEUED, ImportState.RUNNING)


class ImportKind(models.TextChoices):
    PREVIEW = "preview", _("预览")  # compares the file with the plan, writes nothing (``jobs.previews``)
    IMPORT = "import", _("导入")  # writes it (``jobs.imports``)


def import_upload_to(job, filename):
    return f"import-jobs/{job.pk}/{filename}"


class ImportJob(models.Model):
    """A ledger on the admin's bulk import page too large for the request: the worker previews it
    (an upload above ``LEDGER_PREVIEW_JOB_ABOVE_BYTES``, ``jobs.previews``) or imports it (confirmed
    above ``LEDGER_IMPORT_JOB_ABOVE`` measures, ``jobs.imports``); its owner follows it on its status page."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=ImportKind.choices, default=ImportKind.IMPORT)
    plan_slug = models.SlugField(_("台账标识"), max_length=50, allow_unicode=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(_("文件"), upload_to=import_upload_to, max_length=400, blank=True)
    options = models.JSONField(_("导入选项"), default=dict)
    measures = models.PositiveIntegerField(_("措施数"))
    state = models.CharField(_("状态"), max_length=20, choices=ImportState.choices, default=ImportState.QUEUED)
    report = models.TextField(_("导入报告"), blank=True)
    preview = models.JSONField(_("预览"), default=dict, blank=True)  # a preview job's: tasks.importing.preview_shown
    counts = models.JSONField(_("数量"), default=dict, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台导入")
        verbose_name_plural = _("后台导入")
        ordering = ["-created_at"]
        constraints = [
            # "is one under way for this plan?" and: never two at once, even when two confirm together
            models.UniqueConstraint(
                fields=["plan_slug"],
                condition=models.Q(state__in=IMPORT_UNDER_WAY, kind=ImportKind.IMPORT),
                name="one_import_under_way_per_plan",
                violation_error_message=_("此台账已有一项导入在进行中。"),
            )
        ]

    def __str__(self):
        return self.file_name

    @property
    def finished(self):
        return self.state in (ImportState.DONE, ImportState.FAILED)
