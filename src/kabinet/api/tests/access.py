"""Every API route in the cross-client matrix: six roles by session, plus integrator keys and personal tokens
of the right and the wrong scope."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from kabinet.api.actions import issue_api_key
from kabinet.api.models import READ, RESOURCES, WRITE
from kabinet.testing.matrix import ALL_ROLES, CLIENT_ROLES, Role, RouteCase, World

UNAUTHENTICATED = 401
SESSION_LIST = {
    **dict.fromkeys(CLIENT_ROLES, 200),
    Role.STAFF: UNAUTHENTICATED,
    Role.ANONYMOUS: UNAUTHENTICATED,
}
SESSION_DETAIL = {
    Role.OWNER: 200,
    Role.COMPANY_ADMIN: 200,
    Role.COLLEAGUE: 404,
    Role.OTHER_CLIENT: 404,
    Role.STAFF: UNAUTHENTICATED,
    Role.ANONYMOUS: UNAUTHENTICATED,
}
NO_SESSION = dict.fromkeys(ALL_ROLES, UNAUTHENTICATED)  # integrator routes never accept a portal session


def everyone(status: int) -> dict[Role, int]:
    return dict.fromkeys(ALL_ROLES, status)


def key_header(scopes: dict[str, str], *, personal: Role | None = None) -> Callable[[World], dict[str, str]]:
    """Headers carrying a fresh key with ``scopes`` (a personal token of ``personal``'s user if given)."""

    def headers(world: World) -> dict[str, str]:
        label = f"key:{sorted(scopes.items())}:{personal}"
        if label not in world.extra:
            user = world.user(personal) if personal else None
            issued = issue_api_key(actor=world.user(Role.STAFF), name="matrix", scopes=scopes, user=user)
            world.extra[label] = issued.key
        return {"Authorization": f"Bearer {world.extra[label]}"}

    return headers


def _others(resource: str) -> dict[str, str]:
    return {r: WRITE for r in RESOURCES if r != resource}


def _markers_mine(attribute: str, field: str) -> Callable[[World], dict[str, set[Role]]]:
    def markers(world: World) -> dict[str, set[Role]]:
        mine = getattr(getattr(world, attribute), field)
        theirs = getattr(world.foreign[attribute], field)
        return {mine: {Role.OWNER, Role.COMPANY_ADMIN}, theirs: {Role.OTHER_CLIENT}}

    return markers


# The routes also tried with the right key and with the other audience's credential (one list, one detail each
# side): the rule is the router's, so every other route of that router shares it.
WITH_EVERY_CREDENTIAL = {"me_orders", "me_order", "orders", "order"}


def _read_cases(name: str, resource: str, url: Callable[[World], str], *, detail: bool, markers=None) -> list:
    """A read route: by session as every role and by a key without that scope (some with every credential)."""
    cases = [
        RouteCase(
            url_name=f"api-v1:{name}",
            url=url,
            expect=NO_SESSION if not name.startswith("me_") else (SESSION_DETAIL if detail else SESSION_LIST),
            markers=markers if name.startswith("me_") else None,
            check_json=True,
        ),
        RouteCase(
            url_name=f"api-v1:{name}",
            label=f"api-v1:{name} (key without {resource})",
            url=url,
            headers=key_header(_others(resource))
            if not name.startswith("me_")
            else key_header(_others(resource), personal=Role.OWNER),
            expect=everyone(403),
        ),
    ]
    if name not in WITH_EVERY_CREDENTIAL:
        return cases
    if name.startswith("me_"):
        cases.append(
            RouteCase(
                url_name=f"api-v1:{name}",
                label=f"api-v1:{name} (owner's personal token)",
                url=url,
                headers=key_header({resource: READ}, personal=Role.OWNER),
                expect=everyone(200),
                check_json=True,
                markers=(
                    lambda w, m=markers: {
                        k: set(ALL_ROLES) if Role.OWNER in v else set() for k, v in m(w).items()
                    }
                )
                if markers
                else None,
            )
        )
        cases.append(
            RouteCase(
                url_name=f"api-v1:{name}",
                label=f"api-v1:{name} (integrator key)",
                url=url,
                headers=key_header({resource: READ}),
                expect=everyone(UNAUTHENTICATED),  # an integrator key is not a client: /me/ refuses it
            )
        )
    else:
        cases.append(
            RouteCase(
                url_name=f"api-v1:{name}",
                label=f"api-v1:{name} (key: {resource} read)",
                url=url,
                headers=key_header({resource: READ}),
                expect=everyone(200),
            )
        )
        cases.append(
            RouteCase(
                url_name=f"api-v1:{name}",
                label=f"api-v1:{name} (owner's personal token)",
                url=url,
                headers=key_header({resource: READ}, personal=Role.OWNER),
                expect=everyone(UNAUTHENTICATED),  # a client's token never opens the integrator API
            )
        )
    return cases


def _write_cases(
    name: str,
    resource: str,
    url,
    data,
    *,
    ok: int,
    me: bool,
    if_match=None,
    method: str = "post",
    json_body: bool = True,
    setup=None,
) -> list:
    """A write route: by session, by a write key, by a read-only key."""

    def with_match(headers):
        if if_match is None:
            return headers
        return lambda w: {**headers(w), "If-Match": if_match(w)}

    right = key_header({resource: WRITE}, personal=Role.OWNER if me else None)
    read_only = key_header({resource: READ}, personal=Role.OWNER if me else None)
    session = {**SESSION_DETAIL, Role.OWNER: ok, Role.COMPANY_ADMIN: ok} if me else NO_SESSION
    return [
        RouteCase(
            url_name=f"api-v1:{name}",
            url=url,
            method=method,
            data=data,
            json_body=json_body,
            expect=session,
            setup=setup,
        ),
        RouteCase(
            url_name=f"api-v1:{name}",
            label=f"api-v1:{name} (key: {resource} write)",
            url=url,
            method=method,
            data=data,
            json_body=json_body,
            headers=with_match(right),
            expect=everyone(ok),
            setup=setup,
        ),
        RouteCase(
            url_name=f"api-v1:{name}",
            label=f"api-v1:{name} (key: {resource} read only)",
            url=url,
            method=method,
            data=data,
            json_body=json_body,
            headers=with_match(read_only),
            expect=everyone(403),
            setup=setup,
        ),
    ]


def _etag(world: World) -> str:
    from kabinet.api.conventions import etag_of

    world.order.refresh_from_db()
    return etag_of(world.order)


def _invoice_etag(world: World) -> str:
    from kabinet.api.conventions import etag_of

    world.invoice.refresh_from_db()
    return etag_of(world.invoice)


def _document_upload(world: World) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "title": "Договор через API",
        "company": world.company.public_id,
        "file": SimpleUploadedFile("contract.pdf", b"%PDF-1.4\n%matrix\n", content_type="application/pdf"),
    }


