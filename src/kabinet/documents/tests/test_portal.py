"""Documents in the portal: kind and status filters, drafts hidden, "awaiting your signature", access-checked
files with PDFs viewable in the browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kabinet.documents.actions import issue_document, save_document
from kabinet.documents.models import Document
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    return [d.title for d in response.context["documents"]]


def test_filters_by_kind_and_status_and_hides_drafts(world):
    owner = world.user(Role.OWNER).contact
    make = lambda **kw: f.DocumentFactory(company=world.company, contact=owner, **kw)  # noqa: E731
    make(title="Акт сверки за III квартал", kind=Document.Kind.RECONCILIATION)
    make(title="Допсоглашение", kind=Document.Kind.CONTRACT, status=Document.Status.AWAITING_SIGNATURE)
    make(title="Черновик", status=Document.Status.DRAFT)
    client = world.client_for(Role.OWNER)
    everything = client.get(reverse("documents:list"))
    assert "Черновик" not in listed(everything) and len(listed(everything)) == 3
    assert listed(client.get(reverse("documents:list"), {"kind": "reconciliation"})) == [
        "Акт сверки за III квартал"
    ]
    assert listed(client.get(reverse("documents:list"), {"status": "awaiting_signature"})) == [
        "Допсоглашение"
    ]
    assert listed(client.get(reverse("documents:list"), {"status": "draft"})) == listed(
        everything
    )  # not a choice
    body = everything.content.decode()
    assert "Awaiting your signature" in body
    assert f'href="{reverse("portal:term", args=["reconciliation-act"])}"' in body  # the glossary link


def test_awaiting_signature_page_explains_and_has_no_dead_sign_button(world):
    document = f.DocumentFactory(
        company=world.company,
        contact=world.user(Role.OWNER).contact,
        status=Document.Status.AWAITING_SIGNATURE,
    )
    body = (
        world.client_for(Role.OWNER)
        .get(reverse("documents:detail", args=[document.public_id]))
        .content.decode()
    )
    assert "This document awaits your signature." in body
    assert "<button" not in body.split('id="main"')[1].split("</main>")[0]


def test_download_and_view_in_the_browser(world):
    client = world.client_for(Role.OWNER)
    url = reverse("documents:file", args=[world.document.public_id])
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    view = client.get(url, {"inline": "1"})
    assert view["Content-Disposition"].startswith("inline;") and view["Content-Type"] == "application/pdf"
    # browsers refuse to run their PDF viewer in a sandboxed document, and the file may not be framed
    assert (
        "sandbox" not in view["Content-Security-Policy"]
        and "frame-ancestors 'none'" in view["Content-Security-Policy"]
    )


def test_a_document_without_a_file_says_so(world):
    document = f.DocumentFactory(company=world.company, contact=world.user(Role.OWNER).contact)
    client = world.client_for(Role.OWNER)
    assert (
        "The file will appear here soon."
        in client.get(reverse("documents:detail", args=[document.public_id])).content.decode()
    )
    assert client.get(reverse("documents:file", args=[document.public_id])).status_code == 404


def test_a_draft_is_unknown_to_the_client(world):
    draft = f.DocumentFactory(company=world.company, contact=world.user(Role.OWNER).contact, status="draft")
    assert (
        world.client_for(Role.OWNER).get(reverse("documents:detail", args=[draft.public_id])).status_code
        == 404
    )


def test_issuing_links_the_file_to_its_document(world):
    file = f.ClientFileFactory(company=world.company, contact=world.user(Role.OWNER).contact)
    document = issue_document(
        actor=None, title="Договор", kind="contract", company=world.company, contact=file.contact, file=file
    )
    file.refresh_from_db()
    assert file.subject_public_id == document.public_id and file.subject_label == "Договор"
    document.title = "Договор (новая редакция)"
    save_document(actor=None, document=document, changed_fields=["title"])
