from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from .summary import SummaryView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("summary/", SummaryView.as_view(), name="api-summary"),
]
