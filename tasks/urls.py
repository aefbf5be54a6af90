from django.urls import path

from .views import dashboard

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("overdue/", dashboard.overdue, name="overdue"),
    path("due-soon/", dashboard.due_soon, name="due_soon"),
    path("measures/", dashboard.measure_list, name="measure_list"),
    path("departments/<int:pk>/", dashboard.department_detail, name="department_detail"),
]
