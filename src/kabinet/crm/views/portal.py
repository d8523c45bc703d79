"""The client's CRM pages: orders (list, detail, decision), the history, and "My data" (contact, companies,
colleagues). Every read goes through ``crm.selectors``; every write through ``crm.actions``."""

from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kabinet.accounts import codes
from kabinet.core.bodies import bounded
from kabinet.core.i18n import columns
from kabinet.core.pagination import page_of
from kabinet.core.registry import detail_panels, object_url
from kabinet.core.search import Folded
from kabinet.crm import actions, verification
from kabinet.crm.custom_fields import shown as shown_fields
from kabinet.crm.forms import (
    STATUS_CLOSED,
    STATUS_OPEN,
    STATUS_WON,
    AddressCodeForm,
    ContactDetailsForm,
    DecisionForm,
    EmailFormSet,
    HistoryFilterForm,
    InviteForm,
    OrderFilterForm,
    PhoneFormSet,
    RoleForm,
    bank_account_formset_class,
    company_form_class,
)
from kabinet.crm.models import Company, Contact, Membership, Order, Stage, TimelineEntry
from kabinet.crm.selectors import (
    bank_accounts_visible_to,
    company_for_viewer,
    contact_of_viewer,
    history_of,
    memberships_of_active_company,
    order_for_viewer,
    order_items_visible_to,
    order_stages,
    orders_visible_to,
    pending_company_invitations,
    stages_of_pipeline,
    timeline_visible_to,
)

ORDERS_PER_PAGE = 20
HISTORY_PER_PAGE = 25
ORDER_HISTORY_LIMIT = 50

ORDER_SORTS: dict[str, tuple[Any, ...]] = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "amount_desc": ("-amount", "-id"),
    "amount_asc": ("amount", "id"),
    "due": (F("due_date").asc(nulls_last=True), "-id"),
}
ORDER_STATUSES = {
    STATUS_OPEN: Q(stage__kind=Stage.Kind.OPEN),
    STATUS_WON: Q(stage__kind=Stage.Kind.WON),
    STATUS_CLOSED: Q(stage__kind__in=[Stage.Kind.LOST, Stage.Kind.CLOSED]),
}


def _client_only(request: HttpRequest) -> None:
    """Client pages exist only for clients: staff and unlinked accounts get the same 404 as a wrong id."""
    if not request.viewer.is_client:
        raise Http404


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Orders -----------------------------------------------------------------------------------------------


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    """The order list: search by number or title, filter by status or stage, sort, 20 per page."""
    _client_only(request)
    stages = list(order_stages())
    form = OrderFilterForm(request.GET or None, stages=stages)
    queryset = orders_visible_to(request.viewer).only(
        "public_id",
        "number",
        "title",
        "amount",
        "currency",
        "created_at",
        "due_date",
        *columns("stage__client_name", "stage__client_description"),
        "stage__color",
        "stage__kind",
        "pipeline__id",
    )
    status = form.value("status")
    if status in ORDER_STATUSES:
        queryset = queryset.filter(ORDER_STATUSES[status])
    elif status.startswith("stage-") and status[6:].isdigit():
        queryset = queryset.filter(stage_id=int(status[6:]))
    search = form.value("q").strip().lstrip("№#").strip()
    if search:
        queryset = queryset.alias(folded_title=Folded("title")).filter(
            Q(number=search) | Q(folded_title__contains=search.lower())
        )
    queryset = queryset.order_by(*ORDER_SORTS.get(form.value("sort"), ORDER_SORTS["newest"]))
    page = page_of(queryset, ORDERS_PER_PAGE, request.GET.get("page"))
    return render(
        request,
        "crm/orders.html",
        {
            "form": form,
            "page": page,
            "orders": page.object_list,
            "filtered": bool(status or search),
            "query": _query_without_page(request),
        },
    )


