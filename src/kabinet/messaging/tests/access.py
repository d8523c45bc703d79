"""The chat in the cross-client access matrix: pages, downloads, the staff inbox and both sockets.

Conversations are personal: the owner reads his; his colleague and even his company admin get 404; staff
with chat access read every conversation on the staff side only.
"""

from django.urls import reverse

from kabinet.testing.matrix import (
    ALL_ROLES,
    CLIENT_ROLES,
    Role,
    RouteCase,
    SocketCase,
    World,
    gone_idle,
    signed_in_by_password,
)

LOGIN = (302, "/accounts/login/")
clients_only = {**dict.fromkeys(CLIENT_ROLES, 200), Role.STAFF: 404, Role.ANONYMOUS: LOGIN}
owner_alone = {**dict.fromkeys(CLIENT_ROLES, 404), Role.OWNER: 200, Role.STAFF: 404, Role.ANONYMOUS: LOGIN}
foreign_alone = {**owner_alone, Role.OWNER: 404, Role.OTHER_CLIENT: 200}
staff_only = {**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 200, Role.ANONYMOUS: LOGIN}


def chat_markers(w: World) -> dict[str, set[Role]]:
    return {w.extra["chat_secret"]: {Role.OWNER}, w.foreign["chat_secret"]: {Role.OTHER_CLIENT}}


def staff_conversation_url(w: World) -> str:
    return reverse("messaging:staff_conversation", args=[w.extra["conversation"].public_id])


def staff_replies_everywhere(w: World) -> None:
    from kabinet.messaging.actions import send_staff_message

    staff = w.user(Role.STAFF)
    send_staff_message(actor=staff, conversation=w.extra["conversation"], body="LIVE-TO-OWNER")
    send_staff_message(actor=staff, conversation=w.foreign["conversation"], body="LIVE-TO-FOREIGN")


def owner_writes(w: World) -> None:
    from kabinet.crm.viewer import build_viewer
    from kabinet.messaging.actions import send_client_message

    owner = w.user(Role.OWNER)

    class Request:
        user = owner
        session: dict = {}

    send_client_message(actor=owner, viewer=build_viewer(Request()), body="LIVE-FROM-OWNER")


