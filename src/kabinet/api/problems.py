"""Errors as RFC 9457 ``application/problem+json``, with field errors, in the caller's language."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

PROBLEM = "application/problem+json"


class Problem(Exception):
    """Raise to answer a problem: ``status``, a translated ``title``, an optional ``detail`` and headers."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = JsonResponse(
        body, status=status, content_type=PROBLEM, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found() -> HttpResponse:
    return problem_response(404, _("Not found."))


def django_field_errors(error: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(error, "error_dict"):
        return [
            {"field": field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in error.messages]


def _location(loc: tuple | list) -> str:
    # Ninja names where a value came from ("body", "query"...) first: the field is the rest.
    parts = [str(part) for part in loc[1:]] if len(loc) > 1 else [str(part) for part in loc]
    if len(parts) > 1 and parts[0] == "payload":  # the view's argument that holds the body, not a field
        parts = parts[1:]
    return ".".join(parts)


def install(api: NinjaAPI) -> None:
    """Answer every error of the API as problem+json; nothing turns into an HTML page or a bare 500."""

    @api.exception_handler(Problem)
    def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
        return problem_response(exc.status, exc.title, exc.detail, errors=exc.errors, headers=exc.headers)

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [{"field": _location(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
        return problem_response(422, _("The request is not valid."), errors=errors)

    @api.exception_handler(DjangoValidationError)
    def _rejected(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return problem_response(422, _("The request is not valid."), errors=django_field_errors(exc))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response(
            401, _("Authentication required."), headers={"WWW-Authenticate": 'Bearer realm="kabinet"'}
        )

    @api.exception_handler(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, int(exc.wait or 1))
        return problem_response(429, _("Too many requests."), headers={"Retry-After": str(wait)})

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        titles = {403: _("Forbidden."), 404: _("Not found."), 405: _("Method not allowed.")}
        return problem_response(exc.status_code, titles.get(exc.status_code, str(exc)))

    @api.exception_handler(Http404)
    def _missing(request: HttpRequest, exc: Exception) -> HttpResponse:
        return not_found()

    @api.exception_handler(DataError)
    def _unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
        # Input the database refuses although it passed validation: a NUL character (PostgreSQL's driver
        # refuses it before sending anything, so the transaction is intact), a number too large. Bad input.
        return problem_response(
            422,
            _("The request is not valid."),
            errors=[
                {
                    "field": None,
                    "message": _("A value cannot be stored: it contains a NUL character or is too large."),
                }
            ],
        )

    @api.exception_handler(ObjectDoesNotExist)
    def _missing_object(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Unknown and foreign public ids are the same DoesNotExist of a scoped selector: one answer for both.
        return not_found()
