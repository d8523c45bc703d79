"""No float anywhere near money (issue 14): the code that holds, prices or moves money never calls
``float()`` and declares no ``FloatField``; the one vendor that sends amounts as JSON numbers (YCLIENTS: a
service's ``cost``, ``price_min``) is read with ``parse_float=Decimal``, so 1500.10 never becomes a float."""

from __future__ import annotations

import ast
from pathlib import Path

import kabinet

ROOT = Path(kabinet.__file__).parent
MONEY = [
    "billing",
    "payments",
    "bookings",
    "integrations/payments",
    "integrations/crm/yclients",
    "sync/bookings.py",
    "core/formats.py",
    "core/counting.py",
]
AMOUNTS_AS_JSON_NUMBERS = ["integrations/crm/yclients"]


def _sources(entries: list[str]) -> list[Path]:
    paths: list[Path] = []
    for entry in entries:
        path = ROOT / entry
        assert path.exists(), f"{entry} moved: update this test"
        paths += [path] if path.is_file() else [p for p in path.rglob("*.py") if "tests" not in p.parts]
    return paths


def _floats(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            found.append(f"line {node.lineno}: float()")
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        if name == "FloatField":
            found.append(f"line {node.lineno}: FloatField")
    return found


def _json_reads_without_decimals(tree: ast.AST) -> list[str]:
    return [
        f"line {node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("json", "loads")
        and not any(keyword.arg == "parse_float" for keyword in node.keywords)
    ]


def test_money_code_has_no_float():
    offences = {
        str(path.relative_to(ROOT)): found
        for path in _sources(MONEY)
        if (found := _floats(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offences == {}


def test_amounts_sent_as_json_numbers_are_read_as_decimals():
    offences = {
        str(path.relative_to(ROOT)): found
        for path in _sources(AMOUNTS_AS_JSON_NUMBERS)
        if (found := _json_reads_without_decimals(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offences == {}


def test_the_check_sees_a_float(tmp_path):
    # the rule itself: a float() call, a FloatField and a plain JSON read are each found
    tree = ast.parse("x = float(a)\nf = models.FloatField()\nd = response.json()\ne = json.loads(b, parse_float=D)\n")
    assert _floats(tree) == ["line 1: float()", "line 2: FloatField"]
    assert _json_reads_without_decimals(tree) == ["line 3: response.json()"]
