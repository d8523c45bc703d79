"""The client's ticket pages: list, new ticket, the conversation, reply, close, rating, attachments, and the
one-click rating link from the email. Every read goes through ``tickets.selectors``; every write through
``tickets.actions``."""

from __future__ import annotations

from collections import defaultdict
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kabinet.core.pagination import page_of
from kabinet.crm.models import Company, Contact
from kabinet.files.views import file_response
from kabinet.tickets import actions
from kabinet.tickets.conf import ticket_settings
from kabinet.tickets.forms import NewTicketForm, RatingForm, ReplyForm, TicketListFilter
from kabinet.tickets.models import Ticket, TicketCategory
from kabinet.tickets.selectors import (
    VIEW_COMPANY,
    VIEW_MINE,
    colleagues_by_email,
    sees_company_tickets,
    ticket_attachments_visible_to,
    ticket_cc_visible_to,
    ticket_for_viewer,
    ticket_messages_visible_to,
    ticket_rows_visible_to,
    tickets_visible_to,
)
from kabinet.tickets.tokens import read_rating_token

PER_PAGE = 20


def client_required(view):
    """Signed in and linked to a contact; anybody else is sent to sign in or told nothing exists (404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.viewer.is_client:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _visible_ticket(request: HttpRequest, public_id: str) -> Ticket:
    try:
        return ticket_for_viewer(request.viewer, public_id)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@client_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Subject, submitted by, created, owner, last activity, status; search, filters, sort, pages."""
    viewer = request.viewer
    config = ticket_settings()
    switch = sees_company_tickets(viewer, config)
    filters = TicketListFilter(request.GET or None, company_switch=switch)
    view = (filters.value("view") or VIEW_COMPANY) if switch else VIEW_MINE
    query = (filters.value("q") or "").strip()
    status = filters.value("status")
    category = filters.value("category") if "category" in filters.fields else None

    def narrow(tickets: QuerySet) -> QuerySet:
        if query:
            tickets = tickets.filter(Q(subject__icontains=query) | Q(number=query.lstrip("#")))
        if status == "open":
            tickets = tickets.filter(closed_at__isnull=True)
        elif status == "closed":
            tickets = tickets.filter(closed_at__isnull=False)
        if category:
            tickets = tickets.filter(category_id=category)
        return tickets

    sort = filters.value("sort") or "new"
    tickets = ticket_rows_visible_to(
        viewer,
        view=view,
        narrow=narrow,
        ordering=TicketListFilter.SORTS.get(sort, TicketListFilter.SORTS["new"]),
        related=("stage", "contact", "owner"),
    )
    page = page_of(tickets, PER_PAGE, request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "tickets/portal/list.html",
        {
            "config": config,
            "filters": filters,
            "page": page,
            "tickets": page.object_list,
            "company_switch": switch,
            "view": view,
            "filtered": bool(
                query or status or (filters.is_valid() and filters.cleaned_data.get("category"))
            ),
            "query_string": params.urlencode(),
        },
    )


