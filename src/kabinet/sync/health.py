"""How a failed pull changes a connection: back off on temporary refusals, stop (and tell the admins) on broken
credentials or an unpaid vendor account — never an endless retry against a 401."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from kabinet.core.audit import record_audit
from kabinet.core.providers.crm import CrmError
from kabinet.sync.models import Connection, Run

BACKOFF_SECONDS = (60, 300, 900, 3600, 6 * 3600)


def consecutive_failures(connection: Connection) -> int:
    """Failed runs since the last good one (at most as many as there are backoff steps)."""
    statuses = (
        Run.objects.filter(connection=connection)
        .exclude(status=Run.Status.RUNNING)
        .values_list("status", flat=True)[: len(BACKOFF_SECONDS)]
    )
    failures = 0
    for status in statuses:
        if status == Run.Status.OK:
            break
        failures += 1
    return failures


def record_failure(connection: Connection, error: CrmError, *, now: datetime.datetime) -> None:
    failures = consecutive_failures(connection)
    delay = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
    status = Connection.Status.STOPPED if error.stops_sync else Connection.Status.FAILING
    Connection.objects.filter(pk=connection.pk).update(
        status=status,
        last_error=error.message[:2000],
        last_error_at=now,
        retry_at=None if error.stops_sync else now + datetime.timedelta(seconds=delay),
    )
    connection.status = status
    if error.stops_sync:
        record_audit(event="sync.stopped", actor=None, target=connection, code=error.code)
        transaction.on_commit(lambda: tell_admins(connection, error))


def tell_admins(connection: Connection, error: CrmError) -> None:
    """An email to the portal's administrators (superusers) in the portal's language."""
    recipients = list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    from django.conf import settings

    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("CRM sync stopped: %(name)s") % {"name": connection.name}
        body = gettext(
            "The sync with %(name)s stopped because the CRM refused the credentials or the account.\n"
            "The CRM said: %(error)s\n\nFix the settings of the connection in the back office; the sync "
            "resumes where it stopped."
        ) % {"name": connection.name, "error": error.message}
    send_mail(subject, body, None, recipients, fail_silently=True)


def due(connection: Connection, now: datetime.datetime | None = None) -> bool:
    """Whether the periodic job should pull this connection now."""
    now = now or timezone.now()
    if not connection.is_active or connection.status == Connection.Status.STOPPED:
        return False
    return connection.retry_at is None or connection.retry_at <= now
