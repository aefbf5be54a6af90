"""The history tables in the admin, read-only: entries, changes, evidence, reviews, extensions, closures, year changes."""

from django.contrib import admin

from tasks.models import (
    Evidence,
    ExtensionDecision,
    ExtensionRequest,
    MeasureChange,
    ProgressEntry,
    ReportingYearChange,
    ReviewRecord,
    YearClosure,
)


from tasks.admin.read_only import HistoryAdmin


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
