"""Plain HTTP as a signed-in browser speaks it (session cookie, CSRF cookie and header, multipart forms), for
the fault suite and the soak, which talk to real servers (no Django test client)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

CSRF = "f" * 32


@dataclass
class Answer:
    status: int
    body: str
    content_type: str

    def json(self):
        return json.loads(self.body)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A POST's own answer is what counts (its redirect's page is another request)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, (filename, data) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def post(
    base: str,
    path: str,
    session: str,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes]] | None = None,
    *,
    json_answer: bool = True,
    timeout: float = 30,
) -> Answer:
    """POST a form as the browser does (CSRF cookie and header); any answer, never an exception for 4xx/5xx."""
    body, content_type = _multipart(fields, files or {})
    headers = {
        "Cookie": f"sessionid={session}; csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
        "Content-Type": content_type,
    }
    if json_answer:
        headers["Accept"] = "application/json"
    request = urllib.request.Request(base + path, data=body, headers=headers, method="POST")  # noqa: S310
    return _send(request, timeout)


def get(base: str, path: str, session: str, *, timeout: float = 30) -> Answer:
    """GET a page with the session cookie; any answer, never an exception for 4xx/5xx."""
    request = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={session}"})  # noqa: S310
    return _send(request, timeout)


def _send(request: urllib.request.Request, timeout: float) -> Answer:
    """The answer, whatever its status (redirects are not followed: a POST's own answer is what counts)."""
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read().decode(), response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as error:
        return Answer(
            error.code, error.read().decode(errors="replace"), error.headers.get("Content-Type", "")
        )
