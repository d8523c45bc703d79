"""Operational endpoints."""

from __future__ import annotations

import logging
import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not healthy", and the reason goes to the log
        logger.exception("health check: database")
        return False


def _check_jobs() -> bool:
    from huey.contrib.djhuey import HUEY

    try:
        HUEY.storage.queue_size()
        return True
    except Exception:
        logger.exception("health check: job queue")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database and the job queue answer, 503 otherwise."""
    checks = {"database": _check_database(), "jobs": _check_jobs()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "fail", **{k: "ok" if v else "fail" for k, v in checks.items()}}
    return JsonResponse(body, status=200 if healthy else 503)


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean a service Kabinet depends on is away for now (it restarts, the network hiccups)."""
    from django.db import InterfaceError, OperationalError

    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        import redis

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover — redis is a dependency; embedded mode does not use it
        pass
    return tuple(errors)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``. When the database or Redis is away (restarting...), the request failed as a whole — its
    transaction rolled back, nothing of it is stored — and the client reads that, with 503 and Retry-After,
    instead of a bare 500: problem+json for scripts, a small page (which needs no database) for browsers.
    Anything else is Django's 500."""
    error = sys.exc_info()[1]
    if not isinstance(error, _unavailable_errors()):
        return defaults.server_error(request)
    message = _("The service is briefly unavailable and nothing was saved. Please try again in a moment.")
    headers = {"Retry-After": "5", "Cache-Control": "no-store"}
    if "json" in request.headers.get("Accept", ""):
        body = {"type": "about:blank", "title": message, "status": 503}
        return JsonResponse(body, status=503, headers=headers, content_type="application/problem+json")
    return HttpResponse(
        render_to_string("unavailable.html", {"message": message}), status=503, headers=headers
    )
