"""The pages' date field: typed and shown as 2024-12-01 whatever the browser's language.

A browser's own date control (``type="date"``) writes the date in the browser's language, as
``12/03/2026`` in English; this one is a text field that reads 2024-12-01 (also 2024/12/01,
2024年12月1日: ``ledger/formats``), shows the order (年-月-日) until one types, and asks the
browser to check what is typed.
"""

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "class": "date-input",
            "placeholder": _("年-月-日"),
            "pattern": r"\d{4}\s*(-|\/|\.|年)\s*\d{1,2}\s*(-|\/|\.|月)\s*\d{1,2}\s*日?",
            "title": _("日期，如 2024-12-01"),
            "autocomplete": "off",
            "size": "10",
        }
        super().__init__({**defaults, **(attrs or {})}, format="%Y-%m-%d")
