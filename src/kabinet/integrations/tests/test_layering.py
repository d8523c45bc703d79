"""Dependencies point one way (DESIGN.md section 4): core ← crm ← domains ← integrations/api/portal/staff.

No module of ``core`` or of a domain app imports ``kabinet.integrations`` (tests included: they use
``kabinet.testing``, which may use everything); the contracts and facades they call live in ``core`` or in
the domain itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
DOMAINS = (
    "core",
    "accounts",
    "crm",
    "files",
    "tickets",
    "documents",
    "billing",
    "notifications",
    "messaging",
    "payments",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_domain_app_imports_integrations():
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for app in DOMAINS
        for path in sorted((SRC / app).rglob("*.py"))
        for name in imported_modules(path)
        if name == "kabinet.integrations" or name.startswith("kabinet.integrations.")
    ]
    assert offenders == []


def test_the_check_sees_an_import_of_integrations(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from kabinet.integrations.sms import deliver\nimport kabinet.integrations.http\n")
    assert imported_modules(sample) >= {"kabinet.integrations.sms", "kabinet.integrations.http"}
