"""What the top bar of every page shows beside the menu."""

from django.utils.functional import cached_property

from ..access import can_review, sees_everything, visible_measures
from tasks.workflow.review import waiting_for_review


class ReviewQueue:
    """The top bar's 待审核 entry: ``shown`` for supervisors and admins (the user's role, looked up
    once per request and shared with the page), ``count`` the review queue's rows (one query).
    Both are asked only when a page draws the top bar."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def shown(self):
        return can_review(self.user)

    @cached_property
    def count(self):
        return waiting_for_review(None if sees_everything(self.user) else visible_measures(self.user))


def review_queue(request):
    """``review_queue``: the top bar's 待审核 entry for a logged-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"review_queue": ReviewQueue(user)}
