"""Operational endpoints."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
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
