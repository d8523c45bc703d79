"""All writes of the CRM core. Views, admin, commands and jobs call these; nothing else saves CRM rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from kabinet.accounts.actions import add_sign_in_email, address_taken, create_invitation
from kabinet.accounts.models import Invitation
from kabinet.core.audit import record_audit
from kabinet.core.i18n import assign_translations, translations
from kabinet.core.sequences import next_number
from kabinet.crm import validators as v
from kabinet.crm.models import (
    BankAccount,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    Membership,
    Order,
    OrderItem,
    Pipeline,
    Stage,
    TimelineEntry,
)
from kabinet.crm.notices import notify_owners
from kabinet.crm.timeline import record_timeline


@dataclass(frozen=True)
class ItemInput:
    name: str
    quantity: Decimal = Decimal("1")
    price: Decimal = Decimal("0")
    unit: str = ""  # empty: pieces, shown in the reader's language


@transaction.atomic
def create_company(*, actor: Any, name: str, **details: Any) -> Company:
    """Create a company after full validation (registration numbers by checksum)."""
    company = Company(name=name, **details)
    company.full_clean()
    company.save()
    record_audit(event="company.created", actor=actor, target=company)
    return company


@transaction.atomic
def save_company(*, actor: Any, company: Company, changed_fields: Iterable[str] = ()) -> Company:
    """Save a company edited as a whole (back office, portal form): validated, audited, in the history."""
    if company.pk is None:
        company.full_clean()
        company.save()
        record_audit(event="company.created", actor=actor, target=company)
        return company
    return update_company(actor=actor, company=company, changed_fields=changed_fields)


@transaction.atomic
def update_company(
    *, actor: Any, company: Company, changed_fields: Iterable[str] = (), **details: Any
) -> Company:
    """Apply changes to a company's details, validate them and write history and audit."""
    for field, value in details.items():
        setattr(company, field, value)
    company.full_clean()
    company.save()
    changed = sorted(set(changed_fields) | set(details))
    record_audit(event="company.updated", actor=actor, target=company, fields=changed)
    _company_history(actor=actor, company=company, event="company.updated", name=company.name)
    return company


@transaction.atomic
def create_contact(
    *,
    actor: Any,
    first_name: str,
    last_name: str = "",
    middle_name: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    user: Any = None,
    manager: Any = None,
    position: str = "",
    delivery_address: str = "",
    verified: bool = False,
) -> Contact:
    """Create a contact with emails and phones (phones normalised to E.164; the first of each is primary).

    ``verified``: the business vouches for these addresses (staff typed them from their records, the demo):
    they sign in at once. Addresses a client adds himself are never created verified.
    """
    contact = Contact(
        first_name=first_name,
        last_name=last_name,
        middle_name=middle_name,
        user=user,
        manager=manager,
        position=position,
        delivery_address=delivery_address,
    )
    contact.full_clean()
    contact.save()
    stamp = timezone.now() if verified else None
    for model, field, values in ((ContactEmail, "email", emails), (ContactPhone, "phone", phones)):
        for index, value in enumerate(values):
            row = model(contact=contact, is_primary=index == 0, verified_at=stamp, **{field: value})
            row.full_clean(exclude=["contact"])
            row.save()
    record_audit(event="contact.created", actor=actor, target=contact)
    return contact


@transaction.atomic
def add_membership(
    *, actor: Any, contact: Contact, company: Company, role: str = Membership.Role.MEMBER
) -> Membership:
    """Make ``contact`` a member (or company admin) of ``company``; updates the role if already a member."""
    membership, created = Membership.objects.update_or_create(
        contact=contact, company=company, defaults={"role": role}
    )
    record_audit(
        event="membership.created" if created else "membership.role_changed",
        actor=actor,
        target=company,
        contact=contact.public_id,
        role=role,
    )
    return membership


@transaction.atomic
def remove_membership(*, actor: Any, membership: Membership) -> None:
    """Staff (or an integrator) take a contact out of a company. His orders and documents stay with it."""
    company, contact = membership.company, membership.contact
    membership.delete()
    record_audit(event="membership.removed", actor=actor, target=company, contact=contact.public_id)
    _company_history(actor=actor, company=company, event="colleague.removed", name=contact.full_name)