def _pipeline_cases() -> list:
    """Pipelines answer the kinds the key's scopes allow (orders, tickets): 403 only with neither."""
    url = lambda w: reverse("api-v1:pipelines")  # noqa: E731
    neither = {r: WRITE for r in RESOURCES if r not in ("orders", "tickets")}
    return [
        RouteCase(url_name="api-v1:pipelines", url=url, expect=NO_SESSION),
        RouteCase(
            url_name="api-v1:pipelines",
            label="api-v1:pipelines (key without orders and tickets)",
            url=url,
            headers=key_header(neither),
            expect=everyone(403),
        ),
        RouteCase(
            url_name="api-v1:pipelines",
            label="api-v1:pipelines (key: tickets read)",
            url=url,
            headers=key_header({"tickets": READ}),
            expect=everyone(200),
        ),
        RouteCase(
            url_name="api-v1:pipelines",
            label="api-v1:pipelines (owner's personal token)",
            url=url,
            headers=key_header({"orders": READ}, personal=Role.OWNER),
            expect=everyone(UNAUTHENTICATED),
        ),
    ]


def _membership_cases() -> list:
    """Removing the owner from his company: a DELETE, so by session, by a write key and a read-only key."""
    url = lambda w: reverse(  # noqa: E731
        "api-v1:membership_delete", args=[w.order.contact.public_id, w.company.public_id]
    )
    return [
        RouteCase(url_name="api-v1:membership_delete", url=url, method="delete", expect=NO_SESSION),
        RouteCase(
            url_name="api-v1:membership_delete",
            label="api-v1:membership_delete (key: clients write)",
            url=url,
            method="delete",
            headers=key_header({"clients": WRITE}),
            expect=everyone(204),
        ),
        RouteCase(
            url_name="api-v1:membership_delete",
            label="api-v1:membership_delete (key: clients read only)",
            url=url,
            method="delete",
            headers=key_header({"clients": READ}),
            expect=everyone(403),
        ),
    ]


