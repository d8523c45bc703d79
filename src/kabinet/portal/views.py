"""The client portal shell: the start page and the active-company switch."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kabinet.core.audit import record_audit
from kabinet.crm.selectors import orders_visible_to
from kabinet.crm.viewer import ACTIVE_COMPANY_SESSION_KEY

ORDERS_PER_PAGE = 20


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the viewer's orders with their current stage, newest first, paginated."""
    viewer = request.viewer
    if viewer.is_staff and not viewer.is_client:
        return HttpResponseRedirect(reverse("admin:index"))
    orders = orders_visible_to(viewer).only(
        "public_id",
        "number",
        "title",
        "amount",
        "currency",
        "created_at",
        "due_date",
        "stage__client_name",
        "stage__client_description",
        "stage__color",
        "stage__kind",
        "pipeline__id",
    )
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/home.html", {"page": page, "orders": page.object_list})


@login_required
@require_POST
def switch_company(request: HttpRequest) -> HttpResponse:
    """Make another of the viewer's companies the active one; unknown ids change nothing."""
    wanted = request.POST.get("company", "")
    if any(c.public_id == wanted for c in request.viewer.companies):
        request.session[ACTIVE_COMPANY_SESSION_KEY] = wanted
        record_audit(event="portal.company_switched", actor=request.user, request=request, company=wanted)
    return HttpResponseRedirect(reverse("portal:home"))