@transaction.atomic
def create_pipeline(
    *,
    actor: Any,
    name: str,
    kind: str,
    stages: Sequence[dict[str, Any]],
    client_name: str | Mapping[str, str] = "",
    is_default: bool = False,
) -> Pipeline:
    """Create a pipeline with its stages in order; ``stages`` are dicts of Stage fields (translated texts
    as their language columns, ``client_name_ru``…); ``client_name`` is one text or ``{"ru": …, "en": …}``."""
    pipeline = Pipeline(name=name, kind=kind, is_default=is_default)
    assign_translations(pipeline, "client_name", client_name or name)
    pipeline.save()
    for position, stage in enumerate(stages):
        row = Stage(pipeline=pipeline, position=position, **stage)
        row.full_clean()
        row.save()
    record_audit(event="pipeline.created", actor=actor, target=pipeline, stages=len(stages))
    return pipeline


def default_pipeline(kind: str) -> Pipeline:
    return Pipeline.objects.filter(kind=kind).order_by(
        "-is_default", "position", "id"
    ).first() or Pipeline.objects.get(kind=kind)


@transaction.atomic
def create_order(
    *,
    actor: Any,
    title: str,
    company: Company | None,
    contact: Contact | None,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    amount: Decimal | None = None,
    currency: str = "RUB",
    items: Sequence[ItemInput] = (),
    manager: Any = None,
    description: str = "",
    due_date: Any = None,
    custom_fields: dict[str, Any] | None = None,
) -> Order:
    """Open a new order in the first stage of its pipeline (or ``stage``); amount defaults to the items' sum."""
    pipeline = pipeline or (stage.pipeline if stage else default_pipeline(Pipeline.Kind.ORDER))
    stage = stage or pipeline.stages.order_by("position", "id").first()
    total = sum((Decimal(i.quantity) * Decimal(i.price) for i in items), Decimal("0")).quantize(
        Decimal("0.01")
    )
    order = Order(
        number=next_number("order", width=5),
        title=title,
        description=description,
        company=company,
        contact=contact,
        pipeline=pipeline,
        stage=stage,
        amount=amount if amount is not None else total,
        currency=currency,
        manager=manager,
        due_date=due_date,
        custom_fields=custom_fields or {},
        stage_changed_at=timezone.now(),
    )
    order.full_clean()
    order.save()
    OrderItem.objects.bulk_create(
        OrderItem(order=order, position=pos, name=i.name, quantity=i.quantity, price=i.price, unit=i.unit)
        for pos, i in enumerate(items)
    )
    record_timeline(
        event="order.created",
        kind="order",
        subject=order,
        company=company,
        contact=contact,
        actor=actor,
        number=order.number,
        title=order.title,
    )
    record_audit(event="order.created", actor=actor, target=order)
    return order


@transaction.atomic
def set_order_hidden(*, actor: Any, order: Order, hidden: bool) -> Order:
    """Take an order out of the client's cabinet (``hidden``) or put it back.

    A hidden order is left out of every client read (``orders_visible_to``, the history, the notices) and
    staff keep seeing it; nothing is deleted, so showing it again brings back its history as it was. The
    timeline entry is internal: clients are never told that something was hidden from them.
    """
    if order.hidden == hidden:
        return order
    order.hidden = hidden
    order.save(update_fields=["hidden", "updated_at"])
    record_timeline(
        event="order.hidden" if hidden else "order.shown",
        kind="order",
        subject=order,
        company=order.company,
        contact=order.contact,
        actor=actor,
        client_visible=False,
        number=order.number,
    )
    record_audit(event="order.hidden" if hidden else "order.shown", actor=actor, target=order)
    return order


