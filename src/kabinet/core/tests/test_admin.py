"""The back office: every model's list, search and forms work, and bad legal details are field errors."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from kabinet.accounts.models import ConsentAcceptance, Invitation
from kabinet.core.models import AuditEntry
from kabinet.crm.models import Company, TimelineEntry
from kabinet.messaging.models import Conversation
from kabinet.notifications.models import Delivery, Notification, Preference, PushSubscription
from kabinet.payments.models import Payment
from kabinet.signing.models import SigningEvent
from kabinet.sync.models import Conflict as SyncConflict
from kabinet.sync.models import Link as SyncLink
from kabinet.sync.models import Push as SyncPush
from kabinet.sync.models import Run as SyncRun
from kabinet.testing import factories as f
from kabinet.tickets.models import TicketEmail
from kabinet.webhooks.models import Delivery as WebhookDelivery
from kabinet.webhooks.models import InboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, world):
    boss = f.UserFactory(is_staff=True, is_superuser=True, email="boss@example.test")
    client.force_login(boss)
    return client


def registered_models():
    return [m for m in apps.get_models() if admin.site.is_registered(m) and m._meta.app_label != "auth"]


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_changelist_search_and_forms_open(staff_client, model):
    info = model._meta.app_label, model._meta.model_name
    assert staff_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    assert (
        staff_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "Ромашка"}).status_code == 200
    )
    # append-only logs (and rows only the portal creates) refuse the add form; every other model offers it
    read_only = (
        AuditEntry,
        TimelineEntry,
        Conversation,
        Notification,
        Delivery,
        Preference,
        PushSubscription,
        ConsentAcceptance,
        Invitation,
        WebhookDelivery,
        InboxEvent,
        TicketEmail,
        SigningEvent,
        SyncRun,
        SyncLink,
        SyncConflict,
        SyncPush,
        Payment,
    )
    expected = 403 if model in read_only else 200
    assert staff_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == expected
    obj = model.objects.first()
    if obj is not None:
        assert staff_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code == 200


def test_invalid_inn_is_a_field_error_in_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:crm_company_add"),
        {
            "name": "ООО «Ошибка»",
            "country": "RU",
            "inn": "1234567890",
            "kpp": "",
            "ogrn": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "bank_accounts-TOTAL_FORMS": "0",
            "bank_accounts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "inn" in response.context["adminform"].form.errors
    assert not Company.objects.filter(name="ООО «Ошибка»").exists()


def test_stage_change_in_the_admin_writes_history(staff_client, world):
    order = world.order
    new_stage = f.StageFactory(pipeline=order.pipeline, client_name="Доставка")
    data = {
        "title": order.title,
        "description": "",
        "company": order.company.pk,
        "contact": order.contact.pk,
        "manager": "",
        "pipeline": order.pipeline.pk,
        "stage": new_stage.pk,
        "amount": "100.00",
        "currency": "RUB",
        "due_date": "",
        "custom_fields": "{}",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
    }
    response = staff_client.post(reverse("admin:crm_order_change", args=[order.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    order.refresh_from_db()
    assert order.stage == new_stage
    assert TimelineEntry.objects.filter(event="order.stage_changed", subject_id=order.pk).exists()
    assert AuditEntry.objects.filter(event="order.stage_changed", target_id=order.public_id).exists()


def test_audit_log_is_read_only(staff_client):
    assert staff_client.get(reverse("admin:core_auditentry_add")).status_code == 403
