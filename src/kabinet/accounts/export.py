"""Building the "download my data" archive: a ZIP of JSON files and the person's files."""

from __future__ import annotations

import json
import tempfile
import zipfile
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from kabinet.accounts.personal_data import ExportPart, personal_data_sources

MEMORY_LIMIT = 8 * 1024 * 1024  # spill to a temporary file above this


def account_part(user: Any) -> list[ExportPart]:
    """The account itself: identity, sign-in identities, consents, sessions and its security events."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    from kabinet.core.models import AuditEntry

    records = {
        "account": {
            "public_id": user.public_id,
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "phone_verified_at": user.phone_verified_at,
            "language": user.language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "primary", "verified")
        ),
        "two_factor": list(
            Authenticator.objects.filter(user=user).values("type", "created_at", "last_used_at")
        ),
        "consents": list(user.consents.values("version", "language", "text", "accepted_at", "ip_address")),
        "sessions": list(
            UserSession.objects.filter(user=user).values("ip", "user_agent", "created_at", "last_seen_at")
        ),
        "security_events": list(
            AuditEntry.objects.filter(actor=user)
            .order_by("-created_at")
            .values("created_at", "event", "ip_address", "user_agent")[:1000]
        ),
    }
    return [ExportPart(name="account", records=records)]


def build_export(user: Any) -> IO[bytes]:
    """The archive as a file object positioned at its start (``account.json``, one JSON per app, ``files/``)."""
    parts = account_part(user)
    for source in personal_data_sources():
        parts.extend(source.export(user))
    archive = tempfile.SpooledTemporaryFile(max_size=MEMORY_LIMIT)  # noqa: SIM115  (FileResponse closes it)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        manifest = {"created_at": timezone.now(), "sections": [part.name for part in parts], "files": []}
        for part in parts:
            zf.writestr(
                f"{part.name}.json",
                json.dumps(part.records, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            )
            for exported in part.files:
                try:
                    data = exported.read()
                except OSError:
                    continue  # a file missing from storage: the JSON still describes it
                zf.writestr(f"files/{exported.path}", data)
                manifest["files"].append(exported.path)
        zf.writestr(
            "manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
    archive.seek(0)
    return archive
