"""What every HTML page must carry, checked by the access matrix on each 200 page it fetches.

- a strict Content-Security-Policy: scripts only from this site or with the response's nonce, no plugins,
  no ``<base>``, never framed;
- no inline code in the HTML: every ``<script>`` has a ``src`` (or the nonce), no ``on…=`` handler attributes,
  no ``javascript:`` links (the policy would block them, so the page would silently lose a feature);
- ``Cache-Control: no-store`` on every page served to a signed-in person.
"""

from __future__ import annotations

import re

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}

# A data block (<script type="application/json">) is never executed, so the CSP has nothing to allow there.
_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*\btype=[\"']?application/(?:ld\+)?json)[^>]*>", re.I
)
_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
_JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def policy(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def assert_page_is_locked_down(response, *, signed_in: bool, where: str = "") -> None:
    """The CSP, inline-code and caching rules above, for one HTML response."""
    header = response.get("Content-Security-Policy", "")
    assert header, f"{where}: no Content-Security-Policy"
    directives = policy(header)
    for directive, source in REQUIRED_DIRECTIVES.items():
        assert directives.get(directive) == [source], f"{where}: {directive} is {directives.get(directive)}"
    scripts = directives.get("script-src", [])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, (
        f"{where}: script-src {scripts}"
    )
    body = response.content.decode()
    for pattern, what in (
        (_INLINE_SCRIPT, "inline <script>"),
        (_HANDLER, "on… handler"),
        (_JS_URL, "javascript: URL"),
    ):
        found = pattern.search(body)
        assert found is None, f"{where}: {what}: {found.group(0)[:120] if found else ''}"
    nonces = set(re.findall(r'\snonce="([^"]+)"', body))
    for nonce in nonces:
        assert f"'nonce-{nonce}'" in header, f"{where}: an element's nonce is not the response's"
    if signed_in:
        cache = response.get("Cache-Control", "")
        assert "no-store" in cache, f"{where}: personal page cached ({cache!r})"
