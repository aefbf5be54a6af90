"""Progress in the admin: edited through ``record_progress`` like any other report, refused in a closed year."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from tasks.admin.media import LightModelAdmin
from tasks.choices import ProgressSource
from tasks.models import (
    Progress,
    ProgressEntry,
)
from tasks.workflow.progress import VersionConflict, record_progress
from tasks.workflow.year_close import YearClosed, closures_of_measure


from tasks.admin.read_only import ReadOnlyInline


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
class ProgressAdmin(LightModelAdmin):
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
