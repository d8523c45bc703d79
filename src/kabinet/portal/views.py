"""The client portal shell: the start page, the company switch, the glossary, and the brand images."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kabinet.core.audit import record_audit
from kabinet.core.registry import dashboard_cards, nav_items, quick_actions
from kabinet.crm.viewer import ACTIVE_COMPANY_SESSION_KEY
from kabinet.portal import glossary as glossary_terms
from kabinet.portal.config import portal_config
from kabinet.portal.context_processors import mobile_shell, navigation
from kabinet.portal.models import PortalSettings
from kabinet.portal.staff import staff_queues


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the quick actions and every registered card that has something to say for this viewer.

    Each card costs one query (see ``DashboardCard``); the page stays within its budget of 10 with room for
    the cards of apps to come.
    """
    viewer = request.viewer
    if viewer.is_staff and not viewer.is_client:
        return HttpResponseRedirect(reverse("portal:staff_home"))
    cards = []
    actions = []
    if viewer.is_client:
        for card in dashboard_cards():
            context = card.context(request)
            if context is not None:
                cards.append({"key": card.key, "template": card.template, "context": context})
        for action in quick_actions():
            url = action.url(request)
            if url:
                actions.append({"key": action.key, "label": action.label, "url": url})
    return render(request, "portal/home.html", {"cards": cards, "quick_actions": actions})


@login_required
@require_POST
def switch_company(request: HttpRequest) -> HttpResponse:
    """Make another of the viewer's companies the active one; unknown ids change nothing."""
    wanted = request.POST.get("company", "")
    if any(c.public_id == wanted for c in request.viewer.companies):
        request.session[ACTIVE_COMPANY_SESSION_KEY] = wanted
        record_audit(event="portal.company_switched", actor=request.user, request=request, company=wanted)
    return HttpResponseRedirect(reverse("portal:home"))


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """The team's start page: their queues (unanswered chats, open tickets assigned to them, orders waiting
    for them) and the way to the inbox, the tickets, the clients and the back office."""
    if not request.viewer.is_staff or request.viewer.is_client:
        raise Http404
    return render(request, "portal/staff_home.html", {"queues": staff_queues(request)})


@login_required
def more(request: HttpRequest) -> HttpResponse:
    """The phone's "More": every section that is not on the bottom bar, and the account menu. The bar links
    here, so it works without JavaScript; with it, the same list opens as a sheet over the page."""
    if not request.viewer.is_client:
        raise Http404
    return render(request, "portal/more.html")


@require_GET
def glossary(request: HttpRequest) -> HttpResponse:
    """Every term explained in plain words. Public: the words mean the same to everybody."""
    return render(request, "portal/glossary.html", {"terms": glossary_terms.glossary()})


@require_GET
def term(request: HttpRequest, slug: str) -> HttpResponse:
    """One explanation: a small fragment for htmx (opened in place), else a page of its own."""
    found = glossary_terms.term(slug)
    if found is None:
        raise Http404
    if getattr(request, "htmx", False):
        return render(request, "portal/term_fragment.html", {"term": found})
    return render(request, "portal/term.html", {"term": found})


def _brand_image(kind: str) -> FileResponse:
    config = portal_config()
    if not getattr(config, f"{kind}_version"):
        raise Http404
    row = PortalSettings.objects.filter(pk=PortalSettings.SINGLETON_PK).only(kind, f"{kind}_type").first()
    stored = getattr(row, kind, None) if row else None
    if not stored:
        raise Http404
    response = FileResponse(stored.open("rb"), content_type=getattr(row, f"{kind}_type") or "image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # The URL carries the image's version (?v=...), so browsers may keep it for a day.
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def logo(request: HttpRequest) -> FileResponse:
    return _brand_image("logo")


@require_GET
def favicon(request: HttpRequest) -> FileResponse:
    return _brand_image("favicon")


@login_required
@require_GET
def nav_badges(request: HttpRequest) -> HttpResponse:
    """The navigation's counters (open requests, unread messages...), fetched by htmx after each page.

    Out-of-band fragments replace each badge in place; the pages themselves never pay for the counts.
    """
    badges = []
    more_count = None
    if request.viewer.is_staff and not request.viewer.is_client:
        badges = [
            {"key": q["key"], "count": q["count"]} for q in staff_queues(request) if q["key"] != "orders"
        ]
    elif request.viewer.is_client:
        for item in nav_items():
            if item.badge is None or (item.visible is not None and not item.visible(request)):
                continue
            badges.append({"key": item.key, "count": item.badge(request) or 0})
        # The phone's "More" entry shows the sum of the sections it holds (nothing is lost off-screen).
        in_more = {
            entry["key"] for entry in mobile_shell(navigation(request, portal_config()))["mobile_more"]
        }
        if in_more:
            more_count = sum(badge["count"] for badge in badges if badge["key"] in in_more)
    response = render(request, "portal/nav_badges.html", {"badges": badges, "more_count": more_count})
    response["Cache-Control"] = "private, no-store"
    return response
