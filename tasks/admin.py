from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.forms import ExportForm

from .choices import ProgressSource
from tasks.exporting.flat import FlatMeasureResource, SafeCSV, SafeXLSX
from tasks.importing.forms import LedgerConfirmImportForm, LedgerImportForm
from tasks.importing.ledger_import import LedgerFormat
from tasks.standing.kept import refresh_standing
from .models import (
    Deadline,
    Evidence,
    ExtensionDecision,
    ExtensionRequest,
    Item,
    Measure,
    MeasureChange,
    MeasureChangeKind,
    MeasureUnit,
    Milestone,
    Plan,
    Progress,
    ProgressEntry,
    ReportingYearChange,
    ReviewRecord,
    Section,
    Task,
    YearClosure,
)
from tasks.workflow.progress import VersionConflict, record_progress
from tasks.workflow.year_close import YearClosed, closures_of_measure
from tasks.importing.resources import MeasureResource
from tasks.ledgerfiles.errors import LedgerError
from .views.bulk_import import bulk_import


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "number", "title"]
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "issuing_body", "document_number", "start_year", "end_year", "reporting_year"]
    list_filter = ["start_year", "end_year"]
    search_fields = ["title", "issuing_body", "document_number", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SectionInline]

    def get_readonly_fields(self, request, obj=None):
        """The reporting year moves forward through the plan's 年度管理 page (rollover), not by an edit here."""
        return ["reporting_year"] if obj is not None else []


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["order", "number", "title"]
    show_change_link = True


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "order"]
    list_filter = ["plan"]
    search_fields = ["title", "number"]
    list_select_related = ["plan"]
    inlines = [TaskInline]


class ItemInline(admin.StackedInline):
    model = Item
    extra = 0
    fields = ["order", "number", "text", "upstream_deadline"]
    show_change_link = True


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "section", "plan"]
    list_display_links = ["number", "title"]
    list_filter = ["section__plan", "section"]
    search_fields = ["title", "items__text", "items__measures__text"]
    list_select_related = ["section__plan"]
    readonly_fields = ["measure_list"]
    inlines = [ItemInline]

    @admin.display(description=_("台账"), ordering="section__plan")
    def plan(self, task):
        return task.section.plan

    @admin.display(description=_("工作措施"))
    def measure_list(self, task):
        measures = Measure.objects.filter(item__task=task).select_related("item")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">({}) {}</a></li>',
                (
                    (reverse("admin:tasks_measure_change", args=[m.pk]), m.item.number, str(m))
                    for m in measures
                ),
            ),
        )


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["number", "text", "person"]
    autocomplete_fields = ["person"]
    show_change_link = True


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["number", "text", "task", "upstream_deadline"]
    list_filter = ["task__section__plan"]
    search_fields = ["text", "task__title"]
    list_select_related = ["task"]
    inlines = [MeasureInline]


class MeasureUnitInline(admin.TabularInline):
    model = MeasureUnit
    extra = 0
    autocomplete_fields = ["department"]


class DeadlineInline(admin.TabularInline):
    model = Deadline
    extra = 0
    fields = ["year", "text", "needs_review", "milestone_summary"]
    readonly_fields = ["milestone_summary"]
    show_change_link = True

    @admin.display(description=_("节点"))
    def milestone_summary(self, deadline):
        return "；".join(str(m) for m in deadline.milestones.all())


class ProgressInline(ReadOnlyInline):
    model = Progress
    fields = ["year", "status", "note", "done_on", "version", "updated_by", "updated_at"]
    readonly_fields = fields


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("需人工核对")
    parameter_name = "needs_review"

    def lookups(self, request, model_admin):
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deadlines__needs_review=True).distinct()
        if self.value() == "no":
            return queryset.exclude(deadlines__needs_review=True)
        return queryset


