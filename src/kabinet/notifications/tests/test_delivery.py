"""Delivery of notices: the in-app centre, batching of chat messages, preferences, email rendering,
browser push against a local stand-in push service, retries."""

from __future__ import annotations

import base64
import datetime
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kabinet.core.notify import Notice, notify
from kabinet.messaging.actions import send_staff_message
from kabinet.notifications import actions
from kabinet.notifications.models import Delivery, Notification, Preference, PushSubscription
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def due_now(notification: Notification) -> None:
    """Jump to the moment the batch is due (instead of waiting for the delay)."""
    Notification.objects.filter(pk=notification.pk).update(
        outside_due_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def notice_for(user, **kwargs) -> Notice:
    defaults = {
        "event": "order.stage_changed",
        "url": "/orders/x/",
        "company_id": None,
        "params": {"number": "00042", "stage": "В работе"},
    }
    return Notice(contact_id=user.contact.pk, **{**defaults, **kwargs})


def test_an_order_notice_is_stored_and_emailed_after_the_batch_delay_in_the_clients_language(
    world, django_capture_on_commit_callbacks
):
    owner = world.user(Role.OWNER)
    owner.language = "ru"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(notice_for(owner, company_id=world.company.pk))
    notification = Notification.objects.get(
        contact=owner.contact, event="order.stage_changed", params__number="00042"
    )
    assert mail.outbox == []  # stage steps taken together go out as one, after the batch delay
    due_now(notification)
    actions.deliver_outside(notification_id=notification.pk)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [owner.email]
    assert email.subject == "№00042: В работе"  # crm's template for this event
    assert "http://127.0.0.1:8000/orders/x/" in email.body and "«В работе»" in email.body
    assert email.alternatives and "http://127.0.0.1:8000/orders/x/" in email.alternatives[0][0]
    assert Delivery.objects.get(notification=notification).status == Delivery.Status.SENT
    assert (
        world.client_for(Role.OWNER).get(reverse("notifications:list")).content.decode().count("00042") == 1
    )


def test_chat_messages_go_out_once_per_batch_after_the_delay(world, django_capture_on_commit_callbacks):
    owner, staff = world.user(Role.OWNER), world.user(Role.STAFF)
    conversation = world.extra["conversation"]
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("Добрый день!", "Счёт готов.", "Проверьте, пожалуйста."):
            send_staff_message(actor=staff, conversation=conversation, body=text)
    assert mail.outbox == []  # the batch waits for the delay
    notification = Notification.objects.get(event="message.received", contact=owner.contact)
    assert notification.count == 3 and notification.outside_due_at > timezone.now()
    assert actions.deliver_outside(notification_id=notification.pk) == []  # a job that came early waits
    due_now(notification)
    actions.deliver_outside(notification_id=notification.pk)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "3 new messages from" in body and "Добрый день!" in body and "Проверьте, пожалуйста." in body
    actions.deliver_outside(notification_id=notification.pk)  # a duplicate job sends nothing
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        send_staff_message(actor=staff, conversation=conversation, body="И ещё одно.")
    notification.refresh_from_db()
    due_now(notification)
    actions.deliver_outside(notification_id=notification.pk)
    assert len(mail.outbox) == 2
    assert "И ещё одно." in mail.outbox[1].body and "Добрый день!" not in mail.outbox[1].body


def test_no_email_when_an_open_tab_showed_it_or_the_client_read_it(world, django_capture_on_commit_callbacks):
    from kabinet.crm.viewer import build_viewer

    staff, conversation = world.user(Role.STAFF), world.extra["conversation"]
    with django_capture_on_commit_callbacks(execute=True):
        send_staff_message(actor=staff, conversation=conversation, body="Вы онлайн?")
    notification = Notification.objects.get(event="message.received")

    class Req:
        session: dict = {}
        user = world.user(Role.OWNER)

    actions.mark_seen(actor=Req.user, viewer=build_viewer(Req()), notifications=[notification.public_id])
    due_now(notification)
    actions.deliver_outside(notification_id=notification.pk)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        send_staff_message(actor=staff, conversation=conversation, body="Теперь офлайн")
    world.client_for(Role.OWNER).get(reverse("messaging:chat"))  # he reads the chat before the delay
    notification.refresh_from_db()
    assert notification.read_at is not None and notification.outside_due_at is None
    actions.deliver_outside(notification_id=notification.pk)
    assert mail.outbox == []


def test_preferences_and_channels_the_domain_delivered_itself(world, django_capture_on_commit_callbacks):
    owner = world.user(Role.OWNER)
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="order.stage_changed:email" checked' in page
    assert 'name="document.issued:email">' in page  # off by default: only what matters
    client.post(
        reverse("notifications:preferences"), {"invoice.issued:email": "on", "invoice.issued:sms": "on"}
    )
    assert not Preference.objects.get(
        contact=owner.contact, event="order.stage_changed", channel="email"
    ).enabled
    with django_capture_on_commit_callbacks(execute=True):
        notify(notice_for(owner))
        notify(
            notice_for(
                owner, event="ticket.replied", params={"number": "7"}, channels_done=frozenset({"email"})
            )
        )
        notify(
            notice_for(
                owner, event="invoice.issued", params={"number": "СЧ-1", "amount": "100", "currency": "RUB"}
            )
        )
    assert [m.subject for m in mail.outbox] == ["Invoice №СЧ-1 for 100.00 RUB"]
    sms = Delivery.objects.get(channel="sms")
    assert (
        sms.status == Delivery.Status.SKIPPED
    )  # no phone on file: the offline SMS backend is not even tried
    assert Notification.objects.filter(contact=owner.contact).count() == 4  # the centre has everything


def test_a_temporary_email_failure_is_retried_for_that_channel_only(
    world, settings, django_capture_on_commit_callbacks
):
    owner = world.user(Role.OWNER)
    settings.EMAIL_BACKEND = "kabinet.notifications.tests.failing_mail.Backend"
    from kabinet.notifications.tests import failing_mail

    failing_mail.failures = 1
    with django_capture_on_commit_callbacks(execute=False):
        notification = actions.record_notice(notice=notice_for(owner))
    due_now(notification)
    with pytest.raises(actions.RetryLater):
        actions.deliver_outside(notification_id=notification.pk)
    assert Delivery.objects.get(notification=notification).status == Delivery.Status.FAILED
    actions.deliver_outside(notification_id=notification.pk)  # the job's retry
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2
    assert failing_mail.sent == [owner.email]


def self_signed_certificate(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files (the stand-in push service speaks https)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "push.crt", folder / "push.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


class PushService:
    """A local HTTPS server standing in for a browser vendor's push service."""

    def __init__(self, folder, status: int = 201):
        self.status, self.requests = status, []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.requests.append((self.path, dict(self.headers), body))
                self.send_response(service.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        import ssl

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.cert, key = self_signed_certificate(folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def browser_keys():
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    auth = os.urandom(16)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return private, auth, b64(public), b64(auth)


def test_browser_push_is_encrypted_signed_and_forgotten_when_gone(
    world, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    import http_ece

    owner = world.user(Role.OWNER)
    service = PushService(tmp_path)
    settings.KABINET_PUSH_SERVICE_HOSTS = ["127.0.0.1"]
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", service.cert)  # trust the stand-in's certificate
    try:
        private, auth, p256dh, auth_b64 = browser_keys()
        client = world.client_for(Role.OWNER)
        response = client.post(
            reverse("notifications:push_subscribe"),
            json.dumps({"endpoint": service.url + "/push/abc", "keys": {"p256dh": p256dh, "auth": auth_b64}}),
            content_type="application/json",
        )
        assert response.status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            notify(notice_for(owner, event="document.awaiting_signature", params={"title": "Договор № 15"}))
        path, headers, body = service.requests[0]
        assert path == "/push/abc"
        from kabinet.notifications.vapid import public_key

        headers = {k.lower(): v for k, v in headers.items()}
        assert headers["authorization"].startswith("vapid t=") and headers["content-encoding"] == "aes128gcm"
        assert headers["authorization"].endswith(f"k={public_key()}")  # signed with our VAPID key
        payload = json.loads(
            http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
        )
        assert payload["body"] == "The document “Договор № 15” awaits your signature"
        assert payload["url"] == "http://127.0.0.1:8000/orders/x/"
        service.status = 410
        with django_capture_on_commit_callbacks(execute=True):
            notify(notice_for(owner, event="document.awaiting_signature", params={"title": "Акт"}))
        assert not PushSubscription.objects.exists()  # the browser unsubscribed: we forget it
    finally:
        service.close()


def test_bad_push_subscriptions_are_refused(world):
    client = world.client_for(Role.OWNER)
    _private, _auth, p256dh, auth = browser_keys()
    internal = {"endpoint": "https://10.0.0.5/admin", "keys": {"p256dh": p256dh, "auth": auth}}
    plain = {**internal, "endpoint": "http://fcm.googleapis.com/fcm/send/x"}
    for body in (
        "nonsense",
        json.dumps({"endpoint": "ftp://x", "keys": {}}),
        json.dumps([1]),
        "[" * 5000,  # nested past Python's recursion limit: was a 500 (RecursionError)
        json.dumps({"endpoint": "https://fcm.googleapis.com/" + "x" * 40_000, "keys": {}}),  # oversized
        b"\xff\xfe{}",
        *map(json.dumps, (internal, plain)),
    ):
        response = client.post(reverse("notifications:push_subscribe"), body, content_type="application/json")
        assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    for body in ("nonsense", "[" * 5000, b"\xff\xfe{}", json.dumps({"endpoint": ["x"] * 10_000})):
        response = client.post(
            reverse("notifications:push_unsubscribe"), body, content_type="application/json"
        )
        assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert not PushSubscription.objects.exists()


def test_centre_marks_read_and_opens_only_local_links(world):
    owner = world.user(Role.OWNER)
    client = world.client_for(Role.OWNER)
    evil = f.NotificationFactory(contact=owner.contact, company=world.company, url="https://evil.example/")
    response = client.get(reverse("notifications:open", args=[evil.public_id]))
    assert response["Location"] == reverse("notifications:list")
    evil.refresh_from_db()
    assert evil.read_at is not None
    assert (
        client.get(reverse("notifications:list"), {"show": "unread"}).context["notifications"][0]
        == world.extra["notification"]
    )
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(contact=owner.contact, read_at__isnull=True).exists()
    badges = client.get(reverse("portal:nav_badges")).content.decode()
    assert 'id="nav-badge-notifications" hx-swap-oob="true" hidden>0<' in badges  # nothing unread


def test_a_notice_missing_params_falls_back_to_the_generic_email(world, django_capture_on_commit_callbacks):
    owner = world.user(Role.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        notify(notice_for(owner, event="invoice.issued", params={"number": "СЧ-9"}))  # no amount, no currency
    assert len(mail.outbox) == 1
    assert "СЧ-9" in mail.outbox[0].subject


def test_notification_emails_go_out_under_the_portals_name(world, django_capture_on_commit_callbacks):
    """They once signed «Kabinet» (a setting defined nowhere) while the pages said the portal's name."""
    from django.core.cache import cache

    from kabinet.portal.models import PortalSettings

    PortalSettings.objects.create(title="Кабинет клиента")
    cache.clear()  # the settings snapshot
    from kabinet.portal.config import forget_portal_config

    forget_portal_config()
    owner = world.user(Role.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        notify(notice_for(owner, event="invoice.issued", params={"number": "СЧ-9"}))
    email = mail.outbox[0]
    assert email.from_email.startswith("Кабинет клиента <")
    assert "Кабинет клиента" in email.body and "Kabinet" not in email.body


def test_an_orders_stage_steps_make_one_notice_and_only_stages_that_matter_tell(
    world, django_capture_on_commit_callbacks
):
    """One order once left 18–19 unread notices, one per stage step."""
    from kabinet.crm.actions import change_order_stage
    from kabinet.crm.models import Stage, TimelineEntry

    owner, staff, order = world.user(Role.OWNER), world.user(Role.STAFF), world.order
    first = order.stage
    at = first.position
    quiet = f.StageFactory(pipeline=first.pipeline, client_name="Сборка", position=at + 1)
    promised = f.StageFactory(
        pipeline=first.pipeline, client_name="Доставка", position=at + 2, notify_client=True
    )
    done = f.StageFactory(
        pipeline=first.pipeline, client_name="Выполнен", position=at + 3, kind=Stage.Kind.WON
    )
    notices = Notification.objects.filter(
        contact=owner.contact, event="order.stage_changed", subject_public_id=order.public_id
    )
    with django_capture_on_commit_callbacks(execute=True):
        change_order_stage(actor=staff, order=order, stage=quiet)
    assert not notices.exists()  # an inner step: the history has it, the client is not disturbed
    with django_capture_on_commit_callbacks(execute=True):
        change_order_stage(actor=staff, order=order, stage=promised)
        change_order_stage(actor=staff, order=order, stage=done)
    row = notices.get()
    assert row.count == 2 and row.params["stage"] == {"ru": "Выполнен"} and row.is_unread
    assert TimelineEntry.objects.filter(event="order.stage_changed", subject_id=order.pk).count() == 3
    due_now(row)
    actions.deliver_outside(notification_id=row.pk)
    assert (
        len(mail.outbox) == 1 and "Выполнен" in mail.outbox[0].body and "Доставка" not in mail.outbox[0].body
    )
    # A step long after the window is news of its own, even while the first notice is unread.
    notices.update(last_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        change_order_stage(actor=staff, order=order, stage=promised)
    assert notices.count() == 2


def test_the_invoice_email_gives_the_due_date_in_words_and_the_pay_link_at_the_sites_address(
    world, settings, django_capture_on_commit_callbacks
):
    # The demo once sent «оплатите до 2026-12-09» and a pay link on port 8000 while it ran on 8700: the link was
    # made absolute when the invoice was issued, the page link when the email went out.
    owner = world.user(Role.OWNER)
    owner.language = "ru"
    owner.save()
    settings.SITE_URL = "https://portal.example.test"
    Preference.objects.update_or_create(
        contact=owner.contact, event="invoice.issued", channel="email", defaults={"enabled": True}
    )
    params = {
        "number": "СЧ-7",
        "amount": "85000",
        "currency": "RUB",
        "due_date": "2026-12-09",
        "pay_url": "/invoices/abc/pay/",
    }
    with django_capture_on_commit_callbacks(execute=True):
        notify(notice_for(owner, event="invoice.issued", url="/invoices/abc/", params=params))
    [email] = mail.outbox
    assert "9 декабря 2026" in email.body and "2026-12-09" not in email.body
    assert "https://portal.example.test/invoices/abc/pay/" in email.body
    assert "https://portal.example.test/invoices/abc/" in email.body
