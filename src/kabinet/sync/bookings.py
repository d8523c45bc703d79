"""A booking system's settings and records (YCLIENTS) ↔ Kabinet's bookings, beside the deals the engine pulls.

Same rules as :mod:`kabinet.sync.engine`, through the ``bookings`` actions only:

- **Settings** (branches with their time zone, services with duration and price, specialists with what they
  provide) are imported idempotently by the vendor's id (``Link`` of kind branch/service/specialist, and the
  rows' ``source``/``external_id``); staff's own rules on a branch (notice, deadline, caps) are left alone.
- **Records** are pulled per branch by ``changed_after`` (the branch's cursor in ``Connection.booking_sync``),
  page by page; each page is applied in one transaction together with the checkpoint of the next, so an
  import killed midway resumes at the page it was on. A record's digest makes reading it again a no-op.
- **Status**: attendance 1 → attended, -1 → did not come, 0/2 → confirmed; ``deleted`` → cancelled (the client
  is told). The client is matched by his phone (E.164, through the engine's contact rules: a verified phone
  of exactly one Kabinet contact, else a new contact; two candidates go to the review list).
- **Kabinet → the system**: a booking made in Kabinet (by the client, a visitor or staff) at a branch synced
  from a connection becomes a ``Push`` of entity ``record`` in the transaction of the booking (the outbox);
  the job creates the record (``create_record``, YCLIENTS's ``book_record``) and keeps its id on the booking.
  A cancellation in Kabinet deletes the record there. What the sync itself wrote carries ``origin`` and is
  never sent back.
- **Loyalty cards** (the connection's ``loyalty`` setting ``mirror``): the cards of the clients whose records
  changed in a pull are read and their sums become the client's balance and points (``payments.mirror_card``,
  entries of the connection's source); with ``kabinet`` no card is read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from kabinet.bookings import actions as bookings
from kabinet.bookings.models import Booking, Branch, Service, Specialist
from kabinet.core.providers.crm import CAME, NO_SHOW, CrmError, CrmProvider, CrmRecord
from kabinet.crm.models import Contact, TimelineEntry
from kabinet.payments import actions as payments
from kabinet.sync.engine import (
    CREATED,
    MAX_PAGES_PER_RUN,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    Context,
    count,
    digest,
    finish,
    link,
    open_conflict,
    parse_time,
    provider_for,
    resolve_contact,
)
from kabinet.sync.models import Connection, Link, Push, Run

SOURCE_OF = {"yclients": "yclients"}  # provider id → the ``source`` written on the rows it brings


def source(connection: Connection) -> str:
    return SOURCE_OF.get(connection.provider, connection.provider)[:32]


def status_of(record: CrmRecord) -> str:
    if record.deleted:
        return Booking.Status.CANCELLED
    if record.attendance == CAME:
        return Booking.Status.ATTENDED
    if record.attendance == NO_SHOW:
        return Booking.Status.NO_SHOW
    return Booking.Status.CONFIRMED


# --- settings ------------------------------------------------------------------------------------------------


def linked_objects(connection: Connection, kind: str, rows: Any) -> dict[str, Any]:
    """The Kabinet rows (of the model or queryset ``rows``) linked to ``kind`` objects, by the vendor's id."""
    ids = dict(Link.objects.filter(connection=connection, kind=kind).values_list("object_id", "crm_id"))
    queryset = rows.objects.all() if isinstance(rows, type) else rows
    return {ids[row.pk]: row for row in queryset.filter(pk__in=ids)}


