"""Deadlines and milestones in the admin; an edit refreshes the kept standing of its measure."""

from django.contrib import admin

from tasks.admin.media import LightModelAdmin
from tasks.standing.kept import refresh_standing
from tasks.models import (
    Deadline,
    Milestone,
)




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
class DeadlineAdmin(KeepsStanding, LightModelAdmin):
    measure_path = "measure_id"
    list_display = ["measure", "year", "text", "needs_review"]
    list_filter = ["needs_review", "year", "measure__item__task__section__plan"]
    search_fields = ["text", "measure__text"]
    list_select_related = ["measure"]
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(KeepsStanding, LightModelAdmin):
    measure_path = "deadline.measure_id"
    list_display = ["deadline", "date", "kind", "label"]
    list_filter = ["kind", "deadline__year"]
    date_hierarchy = "date"
    search_fields = ["label", "deadline__text"]
    list_select_related = ["deadline__measure"]
