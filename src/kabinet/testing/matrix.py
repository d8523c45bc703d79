"""The cross-client access matrix (DESIGN.md section 5).

Every client-facing route declares, in its app's ``tests/access.py`` as ``ROUTES``, what each role gets:
the owner of an object, a colleague member of the same company, the company admin, a client of another
company, staff, and an anonymous visitor. ``core/tests/test_access_matrix.py`` walks every declared route
as every role, and fails when a URL of the portal is not declared at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.test import Client

from kabinet.accounts.models import User
from kabinet.billing.models import Invoice
from kabinet.crm.models import Company, Membership, Order
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile
from kabinet.testing import factories as f
from kabinet.testing.pages import assert_page_is_locked_down
from kabinet.tickets.models import Ticket


class Role(StrEnum):
    OWNER = "owner"
    COLLEAGUE = "colleague"
    COMPANY_ADMIN = "company_admin"
    OTHER_CLIENT = "other_client"
    STAFF = "staff"
    ANONYMOUS = "anonymous"


CLIENT_ROLES = (Role.OWNER, Role.COLLEAGUE, Role.COMPANY_ADMIN, Role.OTHER_CLIENT)
ALL_ROLES = tuple(Role)


@dataclass
class World:
    """Two companies, five people, and one object of each kind owned by ``owner`` in ``company``.

    ``foreign`` holds the same kinds of object owned by ``other_client`` in ``other_company``.
    """

    company: Company
    other_company: Company
    users: dict[Role, User | None]
    order: Order
    ticket: Ticket
    document: Document
    invoice: Invoice
    file: ClientFile
    foreign: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def user(self, role: Role) -> User | None:
        return self.users[role]

    def client_for(self, role: Role) -> Client:
        client = Client()
        user = self.users[role]
        if user is not None:
            client.force_login(user)
        return client


def _owned_objects(company: Company, contact) -> dict[str, Any]:
    file = f.ClientFileFactory(company=company, contact=contact)
    order = f.OrderFactory(company=company, contact=contact)
    return {
        "order": order,
        "ticket": f.TicketFactory(company=company, contact=contact),
        "document": f.DocumentFactory(company=company, contact=contact, order=order, file=file),
        "invoice": f.InvoiceFactory(company=company, contact=contact, order=order),
        "file": file,
    }


def _chat_objects(company: Company, contact, staff: User, secret: str) -> dict[str, Any]:
    """A conversation with a team message carrying an attachment, a client message, and a notice."""
    conversation = f.ConversationFactory(company=company, contact=contact, assigned_to=staff)
    attachment = f.ClientFileFactory(company=company, contact=contact, original_name=f"{secret}-scan.pdf")
    message = f.MessageFactory(
        conversation=conversation, from_staff=True, author=staff, body=f"{secret} from the team"
    )
    message.attachments.add(attachment)
    f.MessageFactory(conversation=conversation, from_staff=False, body=f"{secret} from the client")
    notification = f.NotificationFactory(
        contact=contact, company=company, params={"number": secret, "stage": "Ready"}
    )
    return {
        "conversation": conversation,
        "message": message,
        "attachment": attachment,
        "notification": notification,
        "chat_secret": secret,
    }


def build_world() -> World:
    company = f.CompanyFactory(name="ООО «Свои»")
    other_company = f.CompanyFactory(name="ООО «Чужие»")
    owner = f.client_user(company=company, email="owner@example.test")
    colleague = f.client_user(company=company, email="colleague@example.test")
    company_admin = f.client_user(company=company, role=Membership.Role.ADMIN, email="admin@example.test")
    other_client = f.client_user(
        company=other_company, role=Membership.Role.ADMIN, email="other@example.test"
    )
    staff = f.StaffFactory(email="staff@example.test")
    f.grant_chat_access(staff)  # "staff" is a team member with chat access (messaging permissions)
    mine = _owned_objects(company, owner.contact)
    foreign = _owned_objects(other_company, other_client.contact)
    foreign.update(_chat_objects(other_company, other_client.contact, staff, "FOREIGN-CHAT"))
    extra = _chat_objects(company, owner.contact, staff, "OWNER-CHAT")
    return World(
        company=company,
        other_company=other_company,
        users={
            Role.OWNER: owner,
            Role.COLLEAGUE: colleague,
            Role.COMPANY_ADMIN: company_admin,
            Role.OTHER_CLIENT: other_client,
            Role.STAFF: staff,
            Role.ANONYMOUS: None,
        },
        foreign=foreign,
        extra=extra,
        **mine,
    )


Expectation = int | tuple[int, str]  # a status, or (redirect status, the start of its Location)


@dataclass(frozen=True)
class RouteCase:
    """One client-facing route and what each role must get from it.

    ``url_name`` ties the case to the URLconf so the matrix can tell which routes are not declared.
    ``markers`` maps a text (an object's number, a title...) to the roles that must see it; every other role
    that gets a 200 must not find it in the body.
    """

    url_name: str
    url: Callable[[World], str]
    expect: dict[Role, Expectation]
    method: str = "get"
    data: Callable[[World], dict[str, Any]] | None = None
    markers: Callable[[World], dict[str, set[Role]]] | None = None
    label: str = ""
    setup: Callable[[World], None] | None = None
    # Request headers (an API key...), and whether markers are checked in JSON answers too (the API's).
    headers: Callable[[World], dict[str, str]] | None = None
    check_json: bool = False
    json_body: bool = False  # send ``data`` as a JSON body (the API's writes), not as a form

    @property
    def id(self) -> str:
        return self.label or self.url_name


def owner_only(ok: int = 200) -> dict[Role, Expectation]:
    """The usual detail-page expectation: the owner and his company admin see it, nobody else knows it exists."""
    return {
        Role.OWNER: ok,
        Role.COMPANY_ADMIN: ok,
        Role.COLLEAGUE: 404,
        Role.OTHER_CLIENT: 404,
        Role.STAFF: 404,
        Role.ANONYMOUS: (302, "/accounts/login/"),
    }


def check_case(world: World, case: RouteCase, role: Role) -> None:
    """Request ``case`` as ``role`` and assert the declared answer and the visibility of its markers."""
    if case.setup:
        case.setup(world)
    client = world.client_for(role)
    url = case.url(world)
    payload = case.data(world) if case.data is not None else None
    headers = case.headers(world) if case.headers is not None else {}
    extra: dict[str, Any] = {"headers": headers}
    if case.json_body:
        extra["content_type"] = "application/json"
    response = (
        getattr(client, case.method)(url, payload, **extra)
        if payload is not None
        else getattr(client, case.method)(url, **extra)
    )
    expected = case.expect[role]
    status, location = (expected, None) if isinstance(expected, int) else expected
    assert response.status_code == status, (
        f"{case.id} as {role}: expected {status}, got {response.status_code} for {url}"
    )
    if location is not None:
        assert response["Location"].startswith(location), (
            f"{case.id} as {role}: redirected to {response['Location']}"
        )
    content_type = response.get("Content-Type", "")
    if status == 200 and "text/html" in content_type:
        assert_page_is_locked_down(response, signed_in=role != Role.ANONYMOUS, where=f"{case.id} as {role}")
    if status == 200 and case.markers and ("text/html" in content_type or case.check_json):
        body = response.content.decode()
        for marker, allowed in case.markers(world).items():
            if role in allowed:
                assert marker in body, f"{case.id} as {role}: {marker!r} should be visible"
            else:
                assert marker not in body, f"{case.id} as {role}: {marker!r} must not be visible"


@dataclass(frozen=True)
class SocketCase:
    """One WebSocket route and what each role gets from it.

    ``accept`` maps a role to whether the handshake is accepted. All roles connect at the same time;
    then ``trigger`` runs (it writes through actions, whose events fan out after commit) and every accepted
    role collects what arrives. ``markers`` maps a text to the roles that must receive it; no other role
    may receive it.
    """

    path: str
    accept: dict[Role, bool]
    trigger: Callable[[World], None] | None = None
    markers: Callable[[World], dict[str, set[Role]]] | None = None
    label: str = ""
    origin: str = "http://127.0.0.1"
    session: Callable[[Any], None] | None = None  # brings every role's session into a state first

    @property
    def id(self) -> str:
        return self.label or self.path


# Session states for ``SocketCase.session`` and the HTTP sweeps, written by the session policy itself.


def signed_in_by_password(session: Any) -> None:
    """As right after a password sign-in: the policy's stamp, no second factor passed in this session."""
    from kabinet.accounts import session_policy

    session_policy.stamp(session)


def gone_idle(session: Any) -> None:
    """Signed in, then nothing for longer than the idle timeout (a minute past the deadline)."""
    import time

    from kabinet.accounts import session_policy
    from kabinet.accounts.models import SignInSettings

    session_policy.stamp(session, now=time.time() - SignInSettings.current().idle_timeout_minutes * 60 - 60)


def prepare_session(client: Client, state: Callable[[Any], None]) -> None:
    """Apply ``state`` to the session behind ``client``'s cookie, in the session store."""
    session = client.session
    state(session)
    session.save()


def session_cookie(world: World, role: Role, state: Callable[[Any], None] | None = None) -> str:
    """The ``Cookie`` header of a signed-in browser of ``role`` (empty for the anonymous visitor)."""
    from django.conf import settings

    client = world.client_for(role)
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie and state is not None:
        prepare_session(client, state)
    return f"{settings.SESSION_COOKIE_NAME}={cookie.value}" if cookie else ""


async def check_socket_case(world: World, case: SocketCase, application: Any) -> None:
    """Connect every role at once, run the trigger, and check handshakes and what each socket received."""
    import asyncio
    import json

    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    cookies = {
        role: await database_sync_to_async(session_cookie)(world, role, case.session) for role in ALL_ROLES
    }
    sockets: dict[Role, WebsocketCommunicator] = {}
    try:
        for role in ALL_ROLES:
            headers = [(b"origin", case.origin.encode()), (b"host", b"127.0.0.1")]
            if cookies[role]:
                headers.append((b"cookie", cookies[role].encode()))
            communicator = WebsocketCommunicator(application, case.path, headers=headers)
            connected, _code = await communicator.connect(timeout=5)
            assert connected == case.accept[role], f"{case.id} as {role}: handshake accepted={connected}"
            if connected:
                sockets[role] = communicator
                await communicator.receive_json_from(timeout=5)  # hello
        if case.trigger is not None:
            await database_sync_to_async(case.trigger)(world)
        expected = case.markers(world) if case.markers is not None else {}
        frames: dict[Role, list] = {role: [] for role in sockets}
        # First wait for every frame a role must get, however slow the machine is: events go out to every
        # group at the same moment, so once the expected ones are in, a leak would be in too.
        for role, communicator in sockets.items():
            wanted = [marker for marker, allowed in expected.items() if role in allowed]
            deadline = asyncio.get_running_loop().time() + 20
            while wanted and not all(m in json.dumps(frames[role], ensure_ascii=False) for m in wanted):
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    break  # the assertion below names what did not arrive
                frames[role].append(await communicator.receive_json_from(timeout=left))
        # Then take whatever else is there. receive_nothing() waits without cancelling the application.
        for role, communicator in sockets.items():
            while not await communicator.receive_nothing(timeout=0.5, interval=0.02):
                frames[role].append(await communicator.receive_json_from(timeout=5))
        received = {role: json.dumps(items, ensure_ascii=False) for role, items in frames.items()}
        if case.markers is not None:
            for marker, allowed in case.markers(world).items():
                for role, text in received.items():
                    if role in allowed:
                        assert marker in text, f"{case.id} as {role}: {marker!r} should arrive"
                    else:
                        assert marker not in text, f"{case.id} as {role}: {marker!r} must not arrive"
            for role in set().union(*case.markers(world).values()):
                assert role in received, f"{case.id}: {role} expected events but was not connected"
    finally:
        for communicator in sockets.values():
            await communicator.disconnect()
