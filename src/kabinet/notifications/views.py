"""The client's notification centre: list, open, mark read, preferences, browser push opt-in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.core.bodies import json_object
from kabinet.core.pagination import page_of
from kabinet.notifications import actions
from kabinet.notifications.channels import channels
from kabinet.notifications.events import event_kinds
from kabinet.notifications.models import Notification
from kabinet.notifications.selectors import (
    channel_choices,
    notification_for_viewer,
    notifications_visible_to,
    push_subscriptions_of,
)
from kabinet.notifications.vapid import public_key, push_service_allowed

PER_PAGE = 20
SERVICE_WORKER = Path(__file__).parent / "static" / "notifications" / "sw.js"


def client_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the login page) and a client (else 404: staff have no notification centre)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.viewer.is_client:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _problem(status: int, detail: str) -> JsonResponse:
    return JsonResponse(
        {"title": detail, "status": status}, status=status, content_type="application/problem+json"
    )


@client_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("show") == "unread"
    rows = notifications_visible_to(request.viewer)
    if only_unread:
        rows = rows.filter(read_at__isnull=True)
    page = page_of(rows, PER_PAGE, request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "notifications": page.object_list, "only_unread": only_unread},
    )


@client_required
@require_GET
def notification_open(request: HttpRequest, public_id: str) -> HttpResponse:
    """Follow a notice: it becomes read, and the client lands on the page it is about."""
    try:
        notification = notification_for_viewer(request.viewer, public_id)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    actions.mark_read(actor=request.user, viewer=request.viewer, notifications=[public_id])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)


@client_required
@require_POST
def notification_mark_read(request: HttpRequest, public_id: str) -> HttpResponse:
    if not notifications_visible_to(request.viewer).filter(public_id=public_id).exists():
        raise Http404
    actions.mark_read(actor=request.user, viewer=request.viewer, notifications=[public_id])
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": True})
    return HttpResponseRedirect(reverse("notifications:list"))


@client_required
@require_POST
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    actions.mark_read(actor=request.user, viewer=request.viewer)
    return HttpResponseRedirect(reverse("notifications:list"))


@client_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Which event kinds reach the client through which outside channel (the centre always has them)."""
    contact_id = request.viewer.contact_id
    kinds, chans = event_kinds(), channels()
    if request.method == "POST":
        choices = {(k.code, c.id): f"{k.code}:{c.id}" in request.POST for k in kinds for c in chans}
        actions.set_preferences(actor=request.user, contact_id=contact_id, choices=choices, request=request)
        from django.contrib import messages

        messages.success(request, _("Your notification settings were saved."))
        return HttpResponseRedirect(reverse("notifications:preferences"))
    current = channel_choices(contact_id)
    rows = [
        {
            "kind": kind,
            "cells": [
                {"channel": c, "name": f"{kind.code}:{c.id}", "checked": current[(kind.code, c.id)]}
                for c in chans
            ],
        }
        for kind in kinds
    ]
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "channels": chans,
            "vapid_public_key": public_key(),
            "push_browsers": push_subscriptions_of(request.viewer).count(),
        },
    )


@client_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """Store the PushSubscription JSON the browser produced (``endpoint`` and ``keys.p256dh/auth``)."""
    data = json_object(request)
    keys = data.get("keys") if data else None
    endpoint = (data or {}).get("endpoint")
    if (
        not isinstance(endpoint, str)
        or not push_service_allowed(endpoint)
        or len(endpoint) > 1000
        or not isinstance(keys, dict)
        or not isinstance(keys.get("p256dh"), str)
        or not isinstance(keys.get("auth"), str)
        or not 40 <= len(keys["p256dh"]) <= 200
        or not 10 <= len(keys["auth"]) <= 100
    ):
        return _problem(400, _("This is not a valid browser push subscription."))
    actions.subscribe_push(
        actor=request.user,
        viewer=request.viewer,
        endpoint=endpoint,
        p256dh=keys["p256dh"],
        auth=keys["auth"],
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return JsonResponse({"ok": True}, status=201)


@client_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    data = json_object(request) or {}
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str):
        return _problem(400, _("This is not a valid browser push subscription."))
    actions.unsubscribe_push(actor=request.user, viewer=request.viewer, endpoint=endpoint)
    return JsonResponse({"ok": True})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The push service worker, at a stable address under /notifications/ (its scope)."""
    response = HttpResponse(SERVICE_WORKER.read_text(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