def import_settings(connection: Connection, provider: CrmProvider, run: Run) -> list[str]:
    """Branches, services and specialists; answers the branch ids. One transaction per branch."""
    branch_ids = []
    origin = source(connection)
    for crm_branch in provider.branches():
        services, staff = provider.services(crm_branch.id), provider.staff(crm_branch.id)
        with transaction.atomic():
            known = linked_objects(connection, Link.Kind.BRANCH, Branch)
            values: dict[str, Any] = {"name": crm_branch.name[:200], "address": crm_branch.address[:300]}
            if crm_branch.time_zone:
                values["time_zone"] = crm_branch.time_zone
            branch, changed = bookings.save_external_setup(
                actor=None,
                obj=known.get(crm_branch.id) or Branch(phone=crm_branch.phone[:32]),
                source=origin,
                external_id=crm_branch.id,
                values=values,
            )
            link(connection, Link.Kind.BRANCH, crm_branch.id, branch.pk)
            count(run, UPDATED if changed else UNCHANGED)
            known_services = linked_objects(connection, Link.Kind.SERVICE, Service)
            rows: dict[str, Service] = {}
            for item in services:
                service, changed = bookings.save_external_setup(
                    actor=None,
                    obj=known_services.get(item.id) or Service(branch=branch),
                    source=origin,
                    external_id=item.id,
                    values={
                        "name": item.name[:200],
                        "duration_minutes": item.duration_minutes,
                        "price": item.price,
                        "active": item.active,
                    },
                )
                link(connection, Link.Kind.SERVICE, item.id, service.pk)
                rows[item.id] = service
                count(run, UPDATED if changed else UNCHANGED)
            known_staff = linked_objects(connection, Link.Kind.SPECIALIST, Specialist)
            provides: dict[str, list[Specialist]] = {service_id: [] for service_id in rows}
            for person in staff:
                specialist, changed = bookings.save_external_setup(
                    actor=None,
                    obj=known_staff.get(person.id) or Specialist(branch=branch),
                    source=origin,
                    external_id=person.id,
                    values={"name": person.name[:200], "title": person.title[:200], "active": person.active},
                )
                link(connection, Link.Kind.SPECIALIST, person.id, specialist.pk)
                count(run, UPDATED if changed else UNCHANGED)
                for service_id in person.service_ids:
                    provides.setdefault(service_id, []).append(specialist)
            for service_id, service in rows.items():
                bookings.set_service_specialists(
                    actor=None, service=service, specialists=provides.get(service_id, [])
                )
        branch_ids.append(crm_branch.id)
    return branch_ids


# --- records ---------------------------------------------------------------------------------------------


def record_digest(record: CrmRecord) -> str:
    return digest(
        {
            "starts": record.starts_at.isoformat(),
            "minutes": record.minutes,
            "staff": record.staff_id,
            "services": record.service_ids,
            "status": status_of(record),
            "client": record.client_id,
        }
    )


@dataclass
class Setup:
    """What a run's records point at, read once: the imported services and specialists by the vendor's id,
    and the record links of the page being applied (one query a page, none per record)."""

    services: dict[str, Service] = field(default_factory=dict)
    specialists: dict[str, Specialist] = field(default_factory=dict)
    records: dict[str, Link] | None = None

    @classmethod
    def load(cls, connection: Connection) -> Setup:
        return cls(
            services=linked_objects(connection, Link.Kind.SERVICE, Service.objects.select_related("branch")),
            specialists=linked_objects(connection, Link.Kind.SPECIALIST, Specialist.objects.all()),
        )

    def prefetch(self, connection: Connection, records: tuple[CrmRecord, ...]) -> None:
        rows = Link.objects.filter(
            connection=connection, kind=Link.Kind.RECORD, crm_id__in=[r.id for r in records]
        )
        self.records = {row.crm_id: row for row in rows}

    def record_link(self, connection: Connection, crm_id: str) -> Link | None:
        if self.records is not None:
            return self.records.get(crm_id)
        return Link.objects.filter(connection=connection, kind=Link.Kind.RECORD, crm_id=crm_id).first()