def _contact_etag(world: World) -> str:
    from kabinet.api.conventions import etag_of

    world.order.contact.refresh_from_db()
    return etag_of(world.order.contact)


def _company_etag(world: World) -> str:
    from kabinet.api.conventions import etag_of

    world.company.refresh_from_db()
    return etag_of(world.company)


def _file_upload(world: World) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "company": world.company.public_id,
        "file": SimpleUploadedFile("act.pdf", b"%PDF-1.4\n%matrix\n", content_type="application/pdf"),
    }


def _signature_asked(world: World) -> None:
    from kabinet.signing.actions import request_signature

    request_signature(actor=world.user(Role.STAFF), document=world.document, any_company_admin=True)


def _signature_cases() -> list:
    """The document's signature request: read (once asked) and asked for, by an integrator key only."""
    url = lambda w: reverse("api-v1:document_signature", args=[w.document.public_id])  # noqa: E731
    read = [
        RouteCase(url_name="api-v1:document_signature", url=url, expect=NO_SESSION, setup=_signature_asked),
        RouteCase(
            url_name="api-v1:document_signature",
            label="api-v1:document_signature (key: documents read)",
            url=url,
            headers=key_header({"documents": READ}),
            expect=everyone(200),
            setup=_signature_asked,
        ),
        RouteCase(
            url_name="api-v1:document_signature",
            label="api-v1:document_signature (key without documents)",
            url=url,
            headers=key_header(_others("documents")),
            expect=everyone(403),
            setup=_signature_asked,
        ),
        RouteCase(
            url_name="api-v1:document_signature",
            label="api-v1:document_signature (not asked yet)",
            url=url,
            headers=key_header({"documents": READ}),
            expect=everyone(404),
        ),
    ]
    write = _write_cases(
        "document_signature_create",
        "documents",
        lambda w: reverse("api-v1:document_signature_create", args=[w.document.public_id]),
        lambda w: {"client_contact": w.order.contact.public_id},
        ok=201,
        me=False,
    )
    return read + write


SESSION_CLIENTS = {
    **dict.fromkeys(CLIENT_ROLES, 201),
    Role.STAFF: UNAUTHENTICATED,
    Role.ANONYMOUS: UNAUTHENTICATED,
}


def _client_write_cases(
    name: str,
    resource: str,
    url,
    data,
    *,
    session: dict,
    ok: int,
    method: str = "post",
    json_body: bool = True,
    setup=None,
    if_match: str | None = None,
) -> list:
    """A client write: by session as every role, by the owner's token with and without the scope, and by an
    integrator key (never a client: 401)."""
    extra = {"If-Match": if_match} if if_match else {}

    def with_extra(headers):
        return lambda w: {**headers(w), **extra}

    common = {
        "url_name": f"api-v1:{name}",
        "url": url,
        "method": method,
        "data": data,
        "json_body": json_body,
    }
    return [
        RouteCase(**common, expect=session, setup=setup, headers=(lambda w: extra) if extra else None),
        RouteCase(
            **common,
            label=f"api-v1:{name} (owner's token: {resource} write)",
            headers=with_extra(key_header({resource: WRITE}, personal=Role.OWNER)),
            expect=everyone(ok),
            setup=setup,
        ),
        RouteCase(
            **common,
            label=f"api-v1:{name} (owner's token: {resource} read only)",
            headers=with_extra(key_header({resource: READ}, personal=Role.OWNER)),
            expect=everyone(403),
            setup=setup,
        ),
        RouteCase(
            **common,
            label=f"api-v1:{name} (integrator key)",
            headers=with_extra(key_header({resource: WRITE})),
            expect=everyone(UNAUTHENTICATED),
            setup=setup,
        ),
    ]