def _stage_path(order: Order, stages: list[Stage], history: list[TimelineEntry]) -> list[dict[str, Any]]:
    """The stages to show, each done / current / upcoming, with the date it was reached when known.

    The path is the way forward (open stages, then success); an order that was cancelled shows the stages it
    passed through and where it stopped.
    """
    reached: dict[int, Any] = {}
    for entry in reversed(history):  # oldest first, so a stage reached twice keeps its latest date
        if entry.event == "order.stage_changed" and isinstance(entry.data.get("stage_id"), int):
            reached[entry.data["stage_id"]] = entry.created_at
    if stages:
        reached.setdefault(stages[0].pk, order.created_at)
    current = order.stage
    if current.kind in (Stage.Kind.LOST, Stage.Kind.CLOSED):
        shown = [s for s in stages if s.pk in reached and s.kind == Stage.Kind.OPEN]
        shown.append(current)
    else:
        shown = [s for s in stages if s.kind in (Stage.Kind.OPEN, Stage.Kind.WON)]
        if current not in shown:
            shown.append(current)
    current_index = next((i for i, s in enumerate(shown) if s.pk == current.pk), len(shown) - 1)
    path = []
    for index, stage in enumerate(shown):
        state = "done" if index < current_index else "current" if index == current_index else "upcoming"
        path.append(
            {
                "stage": stage,
                "state": state,
                "reached": reached.get(stage.pk) if state != "upcoming" else None,
            }
        )
    return path


def _manager_of(order: Order):
    return (
        order.manager
        or (order.contact.manager if order.contact_id and order.contact else None)
        or (order.company.manager if order.company_id and order.company else None)
    )


@login_required
def order_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One order: its stage path in plain words, items, linked documents and invoices, history, manager."""
    viewer = request.viewer
    try:
        order = order_for_viewer(viewer, public_id)
    except Order.DoesNotExist as exc:
        raise Http404 from exc
    stages = list(stages_of_pipeline(order.pipeline_id))
    items = list(order_items_visible_to(viewer, order))
    history = list(history_of(viewer, order).order_by("-created_at", "-id")[:ORDER_HISTORY_LIMIT])
    panels = []
    for panel in detail_panels("order"):
        context = panel.context(request, order)
        if context is not None:
            panels.append({"key": panel.key, "template": panel.template, "context": context})
    stage = order.stage
    asks = stage.asks_client and stage.confirm_stage_id and stage.decline_stage_id
    by_id = {s.pk: s for s in stages}  # what each answer leads to, without another query
    return render(
        request,
        "crm/order_detail.html",
        {
            "order": order,
            "path": _stage_path(order, stages, history),
            "items": items,
            "history": history,
            "panels": panels,
            "manager": _manager_of(order),
            "custom_fields": shown_fields(order),
            "decision_form": DecisionForm() if asks else None,
            "next_on_confirm": by_id.get(stage.confirm_stage_id) if asks else None,
            "next_on_decline": by_id.get(stage.decline_stage_id) if asks else None,
        },
    )


@login_required
@require_POST
def order_decision(request: HttpRequest, public_id: str) -> HttpResponse:
    """Confirm or decline what the order's stage asks (an offer, an estimate)."""
    try:
        order = order_for_viewer(request.viewer, public_id)
    except Order.DoesNotExist as exc:
        raise Http404 from exc
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to confirm or to decline."))
    elif form.cleaned_data["decision"] == actions.DECLINE and not form.cleaned_data["confirmed"]:
        stage = order.stage
        if stage.asks_client and stage.decline_stage_id:
            # Ask before the irreversible step, saying what happens next; without JavaScript too.
            return render(
                request,
                "crm/order_decline.html",
                {"order": order, "next_stage": stage.decline_stage, "form": form},
            )
        messages.error(request, _("This order is not waiting for your decision any more."))
    else:
        try:
            actions.respond_to_order(
                actor=request.user,
                order=order,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Thank you! We have received your confirmation.")
                if form.cleaned_data["decision"] == actions.CONFIRM
                else _("Your answer is saved. Your manager will contact you."),
            )
    return HttpResponseRedirect(reverse("crm:order", args=[order.public_id]))


