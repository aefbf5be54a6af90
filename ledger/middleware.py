"""Responses that must not stay in a browser's or a proxy's cache."""

from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    """``Cache-Control: private, no-store`` on everything answered to a signed-in user or a token
    holder: pages, API answers, evidence downloads and exports hold a department's ledger, and
    offices share PCs and proxies. Static files never get here (WhiteNoise answers them first,
    with their long cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            patch_cache_control(response, private=True, no_store=True)
        return response
