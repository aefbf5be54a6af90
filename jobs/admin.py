from django.contrib import admin

from .models import DailyRun, Export


class ReadOnly(admin.ModelAdmin):
    """Written by the worker; the admin only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Export)
class ExportAdmin(ReadOnly):
    list_display = ["created_at", "owner", "plan", "format", "year", "measures", "state", "finished_at"]
    list_filter = ["state", "format", "plan"]
    list_select_related = ["owner", "plan"]
    readonly_fields = ["owner", "plan", "format", "year", "measures", "state", "file", "filename", "error", "created_at", "finished_at"]
    exclude = ["content_type"]


@admin.register(DailyRun)
class DailyRunAdmin(ReadOnly):
    list_display = ["day", "finished_at", "summary"]
