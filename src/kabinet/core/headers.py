"""Response headers of personal pages.

Every response to a signed-in person is personal (his orders, his name, his documents): no shared cache, no
browser history cache may keep it, so it carries ``Cache-Control: private, no-store`` unless the view chose a
stricter or a deliberate policy itself (``never_cache``, file downloads, the service worker's ``no-cache``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PersonalPagesNoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
