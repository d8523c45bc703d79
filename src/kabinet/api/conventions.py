"""ETag / If-Match on updates, and Idempotency-Key on POST (docs/api.md)."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema

from kabinet.api.models import IdempotentRequest
from kabinet.api.problems import Problem

MAX_IDEMPOTENCY_KEY = 255


def etag_of(obj: Any) -> str:
    """A strong validator from the row's identity and last change (``updated_at`` moves on every save)."""
    digest = hashlib.sha256(f"{obj._meta.label}:{obj.pk}:{obj.updated_at.isoformat()}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def check_if_match(request: HttpRequest, obj: Any) -> None:
    """An update needs ``If-Match`` with the current ETag: 428 without it, 412 when someone changed it since."""
    wanted = request.headers.get("If-Match")
    if not wanted:
        raise Problem(
            428, _("If-Match is required."), _("Send the ETag you read, so no change is overwritten.")
        )
    if wanted.strip() != "*" and etag_of(obj) not in [tag.strip() for tag in wanted.split(",")]:
        raise Problem(412, _("The object changed since you read it."), _("Read it again and retry."))


def _render(schema: type[Schema], data: Any) -> bytes:
    return schema.model_validate(data, from_attributes=True).model_dump_json(by_alias=False).encode()


def json_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _fingerprint(request: HttpRequest) -> Any:
    """Method, path and parameters. A multipart body was already parsed (its stream is read), so its fields
    and each file's name and content hash stand for it."""
    digest = hashlib.sha256(b"%s %s\n" % (request.method.encode(), request.path.encode()))
    if request.content_type != "multipart/form-data":
        digest.update(request.body)
        return digest
    for name, values in sorted(request.POST.lists()):
        digest.update(repr((name, values)).encode())
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)
            digest.update(repr((name, upload.name, upload.size, content.hexdigest())).encode())
    return digest


def idempotent(
    request: HttpRequest,
    schema: type[Schema],
    run: Callable[[], Any],
    *,
    status: int = 201,
    etag: bool = False,
) -> HttpResponse:
    """Run a POST once per ``Idempotency-Key`` and caller; a retry gets the first answer again.

    With ``etag`` a fresh answer names the result's new ETag (for updates that need ``If-Match``).
    The answer is stored in the transaction of the write itself, so a crash cannot leave a write without its
    record (or the other way round). A reuse with other parameters is refused (422); two concurrent requests
    with one key: the second answers 409 and may retry.
    """
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        with transaction.atomic():
            result = run()
        return json_response(status, _render(schema, result), _etag_header(result, etag))
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise Problem(
            400,
            _("The request is not valid."),
            errors=[{"field": "Idempotency-Key", "message": _("At most 255 characters.")}],
        )
    owner = request.auth.owner
    fingerprint = _fingerprint(request)
    since = timezone.now() - datetime.timedelta(hours=settings.KABINET_API_IDEMPOTENCY_HOURS)
    IdempotentRequest.objects.filter(owner=owner, key=key, created_at__lt=since).delete()
    earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
    if earlier is not None:
        if earlier.fingerprint != fingerprint.hexdigest():
            raise Problem(
                422,
                _("This Idempotency-Key was used with other parameters."),
                _("Use a new key for a new request."),
            )
        return json_response(earlier.status, bytes(earlier.body), {"Idempotent-Replayed": "true"})
    try:
        with transaction.atomic():
            result = run()
            body = _render(schema, result)
            IdempotentRequest.objects.create(
                owner=owner,
                key=key,
                fingerprint=fingerprint.hexdigest(),
                status=status,
                body=body,
                content_type="application/json",
            )
    except IntegrityError as error:
        if IdempotentRequest.objects.filter(owner=owner, key=key).exists():
            raise Problem(
                409, _("A request with this Idempotency-Key is in progress."), _("Retry later.")
            ) from error
        raise
    return json_response(status, body, _etag_header(result, etag))


def _etag_header(result: Any, wanted: bool) -> dict[str, str]:
    # Fresh answers of updates carry the new ETag; a replay does not (the object may have moved on since).
    return {"ETag": etag_of(result)} if wanted else {}
