"""Form controls written in a template by hand, drawn like the forms' own: ``{% date_input "as_of" scope.as_of %}``."""

from django import template

from ..widgets import DateInput

register = template.Library()


@register.simple_tag
def date_input(name, value):
    """A date field (``tasks.widgets.DateInput``: 2024-12-01 whatever the browser's language)."""
    return DateInput().render(name, value)
