"""Walk every declared client-facing route as every role (see ``kabinet.testing.matrix``)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from kabinet.testing.matrix import ALL_ROLES, Role, RouteCase, SocketCase, check_case, check_socket_case
from kabinet.testing.sockets import run_async

# Routes that are not client-facing pages: the back office has its own permission system, and /healthz
# answers everybody the same thing.
NOT_CLIENT_FACING_PREFIXES = ("admin:",)
NOT_CLIENT_FACING = {"healthz"}


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


def _request(world, case: RouteCase, client):
    if case.setup:
        case.setup(world)
    payload = case.data(world) if case.data is not None else None
    url = case.url(world)
    method = getattr(client, case.method)
    return url, (method(url, payload) if payload is not None else method(url))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_staff_session_held_for_two_factor_reaches_no_route(world, case: RouteCase):
    """Signed in by password only, a staff member gets the two-factor setup on every declared route."""
    from django.urls import reverse

    from kabinet.accounts.session_policy import Verdict, allowed_while_held
    from kabinet.testing.matrix import prepare_session, signed_in_by_password

    client = world.client_for(Role.STAFF)
    prepare_session(client, signed_in_by_password)
    url, response = _request(world, case, client)
    if url.split("?")[0] in allowed_while_held(Verdict.MFA_SETUP):
        return  # the way to lift the hold, and the way out, stay open
    assert response.status_code == 302, f"{case.id}: {response.status_code} for {url} under the hold"
    assert response["Location"] == reverse("accounts:mfa_setup"), f"{case.id}: {response['Location']}"


@pytest.mark.parametrize("role", [Role.OWNER, Role.STAFF], ids=str)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_an_idle_session_reaches_no_route(world, case: RouteCase, role):
    """Past the idle timeout, every declared route signs the session out on the server first."""
    from kabinet.testing.matrix import gone_idle, prepare_session

    client = world.client_for(role)
    prepare_session(client, gone_idle)
    key = client.session.session_key
    url, response = _request(world, case, client)
    assert response.status_code in (204, 302), f"{case.id}: {response.status_code} for {url} when idle"
    assert (response.get("HX-Redirect") or response["Location"]).startswith("/accounts/login/")
    from importlib import import_module

    from django.conf import settings

    assert not import_module(settings.SESSION_ENGINE).SessionStore().exists(key)
