"""Rendering a notice for one recipient and one channel, in the recipient's language.

Email looks for ``notifications/email/<event>.txt`` (and an optional ``<event>.html`` and
``<event>.subject.txt``), with the notice's params, ``sentence``, ``count``, ``previews`` and an absolute
``url``; without them it uses ``notifications/email/generic.txt``/``.html`` built from the event's sentence.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist, VariableDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation

from kabinet.core.branding import portal_title
from kabinet.core.i18n import localize
from kabinet.notifications.channels import OutgoingMessage, Recipient
from kabinet.notifications.events import event_kind, notice_text
from kabinet.notifications.models import Notification

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + (path if path.startswith("/") else "/" + path)


def _optional(name: str, context: dict[str, Any]) -> str:
    """An event's own template, or "" when it has none or cannot render these params.

    A domain template may expect params a notice lacks (a filter argument on a missing key raises in Django
    templates); the generic template built from the event's sentence is better than a channel retrying
    forever.
    """
    try:
        template = get_template(name)
    except TemplateDoesNotExist:
        return ""
    try:
        return template.render(context)
    except VariableDoesNotExist:
        logger.warning("template %s cannot render the notice's params; using the generic one", name)
        return ""


def render_message(notification: Notification, recipient: Recipient, channel_id: str) -> OutgoingMessage:
    """The outgoing message of the notification's current batch (only what is new since the last one)."""
    new = max(notification.count - int(notification.params.get("batch_from", 0)), 1)
    with translation.override(recipient.language):
        sentence = notice_text(notification.event, notification.params, new)
        url = absolute_url(notification.url or "/")
        params = localize(notification.params)  # texts kept in every language: the recipient's
        # Links among the params (``pay_url``…) are kept as paths and made absolute here, with the notice's own.
        params = {
            key: absolute_url(value) if key.endswith("_url") and isinstance(value, str) and value.startswith("/")
            else value
            for key, value in params.items()
        }
        context = {
            **params,
            "params": params,
            "sentence": sentence,
            "label": str(event_kind(notification.event).label),
            "count": new,
            "previews": [p for p in notification.params.get("previews", []) if p][-new:],
            "url": url,
            "recipient": recipient,
            "portal_title": portal_title(),
            "settings_url": absolute_url("/notifications/settings/"),
        }
        base = f"notifications/email/{notification.event}"
        subject = _optional(f"{base}.subject.txt", context).strip() or sentence
        text = _optional(f"{base}.txt", context)
        html = _optional(f"{base}.html", context) if text else ""
        if not text:
            text = render_to_string("notifications/email/generic.txt", context)
            html = render_to_string("notifications/email/generic.html", context)
        if channel_id != "email":  # short channels (push, messengers, SMS): the sentence and the last words
            text = "\n".join([sentence, *context["previews"][-1:]])
    return OutgoingMessage(
        event=notification.event,
        recipient=recipient,
        subject=" ".join(subject.split())[:200],
        text=text,
        html=html if channel_id == "email" else "",
        url=url,
        tag=notification.subject_public_id or notification.public_id,
        idempotency_key=f"{notification.public_id}:{notification.outside_batch}",
    )
