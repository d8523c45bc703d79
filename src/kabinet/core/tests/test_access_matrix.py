"""Walk every declared client-facing route as every role (see ``kabinet.testing.matrix``)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from kabinet.testing.matrix import ALL_ROLES, RouteCase, SocketCase, check_case, check_socket_case
from kabinet.testing.sockets import run_async

# Routes that are not client-facing pages: the back office has its own permission system, and /healthz
# answers everybody the same thing.
NOT_CLIENT_FACING_PREFIXES = ("admin:",)
NOT_CLIENT_FACING = {"healthz", "files:staff_download"}


def declared_cases(attribute: str = "ROUTES") -> list:
    cases: list = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kabinet."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.access")
        except ModuleNotFoundError:
            continue
        cases.extend(getattr(module, attribute, []))
    return cases


def url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= url_names(pattern, space)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


CASES = declared_cases()


def test_every_client_facing_route_is_in_the_matrix():
    declared = {case.url_name for case in CASES}
    missing = {
        name
        for name in url_names()
        if not name.startswith(NOT_CLIENT_FACING_PREFIXES) and name not in NOT_CLIENT_FACING
    } - declared
    assert not missing, f"routes missing from the access matrix: {sorted(missing)}"


@pytest.mark.parametrize("role", ALL_ROLES, ids=str)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_access_matrix(world, case: RouteCase, role):
    check_case(world, case, role)


SOCKET_CASES: list[SocketCase] = declared_cases("SOCKETS")


def test_every_websocket_route_is_in_the_matrix():
    from kabinet.config.asgi import websocket_urlpatterns

    routes = {"/" + str(pattern.pattern) for pattern in websocket_urlpatterns}
    assert routes, "no WebSocket routes found"
    assert not routes - {case.path for case in SOCKET_CASES}, (
        "WebSocket routes missing from the access matrix"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", SOCKET_CASES, ids=lambda c: c.id)
def test_socket_access_matrix(case: SocketCase):
    """Every role connected at once; what each socket receives is what his pages would show."""
    from channels.layers import channel_layers

    from kabinet.config.asgi import application
    from kabinet.testing.matrix import build_world

    channel_layers.backends.clear()  # a fresh in-process layer for this event loop
    world = build_world()
    run_async(check_socket_case, world, case, application)
