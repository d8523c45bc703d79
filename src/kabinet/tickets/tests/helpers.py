"""Upload builders and small helpers for the ticket tests."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from kabinet.tickets.conf import forget_ticket_settings
from kabinet.tickets.models import TicketSettings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test file\n", content_type="application/pdf")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def html_disguised(name: str = "notes.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="text/plain")


def svg(name: str = "logo.svg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"
    )


def configure(**fields) -> TicketSettings:
    """Write the ticket settings row directly (tests of the effects, not of the admin) and forget the cache."""
    row = TicketSettings.objects.first() or TicketSettings()
    m2m = {name: fields.pop(name) for name in ("pipelines", "categories") if name in fields}
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    for name, value in m2m.items():
        getattr(row, name).set(value)
    forget_ticket_settings()
    return row