def apply_record(context: Context, record: CrmRecord, setup: Setup | None = None) -> str:
    """Create or update the Kabinet booking of one record; answers what happened. Inside a transaction."""
    connection = context.connection
    setup = setup or Setup.load(connection)
    row = setup.record_link(connection, record.id)
    value_digest = record_digest(record)
    if row is not None and row.digest == value_digest:
        return UNCHANGED
    booking = Booking.objects.filter(pk=row.object_id).first() if row else None
    service = setup.services.get(record.service_ids[0]) if record.service_ids else None
    specialist = setup.specialists.get(record.staff_id)
    if service is None or specialist is None:
        if booking is None and record.deleted:
            return SKIPPED  # never seen, already deleted: nothing to show
        open_conflict(
            connection,
            Link.Kind.RECORD,
            record.id,
            f"record {record.id}: its service or staff member is not imported (run the import again)",
            [],
        )
        return SKIPPED
    status = status_of(record)
    origin = source(connection)
    try:
        if booking is None:
            if record.deleted:
                return SKIPPED
            if record.client is not None:
                context.cards.setdefault(record.client_id, record.client)
            contact = resolve_contact(context, record.client_id)
            if contact is None:
                open_conflict(
                    connection, Link.Kind.RECORD, record.id, f"record {record.id}: no client to book for", []
                )
                return SKIPPED
            booking = bookings.record_external_booking(
                actor=None,
                source=origin,
                external_id=record.id,
                service=service,
                specialist=specialist,
                contact=contact,
                starts_at=record.starts_at,
                minutes=record.minutes,
                status=status,
                price=record.cost,
                comment=record.comment,
            )
            outcome = CREATED
        else:
            changed = bookings.apply_external_change(
                actor=None,
                booking=booking,
                source=origin,
                starts_at=record.starts_at,
                minutes=record.minutes,
                specialist=specialist,
                status=status,
            )
            outcome = UPDATED if changed else UNCHANGED
    except bookings.SlotTaken:
        open_conflict(
            connection,
            Link.Kind.RECORD,
            record.id,
            f"record {record.id}: overlaps another booking of {specialist.name} in Kabinet",
            [],
        )
        return SKIPPED
    link(connection, Link.Kind.RECORD, record.id, booking.pk, value_digest)
    return outcome


def apply_safely(context: Context, record: CrmRecord, setup: Setup | None = None) -> str:
    if setup is not None and setup.records is not None:
        row = setup.records.get(record.id)
        if row is not None and row.digest == record_digest(record):
            return UNCHANGED  # what was applied last: not even a savepoint
    try:
        with transaction.atomic():
            return apply_record(context, record, setup)
    except ValidationError as error:
        if setup is not None:
            setup.records = None  # the savepoint may have undone a link the cache holds
        open_conflict(
            context.connection,
            Link.Kind.RECORD,
            record.id,
            f"record {record.id}: {'; '.join(error.messages)}",
            [],
        )
        return SKIPPED


def pull_bookings(
    connection: Connection, *, sleep: Any = None, now: datetime.datetime | None = None
) -> Run | None:
    """Settings, then every branch's records changed since its cursor, resuming a checkpoint; ``None`` (no
    run, no call) for a CRM without bookings. A refusal ends the run with the vendor's words (``stopped`` for
    broken credentials: the connection stops and the administrators are told, as for deals)."""
    now = now or timezone.now()
    provider = provider_for(connection, sleep=sleep)
    if not provider.supports_bookings:
        return None
    run = Run.objects.create(connection=connection, kind=Run.Kind.BOOKINGS, started_at=now)
    state = dict(Connection.objects.values_list("booking_sync", flat=True).get(pk=connection.pk) or {})
    cursors: dict[str, str] = dict(state.get("cursors") or {})
    resume: dict[str, str] = dict(state.get("resume") or {})
    touched: dict[str, str] = {}  # clients whose records changed: their loyalty cards are read again
    try:
        branch_ids = import_settings(connection, provider, run)
        context = Context.load(connection, provider)
        setup = Setup.load(connection)
        if resume.get("branch") in branch_ids:  # an import killed midway starts again at its branch
            branch_ids = branch_ids[branch_ids.index(resume["branch"]) :]
        for branch_id in branch_ids:
            here = resume if resume.get("branch") == branch_id else {}
            since = parse_time(cursors.get(branch_id, ""))
            token, newest = here.get("page", ""), parse_time(here.get("newest", "")) or since
            for _number in range(MAX_PAGES_PER_RUN):
                page = provider.records(branch_id, changed_after=since, page=token)
                with transaction.atomic():
                    setup.prefetch(connection, page.records)
                    for record in page.records:
                        outcome = apply_safely(context, record, setup)
                        count(run, outcome)
                        if outcome in (CREATED, UPDATED) and record.client_id:
                            touched.setdefault(record.client_id, branch_id)
                        if record.modified_at and (newest is None or record.modified_at > newest):
                            newest = record.modified_at
                    run.pages += 1
                    token = page.next
                    if token:
                        state["resume"] = {
                            "branch": branch_id,
                            "page": token,
                            "newest": newest.isoformat() if newest else "",
                        }
                    else:
                        state.pop("resume", None)
                        if newest is not None:
                            cursors[branch_id] = newest.isoformat()
                        state["cursors"] = cursors
                    Connection.objects.filter(pk=connection.pk).update(booking_sync=state)
                    run.save()
                if not token:
                    break
            resume = {}
        if provider.config.get("loyalty", MIRROR) == MIRROR:
            mirror_cards(connection, provider, list(touched.items())[:CARDS_PER_RUN])
    except CrmError as error:
        return finish(connection, run, error=error, now=now)
    run.status, run.finished_at = Run.Status.OK, timezone.now()
    run.save()
    Connection.objects.filter(pk=connection.pk).update(last_success_at=now)
    return run