# --- History ----------------------------------------------------------------------------------------------


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """Everything that happened, across orders, documents, invoices, tickets and messages, newest first."""
    _client_only(request)
    form = HistoryFilterForm(request.GET or None)
    kind = form.cleaned_data.get("kind", "") if form.is_bound and form.is_valid() else ""
    queryset = (
        timeline_visible_to(request.viewer).select_related("subject_type").order_by("-created_at", "-id")
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    page = page_of(queryset, HISTORY_PER_PAGE, request.GET.get("page"))
    entries = [
        {
            "entry": entry,
            "url": object_url(
                f"{entry.subject_type.app_label}.{entry.subject_type.model}" if entry.subject_type else "",
                entry.subject_public_id,
            ),
        }
        for entry in page.object_list
    ]
    return render(
        request,
        "crm/history.html",
        {"form": form, "page": page, "entries": entries, "kind": kind, "query": _query_without_page(request)},
    )


# --- My data ----------------------------------------------------------------------------------------------


def _my_contact(request: HttpRequest) -> Contact:
    try:
        return contact_of_viewer(request.viewer)
    except Contact.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """My data: my contact details and the companies I belong to."""
    contact = _my_contact(request)
    return render(
        request,
        "crm/profile.html",
        {
            "contact": contact,
            "emails": sorted(contact.emails.all(), key=lambda e: (not e.is_primary, e.pk)),
            "phones": sorted(contact.phones.all(), key=lambda p: (not p.is_primary, p.pk)),
            "companies": request.viewer.companies,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify_address(request: HttpRequest) -> HttpResponse:
    """Prove an email or phone of "My data" with a code: POST ``address`` sends it, POST ``code`` checks it."""
    contact = _my_contact(request)
    form = AddressCodeForm(request.POST if "code" in request.POST else None)
    if request.method == "POST" and "address" in request.POST:
        found = verification.unverified_address(contact, bounded(request.POST.get("address"), 254))
        if found is None:
            messages.error(request, _("This address is already confirmed or is not in your details."))
            return HttpResponseRedirect(reverse("crm:profile"))
        kind, address = found
        if not ratelimit.consume(request, action="verify_contact_address", key=address):
            messages.error(request, _("Too many requests. Wait a minute and try again."))
            return HttpResponseRedirect(reverse("crm:profile"))
        verification.send_code(request=request, contact=contact, kind=kind, address=address)
        return HttpResponseRedirect(reverse("crm:verify_address"))
    pending = verification.pending_address(request)
    if pending is None:
        messages.error(request, _("The code has expired. Ask for a new one."))
        return HttpResponseRedirect(reverse("crm:profile"))
    if request.method == "POST" and form.is_valid():
        outcome = codes.check(request.session, verification.PURPOSE, form.cleaned_data["code"])
        if outcome == "ok":
            try:
                actions.confirm_contact_address(
                    actor=request.user, contact=contact, **{pending["kind"]: pending["address"]}
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("%(address)s is confirmed. You can sign in with it.") % pending)
            return HttpResponseRedirect(reverse("crm:profile"))
        form.add_error(
            "code",
            _("The code is not right. Check it and try again.")
            if outcome == "wrong"
            else _("The code has expired. Ask for a new one."),
        )
        if outcome != "wrong":
            return HttpResponseRedirect(reverse("crm:profile"))
    return render(
        request,
        "crm/verify_address.html",
        {"form": form, "address": pending["address"], "kind": pending["kind"]},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Edit my name, emails, phones and delivery address; errors are shown at the field."""
    contact = _my_contact(request)
    emails = [e.email for e in sorted(contact.emails.all(), key=lambda e: (not e.is_primary, e.pk))]
    phones = [p.phone for p in sorted(contact.phones.all(), key=lambda p: (not p.is_primary, p.pk))]
    data = request.POST if request.method == "POST" else None
    form = ContactDetailsForm(data, instance=contact)
    email_forms = EmailFormSet(data, prefix="emails", initial=[{"email": e} for e in emails])
    phone_forms = PhoneFormSet(data, prefix="phones", initial=[{"phone": p} for p in phones])
    if data is not None and form.is_valid() and email_forms.is_valid() and phone_forms.is_valid():
        company = (
            Company.objects.filter(pk=request.viewer.active_company_id).first()
            if request.viewer.active_company_id
            else None
        )
        try:
            actions.update_contact_details(
                actor=request.user,
                contact=contact,
                company=company,
                emails=[f.cleaned_data["email"] for f in email_forms if f.cleaned_data.get("email")],
                phones=[f.cleaned_data["phone"] for f in phone_forms if f.cleaned_data.get("phone")],
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your details are saved."))
            return HttpResponseRedirect(reverse("crm:profile"))
    return render(
        request,
        "crm/profile_edit.html",
        {"form": form, "email_forms": email_forms, "phone_forms": phone_forms},
        status=400 if data is not None else 200,
    )


def _company_and_role(request: HttpRequest, public_id: str) -> tuple[Company, bool]:
    access = next((c for c in request.viewer.companies if c.public_id == public_id), None)
    if access is None:
        raise Http404
    try:
        company = company_for_viewer(request.viewer, public_id)
    except Company.DoesNotExist as exc:
        raise Http404 from exc
    return company, access.is_admin


@login_required
def company(request: HttpRequest, public_id: str) -> HttpResponse:
    """One of my companies: its legal and bank details (editable by its admins)."""
    company, is_admin = _company_and_role(request, public_id)
    return render(
        request,
        "crm/company.html",
        {
            "company": company,
            "is_admin": is_admin,
            "is_active": request.viewer.active_company_id == company.pk,
            "bank_accounts": list(bank_accounts_visible_to(request.viewer, company)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """A company admin edits the company's details; registration numbers and bank accounts are checked."""
    company, is_admin = _company_and_role(request, public_id)
    if not is_admin:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = company_form_class(company)(data, instance=company)
    accounts = bank_account_formset_class(company)(
        data, prefix="bank", queryset=bank_accounts_visible_to(request.viewer, company)
    )
    if data is not None and form.is_valid() and accounts.is_valid():
        deleted = [f.instance for f in accounts.deleted_forms if f.instance.pk]
        saved = [
            f.instance
            for f in accounts.forms
            if f not in accounts.deleted_forms and f.has_changed() and f.cleaned_data
        ]
        try:
            actions.update_company_details(
                actor=request.user,
                company=form.instance,
                changed_fields=form.changed_data,
                bank_accounts=saved,
                removed_bank_accounts=deleted,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The company’s details are saved."))
            return HttpResponseRedirect(reverse("crm:company", args=[company.public_id]))
    return render(
        request,
        "crm/company_edit.html",
        {"company": company, "form": form, "accounts": accounts},
        status=400 if data is not None else 200,
    )


def _active_admin_company(request: HttpRequest) -> Company:
    if not request.viewer.is_company_admin:
        raise Http404
    return Company.objects.get(pk=request.viewer.active_company_id)


@login_required
@require_http_methods(["GET", "POST"])
def colleagues(request: HttpRequest) -> HttpResponse:
    """A company admin sees the colleagues of the active company, invites new ones and changes roles."""
    company = _active_admin_company(request)
    form = InviteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.invite_colleague(
                    actor=request.user, company=company, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _(
                        "We have sent an invitation to %(email)s. %(company)s appears in the colleague's portal "
                        "once the invitation is accepted."
                    )
                    % {"email": form.cleaned_data["email"], "company": company.name},
                )
                return HttpResponseRedirect(reverse("crm:colleagues"))
        status = 400
    members = list(
        memberships_of_active_company(request.viewer)
        .select_related("contact__user")
        .order_by("contact__last_name", "contact__first_name", "id")
    )
    return render(
        request,
        "crm/colleagues.html",
        {
            "company": company,
            "members": [
                {
                    "membership": m,
                    "is_me": m.contact_id == request.viewer.contact_id,
                    "role_form": RoleForm(initial={"role": m.role}, prefix=m.contact.public_id),
                }
                for m in members
            ],
            "form": form,
            "invitations": pending_company_invitations(request.viewer),
        },
        status=status,
    )


def _colleague(request: HttpRequest, public_id: str) -> Membership:
    try:
        return (
            memberships_of_active_company(request.viewer)
            .select_related("company")
            .get(contact__public_id=public_id)
        )
    except Membership.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_POST
def colleague_role(request: HttpRequest, public_id: str) -> HttpResponse:
    membership = _colleague(request, public_id)
    form = RoleForm(request.POST, prefix=public_id)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
    else:
        try:
            actions.change_colleague_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The role of %(name)s is changed.") % {"name": membership.contact.full_name}
            )
    return HttpResponseRedirect(reverse("crm:colleagues"))


@login_required
@require_POST
def colleague_remove(request: HttpRequest, public_id: str) -> HttpResponse:
    membership = _colleague(request, public_id)
    try:
        actions.remove_colleague(actor=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s no longer has access to the company.") % {"name": membership.contact.full_name},
        )
    return HttpResponseRedirect(reverse("crm:colleagues"))
