from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<id:pk>/read/", views.mark_read, name="notification_read"),
    path("inbox/read-all/", views.mark_all_read, name="notifications_read_all"),
    path("measures/<id:pk>/nudge/", views.nudge_a_measure, name="nudge_measure"),
    path("departments/<id:pk>/nudge/", views.nudge_a_department, name="nudge_department"),
]
