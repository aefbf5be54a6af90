"""Measures in the admin: the change list with its imports and exports, units, deadlines, progress and changes inline."""

from django.contrib import admin
from django.urls import path
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.forms import ExportForm

from tasks.admin.media import LightModelAdmin
from tasks.choices import ProgressSource
from tasks.exporting.flat import FlatMeasureResource, SafeCSV, SafeXLSX
from tasks.importing.forms import LedgerConfirmImportForm, LedgerImportForm
from tasks.importing.ledger_import import LedgerFormat
from tasks.standing.kept import refresh_standing
from tasks.models import (
    Deadline,
    Measure,
    MeasureChange,
    MeasureChangeKind,
    MeasureUnit,
    Progress,
)
from tasks.importing.resources import MeasureResource
from tasks.ledgerfiles.errors import LedgerError
from tasks.views.bulk_import import bulk_import


from tasks.admin.read_only import ReadOnlyInline


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
class MeasureAdmin(ImportMixin, ExportActionMixin, LightModelAdmin):
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
