"""Every event an action sends reads as a sentence: no raw codes («ticket.solved») in the centre or history.

The codes are read from the source (every call that sends a notice or writes a history entry), so a new
action with an unregistered code fails here, not in front of a client.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

from kabinet.core.notify import event_kinds
from kabinet.crm.timeline import registered_events

PACKAGE = Path(__file__).resolve().parents[2]
NOTICE_CALLS = {"Notice", "notify_owners"}
TIMELINE_CALLS = {"record_timeline", "_timeline"}


def _strings(node: ast.AST, function: ast.AST | None) -> set[str]:
    """The string codes an ``event`` argument can hold: literals, both arms of ``a if c else b``, and every
    string assigned to a variable of that name in the enclosing function."""
    if isinstance(node, ast.Name) and function is not None:
        found: set[str] = set()
        for assign in ast.walk(function):
            if isinstance(assign, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in assign.targets
            ):
                found |= _strings(assign.value, None)
        return found
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _sent_codes() -> tuple[set[str], set[str]]:
    notices, timeline = set(), set()
    for path in PACKAGE.rglob("*.py"):
        if {"tests", "testing", "migrations", "demo"} & set(path.relative_to(PACKAGE).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                if name not in NOTICE_CALLS | TIMELINE_CALLS:
                    continue
                args = [kw.value for kw in call.keywords if kw.arg == "event"]
                if name == "_timeline" and len(call.args) > 1:
                    args.append(call.args[1])
                codes = set().union(*(_strings(arg, function) for arg in args)) if args else set()
                (notices if name in NOTICE_CALLS else timeline).update(codes)
    return notices, timeline


def test_every_notice_an_action_sends_has_a_registered_sentence():
    notices, _timeline = _sent_codes()
    assert {"ticket.solved", "order.stage_changed"} <= notices  # the scan works
    registered = {kind.code for kind in event_kinds()}
    assert notices - registered == set()
    assert all(str(kind.sentence) != kind.code for kind in event_kinds())


def test_every_history_entry_an_action_writes_has_a_registered_sentence():
    _notices, timeline = _sent_codes()
    assert {"ticket.created", "order.declined", "file.added", "message.staff_sent"} <= timeline
    assert timeline - registered_events() == set()


@pytest.mark.parametrize("app", ["crm", "files", "messaging", "billing", "tickets", "documents"])
def test_sentences_are_registered_by_the_app_not_by_importing_its_actions(app):
    """They once existed only because ``admin.py`` happened to import ``actions.py``."""
    config = apps.get_app_config(app)
    events = Path(config.path) / "events.py"
    tree = ast.parse(events.read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    }
    assert not {m for m in imported if m and m.startswith(f"kabinet.{app}")}, "events.py must be data only"
    actions = ast.parse((Path(config.path) / "actions.py").read_text(encoding="utf-8"))
    calls = {
        getattr(n.func, "id", None) or getattr(n.func, "attr", None)
        for n in ast.walk(actions)
        if isinstance(n, ast.Call)
    }
    assert not calls & {"register_events", "register_event_kinds", "register_app_events"}
    assert "register_app_events" in (Path(config.path) / "apps.py").read_text(encoding="utf-8")