@transaction.atomic
def change_order_stage(*, actor: Any, order: Order, stage: Stage) -> Order:
    """Move an order to another stage of its pipeline; closing stages stamp ``closed_at``."""
    if stage.pipeline_id != order.pipeline_id:
        raise ValidationError({"stage": gettext("This stage belongs to another pipeline.")})
    if stage.pk == order.stage_id:
        return order
    order.stage = stage
    order.stage_changed_at = timezone.now()
    order.closed_at = None if stage.is_open else order.stage_changed_at
    order.save(update_fields=["stage", "stage_changed_at", "closed_at", "updated_at"])
    record_timeline(
        event="order.stage_changed",
        kind="order",
        subject=order,
        company=order.company,
        contact=order.contact,
        actor=actor,
        number=order.number,
        stage=translations(stage, "client_name"),  # read later in each reader's language
        stage_id=stage.pk,
    )
    record_audit(event="order.stage_changed", actor=actor, target=order, stage=stage.pk)
    if not stage.tells_client or order.hidden:
        return order
    notify_owners(
        actor=actor,
        event="order.stage_changed",
        company_id=order.company_id,
        contact_id=order.contact_id,
        url=reverse("crm:order", args=[order.public_id]),
        subject_public_id=order.public_id,
        params={
            "number": order.number,
            "title": order.title,
            "stage": translations(stage, "client_name"),
            "explanation": translations(stage, "client_description"),
        },
    )
    return order


@transaction.atomic
def add_order_item(*, actor: Any, order: Order, item: ItemInput, recalculate: bool = True) -> OrderItem:
    """Append an item to an order; with ``recalculate`` the order's amount becomes the sum of its items.

    The order row is saved too (``updated_at`` moves), so an ETag read before the change no longer matches.
    """
    last = order.items.order_by("-position").values_list("position", flat=True).first()
    row = OrderItem(
        order=order,
        position=0 if last is None else last + 1,
        name=item.name,
        quantity=item.quantity,
        price=item.price,
        unit=item.unit,
    )
    row.full_clean(exclude=["order"])
    row.save()
    if recalculate:
        order.amount = sum((i.total for i in OrderItem.objects.filter(order=order)), Decimal("0"))
    order.save(update_fields=["amount", "updated_at"])
    record_timeline(
        event="order.updated",
        kind="order",
        subject=order,
        company=order.company,
        contact=order.contact,
        actor=actor,
        number=order.number,
    )
    record_audit(event="order.item_added", actor=actor, target=order, item=row.name)
    return row


@transaction.atomic
def save_order(*, actor: Any, order: Order, changed_fields: Iterable[str]) -> Order:
    """Save an order edited as a whole (back office form): validates, records the stage move if any."""
    changed = set(changed_fields)
    is_new = order.pk is None
    if is_new:
        order.number = order.number or next_number("order", width=5)
        order.stage_changed_at = timezone.now()
    old_stage_id = None if is_new else Order.objects.values_list("stage_id", flat=True).get(pk=order.pk)
    order.full_clean()
    new_stage = order.stage
    if not is_new and old_stage_id != order.stage_id:
        order.stage_id = old_stage_id
        order.save()
        return change_order_stage(actor=actor, order=order, stage=new_stage)
    order.save()
    if is_new:
        record_timeline(
            event="order.created",
            kind="order",
            subject=order,
            company=order.company,
            contact=order.contact,
            actor=actor,
            number=order.number,
            title=order.title,
        )
        record_audit(event="order.created", actor=actor, target=order)
    elif changed:
        record_audit(event="order.updated", actor=actor, target=order, fields=sorted(changed))
    return order


# --- portal accounts (called by kabinet.accounts through the contact directory, crm/identity.py) ---------


@transaction.atomic
def link_contact_user(*, actor: Any, contact: Contact, user: Any) -> Contact:
    """Make ``user`` the portal account of ``contact``: everything recorded for the contact becomes his."""
    if contact.user_id not in (None, user.pk):
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(_("This contact already has a portal account."))
    contact.user = user
    contact.save(update_fields=["user", "updated_at"])
    record_audit(event="contact.user_linked", actor=actor, target=contact, user=user.public_id)
    return contact


@transaction.atomic
def mark_contact_address_verified(*, actor: Any, contact: Contact, email: str = "", phone: str = "") -> None:
    """The person proved he controls ``email`` / ``phone``: stamp it verified, adding it if it is new."""
    now = timezone.now()
    if email:
        row, _created = ContactEmail.objects.get_or_create(
            contact=contact, email=email.strip().lower(), defaults={"is_primary": not contact.emails.exists()}
        )
        if row.verified_at is None:
            row.verified_at = now
            row.save(update_fields=["verified_at"])
            record_audit(event="contact.email_verified", actor=actor, target=contact)
    if phone:
        row, _created = ContactPhone.objects.get_or_create(
            contact=contact, phone=phone, defaults={"is_primary": not contact.phones.exists()}
        )
        if row.verified_at is None:
            row.verified_at = now
            row.save(update_fields=["verified_at"])
            record_audit(event="contact.phone_verified", actor=actor, target=contact)


