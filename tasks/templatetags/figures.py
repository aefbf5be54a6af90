"""Small filters for showing figures: percentages, bar widths, query strings for drill-down links."""

from urllib.parse import urlencode

from django import template

from ..choices import ProgressStatus

register = template.Library()


@register.filter
def percent(rate):
    """0.4933 → "49.3%"."""
    return f"{(rate or 0) * 100:.1f}%"


@register.filter
def share(part, whole):
    """The width of ``part`` in a bar of ``whole``, in percent of the bar (0–100)."""
    return round(100 * part / whole, 2) if whole else 0


@register.simple_tag
def query(scope, **extra):
    """``?plan=…&year=…&as_of=…`` plus ``extra``: the link to the list behind a figure."""
    return "?" + urlencode(scope.query(**extra))


@register.filter
def days_after(later, earlier):
    """Whole days from ``earlier`` to ``later``."""
    return (later - earlier).days


@register.filter
def status_label(value):
    """The words for a progress status code (``done`` → 已完成)."""
    return ProgressStatus(value).label if value in ProgressStatus.values else value


@register.filter
def first_line(text):
    """The first non-empty line of ``text`` (a measure's title is its text's first line)."""
    return next((line.strip() for line in str(text or "").splitlines() if line.strip()), "")
