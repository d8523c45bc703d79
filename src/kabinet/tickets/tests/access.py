"""Every ticket route in the cross-client access matrix: the portal's (owner, his company admin, nobody
else; internal notes for nobody) and the staff workspace's (clients 404, staff without the support
permission 403)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.crm.models import Stage
from kabinet.testing import factories as f
from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase, World, owner_only
from kabinet.tickets import actions
from kabinet.tickets.tokens import rating_token

PUBLIC_REPLY = "Public answer from the agent 7f3a"
INTERNAL_NOTE = "Internal note never for clients 9c1e"
LOGIN = (302, "/accounts/login/")


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%matrix\n", content_type="application/pdf")


def conversation(world: World) -> None:
    """A public reply with a file and an internal note with a file on the owner's ticket."""
    if "reply" in world.extra:
        return
    agent = f.StaffFactory()
    world.extra["reply"] = actions.add_agent_reply(
        actor=agent, ticket=world.ticket, body=PUBLIC_REPLY, attachments=[_pdf("answer.pdf")]
    )
    world.extra["note"] = actions.add_internal_note(
        actor=agent, ticket=world.ticket, body=INTERNAL_NOTE, attachments=[_pdf("internal.pdf")]
    )
    from kabinet.files.models import ClientFile

    world.extra["reply_file"] = ClientFile.objects.get(
        subject_id=world.extra["reply"].pk, original_name="answer.pdf"
    )
    world.extra["note_file"] = ClientFile.objects.get(
        subject_id=world.extra["note"].pk, original_name="internal.pdf"
    )


def solved(world: World) -> None:
    """The owner's ticket closed by staff, so that it can be rated."""
    if world.ticket.closed_at is None:
        closed = f.StageFactory(pipeline=world.ticket.pipeline, kind=Stage.Kind.CLOSED, client_name="Solved")
        actions.change_ticket_stage(actor=None, ticket=world.ticket, stage=closed)
        world.ticket.refresh_from_db()


def solved_with_link(world: World) -> None:
    solved(world)
    world.extra["rate_token"] = rating_token(
        ticket_public_id=world.ticket.public_id,
        contact_id=world.ticket.contact_id,
        rating=3,
        nonce=world.ticket.rating_nonce,
    )


def client_pages(ok: int = 200) -> dict[Role, object]:
    return {**dict.fromkeys(CLIENT_ROLES, ok), Role.STAFF: 404, Role.ANONYMOUS: LOGIN}


def owner_post() -> dict[Role, object]:
    return {**owner_only((302, "/tickets/")), Role.ANONYMOUS: LOGIN}


STAFF_ONLY = {**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 403, Role.ANONYMOUS: LOGIN}