# --- loyalty cards ---------------------------------------------------------------------------------------

MIRROR = (
    "mirror"  # the connection's ``loyalty`` setting: the cards are the truth (else Kabinet owns the ledger)
)
CARDS_PER_RUN = 200


def mirror_cards(connection: Connection, provider: CrmProvider, clients: list[tuple[str, str]]) -> int:
    """Each client's cards (their sums) become his Kabinet balance and points, entries of the connection's
    source; answers how many clients changed. One transaction per client."""
    contacts = dict(
        Link.objects.filter(
            connection=connection, kind=Link.Kind.CONTACT, crm_id__in=[c for c, _b in clients]
        ).values_list("crm_id", "object_id")
    )
    changed = 0
    for client_id, branch_id in clients:
        contact = Contact.objects.filter(pk=contacts.get(client_id)).first()
        if contact is None:
            continue
        cards = provider.loyalty_cards(branch_id, client_id)
        with transaction.atomic():
            written = payments.mirror_card(
                actor=None,
                contact=contact,
                source=source(connection),
                balance=sum((card.balance for card in cards), Decimal("0")),
                points=sum((card.points for card in cards), Decimal("0")),
                reason=", ".join(f"{card.name} {card.number}".strip() for card in cards) or "—",
            )
        changed += bool(written)
    return changed


