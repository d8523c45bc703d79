"""The public booking page (``/book/``): a visitor without an account picks a service → a specialist (or any)
and a date → a time, gives his name and mobile phone, and confirms with the code we text him. The booking goes
to the contact with that verified phone, or to a new contact (``actions.book_as_visitor``).

Staff switch the page on per branch (``Branch.public_booking``) and leave single services out
(``Service.public_booking``). The code is Kabinet's own session-held one-time code (``accounts.codes``: six
digits, kept only as a keyed hash, single use, five tries, ten minutes); sending is rate-limited per phone and
per address. The session then remembers which bookings it made, and only those are shown to it.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.accounts import codes
from kabinet.accounts.phones import masked
from kabinet.bookings import actions
from kabinet.bookings.forms import CodeForm, MomentField, VisitorForm
from kabinet.bookings.models import Booking, Service
from kabinet.bookings.selectors import (
    booking_for_visitor,
    is_offered,
    service_for_visitor,
    services_for_visitors,
    specialists_of,
)
from kabinet.bookings.views.portal import PER_PAGE, _slot_context
from kabinet.bookings.zones import client_zone, zone_context
from kabinet.core.audit import record_audit
from kabinet.core.branding import portal_title
from kabinet.core.providers.sms import SmsMessage, deliver

PURPOSE = "public_booking"
PENDING = "kabinet_public_booking"  # what the visitor is confirming (no secret: the code's hash is apart)
MINE = "kabinet_public_bookings"  # public ids of the bookings this session made


def _service(public_id: str) -> Service:
    try:
        return service_for_visitor(public_id)
    except Service.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
def services(request: HttpRequest) -> HttpResponse:
    """Step 1: the services on the public page."""
    queryset = services_for_visitors().select_related("branch").order_by("branch", "order", "name", "id")
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "bookings/public/services.html", {"page": page, "services": page.object_list, "query": ""}
    )


@require_GET
def slots(request: HttpRequest, service_id: str) -> HttpResponse:
    """Steps 2 and 3: a specialist (or any), a date, a time — the same engine and page as in the cabinet."""
    service = _service(service_id)
    context = _slot_context(request, service, list(specialists_of(service)))
    context.update({"next_url": reverse("bookings:public_confirm", args=[service.public_id]), "public": True})
    return render(request, "bookings/slots.html", context)


def _send_code(request: HttpRequest, phone: str) -> None:
    code = codes.issue(request.session, PURPOSE)
    text = _(
        "%(code)s is your code to confirm the booking at %(portal)s. It is valid for 10 minutes. "
        "Never tell it to anyone."
    ) % {"code": code, "portal": portal_title()}
    # The code lives in the session, not in a database transaction: it goes out now (as sign-in codes do).
    deliver(SmsMessage(to=phone, text=text, purpose="booking_code"))
    record_audit(event="auth.code_sent", actor=None, request=request, channel="sms", purpose=PURPOSE)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, service_id: str) -> HttpResponse:
    """Step 4: what will be booked, the visitor's name and phone; sending them texts the code."""
    service = _service(service_id)
    source = request.POST if request.method == "POST" else request.GET
    form = VisitorForm(request.POST if request.method == "POST" else None, initial=request.GET.dict())
    specialist = None
    chosen = str(source.get("specialist", ""))[:22]
    if chosen:
        specialist = specialists_of(service).filter(public_id=chosen).first()
    try:
        start = MomentField().clean(source.get("start"))
    except ValidationError:
        start = None  # the page says "choose a time", never a 500
    limited = False
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start"]
        phone = form.cleaned_data["phone"]
        if chosen and specialist is None:
            form.add_error(None, _("Choose a specialist from the list."))
        elif not is_offered(service, starts_at=start, specialist=specialist, now=timezone.now()):
            form.add_error(None, _("Sorry, this time has just been taken. Choose another one."))
        elif not ratelimit.consume(request, action="public_booking_code", key=phone):
            limited = True
            record_audit(event="auth.rate_limited", request=request, limit="public_booking_code")
        else:
            request.session[PENDING] = {
                "service": service.public_id,
                "start": start.isoformat(),
                "specialist": specialist.public_id if specialist else "",
                "name": form.cleaned_data["name"],
                "phone": phone,
                "comment": form.cleaned_data["comment"],
                "zone": client_zone(request),
            }
            _send_code(request, phone)
            return HttpResponseRedirect(reverse("bookings:public_verify"))
    return render(
        request,
        "bookings/public/confirm.html",
        {
            "service": service,
            "branch": service.branch,
            "specialist": specialist,
            "form": form,
            "start": start,
            "limited": limited,
            "back": reverse("bookings:public_slots", args=[service.public_id]),
            **zone_context(request, service.branch),
        },
        status=429 if limited else 200,
    )


