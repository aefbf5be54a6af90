"""The ledger: plan → section → task → item → measure, with per-year deadlines and progress.

Deadlines keep the raw phrase exactly as written and the milestones parsed from it.
Progress is one row per measure and year, and every change to it is appended to
``ProgressEntry``, which can never be edited or deleted. Deleting anything that still
has progress below it is refused (``PROTECT``), so a report is never dropped silently.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Department, Person

from .choices import MilestoneKind, ProgressSource, ProgressStatus, ReviewState, UnitRole
from .numbering import numbered_text, place_label


class Plan(models.Model):
    """A multi-year action plan and its ledger (台账 / 任务分解表)."""

    title = models.CharField(_("标题"), max_length=300)
    slug = models.SlugField(_("标识"), max_length=100, unique=True)
    issuing_body = models.CharField(_("印发单位"), max_length=200, blank=True)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    end_year = models.PositiveSmallIntegerField(_("结束年度"))
    reporting_year = models.PositiveSmallIntegerField(
        _("填报年度"), null=True, blank=True, help_text=_("“已完成任务”等无年度的完成情况归入此年度。")
    )
    requires_evidence = models.BooleanField(
        _("完成须附佐证材料"), default=False, help_text=_("勾选后，标记为已完成时必须上传佐证材料。")
    )
    source_file = models.FileField(_("原始台账文件"), upload_to="ledgers/", blank=True)
    source_sha256 = models.CharField(_("原始文件摘要"), max_length=64, blank=True, editable=False)
    source_sheet = models.CharField(_("原始工作表"), max_length=100, blank=True)
    column_map = models.JSONField(
        _("列映射"), default=dict, blank=True,
        help_text=_("上次导入时手工指定的列映射（表头 → 字段），再次导入此台账时沿用。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("台账")
        verbose_name_plural = _("台账")
        ordering = ["-start_year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_year__lte=models.F("end_year")),
                name="plan_years_in_order",
                violation_error_message=_("起始年度不能晚于结束年度。"),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def years(self):
        return list(range(self.start_year, self.end_year + 1))


class Section(models.Model):
    """A numbered part of the plan: 一、 / （一）."""

    plan = models.ForeignKey(Plan, verbose_name=_("台账"), on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(_("编号"), max_length=20, blank=True, help_text=_("按原文的中文数字，如“一”。"))
    title = models.CharField(_("标题"), max_length=300, blank=True, help_text=_("台账没有分部分时为空。"))
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("部分")
        verbose_name_plural = _("部分")
        ordering = ["plan_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="section_unique_number_in_plan",
                violation_error_message=_("同一台账中部分编号不能重复。"),
            )
        ]

    def __str__(self):
        return (f"{self.number}、{self.title}" if self.number else self.title) or "—"  # "—": no sections


class Task(models.Model):
    """A key task (序号 + 重点任务 / 工作任务)."""

    section = models.ForeignKey(Section, verbose_name=_("部分"), on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveIntegerField(_("序号"))
    label = models.CharField(_("编号（原文）"), max_length=30, blank=True, default="", db_default="", help_text=_("原表写法，如“1”或“1.1”；原表无编号时为空。"))
    title = models.CharField(_("任务"), max_length=500, blank=True, help_text=_("台账没有任务一级时为空。"))
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("重点任务")
        verbose_name_plural = _("重点任务")
        ordering = ["section__plan_id", "section__order", "order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "number"],
                name="task_unique_number_in_section",
                violation_error_message=_("同一部分中任务序号不能重复。"),
            )
        ]

    def __str__(self):
        return numbered_text(self.label, self.title) or "—"  # "—": a level the ledger does not have


class Item(models.Model):
    """A requirement under a task ((1)…(45) / 具体要求), with the upstream deadline."""

    task = models.ForeignKey(Task, verbose_name=_("重点任务"), on_delete=models.CASCADE, related_name="items")
    number = models.PositiveIntegerField(_("编号"))
    label = models.CharField(_("编号（原文）"), max_length=30, blank=True, default="", db_default="", help_text=_("原表写法，如“(1)”或“1.2”；原表无编号时为空。"))
    text = models.TextField(_("具体要求"), blank=True)
    upstream_deadline = models.CharField(_("上级完成时限"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("具体要求")
        verbose_name_plural = _("具体要求")
        ordering = ["task__section__order", "task__order", "order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "number"],
                name="item_unique_number_in_task",
                violation_error_message=_("同一任务中要求编号不能重复。"),
            )
        ]

    def __str__(self):
        return numbered_text(self.label, self.text, 60) or "—"  # "—": a level the ledger does not have


class ActiveMeasureManager(models.Manager):
    """Measures still in their ledger: a measure a re-import removed is left out everywhere."""

    def get_queryset(self):
        return super().get_queryset().filter(removed_at__isnull=True)


class Measure(models.Model):
    """The tracked unit (落实工作措施 ①②③): text, owning units, person.

    ``Measure.objects`` holds the measures in their ledger; a measure the last import no longer
    found (``removed_at``) keeps its progress, evidence and history and is only in
    ``Measure.all_objects`` until an import brings it back.
    """

    item = models.ForeignKey(Item, verbose_name=_("具体要求"), on_delete=models.CASCADE, related_name="measures")
    number = models.PositiveIntegerField(_("措施编号"))
    label = models.CharField(_("编号（原文）"), max_length=30, blank=True, default="", db_default="", help_text=_("原表写法，如“①”或“1.1.2”；原表无编号时为空。"))
    text = models.TextField(_("工作措施"))
    departments = models.ManyToManyField(
        Department, verbose_name=_("部门"), through="MeasureUnit", related_name="measures"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="measures"
    )
    lead_text = models.TextField(_("牵头单位（原文）"), blank=True)
    responsible_text = models.TextField(_("责任单位（原文）"), blank=True)
    source_row = models.PositiveIntegerField(_("原表行号"), null=True, blank=True)
    source_cells = models.JSONField(
        _("原表单元格"), default=dict, blank=True, help_text=_("各字段在原台账中的单元格（行、列），用于回填。")
    )
    extra = models.JSONField(_("其他列"), default=dict, blank=True)
    removed_at = models.DateTimeField(
        _("移除时间"), null=True, blank=True, db_index=True, help_text=_("最近一次导入的台账中已没有这项措施。")
    )
    reworded_after_acceptance = models.BooleanField(
        _("验收后改写，待复核"), default=False, db_default=False, help_text=_("已通过审核的措施在导入时被改写，请督查人员重新查看。")
    )

    objects = ActiveMeasureManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("工作措施")
        verbose_name_plural = _("工作措施")
        ordering = ["item__task__section__order", "item__task__order", "item__order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "number"],
                condition=models.Q(removed_at__isnull=True),
                name="measure_unique_number_in_item",
                violation_error_message=_("同一要求下措施编号不能重复。"),
            )
        ]

    def __str__(self):
        return numbered_text(self.label, self.text, 60)

    @property
    def place_label(self):
        """Its place in the plan as the ledger numbers it (``1.(2)④``, ``1.1``); empty when the
        ledger numbers none of its levels. Reads the item and task (select them with the measure)."""
        return place_label(self.item.task.label, self.item.label, self.label)

    @property
    def plan(self):
        return self.item.task.section.plan

    def unit_summary(self):
        """``牵头：… 责任：…`` as one line, for previews and lists."""
        if self.pk is None:
            return ""
        parts = {}
        for unit in self.units.select_related("department"):
            parts.setdefault(unit.get_role_display(), []).append(unit.department.name)
        return " ".join(f"{role}：{'、'.join(names)}" for role, names in parts.items())

    def deadline_summary(self):
        """``2024：11月30日；2025：7月31日``."""
        if self.pk is None:
            return ""
        return "；".join(f"{d.year}：{d.text}" for d in self.deadlines.all())

    def progress_summary(self):
        """``2023：已完成；2024：进行中``."""
        if self.pk is None:
            return ""
        return "；".join(f"{p.year}：{p.get_status_display()}" for p in self.progress.all())


CIRCLED_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def circled(number):
    """①…⑳ for 1…20, the plain number in brackets beyond."""
    return CIRCLED_NUMBERS[number - 1] if 1 <= number <= len(CIRCLED_NUMBERS) else f"({number})"


class MeasureUnit(models.Model):
    """A department's role on a measure: lead (牵头) or responsible (责任)."""

    # no index of their own: the unique (measure, department, role) and (department, role) begin
    # with them (an import writes 130,000 of these rows for 100,000 measures)
    measure = models.ForeignKey(
        Measure, verbose_name=_("工作措施"), on_delete=models.CASCADE, related_name="units", db_index=False
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="measure_units", db_index=False
    )
    role = models.CharField(_("角色"), max_length=20, choices=UnitRole.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("责任部门")
        verbose_name_plural = _("责任部门")
        ordering = ["measure_id", "role", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "department", "role"],
                name="measureunit_unique_role",
                violation_error_message=_("该部门已以此角色关联到该措施。"),
            )
        ]
        indexes = [
            # "my measures": every measure a department leads or is responsible for.
            models.Index(fields=["department", "role"], name="measureunit_department_role"),
        ]

    def __str__(self):
        return f"{self.department}（{self.get_role_display()}）"


