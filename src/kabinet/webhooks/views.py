"""The inbox route: ``POST /hooks/in/<path secret>/``, answered before any processing."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kabinet.webhooks import inbox
from kabinet.webhooks.models import InboxSource
from kabinet.webhooks.tasks import process_inbox_event


@csrf_exempt  # machines post here; the path secret and the provider's signature are the authentication
@require_POST
def receive(request: HttpRequest, path_secret: str) -> HttpResponse:
    source = InboxSource.objects.filter(path_secret=path_secret, is_active=True).first()
    body = request.body
    if source is None or not inbox.verified(source, request, body):
        return JsonResponse({"status": "refused"}, status=404 if source is None else 401)
    event, new = inbox.receive(source, request, body)
    if new:
        transaction.on_commit(lambda: process_inbox_event(event.pk))
    return JsonResponse({"status": "accepted" if new else "duplicate"}, status=202 if new else 200)
