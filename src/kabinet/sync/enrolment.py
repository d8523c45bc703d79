"""Sign-in by the phone on the deal (amoCRM's way), for every CRM: which contacts may sign in without an
invitation. Installed into ``accounts.directory`` from ``SyncConfig.ready()``; accounts never imports sync."""

from __future__ import annotations

from kabinet.crm.models import ContactPhone
from kabinet.sync.models import Link


def contacts_for_phone(phone: str) -> list[str]:
    """Public ids of contacts without an account that carry ``phone`` as a verified number and were synced
    by an active connection on which staff switched on sign-in by the phone on the deal. One query."""
    synced = Link.objects.filter(
        kind=Link.Kind.CONTACT,
        connection__phone_sign_in=True,
        connection__is_active=True,
        deleted_in_crm=False,
    ).values("object_id")
    return list(
        ContactPhone.objects.filter(
            phone=phone, verified_at__isnull=False, contact__user__isnull=True, contact_id__in=synced
        )
        .values_list("contact__public_id", flat=True)
        .distinct()[:2]
    )


def register() -> None:
    from kabinet.accounts.directory import register_phone_enrolment

    register_phone_enrolment("crm-sync", contacts_for_phone)
