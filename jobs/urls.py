from django.urls import path

from . import views

urlpatterns = [
    path("exports/<uuid:pk>/", views.export_status, name="export_status"),
    path("exports/<uuid:pk>/download/", views.export_download, name="export_download"),
    path("imports/<uuid:pk>/", views.import_status, name="import_status"),
]
