"""Kabinet uses other libraries through their public API only (docs/development.md).

Every module of ``src/`` (tests included) is read: an import of an ``internal`` or underscore module or name
from allauth, Channels, Django or Huey fails this test, and so does reading or writing an underscore attribute
that is not Kabinet's own. The one documented exception is Django's ``Model._meta``, the documented Options API.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
LIBRARIES = ("allauth", "channels", "django", "huey")
DOCUMENTED_EXCEPTIONS = {"_meta"}  # https://docs.djangoproject.com/en/5.2/ref/models/meta/


def is_private(part: str) -> bool:
    return part == "internal" or (part.startswith("_") and not part.startswith("__"))


def library_module(name: str | None) -> bool:
    return bool(name) and name.split(".")[0] in LIBRARIES


def findings_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    ours: set[str] = {"self", "cls"}  # names bound to Kabinet's own modules and objects
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kabinet"):
            ours.update(alias.asname or alias.name for alias in node.names)
        if isinstance(node, ast.ImportFrom) and library_module(node.module):
            if any(is_private(part) for part in node.module.split(".")):
                found.append(f"{path}:{node.lineno} imports {node.module}")
            found += [
                f"{path}:{node.lineno} imports {node.module}.{alias.name}"
                for alias in node.names
                if is_private(alias.name)
            ]
        if isinstance(node, ast.Import):
            found += [
                f"{path}:{node.lineno} imports {alias.name}"
                for alias in node.names
                if library_module(alias.name) and any(is_private(p) for p in alias.name.split("."))
            ]
        if isinstance(node, ast.Attribute) and is_private(node.attr) and node.attr != "internal":
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if node.attr in DOCUMENTED_EXCEPTIONS or node.attr.startswith("_kabinet") or owner in ours:
                continue
            found.append(f"{path}:{node.lineno} uses .{node.attr}")
    return found


def test_no_library_internals_are_used():
    findings = [
        finding
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
        for finding in findings_in(path)
    ]
    assert findings == []


def test_the_check_catches_what_it_is_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from allauth.account." + "internal.flows import login\n"  # split: a sample for the checker, not an import
        "from channels.layers import _private\n"
        "import huey._impl\n"
        "layer._clean_expired()\n"
        "Model._meta.fields\n"
        "request._kabinet_hint = 1\n"
    )
    found = findings_in(sample)
    assert len(found) == 4 and any("._clean_expired" in f for f in found)
