from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from kabinet.crm.viewer import build_viewer


class ViewerMiddleware:
    """Attach ``request.viewer``; built lazily so pages that never read client data pay no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.viewer = SimpleLazyObject(lambda: build_viewer(request))
        return self.get_response(request)
