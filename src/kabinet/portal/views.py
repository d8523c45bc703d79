"""The client portal shell: the start page (dashboard cards from the registry) and the company switch."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kabinet.core.audit import record_audit
from kabinet.core.registry import dashboard_cards
from kabinet.crm.viewer import ACTIVE_COMPANY_SESSION_KEY


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: every registered dashboard card that has something to say for this viewer."""
    viewer = request.viewer
    if viewer.is_staff and not viewer.is_client:
        return HttpResponseRedirect(reverse("admin:index"))
    cards = []
    if viewer.is_client:
        for card in dashboard_cards():
            context = card.context(request)
            if context is not None:
                cards.append({"key": card.key, "template": card.template, "context": context})
    return render(request, "portal/home.html", {"cards": cards})


@login_required
@require_POST
def switch_company(request: HttpRequest) -> HttpResponse:
    """Make another of the viewer's companies the active one; unknown ids change nothing."""
    wanted = request.POST.get("company", "")
    if any(c.public_id == wanted for c in request.viewer.companies):
        request.session[ACTIVE_COMPANY_SESSION_KEY] = wanted
        record_audit(event="portal.company_switched", actor=request.user, request=request, company=wanted)
    return HttpResponseRedirect(reverse("portal:home"))
