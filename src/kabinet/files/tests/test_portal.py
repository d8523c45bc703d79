"""The file archive: both directions, search, the object each file belongs to, and checked uploads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.files.models import ClientFile
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [row["file"].original_name for row in response.context["rows"]]


def test_upload_is_stored_privately_and_listed_as_sent_by_the_client(world, settings):
    client = world.client_for(Role.OWNER)
    response = client.post(
        reverse("files:archive"), {"upload": SimpleUploadedFile("Реквизиты.txt", "ИНН 7700000000".encode())}
    )
    assert response.status_code == 302
    stored = ClientFile.objects.get(original_name="Реквизиты.txt")
    assert stored.direction == ClientFile.Direction.FROM_CLIENT
    assert stored.company == world.company and stored.contact == world.user(Role.OWNER).contact
    assert "Реквизиты" not in stored.file.name  # the client's file name never reaches the disk
    assert "Sent by you" in client.get(reverse("files:archive")).content.decode()
    assert (
        "Реквизиты.txt" in world.client_for(Role.COMPANY_ADMIN).get(reverse("files:archive")).content.decode()
    )
    assert (
        "Реквизиты.txt" not in world.client_for(Role.COLLEAGUE).get(reverse("files:archive")).content.decode()
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("page.txt", b"<html><script>alert(1)</script></html>", "This kind of file is not accepted"),
        ("photo.png", b"%PDF-1.4\n%fake", "does not match its content"),
        ("tool.exe", b"MZ\x90\x00\x03", "This kind of file is not accepted"),
        ("empty.txt", b"", "The file is empty."),
    ],
)
def test_disguised_or_empty_uploads_get_a_clear_error_and_nothing_is_stored(world, name, content, message):
    before = ClientFile.objects.count()
    response = world.client_for(Role.OWNER).post(
        reverse("files:archive"), {"upload": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'class="field-error" role="alert"' in body
    assert ClientFile.objects.count() == before


def test_oversized_upload_is_refused(world, settings):
    settings.KABINET_MAX_UPLOAD_BYTES = 1000
    response = world.client_for(Role.OWNER).post(
        reverse("files:archive"), {"upload": SimpleUploadedFile("big.txt", b"a" * 2000)}
    )
    assert response.status_code == 400 and "The file is too large" in response.content.decode()
    assert not ClientFile.objects.filter(original_name="big.txt").exists()


def test_upload_to_an_order_belongs_to_it(world):
    client = world.client_for(Role.OWNER)
    response = client.post(
        reverse("files:archive"),
        {"upload": SimpleUploadedFile("Чертёж.pdf", b"%PDF-1.4\n%x"), "about": world.order.public_id},
    )
    assert response["Location"] == reverse("crm:order", args=[world.order.public_id])
    stored = ClientFile.objects.get(original_name="Чертёж.pdf")
    assert stored.subject_public_id == world.order.public_id
    listing = client.get(reverse("files:archive"), {"about": world.order.public_id})
    assert names(listing) == ["Чертёж.pdf"]
    body = listing.content.decode()
    assert f'href="{reverse("crm:order", args=[world.order.public_id])}"' in body and "Order: №" in body


def test_search_and_direction(world):
    owner = world.user(Role.OWNER).contact
    f.ClientFileFactory(company=world.company, contact=owner, original_name="Договор поставки.pdf")
    f.ClientFileFactory(
        company=world.company,
        contact=owner,
        original_name="Скан паспорта.pdf",
        direction=ClientFile.Direction.FROM_CLIENT,
    )
    client = world.client_for(Role.OWNER)
    assert names(client.get(reverse("files:archive"), {"q": "ДОГОВОР"})) == ["Договор поставки.pdf"]
    assert names(client.get(reverse("files:archive"), {"direction": "in"})) == ["Скан паспорта.pdf"]
    assert "No files match the search." in client.get(reverse("files:archive"), {"q": "zzz"}).content.decode()


def test_download_is_an_attachment_that_is_never_sniffed(world):
    response = world.client_for(Role.COMPANY_ADMIN).get(
        reverse("files:download", args=[world.file.public_id])
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"
    )
