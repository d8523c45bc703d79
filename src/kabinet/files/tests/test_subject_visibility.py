"""A file is visible exactly when the object it belongs to is visible (issue 19, M1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kabinet.documents.actions import issue_document, save_document
from kabinet.documents.models import Document
from kabinet.files.selectors import files_visible_to
from kabinet.files.subjects import subject_selectors
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def test_a_draft_documents_file_stays_hidden_until_the_document_is_published(world):
    staff = world.user(Role.STAFF)
    pdf = f.ClientFileFactory(company=world.company, contact=world.user(Role.OWNER).contact)
    document = issue_document(
        actor=staff,
        title="Секретный проект договора",
        kind=Document.Kind.CONTRACT,
        company=world.company,
        contact=world.user(Role.OWNER).contact,
        file=pdf,
        status=Document.Status.DRAFT,
    )
    for role in (Role.OWNER, Role.COMPANY_ADMIN):
        client = world.client_for(role)
        assert "Секретный проект" not in client.get(reverse("files:archive")).content.decode()
        assert client.get(reverse("files:download", args=[pdf.public_id])).status_code == 404
        assert client.get(reverse("documents:detail", args=[document.public_id])).status_code == 404

    document.status = Document.Status.ISSUED
    save_document(actor=staff, document=document, changed_fields=["status"])
    owner = world.client_for(Role.OWNER)
    assert "Секретный проект" in owner.get(reverse("files:archive")).content.decode()
    assert owner.get(reverse("files:download", args=[pdf.public_id])).status_code == 200


def test_a_file_on_an_internal_ticket_note_is_hidden_even_when_it_carries_the_clients_company(world):
    ticket = world.ticket
    note = f.TicketMessageFactory(ticket=ticket, is_internal=True)
    stray = f.ClientFileFactory(
        company=world.company, contact=world.user(Role.OWNER).contact, subject_type=None
    )
    from kabinet.files.actions import attach_file

    attach_file(actor=world.user(Role.STAFF), file=stray, subject=note)
    viewer = world.client_for(Role.OWNER)
    assert viewer.get(reverse("files:download", args=[stray.public_id])).status_code == 404


def test_a_file_on_an_object_of_an_unregistered_type_is_visible_to_nobody(world):
    from kabinet.files.actions import attach_file

    stray = f.ClientFileFactory(company=world.company, contact=world.user(Role.OWNER).contact)
    attach_file(actor=None, file=stray, subject=world.company)  # companies carry no files: fail closed
    assert "crm.company" not in subject_selectors()
    client = world.client_for(Role.OWNER)
    assert client.get(reverse("files:download", args=[stray.public_id])).status_code == 404
    assert client.get(reverse("files:download", args=[world.file.public_id])).status_code == 200


def test_every_model_that_files_are_attached_to_is_registered():
    assert {
        "crm.order",
        "documents.document",
        "billing.invoice",
        "tickets.ticketmessage",
        "messaging.message",
    } <= set(subject_selectors())


def test_files_visible_to_is_nothing_for_staff(world):
    from django.test import RequestFactory

    from kabinet.crm.viewer import build_viewer

    request = RequestFactory().get("/")
    request.user, request.session = world.user(Role.STAFF), {}
    assert not files_visible_to(build_viewer(request)).exists()
