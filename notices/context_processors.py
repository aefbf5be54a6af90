from django.utils.functional import SimpleLazyObject

from .models import Notification


def inbox(request):
    """``inbox_unread``: the user's unread notifications, counted (one query) only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: Notification.objects.filter(user=user).unread().count())}
