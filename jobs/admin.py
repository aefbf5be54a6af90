from django.contrib import admin

from .models import DailyRun, Export, ImportJob


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


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnly):
    list_display = ["created_at", "owner", "kind", "plan_slug", "file_name", "measures", "state", "finished_at"]
    list_filter = ["kind", "state", "plan_slug"]
    list_select_related = ["owner"]
    readonly_fields = ["owner", "kind", "plan_slug", "file_name", "options", "measures", "state", "report", "error", "created_at", "started_at", "finished_at"]
    exclude = ["file", "counts", "preview"]


@admin.register(DailyRun)
class DailyRunAdmin(ReadOnly):
    list_display = ["day", "finished_at", "summary"]