def pull_record(connection: Connection, branch_id: str, record_id: str, *, sleep: Any = None) -> Run:
    """Fetch one record again and apply it (a webhook): a record gone from the system cancels its booking."""
    now = timezone.now()
    run = Run.objects.create(connection=connection, kind=Run.Kind.WEBHOOK, started_at=now)
    try:
        provider = provider_for(connection, sleep=sleep)
        record = provider.record(branch_id, record_id)
        with transaction.atomic():
            if record is None:
                row = Link.objects.filter(
                    connection=connection, kind=Link.Kind.RECORD, crm_id=record_id
                ).first()
                booking = Booking.objects.filter(pk=row.object_id).first() if row else None
                if booking is not None:
                    bookings.apply_external_change(
                        actor=None,
                        booking=booking,
                        source=source(connection),
                        starts_at=booking.starts_at,
                        minutes=int((booking.ends_at - booking.starts_at).total_seconds() // 60),
                        specialist=booking.specialist,
                        status=Booking.Status.CANCELLED,
                    )
                    Link.objects.filter(pk=row.pk).update(deleted_in_crm=True, digest="")
                    count(run, UPDATED)
                else:
                    count(run, SKIPPED)
            else:
                count(run, apply_safely(Context.load(connection, provider), record))
    except CrmError as error:
        return finish(connection, run, error=error, now=now)
    run.status, run.finished_at = Run.Status.OK, timezone.now()
    run.save()
    return run


def branch_ids(connection: Connection) -> list[str]:
    return list(
        Link.objects.filter(connection=connection, kind=Link.Kind.BRANCH).values_list("crm_id", flat=True)
    )


# --- Kabinet → the system (the outbox) ------------------------------------------------------------------

CREATE, CANCEL = "create", "cancel"


def from_timeline(sender: Any, instance: TimelineEntry, created: bool, **kwargs: Any) -> None:
    """A booking made or cancelled in Kabinet at a synced branch: a ``Push`` in the same transaction."""
    if not created or kwargs.get("raw") or instance.event not in ("booking.created", "booking.cancelled"):
        return
    if instance.data.get("origin"):
        return  # the sync's own write: never sent back
    if not instance.subject_id or instance.kind != "booking":
        return
    # One query where no branch is synced (most portals): the connections holding the booking's branch.
    branch_links = list(
        Link.objects.filter(
            kind=Link.Kind.BRANCH,
            object_id__in=Booking.objects.filter(pk=instance.subject_id).values("branch_id"),
            connection__is_active=True,
        ).values_list("connection_id", flat=True)
    )
    if not branch_links:
        return
    booking = Booking.objects.filter(pk=instance.subject_id).only("pk", "external_id").first()
    if booking is None:
        return
    if instance.event == "booking.cancelled" and not booking.external_id:
        # Not created there yet: the waiting "create" sees the cancellation and sends nothing.
        return
    pushes = [
        Push.objects.create(
            connection_id=connection_id,
            entity="record",
            entity_id=str(booking.pk),
            text=CREATE if instance.event == "booking.created" else CANCEL,
            timeline_entry=instance.pk,
            author_id=instance.actor_id,
        )
        for connection_id in branch_links
    ]
    ids = [push.pk for push in pushes]
    from kabinet.sync.tasks import deliver_pushes

    transaction.on_commit(lambda: deliver_pushes(ids))


def deliver_record(connection: Connection, provider: CrmProvider, push: Push) -> str:
    """Carry one booking push to the system; answers the record id there (inside the push's transaction)."""
    booking = (
        Booking.objects.select_related("branch", "service", "specialist", "contact")
        .filter(pk=int(push.entity_id))
        .first()
    )
    if booking is None:
        return ""
    branch_id = (
        Link.objects.filter(connection=connection, kind=Link.Kind.BRANCH, object_id=booking.branch_id)
        .values_list("crm_id", flat=True)
        .first()
    )
    if push.text == CANCEL:
        if booking.external_id and branch_id:
            provider.cancel_record(branch_id=branch_id, record_id=booking.external_id)
        return booking.external_id
    if booking.external_id or booking.status == Booking.Status.CANCELLED:
        return booking.external_id  # already there, or cancelled before it was sent: nothing to create
    ids = {
        kind: Link.objects.filter(connection=connection, kind=kind, object_id=pk)
        .values_list("crm_id", flat=True)
        .first()
        for kind, pk in (
            (Link.Kind.SERVICE, booking.service_id),
            (Link.Kind.SPECIALIST, booking.specialist_id),
        )
    }
    if not branch_id or not ids[Link.Kind.SERVICE] or not ids[Link.Kind.SPECIALIST]:
        raise CrmError("not_found", "the booking's service or specialist is not synced with this connection")
    contact = booking.contact
    phones = list(contact.phones.order_by("-verified_at", "id").values_list("phone", flat=True)[:1])
    if not phones:
        raise CrmError("refused", "the client has no phone: YCLIENTS books by phone")
    email = contact.emails.order_by("-verified_at", "id").values_list("email", flat=True).first() or ""
    record_id = provider.create_record(
        branch_id=branch_id,
        staff_id=ids[Link.Kind.SPECIALIST],
        service_id=ids[Link.Kind.SERVICE],
        starts_at=booking.starts_at.astimezone(booking.branch.zone),
        phone=phones[0],
        name=contact.full_name,
        email=email,
        comment=booking.comment,
        api_id=booking.public_id,
    )
    bookings.link_external_booking(
        actor=None, booking=booking, source=source(connection), external_id=record_id
    )
    link(connection, Link.Kind.RECORD, record_id, booking.pk)
    return record_id


def connect() -> None:
    post_save.connect(from_timeline, sender=TimelineEntry, dispatch_uid="sync-bookings-outbox")
