"""Forms of a plan's 年度管理 page: close a year, reopen it, move the reporting year forward."""

from django import forms
from django.utils.translation import gettext_lazy as _

from departments.models import Department


def plan_departments(plan):
    """The departments that lead or are responsible for one of the plan's measures."""
    return Department.objects.filter(measure_units__measure__item__task__section__plan=plan).distinct().order_by("order", "name")


class YearScopeForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    departments = forms.ModelMultipleChoiceField(
        label=_("部门"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("不选则整个台账的该年度。"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in plan.years]
        self.fields["departments"].queryset = plan_departments(plan)


class CloseYearForm(YearScopeForm):
    pass


class ReopenYearForm(YearScopeForm):
    reason = forms.CharField(label=_("重新开放理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RolloverForm(forms.Form):
    """The reporting year the person saw, so a move made meanwhile is not made twice."""

    expected_year = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1900, max_value=2200)
