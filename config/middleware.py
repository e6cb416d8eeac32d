"""Project-wide middleware."""

from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """What a signed-in person is shown (pages, CSV exports, report and document downloads) is
    theirs: no shared cache may keep it, and the browser keeps no copy on disk for the next person
    at a shared council computer. A view that sets its own Cache-Control keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