def _pending(request: HttpRequest) -> tuple[dict[str, Any], Service] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        return pending, service_for_visitor(pending["service"])
    except (Service.DoesNotExist, KeyError):
        return None


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Step 5: the code from the SMS. The right code books; a wrong one is a field error (five tries)."""
    found = _pending(request)
    if found is None:
        messages.info(request, _("Choose a time to book first."))
        return HttpResponseRedirect(reverse("bookings:public"))
    pending, service = found
    form = CodeForm(request.POST if request.method == "POST" and "resend" not in request.POST else None)
    status = 200
    if request.method == "POST" and "resend" in request.POST:
        if ratelimit.consume(request, action="public_booking_code", key=pending["phone"]):
            _send_code(request, pending["phone"])
            messages.success(request, _("We have sent a new code."))
            return HttpResponseRedirect(reverse("bookings:public_verify"))
        messages.error(request, _("Too many requests. Wait a minute and try again."))
        status = 429
    elif request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="public_booking_confirm"):
            form.add_error("code", _("Too many requests. Wait a minute and try again."))
            status = 429
        else:
            outcome = codes.check(request.session, PURPOSE, form.cleaned_data["code"])
            if outcome == "ok":
                return _book(request, pending, service)
            record_audit(event="auth.code_rejected", request=request, purpose=PURPOSE, outcome=outcome)
            form.add_error(
                "code",
                _("The code is not correct. Check it and try again, or ask for a new one.")
                if outcome == "wrong"
                else _("This code is no longer valid. Ask for a new one."),
            )
    return render(
        request,
        "bookings/public/verify.html",
        {
            "form": form,
            "service": service,
            "branch": service.branch,
            "start": MomentField().clean(pending["start"]),
            "phone": masked(pending["phone"]),
            "specialist": _specialist(service, pending),
            "back": reverse("bookings:public_slots", args=[service.public_id]),
            **zone_context(request, service.branch),
        },
        status=status,
    )


def _specialist(service: Service, pending: dict[str, Any]) -> Any:
    wanted = pending.get("specialist")
    return specialists_of(service).filter(public_id=wanted).first() if wanted else None


def _book(request: HttpRequest, pending: dict[str, Any], service: Service) -> HttpResponse:
    specialist = _specialist(service, pending)
    request.session.pop(PENDING, None)
    try:
        booking = actions.book_as_visitor(
            phone=pending["phone"],
            name=pending["name"],
            service=service,
            starts_at=MomentField().clean(pending["start"]),
            specialist=specialist,
            comment=pending["comment"],
            client_time_zone=str(pending.get("zone", "")),
        )
    except actions.SlotTaken as error:
        messages.error(request, str(error.message))
        next_url = reverse("bookings:public_confirm", args=[service.public_id])
        return render(
            request,
            "bookings/public/taken.html",
            {
                "service": service,
                "branch": service.branch,
                "alternatives": [
                    {
                        "start": slot,
                        "url": f"{next_url}?start={slot.isoformat()}&specialist={pending['specialist']}",
                    }
                    for slot in error.alternatives
                ],
                "back": reverse("bookings:public_slots", args=[service.public_id]),
            },
        )
    except actions.BookingRefused as error:
        messages.error(request, str(error.message))
        return HttpResponseRedirect(reverse("bookings:public_slots", args=[service.public_id]))
    mine = [pid for pid in request.session.get(MINE, []) if isinstance(pid, str)][-19:]
    request.session[MINE] = [*mine, booking.public_id]
    messages.success(request, _("Booked. We are looking forward to seeing you."))
    _sign_in(request, booking)
    return HttpResponseRedirect(reverse("bookings:public_booking", args=[booking.public_id]))


def _sign_in(request: HttpRequest, booking: Booking) -> bool:
    """The code just proved the phone: sign the visitor in to the contact's account, as YCLIENTS does.

    Only a plain client account, active, without two-factor (an account with an authenticator gets the normal
    sign-in, never a silent one), and only a visitor not signed in already. allauth's public adapter ``login``
    (Django's ``login``: a new session id, this session's bookings kept) and Kabinet's session policy stamp."""
    user = booking.contact.user
    if request.user.is_authenticated or user is None or not user.is_active or user.is_staff:
        return False
    if Authenticator.objects.filter(user=user).exists():
        return False
    get_adapter(request).login(request, user)
    record_audit(event="auth.login", actor=user, target=user, request=request, method="public_booking_code")
    return True


def _visitor_booking(request: HttpRequest, public_id: str) -> Booking:
    try:
        return booking_for_visitor(request.session.get(MINE, []), public_id)
    except Booking.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
def booking(request: HttpRequest, public_id: str) -> HttpResponse:
    """The booking this session made: details, cancel, and the way to it in the cabinet."""
    item = _visitor_booking(request, public_id)
    return render(
        request,
        "bookings/public/booking.html",
        {
            "booking": item,
            "branch": item.branch,
            "can_change": actions.can_change(item, now=timezone.now()),
            "has_account": item.contact.user_id is not None,
            "signed_in": request.user.is_authenticated and request.user.pk == item.contact.user_id,
            **zone_context(request, item.branch),
        },
    )


@require_POST
def cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _visitor_booking(request, public_id)
    try:
        actions.cancel_booking(actor=None, booking=item)
    except actions.BookingRefused as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The booking is cancelled."))
    return HttpResponseRedirect(reverse("bookings:public_booking", args=[item.public_id]))
