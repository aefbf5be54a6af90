from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from .summary import SummaryView
from .views import MeasureViewSet

router = SimpleRouter(use_regex_path=False)
router.register("measures", MeasureViewSet, basename="api-measure")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("summary/", SummaryView.as_view(), name="api-summary"),
    path("", include(router.urls)),
]
