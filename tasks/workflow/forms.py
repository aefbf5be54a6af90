"""Forms of the progress pages: the report of one year, review, extension request and decision."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.choices import ProgressStatus
from tasks.widgets import DateInput
from tasks.workflow.evidence import accepted_formats, check_evidence_file


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Any number of evidence files (up to ``EVIDENCE_MAX_FILES``), each checked by content.

    Cleans to a list of ``(uploaded file, CheckedFile)`` pairs.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > settings.EVIDENCE_MAX_FILES:
            raise ValidationError(
                _("一次最多上传 %(count)s 个文件。") % {"count": settings.EVIDENCE_MAX_FILES}, code="too_many"
            )
        checked, errors = [], []
        for uploaded in files:
            uploaded = super().clean(uploaded, initial)
            try:
                checked.append((uploaded, check_evidence_file(uploaded)))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return checked


class ProgressForm(forms.Form):
    """A report for one measure and year; ``version`` is the version the writer saw."""

    status = forms.ChoiceField(label=_("状态"), choices=ProgressStatus.choices)
    note = forms.CharField(label=_("完成情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    done_on = forms.DateField(
        label=_("完成日期"), required=False, widget=DateInput()
    )
    evidence = EvidenceField(label=_("佐证材料"))
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    #: "done" is saved only with this set: the writer saw and confirmed the date done (the page's
    #: 确认完成 step); without it a "done" comes back as that step and nothing is written.
    confirm_done = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["evidence"].help_text = _("可上传 %(formats)s，单个文件不超过 %(size)s MB。") % {
            "formats": accepted_formats(),
            "size": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
        }

    @classmethod
    def for_progress(cls, progress, *, prefix):
        """An unbound form showing ``progress`` (or an empty report when there is none)."""
        if progress is None:
            return cls(prefix=prefix, initial={"status": ProgressStatus.NOT_STARTED})
        return cls(
            prefix=prefix,
            initial={
                "status": progress.status,
                "note": progress.note,
                "done_on": progress.done_on,
                "version": progress.version,
            },
        )

    def clean_done_on(self):
        done_on = self.cleaned_data["done_on"]
        if done_on is not None and done_on > timezone.localdate():
            raise ValidationError(_("完成日期不能晚于今天。"), code="future")
        return done_on

    def needs_confirmation(self, stored_status):
        """A "done" not confirmed yet, for a report that is not done already: show the 确认完成 step."""
        data = self.cleaned_data
        return data["status"] == ProgressStatus.DONE and not data["confirm_done"] and stored_status != ProgressStatus.DONE

    def confirming(self):
        """This form as the 确认完成 step: the date done (today unless given) and the upload, confirmed."""
        data = self.data.copy()
        data[self.add_prefix("confirm_done")] = "1"
        if not data.get(self.add_prefix("done_on")):
            data[self.add_prefix("done_on")] = timezone.localdate().isoformat()
        step = type(self)(data, prefix=self.prefix)
        step.is_confirming = True
        return step

    is_confirming = False

    def clean(self):
        data = super().clean()
        if data.get("status") == ProgressStatus.DONE and not data.get("done_on"):
            data["done_on"] = timezone.localdate()
        if data.get("status") != ProgressStatus.DONE:
            data["done_on"] = None
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核"), choices=[("accept", _("通过")), ("return", _("退回"))])
    reason = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ExtensionRequestForm(forms.Form):
    milestone = forms.IntegerField(widget=forms.HiddenInput)
    new_date = forms.DateField(label=_("延至"), widget=DateInput())
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批"), choices=[("approve", _("批准")), ("reject", _("驳回"))])
    note = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
