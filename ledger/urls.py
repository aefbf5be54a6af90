from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from . import admin_site  # noqa: F401  (the admin under the app's name; after every app registered its models)
from .converters import IdConverter

register_converter(IdConverter, "id")  # before the includes below, whose URLs use it


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on every page (the admin's too): the static icon."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static_url("favicon.svg")


urlpatterns = [
    path("", include("tasks.urls")),
    path("", include("notices.urls")),
    path("", include("jobs.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("tasks.api.urls")),
    path("favicon.ico", FaviconView.as_view()),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
