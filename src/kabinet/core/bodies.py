"""Bounded reads of request bodies and fields: nothing a client sends is used before it is bounded.

A JSON body is read only up to ``max_bytes`` and a nesting depth of ``max_depth`` (a body of 5,000 ``[``
would otherwise exhaust Python's recursion and answer 500); anything else is "not valid", which the caller
answers with a 400 problem+json.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest

JSON_MAX_BYTES = 16 * 1024
JSON_MAX_DEPTH = 8


def _depth(raw: str, limit: int) -> bool:
    """Whether the JSON text nests brackets no deeper than ``limit`` (strings skipped), without parsing it."""
    depth, in_string, escaped = 0, False, False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def json_object(
    request: HttpRequest, *, max_bytes: int = JSON_MAX_BYTES, max_depth: int = JSON_MAX_DEPTH
) -> dict[str, Any] | None:
    """The request's JSON object body, or None when it is empty, too large, too deep, not UTF-8, not JSON or
    not an object."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > max_bytes:
        return None
    body = request.body
    if not body or len(body) > max_bytes:
        return None
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not _depth(raw, max_depth):
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def bounded(value: Any, max_length: int) -> str:
    """A form field's raw value as text, or "" when it is not text or longer than ``max_length``."""
    return value if isinstance(value, str) and len(value) <= max_length else ""
