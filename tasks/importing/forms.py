"""Forms of the admin's ledger import: what the person importing says that the file does not."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm

from tasks.importing.options import ImportOptions, column_names, parse_column_map, parse_years
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.reading import FORMATS_READ, judge_format


class LedgerOptionsMixin(forms.Form):
    plan_slug = forms.SlugField(
        label=_("导入到台账（标识）"), required=False, allow_unicode=True,
        help_text=_("留空则按文件名；再次导入同一台账时填写相同的标识。"),
    )
    years = forms.CharField(
        label=_("方案年度"), required=False, help_text=_("文件未写明年度时填写，如 2024 或 2023-2025。")
    )
    column_map = forms.CharField(label=_("列映射"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["column_map"].help_text = gettext(
            "读错或没有读出的列，每行写一个“表头=台账的列”，如 民生实事=工作措施。台账的列可写：%(columns)s"
            "（年度换成该列的年度）。"
        ) % {"columns": "、".join(column_names())}

    def clean_years(self):
        try:
            return parse_years(self.cleaned_data["years"]) if self.cleaned_data["years"] else []
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_column_map(self):
        lines = [line for line in self.cleaned_data["column_map"].splitlines() if line.strip()]
        try:
            return parse_column_map(lines)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def import_options(self):
        return ImportOptions(
            plan_slug=self.cleaned_data.get("plan_slug") or "",
            years=self.cleaned_data.get("years") or [],
            column_map=self.cleaned_data.get("column_map") or {},
        )


def checked_upload(upload):
    """Refuse by size and by content before the file is read (upload settings do not cap a file's size)."""
    limit = settings.LEDGER_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _("%(name)s：文件过大（%(size).1f MB），上限为 %(limit).1f MB")
            % {"name": upload.name, "size": upload.size / 2**20, "limit": limit / 2**20}
        )
    data = upload.read()
    upload.seek(0)
    try:
        judge_format(data, upload.name)
    except LedgerError as error:
        raise forms.ValidationError(str(error)) from error
    return upload


class LedgerImportForm(LedgerOptionsMixin, ImportForm):
    def clean_import_file(self):
        return checked_upload(self.cleaned_data["import_file"])


class BulkImportForm(LedgerOptionsMixin):
    """The bulk import's upload: a ledger workbook of any size and what the file does not say."""

    import_file = forms.FileField(label=_("台账文件"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].help_text = _("可上传 %(formats)s") % {"formats": FORMATS_READ}

    def clean_import_file(self):
        return checked_upload(self.cleaned_data["import_file"])


class LedgerConfirmImportForm(LedgerOptionsMixin, ConfirmImportForm):
    # what the bulk import's preview found: how many measures the file holds (above
    # LEDGER_IMPORT_JOB_ABOVE the worker imports it) and the plan they go into
    measures = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput())
    plan = forms.SlugField(required=False, allow_unicode=True, widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("plan_slug", "years", "column_map"):
            self.fields[name].widget = forms.HiddenInput()
