from django import forms
from django.utils.translation import gettext_lazy as _


class NudgeForm(forms.Form):
    message = forms.CharField(
        label=_("催办内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )
