"""Actions validate, write the client timeline and the audit log, and never leave half-written data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kabinet.core.models import AuditEntry
from kabinet.crm import actions
from kabinet.crm.models import Company, Contact, ContactPhone, Membership, Order, Pipeline, TimelineEntry
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return actions.create_pipeline(
        actor=None,
        name="Sales",
        kind=Pipeline.Kind.ORDER,
        stages=[
            {"name": "new", "client_name": "Received"},
            {"name": "work", "client_name": "In progress"},
            {"name": "done", "client_name": "Done", "kind": "won"},
        ],
    )


def test_create_order_numbers_totals_history_and_audit(pipeline):
    staff = f.StaffFactory()
    company = f.CompanyFactory()
    contact = f.ContactFactory()
    actions.add_membership(actor=staff, contact=contact, company=company)
    order = actions.create_order(
        actor=staff,
        title="Мебель",
        company=company,
        contact=contact,
        items=[
            actions.ItemInput(name="Стол", quantity=Decimal("2"), price=Decimal("1000.50")),
            actions.ItemInput(name="Стул", quantity=Decimal("4"), price=Decimal("250")),
        ],
    )
    second = actions.create_order(actor=staff, title="Ещё", company=company, contact=contact)
    assert order.amount == Decimal("3001.00")
    assert order.stage.client_name == "Received"
    assert order.number != second.number
    assert len(order.public_id) == 22
    entry = TimelineEntry.objects.get(subject_public_id=order.public_id)
    assert entry.client_visible and entry.company == company and entry.actor == staff
    with translation.override("en"):
        assert entry.text == f"Order №{order.number} “Мебель” was created"
    assert AuditEntry.objects.filter(event="order.created", target_id=order.public_id).exists()


def test_stage_change_is_recorded_and_closing_stamps_closed_at(pipeline):
    company = f.CompanyFactory()
    order = actions.create_order(actor=None, title="X", company=company, contact=None)
    done = pipeline.stages.get(name="done")
    actions.change_order_stage(actor=None, order=order, stage=done)
    order.refresh_from_db()
    assert order.stage == done and order.closed_at is not None
    assert TimelineEntry.objects.filter(event="order.stage_changed", subject_id=order.pk).count() == 1


def test_stage_from_another_pipeline_is_refused(pipeline):
    order = actions.create_order(actor=None, title="X", company=f.CompanyFactory(), contact=None)
    alien = f.StageFactory()
    with pytest.raises(ValidationError):
        actions.change_order_stage(actor=None, order=order, stage=alien)


def test_order_contact_must_belong_to_company(pipeline):
    with pytest.raises(ValidationError) as error:
        actions.create_order(actor=None, title="X", company=f.CompanyFactory(), contact=f.ContactFactory())
    assert "contact" in error.value.message_dict
    assert not Order.objects.exists() and not TimelineEntry.objects.exists()


def test_invalid_phone_leaves_no_half_written_contact():
    with pytest.raises(ValidationError):
        actions.create_contact(actor=None, first_name="Ира", emails=["ira@example.test"], phones=["+7 000"])
    assert not Contact.objects.exists()
    assert not ContactPhone.objects.exists()


def test_invalid_inn_creates_no_company():
    with pytest.raises(ValidationError) as error:
        actions.create_company(actor=None, name="Bad", inn="1234567890")
    assert "inn" in error.value.message_dict
    assert not Company.objects.exists()


def test_membership_role_update_is_audited():
    company, contact = f.CompanyFactory(), f.ContactFactory()
    actions.add_membership(actor=None, contact=contact, company=company)
    actions.add_membership(actor=None, contact=contact, company=company, role=Membership.Role.ADMIN)
    assert Membership.objects.get().role == Membership.Role.ADMIN
    assert AuditEntry.objects.filter(event="membership.role_changed").count() == 1