def _order_asks(world: World) -> None:
    from kabinet.crm.models import Order
    from kabinet.testing.factories import StageFactory

    accepted = StageFactory(pipeline=world.order.pipeline, name="Согласовано")
    offer = StageFactory(
        pipeline=world.order.pipeline, name="Предложение", asks_client=True, confirm_stage=accepted
    )
    Order.objects.filter(pk=world.order.pk).update(stage=offer)


def _chat_upload(world: World) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%matrix\n", content_type="application/pdf")
    return {"body": "Скан договора", "attachments": [photo]}


CLIENT_WRITES = [
    *_client_write_cases(
        "me_tickets_create",
        "tickets",
        lambda w: reverse("api-v1:me_tickets_create"),
        lambda w: {"subject": "Вопрос из приложения", "body": "Когда доставка?"},
        session=SESSION_CLIENTS,
        ok=201,
    ),
    *_client_write_cases(
        "me_messages_create",
        "messages",
        lambda w: reverse("api-v1:me_messages_create"),
        _chat_upload,
        session=SESSION_CLIENTS,
        ok=201,
        json_body=False,
    ),
    *_read_cases("me_profile", "clients", lambda w: reverse("api-v1:me_profile"), detail=False),
    *_client_write_cases(
        "me_profile_update",
        "clients",
        lambda w: reverse("api-v1:me_profile_update"),
        lambda w: {"position": "Инженер"},
        session={**SESSION_CLIENTS, **dict.fromkeys(CLIENT_ROLES, 200)},
        ok=200,
        method="patch",
        if_match="*",
    ),
    *_client_write_cases(
        "me_order_decision",
        "orders",
        lambda w: reverse("api-v1:me_order_decision", args=[w.order.public_id]),
        lambda w: {"decision": "confirm"},
        session=SESSION_DETAIL,
        ok=200,
        setup=_order_asks,
    ),
    *_client_write_cases(
        "me_notifications_read",
        "messages",
        lambda w: reverse("api-v1:me_notifications_read"),
        lambda w: {},
        session={**SESSION_CLIENTS, **dict.fromkeys(CLIENT_ROLES, 200)},
        ok=200,
    ),
]


def _other_stage(world: World) -> dict:
    from kabinet.testing.factories import StageFactory

    stage = world.order.pipeline.stages.exclude(pk=world.order.stage_id).first()
    stage = stage or StageFactory(pipeline=world.order.pipeline, name="Через API")
    return {"stage": stage.pk}


def _hide_order(order) -> None:
    from kabinet.crm.actions import set_order_hidden

    set_order_hidden(actor=None, order=order, hidden=True)


