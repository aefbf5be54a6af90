"""The plan's structure in the admin: plans, sections, tasks and items."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tasks.admin.media import LightModelAdmin
from tasks.models import (
    Item,
    Measure,
    Plan,
    Section,
    Task,
)




class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "number", "title"]
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(LightModelAdmin):
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
class SectionAdmin(LightModelAdmin):
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
class TaskAdmin(LightModelAdmin):
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
class ItemAdmin(LightModelAdmin):
    list_display = ["number", "text", "task", "upstream_deadline"]
    list_filter = ["task__section__plan"]
    search_fields = ["text", "task__title"]
    list_select_related = ["task"]
    inlines = [MeasureInline]
