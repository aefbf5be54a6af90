"""What the top bar of every page shows beside the menu."""

from django.utils.functional import SimpleLazyObject

from ..access import can_review, visible_measures
from tasks.workflow.review import waiting_for_review


def review_queue(request):
    """``review_waiting``: for supervisors and admins, the review queue's rows, counted (one
    query) only when the page draws the top bar, and at most once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not can_review(user):
        return {}
    return {"review_waiting": SimpleLazyObject(lambda: waiting_for_review(visible_measures(user)))}