class RemovedFilter(admin.SimpleListFilter):
    """Measures still in their ledger, or those a re-import removed (kept with their reports)."""

    title = _("是否在台账中")
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("no", _("在台账中")), ("yes", _("已移除"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(removed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(removed_at__isnull=True)
        return queryset


class MeasureChangeInline(ReadOnlyInline):
    model = MeasureChange
    fields = ["created_at", "kind", "old_value", "new_value", "source", "file_name", "user"]
    readonly_fields = fields
    show_change_link = False


def measure_state(measure):
    """What a measure's history records, as text: {MeasureChangeKind: value}."""
    units = {}
    for unit in MeasureUnit.objects.filter(measure=measure).select_related("department").order_by("role", "order"):
        units.setdefault(unit.get_role_display(), []).append(unit.department.name)
    return {
        MeasureChangeKind.TEXT: measure.text,
        MeasureChangeKind.UNITS: "；".join(f"{role}：{'、'.join(names)}" for role, names in units.items()),
        MeasureChangeKind.PERSON: measure.person.name if measure.person_id else "",
        MeasureChangeKind.DEADLINE: "；".join(f"{d.year}：{d.text}" for d in Deadline.objects.filter(measure=measure).order_by("year")),
    }


def shortened(text, length):
    """The text cut to ``length`` characters, the whole of it on hover."""
    if len(text) <= length:
        return text
    return format_html('<span title="{}">{}…</span>', text, text[:length])


@admin.register(Measure)
class MeasureAdmin(ImportMixin, ExportActionMixin, admin.ModelAdmin):
    """Measures, the ledger imports (row by row with a preview of each row; in bulk for any size) and flat exports."""

    resource_classes = [MeasureResource]
    import_formats = [LedgerFormat]
    export_formats = [SafeXLSX, SafeCSV]
    export_form_class = ExportForm  # the flat columns are fixed: no field picking
    import_form_class = LedgerImportForm
    confirm_form_class = LedgerConfirmImportForm
    list_display = ["place", "short_text", "short_item", "responsible", "person", "removed_at"]
    list_display_links = ["place", "short_text"]
    list_per_page = 50  # a page one can read and scroll: the whole list is 759 KB and 28,000 px tall
    list_filter = [
        "item__task__section__plan",
        RemovedFilter,
        "reworded_after_acceptance",
        NeedsReviewFilter,
        ("departments", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["text", "item__text", "item__task__title", "departments__name", "person__name"]
    autocomplete_fields = ["person"]
    list_select_related = ["item__task", "person__department"]
    readonly_fields = ["removed_at"]
    inlines = [MeasureUnitInline, DeadlineInline, ProgressInline, MeasureChangeInline]
    import_export_change_list_template = "admin/tasks/measure/change_list_import.html"
    import_template_name = "admin/tasks/measure/import.html"

    def get_urls(self):
        bulk = path("bulk-import/", self.admin_site.admin_view(self.bulk_import_view), name="tasks_measure_bulk_import")
        return [bulk, *super().get_urls()]

    def bulk_import_view(self, request):
        return bulk_import(self, request)

    def get_queryset(self, request):
        """Every measure, removed ones too (``RemovedFilter`` tells them apart)."""
        queryset = Measure.all_objects.get_queryset()
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset.prefetch_related("departments")

    def save_model(self, request, obj, form, change):
        request.measure_before = measure_state(Measure.all_objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """After the measure and its units and deadlines are saved: each change into its history."""
        super().save_related(request, form, formsets, change)
        refresh_standing([form.instance.pk])
        before = getattr(request, "measure_before", None)
        if before is None:
            return
        after = measure_state(form.instance)
        MeasureChange.objects.bulk_create(
            MeasureChange(
                measure=form.instance,
                kind=kind,
                old_value=before[kind],
                new_value=after[kind],
                source=ProgressSource.ADMIN,
                user=request.user,
            )
            for kind in after
            if before[kind] != after[kind]
        )

    def get_export_resource_classes(self, request):
        return [FlatMeasureResource]

    def get_export_queryset(self, request):
        """Exports leave removed measures out, whatever the list shows."""
        return super().get_export_queryset(request).filter(removed_at__isnull=True)

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        options = form.import_options() if form is not None and form.is_bound and form.is_valid() else None
        return {"options": options}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial.update(
                plan_slug=import_form.cleaned_data.get("plan_slug", ""),
                years=import_form.data.get("years", ""),
                column_map=import_form.data.get("column_map", ""),
            )
        return initial

    def add_data_read_fail_error_to_form(self, form, error):
        if isinstance(error, LedgerError):
            error.file = form.cleaned_data["import_file"].name
            form.add_error("import_file", str(error))
        else:
            super().add_data_read_fail_error_to_form(form, error)

    @admin.display(description=_("编号"))
    def place(self, measure):
        return measure.place_label or "—"

    @admin.display(description=_("工作措施"), ordering="text")
    def short_text(self, measure):
        return shortened(measure.text, 40)

    @admin.display(description=_("具体要求"), ordering="item__order")
    def short_item(self, measure):
        return Truncator(measure.item.text).chars(24)  # the same on many rows: in full on the measure's page

    @admin.display(description=_("责任部门"))
    def responsible(self, measure):
        return shortened("、".join(d.name for d in measure.departments.all()), 24)


class KeepsStanding:
    """Edits here change what a measure's standing is worked out from: it is worked out again."""

    measure_path = "pk"

    def measure_of(self, obj):
        for name in self.measure_path.split("."):
            obj = getattr(obj, name)
        return obj

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_standing([self.measure_of(form.instance)])

    def delete_model(self, request, obj):
        measure = self.measure_of(obj)
        super().delete_model(request, obj)
        refresh_standing([measure])

    def delete_queryset(self, request, queryset):
        measures = [self.measure_of(obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        refresh_standing(measures)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["order", "date", "kind", "label"]


@admin.register(Deadline)
class DeadlineAdmin(KeepsStanding, admin.ModelAdmin):
    measure_path = "measure_id"
    list_display = ["measure", "year", "text", "needs_review"]
    list_filter = ["needs_review", "year", "measure__item__task__section__plan"]
    search_fields = ["text", "measure__text"]
    list_select_related = ["measure"]
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(KeepsStanding, admin.ModelAdmin):
    measure_path = "deadline.measure_id"
    list_display = ["deadline", "date", "kind", "label"]
    list_filter = ["kind", "deadline__year"]
    date_hierarchy = "date"
    search_fields = ["label", "deadline__text"]
    list_select_related = ["deadline__measure"]


class ProgressEntryInline(ReadOnlyInline):
    model = ProgressEntry
    fields = ["version", "status", "note", "done_on", "user", "source", "comment", "created_at"]
    readonly_fields = fields
    show_change_link = False


class ProgressAdminForm(forms.ModelForm):
    """The version the editor saw travels with the form, so a save over a report someone changed
    meanwhile is refused with the conflict message and the typed values stay on the page."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = Progress
        fields = ["status", "note", "done_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("seen_version") not in (None, self.instance.version):  # the instance is read again for the POST
            raise ValidationError(str(VersionConflict(self.instance.version)), code="version_conflict")
        return cleaned


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    """Edits go through ``record_progress`` so the history records them like any other change."""

    form = ProgressAdminForm
    list_display = ["measure", "year", "status", "version", "updated_by", "updated_at"]
    list_filter = ["status", "year", "measure__item__task__section__plan"]
    search_fields = ["measure__text", "note"]
    list_select_related = ["measure", "updated_by"]
    fields = ["measure", "year", "status", "note", "done_on", "version", "seen_version"]
    readonly_fields = ["measure", "year", "version"]
    inlines = [ProgressEntryInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        """A closed year's progress is shown, not changed."""
        if obj is not None and obj.year in closures_of_measure(obj.measure, [obj.year]):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            record_progress(
                obj.measure,
                obj.year,
                status=obj.status,
                note=obj.note,
                done_on=obj.done_on,
                user=request.user,
                source=ProgressSource.ADMIN,
                expected_version=form.cleaned_data["seen_version"],
            )
        except (VersionConflict, YearClosed) as refused:
            self.message_user(request, str(refused), messages.ERROR)


class HistoryAdmin(admin.ModelAdmin):
    """History records are shown, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressEntry)
class ProgressEntryAdmin(HistoryAdmin):
    list_display = ["progress", "version", "status", "user", "source", "created_at"]
    list_filter = ["source", "status"]
    search_fields = ["note", "progress__measure__text", "user__username"]
    list_select_related = ["progress__measure", "user"]


@admin.register(MeasureChange)
class MeasureChangeAdmin(HistoryAdmin):
    list_display = ["measure", "kind", "old_value", "new_value", "source", "file_name", "user", "created_at"]
    list_filter = ["kind", "source"]
    search_fields = ["old_value", "new_value", "measure__text", "file_name", "user__username"]
    list_select_related = ["measure", "user"]


@admin.register(Evidence)
class EvidenceAdmin(HistoryAdmin):
    list_display = ["name", "progress", "content_type", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["name", "progress__measure__text", "uploaded_by__username"]
    list_select_related = ["progress__measure", "uploaded_by"]


@admin.register(ReviewRecord)
class ReviewRecordAdmin(HistoryAdmin):
    list_display = ["progress", "version", "old_state", "new_state", "user", "created_at"]
    list_filter = ["new_state"]
    search_fields = ["reason", "progress__measure__text", "user__username"]
    list_select_related = ["progress__measure", "user"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(HistoryAdmin):
    list_display = ["measure", "year", "old_date", "new_date", "requested_by", "created_at"]
    search_fields = ["reason", "measure__text", "requested_by__username"]
    list_select_related = ["measure", "requested_by"]


@admin.register(ExtensionDecision)
class ExtensionDecisionAdmin(HistoryAdmin):
    list_display = ["request", "approved", "user", "created_at"]
    list_filter = ["approved"]
    list_select_related = ["request", "user"]


@admin.register(YearClosure)
class YearClosureAdmin(HistoryAdmin):
    """Closing and reopening are done on the plan's 年度管理 page or by ``close_year``; shown here."""

    list_display = ["plan", "year", "department", "closed_by", "closed_at", "reopened_by", "reopened_at", "reopen_reason"]
    list_filter = ["plan", "year"]
    list_select_related = ["plan", "department", "closed_by", "reopened_by"]


@admin.register(ReportingYearChange)
class ReportingYearChangeAdmin(HistoryAdmin):
    list_display = ["plan", "old_year", "new_year", "carried_over", "user", "created_at"]
    list_filter = ["plan"]
    list_select_related = ["plan", "user"]