ROUTES = [
    RouteCase(
        url_name="messaging:chat",
        url=lambda w: reverse("messaging:chat"),
        expect=clients_only,
        markers=chat_markers,
    ),
    RouteCase(
        url_name="messaging:send",
        url=lambda w: reverse("messaging:send"),
        method="post",
        data=lambda w: {"body": "Hello from the matrix"},
        expect={**dict.fromkeys(CLIENT_ROLES, (302, "/messages/")), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="messaging:attachment",
        url=lambda w: reverse("messaging:attachment", args=[w.extra["attachment"].public_id]),
        expect=owner_alone,
    ),
    RouteCase(
        url_name="messaging:attachment",
        label="messaging:attachment (foreign)",
        url=lambda w: reverse("messaging:attachment", args=[w.foreign["attachment"].public_id]),
        expect=foreign_alone,
    ),
    RouteCase(
        url_name="messaging:attachment",
        label="messaging:attachment (not a chat file)",
        url=lambda w: reverse("messaging:attachment", args=[w.file.public_id]),
        expect={**owner_alone, Role.OWNER: 404},
    ),
    RouteCase(
        url_name="messaging:staff_inbox",
        url=lambda w: reverse("messaging:staff_inbox"),
        expect=staff_only,
        markers=lambda w: {w.extra["chat_secret"]: {Role.STAFF}, w.foreign["chat_secret"]: {Role.STAFF}},
    ),
    RouteCase(
        url_name="messaging:staff_conversation",
        url=staff_conversation_url,
        expect=staff_only,
        markers=lambda w: {w.extra["chat_secret"]: {Role.STAFF}, w.foreign["chat_secret"]: set()},
    ),
    RouteCase(
        url_name="messaging:staff_send",
        url=lambda w: reverse("messaging:staff_send", args=[w.extra["conversation"].public_id]),
        method="post",
        data=lambda w: {"body": "Answer from the matrix"},
        expect={**staff_only, Role.STAFF: (302, "/staff/inbox/")},
    ),
    RouteCase(
        url_name="messaging:staff_assign",
        url=lambda w: reverse("messaging:staff_assign", args=[w.extra["conversation"].public_id]),
        method="post",
        data=lambda w: {"assignee": "me"},
        expect={**staff_only, Role.STAFF: (302, "/staff/inbox/")},
    ),
    RouteCase(
        url_name="messaging:staff_client_card",
        url=lambda w: reverse("messaging:staff_client_card", args=[w.extra["conversation"].public_id]),
        expect=staff_only,
        markers=lambda w: {w.order.title: {Role.STAFF}, w.foreign["order"].title: set()},
    ),
    RouteCase(
        url_name="messaging:staff_attachment",
        url=lambda w: reverse("messaging:staff_attachment", args=[w.extra["attachment"].public_id]),
        expect=staff_only,
    ),
]


def orders_move(w: World) -> None:
    """Both companies' orders move to a stage that sends no notice: only the live order event carries it."""
    from kabinet.crm.actions import change_order_stage
    from kabinet.testing.factories import StageFactory

    for order, name in ((w.order, "LIVE-STAGE-OWNER"), (w.foreign["order"], "LIVE-STAGE-FOREIGN")):
        change_order_stage(
            actor=None, order=order, stage=StageFactory(pipeline=order.pipeline, client_name=name)
        )


def owners_order_hidden(w: World) -> None:
    from kabinet.crm.actions import set_order_hidden

    set_order_hidden(actor=None, order=w.order, hidden=True)


SOCKETS = [
    SocketCase(
        path="/ws/portal/",
        label="portal socket: orders move (open order pages follow)",
        accept={**dict.fromkeys(CLIENT_ROLES, True), Role.STAFF: False, Role.ANONYMOUS: False},
        trigger=orders_move,
        markers=lambda w: {
            "LIVE-STAGE-OWNER": {Role.OWNER, Role.COMPANY_ADMIN},
            "LIVE-STAGE-FOREIGN": {Role.OTHER_CLIENT},
        },
    ),
    SocketCase(  # the tabs that showed it learn it is gone (and reload); nobody else hears of it
        path="/ws/portal/",
        label="portal socket: an order is hidden",
        accept={**dict.fromkeys(CLIENT_ROLES, True), Role.STAFF: False, Role.ANONYMOUS: False},
        trigger=owners_order_hidden,
        markers=lambda w: {w.order.public_id: {Role.OWNER, Role.COMPANY_ADMIN}, w.order.title: set()},
    ),
    SocketCase(
        path="/ws/portal/",
        label="portal socket: team replies to two clients of different companies",
        accept={**dict.fromkeys(CLIENT_ROLES, True), Role.STAFF: False, Role.ANONYMOUS: False},
        trigger=staff_replies_everywhere,
        markers=lambda w: {"LIVE-TO-OWNER": {Role.OWNER}, "LIVE-TO-FOREIGN": {Role.OTHER_CLIENT}},
    ),
    SocketCase(
        path="/ws/staff/",
        label="staff socket: a client writes",
        accept={**dict.fromkeys(CLIENT_ROLES, False), Role.STAFF: True, Role.ANONYMOUS: False},
        trigger=owner_writes,
        markers=lambda w: {"LIVE-FROM-OWNER": {Role.STAFF}},
    ),
    # The same session rules as the pages (H1): a staff session held for two-factor gets no socket, and
    # neither does a session past the idle timeout; the clients' sockets are not held.
    SocketCase(
        path="/ws/staff/",
        label="staff socket under the two-factor hold",
        session=signed_in_by_password,
        accept=dict.fromkeys(ALL_ROLES, False),
        trigger=owner_writes,
        markers=lambda w: {"LIVE-FROM-OWNER": set()},
    ),
    SocketCase(
        path="/ws/portal/",
        label="portal socket: clients signed in by password are not held",
        session=signed_in_by_password,
        accept={**dict.fromkeys(CLIENT_ROLES, True), Role.STAFF: False, Role.ANONYMOUS: False},
        trigger=staff_replies_everywhere,
        markers=lambda w: {"LIVE-TO-OWNER": {Role.OWNER}, "LIVE-TO-FOREIGN": {Role.OTHER_CLIENT}},
    ),
    SocketCase(
        path="/ws/portal/",
        label="portal socket after the idle timeout",
        session=gone_idle,
        accept=dict.fromkeys(ALL_ROLES, False),
    ),
    SocketCase(
        path="/ws/staff/",
        label="staff socket after the idle timeout",
        session=gone_idle,
        accept=dict.fromkeys(ALL_ROLES, False),
    ),
    SocketCase(
        path="/ws/portal/",
        label="portal socket from another port of the same host",
        origin="http://127.0.0.1:9",
        accept=dict.fromkeys(ALL_ROLES, False),
    ),
    SocketCase(
        path="/ws/staff/",
        label="staff socket from another scheme of the same host",
        origin="https://127.0.0.1",
        accept=dict.fromkeys(ALL_ROLES, False),
    ),
    SocketCase(
        path="/ws/portal/",
        label="portal socket from a foreign Origin",
        origin="https://evil.example",
        accept=dict.fromkeys((*CLIENT_ROLES, Role.STAFF, Role.ANONYMOUS), False),
    ),
    SocketCase(
        path="/ws/staff/",
        label="staff socket from a foreign Origin",
        origin="https://evil.example",
        accept=dict.fromkeys((*CLIENT_ROLES, Role.STAFF, Role.ANONYMOUS), False),
    ),
]
