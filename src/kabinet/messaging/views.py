"""Chat pages: the client's conversation (``/messages/``) and the staff inbox (``/staff/inbox/``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kabinet.accounts.models import User
from kabinet.billing.models import Invoice
from kabinet.bookings.models import OCCUPYING_STATUSES, Booking
from kabinet.core.pagination import page_of
from kabinet.crm.models import Company, Contact, Membership, Order
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile
from kabinet.files.views import file_response
from kabinet.messaging import actions
from kabinet.messaging.forms import MessageForm, StaffMessageForm
from kabinet.messaging.models import Conversation
from kabinet.messaging.payloads import message_data
from kabinet.messaging.selectors import (
    CAN_ASSIGN,
    CAN_READ,
    CAN_REPLY,
    attachment_for_viewer,
    conversations_visible_to,
    inbox,
    messages_visible_to,
    my_conversation,
    quick_replies,
    recent_messages,
    staff_permissions,
)
from kabinet.tickets.models import Ticket

INBOX_PER_PAGE = 25
CARD_ROWS = 5


def client_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.viewer.is_client:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def staff_required(permission: str) -> Callable:
    """Signed in (else the login page) and staff holding the chat permission (else 404, like any page
    that is not yours)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if permission not in staff_permissions(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _form_problem(form: MessageForm) -> JsonResponse:
    errors = {field: [e["message"] for e in items] for field, items in form.errors.get_json_data().items()}
    return JsonResponse(
        {"title": next(iter(errors.values()))[0], "status": 400, "errors": errors},
        status=400,
        content_type="application/problem+json",
    )


def _uploads(request: HttpRequest) -> list:
    return request.FILES.getlist("attachments")


# --- client ----------------------------------------------------------------------------------------------


def _chat_context(request: HttpRequest, form: MessageForm) -> dict:
    conversation = my_conversation(request)
    messages, older = [], None
    if conversation is not None:
        before = None
        if request.GET.get("before"):
            before = messages_visible_to(request.viewer).filter(public_id=request.GET["before"]).first()
        messages, has_older = recent_messages(conversation, before=before)
        older = messages[0] if has_older else None
        if conversation.client_unread and before is None:
            actions.mark_read(actor=request.user, conversation=conversation, side=actions.CLIENT)
        manager = conversation.assigned_to
    else:
        manager = _future_manager(request.viewer)
    return {
        "conversation": conversation,
        "thread": messages,
        "older": older,
        "manager": manager,
        "form": form,
        "staff_read_upto": conversation.staff_read_upto if conversation else 0,
    }


def _future_manager(viewer) -> User | None:
    """Who will answer a first message: the contact's own manager, else his active company's."""
    contact = Contact.objects.select_related("manager").get(pk=viewer.contact_id)
    if contact.manager is not None or viewer.active_company_id is None:
        return contact.manager
    return Company.objects.select_related("manager").get(pk=viewer.active_company_id).manager


@client_required
@require_GET
def chat(request: HttpRequest) -> HttpResponse:
    """The client's conversation with the team, newest messages last."""
    return render(request, "messaging/chat.html", _chat_context(request, MessageForm()))


@client_required
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = actions.send_client_message(
                actor=request.user,
                viewer=request.viewer,
                body=form.cleaned_data["body"],
                uploads=_uploads(request),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if wants_json(request):
                return JsonResponse({"message": message_data(message, staff=False)}, status=201)
            return HttpResponseRedirect(reverse("messaging:chat") + f"#m-{message.public_id}")
    if wants_json(request):
        return _form_problem(form)
    return render(request, "messaging/chat.html", _chat_context(request, form), status=400)


@client_required
@require_GET
def attachment(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        stored = attachment_for_viewer(request.viewer, public_id)
    except ClientFile.DoesNotExist as exc:
        raise Http404 from exc
    return file_response(stored)


# --- staff -----------------------------------------------------------------------------------------------


@staff_required(CAN_READ)
@require_GET
def staff_inbox(request: HttpRequest) -> HttpResponse:
    """All conversations, unread first; filters: all / unread / mine / unassigned; search by client."""
    show = request.GET.get("show", "all")
    if show not in {"all", "unread", "mine", "unassigned"}:
        show = "all"
    query = request.GET.get("q", "").strip()[:100]
    page = page_of(inbox(request.viewer, show=show, query=query), INBOX_PER_PAGE, request.GET.get("page"))
    template = (
        "messaging/partials/inbox_list.html" if request.headers.get("HX-Request") else "messaging/inbox.html"
    )
    return render(
        request, template, {"page": page, "conversations": page.object_list, "show": show, "query": query}
    )


def _staff_conversation(request: HttpRequest, public_id: str) -> Conversation:
    try:
        return (
            conversations_visible_to(request.viewer, staff=True)
            .select_related("contact", "company", "assigned_to")
            .get(public_id=public_id)
        )
    except Conversation.DoesNotExist as exc:
        raise Http404 from exc


def _staff_context(request: HttpRequest, conversation: Conversation, form: StaffMessageForm) -> dict:
    permissions = staff_permissions(request.user)
    if conversation.staff_unread:
        actions.mark_read(actor=request.user, conversation=conversation, side=actions.STAFF)
    messages, _older = recent_messages(conversation)
    return {
        "conversation": conversation,
        "thread": messages,
        "form": form,
        "quick_replies": form.quick_replies,
        "can_reply": CAN_REPLY in permissions,
        "can_assign": CAN_ASSIGN in permissions,
        "staff_members": (
            User.objects.filter(is_staff=True, is_active=True).only("public_id", "full_name", "email")
            if CAN_ASSIGN in permissions
            else []
        ),
        "client_read_upto": conversation.client_read_upto,
    }


def _staff_form(conversation: Conversation, data=None, files=None) -> StaffMessageForm:
    """The reply form with the quick replies, ``{name}`` already replaced by the client's first name."""
    replies = list(quick_replies())
    form = StaffMessageForm(data, files, quick_replies=replies)
    name = conversation.contact.first_name
    form.quick_replies = [
        {"id": q.pk, "title": q.title, "body": q.body.replace("{name}", name)} for q in replies
    ]
    return form


@staff_required(CAN_READ)
@require_GET
def staff_conversation(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = _staff_conversation(request, public_id)
    form = _staff_form(conversation)
    return render(request, "messaging/staff_conversation.html", _staff_context(request, conversation, form))


@staff_required(CAN_REPLY)
@require_POST
def staff_send(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = _staff_conversation(request, public_id)
    form = _staff_form(conversation, request.POST, request.FILES)
    if form.is_valid():
        body = form.cleaned_data["body"]
        chosen = form.cleaned_data.get("quick_reply")
        if not body.strip() and chosen:
            body = next((q["body"] for q in form.quick_replies if q["id"] == chosen), "")
        try:
            message = actions.send_staff_message(
                actor=request.user, conversation=conversation, body=body, uploads=_uploads(request)
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if wants_json(request):
                return JsonResponse({"message": message_data(message, staff=True)}, status=201)
            return HttpResponseRedirect(
                reverse("messaging:staff_conversation", args=[conversation.public_id])
                + f"#m-{message.public_id}"
            )
    if wants_json(request):
        return _form_problem(form)
    return render(
        request, "messaging/staff_conversation.html", _staff_context(request, conversation, form), status=400
    )


@staff_required(CAN_ASSIGN)
@require_POST
def staff_assign(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = _staff_conversation(request, public_id)
    wanted = request.POST.get("assignee", "")
    assignee = None
    if wanted == "me":
        assignee = request.user
    elif wanted:
        assignee = User.objects.filter(public_id=wanted, is_staff=True, is_active=True).first()
        if assignee is None:
            from django.contrib import messages
            from django.utils.translation import gettext as _

            messages.error(request, _("Only active staff members can be assigned."))
            return HttpResponseRedirect(
                reverse("messaging:staff_conversation", args=[conversation.public_id])
            )
    actions.assign_conversation(actor=request.user, conversation=conversation, assignee=assignee)
    return HttpResponseRedirect(reverse("messaging:staff_conversation", args=[conversation.public_id]))


def _card_bookings(scope: dict) -> dict:
    """The client's next bookings (held ones too) and his latest past or cancelled ones: a query each."""
    now = timezone.now()
    rows = Booking.objects.filter(**scope).select_related("service", "specialist", "branch")
    return {
        "upcoming_bookings": list(
            rows.filter(status__in=OCCUPYING_STATUSES, ends_at__gt=now).order_by("starts_at", "id")[
                :CARD_ROWS
            ]
        ),
        "recent_bookings": list(rows.filter(starts_at__lte=now).order_by("-starts_at", "-id")[:CARD_ROWS]),
    }


@staff_required(CAN_READ)
@require_GET
def staff_client_card(request: HttpRequest, public_id: str) -> HttpResponse:
    """The client's card beside the conversation: his emails and phones, his company and role there, his latest
    orders, tickets, documents and invoices, his upcoming and recent bookings, and links to all of them and to his
    history in the back office."""
    conversation = _staff_conversation(request, public_id)
    scope = {"company_id": conversation.company_id, "contact_id": conversation.contact_id}
    if conversation.company_id is None:
        scope = {"company__isnull": True, "contact_id": conversation.contact_id}
    contact = conversation.contact
    prefetch_related_objects([contact], "emails", "phones")
    role = (
        Membership.objects.filter(contact_id=contact.pk, company_id=conversation.company_id)
        .values_list("role", flat=True)
        .first()
        if conversation.company_id
        else None
    )
    # The back office lists filtered to this client (Django's admin accepts lookups on a relation's id).
    by_contact = f"?contact__id__exact={contact.pk}"
    links = [
        (gettext_lazy("All orders"), reverse("admin:crm_order_changelist") + by_contact),
        (gettext_lazy("Invoices"), reverse("admin:billing_invoice_changelist") + by_contact),
        (gettext_lazy("Documents"), reverse("admin:documents_document_changelist") + by_contact),
        (gettext_lazy("Tickets"), reverse("admin:tickets_ticket_changelist") + by_contact),
        (gettext_lazy("Bookings"), reverse("admin:bookings_booking_changelist") + by_contact),
        (gettext_lazy("History"), reverse("admin:crm_timelineentry_changelist") + by_contact),
        (gettext_lazy("Client card"), reverse("admin:crm_contact_change", args=[contact.pk])),
    ]
    context = {
        "conversation": conversation,
        "contact": contact,
        "role": Membership.Role(role).label if role else "",
        "links": links,
        "orders": Order.objects.filter(**scope).select_related("stage")[:CARD_ROWS],
        "tickets": Ticket.objects.filter(**scope).select_related("stage")[:CARD_ROWS],
        "documents": Document.objects.filter(**scope).exclude(status=Document.Status.DRAFT)[:CARD_ROWS],
        "invoices": Invoice.objects.filter(**scope)[:CARD_ROWS],
        **_card_bookings(scope),
    }
    return render(request, "messaging/partials/client_card.html", context)


@staff_required(CAN_READ)
@require_GET
def staff_attachment(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        stored = attachment_for_viewer(request.viewer, public_id, staff=True)
    except ClientFile.DoesNotExist as exc:
        raise Http404 from exc
    return file_response(stored)
