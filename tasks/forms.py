"""Forms of the admin's ledger import: what the person importing says that the file does not."""

from django import forms
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm

from .importing import ImportOptions, parse_column_map, parse_years


#: Fields a column can be mapped to (the reader's vocabulary; NNNN is a year).
FIELD_KEYS = (
    "task_number", "task_title", "item", "upstream_deadline", "measure", "measure_number",
    "lead", "responsible", "person", "deadline", "deadline:NNNN", "result:NNNN", "done",
)


class LedgerOptionsMixin(forms.Form):
    plan_slug = forms.SlugField(
        label=_("导入到台账（标识）"), required=False, allow_unicode=True,
        help_text=_("留空则按文件名；再次导入同一台账时填写相同的标识。"),
    )
    years = forms.CharField(
        label=_("方案年度"), required=False, help_text=_("文件未写明年度时填写，如 2024 或 2023-2025。")
    )
    column_map = forms.CharField(
        label=_("列映射"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("无法识别的列，每行一个“表头=字段”，如 民生实事=measure。可用字段：%(fields)s")
        % {"fields": ", ".join(FIELD_KEYS)},
    )

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


class LedgerImportForm(LedgerOptionsMixin, ImportForm):
    pass


class LedgerConfirmImportForm(LedgerOptionsMixin, ConfirmImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("plan_slug", "years", "column_map"):
            self.fields[name].widget = forms.HiddenInput()