@client_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    form = NewTicketForm(request.POST or None, request.FILES or None, with_cc=viewer.active is not None)
    cc: list[Contact] = []
    if request.method == "POST" and form.is_valid() and form.cleaned_data.get("cc"):
        found = colleagues_by_email(viewer, form.cleaned_data["cc"])
        missing = [address for address in form.cleaned_data["cc"] if address not in found]
        if missing:
            form.add_error(
                "cc",
                _("Not a colleague from your company: %(emails)s") % {"emails": ", ".join(missing)},
            )
        cc = [contact for contact in found.values() if contact.pk != viewer.contact_id]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = Contact.objects.get(pk=viewer.contact_id)
        company = Company.objects.get(pk=viewer.active_company_id) if viewer.active_company_id else None
        category = (
            TicketCategory.objects.filter(pk=data.get("category"), is_active=True).first()
            if data.get("category")
            else None
        )
        try:
            ticket = actions.create_ticket(
                actor=request.user,
                subject=data["subject"],
                body=data["body"],
                company=company,
                contact=contact,
                category=category,
                source=Ticket.Source.PORTAL,
                attachments=data["attachments"],
                cc=cc,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Your request #%(number)s was sent.") % {"number": ticket.number})
            if not tickets_visible_to(viewer).filter(pk=ticket.pk).exists():
                # the portal filters hide it (e.g. a pipeline not shown): say so rather than answer 404
                return HttpResponseRedirect(reverse("tickets:list"))
            return HttpResponseRedirect(reverse("tickets:detail", args=[ticket.public_id]))
    return render(
        request,
        "tickets/portal/new.html",
        {"form": form, "config": ticket_settings()},
        status=400 if form.errors else 200,
    )


def _detail_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    viewer = request.viewer
    config = ticket_settings()
    thread = list(ticket_messages_visible_to(viewer, ticket))
    files = defaultdict(list)
    for stored in (
        ticket_attachments_visible_to(viewer, ticket)
        .only("public_id", "original_name", "size", "subject_id")
        .order_by("id")
    ):
        files[stored.subject_id].append(stored)
    for message in thread:
        message.files = files.get(message.pk, [])
    can_reply = ticket.is_open or config.clients_can_reply_to_closed
    return {
        "config": config,
        "ticket": ticket,
        "thread": thread,
        "can_reply": can_reply,
        "reopens": can_reply and not ticket.is_open,
        "can_close": config.clients_can_close and ticket.is_open,
        "can_rate": actions.can_be_rated(ticket),
        "can_comment_rating": ticket.rating is not None and not ticket.rating_comment and not ticket.is_open,
        "reply_form": ReplyForm(),
        "cc": list(ticket_cc_visible_to(viewer, ticket)),
        "rating_choices": list(reversed(Ticket.Rating.choices)),
        **extra,
    }


@client_required
def ticket_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = _visible_ticket(request, public_id)
    return render(request, "tickets/portal/detail.html", _detail_context(request, ticket))


@client_required
@require_POST
def ticket_reply(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = _visible_ticket(request, public_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        was_open = ticket.is_open
        try:
            actions.add_client_reply(
                actor=request.user,
                ticket=ticket,
                contact=Contact.objects.get(pk=request.viewer.contact_id),
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("Your reply was sent.") if was_open else _("Your reply was sent and the request reopened."),
            )
            return HttpResponseRedirect(reverse("tickets:detail", args=[ticket.public_id]) + "#latest")
    context = _detail_context(request, ticket, reply_form=form)
    return render(request, "tickets/portal/detail.html", context, status=400)


@client_required
@require_POST
def ticket_close(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = _visible_ticket(request, public_id)
    try:
        actions.close_ticket_by_client(actor=request.user, ticket=ticket)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The request is closed. Thank you!"))
    return HttpResponseRedirect(reverse("tickets:detail", args=[ticket.public_id]))


@client_required
@require_POST
def ticket_rate(request: HttpRequest, public_id: str) -> HttpResponse:
    """One click on a rating (the optional comment travels with it, or comes later on its own)."""
    ticket = _visible_ticket(request, public_id)
    form = RatingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors.values()))
        rating, comment = form.cleaned_data["rating"], form.cleaned_data["comment"]
        if rating is not None:
            actions.rate_ticket(actor=request.user, ticket=ticket, rating=rating, comment=comment)
        else:
            actions.comment_rating(actor=request.user, ticket=ticket, comment=comment)
    except ValidationError as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
    else:
        messages.success(request, _("Thank you for your rating!"))
    return HttpResponseRedirect(reverse("tickets:detail", args=[ticket.public_id]) + "#rating")


@client_required
def ticket_attachment(request: HttpRequest, public_id: str, file_id: str) -> HttpResponse:
    """A file of a public message of a visible ticket, always as a download."""
    ticket = _visible_ticket(request, public_id)
    stored = ticket_attachments_visible_to(request.viewer, ticket).filter(public_id=file_id).first()
    if stored is None:
        raise Http404
    return file_response(stored)


@require_http_methods(["GET", "POST"])
def rating_link(request: HttpRequest, token: str) -> HttpResponse:
    """The rating link from the "solved" email: works without signing in, once.

    A GET only shows the choice and submits it from the browser (a tiny script, or the button without
    JavaScript): mail scanners that open every link must not cast the client's vote.
    """
    claim = read_rating_token(token)
    ticket = Ticket.objects.filter(public_id=claim.ticket_public_id).first() if claim else None
    if claim is None or ticket is None or ticket.contact_id != claim.contact_id:
        raise Http404
    label = Ticket.Rating(claim.rating).label if claim.rating in Ticket.Rating.values else ""
    context: dict[str, Any] = {"ticket": ticket, "label": label, "rating": claim.rating}
    if request.method == "GET":
        context["usable"] = (
            bool(ticket.rating_nonce) and claim.nonce == ticket.rating_nonce and actions.can_be_rated(ticket)
        )
        return render(request, "tickets/portal/rate_link.html", context)
    try:
        actions.rate_ticket(
            actor=request.user if request.user.is_authenticated else None,
            ticket=ticket,
            rating=claim.rating,
            nonce=claim.nonce,
        )
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        return render(request, "tickets/portal/rate_link.html", context, status=409)
    context["done"] = True
    return render(request, "tickets/portal/rate_link.html", context)