ROUTES = [
    RouteCase(
        url_name="tickets:list",
        url=lambda w: reverse("tickets:list"),
        expect=client_pages(),
        markers=lambda w: {
            w.ticket.subject: {Role.OWNER, Role.COMPANY_ADMIN},
            w.foreign["ticket"].subject: {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="tickets:new",
        url=lambda w: reverse("tickets:new"),
        expect=client_pages(),
    ),
    RouteCase(
        url_name="tickets:detail",
        url=lambda w: reverse("tickets:detail", args=[w.ticket.public_id]),
        expect=owner_only(),
        setup=conversation,
        markers=lambda w: {
            w.ticket.subject: {Role.OWNER, Role.COMPANY_ADMIN},
            PUBLIC_REPLY: {Role.OWNER, Role.COMPANY_ADMIN},
            "answer.pdf": {Role.OWNER, Role.COMPANY_ADMIN},
            INTERNAL_NOTE: set(),
            "internal.pdf": set(),
        },
    ),
    RouteCase(
        url_name="tickets:detail",
        label="tickets:detail (foreign ticket)",
        url=lambda w: reverse("tickets:detail", args=[w.foreign["ticket"].public_id]),
        expect={
            **dict.fromkeys(CLIENT_ROLES, 404),
            Role.OTHER_CLIENT: 200,
            Role.STAFF: 404,
            Role.ANONYMOUS: LOGIN,
        },
    ),
    RouteCase(
        url_name="tickets:reply",
        url=lambda w: reverse("tickets:reply", args=[w.ticket.public_id]),
        method="post",
        data=lambda w: {"body": "A reply from the matrix"},
        expect=owner_post(),
    ),
    RouteCase(
        url_name="tickets:close",
        url=lambda w: reverse("tickets:close", args=[w.ticket.public_id]),
        method="post",
        data=lambda w: {},
        expect=owner_post(),
        setup=lambda w: f.StageFactory(pipeline=w.ticket.pipeline, kind=Stage.Kind.CLOSED),
    ),
    RouteCase(
        url_name="tickets:rate",
        url=lambda w: reverse("tickets:rate", args=[w.ticket.public_id]),
        method="post",
        data=lambda w: {"rating": "3"},
        expect=owner_post(),
        setup=solved,
    ),
    RouteCase(
        url_name="tickets:attachment",
        url=lambda w: reverse(
            "tickets:attachment", args=[w.ticket.public_id, w.extra["reply_file"].public_id]
        ),
        expect=owner_only(),
        setup=conversation,
    ),
    RouteCase(
        url_name="tickets:attachment",
        label="tickets:attachment (internal note's file)",
        url=lambda w: reverse(
            "tickets:attachment", args=[w.ticket.public_id, w.extra["note_file"].public_id]
        ),
        expect={**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
        setup=conversation,
    ),
    RouteCase(
        url_name="tickets:attachment",
        label="tickets:attachment (file of another ticket)",
        url=lambda w: reverse(
            "tickets:attachment", args=[w.foreign["ticket"].public_id, w.extra["reply_file"].public_id]
        ),
        expect={**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
        setup=conversation,
    ),
    RouteCase(
        # the emailed link is the credential: whoever holds it sees the choice, nothing of the conversation
        url_name="tickets:rate_link",
        url=lambda w: reverse("tickets:rate_link", args=[w.extra["rate_token"]]),
        expect=dict.fromkeys((*CLIENT_ROLES, Role.STAFF, Role.ANONYMOUS), 200),
        setup=lambda w: (conversation(w), solved_with_link(w)),
        markers=lambda w: {PUBLIC_REPLY: set(), INTERNAL_NOTE: set()},
    ),
    RouteCase(
        url_name="tickets:rate_link",
        label="tickets:rate_link (forged token)",
        url=lambda w: reverse("tickets:rate_link", args=["forged:token:abc"]),
        expect=dict.fromkeys((*CLIENT_ROLES, Role.STAFF, Role.ANONYMOUS), 404),
    ),
    # --- the staff workspace ---
    RouteCase(
        url_name="tickets_staff:queue", url=lambda w: reverse("tickets_staff:queue"), expect=STAFF_ONLY
    ),
    RouteCase(url_name="tickets_staff:new", url=lambda w: reverse("tickets_staff:new"), expect=STAFF_ONLY),
    RouteCase(
        url_name="tickets_staff:detail",
        url=lambda w: reverse("tickets_staff:detail", args=[w.ticket.public_id]),
        expect=STAFF_ONLY,
    ),
    RouteCase(
        url_name="tickets_staff:reply",
        url=lambda w: reverse("tickets_staff:reply", args=[w.ticket.public_id]),
        method="post",
        data=lambda w: {"body": "Staff reply", "kind": "reply"},
        expect=STAFF_ONLY,
    ),
    RouteCase(
        url_name="tickets_staff:update",
        url=lambda w: reverse("tickets_staff:update", args=[w.ticket.public_id]),
        method="post",
        data=lambda w: {"stage": w.ticket.stage_id, "priority": "high"},
        expect=STAFF_ONLY,
    ),
    RouteCase(
        url_name="tickets_staff:cc",
        url=lambda w: reverse("tickets_staff:cc", args=[w.ticket.public_id]),
        method="post",
        data=lambda w: {"email": "colleague@example.test"},
        expect=STAFF_ONLY,
    ),
    RouteCase(
        url_name="tickets_staff:attachment",
        url=lambda w: reverse(
            "tickets_staff:attachment", args=[w.ticket.public_id, w.extra["note_file"].public_id]
        ),
        expect=STAFF_ONLY,
        setup=conversation,
    ),
]