@transaction.atomic
def anonymise_contact(*, actor: Any, contact: Contact) -> Contact:
    """The person deleted his account: his name, addresses, emails and phones go; his orders, invoices and
    documents stay with the business, attached to this nameless contact."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    with translation.override(settings.LANGUAGE_CODE):
        contact.first_name = _("Deleted client")
    contact.middle_name = ""
    contact.last_name = ""
    contact.position = ""
    contact.delivery_address = ""
    contact.user = None
    contact.save()
    contact.emails.all().delete()
    contact.phones.all().delete()
    record_audit(event="contact.anonymised", actor=actor, target=contact)
    return contact


CONFIRM = "confirm"
DECLINE = "decline"


@transaction.atomic
def respond_to_order(*, actor: Any, order: Order, decision: str, comment: str = "") -> Order:
    """The client confirms or declines what the order's current stage asks of him (an offer, an estimate).

    The order is read again under a lock so a double click, or staff moving the order meanwhile, cannot
    apply a stale decision.
    """
    if decision not in (CONFIRM, DECLINE):
        raise ValidationError({"decision": gettext("Choose to confirm or to decline.")})
    # Lock the order row only: the stage's targets are nullable, and PostgreSQL cannot lock an outer join.
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("stage__confirm_stage", "stage__decline_stage")
        .get(pk=order.pk)
    )
    stage = order.stage
    target = stage.confirm_stage if decision == CONFIRM else stage.decline_stage
    if not stage.asks_client or target is None:
        raise ValidationError(gettext("This order is not waiting for your decision any more."))
    comment = (comment or "").strip()[:2000]
    record_timeline(
        event="order.confirmed" if decision == CONFIRM else "order.declined",
        kind="order",
        subject=order,
        company=order.company,
        contact=order.contact,
        actor=actor,
        number=order.number,
        comment=comment,
    )
    record_audit(event=f"order.{decision}", actor=actor, target=order, stage=stage.pk, comment=bool(comment))
    return change_order_stage(actor=actor, order=order, stage=target)


NOTE_MAX_LENGTH = 4000


@transaction.atomic
def add_timeline_note(
    *,
    actor: Any,
    text: str,
    company: Company | None = None,
    contact: Contact | None = None,
    client_visible: bool = False,
) -> TimelineEntry:
    """A note in a client's history, written by staff or an integrator (a call, a visit, a decision).

    It belongs to a contact, a company, or a contact within a company he is a member of. Staff always see it;
    the client only with ``client_visible`` (so a note meant for the team never reaches him by default).
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": gettext("Write the note.")}, code="empty")
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"text": gettext("Keep the note under %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}}
        )
    if company is None and contact is None:
        raise ValidationError({"contact": gettext("Name the contact or the company whose history this is.")})
    if (
        company is not None
        and contact is not None
        and not Membership.objects.filter(company=company, contact=contact).exists()
    ):
        raise ValidationError({"contact": gettext("This contact is not a member of the chosen company.")})
    entry = record_timeline(
        event="note.added",
        kind="account",
        subject=None,
        company=company,
        contact=contact,
        actor=actor,
        client_visible=client_visible,
        text=text,
    )
    record_audit(event="timeline.note_added", actor=actor, target=entry, client_visible=client_visible)
    return entry


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def _replace_addresses(contact: Contact, model: type, field: str, wanted: Sequence[str]) -> None:
    """Make the contact's emails (or phones) exactly ``wanted``, the first one primary; kept rows keep their
    verification."""
    rows = model.objects.filter(contact=contact)
    rows.exclude(**{f"{field}__in": wanted}).delete()
    kept = {getattr(row, field): row for row in rows}
    for index, value in enumerate(wanted):
        row = kept.get(value) or model(contact=contact, **{field: value})
        row.is_primary = index == 0
        row.full_clean(exclude=["contact"], validate_unique=False)
        row.save()