ROUTES = [
    RouteCase(url_name="api-v1:api-root", url=lambda w: reverse("api-v1:api-root"), expect=everyone(404)),
    RouteCase(
        url_name="api-v1:openapi-json", url=lambda w: reverse("api-v1:openapi-json"), expect=everyone(200)
    ),
    RouteCase(
        url_name="api-v1:openapi-view", url=lambda w: reverse("api-v1:openapi-view"), expect=everyone(200)
    ),
    # --- the client API -------------------------------------------------------------------------------
    *_read_cases(
        "me_orders",
        "orders",
        lambda w: reverse("api-v1:me_orders"),
        detail=False,
        markers=_markers_mine("order", "number"),
    ),
    *_read_cases(
        "me_order",
        "orders",
        lambda w: reverse("api-v1:me_order", args=[w.order.public_id]),
        detail=True,
        markers=_markers_mine("order", "number"),
    ),
    RouteCase(  # an order the CRM hid after it was shown: the client API leaves it out too
        url_name="api-v1:me_orders",
        label="api-v1:me_orders (hidden order)",
        url=lambda w: reverse("api-v1:me_orders"),
        setup=lambda w: _hide_order(w.order),
        expect=SESSION_LIST,
        check_json=True,
        markers=lambda w: {w.order.number: set(), w.foreign["order"].number: {Role.OTHER_CLIENT}},
    ),
    RouteCase(
        url_name="api-v1:me_order",
        label="api-v1:me_order (hidden order)",
        url=lambda w: reverse("api-v1:me_order", args=[w.order.public_id]),
        setup=lambda w: _hide_order(w.order),
        expect={**SESSION_DETAIL, Role.OWNER: 404, Role.COMPANY_ADMIN: 404},
    ),
    *_read_cases(
        "me_invoices",
        "invoices",
        lambda w: reverse("api-v1:me_invoices"),
        detail=False,
        markers=_markers_mine("invoice", "number"),
    ),
    *_read_cases(
        "me_invoice",
        "invoices",
        lambda w: reverse("api-v1:me_invoice", args=[w.invoice.public_id]),
        detail=True,
    ),
    *_read_cases(
        "me_documents",
        "documents",
        lambda w: reverse("api-v1:me_documents"),
        detail=False,
        markers=_markers_mine("document", "public_id"),
    ),
    *_read_cases(
        "me_document",
        "documents",
        lambda w: reverse("api-v1:me_document", args=[w.document.public_id]),
        detail=True,
    ),
    *_read_cases(
        "me_tickets",
        "tickets",
        lambda w: reverse("api-v1:me_tickets"),
        detail=False,
        markers=_markers_mine("ticket", "number"),
    ),
    *_read_cases(
        "me_ticket", "tickets", lambda w: reverse("api-v1:me_ticket", args=[w.ticket.public_id]), detail=True
    ),
    *_read_cases(
        "me_ticket_messages",
        "tickets",
        lambda w: reverse("api-v1:me_ticket_messages", args=[w.ticket.public_id]),
        detail=True,
    ),
    *_read_cases("me_messages", "messages", lambda w: reverse("api-v1:me_messages"), detail=False),
    *_read_cases("me_timeline", "timeline", lambda w: reverse("api-v1:me_timeline"), detail=False),
    *_write_cases(
        "me_ticket_messages_create",
        "tickets",
        lambda w: reverse("api-v1:me_ticket_messages_create", args=[w.ticket.public_id]),
        lambda w: {"body": "A reply through the API"},
        ok=201,
        me=True,
    ),
    *CLIENT_WRITES,
    # --- the integrator API ---------------------------------------------------------------------------
    *_read_cases("contacts", "clients", lambda w: reverse("api-v1:contacts"), detail=False),
    *_read_cases("companies", "clients", lambda w: reverse("api-v1:companies"), detail=False),
    *_read_cases("orders", "orders", lambda w: reverse("api-v1:orders"), detail=False),
    *_read_cases("order", "orders", lambda w: reverse("api-v1:order", args=[w.order.public_id]), detail=True),
    *_read_cases("invoices", "invoices", lambda w: reverse("api-v1:invoices"), detail=False),
    *_read_cases(
        "invoice", "invoices", lambda w: reverse("api-v1:invoice", args=[w.invoice.public_id]), detail=True
    ),
    *_read_cases("documents", "documents", lambda w: reverse("api-v1:documents"), detail=False),
    *_read_cases(
        "document",
        "documents",
        lambda w: reverse("api-v1:document", args=[w.document.public_id]),
        detail=True,
    ),
    *_read_cases("tickets", "tickets", lambda w: reverse("api-v1:tickets"), detail=False),
    *_read_cases(
        "ticket", "tickets", lambda w: reverse("api-v1:ticket", args=[w.ticket.public_id]), detail=True
    ),
    *_read_cases(
        "ticket_messages",
        "tickets",
        lambda w: reverse("api-v1:ticket_messages", args=[w.ticket.public_id]),
        detail=True,
    ),
    *_read_cases("messages", "messages", lambda w: reverse("api-v1:messages"), detail=False),
    *_read_cases("timeline", "timeline", lambda w: reverse("api-v1:timeline"), detail=False),
    *_read_cases(
        "contact",
        "clients",
        lambda w: reverse("api-v1:contact", args=[w.order.contact.public_id]),
        detail=True,
    ),
    *_read_cases(
        "company", "clients", lambda w: reverse("api-v1:company", args=[w.company.public_id]), detail=True
    ),
    *_read_cases("signatures", "documents", lambda w: reverse("api-v1:signatures"), detail=False),
    *_signature_cases(),
    *_read_cases("files", "files", lambda w: reverse("api-v1:files"), detail=False),
    *_read_cases("file", "files", lambda w: reverse("api-v1:file", args=[w.file.public_id]), detail=True),
    *_read_cases(
        "file_download",
        "files",
        lambda w: reverse("api-v1:file_download", args=[w.file.public_id]),
        detail=True,
    ),
    *_write_cases(
        "companies_create",
        "clients",
        lambda w: reverse("api-v1:companies_create"),
        lambda w: {"name": "ООО Через API", "inn": "7707083893"},
        ok=201,
        me=False,
    ),
    *_write_cases(
        "company_update",
        "clients",
        lambda w: reverse("api-v1:company_update", args=[w.company.public_id]),
        lambda w: {"postal_address": "Москва, а/я 12"},
        ok=200,
        me=False,
        if_match=_company_etag,
        method="patch",
    ),
    *_write_cases(
        "contact_update",
        "clients",
        lambda w: reverse("api-v1:contact_update", args=[w.order.contact.public_id]),
        lambda w: {"position": "Главный инженер"},
        ok=200,
        me=False,
        if_match=_contact_etag,
        method="patch",
    ),
    *_write_cases(
        "tickets_create",
        "tickets",
        lambda w: reverse("api-v1:tickets_create"),
        lambda w: {"subject": "Вопрос", "body": "Через API", "contact": w.order.contact.public_id},
        ok=201,
        me=False,
    ),
    *_write_cases(
        "timeline_create",
        "timeline",
        lambda w: reverse("api-v1:timeline_create"),
        lambda w: {"text": "Позвонил клиенту", "company": w.company.public_id},
        ok=201,
        me=False,
    ),
    *_write_cases(
        "files_create",
        "files",
        lambda w: reverse("api-v1:files_create"),
        _file_upload,
        ok=201,
        me=False,
        json_body=False,
    ),
    *_write_cases(
        "contacts_create",
        "clients",
        lambda w: reverse("api-v1:contacts_create"),
        lambda w: {"first_name": "Пётр", "emails": ["petr@example.test"]},
        ok=201,
        me=False,
    ),
    *_write_cases(
        "orders_create",
        "orders",
        lambda w: reverse("api-v1:orders_create"),
        lambda w: {"title": "Through the API", "company": w.company.public_id},
        ok=201,
        me=False,
    ),
    *_write_cases(
        "order_stage",
        "orders",
        lambda w: reverse("api-v1:order_stage", args=[w.order.public_id]),
        _other_stage,
        ok=200,
        me=False,
        if_match=_etag,
    ),
    *_pipeline_cases(),
    *_membership_cases(),
    *_write_cases(
        "memberships_create",
        "clients",
        lambda w: reverse("api-v1:memberships_create", args=[w.order.contact.public_id]),
        lambda w: {"company": w.other_company.public_id, "role": "member"},
        ok=201,
        me=False,
    ),
    *_write_cases(
        "order_items_create",
        "orders",
        lambda w: reverse("api-v1:order_items_create", args=[w.order.public_id]),
        lambda w: {"name": "Доставка", "price": "300.00"},
        ok=201,
        me=False,
        if_match=_etag,
    ),
    *_write_cases(
        "invoices_create",
        "invoices",
        lambda w: reverse("api-v1:invoices_create"),
        lambda w: {"amount": "990.00", "company": w.company.public_id},
        ok=201,
        me=False,
    ),
    *_write_cases(
        "invoice_update",
        "invoices",
        lambda w: reverse("api-v1:invoice_update", args=[w.invoice.public_id]),
        lambda w: {"due_date": "2031-01-31"},
        ok=200,
        me=False,
        if_match=_invoice_etag,
        method="patch",
    ),
    *_write_cases(
        "invoice_void",
        "invoices",
        lambda w: reverse("api-v1:invoice_void", args=[w.invoice.public_id]),
        lambda w: {},
        ok=200,
        me=False,
        if_match=_invoice_etag,
    ),
    *_write_cases(
        "documents_create",
        "documents",
        lambda w: reverse("api-v1:documents_create"),
        _document_upload,
        ok=201,
        me=False,
        json_body=False,
    ),
    *_write_cases(
        "messages_create",
        "messages",
        lambda w: reverse("api-v1:messages_create"),
        lambda w: {"contact": w.order.contact.public_id, "company": w.company.public_id, "body": "Через API"},
        ok=201,
        me=False,
    ),
    *_write_cases(
        "ticket_messages_create",
        "tickets",
        lambda w: reverse("api-v1:ticket_messages_create", args=[w.ticket.public_id]),
        lambda w: {"body": "An agent's answer", "internal": False},
        ok=201,
        me=False,
    ),
]
