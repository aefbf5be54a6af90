from django import template

from tasks.access import can_review

from ..forms import NudgeForm

register = template.Library()


@register.filter
def can_nudge(user):
    """Supervisors and admins may nudge (催办)."""
    return can_review(user)


@register.inclusion_tag("notices/_nudge_form.html", takes_context=True)
def nudge_form(context, action, hint):
    return {"action": action, "hint": hint, "form": NudgeForm(), "csrf_token": context.get("csrf_token")}