@transaction.atomic
def update_contact_details(
    *,
    actor: Any,
    contact: Contact,
    first_name: str,
    last_name: str = "",
    middle_name: str = "",
    position: str = "",
    delivery_address: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    company: Company | None = None,
) -> Contact:
    """A client edits his own contact details; the first email and phone become the primary ones.

    Addresses kept from before keep their verification; ``company`` is where the change shows in the history.
    """
    contact.first_name = first_name.strip()
    contact.last_name = last_name.strip()
    contact.middle_name = middle_name.strip()
    contact.position = position.strip()
    contact.delivery_address = delivery_address.strip()
    contact.full_clean()
    contact.save()
    wanted_emails = _unique((e or "").strip().lower() for e in emails)
    try:
        wanted_phones = _unique(v.normalize_phone(p) for p in phones if (p or "").strip())
    except ValidationError as error:
        raise ValidationError({"phones": error.messages}) from error
    _replace_addresses(contact, ContactEmail, "email", wanted_emails)
    _replace_addresses(contact, ContactPhone, "phone", wanted_phones)
    record_audit(event="contact.updated", actor=actor, target=contact)
    record_timeline(
        event="contact.updated",
        kind="account",
        subject=contact,
        company=company,
        contact=contact,
        actor=actor,
        name=contact.full_name,
    )
    return contact


class AddressConflict(ValidationError):
    """The address already signs in to another account: the person keeps it unverified, staff see it."""


def confirm_contact_address(*, actor: Any, contact: Contact, email: str = "", phone: str = "") -> None:
    """The client proved with a code that he controls an address on his contact.

    The address is stamped verified and becomes a sign-in identity of his account (an email also as an
    allauth ``EmailAddress``). An address another account already signs in with is refused and audited as a
    conflict (staff see it on the contact in the back office): nobody's sign-in is taken over. The conflict's
    audit entry is written outside the refused change, so it stays.
    """
    user = contact.user
    if user is None:
        raise ValidationError(gettext("Only a client with a portal account can confirm an address."))
    if address_taken(user=user, email=email, phone=phone) or _verified_elsewhere(contact, email, phone):
        record_audit(
            event="contact.address_conflict", actor=actor, target=contact, kind="email" if email else "phone"
        )
        raise AddressConflict(
            gettext("This address already signs in to another account. Your manager will sort it out.")
        )
    with transaction.atomic():
        mark_contact_address_verified(actor=actor, contact=contact, email=email, phone=phone)
        if email:
            add_sign_in_email(user=user, email=email)


def _verified_elsewhere(contact: Contact, email: str, phone: str) -> bool:
    if email:
        rows = ContactEmail.objects.filter(email=email.strip().lower())
    else:
        rows = ContactPhone.objects.filter(phone=phone)
    return (
        rows.filter(verified_at__isnull=False, contact__user__isnull=False).exclude(contact=contact).exists()
    )


@transaction.atomic
def update_company_details(
    *,
    actor: Any,
    company: Company,
    changed_fields: Iterable[str] = (),
    bank_accounts: Sequence[BankAccount] = (),
    removed_bank_accounts: Sequence[BankAccount] = (),
) -> Company:
    """A company admin saves the company's legal and bank details, all validated (checksums) or none saved."""
    update_company(actor=actor, company=company, changed_fields=changed_fields)
    for account in removed_bank_accounts:
        if account.pk and account.company_id == company.pk:
            account.delete()
    for account in bank_accounts:
        account.company = company
        account.full_clean()
        account.save()
    if bank_accounts or removed_bank_accounts:
        record_audit(
            event="company.bank_accounts_changed",
            actor=actor,
            target=company,
            saved=len(bank_accounts),
            removed=len(removed_bank_accounts),
        )
    return company


@transaction.atomic
def invite_colleague(
    *,
    actor: Any,
    company: Company,
    email: str,
    first_name: str,
    last_name: str = "",
    role: str = Membership.Role.MEMBER,
    request: Any = None,
) -> Invitation:
    """A company admin invites a colleague to the company by email: an invitation, never a membership.

    Nothing is looked up outside the company: whoever owns the address (nobody, a client of another company,
    staff) the inviter gets the same answer and sees only the address and the name she typed. The person gets
    the invitation email (``accounts.actions.create_invitation``): a new person sets a password through the
    link and joins; an existing account accepts or declines signed in as himself (``join_company``).
    """
    email = (email or "").strip().lower()
    if role not in Membership.Role.values:
        raise ValidationError({"role": gettext("Choose a role.")})
    members = Membership.objects.filter(company=company)
    if (
        members.filter(contact__emails__email=email).exists()
        or members.filter(contact__user__email__iexact=email).exists()
    ):  # only colleagues she already sees: this says nothing about anybody outside her company
        raise ValidationError({"email": gettext("This person already has access to the company.")})
    name = " ".join(part for part in (first_name.strip(), last_name.strip()) if part)
    invitation = create_invitation(
        actor=actor,
        email=email,
        full_name=name,
        company_public_id=company.public_id,
        company_name=company.name,
        role=role,
        request=request,
    )
    record_audit(
        event="membership.invited", actor=actor, target=company, invitation=invitation.public_id, role=role
    )
    _company_history(actor=actor, company=company, event="colleague.invitation_sent", email=email, role=role)
    return invitation


