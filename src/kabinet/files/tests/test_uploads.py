"""Uploads (issue 19, Low/Uploads): extensions from a documented list, each tied to its content types; names
normalised and renamed by the detected type."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.files.models import ClientFile
from kabinet.files.validation import ALLOWED_EXTENSIONS, EXTENSION_FOR, safe_name
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def upload(world, name: str, content: bytes):
    return world.client_for(Role.OWNER).post(
        reverse("files:archive"), {"upload": SimpleUploadedFile(name, content)}
    )


@pytest.mark.parametrize(
    "name, content, stored_as, content_type",
    [
        ("invoice.hta", PDF, "invoice.pdf", "application/pdf"),
        ("invoice.exe", PDF, "invoice.pdf", "application/pdf"),
        ("run.bat", PDF, "run.pdf", "application/pdf"),
        ("run.cmd", PDF, "run.pdf", "application/pdf"),
        ("logo.svg", PNG, "logo.png", "image/png"),
        ("scan", PDF, "scan.pdf", "application/pdf"),
        ("invoice\u202efdp.exe", PDF, "invoicefdp.pdf", "application/pdf"),  # right-to-left override
        ("a\x00b\x1f\u200bc.txt", "текст".encode(), "abc.txt", "text/plain"),
        ("../../etc/passwd.txt", b"root", "passwd.txt", "text/plain"),  # Django keeps the base name
    ],
)
def test_names_are_normalised_and_follow_the_detected_type(world, name, content, stored_as, content_type):
    assert upload(world, name, content).status_code == 302
    stored = ClientFile.objects.latest("id")
    assert (stored.original_name, stored.content_type) == (stored_as, content_type)
    download = world.client_for(Role.OWNER).get(reverse("files:download", args=[stored.public_id]))
    disposition = unquote(download["Content-Disposition"])
    assert stored_as in disposition and "\u202e" not in disposition and ".exe" not in disposition


@pytest.mark.parametrize(
    "name, content",
    [
        ("page.txt", b"\xef\xbb\xbf<html><script>alert(1)</script></html>"),  # HTML behind a BOM
        ("page.txt", b"<!-- a comment first --><html><body onload=alert(1)>"),  # behind a comment
        ("page.csv", b"a,b\n1,2\n<svg onload=alert(1)>"),  # markup further down
        ("setup.msi", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8),  # OLE that is no document
        ("photo.png", PDF),  # an extension on the list with the wrong content
        ("tool.exe", b"MZ\x90\x00\x03"),
    ],
)
def test_disguised_content_is_refused_at_the_field(world, name, content):
    response = upload(world, name, content)
    assert response.status_code == 400 and 'class="field-error" role="alert"' in response.content.decode()
    assert not ClientFile.objects.filter(original_name__startswith=name.split(".")[0]).exists()


def test_every_extension_fits_its_types_and_the_list_is_documented():
    docs = (Path(__file__).resolve().parents[4] / "docs" / "security.md").read_text()
    for ext, types in ALLOWED_EXTENSIONS.items():
        assert f"`{ext}`" in docs, ext
        for content_type in types:
            assert content_type in docs, content_type
    for content_type, ext in EXTENSION_FOR.items():
        assert content_type in ALLOWED_EXTENSIONS[ext]
        assert safe_name("x.unknown", content_type) == "x" + ext


def test_long_names_keep_their_extension():
    name = safe_name("я" * 400 + ".pdf", "application/pdf")
    assert len(name) == 255 and name.endswith(".pdf")
