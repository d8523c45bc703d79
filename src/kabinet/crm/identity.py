"""The CRM side of sign-in: ``kabinet.accounts.directory.ContactDirectory`` over contacts, their emails and
phones. Installed from ``CrmConfig.ready()``; reads here, writes through ``crm.actions``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, Q

from kabinet.accounts.directory import ContactCard
from kabinet.crm import actions
from kabinet.crm.models import Company, Contact, ContactEmail, ContactPhone


def _card(contact: Contact) -> ContactCard:
    return ContactCard(
        public_id=contact.public_id,
        full_name=contact.full_name,
        first_name=contact.first_name,
        emails=tuple(e.email for e in contact.emails.all()),
        phones=tuple(p.phone for p in contact.phones.all()),
        verified_emails=tuple(e.email for e in contact.emails.all() if e.verified_at),
        verified_phones=tuple(p.phone for p in contact.phones.all() if p.verified_at),
        user_id=contact.user_id,
    )


def _contacts():
    return Contact.objects.prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "id")),
        Prefetch("phones", queryset=ContactPhone.objects.order_by("-is_primary", "id")),
    )


class CrmContactDirectory:
    def user_ids_by_phone(self, phone: str) -> list[int]:
        return list(
            # only numbers proven by the person (a code) or vouched for by staff: one typed on "My data"
            # signs nobody in, and cannot take SMS sign-in away from its real owner
            ContactPhone.objects.filter(phone=phone, contact__user__isnull=False, verified_at__isnull=False)
            .values_list("contact__user_id", flat=True)
            .distinct()
        )

    def find_unlinked(self, *, emails: Sequence[str] = (), phones: Sequence[str] = ()) -> list[ContactCard]:
        wanted = Q(pk__in=[])
        if emails:
            wanted |= Q(emails__email__in=[e.strip().lower() for e in emails])
        if phones:
            wanted |= Q(phones__phone__in=list(phones))
        ids = Contact.objects.filter(wanted, user__isnull=True).values_list("pk", flat=True).distinct()
        return [_card(c) for c in _contacts().filter(pk__in=list(ids))]

    def card(self, public_id: str) -> ContactCard | None:
        contact = _contacts().filter(public_id=public_id).first()
        return _card(contact) if contact else None

    def card_of_user(self, user: Any) -> ContactCard | None:
        contact = _contacts().filter(user_id=user.pk).first()
        return _card(contact) if contact else None

    def link_user(self, *, actor: Any, contact_public_id: str, user: Any) -> None:
        actions.link_contact_user(
            actor=actor, contact=Contact.objects.get(public_id=contact_public_id), user=user
        )

    def create_for_user(self, *, actor: Any, user: Any, phone: str = "") -> None:
        parts = (user.full_name or user.email.split("@")[0]).split()
        contact = actions.create_contact(
            actor=actor,
            first_name=parts[0][:100],
            last_name=" ".join(parts[1:])[:100],
            emails=[user.email],
            phones=[phone] if phone else [],
            user=user,
        )
        if phone:
            actions.mark_contact_address_verified(actor=actor, contact=contact, phone=phone)

    def mark_verified(self, *, user: Any, email: str = "", phone: str = "") -> None:
        contact = Contact.objects.filter(user_id=user.pk).first()
        if contact is not None:
            actions.mark_contact_address_verified(actor=user, contact=contact, email=email, phone=phone)

    def grant_company_access(self, *, actor: Any, user: Any, company_public_id: str, role: str) -> bool:
        company = Company.objects.filter(public_id=company_public_id).first()
        if company is None:
            return False
        actions.join_company(actor=actor, user=user, company=company, role=role)
        return True
