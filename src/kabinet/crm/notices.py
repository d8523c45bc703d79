"""Telling clients that something happened to their objects, through the ``core.notify`` contract.

Each notice has one recipient: the object's contact; an object of a company without a contact (addressed to
the company as a whole) goes to every admin of that company. Nobody is told about what he did himself (a client
confirming his own order). Call from actions, inside their transaction.
"""

from __future__ import annotations

from typing import Any

from kabinet.core.notify import Notice, notify
from kabinet.crm.models import Contact, Membership


def recipients(*, company_id: int | None, contact_id: int | None) -> list[int]:
    """Contact ids to tell about an object owned by ``company_id``/``contact_id``."""
    if contact_id is not None:
        return [contact_id]
    if company_id is None:
        return []
    return list(
        Membership.objects.filter(company_id=company_id, role=Membership.Role.ADMIN)
        .order_by("contact_id")
        .values_list("contact_id", flat=True)
    )


def notify_owners(
    *,
    event: str,
    company_id: int | None,
    contact_id: int | None,
    url: str,
    subject_public_id: str,
    params: dict[str, Any],
    actor: Any = None,
) -> list[Notice]:
    """Send one notice per recipient of the object, except to the client who caused it; returns what was sent."""
    sent = []
    targets = recipients(company_id=company_id, contact_id=contact_id)
    if targets and getattr(actor, "pk", None) and not getattr(actor, "is_staff", False):
        himself = set(Contact.objects.filter(pk__in=targets, user_id=actor.pk).values_list("pk", flat=True))
        targets = [t for t in targets if t not in himself]
    for recipient in targets:
        notice = Notice(
            event=event,
            contact_id=recipient,
            company_id=company_id,
            url=url,
            subject_public_id=subject_public_id,
            params=params,
        )
        notify(notice)
        sent.append(notice)
    return sent
