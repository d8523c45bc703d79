"""Clients are told when an order changes stage and when a document or an invoice is issued: one notice per
recipient, with the link to the page, and translated email templates for the notifications backend."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from kabinet.billing.actions import issue_invoice, save_invoice
from kabinet.billing.models import Invoice
from kabinet.crm import actions
from kabinet.crm.models import Membership
from kabinet.documents.actions import issue_document, save_document
from kabinet.documents.models import Document
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def test_stage_change_tells_the_orders_contact(world, notices):
    stage = f.StageFactory(
        pipeline=world.order.pipeline,
        client_name="Доставка",
        client_description="Едет к вам.",
        notify_client=True,  # a stage staff promised to report
    )
    actions.change_order_stage(actor=None, order=world.order, stage=stage)
    actions.change_order_stage(actor=None, order=world.order, stage=stage)  # no move, no notice
    [notice] = notices
    assert notice.event == "order.stage_changed"
    assert notice.contact_id == world.order.contact_id and notice.company_id == world.company.pk
    assert notice.url == reverse("crm:order", args=[world.order.public_id])
    assert notice.subject_public_id == world.order.public_id
    assert notice.params == {
        "number": world.order.number,
        "title": world.order.title,
        "stage": {"ru": "Доставка"},  # every language staff wrote; read back in the reader's
        "explanation": {"ru": "Едет к вам."},
    }


def test_a_company_order_without_a_contact_tells_every_company_admin(world, notices):
    second_admin = f.client_user(company=world.company, role=Membership.Role.ADMIN)
    order = f.OrderFactory(company=world.company, contact=None)
    stage = f.StageFactory(pipeline=order.pipeline, notify_client=True)
    actions.change_order_stage(actor=None, order=order, stage=stage)
    assert sorted(n.contact_id for n in notices) == sorted(
        [world.user(Role.COMPANY_ADMIN).contact.pk, second_admin.contact.pk]
    )


def test_documents_tell_when_published_never_as_drafts(world, notices):
    owner = world.user(Role.OWNER).contact
    draft = issue_document(
        actor=None,
        title="Черновик договора",
        kind="contract",
        company=world.company,
        contact=owner,
        status="draft",
    )
    assert notices == []
    draft.status = Document.Status.AWAITING_SIGNATURE
    save_document(actor=None, document=draft, changed_fields=["status"])
    save_document(actor=None, document=draft, changed_fields=["title"])  # already published: no second notice
    [notice] = notices
    assert notice.event == "document.issued" and notice.params["awaiting_signature"] is True
    assert notice.url == reverse("documents:detail", args=[draft.public_id]) and notice.contact_id == owner.pk


def test_invoices_tell_when_issued(world, notices):
    owner = world.user(Role.OWNER).contact
    invoice = issue_invoice(actor=None, company=world.company, contact=owner, amount=1500)
    made_in_admin = save_invoice(
        actor=None, invoice=Invoice(company=world.company, contact=owner, amount=10), changed_fields=[]
    )
    made_in_admin.status = Invoice.Status.PAID
    save_invoice(actor=None, invoice=made_in_admin, changed_fields=["status"])
    assert [(n.event, n.subject_public_id) for n in notices] == [
        ("invoice.issued", invoice.public_id),
        ("invoice.issued", made_in_admin.public_id),
    ]
    assert notices[0].url == reverse("billing:invoice", args=[invoice.public_id])
    assert notices[0].params["amount"] == "1500" and notices[0].params["currency"] == "RUB"


def test_nothing_is_told_when_the_action_fails(world, notices):
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - any validation error will do
        issue_invoice(actor=None, company=world.company, contact=None, amount="not a number")
    assert notices == []


@pytest.mark.parametrize(
    "event, params, english, russian",
    [
        (
            "order.stage_changed",
            {"number": "00012", "title": "Мебель", "stage": "Доставка", "explanation": "Едет."},
            "has moved to the stage “Доставка”",
            "новый этап: «Доставка»",
        ),
        (
            "document.issued",
            {"title": "Акт № 7", "number": "7", "kind": "act", "awaiting_signature": True},
            "awaits your signature",
            "ждёт вашей подписи",
        ),
        (
            "invoice.issued",
            {"number": "СЧ-00003", "amount": "1500.00", "currency": "RUB", "due_date": "2030-01-31"},
            "1,500.00",
            "1\xa0500,00\xa0₽",
        ),
    ],
)
def test_email_templates_render_in_each_language_with_the_link(event, params, english, russian):
    context = {"params": params, "url": "https://portal.example/orders/x/", "notice": None}
    for language, expected in (("en", english), ("ru", russian)):
        with translation.override(language):
            subject = render_to_string(f"notifications/email/{event}.subject.txt", context).strip()
            text = render_to_string(f"notifications/email/{event}.txt", context)
            html = render_to_string(f"notifications/email/{event}.html", context)
        assert subject and "\n" not in subject
        assert expected in text + html, (language, text)
        assert (
            "https://portal.example/orders/x/" in text and 'href="https://portal.example/orders/x/"' in html
        )
