"""Read-only admin bases: inlines and history lists nobody edits (the history is written by the app)."""

from django.contrib import admin
from tasks.admin.media import LightModelAdmin





class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False



class HistoryAdmin(LightModelAdmin):
    """History records are shown, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