class Deadline(models.Model):
    """A measure's deadline for one year: the raw phrase and whether it needs a human look."""

    # no index of its own: the unique (measure, year) begins with it
    measure = models.ForeignKey(
        Measure, verbose_name=_("工作措施"), on_delete=models.CASCADE, related_name="deadlines", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    text = models.CharField(_("完成时限（原文）"), max_length=500)
    needs_review = models.BooleanField(_("需人工核对"), default=False, db_index=True)
    covers_plan = models.BooleanField(
        _("整期时限"), default=False, help_text=_("原表只有一个“完成时限”列，此短语适用于整个方案期。")
    )

    class Meta:
        verbose_name = _("完成时限")
        verbose_name_plural = _("完成时限")
        ordering = ["measure_id", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "year"],
                name="deadline_unique_year",
                violation_error_message=_("每项措施每年只有一个完成时限。"),
            )
        ]

    def __str__(self):
        return f"{self.year}：{self.text}"


class Milestone(models.Model):
    """One dated (or open-ended) point parsed from a deadline phrase."""

    deadline = models.ForeignKey(Deadline, verbose_name=_("完成时限"), on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    date = models.DateField(_("日期"), null=True, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=MilestoneKind.choices)
    label = models.CharField(_("说明"), max_length=300, blank=True)
    span_start = models.PositiveSmallIntegerField(_("原文起点"), default=0)
    span_end = models.PositiveSmallIntegerField(_("原文终点"), default=0)
    original_date = models.DateField(
        _("原定日期"), null=True, blank=True, help_text=_("批准延期后，节点日期改为新日期，原定日期保存在此。")
    )

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        ordering = ["deadline_id", "order"]
        indexes = [
            # overdue and due-soon lists and the dashboard's counts: dated milestones by date, with
            # their deadline, so counting them reads the index alone.
            models.Index(fields=["kind", "date", "deadline"], name="milestone_kind_date"),
            models.Index(fields=["date"], name="milestone_date"),
        ]

    def __str__(self):
        when = self.date.isoformat() if self.date else self.get_kind_display()
        return f"{when} {self.label}".strip()


class Progress(models.Model):
    """The current state of a measure in one year. Change it only through ``tasks.workflow.progress``."""

    # no index of its own: the unique (measure, year) begins with it
    measure = models.ForeignKey(
        Measure, verbose_name=_("工作措施"), on_delete=models.PROTECT, related_name="progress", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ProgressStatus.choices, default=ProgressStatus.NOT_STARTED
    )
    note = models.TextField(_("完成情况"), blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    review = models.CharField(_("审核"), max_length=20, choices=ReviewState.choices, default=ReviewState.NONE, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("完成情况")
        verbose_name_plural = _("完成情况")
        ordering = ["measure_id", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "year"],
                name="progress_unique_year",
                violation_error_message=_("每项措施每年只有一条完成情况。"),
            )
        ]
        indexes = [
            # dashboard counts: statuses and reviews of one year by measure, and the "done" that
            # takes a milestone off the overdue list, read from the index alone.
            models.Index(fields=["year", "status", "measure", "review"], name="progress_year_status"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_status_display()}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("历史记录只能追加，不能修改。"))

    def delete(self):
        raise ValidationError(_("历史记录只能追加，不能删除。"))


class AppendOnly(models.Model):
    """A record that is written once and never changed or deleted (history)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("历史记录只能追加，不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("历史记录只能追加，不能删除。"))


class ProgressEntry(AppendOnly):
    """One change to a measure's progress, kept forever (append-only history)."""

    # no index of its own: the unique (progress, version) begins with it
    progress = models.ForeignKey(
        Progress, verbose_name=_("完成情况"), on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    version = models.PositiveIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=20, choices=ProgressStatus.choices)
    note = models.TextField(_("完成情况"), blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    source = models.CharField(_("来源"), max_length=20, choices=ProgressSource.choices)
    comment = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("填报记录")
        verbose_name_plural = _("填报记录")
        ordering = ["progress_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["progress", "version"],
                name="progressentry_unique_version",
                violation_error_message=_("同一版本只能记录一次。"),
            )
        ]
        indexes = [
            # the dashboard's trend starts at the first entry in scope: the oldest entries first.
            models.Index(fields=["created_at"], name="progressentry_created_at"),
        ]

    def __str__(self):
        return f"v{self.version} {self.get_status_display()}"


class MeasureChangeKind(models.TextChoices):
    TEXT = "text", _("措施内容")
    UNITS = "units", _("责任单位")
    PERSON = "person", _("负责人")
    DEADLINE = "deadline", _("完成时限")
    PLACE = "place", _("编号或位置")
    REMOVED = "removed", _("移除")
    RESTORED = "restored", _("恢复")


class MeasureChange(AppendOnly):
    """One change an import or an admin made to a measure: what, from what to what, who, when, which file."""

    measure = models.ForeignKey(Measure, verbose_name=_("工作措施"), on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("变更内容"), max_length=20, choices=MeasureChangeKind.choices)
    old_value = models.TextField(_("原值"), blank=True)
    new_value = models.TextField(_("新值"), blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=ProgressSource.choices)
    file_name = models.CharField(_("导入文件"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("措施变更记录")
        verbose_name_plural = _("措施变更记录")
        ordering = ["measure_id", "created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.old_value[:30]} → {self.new_value[:30]}"


def evidence_upload_to(evidence, filename):
    """``evidence/<plan>/<measure>/<year>/<random><ext>``: never the uploader's file name."""
    progress = evidence.progress
    suffix = PurePath(filename).suffix.lower()
    return f"evidence/{progress.measure.plan.slug}/{progress.measure_id}/{progress.year}/{uuid.uuid4().hex}{suffix}"


class Evidence(AppendOnly):
    """A file proving progress (佐证材料), checked by its content before it is stored."""

    progress = models.ForeignKey(Progress, verbose_name=_("完成情况"), on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_upload_to, max_length=300)
    name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("摘要"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["progress_id", "uploaded_at", "pk"]

    def __str__(self):
        return self.name


class ReviewRecord(AppendOnly):
    """One change of a report's review state: submitted, accepted or returned with a reason."""

    progress = models.ForeignKey(Progress, verbose_name=_("完成情况"), on_delete=models.PROTECT, related_name="reviews")
    version = models.PositiveIntegerField(_("所审版本"))
    old_state = models.CharField(_("原状态"), max_length=20, choices=ReviewState.choices, blank=True)
    new_state = models.CharField(_("新状态"), max_length=20, choices=ReviewState.choices, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["progress_id", "created_at", "pk"]

    def __str__(self):
        return f"{self.get_old_state_display()} → {self.get_new_state_display()}"


class ExtensionRequest(AppendOnly):
    """A request to move a milestone to a later date (延期申请); decided once by ``ExtensionDecision``.

    The milestone may be replaced when its deadline phrase is imported again; the request keeps
    the measure, year and dates, so the history survives.
    """

    measure = models.ForeignKey(
        Measure, verbose_name=_("工作措施"), on_delete=models.PROTECT, related_name="extension_requests"
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("节点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="extension_requests",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    old_date = models.DateField(_("原日期"))
    new_date = models.DateField(_("申请延至"))
    reason = models.TextField(_("理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_date__gt=models.F("old_date")),
                name="extension_moves_later",
                violation_error_message=_("延期后的日期必须晚于原日期。"),
            )
        ]

    def __str__(self):
        return f"{self.old_date} → {self.new_date}"


class ExtensionDecision(AppendOnly):
    """A supervisor's answer to an extension request: approved (the milestone moves) or rejected."""

    request = models.OneToOneField(
        ExtensionRequest, verbose_name=_("延期申请"), on_delete=models.PROTECT, related_name="decision"
    )
    approved = models.BooleanField(_("批准"))
    note = models.TextField(_("意见"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("审批时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("延期审批")
        verbose_name_plural = _("延期审批")

    def __str__(self):
        return str(_("批准") if self.approved else _("驳回"))


#: The keys of the kept tables: no index of their own (each table's indexes begin with the ones
#: it is looked up by) and no database constraint. Their rows are copies made from the rows they
#: point at, deleted with them by Django's cascade and proved equal to the computed standing by
#: the tests; a constraint costs SQLite a lookup in the parent table for every key of every row
#: written, about 0.7 s of the 830,000 kept rows of a 100,000-measure import.
KEPT_KEY = {"db_index": False, "db_constraint": False}


class MeasureStanding(models.Model):
    """Where a measure in its ledger stands in one year, kept by ``tasks.standing.kept``.

    A copy of what progress, review and milestones say, kept up to date in the same transaction
    by every write to them, so that lists and figures read it by index instead of working it out
    from the history for every row. One row per measure still in its ledger and year of its plan
    (or any other year it has a deadline or progress for); removed measures have none. Nothing in
    it depends on today: overdue and due soon compare ``OpenMilestone`` dates with the date asked for.
    """

    # no index of their own: the unique (measure, year) and the plan's indexes below begin with
    # them, and each index less is less to write for the 300,000 rows of a 100,000-measure import
    # (a section is deleted with its measures, found through them)
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="standings", **KEPT_KEY)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+", **KEPT_KEY)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+", **KEPT_KEY)
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=ProgressStatus.choices)
    review = models.CharField(max_length=20, choices=ReviewState.choices, blank=True)
    has_dated = models.BooleanField()
    has_open_ended = models.BooleanField()
    #: The day of the first "done" for the year in the history (the overdue trend counts from it).
    first_done = models.DateField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["measure", "year"], name="standing_measure_year")]
        indexes = [
            # lists filtered by status or review within a plan's year
            models.Index(fields=["plan", "year", "status", "review", "measure"], name="standing_plan_year_status"),
            # the dashboard's counts of a plan's sections and years by status and review (index only)
            models.Index(fields=["plan", "year", "section", "status", "review"], name="standing_plan_section"),
            # the top bar's 待审核 count: the reports waiting for review
            models.Index(fields=["measure"], name="standing_waiting_review", condition=models.Q(review="pending")),
            # today's point of the overdue trend: the few years reported done once and taken back since
            models.Index(
                fields=["plan", "measure", "year"], name="standing_taken_back",
                condition=models.Q(first_done__isnull=False, status__in=["not_started", "in_progress", "ongoing"]),
            ),
        ]


class DepartmentStanding(models.Model):
    """``MeasureStanding`` once for each department that leads or is responsible for the measure,
    kept with it: the dashboard counts a plan's departments from an index of this table instead of
    joining every measure to its units on every request."""

    # no index of their own: the unique (measure, year, department) and the plan's index begin
    # with two of them; a department is deleted only without units, so without rows here
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+", **KEPT_KEY)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+", **KEPT_KEY)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+", **KEPT_KEY)
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=ProgressStatus.choices)
    review = models.CharField(max_length=20, choices=ReviewState.choices, blank=True)

    class Meta:
        constraints = [
            # a measure's rows in a year (its report's status changes them) and their departments
            models.UniqueConstraint(fields=["measure", "year", "department"], name="department_standing_measure"),
        ]
        indexes = [
            # the dashboard's counts of a plan's departments in a year by status and review (index only)
            models.Index(fields=["plan", "year", "department", "status", "review"], name="department_standing_plan"),
        ]


class StandingCount(models.Model):
    """How many kept rows of a plan's year stand at each status and review, per section
    (``MeasureStanding``) and per department (``DepartmentStanding``): moved by every write of
    those rows in the same transaction (``tasks.standing.kept_counts``), so the dashboard of a
    whole plan reads a few hundred counts instead of counting its 100,000 measures' rows."""

    class By(models.TextChoices):
        SECTION = "section"
        DEPARTMENT = "department"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+", **KEPT_KEY)
    year = models.PositiveSmallIntegerField()
    by = models.CharField(max_length=10, choices=By.choices)
    #: The section's or the department's id (by ``by``).
    group = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=ProgressStatus.choices)
    review = models.CharField(max_length=20, choices=ReviewState.choices, blank=True)
    n = models.IntegerField()

    class Meta:
        constraints = [
            # the counts of a plan's years, read by (plan, year, by); a write adds to its rows by this key
            models.UniqueConstraint(fields=["plan", "year", "by", "group", "status", "review"], name="standing_count_key"),
        ]


class OpenMilestone(models.Model):
    """A dated milestone whose measure (in its ledger) is not done for the milestone's year:
    overdue once its date has passed, due soon before. Kept with ``MeasureStanding``."""

    milestone = models.OneToOneField(Milestone, on_delete=models.CASCADE, primary_key=True, related_name="+", db_constraint=False)
    # no index of their own: the indexes below begin with them (a section's rows go with its measures')
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="open_milestones", **KEPT_KEY)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+", **KEPT_KEY)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+", **KEPT_KEY)
    year = models.PositiveSmallIntegerField()
    date = models.DateField()

    class Meta:
        indexes = [
            # a measure's standing on a date: is one of its milestones (of a year) before / within it
            models.Index(fields=["measure", "year", "date"], name="open_milestone_measure"),
            # the overdue and due-soon lists of a plan, by date
            models.Index(fields=["plan", "date", "measure"], name="open_milestone_plan_date"),
            # the dashboard's overdue and due-soon counts of a plan's sections (index only)
            models.Index(fields=["plan", "date", "year", "section", "measure"], name="open_milestone_plan_section"),
            # the same per department: a plan's open milestones measure by measure, joined to its departments
            models.Index(fields=["plan", "measure", "year", "date"], name="open_milestone_plan_measure"),
        ]


class StandingClock(models.Model):
    """One row whose ``tick`` grows with every write to the ledger: figures remembered for a tick
    are those of the ledger as it was then (``tasks.standing.dashboard.remembered``)."""

    tick = models.BigIntegerField(default=0)
    #: Moves on with every write except a report or a review: the only writes that can change how
    #: the ledger stood on an earlier day (milestones, measures, units), so figures of past days
    #: (the overdue trend) are remembered for it, not for ``tick``.
    history_tick = models.BigIntegerField(default=0)
    #: Moves on with ``history_tick`` and with every report that enters or leaves "done": the only
    #: writes that change the open milestones (``OpenMilestone``) or whose sections and
    #: departments they count in, so the overdue and due-soon counts are remembered for it.
    open_tick = models.BigIntegerField(default=0)


class YearClosure(models.Model):
    """A plan's year closed after it was reported upward (年度关账), for the whole plan or one department.

    While ``reopened_at`` is empty, that year's progress, evidence and extensions of the plan's
    measures (of the department's measures, when one is named) are read-only for everyone. Only
    an admin reopens it, with a reason; the row keeps both acts, and closing again adds a new row,
    so the rows are the history of the year's lock. Change them only through ``tasks.workflow.year_close``.
    """

    plan = models.ForeignKey(Plan, verbose_name=_("台账"), on_delete=models.CASCADE, related_name="year_closures")
    year = models.PositiveSmallIntegerField(_("年度"))
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="year_closures",
        help_text=_("为空时整个台账的该年度关账。"),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关账人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("关账时间"), auto_now_add=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("重新开放人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(_("重新开放时间"), null=True, blank=True)
    reopen_reason = models.TextField(_("重新开放理由"), blank=True)

    class Meta:
        verbose_name = _("年度关账")
        verbose_name_plural = _("年度关账")
        ordering = ["plan_id", "year", "closed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year"],
                condition=models.Q(reopened_at__isnull=True, department__isnull=True),
                name="yearclosure_one_open_for_plan",
                violation_error_message=_("该台账的该年度已经关账。"),
            ),
            models.UniqueConstraint(
                fields=["plan", "year", "department"],
                condition=models.Q(reopened_at__isnull=True, department__isnull=False),
                name="yearclosure_one_open_for_department",
                violation_error_message=_("该部门的该年度已经关账。"),
            ),
        ]

    def __str__(self):
        scope = self.department.name if self.department_id else _("全部部门")
        return f"{self.plan} {self.year}（{scope}）"

    @property
    def is_closed(self):
        return self.reopened_at is None


class ReportingYearChange(AppendOnly):
    """The plan's reporting year moved forward by a rollover (年度结转): who, when, and what carried over."""

    plan = models.ForeignKey(Plan, verbose_name=_("台账"), on_delete=models.CASCADE, related_name="reporting_year_changes")
    old_year = models.PositiveSmallIntegerField(_("原填报年度"), null=True, blank=True)
    new_year = models.PositiveSmallIntegerField(_("新填报年度"))
    carried_over = models.PositiveIntegerField(_("结转措施数"), default=0)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("填报年度结转")
        verbose_name_plural = _("填报年度结转")
        ordering = ["plan_id", "created_at", "pk"]

    def __str__(self):
        return f"{self.plan}：{self.old_year} → {self.new_year}"
