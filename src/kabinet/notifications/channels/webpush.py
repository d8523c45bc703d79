"""Browser push (Web Push with VAPID) through pywebpush, to every browser the client opted in from."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.notifications.channels import Channel, DeliveryResult, OutgoingMessage, Recipient

logger = logging.getLogger(__name__)
GONE = {404, 410}  # the push service forgot the subscription: the browser unsubscribed


class WebPushChannel(Channel):
    id = "webpush"
    label = _("Browser notifications")

    def reachable(self, recipient: Recipient) -> bool:
        from kabinet.notifications.models import PushSubscription

        return PushSubscription.objects.filter(contact_id=recipient.contact_id).exists()

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        from py_vapid import Vapid02
        from pywebpush import WebPushException, webpush

        from kabinet.notifications.models import PushSubscription
        from kabinet.notifications.vapid import private_key_raw, push_service_allowed

        payload = json.dumps(
            {"title": message.subject, "body": message.text, "url": message.url, "tag": message.tag},
            ensure_ascii=False,
        )
        vapid = Vapid02.from_raw(private_key_raw().encode())
        sent, errors, temporary = 0, [], False
        for sub in PushSubscription.objects.filter(contact_id=message.recipient.contact_id):
            if not push_service_allowed(sub.endpoint):  # the allowed services changed since it was stored
                errors.append("push service not allowed")
                continue
            try:
                webpush(
                    subscription_info={
                        "endpoint": sub.endpoint,
                        "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
                    },
                    data=payload,
                    vapid_private_key=vapid,
                    vapid_claims={"sub": settings.KABINET_VAPID_SUBJECT},
                    ttl=24 * 3600,
                    timeout=10,
                )
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in GONE:
                    sub.delete()
                    continue
                sub.failures += 1
                sub.save(update_fields=["failures"])
                errors.append(f"{status}: {exc}")
                temporary = temporary or status is None or status >= 500 or status == 429
                continue
            except OSError as exc:  # connection refused, timeout
                errors.append(str(exc))
                temporary = True
                continue
            sub.failures = 0
            sub.last_success_at = timezone.now()
            sub.save(update_fields=["failures", "last_success_at"])
            sent += 1
        if sent:
            return DeliveryResult(ok=True, provider_ref=f"{sent} browser(s)", error="; ".join(errors))
        if not errors:
            return DeliveryResult(ok=False, error="no browser subscribed any more")
        return DeliveryResult(ok=False, error="; ".join(errors)[:2000], retry=temporary)