@transaction.atomic
def join_company(*, actor: Any, user: Any, company: Company, role: str) -> Membership:
    """The person accepted an invitation to ``company``: his contact (created if he has none) gets access.

    Nothing about any session changes: the viewer's default company is the one he joined first, so a new
    company is used only once he picks it.
    """
    if role not in Membership.Role.values:
        role = Membership.Role.MEMBER
    contact = Contact.objects.filter(user=user).first()
    if contact is None:
        parts = (user.full_name or user.email.split("@")[0]).split()
        contact = create_contact(
            actor=actor,
            first_name=parts[0][:100],
            last_name=" ".join(parts[1:])[:100],
            emails=[user.email],
            user=user,
        )
        mark_contact_address_verified(actor=actor, contact=contact, email=user.email)
    membership, created = Membership.objects.get_or_create(
        contact=contact, company=company, defaults={"role": role}
    )
    if created:
        record_audit(
            event="membership.joined", actor=actor, target=company, contact=contact.public_id, role=role
        )
        _company_history(
            actor=actor, company=company, event="colleague.joined", name=contact.full_name, role=role
        )
    return membership


def _company_history(*, actor: Any, company: Company, event: str, **data: Any) -> None:
    """A change of who has access to the company, in the company's history (no contact: the whole company)."""
    record_timeline(
        event=event, kind="account", subject=company, company=company, contact=None, actor=actor, **data
    )


def _not_yourself(actor: Any, membership: Membership) -> None:
    if membership.contact.user_id is not None and membership.contact.user_id == getattr(actor, "pk", None):
        raise ValidationError(gettext("You cannot change your own access. Ask another company admin."))


@transaction.atomic
def change_colleague_role(*, actor: Any, membership: Membership, role: str) -> Membership:
    """A company admin makes a colleague an admin or a member (never himself: a company keeps an admin)."""
    if role not in Membership.Role.values:
        raise ValidationError({"role": gettext("Choose a role.")})
    _not_yourself(actor, membership)
    if membership.role == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    record_audit(
        event="membership.role_changed",
        actor=actor,
        target=membership.company,
        contact=membership.contact.public_id,
        role=role,
    )
    _company_history(
        actor=actor,
        company=membership.company,
        event="colleague.made_admin" if role == Membership.Role.ADMIN else "colleague.made_member",
        name=membership.contact.full_name,
    )
    return membership


@transaction.atomic
def remove_colleague(*, actor: Any, membership: Membership) -> None:
    """A company admin takes a colleague's access away. His orders and documents stay with the company."""
    _not_yourself(actor, membership)
    company, contact = membership.company, membership.contact
    membership.delete()
    record_audit(event="membership.removed", actor=actor, target=company, contact=contact.public_id)
    _company_history(actor=actor, company=company, event="colleague.removed", name=contact.full_name)


@transaction.atomic
def set_stage_decision(
    *, actor: Any, stage: Stage, confirm_stage: Stage | None, decline_stage: Stage | None
) -> Stage:
    """Make a stage ask the client to confirm or decline (both targets given), or stop asking (both None)."""
    stage.asks_client = confirm_stage is not None and decline_stage is not None
    stage.confirm_stage = confirm_stage
    stage.decline_stage = decline_stage
    stage.full_clean()
    stage.save(update_fields=["asks_client", "confirm_stage", "decline_stage"])
    record_audit(
        event="stage.decision_changed",
        actor=actor,
        target=stage,
        confirm=getattr(confirm_stage, "pk", None),
        decline=getattr(decline_stage, "pk", None),
    )
    return stage
