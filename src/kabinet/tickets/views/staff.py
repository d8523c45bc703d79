"""The agents' workspace under /staff/tickets/: the queue, a ticket with its whole conversation (internal
notes included), replies and notes, assignment, stage and properties, CC, and raising a ticket on a
client's behalf. Only active staff with the ``tickets.change_ticket`` permission get in (the "Support
agents" group has it); clients are told nothing exists (404), other staff are refused (403)."""

from __future__ import annotations

from collections import defaultdict
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kabinet.core.bodies import bounded
from kabinet.core.pagination import page_of
from kabinet.crm.models import Company, Membership, Pipeline, Stage, TimelineEntry
from kabinet.files.views import file_response
from kabinet.tickets import actions
from kabinet.tickets.forms import (
    CCForm,
    StaffNewTicketForm,
    StaffQueueFilter,
    StaffReplyForm,
    StaffUpdateForm,
)
from kabinet.tickets.models import Ticket, TicketCategory
from kabinet.tickets.selectors import (
    can_work_on_tickets,
    ticket_attachments_for_staff,
    ticket_for_staff,
    ticket_thread_for_staff,
    tickets_for_staff,
)
from kabinet.tickets.views.portal import _form_errors

PER_PAGE = 25


def agent_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_staff:
            raise Http404
        if not can_work_on_tickets(user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _ticket(request: HttpRequest, public_id: str) -> Ticket:
    try:
        return ticket_for_staff(request.user, public_id)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc


def _ticket_stages() -> list[Stage]:
    return list(
        Stage.objects.filter(pipeline__kind=Pipeline.Kind.TICKET)
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )


def _agents() -> list:
    User = get_user_model()
    with_permission = (
        Q(is_superuser=True)
        | Q(
            groups__permissions__codename="change_ticket",
            groups__permissions__content_type__app_label="tickets",
        )
        | Q(user_permissions__codename="change_ticket", user_permissions__content_type__app_label="tickets")
    )
    return list(
        User.objects.filter(with_permission, is_staff=True, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


@agent_required
def queue(request: HttpRequest) -> HttpResponse:
    """Every ticket, filtered (mine, unassigned, status, pipeline, stage, priority), searched, paginated."""
    stages = _ticket_stages()
    filters = StaffQueueFilter(request.GET or None, stages=stages)
    tickets = tickets_for_staff(request.user)
    status = filters.value("status") or "open"
    if status == "open":
        tickets = tickets.filter(closed_at__isnull=True)
    elif status == "waiting":
        tickets = tickets.filter(closed_at__isnull=True, awaiting_agent=True)
    elif status == "closed":
        tickets = tickets.filter(closed_at__isnull=False)
    assigned = filters.value("assigned")
    if assigned == "mine":
        tickets = tickets.filter(owner=request.user)
    elif assigned == "unassigned":
        tickets = tickets.filter(owner__isnull=True)
    for name in ("pipeline", "stage", "priority"):
        if filters.value(name):
            tickets = tickets.filter(**{f"{name}_id" if name != "priority" else name: filters.value(name)})
    query = (filters.value("q") or "").strip()
    if query:
        tickets = tickets.filter(
            Q(number=query.lstrip("#"))
            | Q(subject__icontains=query)
            | Q(company__name__icontains=query)
            | Q(contact__last_name__icontains=query)
        )
    sort = filters.value("sort") or "active"
    tickets = tickets.order_by(*StaffQueueFilter.SORTS.get(sort, StaffQueueFilter.SORTS["active"]))
    page = page_of(tickets, PER_PAGE, request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "tickets/staff/queue.html",
        {"filters": filters, "page": page, "tickets": page.object_list, "query_string": params.urlencode()},
    )


def _detail_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    thread = list(ticket_thread_for_staff(request.user, ticket))
    files = defaultdict(list)
    for stored in (
        ticket_attachments_for_staff(request.user, ticket)
        .only("public_id", "original_name", "size", "subject_id")
        .order_by("id")
    ):
        files[stored.subject_id].append(stored)
    for message in thread:
        message.files = files.get(message.pk, [])
    stages = _ticket_stages()
    update_form = StaffUpdateForm(
        initial={
            "owner": ticket.owner_id,
            "stage": ticket.stage_id,
            "priority": ticket.priority,
            "category": ticket.category_id,
        },
        agents=_agents(),
        stages=stages,
        categories=list(TicketCategory.objects.all()),
    )
    history = TimelineEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(Ticket), subject_id=ticket.pk
    ).select_related("actor")[:50]
    return {
        "ticket": ticket,
        "thread": thread,
        "reply_form": StaffReplyForm(),
        "update_form": update_form,
        "cc_form": CCForm(),
        "cc": list(ticket.cc_links.select_related("contact")),
        "history": history,
        **extra,
    }


@agent_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = _ticket(request, public_id)
    return render(request, "tickets/staff/detail.html", _detail_context(request, ticket))


@agent_required
@require_POST
def reply(request: HttpRequest, public_id: str) -> HttpResponse:
    """ "Send reply" (to the client, by email too) or "Add internal note" (staff only) — two buttons."""
    ticket = _ticket(request, public_id)
    form = StaffReplyForm(request.POST, request.FILES)
    internal = request.POST.get("kind") == "note"
    if form.is_valid():
        action = actions.add_internal_note if internal else actions.add_agent_reply
        try:
            action(
                actor=request.user,
                ticket=ticket,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("Internal note added.") if internal else _("Reply sent to the client.")
            )
            return HttpResponseRedirect(reverse("tickets_staff:detail", args=[ticket.public_id]) + "#latest")
    return render(
        request, "tickets/staff/detail.html", _detail_context(request, ticket, reply_form=form), status=400
    )


@agent_required
@require_POST
def update(request: HttpRequest, public_id: str) -> HttpResponse:
    """Owner, stage, priority and category: each change that differs goes through its own action."""
    ticket = _ticket(request, public_id)
    stages = _ticket_stages()
    agents = _agents()
    categories = list(TicketCategory.objects.all())
    form = StaffUpdateForm(request.POST, agents=agents, stages=stages, categories=categories)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # all or nothing
                owner = next((a for a in agents if a.pk == data["owner"]), None)
                actions.assign_ticket(actor=request.user, ticket=ticket, owner=owner)
                stage = next(s for s in stages if s.pk == data["stage"])
                actions.change_ticket_stage(actor=request.user, ticket=ticket, stage=stage)
                actions.change_ticket_priority(actor=request.user, ticket=ticket, priority=data["priority"])
                category = next((c for c in categories if c.pk == data["category"]), None)
                actions.change_ticket_category(actor=request.user, ticket=ticket, category=category)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The ticket was updated."))
            return HttpResponseRedirect(reverse("tickets_staff:detail", args=[ticket.public_id]))
    return render(
        request, "tickets/staff/detail.html", _detail_context(request, ticket, update_form=form), status=400
    )


@agent_required
@require_POST
def cc(request: HttpRequest, public_id: str) -> HttpResponse:
    """Copy a colleague of the ticket's company by email, or remove one."""
    ticket = _ticket(request, public_id)
    form = CCForm(request.POST)
    if form.is_valid():
        try:
            removing = form.cleaned_data["remove"]
            if removing:
                link = ticket.cc_links.select_related("contact").filter(contact__public_id=removing).first()
                if link:
                    actions.remove_ticket_cc(actor=request.user, ticket=ticket, contact=link.contact)
            else:
                contact = actions.contact_by_email(form.cleaned_data["email"])
                if contact is None:
                    raise ValidationError({"email": _("No client has this email.")})
                actions.add_ticket_cc(actor=request.user, ticket=ticket, contact=contact)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "cc" in error.error_dict:
                error = ValidationError({"email": error.error_dict["cc"]})
            _form_errors(form, error)
        else:
            return HttpResponseRedirect(reverse("tickets_staff:detail", args=[ticket.public_id]) + "#cc")
    return render(
        request, "tickets/staff/detail.html", _detail_context(request, ticket, cc_form=form), status=400
    )


@agent_required
def attachment(request: HttpRequest, public_id: str, file_id: str) -> HttpResponse:
    ticket = _ticket(request, public_id)
    stored = ticket_attachments_for_staff(request.user, ticket).filter(public_id=file_id).first()
    if stored is None:
        raise Http404
    return file_response(stored)


@agent_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Raise a ticket on a client's behalf (a phone call, a letter): the client gets the first message."""
    categories = list(TicketCategory.objects.filter(is_active=True))
    contact = None
    companies: list[tuple[int, str]] = []
    if request.method == "POST":
        contact = actions.contact_by_email(bounded(request.POST.get("email"), actions.EMAIL_MAX_LENGTH))
        if contact is not None:
            companies = list(
                Company.objects.filter(memberships__contact=contact)
                .order_by("name")
                .values_list("id", "name")
            )
    form = StaffNewTicketForm(
        request.POST or None, request.FILES or None, companies=companies, categories=categories
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if contact is None:
            form.add_error("email", _("No client has this email."))
        elif data["company"] is None and len(companies) > 1:
            form.add_error("company", _("This client belongs to several companies: choose one."))
        else:
            company_id = data["company"] or (companies[0][0] if companies else None)
            company = Company.objects.filter(pk=company_id).first() if company_id else None
            if (
                company is not None
                and not Membership.objects.filter(contact=contact, company=company).exists()
            ):
                form.add_error("company", _("This contact is not a member of the chosen company."))
            else:
                try:
                    ticket = actions.create_ticket(
                        actor=request.user,
                        subject=data["subject"],
                        body=data["body"],
                        company=company,
                        contact=contact,
                        source=Ticket.Source.STAFF,
                        priority=data["priority"],
                        category=next((c for c in categories if c.pk == data["category"]), None),
                        owner=request.user,
                        attachments=data["attachments"],
                    )
                except ValidationError as error:
                    _form_errors(form, error)
                else:
                    messages.success(request, _("Ticket #%(number)s was raised.") % {"number": ticket.number})
                    return HttpResponseRedirect(reverse("tickets_staff:detail", args=[ticket.public_id]))
    return render(request, "tickets/staff/new.html", {"form": form}, status=400 if form.errors else 200)
