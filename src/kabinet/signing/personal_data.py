"""Signing's part of "download my data": every signature or refusal of the person with its evidence, the
sealed PDF and the audit log. Nothing is erased with the account: a signed document and its evidence are kept
as the law on electronic signatures requires (the account page says so; docs/signatures.md)."""

from __future__ import annotations

from typing import Any

from kabinet.accounts.personal_data import (
    ExportedFile,
    ExportPart,
    PersonalDataSource,
    register_personal_data,
    stored_file_reader,
)
from kabinet.signing.models import SigningEvent

FIELDS = (
    "kind", "signer_name", "signer_email", "company_name", "company_tax_id", "role", "channel", "destination",
    "ip_address", "user_agent", "time_zone", "occurred_at", "local_time", "statement_version", "statement",
    "document_sha256", "reason",
)  # fmt: skip


def export(user: Any) -> list[ExportPart]:
    from kabinet.signing.actions import audit_log_text

    records, files, seen = [], [], set()
    events = SigningEvent.objects.filter(user=user).select_related(
        "request__document", "request__signed_file"
    )
    for event in events.order_by("occurred_at", "id"):
        sig_request = event.request
        records.append(
            {
                "signature_id": sig_request.signature_id,
                "document": sig_request.document.title,
                "original_sha256": sig_request.original_sha256,
                "result_sha256": sig_request.result_sha256,
                **{name: getattr(event, name) for name in FIELDS},
            }
        )
        if sig_request.pk in seen:
            continue
        seen.add(sig_request.pk)
        if sig_request.signed_file is not None:
            files.append(
                ExportedFile(
                    path=f"signatures/{sig_request.signature_id}.pdf",
                    read=stored_file_reader(sig_request.signed_file.file),
                )
            )
        log = audit_log_text(sig_request).encode()
        files.append(
            ExportedFile(
                path=f"signatures/{sig_request.signature_id}-audit-log.txt", read=lambda log=log: log
            )
        )
    return [ExportPart(name="signatures", records=records, files=files)]


def register() -> None:
    register_personal_data(PersonalDataSource(key="signatures", export=export, order=45))
